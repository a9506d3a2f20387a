//! Level-2 commands executed on the GL backend (issue #14): SET_RENDER_CONDITION,
//! GET_QUERY_RESULT_QBO, SET_UNIFORM_BUFFER and buffer sampler views, driven through the C
//! ABI with hand-encoded command streams as Mesa's virgl driver sends them, the pixels and
//! buffers read back through transfers.
//!
//! One renderer per process: `cargo nextest run --test draw_gl_level2`. GL is required on
//! every host (llvmpipe through EGL surfaceless at least).

mod common;

use common::stream::*;
use common::*;
use virglrenderer::ffi::context::*;
use virglrenderer::ffi::types::*;

const BIND_SHADER: u32 = 31;
const SET_VIEWPORT_STATE: u32 = 4;
const SET_VERTEX_BUFFERS: u32 = 6;
const SET_CONSTANT_BUFFER: u32 = 12;
const BEGIN_QUERY: u32 = 19;
const END_QUERY: u32 = 20;
const SET_RENDER_CONDITION: u32 = 26;
const GET_QUERY_RESULT_QBO: u32 = 42;
const OBJ_RASTERIZER: u32 = 2;
const OBJ_SHADER: u32 = 4;
const OBJ_VERTEX_ELEMENTS: u32 = 5;
const OBJ_QUERY: u32 = 9;
const R32G32_FLOAT: u32 = 29;
const TRIANGLES: u32 = 4;

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

/// The bytes of buffer `handle` (`len` of them) read back from the host.
fn buffer_bytes(handle: u32, len: u32) -> Vec<u8> {
    let mut s = ScatterBuf::contiguous(len as usize);
    assert_eq!(read(handle, Xfer::boxed([0, 0, 0, len, 1, 1]), Some(&mut s)), 0);
    s.read_all()
}

/// The pipeline for a 16×16 RGBA8 target (resource 1): surface, state objects, shaders,
/// viewport, the triangle's vertex buffer (resource 2) and a red constant.
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
    c.push(SET_VIEWPORT_STATE, 0, &[0, f(8.0), f(8.0), f(0.5), f(8.0), f(8.0), f(0.5)]);
    c.push(SET_VERTEX_BUFFERS, 0, &[8, 0, 2]);
    c.push(SET_CONSTANT_BUFFER, 0, &[1, 0, f(1.0), f(0.0), f(0.0), f(1.0)]);
}

/// The triangle (-1,-1), (1,-1), (-1,1): covers the 120 pixels below the diagonal.
fn triangle() -> Vec<u8> {
    [-1.0f32, -1.0, 1.0, -1.0, -1.0, 1.0].iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn clear(c: &mut Cmds, rgba: [f32; 4]) {
    let v = rgba.map(f32::to_bits);
    c.push(CLEAR, 0, &[1 << 2, v[0], v[1], v[2], v[3], 0, 0, 0]);
}

fn draw(c: &mut Cmds) {
    c.push(DRAW_VBO, 0, &[0, 3, TRIANGLES, 0, 1, 0, 0, 0, 0, 0, u32::MAX, 0]);
}

const RED: [u8; 4] = [255, 0, 0, 255];
const BLUE: [u8; 4] = [0, 0, 255, 255];
const GREEN: [u8; 4] = [0, 255, 0, 255];

/// A context with the pipeline, the render target (returned) and two occlusion queries:
/// 40 counted nothing, 41 counted the triangle (drawn red over a blue clear).
fn setup_queries() -> virgl_renderer_resource_create_args {
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    let rt = tex(1, RGBA8, 16, 16);
    buffer(2, &triangle(), BIND_VERTEX_BUFFER);
    buffer(4, &[0; 64], 0);
    let mut c = Cmds::default();
    pipeline(&mut c);
    // QUERY: handle, type | index << 16, offset, resource.
    c.push(CREATE_OBJECT, OBJ_QUERY, &[40, 0, 0, 4]);
    c.push(CREATE_OBJECT, OBJ_QUERY, &[41, 0, 16, 4]);
    c.push(BEGIN_QUERY, 0, &[40]).push(END_QUERY, 0, &[40]);
    clear(&mut c, [0.0, 0.0, 1.0, 1.0]);
    c.push(BEGIN_QUERY, 0, &[41]);
    draw(&mut c);
    c.push(END_QUERY, 0, &[41]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    rt
}

/// SET_RENDER_CONDITION: draws and clears run only when the query's result agrees with
/// gallium's rule (render when `(result == 0) == condition`); handle 0 ends it; an unknown
/// handle leaves it as it was.
#[test]
fn render_condition_skips_draws_and_clears() {
    let _s = gl_session();
    let rt = setup_queries();
    assert_eq!(px(&level0(&rt), 16, 4, 2, 2), RED, "query 41's draw");
    // Query 40 counted nothing: a normal condition skips the clear and the draw.
    let mut c = Cmds::default();
    c.push(SET_RENDER_CONDITION, 0, &[40, 0, 0]);
    clear(&mut c, [0.0, 1.0, 0.0, 1.0]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    let out = level0(&rt);
    assert_eq!(px(&out, 16, 4, 2, 2), RED, "clear skipped");
    assert_eq!(px(&out, 16, 4, 13, 13), BLUE, "clear skipped");
    // Inverted on query 40 (mode NO_WAIT): the clear runs.
    let mut c = Cmds::default();
    c.push(SET_RENDER_CONDITION, 0, &[40, 1, 1]);
    clear(&mut c, [0.0, 1.0, 0.0, 1.0]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(px(&level0(&rt), 16, 4, 2, 2), GREEN, "inverted: cleared");
    // Inverted on query 41 (it counted 120 samples): the draw is skipped.
    let mut c = Cmds::default();
    c.push(SET_RENDER_CONDITION, 0, &[41, 1, 0]);
    draw(&mut c);
    // An unknown handle leaves the condition on query 41 in place.
    c.push(SET_RENDER_CONDITION, 0, &[99, 0, 0]);
    draw(&mut c);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(px(&level0(&rt), 16, 4, 2, 2), GREEN, "draws skipped");
    // Normal on query 41: the draw runs; then handle 0 ends conditional rendering.
    let mut c = Cmds::default();
    c.push(SET_RENDER_CONDITION, 0, &[41, 0, 0]);
    draw(&mut c);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(px(&level0(&rt), 16, 4, 2, 2), RED, "drawn");
    let mut c = Cmds::default();
    c.push(SET_RENDER_CONDITION, 0, &[40, 0, 0]);
    c.push(SET_RENDER_CONDITION, 0, &[0, 0, 0]);
    clear(&mut c, [0.0, 0.0, 1.0, 1.0]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(px(&level0(&rt), 16, 4, 2, 2), BLUE, "condition ended: cleared");
    assert_eq!(ctx_error(1), 0, "nothing refused");
}

/// GET_QUERY_RESULT_QBO writes the result (saturated to the asked type) or the availability
/// into a buffer at an offset, bounds-checked against the buffer's real size.
#[test]
fn query_results_into_buffers() {
    let _s = gl_session();
    setup_queries();
    buffer(5, &[0xee; 64], 0);
    let mut c = Cmds::default();
    // handle, qbo, wait, result type (I32 0, U32 1, I64 2, U64 3), offset, index.
    c.push(GET_QUERY_RESULT_QBO, 0, &[41, 5, 1, 3, 0, 0]);
    c.push(GET_QUERY_RESULT_QBO, 0, &[41, 5, 0, 1, 8, u32::MAX]);
    c.push(GET_QUERY_RESULT_QBO, 0, &[40, 5, 1, 0, 12, 0]);
    c.push(GET_QUERY_RESULT_QBO, 0, &[41, 5, 1, 1, 60, 0]);
    // A running query: not available (0), no result written.
    c.push(BEGIN_QUERY, 0, &[40]);
    c.push(GET_QUERY_RESULT_QBO, 0, &[40, 5, 0, 1, 16, u32::MAX]);
    c.push(GET_QUERY_RESULT_QBO, 0, &[40, 5, 0, 1, 20, 0]);
    c.push(END_QUERY, 0, &[40]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    let b = buffer_bytes(5, 64);
    let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
    assert_eq!(u64::from_le_bytes(b[0..8].try_into().unwrap()), 120, "U64 result");
    assert_eq!(u32_at(8), 1, "available");
    assert_eq!(u32_at(12), 0, "query 40 counted nothing");
    assert_eq!(u32_at(60), 120, "last word");
    assert_eq!(u32_at(16), 0, "running: not available");
    assert_eq!(u32_at(20), 0xeeeeeeee, "running: nothing written");
    assert_eq!(ctx_error(1), 0);
    // Past the end, a bad type or index, a texture: EINVAL, nothing written.
    for (p, what) in [
        ([41, 5, 1, 1, 61, 0], "4 bytes at 61 of 64"),
        ([41, 5, 1, 3, 57, 0], "8 bytes at 57 of 64"),
        ([41, 5, 1, 3, u32::MAX, 0], "offset near 2^32"),
        ([41, 5, 1, 4, 0, 0], "result type 4"),
        ([41, 5, 1, 1, 0, (-2i32) as u32], "index -2"),
        ([41, 1, 1, 1, 0, 0], "a texture"),
        ([41, 77, 1, 1, 0, 0], "no such resource"),
        ([77, 5, 1, 1, 0, 0], "no such query"),
    ] {
        assert_eq!(one(1, GET_QUERY_RESULT_QBO, 0, &p), libc::EINVAL, "{what}");
    }
    assert_eq!(buffer_bytes(5, 64), b, "nothing written by the refused commands");
}
