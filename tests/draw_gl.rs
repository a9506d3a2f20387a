//! DRAW_VBO, CLEAR and queries executed on the GL backend, driven through the C ABI with
//! hand-encoded command streams as Mesa's virgl driver sends them, the pixels read back
//! through transfers.
//!
//! One renderer per process: `cargo nextest run --test draw_gl`. GL is required on every
//! host (llvmpipe through EGL surfaceless at least), so a GL backend that does not start
//! fails these tests.

mod common;

use common::stream::*;
use common::*;
use virglrenderer::ffi::context::*;
use virglrenderer::ffi::types::*;

const BIND_SHADER: u32 = 31;
const SET_VIEWPORT_STATE: u32 = 4;
const SET_VERTEX_BUFFERS: u32 = 6;
const SET_INDEX_BUFFER: u32 = 11;
const SET_CONSTANT_BUFFER: u32 = 12;
const BEGIN_QUERY: u32 = 19;
const END_QUERY: u32 = 20;
const GET_QUERY_RESULT: u32 = 21;
const OBJ_RASTERIZER: u32 = 2;
const OBJ_SHADER: u32 = 4;
const OBJ_VERTEX_ELEMENTS: u32 = 5;
const OBJ_QUERY: u32 = 9;
const R32G32_FLOAT: u32 = 29;
const TRIANGLES: u32 = 4;
const BIND_VERTEX_BUFFER: u32 = 1 << 4;
const BIND_INDEX_BUFFER: u32 = 1 << 5;

const VS: &str = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nIMM[0] FLT32 { 0.0000, 1.0000, 0.0000, 0.0000 }\n  0: MOV OUT[0], IN[0].xyzz\n  1: MOV OUT[0].zw, IMM[0].xxxy\n  2: END\n";
const FS: &str = "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0]\n  0: MOV OUT[0], CONST[0]\n  1: END\n";

fn f(v: f32) -> u32 {
    v.to_bits()
}

fn shader(c: &mut Cmds, handle: u32, stage: u32, text: &str) {
    let mut bytes = text.as_bytes().to_vec();
    bytes.push(0);
    let mut p = vec![handle, stage, bytes.len() as u32, 0, 0];
    p.extend(bytes_to_words(&bytes));
    c.push(CREATE_OBJECT, OBJ_SHADER, &p);
}

fn buffer(handle: u32, bytes: &[u8], bind: u32) -> virgl_renderer_resource_create_args {
    let a = virgl_renderer_resource_create_args {
        bind,
        ..args(handle, 0, R8, bytes.len() as u32, 1, 1, 1, 0)
    };
    assert_eq!(create(a), 0);
    virgl_renderer_ctx_attach_resource(1, handle as i32);
    let mut s = ScatterBuf::contiguous(bytes.len());
    s.write_all(bytes);
    assert_eq!(write(handle, Xfer::boxed([0, 0, 0, bytes.len() as u32, 1, 1]), Some(&mut s)), 0);
    a
}

/// The pipeline for a 16×16 RGBA8 target: surface, state objects, shaders, viewport,
/// the triangle's vertex buffer (resource 2) and a red constant.
fn pipeline(c: &mut Cmds) {
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[10, 1, RGBA8, 0, 0]);
    c.push(SET_FRAMEBUFFER_STATE, 0, &[1, 0, 10]);
    let mut blend = vec![20, 0, 0];
    blend.extend([0xf << 27; 8]);
    c.push(CREATE_OBJECT, OBJ_BLEND, &blend);
    c.push(BIND_OBJECT, OBJ_BLEND, &[20]);
    c.push(CREATE_OBJECT, OBJ_DSA, &[21, 0, 0, 0, 0]);
    c.push(BIND_OBJECT, OBJ_DSA, &[21]);
    // half_pixel_center (bit 29), depth_clip (bit 1).
    c.push(CREATE_OBJECT, OBJ_RASTERIZER, &[22, 1 << 29 | 1 << 1, f(1.0), 0, 0, f(1.0), 0, 0, 0]);
    c.push(BIND_OBJECT, OBJ_RASTERIZER, &[22]);
    c.push(CREATE_OBJECT, OBJ_VERTEX_ELEMENTS, &[23, 0, 0, 0, R32G32_FLOAT]);
    c.push(BIND_OBJECT, OBJ_VERTEX_ELEMENTS, &[23]);
    shader(c, 30, 0, VS);
    shader(c, 31, 1, FS);
    c.push(BIND_SHADER, 0, &[30, 0]);
    c.push(BIND_SHADER, 0, &[31, 1]);
    // Viewport 16×16: scale (8, 8, 0.5), translate (8, 8, 0.5).
    c.push(SET_VIEWPORT_STATE, 0, &[0, f(8.0), f(8.0), f(0.5), f(8.0), f(8.0), f(0.5)]);
    c.push(SET_VERTEX_BUFFERS, 0, &[8, 0, 2]);
    c.push(SET_CONSTANT_BUFFER, 0, &[1, 0, f(1.0), f(0.0), f(0.0), f(1.0)]);
}

/// The triangle (-1,-1), (1,-1), (-1,1): covers the pixels below the diagonal through
/// (0,16)-(16,0) in window coordinates, whose rows count from the resource's first row.
fn triangle() -> Vec<u8> {
    [-1.0f32, -1.0, 1.0, -1.0, -1.0, 1.0].iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn clear_blue(c: &mut Cmds) {
    let blue = [0.0f32, 0.0, 1.0, 1.0].map(f32::to_bits);
    c.push(CLEAR, 0, &[1 << 2, blue[0], blue[1], blue[2], blue[3], 0, 0, 0]);
}

fn draw(c: &mut Cmds, start: u32, count: u32, indexed: bool) {
    c.push(DRAW_VBO, 0, &[start, count, TRIANGLES, indexed as u32, 1, 0, 0, 0, 0, 0, u32::MAX, 0]);
}

const RED: [u8; 4] = [255, 0, 0, 255];
const BLUE: [u8; 4] = [0, 0, 255, 255];

#[test]
fn triangle_renders_into_the_resource() {
    let _s = gl_session();
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    let rt = tex(1, RGBA8, 16, 16);
    buffer(2, &triangle(), BIND_VERTEX_BUFFER);
    let mut c = Cmds::default();
    pipeline(&mut c);
    clear_blue(&mut c);
    draw(&mut c, 0, 3, false);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    let out = level0(&rt);
    assert_eq!(px(&out, 16, 4, 2, 2), RED, "inside the triangle");
    assert_eq!(px(&out, 16, 4, 13, 13), BLUE, "outside the triangle");
    assert_eq!(px(&out, 16, 4, 0, 14), RED, "row 14 col 0 is inside");
    assert_eq!(px(&out, 16, 4, 14, 0), RED, "row 0 col 14 is inside");
    // Pixel centres on the edge x + y = 16 are left out by GL's (and gallium's) fill rule.
    assert_eq!(px(&out, 16, 4, 0, 15), BLUE);
    assert_eq!(px(&out, 16, 4, 15, 15), BLUE);
}

#[test]
fn indexed_draw_and_fetch_bounds() {
    let _s = gl_session();
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    let rt = tex(1, RGBA8, 16, 16);
    buffer(2, &triangle(), BIND_VERTEX_BUFFER);
    let idx: Vec<u8> = [2u16, 1, 0, 7].iter().flat_map(|v| v.to_le_bytes()).collect();
    buffer(3, &idx, BIND_INDEX_BUFFER);
    let mut c = Cmds::default();
    pipeline(&mut c);
    c.push(SET_INDEX_BUFFER, 0, &[3, 2, 0]);
    clear_blue(&mut c);
    draw(&mut c, 0, 3, true);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(px(&level0(&rt), 16, 4, 2, 2), RED);

    // Indices from byte 2 (the offset holds the first index; DRAW_VBO's start is not
    // added again, as upstream): index 7 points past the 3-vertex buffer, refused before
    // GL sees it.
    assert_eq!(one(1, SET_INDEX_BUFFER, 0, &[3, 2, 2]), 0);
    assert_eq!(
        one(1, DRAW_VBO, 0, &[1, 3, TRIANGLES, 1, 1, 0, 0, 0, 0, 0, u32::MAX, 0]),
        libc::EINVAL
    );
    assert!(in_error(1));
    // And the context is now in error: draws answer ENOTRECOVERABLE.
    let mut c = Cmds::default();
    draw(&mut c, 0, 3, false);
    assert_eq!(c.submit(1), libc::ENOTRECOVERABLE);
}

#[test]
fn vertex_range_past_the_buffer_is_refused() {
    let _s = gl_session();
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    tex(1, RGBA8, 16, 16);
    buffer(2, &triangle(), BIND_VERTEX_BUFFER);
    let mut c = Cmds::default();
    pipeline(&mut c);
    draw(&mut c, 1, 3, false);
    assert_eq!(c.submit(1), libc::EINVAL);
    // Indices past the index buffer.
    clear_ctx_error(1);
    buffer(3, &[0, 0, 1, 0], BIND_INDEX_BUFFER);
    assert_eq!(one(1, SET_INDEX_BUFFER, 0, &[3, 2, 0]), 0);
    assert_eq!(
        one(1, DRAW_VBO, 0, &[0, 3, TRIANGLES, 1, 1, 0, 0, 0, 0, 0, u32::MAX, 0]),
        libc::EINVAL
    );
}

#[test]
fn occlusion_query_writes_its_result() {
    let _s = gl_session();
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    tex(1, RGBA8, 16, 16);
    buffer(2, &triangle(), BIND_VERTEX_BUFFER);
    let q = buffer(4, &[0; 16], 0);
    let mut backing = ScatterBuf::contiguous(16);
    assert_eq!(attach(4, &mut backing), 0);
    let mut c = Cmds::default();
    pipeline(&mut c);
    // QUERY: handle, type | index << 16, offset, resource.
    c.push(CREATE_OBJECT, OBJ_QUERY, &[40, 0, 0, 4]);
    c.push(BEGIN_QUERY, 0, &[40]);
    draw(&mut c, 0, 3, false);
    c.push(END_QUERY, 0, &[40]);
    c.push(GET_QUERY_RESULT, 0, &[40, 0]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    let got = backing.read_all();
    assert_eq!(u32::from_le_bytes(got[0..4].try_into().unwrap()), 1, "QUERY_STATE_DONE");
    let samples = u64::from_le_bytes(got[8..16].try_into().unwrap());
    // The 120 pixels strictly below the diagonal (centres on the edge are left out).
    assert_eq!(samples, 120, "samples passed");
    let _ = q;
}

#[test]
fn cpu_backend_refuses_draws_honestly() {
    let s = Session::start("cpu").expect("cpu backend");
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    tex(1, RGBA8, 16, 16);
    buffer(2, &triangle(), BIND_VERTEX_BUFFER);
    let mut c = Cmds::default();
    pipeline(&mut c);
    draw(&mut c, 0, 3, false);
    assert_eq!(c.submit(1), 0);
    assert_eq!(ctx_error(1), UNSUPPORTED_FUNCTION);
    assert!(!in_error(1));
    drop(s);
}
