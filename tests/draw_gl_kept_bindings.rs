//! A draw under the same draw stamp as the last one (no state change) binds neither the
//! draw framebuffer, the vertex array nor its textures again while nothing but draws
//! reached the GL backend since. These tests put the other paths that bind textures or
//! framebuffers (uploads, blits, readbacks) between two such draws and check the draw
//! still samples its own texture into its own target.
//!
//! One renderer per process: `cargo nextest run --test draw_gl_kept_bindings`.

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

const VS: &str = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nIMM[0] FLT32 { 0.0000, 1.0000, 0.0000, 0.0000 }\n  0: MOV OUT[0], IN[0].xyzz\n  1: MOV OUT[0].zw, IMM[0].xxxy\n  2: END\n";
/// Samples the middle of the texture on unit 0.
const FS: &str = "FRAG\nDCL OUT[0], COLOR\nDCL SAMP[0]\nDCL SVIEW[0], 2D, FLOAT\nIMM[0] FLT32 { 0.5000, 0.5000, 0.0000, 0.0000 }\n  0: TEX OUT[0], IMM[0], SAMP[0], 2D\n  1: END\n";

const GREEN: [u8; 4] = [0, 255, 0, 255];
const RED: [u8; 4] = [255, 0, 0, 255];
const BLUE: [u8; 4] = [0, 0, 255, 255];

/// Context 1: target 1 (16×16), vertex buffer 2 (the lower-left triangle), texture 3
/// (4×4 green) sampled by the fragment shader, texture 4 (4×4 red) not bound.
fn setup() -> [virgl_renderer_resource_create_args; 3] {
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    let rt = tex(1, RGBA8, 16, 16);
    vertex_buffer(2, &[-1.0, -1.0, 1.0, -1.0, -1.0, 1.0]);
    let green = tex(3, RGBA8, 4, 4);
    upload(&green, &GREEN.repeat(16));
    let red = tex(4, RGBA8, 4, 4);
    upload(&red, &RED.repeat(16));
    let mut c = Cmds::default();
    fixed_draw_state(&mut c);
    shader(&mut c, 30, 0, VS);
    shader(&mut c, 31, 1, FS);
    c.push(BIND_SHADER, 0, &[30, 0]);
    c.push(BIND_SHADER, 0, &[31, 1]);
    let h = [8.0f32, 8.0, 0.5].map(f32::to_bits);
    c.push(SET_VIEWPORT_STATE, 0, &[0, h[0], h[1], h[2], h[0], h[1], h[2]]);
    c.push(SET_VERTEX_BUFFERS, 0, &[8, 0, 2]);
    // Identity swizzle (X, Y, Z, W = 0, 1, 2, 3), 2D view of level 0.
    c.push(
        CREATE_OBJECT,
        OBJ_SAMPLER_VIEW,
        &[60, 3, RGBA8 | 2 << 24, 0, 0, 1 << 3 | 2 << 6 | 3 << 9],
    );
    c.push(SET_SAMPLER_VIEWS, 0, &[1, 0, 60]);
    c.push(CREATE_OBJECT, OBJ_SAMPLER_STATE, &[70, 0, 0, 0, 16.0f32.to_bits(), 0, 0, 0, 0]);
    c.push(BIND_SAMPLER_STATES, 0, &[1, 0, 70]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    [rt, green, red]
}

fn draws(n: usize) {
    let mut c = Cmds::default();
    for _ in 0..n {
        c.push(DRAW_VBO, 0, &[0, 3, TRIANGLES, 0, 1, 0, 0, 0, 0, 0, u32::MAX, 0]);
    }
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
}

/// Puts blue into every texel of the target (an upload: no draw-path call).
fn blue_target(rt: &virgl_renderer_resource_create_args) {
    upload(rt, &BLUE.repeat(256));
}

#[test]
fn an_upload_between_draws_does_not_replace_the_texture() {
    let _s = gl_session();
    let [rt, _, red] = setup();
    blue_target(&rt);
    draws(2);
    // The upload binds texture 4 where the draw's texture was (nothing else in between:
    // a readback would make the next draw bind everything anyway).
    upload(&red, &RED.repeat(16));
    draws(1);
    let out = level0(&rt);
    assert_eq!(px(&out, 16, 4, 2, 2), GREEN, "the draw sampled the uploaded texture");
    assert_eq!(px(&out, 16, 4, 13, 13), BLUE);
}

#[test]
fn a_blit_between_draws_does_not_take_the_draw() {
    let _s = gl_session();
    let [rt, _, red] = setup();
    draws(2);
    blue_target(&rt);
    draws(1);
    // BLIT texture 1's top-left 4×4 into texture 4: binds other framebuffers.
    let p = blit_cmd(0xf, (4, RGBA8, [0, 0, 0, 4, 4, 1]), (1, RGBA8, [12, 12, 0, 4, 4, 1]), None);
    assert_eq!(one(1, BLIT, 0, &p), 0, "context error {}", ctx_error(1));
    blue_target(&rt);
    draws(1);
    let out = level0(&rt);
    assert_eq!(px(&out, 16, 4, 2, 2), GREEN, "the draw after the blit went elsewhere");
    assert_eq!(level0(&red), BLUE.repeat(16), "the blit's destination was drawn into");
}
