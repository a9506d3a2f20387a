//! The GL 4.x features level 2 offers where the host's GL has them (issue #14), executed on
//! the GL backend through the C ABI with command streams as Mesa's virgl driver sends them:
//! stencil sampler views of depth/stencil textures (GL_ARB_stencil_texturing), cube-map
//! array textures sampled with `samplerCubeArray`, and the fragment stage's STENCIL output
//! (GL_ARB_shader_stencil_export). Every CI host's llvmpipe (GL 4.5) has all three.
//!
//! One renderer per process: `cargo nextest run --test gl4_features_gl`.

mod common;

use common::stream::*;
use common::*;
use virglrenderer::ffi::context::*;
use virglrenderer::ffi::types::*;

const BIND_SHADER: u32 = 31;
const SET_VIEWPORT_STATE: u32 = 4;
const SET_VERTEX_BUFFERS: u32 = 6;
const SET_SAMPLER_VIEWS: u32 = 10;
const BIND_SAMPLER_STATES: u32 = 18;
const OBJ_SAMPLER_VIEW: u32 = 6;
const OBJ_SAMPLER_STATE: u32 = 7;
const TRIANGLES: u32 = 4;
const SET_STENCIL_REF: u32 = 13;
/// `VIRGL_FORMAT_S8X24_UINT`: the stencil of S8_UINT_Z24_UNORM.
const S8X24_UINT: u32 = 137;
/// PIPE_SWIZZLE_X, Y, Z, W packed as SAMPLER_VIEW's swizzle word.
const IDENTITY: u32 = 1 << 3 | 2 << 6 | 3 << 9;

const VS: &str = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nIMM[0] FLT32 { 0.0000, 1.0000, 0.0000, 0.0000 }\n  0: MOV OUT[0], IN[0].xyzz\n  1: MOV OUT[0].zw, IMM[0].xxxy\n  2: END\n";

fn f(v: f32) -> u32 {
    v.to_bits()
}

/// Context 1 with a 16×16 RGBA8 target (resource 1, returned), the fixed state, the vertex
/// shader, the viewport and the triangle (resource 2) covering pixel (2, 2); a nearest
/// sampler state (70) bound to fragment sampler 0.
fn setup() -> virgl_renderer_resource_create_args {
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    let rt = tex(1, RGBA8, 16, 16);
    vertex_buffer(2, &[-1.0, -1.0, 1.0, -1.0, -1.0, 1.0]);
    let mut c = Cmds::default();
    fixed_draw_state(&mut c);
    shader(&mut c, 30, 0, VS);
    c.push(BIND_SHADER, 0, &[30, 0]);
    c.push(SET_VIEWPORT_STATE, 0, &[0, f(8.0), f(8.0), f(0.5), f(8.0), f(8.0), f(0.5)]);
    c.push(SET_VERTEX_BUFFERS, 0, &[8, 0, 2]);
    // Nearest filtering, mip filter NONE (2), LOD 0..16.
    c.push(CREATE_OBJECT, OBJ_SAMPLER_STATE, &[70, 2 << 11, 0, 0, f(16.0), 0, 0, 0, 0]);
    c.push(BIND_SAMPLER_STATES, 0, &[1, 0, 70]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    rt
}

/// Draws the triangle with fragment shader `fs` (handle `h`) and sampler views `views`.
fn draw_with(h: u32, fs: &str, views: &[u32]) {
    let mut c = Cmds::default();
    shader(&mut c, h, 1, fs);
    c.push(BIND_SHADER, 0, &[h, 1]);
    let mut v = vec![1, 0];
    v.extend(views);
    c.push(SET_SAMPLER_VIEWS, 0, &v);
    c.push(DRAW_VBO, 0, &[0, 3, TRIANGLES, 0, 1, 0, 0, 0, 0, 0, u32::MAX, 0]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
}

/// [`draw_with`], then pixel (2, 2) of the RGBA8 target `rt`.
fn draw_pixel(
    rt: &virgl_renderer_resource_create_args,
    h: u32,
    fs: &str,
    views: &[u32],
) -> Vec<u8> {
    draw_with(h, fs, views);
    px(&level0(rt), 16, 4, 2, 2).to_vec()
}

/// A stencil view (S8X24_UINT) of S8_UINT_Z24_UNORM storage samples the stencil through a
/// UINT sampler; a view in the storage's own format samples the depth again afterwards
/// (GL_DEPTH_STENCIL_TEXTURE_MODE follows the view, piglit's fbo-depth-array stencil-*).
#[test]
fn stencil_views_sample_the_stencil() {
    let _s = gl_session();
    let rt = setup();
    let zs = tex_bind(3, S8Z24, 4, 4, BIND_SAMPLER_VIEW | BIND_DEPTH_STENCIL);
    // Stencil 10 × texel index in the low byte, depth 0.5 above it.
    let texels: Vec<u32> = (0..16u32).map(|i| 0x0080_0000 << 8 | (i * 10)).collect();
    upload(&zs, &texels.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<_>>());
    let mut c = Cmds::default();
    c.push(CREATE_OBJECT, OBJ_SAMPLER_VIEW, &[60, 3, S8X24_UINT | 2 << 24, 0, 0, IDENTITY]);
    c.push(CREATE_OBJECT, OBJ_SAMPLER_VIEW, &[61, 3, S8Z24 | 2 << 24, 0, 0, IDENTITY]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    // Texel (1, 2) (index 9: stencil 90) as red = stencil / 255.
    let stencil_fs = "FRAG\nDCL OUT[0], COLOR\nDCL SAMP[0]\nDCL SVIEW[0], 2D, UINT\nDCL TEMP[0]\n\
        IMM[0] FLT32 { 0.3750, 0.6250, 0.0039215689, 0.0000 }\n\
        0: TEX TEMP[0], IMM[0].xyyy, SAMP[0], 2D\n1: U2F TEMP[0].x, TEMP[0].xxxx\n\
        2: MUL OUT[0], TEMP[0].xxxx, IMM[0].zzzz\n3: END\n";
    assert_eq!(draw_pixel(&rt, 32, stencil_fs, &[60])[0], 90, "stencil of texel (1, 2)");
    let depth_fs = "FRAG\nDCL OUT[0], COLOR\nDCL SAMP[0]\nDCL SVIEW[0], 2D, FLOAT\n\
        IMM[0] FLT32 { 0.3750, 0.6250, 0.0000, 0.0000 }\n\
        0: TEX OUT[0], IMM[0].xyyy, SAMP[0], 2D\n1: END\n";
    let d = draw_pixel(&rt, 33, depth_fs, &[61])[0];
    assert!(d.abs_diff(128) <= 1, "depth 0.5 through the depth view: {d}");
    // And the stencil view again: the texture's mode follows the view each draw.
    assert_eq!(draw_pixel(&rt, 32, stencil_fs, &[60])[0], 90);
}

/// TG4 (GL_ARB_texture_gather) at the centre of a 2×2 texture returns the red of its four
/// texels in GL's order: (i0, j1), (i1, j1), (i1, j0), (i0, j0).
#[test]
fn gather_returns_the_four_texels() {
    let _s = gl_session();
    let rt = setup();
    let t = tex_bind(3, RGBA8, 2, 2, BIND_SAMPLER_VIEW);
    // Row 0 (j0): red 40, 80; row 1 (j1): red 120, 160.
    let texels: Vec<u8> = [40u8, 80, 120, 160].iter().flat_map(|&r| [r, 1, 2, 255]).collect();
    upload(&t, &texels);
    let mut c = Cmds::default();
    c.push(CREATE_OBJECT, OBJ_SAMPLER_VIEW, &[60, 3, RGBA8 | 2 << 24, 0, 0, IDENTITY]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    let fs = "FRAG\nDCL OUT[0], COLOR\nDCL SAMP[0]\nDCL SVIEW[0], 2D, FLOAT\n\
        IMM[0] FLT32 { 0.5000, 0.5000, 0.0000, 0.0000 }\nIMM[1] UINT32 { 0, 0, 0, 0 }\n\
        0: TG4 OUT[0], IMM[0].xyyy, IMM[1].xxxx, SAMP[0], 2D\n1: END\n";
    assert_eq!(draw_pixel(&rt, 32, fs, &[60]), [120, 160, 80, 40]);
}

/// A CUBE_ARRAY texture of two cubes: TEX with the cube in w reads the face of the
/// direction in the cube asked for; TXL2 (LOD in src1.x) and TXQ (the size and the number of
/// cubes) as Mesa sends them.
#[test]
fn cube_map_arrays_sample_the_cube_asked_for() {
    let _s = gl_session();
    let rt = setup();
    let a = virgl_renderer_resource_create_args {
        bind: BIND_SAMPLER_VIEW,
        ..args(3, CUBE_ARRAY, RGBA8, 2, 2, 1, 12, 0)
    };
    assert_eq!(create(a), 0);
    virgl_renderer_ctx_attach_resource(1, 3);
    // Layer-face k (cube k / 6, face k % 6) is filled with (10 k, 255 - 10 k, 7, 255).
    let data: Vec<u8> = (0..12u8).flat_map(|k| [10 * k, 255 - 10 * k, 7, 255].repeat(4)).collect();
    upload(&a, &data);
    let mut c = Cmds::default();
    c.push(
        CREATE_OBJECT,
        OBJ_SAMPLER_VIEW,
        &[60, 3, RGBA8 | CUBE_ARRAY << 24, 11 << 16, 0, IDENTITY],
    );
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    // Direction -Y (face 3) in cube 1: layer-face 9.
    let tex = "FRAG\nDCL OUT[0], COLOR\nDCL SAMP[0]\nDCL SVIEW[0], CUBEARRAY, FLOAT\n\
        IMM[0] FLT32 { 0.0000, -1.0000, 0.0000, 1.0000 }\n\
        0: TEX OUT[0], IMM[0], SAMP[0], CUBEARRAY\n1: END\n";
    assert_eq!(draw_pixel(&rt, 32, tex, &[60]), [90, 165, 7, 255]);
    // Direction +X (face 0) in cube 0 at LOD 0 through TXL2.
    let txl2 = "FRAG\nDCL OUT[0], COLOR\nDCL SAMP[0]\nDCL SVIEW[0], CUBEARRAY, FLOAT\n\
        IMM[0] FLT32 { 1.0000, 0.0000, 0.0000, 0.0000 }\n\
        0: TXL2 OUT[0], IMM[0], IMM[0].yyyy, SAMP[0], CUBEARRAY\n1: END\n";
    assert_eq!(draw_pixel(&rt, 33, txl2, &[60]), [0, 255, 7, 255]);
    // TXQ: width 2, height 2, 2 cubes, as 0.25 × each.
    let txq = "FRAG\nDCL OUT[0], COLOR\nDCL SAMP[0]\nDCL SVIEW[0], CUBEARRAY, FLOAT\nDCL TEMP[0]\n\
        IMM[0] INT32 { 0, 0, 0, 0 }\nIMM[1] FLT32 { 0.2500, 1.0000, 0.0000, 0.0000 }\n\
        0: TXQ TEMP[0], IMM[0].xxxx, SAMP[0], CUBEARRAY\n1: I2F TEMP[0].xyz, TEMP[0].xyzz\n\
        2: MUL OUT[0].xyz, TEMP[0].xyzz, IMM[1].xxxx\n3: MOV OUT[0].w, IMM[1].yyyy\n4: END\n";
    assert_eq!(draw_pixel(&rt, 34, txq, &[60]), [128, 128, 128, 255]);
}

/// The STENCIL output (reference in y) replaces the stencil reference under a REPLACE
/// stencil op: the covered pixels of the depth/stencil buffer hold the value the shader
/// wrote (piglit's fbo-depth-array fs-writes-stencil, glsl-fs-shader-stencil-export).
#[test]
fn stencil_output_replaces_the_reference() {
    const OBJ_DSA: u32 = 3;
    let _s = gl_session();
    setup();
    let zs = tex_bind(3, S8Z24, 16, 16, BIND_SAMPLER_VIEW | BIND_DEPTH_STENCIL);
    let mut c = Cmds::default();
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[11, 3, S8Z24, 0, 0]);
    c.push(SET_FRAMEBUFFER_STATE, 0, &[1, 11, 10]);
    // Clear stencil to 3 (PIPE_CLEAR_STENCIL = 1 << 1).
    c.push(CLEAR, 0, &[1 << 1, 0, 0, 0, 0, 0, 0, 3]);
    // Stencil on: func ALWAYS (7), zpass REPLACE (2), masks 0xff; reference 1.
    let st = 1 | 7 << 1 | 2 << 7 | 0xff << 13 | 0xff << 21;
    c.push(CREATE_OBJECT, OBJ_DSA, &[40, 0, st, 0, 0]);
    c.push(BIND_OBJECT, OBJ_DSA, &[40]);
    c.push(SET_STENCIL_REF, 0, &[1 | 1 << 8]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    let fs = "FRAG\nDCL OUT[0], STENCIL\nDCL OUT[1], COLOR\nIMM[0] INT32 { 0, 77, 0, 0 }\n\
        0: MOV OUT[0].y, IMM[0].yyyy\n1: MOV OUT[1], IMM[0].xxxx\n2: END\n";
    draw_with(32, fs, &[]);
    let out = level0(&zs);
    let stencil = |x: usize, y: usize| out[(y * 16 + x) * 4];
    assert_eq!(stencil(2, 2), 77, "covered: the shader's value");
    assert_eq!(stencil(13, 13), 3, "not covered: the clear's");
}

/// One-sided stencil (no back-face enable) tests and writes the front reference on back
/// faces too: Mesa's scissored stencil clear draws a quad with reference `[n, 0]`, and
/// the quad wrote 0 where it faced away (piglit gl-1.0-scissor-stencil-clear,
/// fbo-clear-formats … stencil).
#[test]
fn one_sided_stencil_writes_the_front_reference_on_both_faces() {
    let _s = gl_session();
    setup();
    let zs = tex_bind(3, S8Z24, 16, 16, BIND_SAMPLER_VIEW | BIND_DEPTH_STENCIL);
    let one = 1.0f32.to_bits();
    let fs = "FRAG\nDCL OUT[0], COLOR\nIMM[0] FLT32 { 0.0000, 1.0000, 0.0000, 0.0000 }\n\
        0: MOV OUT[0], IMM[0].xxxy\n1: END\n";
    let mut c = Cmds::default();
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[11, 3, S8Z24, 0, 0]);
    c.push(SET_FRAMEBUFFER_STATE, 0, &[1, 11, 10]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    // The triangle under both windings: one of the two draws faces away.
    for (i, ccw) in [0u32, 1].into_iter().enumerate() {
        let mut c = Cmds::default();
        c.push(CLEAR, 0, &[1 << 1, 0, 0, 0, 0, 0, 0, 3]);
        // Front: ALWAYS, REPLACE on pass, masks 0xff; no back-face enable.
        let st = 1 | 7 << 1 | 2 << 7 | 0xff << 13 | 0xff << 21;
        c.push(CREATE_OBJECT, OBJ_DSA, &[40 + i as u32, 0, st, 0, 0]);
        c.push(BIND_OBJECT, OBJ_DSA, &[40 + i as u32]);
        let s0 = 1 << 29 | 1 << 1 | ccw << 15;
        c.push(CREATE_OBJECT, OBJ_RASTERIZER, &[50 + i as u32, s0, one, 0, 0, one, 0, 0, 0]);
        c.push(BIND_OBJECT, OBJ_RASTERIZER, &[50 + i as u32]);
        // Front reference 5, back 0 (as Mesa sends it for one-sided stencil).
        c.push(SET_STENCIL_REF, 0, &[5]);
        assert_eq!(c.submit(1), 0, "front_ccw {ccw}: context error {}", ctx_error(1));
        draw_with(32 + i as u32, fs, &[]);
        let out = level0(&zs);
        let stencil = |x: usize, y: usize| out[(y * 16 + x) * 4];
        assert_eq!(stencil(2, 2), 5, "covered, front_ccw {ccw}: the front reference");
        assert_eq!(stencil(13, 13), 3, "not covered: the clear's");
    }
}

/// A luminance render target kept in red storage (L8_UNORM as R8, a level-2 render
/// candidate) stores the red output, as gallium packs luminance (it stored the blue one:
/// the output swizzle took the last of the channels reading stored red).
#[test]
fn luminance_targets_store_the_red_output() {
    const L8_UNORM: u32 = 9;
    let _s = gl_session();
    setup();
    let l8 = tex(5, L8_UNORM, 16, 16);
    let mut c = Cmds::default();
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[12, 5, L8_UNORM, 0, 0]);
    c.push(SET_FRAMEBUFFER_STATE, 0, &[1, 0, 12]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    let fs = "FRAG\nDCL OUT[0], COLOR\nIMM[0] FLT32 { 0.2500, 0.5000, 0.7500, 1.0000 }\n\
        0: MOV OUT[0], IMM[0]\n1: END\n";
    draw_with(32, fs, &[]);
    let out = level0(&l8);
    assert!(out[2 * 16 + 2].abs_diff(64) <= 1, "red 0.25: {}", out[2 * 16 + 2]);
}
