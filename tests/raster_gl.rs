//! Rasterizer state on the GL backend, through the C ABI with command streams as Mesa's
//! virgl driver sends them: wide lines (the capsets offer the host's line widths), the
//! polygon stipple's bit order, and point sprite replacement limited to points. Each was
//! a piglit test that passed on upstream and not on ours (`primitive-restart`,
//! `polygon-offset`, `gl-2.1-polygon-stipple-fs`, `gl-2.1-pbo`,
//! `arb_point_sprite-interactions`).
//!
//! One renderer per process: `cargo nextest run --test raster_gl`.

mod common;

use common::stream::*;
use common::*;
use virglrenderer::ffi::caps::{virgl_renderer_fill_caps, virgl_renderer_get_cap_set};
use virglrenderer::ffi::context::*;
use virglrenderer::ffi::types::*;

const BIND_SHADER: u32 = 31;
const SET_VIEWPORT_STATE: u32 = 4;
const SET_VERTEX_BUFFERS: u32 = 6;
const SET_POLYGON_STIPPLE: u32 = 22;
const TRIANGLES: u32 = 4;
const LINES: u32 = 1;
/// Rasterizer S0 bits: depth_clip, point_quad_rasterization, poly_stipple_enable,
/// half_pixel_center.
const DEPTH_CLIP: u32 = 1 << 1;
const SPRITES: u32 = 1 << 7;
const STIPPLE: u32 = 1 << 22;
const HALF_PIXEL: u32 = 1 << 29;

const VS: &str = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nDCL OUT[1], TEXCOORD[0]\n\
    IMM[0] FLT32 { 0.0000, 1.0000, 0.0000, 0.0000 }\n  0: MOV OUT[0], IN[0].xyzz\n\
      1: MOV OUT[0].zw, IMM[0].xxxy\n  2: MOV OUT[1], IMM[0].xyxy\n  3: END\n";
/// The fragment colour is the vertex stage's TEXCOORD[0]: green.
const FS: &str = "FRAG\nDCL IN[0], TEXCOORD[0], PERSPECTIVE\nDCL OUT[0], COLOR\n\
      0: MOV OUT[0], IN[0]\n  1: END\n";

fn f(v: f32) -> u32 {
    v.to_bits()
}

/// Context 1 with a 16×16 RGBA8 target (resource 1, returned), the fixed state, both
/// shaders, the viewport and a vertex buffer (resource 2): a triangle covering the
/// lower-left half, then a horizontal line across the middle (NDC y = 0, window y = 8).
fn setup() -> virgl_renderer_resource_create_args {
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    let rt = tex(1, RGBA8, 16, 16);
    vertex_buffer(2, &[-1.0, -1.0, 1.0, -1.0, -1.0, 1.0, -1.0, 0.0, 1.0, 0.0]);
    let mut c = Cmds::default();
    fixed_draw_state(&mut c);
    shader(&mut c, 30, 0, VS);
    shader(&mut c, 31, 1, FS);
    c.push(BIND_SHADER, 0, &[30, 0]);
    c.push(BIND_SHADER, 0, &[31, 1]);
    c.push(SET_VIEWPORT_STATE, 0, &[0, f(8.0), f(8.0), f(0.5), f(8.0), f(8.0), f(0.5)]);
    c.push(SET_VERTEX_BUFFERS, 0, &[8, 0, 2]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    rt
}

/// Clears, binds a rasterizer (handle `h`: S0 `s0`, sprite_coord_enable `sprites`, line
/// width `width`) and draws `count` vertices from `start` as `mode`.
fn draw(h: u32, s0: u32, sprites: u32, width: f32, (mode, start, count): (u32, u32, u32)) {
    let mut c = Cmds::default();
    c.push(CLEAR, 0, &[1 << 2, 0, 0, 0, 0, 0, 0, 0]);
    c.push(CREATE_OBJECT, OBJ_RASTERIZER, &[h, s0, f(1.0), sprites, 0, f(width), 0, 0, 0]);
    c.push(BIND_OBJECT, OBJ_RASTERIZER, &[h]);
    c.push(DRAW_VBO, 0, &[start, count, mode, 0, 1, 0, 0, 0, 0, 0, u32::MAX, 0]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
}

fn green(out: &[u8], x: usize, y: usize) -> bool {
    out[(y * 16 + x) * 4 + 1] == 255
}

/// The VIRGL2 capset offers the host's wide lines (the guest clamps glLineWidth to its
/// `max_aliased_line_width`; it said 1), and a line of width 5 covers about five rows (GL
/// draws wide lines in our core, not forward-compatible contexts); width 1 covers one.
#[test]
fn wide_lines_are_offered_and_drawn_wide() {
    let _s = gl_session();
    let (mut ver, mut size) = (0u32, 0u32);
    // SAFETY: valid out-pointers.
    unsafe { virgl_renderer_get_cap_set(2, &mut ver, &mut size) };
    let mut caps = vec![0u8; size as usize];
    // SAFETY: `caps` holds `size` bytes.
    unsafe { virgl_renderer_fill_caps(2, ver, caps.as_mut_ptr().cast()) };
    // `max_aliased_line_width` of virgl_caps_v2, at byte 328.
    let max_width = f32::from_le_bytes(caps[328..332].try_into().unwrap());
    assert!(max_width >= 5.0, "max_aliased_line_width {max_width}");
    let rt = setup();
    let rows = |out: &[u8]| (0..16).filter(|&y| green(out, 8, y)).count();
    draw(40, HALF_PIXEL | DEPTH_CLIP, 0, 1.0, (LINES, 3, 2));
    let thin = rows(&level0(&rt));
    draw(41, HALF_PIXEL | DEPTH_CLIP, 0, 5.0, (LINES, 3, 2));
    let wide = rows(&level0(&rt));
    assert_eq!(thin, 1, "width 1");
    assert!((4..=6).contains(&wide), "width 5 covered {wide} rows");
}

/// Gallium's stipple rows are most significant bit first: bit 31 of row 0 is pixel
/// (0, 0), bit 29 pixel (2, 0); a zero row draws nothing.
#[test]
fn polygon_stipple_bit_31_is_the_first_pixel() {
    let _s = gl_session();
    let rt = setup();
    let mut pattern = [0u32; 32];
    pattern[0] = 1 << 31 | 1 << 29;
    let mut c = Cmds::default();
    c.push(SET_POLYGON_STIPPLE, 0, &pattern);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    draw(40, HALF_PIXEL | DEPTH_CLIP | STIPPLE, 0, 1.0, (TRIANGLES, 0, 3));
    let out = level0(&rt);
    let row0: Vec<usize> = (0..16).filter(|&x| green(&out, x, 0)).collect();
    assert_eq!(row0, [0, 2], "row 0");
    assert!((0..16).all(|x| !green(&out, x, 1)), "row 1 (a zero word) drew");
}

/// Point sprites on (texture coordinate 0 replaced) while drawing triangles: the
/// replacement applies to points only, the fragments read the vertex stage's value.
#[test]
fn point_sprite_replacement_leaves_triangles_alone() {
    let _s = gl_session();
    let rt = setup();
    draw(40, HALF_PIXEL | DEPTH_CLIP | SPRITES, 1, 1.0, (TRIANGLES, 0, 3));
    let out = level0(&rt);
    assert_eq!(&out[(2 * 16 + 2) * 4..][..4], &[0, 255, 0, 255], "covered pixel");
}
