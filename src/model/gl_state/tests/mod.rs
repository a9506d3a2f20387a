//! Tests of the gallium → GL state mapping: every mapping table over every value its
//! field can hold, end-to-end objects as Mesa sends them for a default context, and the
//! variant-key bits.

mod blend_dsa;
mod gaps;
mod rasterizer;
mod sampler;
mod vertex;

#[test]
fn output_swizzle_inverts_the_storage_swizzle() {
    use glow as g;
    assert_eq!(super::output_swizzle(None), None);
    assert_eq!(super::output_swizzle(Some([g::RED, g::GREEN, g::BLUE, g::ALPHA])), None);
    // B8G8R8A8 kept as RGBA8: stored R holds blue.
    assert_eq!(
        super::output_swizzle(Some([g::BLUE, g::GREEN, g::RED, g::ALPHA])),
        Some([2, 1, 0, 3])
    );
    // B8G8R8X8: the stored alpha keeps its own component.
    assert_eq!(
        super::output_swizzle(Some([g::BLUE, g::GREEN, g::RED, g::ONE])),
        Some([2, 1, 0, 3])
    );
    // A rotation: sampled r reads stored G, …
    assert_eq!(
        super::output_swizzle(Some([g::GREEN, g::BLUE, g::ALPHA, g::RED])),
        Some([3, 0, 1, 2])
    );
    // Luminance kept in red (RRR1): stored R takes red, as gallium packs luminance; alpha
    // kept in red (000R): the alpha.
    assert_eq!(super::output_swizzle(Some([g::RED, g::RED, g::RED, g::ONE])), None);
    assert_eq!(
        super::output_swizzle(Some([g::ZERO, g::ZERO, g::ZERO, g::RED])),
        Some([3, 1, 2, 3])
    );
}
