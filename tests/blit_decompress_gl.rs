//! BLITs from compressed textures on the GL backend, as Mesa's virgl driver sends them for
//! glGenerateMipmap of compressed textures (piglit `fbo-generatemipmap-cubemap S3TC_DXT1`,
//! `fbo-generatemipmap-formats GL_EXT_texture_compression_rgtc`): the level is decoded by GL
//! (read back as RGBA floats) and blitted from a temporary texture; each destination texel
//! gets the decoded value. Luminance destinations take the decoded red (gallium's packing),
//! sRGB blocks viewed linearly are copied as encoded (glGetTexImage of compressed
//! luminance and sRGB formats: piglit `getteximage-formats`); a swizzled compressed source
//! whose decoded channels do not fill the destination (LATC into RGBA8) is refused.
//!
//! One renderer per process: `cargo nextest run --test blit_decompress_gl`. GL is required
//! (llvmpipe through EGL surfaceless at least).

mod common;

use common::stream::*;
use common::*;
use virglrenderer::ffi::context::*;

const W: u32 = 4;
const FULL: [i32; 6] = [0, 0, 0, W as i32, W as i32, 1];
const DXT1_RGB: u32 = 105;
const RGTC1_UNORM: u32 = 113;
const LATC1_UNORM: u32 = 143;
const DXT1_SRGB: u32 = 109;
const L8_UNORM: u32 = 9;

fn start() -> Session {
    let s = gl_session();
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    s
}

fn tex(handle: u32, format: u32) -> virglrenderer::ffi::types::virgl_renderer_resource_create_args {
    let a = args(handle, TEX_2D, format, W, W, 1, 1, 0);
    assert_eq!(create(a), 0, "create {handle}");
    virgl_renderer_ctx_attach_resource(1, handle as i32);
    a
}

/// Whether texel `i` of the 4×4 test block takes the block's first endpoint.
fn first(i: usize) -> bool {
    (i + i / 4) % 2 == 0
}

/// One DXT1 block: endpoints pure red and pure blue (RGB565, red > blue: four-colour mode),
/// a checkerboard of indices 0 (red) and 1 (blue).
fn dxt1_block() -> Vec<u8> {
    let idx = (0..16).fold(0u32, |m, i| m | u32::from(!first(i)) << (2 * i));
    let mut b = Vec::new();
    b.extend(0xf800u16.to_le_bytes());
    b.extend(0x001fu16.to_le_bytes());
    b.extend(idx.to_le_bytes());
    b
}

/// One RGTC1 block: endpoints 200 and 40 (red0 > red1: eight-value mode), a checkerboard
/// of indices 0 and 1.
fn rgtc1_block() -> Vec<u8> {
    let idx = (0..16).fold(0u64, |m, i| m | u64::from(!first(i)) << (3 * i));
    let mut b = vec![200, 40];
    b.extend(&idx.to_le_bytes()[..6]);
    b
}

/// DXT1_RGB → RGBA8 (a cube map's levels made by glGenerateMipmap): red and blue texels
/// exactly, alpha one.
#[test]
fn dxt1_into_rgba8_decodes_each_texel() {
    let _s = start();
    let src = tex(1, DXT1_RGB);
    let dst = tex(2, RGBA8);
    upload(&src, &dxt1_block());
    let mut c = Cmds::default();
    c.push(BLIT, 0, &blit_cmd(0xf, (2, RGBA8, FULL), (1, DXT1_RGB, FULL), None));
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    let got = level0(&dst);
    for (i, t) in got.chunks_exact(4).enumerate() {
        let want = if first(i) { [255, 0, 0, 255] } else { [0, 0, 255, 255] };
        assert_eq!(t, want, "texel {i}");
    }
}

/// RGTC1_UNORM → R8_UNORM, scaled to the lower-left 2×2 quarter with nearest filtering:
/// each destination texel is the decoded value of the source texel under its centre.
#[test]
fn rgtc1_into_r8_scales_the_decoded_level() {
    let _s = start();
    let src = tex(1, RGTC1_UNORM);
    let dst = tex(2, R8);
    upload(&dst, &[9; 16]);
    upload(&src, &rgtc1_block());
    let mut c = Cmds::default();
    let half = [0, 0, 0, 2, 2, 1];
    c.push(BLIT, 0, &blit_cmd(0xf, (2, R8, half), (1, RGTC1_UNORM, FULL), None));
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    let got = level0(&dst);
    for y in 0..W as usize {
        for x in 0..W as usize {
            let want = if x < 2 && y < 2 {
                // Destination (x, y) samples source texel (2x + 1, 2y + 1).
                let i = (2 * y + 1) * 4 + 2 * x + 1;
                if first(i) {
                    200
                } else {
                    40
                }
            } else {
                9
            };
            assert_eq!(got[y * 4 + x], want, "({x}, {y})");
        }
    }
}

/// LATC1 (RGTC1 blocks sampled as luminance) → RGBA8: the decoded image holds red only,
/// so the blit is refused (an error of the context), the destination unchanged.
#[test]
fn swizzled_compressed_sources_are_refused() {
    let _s = start();
    let src = tex(1, LATC1_UNORM);
    let dst = tex(2, RGBA8);
    upload(&src, &rgtc1_block());
    let before: Vec<u8> = (0..64).collect();
    upload(&dst, &before);
    let mut c = Cmds::default();
    c.push(BLIT, 0, &blit_cmd(0xf, (2, RGBA8, FULL), (1, LATC1_UNORM, FULL), None));
    assert_eq!(c.submit(1), 0);
    assert_eq!(ctx_error(1), UNSUPPORTED_FUNCTION);
    assert_eq!(level0(&dst), before);
}

/// glGetTexImage of a GL_COMPRESSED_LUMINANCE texture: Mesa's driver blits the LATC1
/// storage, viewed as RGTC1_UNORM (the same blocks), into L8: each texel the decoded value.
/// LATC1 viewed as itself goes the same way.
#[test]
fn latc1_into_luminance_takes_the_decoded_red() {
    let _s = start();
    let src = tex(1, LATC1_UNORM);
    upload(&src, &rgtc1_block());
    for (h, view) in [(2, RGTC1_UNORM), (3, LATC1_UNORM)] {
        let dst = tex(h, L8_UNORM);
        let mut c = Cmds::default();
        c.push(BLIT, 0, &blit_cmd(0xf, (h, L8_UNORM, FULL), (1, view, FULL), None));
        assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
        assert_eq!(ctx_error(1), 0, "view {view}");
        let got = level0(&dst);
        for (i, t) in got.iter().enumerate() {
            assert_eq!(*t, if first(i) { 200 } else { 40 }, "view {view}, texel {i}");
        }
    }
}

/// DXT1_SRGB storage viewed as DXT1_RGB (glGetTexImage of an sRGB S3TC texture) into
/// RGBA8: the encoded values, not linearised.
#[test]
fn srgb_blocks_viewed_linearly_copy_the_encoded_values() {
    let _s = start();
    let src = tex(1, DXT1_SRGB);
    let dst = tex(2, RGBA8);
    // Endpoint 0 a mid grey (RGB565 16, 32, 16: about 132, 130, 132 of 255), endpoint 1
    // black, every index 0. Linearised, the grey would read about 56.
    let mut block = Vec::new();
    block.extend(0x8410u16.to_le_bytes());
    block.extend(0u16.to_le_bytes());
    block.extend(0u32.to_le_bytes());
    upload(&src, &block);
    let mut c = Cmds::default();
    c.push(BLIT, 0, &blit_cmd(0xf, (2, RGBA8, FULL), (1, DXT1_RGB, FULL), None));
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    for (i, t) in level0(&dst).chunks_exact(4).enumerate() {
        let near = |v: u8, want: u8| v.abs_diff(want) <= 2;
        assert!(near(t[0], 132) && near(t[1], 130) && near(t[2], 132), "texel {i}: {t:?}");
        assert_eq!(t[3], 255, "texel {i}");
    }
}
