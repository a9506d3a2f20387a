//! Stream output (transform feedback) on the GL backend, driven through the C ABI with
//! hand-encoded command streams as Mesa's virgl driver sends them (shader SO info,
//! STREAMOUT_TARGET objects, SET_STREAMOUT_TARGETS, DRAW_VBO with and without
//! `count_from_stream_output`); the captured vertices are read back through transfers.
//!
//! One renderer per process: `cargo nextest run --test streamout_gl`. GL is required
//! (llvmpipe through EGL surfaceless at least).

mod common;

use common::stream::*;
use common::*;
use virglrenderer::ffi::context::*;
use virglrenderer::ffi::types::*;

const SET_VIEWPORT_STATE: u32 = 4;
const SET_VERTEX_BUFFERS: u32 = 6;
const SET_CONSTANT_BUFFER: u32 = 12;
const BEGIN_QUERY: u32 = 19;
const END_QUERY: u32 = 20;
const GET_QUERY_RESULT: u32 = 21;
const SET_STREAMOUT_TARGETS: u32 = 25;
const BIND_SHADER: u32 = 31;
const OBJ_SHADER: u32 = 4;
const OBJ_QUERY: u32 = 9;
const OBJ_STREAMOUT_TARGET: u32 = 10;
const QUERY_PRIMITIVES_EMITTED: u32 = 6;
const TRIANGLES: u32 = 4;
const BIND_VERTEX_BUFFER: u32 = 1 << 4;
const BIND_STREAM_OUTPUT: u32 = 1 << 11;
const ILLEGAL_SHADER: u32 = 2;

/// POSITION = (x, y, 0, 1) of IN[0]; GENERIC[0] = IN[0].yx and 7, 9.
const VS: &str = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nDCL OUT[1], GENERIC[0]\nIMM[0] FLT32 { 0.0000, 1.0000, 7.0000, 9.0000 }\n  0: MOV OUT[0], IN[0].xyzz\n  1: MOV OUT[0].zw, IMM[0].xxxy\n  2: MOV OUT[1], IN[0].yxxx\n  3: MOV OUT[1].zw, IMM[0].xxzw\n  4: END\n";
const FS: &str = "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0]\n  0: MOV OUT[0], CONST[0]\n  1: END\n";

fn f(v: f32) -> u32 {
    v.to_bits()
}

/// One captured output: (register, start component, components, buffer, dword offset).
type So = (u32, u32, u32, u32, u32);

fn shader_so(c: &mut Cmds, handle: u32, stage: u32, text: &str, strides: [u32; 4], so: &[So]) {
    let mut bytes = text.as_bytes().to_vec();
    bytes.push(0);
    let mut p = vec![handle, stage, bytes.len() as u32, 0, so.len() as u32];
    if !so.is_empty() {
        p.extend(strides);
        for &(reg, start, n, buf, off) in so {
            p.push(reg | start << 8 | n << 10 | buf << 13 | off << 16);
            p.push(0);
        }
    }
    p.extend(bytes_to_words(&bytes));
    c.push(CREATE_OBJECT, OBJ_SHADER, &p);
}

fn buffer(handle: u32, bytes: &[u8], bind: u32) {
    let a = virgl_renderer_resource_create_args {
        bind,
        ..args(handle, 0, R8, bytes.len() as u32, 1, 1, 1, 0)
    };
    assert_eq!(create(a), 0);
    virgl_renderer_ctx_attach_resource(1, handle as i32);
    let mut s = ScatterBuf::contiguous(bytes.len());
    s.write_all(bytes);
    assert_eq!(write(handle, Xfer::boxed([0, 0, 0, bytes.len() as u32, 1, 1]), Some(&mut s)), 0);
}

fn read_words(handle: u32, len: u32) -> Vec<u32> {
    let mut s = ScatterBuf::contiguous(len as usize);
    assert_eq!(read(handle, Xfer::boxed([0, 0, 0, len, 1, 1]), Some(&mut s)), 0);
    bytes_to_words(&s.read_all())
}

/// A 16×16 RGBA8 target (resource 1), state objects, the fragment shader, the viewport
/// and the vertex buffer (resource 2, R32G32 at stride 8). The vertex shader is the
/// caller's.
fn pipeline(c: &mut Cmds) {
    fixed_draw_state(c);
    shader_so(c, 31, 1, FS, [0; 4], &[]);
    c.push(BIND_SHADER, 0, &[31, 1]);
    c.push(SET_VIEWPORT_STATE, 0, &[0, f(8.0), f(8.0), f(0.5), f(8.0), f(8.0), f(0.5)]);
    c.push(SET_VERTEX_BUFFERS, 0, &[8, 0, 2]);
    c.push(SET_CONSTANT_BUFFER, 0, &[1, 0, f(1.0), f(0.0), f(0.0), f(1.0)]);
}

fn draw(c: &mut Cmds, start: u32, count: u32, from_so: u32) {
    c.push(DRAW_VBO, 0, &[start, count, TRIANGLES, 0, 1, 0, 0, 0, 0, 0, u32::MAX, from_so]);
}

/// Six vertices: two triangles.
const VERTS: [[f32; 2]; 6] =
    [[-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0], [0.5, 0.25], [0.75, -0.5], [-0.25, 0.125]];

fn vertices() -> Vec<u8> {
    VERTS.iter().flatten().flat_map(|v| v.to_le_bytes()).collect()
}

fn start() -> Session {
    let s = gl_session();
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    tex(1, RGBA8, 16, 16);
    buffer(2, &vertices(), BIND_VERTEX_BUFFER);
    s
}

const FILL: u32 = 0xaaaa_aaaa;

/// Interleaved capture with a gap and stride padding, at an offset into the buffer; a
/// second capture resumed on the same target object continues after the first (Mesa's
/// driver resumes by binding the same targets again, append bitmask 0).
#[test]
fn captures_vertices_at_their_offsets_and_appends() {
    let _s = start();
    // 16 bytes before the target, 6 vertices × 8 dwords in it.
    buffer(5, &[0xaa; 16 + 6 * 32], BIND_STREAM_OUTPUT);
    let mut c = Cmds::default();
    pipeline(&mut c);
    // GENERIC[0].xy at dword 0, POSITION at dword 3 (dword 2 skipped), stride 8.
    shader_so(&mut c, 30, 0, VS, [8, 0, 0, 0], &[(1, 0, 2, 0, 0), (0, 0, 4, 0, 3)]);
    c.push(BIND_SHADER, 0, &[30, 0]);
    c.push(CREATE_OBJECT, OBJ_STREAMOUT_TARGET, &[40, 5, 16, 6 * 32]);
    c.push(SET_STREAMOUT_TARGETS, 0, &[0, 40]);
    draw(&mut c, 0, 3, 0);
    // glPause/ResumeTransformFeedback as Mesa sends them.
    c.push(SET_STREAMOUT_TARGETS, 0, &[0]);
    c.push(SET_STREAMOUT_TARGETS, 0, &[0, 40]);
    draw(&mut c, 3, 3, 0);
    c.push(SET_STREAMOUT_TARGETS, 0, &[0]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    let w = read_words(5, 16 + 6 * 32);
    assert_eq!(w[..4], [FILL; 4], "before the target");
    for (i, [x, y]) in VERTS.iter().enumerate() {
        let v = &w[4 + i * 8..4 + i * 8 + 8];
        let want = [f(*y), f(*x), FILL, f(*x), f(*y), f(0.0), f(1.0), FILL];
        assert_eq!(v, want, "vertex {i}");
    }

    // A new capture (glBeginTransformFeedback: a new target object on the same range)
    // starts over at the target's start.
    let mut c = Cmds::default();
    shader_so(&mut c, 32, 0, VS, [1, 0, 0, 0], &[(1, 2, 1, 0, 0)]);
    c.push(BIND_SHADER, 0, &[32, 0]);
    c.push(CREATE_OBJECT, OBJ_STREAMOUT_TARGET, &[42, 5, 16, 6 * 32]);
    c.push(SET_STREAMOUT_TARGETS, 0, &[0, 42]);
    draw(&mut c, 0, 3, 0);
    c.push(SET_STREAMOUT_TARGETS, 0, &[0]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    let w = read_words(5, 16 + 32);
    assert_eq!(w[4..7], [f(7.0); 3], "GENERIC[0].z of each vertex, packed");
    assert_eq!(w[7], f(-1.0), "the rest of the earlier capture is kept");
}

/// Two transform-feedback objects: capture with the first, pause, capture with the
/// second, resume the first: its writes go on after its own (piglit's
/// `arb_transform_feedback2-change-objects-while-paused_gles3`).
#[test]
fn a_paused_capture_resumes_after_another_one() {
    let _s = start();
    buffer(5, &[0xaa; 4 * 32], BIND_STREAM_OUTPUT);
    buffer(6, &[0xaa; 4 * 32], BIND_STREAM_OUTPUT);
    let mut c = Cmds::default();
    pipeline(&mut c);
    // POSITION.x of each vertex, packed.
    shader_so(&mut c, 30, 0, VS, [1, 0, 0, 0], &[(0, 0, 1, 0, 0)]);
    c.push(BIND_SHADER, 0, &[30, 0]);
    c.push(CREATE_OBJECT, OBJ_STREAMOUT_TARGET, &[40, 5, 0, 4 * 32]);
    c.push(CREATE_OBJECT, OBJ_STREAMOUT_TARGET, &[41, 6, 0, 4 * 32]);
    for (target, first) in [(40, 0), (41, 3), (40, 3), (41, 0)] {
        c.push(SET_STREAMOUT_TARGETS, 0, &[0, target]);
        draw(&mut c, first, 3, 0);
        c.push(SET_STREAMOUT_TARGETS, 0, &[0]);
    }
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    let xs = |r: [usize; 2]| -> Vec<u32> {
        [r[0], r[0] + 1, r[0] + 2, r[1], r[1] + 1, r[1] + 2].map(|i| f(VERTS[i][0])).to_vec()
    };
    assert_eq!(read_words(5, 6 * 4), xs([0, 3]), "first object: vertices 0..3 then 3..6");
    assert_eq!(read_words(6, 6 * 4), xs([3, 0]), "second object: vertices 3..6 then 0..3");
}

/// A draw with `count_from_stream_output` draws the vertices captured into the target.
#[test]
fn draws_what_a_target_captured() {
    let _s = start();
    buffer(6, &[0; 64], BIND_STREAM_OUTPUT);
    let mut c = Cmds::default();
    pipeline(&mut c);
    // Capture POSITION.xy packed (stride 2 dwords): the vertex buffer's own layout.
    shader_so(&mut c, 30, 0, VS, [2, 0, 0, 0], &[(0, 0, 2, 0, 0)]);
    c.push(BIND_SHADER, 0, &[30, 0]);
    c.push(CREATE_OBJECT, OBJ_STREAMOUT_TARGET, &[41, 6, 0, 64]);
    c.push(SET_STREAMOUT_TARGETS, 0, &[0, 41]);
    draw(&mut c, 0, 3, 0);
    c.push(SET_STREAMOUT_TARGETS, 0, &[0]);
    // Clear blue, then draw from the capture (count 0 in the command) in red.
    let blue = [0.0f32, 0.0, 1.0, 1.0].map(f32::to_bits);
    c.push(CLEAR, 0, &[1 << 2, blue[0], blue[1], blue[2], blue[3], 0, 0, 0]);
    c.push(SET_VERTEX_BUFFERS, 0, &[8, 0, 6]);
    draw(&mut c, 0, 0, 41);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    let w = read_words(6, 64);
    assert_eq!(w[..6], [f(-1.0), f(-1.0), f(1.0), f(-1.0), f(-1.0), f(1.0)]);
    assert_eq!(w[6..], [0; 10], "three vertices captured");
    let rt = virgl_renderer_resource_create_args {
        bind: BIND_SAMPLER_VIEW | BIND_RENDER_TARGET,
        ..args(1, TEX_2D, RGBA8, 16, 16, 1, 1, 0)
    };
    let out = level0(&rt);
    assert_eq!(px(&out, 16, 4, 2, 2), [255, 0, 0, 255], "inside the captured triangle");
    assert_eq!(px(&out, 16, 4, 13, 13), [0, 0, 255, 255], "outside");
}

/// A geometry shader is the last vertex stage: its outputs are captured at each EMIT, in
/// the primitive type it emits.
#[test]
fn captures_geometry_shader_output() {
    let _s = start();
    buffer(5, &[0; 72], BIND_STREAM_OUTPUT);
    let gs = "GEOM\nPROPERTY GS_INPUT_PRIMITIVE POINTS\nPROPERTY GS_OUTPUT_PRIMITIVE POINTS\n\
        PROPERTY GS_MAX_OUTPUT_VERTICES 2\nDCL IN[][0], POSITION\nDCL OUT[0], POSITION\n\
        DCL OUT[1], GENERIC[0]\nIMM[0] FLT32 { 1.0000, 4.0000, 8.0000, 0.0000 }\n\
        IMM[1] INT32 { 0, 0, 0, 0 }\n  0: MOV OUT[0], IN[0][0]\n  1: MOV OUT[1], IMM[0].yyyy\n\
        \x20 2: EMIT IMM[1].xxxx\n  3: ADD OUT[0], IN[0][0], IMM[0].xxxx\n\
        \x20 4: MOV OUT[1], IMM[0].zzzz\n  5: EMIT IMM[1].xxxx\n  6: END\n";
    let mut c = Cmds::default();
    pipeline(&mut c);
    shader_so(&mut c, 30, 0, VS, [0; 4], &[]);
    c.push(BIND_SHADER, 0, &[30, 0]);
    // POSITION.xy and GENERIC[0].w, packed: stride 3.
    shader_so(&mut c, 33, 2, gs, [3, 0, 0, 0], &[(0, 0, 2, 0, 0), (1, 3, 1, 0, 2)]);
    c.push(BIND_SHADER, 0, &[33, 2]);
    c.push(CREATE_OBJECT, OBJ_STREAMOUT_TARGET, &[40, 5, 0, 72]);
    c.push(SET_STREAMOUT_TARGETS, 0, &[0, 40]);
    // Three points (PIPE_PRIM_POINTS = 0).
    c.push(DRAW_VBO, 0, &[0, 3, 0, 0, 1, 0, 0, 0, 0, 0, u32::MAX, 0]);
    c.push(SET_STREAMOUT_TARGETS, 0, &[0]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    let w = read_words(5, 72);
    for (i, [x, y]) in VERTS[..3].iter().enumerate() {
        let want = [f(*x), f(*y), f(4.0), f(x + 1.0), f(y + 1.0), f(8.0)];
        assert_eq!(w[i * 6..i * 6 + 6], want, "point {i}");
    }
}

/// Two buffers (gl_NextBuffer between them), the second with a stride gap at its end.
#[test]
fn captures_into_two_buffers() {
    let _s = start();
    buffer(5, &[0xaa; 24], BIND_STREAM_OUTPUT);
    buffer(6, &[0xaa; 36], BIND_STREAM_OUTPUT);
    let mut c = Cmds::default();
    pipeline(&mut c);
    // Buffer 0: POSITION.xy (stride 2); buffer 1: GENERIC[0].zw at dword 0, stride 3.
    shader_so(&mut c, 30, 0, VS, [2, 3, 0, 0], &[(0, 0, 2, 0, 0), (1, 2, 2, 1, 0)]);
    c.push(BIND_SHADER, 0, &[30, 0]);
    c.push(CREATE_OBJECT, OBJ_STREAMOUT_TARGET, &[40, 5, 0, 24]);
    c.push(CREATE_OBJECT, OBJ_STREAMOUT_TARGET, &[41, 6, 0, 36]);
    c.push(SET_STREAMOUT_TARGETS, 0, &[0, 40, 41]);
    draw(&mut c, 0, 3, 0);
    c.push(SET_STREAMOUT_TARGETS, 0, &[0]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    let (a, b) = (read_words(5, 24), read_words(6, 36));
    for (i, [x, y]) in VERTS[..3].iter().enumerate() {
        assert_eq!(a[i * 2..i * 2 + 2], [f(*x), f(*y)], "buffer 0 vertex {i}");
        assert_eq!(b[i * 3..i * 3 + 3], [f(7.0), f(9.0), FILL], "buffer 1 vertex {i}");
    }
}

/// Hostile orders: a bound target destroyed (kept alive by the binding), its resource
/// destroyed (refused at the draw), a draw from a target that never captured (nothing).
#[test]
fn destroyed_targets_and_resources() {
    let _s = start();
    buffer(5, &[0; 48], BIND_STREAM_OUTPUT);
    let mut c = Cmds::default();
    pipeline(&mut c);
    shader_so(&mut c, 30, 0, VS, [4, 0, 0, 0], &[(0, 0, 4, 0, 0)]);
    c.push(BIND_SHADER, 0, &[30, 0]);
    c.push(CREATE_OBJECT, OBJ_STREAMOUT_TARGET, &[40, 5, 0, 48]);
    c.push(CREATE_OBJECT, OBJ_STREAMOUT_TARGET, &[42, 5, 0, 48]);
    // Never bound: drawing from it draws nothing.
    draw(&mut c, 0, 0, 42);
    c.push(SET_STREAMOUT_TARGETS, 0, &[0, 40]);
    c.push(DESTROY_OBJECT, 0, &[40]);
    draw(&mut c, 0, 3, 0);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(read_words(5, 16), [f(-1.0), f(-1.0), f(0.0), f(1.0)]);
    // The handle is gone: drawing from it is an illegal handle.
    let mut c = Cmds::default();
    draw(&mut c, 0, 0, 40);
    assert_eq!(c.submit(1), libc::EINVAL);
    assert_eq!(ctx_error(1), ILLEGAL_HANDLE);
    clear_ctx_error(1);
    virglrenderer::ffi::resource::virgl_renderer_resource_unref(5);
    let mut c = Cmds::default();
    draw(&mut c, 0, 3, 0);
    assert_eq!(c.submit(1), libc::EINVAL);
    assert_eq!(ctx_error(1), ILLEGAL_RESOURCE);
}

/// A capture while no surface is bound (rasterizer discard style) still runs.
#[test]
fn captures_without_attachments() {
    let _s = start();
    buffer(5, &[0; 48], BIND_STREAM_OUTPUT);
    let mut c = Cmds::default();
    pipeline(&mut c);
    c.push(SET_FRAMEBUFFER_STATE, 0, &[0, 0]);
    shader_so(&mut c, 30, 0, VS, [4, 0, 0, 0], &[(0, 0, 4, 0, 0)]);
    c.push(BIND_SHADER, 0, &[30, 0]);
    c.push(CREATE_OBJECT, OBJ_STREAMOUT_TARGET, &[40, 5, 0, 48]);
    c.push(SET_STREAMOUT_TARGETS, 0, &[0, 40]);
    draw(&mut c, 0, 3, 0);
    c.push(SET_STREAMOUT_TARGETS, 0, &[0]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    let w = read_words(5, 48);
    for (i, [x, y]) in VERTS[..3].iter().enumerate() {
        assert_eq!(w[i * 4..i * 4 + 4], [f(*x), f(*y), f(0.0), f(1.0)], "vertex {i}");
    }
}

/// PRIMITIVES_EMITTED counts the primitives written to the targets, not the others.
#[test]
fn primitives_emitted_query_counts_captured_primitives() {
    let _s = start();
    buffer(5, &[0; 6 * 16], BIND_STREAM_OUTPUT);
    buffer(4, &[0; 16], 0);
    let mut backing = ScatterBuf::contiguous(16);
    assert_eq!(attach(4, &mut backing), 0);
    let mut c = Cmds::default();
    pipeline(&mut c);
    shader_so(&mut c, 30, 0, VS, [4, 0, 0, 0], &[(0, 0, 4, 0, 0)]);
    c.push(BIND_SHADER, 0, &[30, 0]);
    c.push(CREATE_OBJECT, OBJ_STREAMOUT_TARGET, &[40, 5, 0, 6 * 16]);
    c.push(CREATE_OBJECT, OBJ_QUERY, &[41, QUERY_PRIMITIVES_EMITTED, 0, 4]);
    c.push(BEGIN_QUERY, 0, &[41]);
    c.push(SET_STREAMOUT_TARGETS, 0, &[0, 40]);
    draw(&mut c, 0, 6, 0);
    c.push(SET_STREAMOUT_TARGETS, 0, &[0]);
    draw(&mut c, 0, 3, 0);
    c.push(END_QUERY, 0, &[41]);
    c.push(GET_QUERY_RESULT, 0, &[41, 0]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    let got = backing.read_all();
    assert_eq!(u32::from_le_bytes(got[0..4].try_into().unwrap()), 1, "QUERY_STATE_DONE");
    assert_eq!(u64::from_le_bytes(got[8..16].try_into().unwrap()), 2, "two triangles");
}

#[test]
fn bad_targets_and_layouts_are_refused() {
    let _s = start();
    buffer(5, &[0; 64], BIND_STREAM_OUTPUT);
    // Past the buffer, unaligned, empty, not a buffer.
    for (off, size) in [(32, 36), (2, 16), (0, 0)] {
        assert_eq!(one(1, CREATE_OBJECT, OBJ_STREAMOUT_TARGET, &[40, 5, off, size]), libc::EINVAL);
        assert_eq!(ctx_error(1), ILLEGAL_RESOURCE, "{off}+{size}");
        clear_ctx_error(1);
    }
    assert_eq!(one(1, CREATE_OBJECT, OBJ_STREAMOUT_TARGET, &[40, 1, 0, 16]), libc::EINVAL);
    clear_ctx_error(1);
    // A handle that is no target; more than 4 targets.
    assert_eq!(one(1, CREATE_OBJECT, OBJ_STREAMOUT_TARGET, &[40, 5, 0, 64]), 0);
    assert_eq!(one(1, CREATE_OBJECT, OBJ_DSA, &[21, 0, 0, 0, 0]), 0);
    assert_eq!(one(1, SET_STREAMOUT_TARGETS, 0, &[0, 40, 21]), libc::EINVAL);
    assert_eq!(ctx_error(1), ILLEGAL_HANDLE);
    clear_ctx_error(1);
    assert_eq!(one(1, SET_STREAMOUT_TARGETS, 0, &[0, 40, 0, 0, 0, 40]), libc::EINVAL);
    clear_ctx_error(1);
    // A target whose resource was detached since: the draw is refused.
    let mut c = Cmds::default();
    pipeline(&mut c);
    shader_so(&mut c, 30, 0, VS, [4, 0, 0, 0], &[(0, 0, 4, 0, 0)]);
    c.push(BIND_SHADER, 0, &[30, 0]);
    c.push(SET_STREAMOUT_TARGETS, 0, &[0, 40]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    virgl_renderer_ctx_detach_resource(1, 5);
    let mut c = Cmds::default();
    draw(&mut c, 0, 3, 0);
    assert_eq!(c.submit(1), libc::EINVAL);
    assert_eq!(ctx_error(1), ILLEGAL_RESOURCE);
    clear_ctx_error(1);
    // Vertex stream 1 and a component range past w.
    let mut c = Cmds::default();
    shader_so(&mut c, 30, 0, VS, [4, 0, 0, 0], &[(0, 3, 2, 0, 0)]);
    assert_eq!(c.submit(1), libc::EINVAL);
    assert_eq!(ctx_error(1), ILLEGAL_SHADER);
    clear_ctx_error(1);
    let mut c = Cmds::default();
    shader_so(&mut c, 30, 0, VS, [4, 0, 0, 0], &[(0, 0, 4, 0, 0)]);
    let n = c.0.len();
    let text_words = bytes_to_words(format!("{VS}\0").as_bytes()).len();
    let stream_word = n - text_words - 1;
    c.0[stream_word] = 1;
    assert_eq!(c.submit(1), libc::EINVAL);
    assert_eq!(ctx_error(1), ILLEGAL_SHADER);
}

/// The CPU backend executes no stream output: targets and target sets are refused as
/// unsupported (the context goes on, not in error), as every draw there is.
#[test]
fn cpu_backend_refuses_stream_output_honestly() {
    let s = Session::start("cpu").expect("cpu backend");
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    buffer(5, &[0u8; 64], BIND_STREAM_OUTPUT);
    assert_eq!(one(1, CREATE_OBJECT, OBJ_STREAMOUT_TARGET, &[40, 5, 0, 64]), 0);
    assert_eq!(ctx_error(1), UNSUPPORTED_FUNCTION);
    assert!(!in_error(1));
    clear_ctx_error(1);
    assert_eq!(one(1, SET_STREAMOUT_TARGETS, 0, &[0, 40]), 0);
    assert_eq!(ctx_error(1), UNSUPPORTED_FUNCTION);
    assert!(!in_error(1));
    drop(s);
}
