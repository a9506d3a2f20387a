//! BLITs between colour formats of different GL storage on the GL backend, as Mesa's virgl
//! driver sends them for glCopyTexImage and glBlitFramebuffer (piglit `copyteximage
//! 2D_ARRAY` copies RGBA8 into RGB16 and RGB16F textures, which the guest holds as
//! R16G16B16X16_UNORM / _FLOAT): one glBlitFramebuffer where the stored channels line up
//! (into X storage: its X channel is not read), the CPU path (and its refusal) where they
//! do not (from X storage into a format keeping alpha: the stored X would be copied).
//! Also a view of the destination in another format of the same storage (R8_UNORM over
//! L8_UNORM, as Mesa sends glCopyTexImage into GL_LUMINANCE), and depth between different
//! depth formats (Z24S8 → Z16, Z16 → Z32F), which glBlitFramebuffer refuses: through the
//! values on the CPU path; stencil alone between stencil formats of different storage.
//!
//! One renderer per process: `cargo nextest run --test blit_convert_gl`. GL is required
//! (llvmpipe through EGL surfaceless at least).

mod common;

use common::stream::*;
use common::*;
use virglrenderer::ffi::context::*;

const W: u32 = 4;
const RGBX16: u32 = 234; // R16G16B16X16_UNORM: RGBA16 sampled as RGB1.
const RGBX16F: u32 = 236; // R16G16B16X16_FLOAT: RGBA16F sampled as RGB1.
const FULL: [i32; 6] = [0, 0, 0, W as i32, W as i32, 1];

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

/// RGBA8 texels with distinct channels, alpha never 255.
fn pattern() -> Vec<u8> {
    (0..W * W).flat_map(|i| [(i * 16) as u8, (255 - i * 9) as u8, (i * 5 + 3) as u8, 7]).collect()
}

fn u16s(bytes: &[u8]) -> Vec<u16> {
    bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect()
}

/// RGBA8 → R16G16B16X16_UNORM (glCopyTexImage into GL_RGB16): each channel widened
/// exactly (v × 257), on GL with no context error.
#[test]
fn rgba8_into_rgbx16_unorm_widens_each_channel() {
    let _s = start();
    let src = tex(1, RGBA8);
    let dst = tex(2, RGBX16);
    let pat = pattern();
    upload(&src, &pat);
    let mut c = Cmds::default();
    c.push(BLIT, 0, &blit_cmd(0xf, (2, RGBX16, FULL), (1, RGBA8, FULL), None));
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    let got = u16s(&level0(&dst));
    for (i, t) in pat.chunks_exact(4).enumerate() {
        let want: Vec<u16> = t[..3].iter().map(|&v| u16::from(v) * 257).collect();
        assert_eq!(&got[i * 4..i * 4 + 3], &want[..], "texel {i}");
    }
}

/// RGBA8 → R16G16B16X16_FLOAT (GL_RGB16F), scaled 2× from the lower-left quarter: 0 and
/// 255 become half-float 0.0 and 1.0.
#[test]
fn rgba8_into_rgbx16_float_converts_and_scales() {
    let _s = start();
    let src = tex(1, RGBA8);
    let dst = tex(2, RGBX16F);
    let pat: Vec<u8> = (0..W * W)
        .flat_map(|i| [if i % 2 == 0 { 255 } else { 0 }, if i % 3 == 0 { 255 } else { 0 }, 255, 0])
        .collect();
    upload(&src, &pat);
    let h = W as i32 / 2;
    let mut c = Cmds::default();
    c.push(BLIT, 0, &blit_cmd(0xf, (2, RGBX16F, FULL), (1, RGBA8, [0, 0, 0, h, h, 1]), None));
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    let got = u16s(&level0(&dst));
    let half = |v: u8| if v == 255 { 0x3c00u16 } else { 0 };
    for y in 0..W {
        for x in 0..W {
            let s = px(&pat, W, 4, x / 2, y / 2);
            let i = (y * W + x) as usize * 4;
            let want = [half(s[0]), half(s[1]), half(s[2])];
            assert_eq!(&got[i..i + 3], &want, "({x}, {y})");
        }
    }
}

/// R16G16B16X16_UNORM → RGBA8: glBlitFramebuffer would copy the stored X into alpha, so
/// the GL path leaves it to the CPU path, which refuses it (an error of the context, the
/// destination unchanged); the other way round into R16G16B16X16 is fine.
#[test]
fn from_x_storage_into_alpha_is_not_a_glblitframebuffer() {
    let _s = start();
    let x16 = tex(1, RGBX16);
    let dst = tex(2, RGBA8);
    let before = pattern();
    upload(&dst, &before);
    let mut c = Cmds::default();
    c.push(BLIT, 0, &blit_cmd(0xf, (2, RGBA8, FULL), (1, RGBX16, FULL), None));
    assert_eq!(c.submit(1), 0);
    assert_eq!(ctx_error(1), UNSUPPORTED_FUNCTION);
    assert_eq!(level0(&dst), before);
    let _ = x16;
}

/// RGBA8 → an R8_UNORM view of an L8_UNORM resource (both stored as R8; glCopyTexImage
/// into GL_LUMINANCE): red lands in the stored byte.
#[test]
fn red_into_a_red_view_of_luminance_storage() {
    const L8: u32 = 9;
    let _s = start();
    let src = tex(1, RGBA8);
    let dst = tex(2, L8);
    let pat = pattern();
    upload(&src, &pat);
    let mut c = Cmds::default();
    c.push(BLIT, 0, &blit_cmd(0xf, (2, R8, FULL), (1, RGBA8, FULL), None));
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    let want: Vec<u8> = pat.chunks_exact(4).map(|t| t[0]).collect();
    assert_eq!(level0(&dst), want);
}

/// Depth between formats of different storage (glCopyTexImage of a Z24S8 depth buffer
/// into GL_DEPTH_COMPONENT16; then Z16 into Z32_FLOAT), scissored: each value rounded to
/// the nearest step of the destination, the texels outside the scissor kept.
#[test]
fn depth_between_depth_formats_through_the_values() {
    const Z32F: u32 = 18;
    let _s = start();
    let bind = BIND_SAMPLER_VIEW | BIND_DEPTH_STENCIL;
    let zs = tex_bind(1, S8Z24, W, W, bind);
    let z16 = tex_bind(2, Z16, W, W, bind);
    let zf = tex_bind(3, Z32F, W, W, bind);
    // Z in the high 24 bits, stencil in the low 8.
    let z24: Vec<u32> = (0..W * W).map(|i| i * 0x000f_0f0f + 0x0012_3456).collect();
    upload(&zs, &z24.iter().flat_map(|z| (z << 8 | 0x5a).to_le_bytes()).collect::<Vec<_>>());
    upload(&z16, &[0x11; (W * W * 2) as usize]);
    let mut c = Cmds::default();
    let inner = Some((1, 1, W - 1, W - 1));
    c.push(BLIT, 0, &blit_cmd(0x30, (2, Z16, FULL), (1, S8Z24, FULL), inner));
    c.push(BLIT, 0, &blit_cmd(0x10, (3, Z32F, FULL), (2, Z16, FULL), None));
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    let got = u16s(&level0(&z16));
    let floats: Vec<f32> =
        level0(&zf).chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    for y in 0..W {
        for x in 0..W {
            let i = (y * W + x) as usize;
            let inside = (1..W - 1).contains(&x) && (1..W - 1).contains(&y);
            let want = if inside {
                (f64::from(z24[i]) / 16777215.0 * 65535.0).round() as u16
            } else {
                0x1111
            };
            assert_eq!(got[i], want, "Z16 ({x}, {y})");
            assert_eq!(floats[i], (f64::from(want) / 65535.0) as f32, "Z32F ({x}, {y})");
        }
    }
}

/// Stencil alone from S8_UINT into S8_UINT_Z24_UNORM (glBlitFramebuffer between the two
/// storages where the host does it, else the CPU path): the stencil bytes copied, the
/// destination's depth kept.
#[test]
fn stencil_between_stencil_formats() {
    const S8: u32 = 23;
    let _s = start();
    let bind = BIND_SAMPLER_VIEW | BIND_DEPTH_STENCIL;
    let s8 = tex_bind(1, S8, W, W, bind);
    let zs = tex_bind(2, S8Z24, W, W, bind);
    let stencil: Vec<u8> = (0..W * W).map(|i| (i * 7 + 1) as u8).collect();
    upload(&s8, &stencil);
    let z24: Vec<u32> = (0..W * W).map(|i| i * 0x0001_0203 + 0x0040_0000).collect();
    upload(&zs, &z24.iter().flat_map(|z| (z << 8 | 0xa5).to_le_bytes()).collect::<Vec<_>>());
    let mut c = Cmds::default();
    c.push(BLIT, 0, &blit_cmd(0x20, (2, S8Z24, FULL), (1, S8, FULL), None));
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    let got: Vec<u32> =
        level0(&zs).chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    for (i, v) in got.iter().enumerate() {
        assert_eq!(*v, z24[i] << 8 | u32::from(stencil[i]), "texel {i}");
    }
}
