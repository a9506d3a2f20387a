//! A surface's layer range → how it attaches to a GL framebuffer (GL 3.2 layered
//! rendering).
//!
//! GL attaches either one layer (`glFramebufferTextureLayer`, a cube face with
//! `glFramebufferTexture2D`) or every layer of a level (`glFramebufferTexture`: a layered
//! attachment, whose layer a geometry shader picks with `gl_Layer` and whose clears clear
//! every layer). A gallium surface names any range `first_layer..=last_layer`. So:
//! - a range of every layer of the level is attached layered when the framebuffer is
//!   layered ([`layered_framebuffer`]: some attachment has more than one layer);
//! - a single layer is attached alone;
//! - a sub-range of more than one layer (texture views; GL 3.3 guests do not make them)
//!   cannot be attached as such: it is attached as its first layer, so draws render there
//!   (as `gl_Layer` 0 would) and never outside the range, and clears clear each layer of
//!   the range one at a time (exact).
//!
//! GL's completeness rule (all attachments layered or none) then holds for the
//! framebuffers a GL guest makes: its own driver checked the same rule, and an attachment
//! it made layered with one layer (a one-layer array) covers its whole level and is
//! attached layered too.

use crate::error::{Error, Result};

/// A surface's layer range, checked against the layers of its level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SurfaceLayers {
    pub first: u32,
    /// Layers in the range: at least 1, never past the level's last layer.
    pub count: u32,
    /// The range is every layer of a level of a texture with layers (array, cube, 3-D).
    pub whole: bool,
}

/// Checks `first..=last` against a level of `level_layers` layers (`layered_target`: the
/// texture has layers GL can attach together: arrays, cubes, 3-D). A first layer past the
/// level or a reversed range is an error; a last layer past the level is clamped to it.
pub fn surface_layers(
    level_layers: u32,
    layered_target: bool,
    first: u32,
    last: u32,
) -> Result<SurfaceLayers> {
    if first >= level_layers || last < first {
        return Err(Error::inval(format!(
            "surface layers {first}..={last} of a level with {level_layers}"
        )));
    }
    let count = last.min(level_layers - 1) - first + 1;
    Ok(SurfaceLayers { first, count, whole: layered_target && first == 0 && count == level_layers })
}

/// Whether a framebuffer of these surfaces is layered: one of them is a whole level of more
/// than one layer. Its surfaces with [`SurfaceLayers::whole`] are then attached layered.
pub fn layered_framebuffer<'a>(surfaces: impl IntoIterator<Item = &'a SurfaceLayers>) -> bool {
    surfaces.into_iter().any(|s| s.whole && s.count > 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        let s = |n, t, f, l| surface_layers(n, t, f, l).unwrap();
        // A whole cube, array, 3-D level.
        assert_eq!(s(6, true, 0, 5), SurfaceLayers { first: 0, count: 6, whole: true });
        // One face / layer.
        assert_eq!(s(6, true, 3, 3), SurfaceLayers { first: 3, count: 1, whole: false });
        // A one-layer array level covered whole.
        assert_eq!(s(1, true, 0, 0), SurfaceLayers { first: 0, count: 1, whole: true });
        // A 2-D texture is never layered.
        assert_eq!(s(1, false, 0, 0), SurfaceLayers { first: 0, count: 1, whole: false });
        // Sub-ranges.
        assert_eq!(s(8, true, 2, 5), SurfaceLayers { first: 2, count: 4, whole: false });
        assert_eq!(s(8, true, 0, 6), SurfaceLayers { first: 0, count: 7, whole: false });
        // The last layer clamped to the level (a 3-D level smaller than the guest's range).
        assert_eq!(s(4, true, 0, 7), SurfaceLayers { first: 0, count: 4, whole: true });
        assert_eq!(s(4, true, 1, u32::MAX), SurfaceLayers { first: 1, count: 3, whole: false });
    }

    #[test]
    fn refused() {
        assert!(surface_layers(6, true, 6, 6).is_err());
        assert!(surface_layers(6, true, 4, 3).is_err());
        assert!(surface_layers(0, true, 0, 0).is_err());
        assert!(surface_layers(1, false, u32::MAX, u32::MAX).is_err());
    }

    #[test]
    fn layered() {
        let whole6 = SurfaceLayers { first: 0, count: 6, whole: true };
        let whole1 = SurfaceLayers { first: 0, count: 1, whole: true };
        let one = SurfaceLayers { first: 2, count: 1, whole: false };
        let range = SurfaceLayers { first: 1, count: 3, whole: false };
        assert!(layered_framebuffer(&[whole6, whole1]));
        assert!(!layered_framebuffer(&[whole1, one]));
        assert!(!layered_framebuffer(&[range]));
        assert!(!layered_framebuffer(&[]));
    }
}
