//! BLITs between 3-D boxes of different depths on the GL backend, as Mesa's virgl driver
//! sends them for glGenerateMipmap of a 3-D texture (piglit `fbo-generatemipmap-3d`): a
//! linear BLIT from a box two layers deep into one layer averages the two source layers
//! (and, halving in x and y, the 2×2 texels of each), a nearest one takes the layer under
//! the destination layer's centre. Also depth scaled with linear filtering
//! (glGenerateMipmap of a depth texture, piglit `fbo-generatemipmap-formats
//! GL_ARB_depth_texture`), which glBlitFramebuffer only copies nearest: filtered on the CPU
//! path.
//!
//! One renderer per process: `cargo nextest run --test blit_layers_gl`. GL is required
//! (llvmpipe through EGL surfaceless at least).

mod common;

use common::stream::*;
use common::*;
use virglrenderer::ffi::context::*;

fn start() -> Session {
    let s = gl_session();
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    s
}

/// A 4×4×2 RGBA8 3-D texture with two levels (level 1: 2×2×1), level 0 filled with
/// `f(x, y, z)`; returns the resource and its level-0 bytes.
fn texture(
    f: impl Fn(u32, u32, u32) -> [u8; 4],
) -> virglrenderer::ffi::types::virgl_renderer_resource_create_args {
    let a = args(1, TEX_3D, RGBA8, 4, 4, 2, 1, 1);
    assert_eq!(create(a), 0);
    virgl_renderer_ctx_attach_resource(1, 1);
    let data: Vec<u8> = (0..2)
        .flat_map(|z| (0..4).flat_map(move |y| (0..4).map(move |x| (x, y, z))))
        .flat_map(|(x, y, z)| f(x, y, z))
        .collect();
    upload(&a, &data);
    a
}

fn blit_level(filter: u32) -> Vec<u32> {
    let mut p = blit_cmd(0xf, (1, RGBA8, [0, 0, 0, 2, 2, 1]), (1, RGBA8, [0, 0, 0, 4, 4, 2]), None);
    p[0] |= filter << 8;
    p[3 + 1] = 1; // destination level 1
    p
}

/// Level 0 → level 1 with linear filtering: each texel the mean of its 2×2×2 source
/// block (within one step of rounding).
#[test]
fn linear_blit_averages_the_two_source_layers() {
    let _s = start();
    // Layer 0 dark, layer 1 bright, a gradient in x and y.
    let f = |x: u32, y: u32, z: u32| {
        [(z * 160 + x * 20) as u8, (z * 100 + y * 30) as u8, (x * y * 4) as u8, 255]
    };
    let a = texture(f);
    let mut c = Cmds::default();
    c.push(BLIT, 0, &blit_level(1));
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    let got = read_level(&mut Rng::new(1), 1, &a, 1).expect("read back");
    for y in 0..2 {
        for x in 0..2 {
            for ch in 0..4 {
                let mut sum = 0u32;
                for z in 0..2 {
                    for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                        sum += u32::from(f(2 * x + dx, 2 * y + dy, z)[ch]);
                    }
                }
                let want = sum as f32 / 8.0;
                let v = got[(y * 2 + x) as usize * 4 + ch];
                assert!(
                    (f32::from(v) - want).abs() <= 1.0,
                    "({x}, {y}) channel {ch}: {v} vs {want}"
                );
            }
        }
    }
}

/// Level 0 → level 1 with nearest filtering: the layer under the centre (z = 1: the
/// centre 0.5·2 = 1 of the two-layer box lies at the start of layer 1).
#[test]
fn nearest_blit_takes_one_source_layer() {
    let _s = start();
    let f = |x: u32, y: u32, z: u32| [(z * 200 + 10) as u8, (x * 40) as u8, (y * 40) as u8, 255];
    let a = texture(f);
    let mut c = Cmds::default();
    c.push(BLIT, 0, &blit_level(0));
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    let got = read_level(&mut Rng::new(1), 1, &a, 1).expect("read back");
    for t in got.chunks_exact(4) {
        assert_eq!(t[0], 210, "{got:?}");
    }
}

/// Z16 4×4 → 2×2 with linear filtering: each destination depth the mean of its 2×2 source
/// block (within one step); with nearest filtering one of them.
#[test]
fn linear_depth_blit_averages() {
    let _s = start();
    let bind = BIND_SAMPLER_VIEW | BIND_DEPTH_STENCIL;
    let src = tex_bind(1, Z16, 4, 4, bind);
    let dst = tex_bind(2, Z16, 2, 2, bind);
    let z = |x: u32, y: u32| (x * 4000 + y * 9000 + 100) as u16;
    let data: Vec<u8> =
        (0..4).flat_map(|y| (0..4).map(move |x| z(x, y))).flat_map(u16::to_le_bytes).collect();
    upload(&src, &data);
    for filter in [1, 0] {
        let mut p =
            blit_cmd(0x10, (2, Z16, [0, 0, 0, 2, 2, 1]), (1, Z16, [0, 0, 0, 4, 4, 1]), None);
        p[0] |= filter << 8;
        let mut c = Cmds::default();
        c.push(BLIT, 0, &p);
        assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
        assert_eq!(ctx_error(1), 0);
        let got = level0(&dst);
        for y in 0..2 {
            for x in 0..2 {
                let o = (y * 2 + x) as usize * 2;
                let v = u16::from_le_bytes([got[o], got[o + 1]]);
                let block = [
                    z(2 * x, 2 * y),
                    z(2 * x + 1, 2 * y),
                    z(2 * x, 2 * y + 1),
                    z(2 * x + 1, 2 * y + 1),
                ];
                if filter == 1 {
                    let mean = block.iter().map(|&v| f64::from(v)).sum::<f64>() / 4.0;
                    assert!((f64::from(v) - mean).abs() <= 1.0, "({x}, {y}): {v} vs {mean}");
                } else {
                    assert!(block.contains(&v), "({x}, {y}): {v} not in {block:?}");
                }
            }
        }
    }
}
