//! Level-2 commands executed on the GL backend (issue #14): SET_RENDER_CONDITION,
//! GET_QUERY_RESULT_QBO, SET_UNIFORM_BUFFER, buffer sampler views and framebuffers of mixed
//! colour formats, driven through the C ABI with hand-encoded command streams as Mesa's
//! virgl driver sends them, the pixels and buffers read back through transfers.
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
const SET_UNIFORM_BUFFER: u32 = 27;
const SET_SAMPLER_VIEWS: u32 = 10;
const OBJ_SAMPLER_VIEW: u32 = 6;
const GET_QUERY_RESULT_QBO: u32 = 42;
const OBJ_VERTEX_ELEMENTS: u32 = 5;
const OBJ_QUERY: u32 = 9;
const R32G32_FLOAT: u32 = 29;
const TRIANGLES: u32 = 4;

const VS: &str = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nIMM[0] FLT32 { 0.0000, 1.0000, 0.0000, 0.0000 }\n  0: MOV OUT[0], IN[0].xyzz\n  1: MOV OUT[0].zw, IMM[0].xxxy\n  2: END\n";
const FS: &str = "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0]\n  0: MOV OUT[0], CONST[0]\n  1: END\n";

fn f(v: f32) -> u32 {
    v.to_bits()
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
    fixed_draw_state(c);
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

/// Context 1 with a 16x16 RGBA8 target (resource 1), the triangle (resource 2) and the
/// pipeline of the first tests with fragment shader `fs` (handle 32) bound instead.
fn pipeline_with_fs(fs: &str) -> virgl_renderer_resource_create_args {
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    let rt = tex(1, RGBA8, 16, 16);
    buffer(2, &triangle(), BIND_VERTEX_BUFFER);
    let mut c = Cmds::default();
    pipeline(&mut c);
    shader(&mut c, 32, 1, fs);
    c.push(BIND_SHADER, 0, &[32, 1]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    rt
}

/// Draws the triangle over a magenta clear and returns pixel (2, 2): magenta means the draw
/// did not happen, so a result of zero proves the shader ran and read zeros.
fn draw_pixel(rt: &virgl_renderer_resource_create_args) -> [u8; 4] {
    let mut c = Cmds::default();
    clear(&mut c, [1.0, 0.0, 1.0, 1.0]);
    draw(&mut c);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    px(&level0(rt), 16, 4, 2, 2).try_into().unwrap()
}

fn floats(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|f| f.to_le_bytes()).collect()
}

/// SET_UNIFORM_BUFFER: a fragment shader reading `CONST[1][1]` reads the bound buffer's
/// range; misaligned, short, unbound and out-of-buffer ranges read what the buffer holds
/// inside its real size and zeros elsewhere.
#[test]
fn uniform_blocks_read_the_bound_range() {
    let _s = gl_session();
    let rt = pipeline_with_fs(
        "FRAG\nDCL OUT[0], COLOR\nDCL CONST[1][0..1]\n  0: MOV OUT[0], CONST[1][1]\n  1: END\n",
    );
    #[rustfmt::skip]
    let data = floats(&[
        0.5, 0.5, 0.5, 0.5,
        0.0, 1.0, 0.0, 1.0,
        0.0, 0.0, 1.0, 1.0,
    ]);
    buffer(6, &data, 0);
    // shader type (fragment 1), index, offset, length, resource.
    let cases: [([u32; 5], [u8; 4], &str); 6] = [
        ([1, 1, 0, 32, 6], GREEN, "offset 0"),
        ([1, 1, 16, 32, 6], BLUE, "offset 16"),
        ([1, 1, 8, 32, 6], [0, 255, 0, 0], "misaligned offset 8: copied"),
        ([1, 1, 16, 16, 6], [0, 0, 0, 0], "range shorter than the block: the rest is zero"),
        ([1, 1, 40, 32, 6], [0, 0, 0, 0], "range past the buffer's end: clipped"),
        ([1, 1, 0, 0, 0], [0, 0, 0, 0], "unbound: zero"),
    ];
    for (p, want, what) in cases {
        assert_eq!(one(1, SET_UNIFORM_BUFFER, 0, &p), 0, "{what}: context error {}", ctx_error(1));
        assert_eq!(draw_pixel(&rt), want, "{what}");
    }
    assert_eq!(ctx_error(1), 0);
    // A resource not attached to the context is refused at SET_UNIFORM_BUFFER.
    let a = virgl_renderer_resource_create_args { bind: 0, ..args(7, 0, R8, 64, 1, 1, 1, 0) };
    assert_eq!(create(a), 0);
    assert_eq!(one(1, SET_UNIFORM_BUFFER, 0, &[1, 1, 0, 32, 7]), libc::EINVAL);
    clear_ctx_error(1);
    // Index 0 is the default constant buffer: a buffer there is refused honestly.
    assert_eq!(one(1, SET_UNIFORM_BUFFER, 0, &[1, 0, 0, 32, 6]), 0);
    assert_eq!(ctx_error(1), UNSUPPORTED_FUNCTION);
    clear_ctx_error(1);
    // A texture bound as a uniform buffer fails the draw.
    assert_eq!(one(1, SET_UNIFORM_BUFFER, 0, &[1, 1, 0, 32, 1]), 0);
    let mut c = Cmds::default();
    draw(&mut c);
    assert_eq!(c.submit(1), libc::EINVAL);
    // A bound buffer detached from the context since (its handle may come back as another
    // process's resource) fails the draw instead of being read.
    clear_ctx_error(1);
    assert_eq!(one(1, SET_UNIFORM_BUFFER, 0, &[1, 1, 0, 32, 6]), 0);
    assert_eq!(draw_pixel(&rt), GREEN);
    virgl_renderer_ctx_detach_resource(1, 6);
    let mut c = Cmds::default();
    draw(&mut c);
    assert_eq!(c.submit(1), libc::EINVAL);
    assert_eq!(ctx_error(1), ILLEGAL_RESOURCE);
}

/// A vertex shader's uniform block (its own binding point) and the fragment one together.
#[test]
fn uniform_blocks_in_two_stages() {
    let _s = gl_session();
    let rt = pipeline_with_fs(
        "FRAG\nDCL OUT[0], COLOR\nDCL CONST[1][0]\n  0: MOV OUT[0], CONST[1][0]\n  1: END\n",
    );
    // The vertex shader moves the triangle by CONST[2][0].xy (block 2 of the vertex stage).
    let vs = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nDCL CONST[2][0]\nIMM[0] FLT32 { 0.0000, 1.0000, 0.0000, 0.0000 }\n  0: ADD OUT[0], IN[0].xyzz, CONST[2][0]\n  1: MOV OUT[0].zw, IMM[0].xxxy\n  2: END\n";
    let mut c = Cmds::default();
    shader(&mut c, 33, 0, vs);
    c.push(BIND_SHADER, 0, &[33, 0]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    buffer(6, &floats(&[0.0, 1.0, 0.0, 1.0]), 0);
    buffer(7, &floats(&[1.0, 0.0, 0.0, 0.0]), 0);
    assert_eq!(one(1, SET_UNIFORM_BUFFER, 0, &[1, 1, 0, 16, 6]), 0);
    assert_eq!(one(1, SET_UNIFORM_BUFFER, 0, &[0, 2, 0, 16, 7]), 0);
    let mut c = Cmds::default();
    clear(&mut c, [0.0, 0.0, 0.0, 0.0]);
    draw(&mut c);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    let out = level0(&rt);
    // Moved right by half the target: column 2 is empty now, column 10 drawn green.
    assert_eq!(px(&out, 16, 4, 2, 2), [0, 0, 0, 0]);
    assert_eq!(px(&out, 16, 4, 10, 2), GREEN);
}

/// Buffer sampler views: TXF on a `BUFFER` sampler reads the view's texels, through the
/// buffer itself (whole-buffer view) or a copy of the range; ranges are clipped to the
/// buffer.
#[test]
fn texture_buffers_fetch_the_view_range() {
    let _s = gl_session();
    let rt = pipeline_with_fs(
        "FRAG\nDCL OUT[0], COLOR\nDCL SAMP[0]\nDCL SVIEW[0], BUFFER, FLOAT\nIMM[0] INT32 { 1, 0, 0, 0 }\n  0: TXF OUT[0], IMM[0], SAMP[0], BUFFER\n  1: END\n",
    );
    let texels: Vec<u8> = [RED, GREEN, BLUE, [255, 255, 255, 255]].concat();
    buffer(6, &texels, BIND_SAMPLER_VIEW);
    let swz = 1 << 3 | 2 << 6 | 3 << 9;
    // handle, resource, format (| target << 24; 0: buffer), first element, last element.
    let cases: [([u32; 2], [u8; 4], &str); 4] = [
        ([0, 3], GREEN, "whole buffer: texel 1"),
        ([1, 3], BLUE, "from element 1: texel 2"),
        ([3, 3], [0, 0, 0, 0], "one texel: texel 1 is outside the view"),
        ([5, 9], [0, 0, 0, 0], "past the buffer"),
    ];
    for (i, ([first, last], want, what)) in cases.into_iter().enumerate() {
        let h = 70 + i as u32;
        let r = one(1, CREATE_OBJECT, OBJ_SAMPLER_VIEW, &[h, 6, RGBA8, first, last, swz]);
        assert_eq!(r, 0, "{what}: context error {}", ctx_error(1));
        assert_eq!(one(1, SET_SAMPLER_VIEWS, 0, &[1, 0, h]), 0);
        assert_eq!(draw_pixel(&rt), want, "{what}");
    }
    // No view bound: fetches read zero.
    assert_eq!(one(1, SET_SAMPLER_VIEWS, 0, &[1, 0, 0]), 0);
    assert_eq!(draw_pixel(&rt), [0, 0, 0, 0], "no view");
    assert_eq!(ctx_error(1), 0);
}

/// Buffer views of formats kept in other channels (A8 as R8, B8G8R8A8 as RGBA8) fetch
/// their own channels: the translator applies the view's swizzle.
#[test]
fn texture_buffers_of_swizzled_formats() {
    let _s = gl_session();
    let rt = pipeline_with_fs(
        "FRAG\nDCL OUT[0], COLOR\nDCL SAMP[0]\nDCL SVIEW[0], BUFFER, FLOAT\nIMM[0] INT32 { 1, 0, 0, 0 }\n  0: TXF OUT[0], IMM[0], SAMP[0], BUFFER\n  1: END\n",
    );
    buffer(6, &[10, 20, 30, 40, 255, 0, 0, 255], BIND_SAMPLER_VIEW);
    let swz = 1 << 3 | 2 << 6 | 3 << 9;
    const A8: u32 = 10;
    let cases: [(u32, u32, [u8; 4], &str); 3] = [
        (A8, 7, [0, 0, 0, 20], "A8: texel 1 in alpha"),
        (BGRA8, 1, BLUE, "B8G8R8A8: bytes 255, 0, 0, 255 are blue"),
        (RGBA8, 1, RED, "R8G8B8A8: the same bytes are red"),
    ];
    for (i, (format, last, want, what)) in cases.into_iter().enumerate() {
        let h = 80 + i as u32;
        let r = one(1, CREATE_OBJECT, OBJ_SAMPLER_VIEW, &[h, 6, format, 0, last, swz]);
        assert_eq!(r, 0, "{what}: context error {}", ctx_error(1));
        assert_eq!(one(1, SET_SAMPLER_VIEWS, 0, &[1, 0, h]), 0);
        assert_eq!(draw_pixel(&rt), want, "{what}");
    }
    assert_eq!(ctx_error(1), 0);
}

/// BLIT honours the render condition only when it asks for it (render_condition_enable,
/// bit 11 of its first word), as gallium's blits do.
#[test]
fn render_condition_applies_to_blits_that_ask() {
    let _s = gl_session();
    let rt = setup_queries();
    // Resource 1 holds the red triangle over blue; resource 3 is filled with green.
    let dst = tex(3, RGBA8, 16, 16);
    upload(&dst, &[GREEN; 256].concat());
    let blit = |condition: bool| {
        let mut p =
            blit_cmd(0xf, (3, RGBA8, [0, 0, 0, 16, 16, 1]), (1, RGBA8, [0, 0, 0, 16, 16, 1]), None);
        if condition {
            p[0] |= 1 << 11;
        }
        p
    };
    // Query 40 counted nothing: a blit that asks is skipped, one that does not runs.
    let mut c = Cmds::default();
    c.push(SET_RENDER_CONDITION, 0, &[40, 0, 0]);
    c.push(BLIT, 0, &blit(true));
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(px(&level0(&dst), 16, 4, 2, 2), GREEN, "conditional blit skipped");
    assert_eq!(one(1, BLIT, 0, &blit(false)), 0, "context error {}", ctx_error(1));
    let out = level0(&dst);
    assert_eq!(out, level0(&rt), "unconditional blit copied the target");
    assert_eq!(px(&out, 16, 4, 2, 2), RED);
    assert_eq!(ctx_error(1), 0);
}

/// A framebuffer of an RGBA8 and an RGBA8UI colour buffer (VIRGL_CAP_FBO_MIXED_COLOR_FORMATS,
/// piglit clearbuffer-mixed-format): each is cleared with its own kind of values, and one
/// draw writes floats to the first and unsigned integers to the second.
#[test]
fn mixed_float_and_integer_colour_buffers() {
    let _s = gl_session();
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    let rt = tex(1, RGBA8, 16, 16);
    buffer(2, &triangle(), BIND_VERTEX_BUFFER);
    const RGBA8_UINT: u32 = 180;
    let ui = tex(3, RGBA8_UINT, 16, 16);
    let fs = "FRAG\nDCL OUT[0], COLOR\nDCL OUT[1], COLOR[1]\nDCL CONST[0]\n\
        IMM[0] UINT32 { 10, 20, 30, 40 }\n  0: MOV OUT[0], CONST[0]\n  1: MOV OUT[1], IMM[0]\n\
        \x20 2: END\n";
    let mut c = Cmds::default();
    pipeline(&mut c);
    shader(&mut c, 32, 1, fs);
    c.push(BIND_SHADER, 0, &[32, 1]);
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[11, 3, RGBA8_UINT, 0, 0]);
    c.push(SET_FRAMEBUFFER_STATE, 0, &[2, 0, 10, 11]);
    let blue = [0.0f32, 0.0, 1.0, 1.0].map(f32::to_bits);
    c.push(CLEAR, 0, &[1 << 2, blue[0], blue[1], blue[2], blue[3], 0, 0, 0]);
    c.push(CLEAR, 0, &[1 << 3, 1, 2, 3, 4, 0, 0, 0]);
    draw(&mut c);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    let (f, u) = (level0(&rt), level0(&ui));
    assert_eq!(px(&f, 16, 4, 2, 2), RED, "float buffer, drawn");
    assert_eq!(px(&f, 16, 4, 13, 13), BLUE, "float buffer, cleared");
    assert_eq!(px(&u, 16, 4, 2, 2), [10, 20, 30, 40], "integer buffer, drawn");
    assert_eq!(px(&u, 16, 4, 13, 13), [1, 2, 3, 4], "integer buffer, cleared");
}

/// Sampler views of R8G8B8A8_SRGB storage: in the sRGB format sampling decodes (0.2 stored
/// reads about 0.033), in the linear twin format (the guest's GL_SKIP_DECODE_EXT, which
/// Mesa sends as such a view) it reads the stored value, with a sampler state bound (GL's
/// sampler object decides the decoding).
#[test]
fn linear_views_of_srgb_storage_skip_the_decode() {
    const SRGBA8: u32 = 104;
    const OBJ_SAMPLER_STATE: u32 = 7;
    const BIND_SAMPLER_STATES: u32 = 18;
    let _s = gl_session();
    let rt = pipeline_with_fs(
        "FRAG\nDCL OUT[0], COLOR\nDCL SAMP[0]\nDCL SVIEW[0], 2D, FLOAT\nIMM[0] FLT32 { 0.5000, 0.5000, 0.0000, 0.0000 }\n  0: TEX OUT[0], IMM[0].xyyy, SAMP[0], 2D\n  1: END\n",
    );
    let t = tex_bind(3, SRGBA8, 1, 1, BIND_SAMPLER_VIEW);
    upload(&t, &[51, 102, 153, 204]);
    let swz = 1 << 3 | 2 << 6 | 3 << 9;
    let mut c = Cmds::default();
    // Nearest filtering (the zero min/mag filter bits), no compare.
    c.push(CREATE_OBJECT, OBJ_SAMPLER_STATE, &[70, 0, 0, 0, f(16.0), 0, 0, 0, 0]);
    c.push(BIND_SAMPLER_STATES, 0, &[1, 0, 70]);
    // handle, resource, format | target (2: 2-D) << 24, levels 0..0, swizzle.
    c.push(CREATE_OBJECT, OBJ_SAMPLER_VIEW, &[60, 3, SRGBA8 | 2 << 24, 0, 0, swz]);
    c.push(CREATE_OBJECT, OBJ_SAMPLER_VIEW, &[61, 3, RGBA8 | 2 << 24, 0, 0, swz]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(one(1, SET_SAMPLER_VIEWS, 0, &[1, 0, 61]), 0);
    assert_eq!(draw_pixel(&rt), [51, 102, 153, 204], "linear view: stored values");
    assert_eq!(one(1, SET_SAMPLER_VIEWS, 0, &[1, 0, 60]), 0);
    let d = draw_pixel(&rt);
    // sRGB 0.2 / 0.4 / 0.6 decode to about 0.033 / 0.133 / 0.319; alpha is linear.
    assert!(d[0].abs_diff(8) <= 1 && d[1].abs_diff(34) <= 1 && d[2].abs_diff(81) <= 1, "{d:?}");
    assert_eq!(d[3], 204);
    assert_eq!(one(1, SET_SAMPLER_VIEWS, 0, &[1, 0, 61]), 0);
    assert_eq!(draw_pixel(&rt), [51, 102, 153, 204], "linear view again");
    assert_eq!(ctx_error(1), 0);
}

/// A vertex buffer of stride 0 (how Mesa's virgl driver sends a current attribute value,
/// e.g. `glVertexAttribI4i` outside an array): every vertex reads the one element, integer
/// or float (GL's stride 0 would mean tightly packed instead, reading the next elements).
#[test]
fn stride_zero_attributes_repeat_one_element() {
    const R32G32B32A32_SINT: u32 = 200;
    const R32G32B32A32_FLOAT: u32 = 31;
    let _s = gl_session();
    let rt = pipeline_with_fs(
        "FRAG\nDCL IN[0], GENERIC[0], LINEAR\nDCL OUT[0], COLOR\n  0: MOV OUT[0], IN[0]\n  1: END\n",
    );
    // Green at offset 0, red after it: a packed fetch would give vertices 1 and 2 red.
    let ints: Vec<u8> =
        [0i32, 1, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1].iter().flat_map(|v| v.to_le_bytes()).collect();
    buffer(3, &ints, BIND_VERTEX_BUFFER);
    buffer(
        5,
        &floats(&[0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0]),
        BIND_VERTEX_BUFFER,
    );
    for (format, vs, want) in [
        (
            R32G32B32A32_SINT,
            "VERT\nDCL IN[0]\nDCL IN[1]\nDCL OUT[0], POSITION\nDCL OUT[1], GENERIC[0]\n\
             DCL TEMP[0]\nIMM[0] FLT32 { 0.0000, 1.0000, 0.0000, 0.0000 }\n\
               0: I2F TEMP[0], IN[1]\n  1: MOV OUT[1], TEMP[0]\n\
               2: MOV OUT[0], IN[0].xyyy\n  3: MOV OUT[0].zw, IMM[0].xxxy\n  4: END\n",
            GREEN,
        ),
        (
            R32G32B32A32_FLOAT,
            "VERT\nDCL IN[0]\nDCL IN[1]\nDCL OUT[0], POSITION\nDCL OUT[1], GENERIC[0]\n\
             IMM[0] FLT32 { 0.0000, 1.0000, 0.0000, 0.0000 }\n\
               0: MOV OUT[1], IN[1]\n  1: MOV OUT[0], IN[0].xyyy\n\
               2: MOV OUT[0].zw, IMM[0].xxxy\n  3: END\n",
            BLUE,
        ),
    ] {
        let mut c = Cmds::default();
        // Attribute 0 from buffer slot 0 (the triangle), attribute 1 from slot 1.
        c.push(CREATE_OBJECT, OBJ_VERTEX_ELEMENTS, &[24, 0, 0, 0, R32G32_FLOAT, 0, 0, 1, format]);
        c.push(BIND_OBJECT, OBJ_VERTEX_ELEMENTS, &[24]);
        let res = if format == R32G32B32A32_SINT { 3 } else { 5 };
        c.push(SET_VERTEX_BUFFERS, 0, &[8, 0, 2, 0, 0, res]);
        shader(&mut c, 33, 0, vs);
        c.push(BIND_SHADER, 0, &[33, 0]);
        assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
        let mut c = Cmds::default();
        clear(&mut c, [1.0, 0.0, 1.0, 1.0]);
        draw(&mut c);
        assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
        let data = level0(&rt);
        for (x, y) in [(1, 1), (13, 1), (1, 13), (5, 5)] {
            assert_eq!(px(&data, 16, 4, x, y), want, "format {format} at ({x}, {y})");
        }
        let mut c = Cmds::default();
        c.push(DESTROY_OBJECT, OBJ_VERTEX_ELEMENTS, &[24]);
        c.push(DESTROY_OBJECT, OBJ_SHADER, &[33]);
        assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    }
}

/// A draw under the same state as the last one binds its uniform blocks again only when
/// something other than draws ran since: a write into the buffer behind a copied
/// (misaligned) range between two such draws shows in the second.
#[test]
fn uniform_block_copy_follows_a_write_between_draws() {
    let _s = gl_session();
    let rt = pipeline_with_fs(
        "FRAG\nDCL OUT[0], COLOR\nDCL CONST[1][0..1]\n  0: MOV OUT[0], CONST[1][1]\n  1: END\n",
    );
    let mut data = floats(&[0.5, 0.5, 0.5, 0.5, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0]);
    buffer(6, &data, 0);
    // Offset 8: block element 1 is floats 6..10 of the buffer, copied for each draw.
    assert_eq!(one(1, SET_UNIFORM_BUFFER, 0, &[1, 1, 8, 32, 6]), 0);
    let mut c = Cmds::default();
    clear(&mut c, [1.0, 0.0, 1.0, 1.0]);
    draw(&mut c);
    draw(&mut c);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    data[24..40].copy_from_slice(&floats(&[1.0, 0.0, 0.0, 1.0]));
    let mut s = ScatterBuf::contiguous(data.len());
    s.write_all(&data);
    assert_eq!(write(6, Xfer::boxed([0, 0, 0, data.len() as u32, 1, 1]), Some(&mut s)), 0);
    let mut c = Cmds::default();
    draw(&mut c);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(px(&level0(&rt), 16, 4, 2, 2), RED, "the draw read the old copy");
}
