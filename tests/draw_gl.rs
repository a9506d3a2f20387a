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
const OBJ_QUERY: u32 = 9;
const TRIANGLES: u32 = 4;
const TRIANGLE_STRIP: u32 = 5;
const OBJ_SAMPLER_STATE: u32 = 7;
const BIND_SAMPLER_STATES: u32 = 18;
const BIND_VERTEX_BUFFER: u32 = 1 << 4;
const BIND_INDEX_BUFFER: u32 = 1 << 5;

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

/// The pipeline for a 16×16 RGBA8 target: surface, state objects, shaders, viewport,
/// the triangle's vertex buffer (resource 2) and a red constant.
fn pipeline(c: &mut Cmds) {
    fixed_draw_state(c);
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
    // Twice under a quarter viewport (the second reuses what the first applied), then under
    // the whole one again: the kept state follows the change.
    let mut c = Cmds::default();
    clear_blue(&mut c);
    c.push(SET_VIEWPORT_STATE, 0, &[0, f(4.0), f(4.0), f(0.5), f(4.0), f(4.0), f(0.5)]);
    draw(&mut c, 0, 3, false);
    draw(&mut c, 0, 3, false);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(px(&level0(&rt), 16, 4, 0, 14), BLUE, "outside the quarter");
    let mut c = Cmds::default();
    c.push(SET_VIEWPORT_STATE, 0, &[0, f(8.0), f(8.0), f(0.5), f(8.0), f(8.0), f(0.5)]);
    draw(&mut c, 0, 3, false);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(px(&level0(&rt), 16, 4, 0, 14), RED, "the whole viewport again");
}

/// A fragment shader reading element 1 of its constants gets element 1 (piglit
/// glsl-fs-uniform-array-1 through vtest).
#[test]
fn fragment_constants_past_the_first() {
    let _s = gl_session();
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    let rt = tex(1, RGBA8, 16, 16);
    buffer(2, &triangle(), BIND_VERTEX_BUFFER);
    let mut c = Cmds::default();
    pipeline(&mut c);
    shader(
        &mut c,
        32,
        1,
        "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0..1]\n  0: MOV OUT[0], CONST[1]\n  1: END\n",
    );
    c.push(BIND_SHADER, 0, &[32, 1]);
    let (r, g) = (f(1.0), f(0.0));
    c.push(SET_CONSTANT_BUFFER, 0, &[1, 0, r, g, g, g, g, r, g, r]);
    clear_blue(&mut c);
    draw(&mut c, 0, 3, false);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(px(&level0(&rt), 16, 4, 2, 2), [0, 255, 0, 255]);
}

/// The same through a window-aligned rectangle: piglit's `draw rect` as Mesa's virgl
/// driver sends it (a 4-vertex strip of vec4 positions over a 250×250 target, dither on).
/// llvmpipe hosts draw that on their linear fast path, which read element 0 for element 2
/// (glsl-fs-uniform-array-1 through vtest) until the translated shaders kept off it.
#[test]
fn fragment_constants_past_the_first_in_a_rectangle() {
    let _s = gl_session();
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    let rt = tex(1, RGBA8, 250, 250);
    let quad: Vec<u8> =
        [-1.0f32, -1.0, 0.0, 1.0, 1.0, -1.0, 0.0, 1.0, -1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
    buffer(2, &quad, BIND_VERTEX_BUFFER);
    let mut c = Cmds::default();
    pipeline(&mut c);
    shader(
        &mut c,
        32,
        1,
        "FRAG\nPROPERTY FS_COLOR0_WRITES_ALL_CBUFS 1\nDCL OUT[0], COLOR\nDCL CONST[0..2]\nDCL TEMP[0..3]\n  0: MOV OUT[0], CONST[2]\n  1: END\n",
    );
    c.push(BIND_SHADER, 0, &[32, 1]);
    shader(
        &mut c,
        33,
        0,
        "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nDCL TEMP[0..3]\n  0: MOV OUT[0], IN[0]\n  1: END\n",
    );
    c.push(BIND_SHADER, 0, &[33, 0]);
    c.push(CREATE_OBJECT, OBJ_VERTEX_ELEMENTS, &[25, 0, 0, 0, 31]);
    c.push(BIND_OBJECT, OBJ_VERTEX_ELEMENTS, &[25]);
    let mut blend = vec![24, 1 << 2, 0];
    blend.extend([0xf << 27; 8]);
    c.push(CREATE_OBJECT, OBJ_BLEND, &blend);
    c.push(BIND_OBJECT, OBJ_BLEND, &[24]);
    c.push(SET_VIEWPORT_STATE, 0, &[0, f(125.0), f(125.0), f(0.5), f(125.0), f(125.0), f(0.5)]);
    let (one, zero, half) = (f(1.0), f(0.0), f(0.5));
    c.push(
        SET_CONSTANT_BUFFER,
        0,
        &[1, 0, one, zero, zero, one, zero, one, zero, one, zero, half, one, one],
    );
    c.push(SET_VERTEX_BUFFERS, 0, &[16, 0, 2]);
    c.push(DRAW_VBO, 0, &[0, 4, TRIANGLE_STRIP, 0, 1, 0, 0, 0, 0, 0, u32::MAX, 0]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    let out = level0(&rt);
    for (x, y) in [(0, 0), (1, 1), (7, 90), (249, 249)] {
        let p = px(&out, 250, 4, x, y);
        assert_eq!([p[0], p[2], p[3]], [0, 255, 255], "pixel ({x}, {y}): {p:?}");
        assert!(p[1].abs_diff(128) <= 1, "pixel ({x}, {y}): {p:?}");
    }
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
    clear_blue(&mut c);
    for _ in 0..2 {
        c.push(SET_INDEX_BUFFER, 0, &[3, 2, 0]); // again before each draw, as Mesa does
        draw(&mut c, 0, 3, true);
    }
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

// ---- hostile input (bug classes of upstream's draw path; fuzz/fuzz_targets/draw_gl.rs) --

/// A context with [`pipeline`] on a 16×16 target, the triangle in resource 2.
fn hostile_setup() -> virgl_renderer_resource_create_args {
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    let rt = tex(1, RGBA8, 16, 16);
    buffer(2, &triangle(), BIND_VERTEX_BUFFER);
    let mut c = Cmds::default();
    pipeline(&mut c);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    rt
}

fn draw_full(c: &mut Cmds, count: u32, indexed: bool, instances: u32, start_instance: u32) {
    let p = [0, count, TRIANGLES, indexed as u32, instances, 0, start_instance, 0, 0, 0, !0, 0];
    c.push(DRAW_VBO, 0, &p);
}

/// GL fetches instanced attribute i of instance n at element ⌊n / divisor⌋ + base
/// instance, not ⌊(n + base instance) / divisor⌋: with divisor 2 and start_instance 3 the
/// first instance reads element 3 of a 3-element buffer. Found by review of the draw_gl
/// fuzz target's fetch oracle (an out-of-bounds read inside GL, which no sanitizer sees).
#[test]
fn instanced_fetch_counts_the_base_instance_whole() {
    let _s = gl_session();
    hostile_setup();
    // One attribute, per instance, divisor 2.
    assert_eq!(one(1, CREATE_OBJECT, OBJ_VERTEX_ELEMENTS, &[24, 0, 2, 0, R32G32_FLOAT]), 0);
    assert_eq!(one(1, BIND_OBJECT, OBJ_VERTEX_ELEMENTS, &[24]), 0);
    // Base instance 2: element 2, the last one.
    let mut c = Cmds::default();
    draw_full(&mut c, 3, false, 1, 2);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    // Instances 0..3 from base 1: elements 1, 1, 2.
    let mut c = Cmds::default();
    draw_full(&mut c, 3, false, 3, 1);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    // Base instance 3: element 3, past the buffer.
    let mut c = Cmds::default();
    draw_full(&mut c, 3, false, 1, 3);
    assert_eq!(c.submit(1), libc::EINVAL);
    clear_ctx_error(1);
    // Instances 0..4 from base 1: elements 1, 1, 2, 2 fit; 0..6 reach element 3.
    let mut c = Cmds::default();
    draw_full(&mut c, 3, false, 4, 1);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    let mut c = Cmds::default();
    draw_full(&mut c, 3, false, 6, 1);
    assert_eq!(c.submit(1), libc::EINVAL);
    clear_ctx_error(1);
    // Base instance near u32::MAX: no wrap-around into the buffer.
    let mut c = Cmds::default();
    draw_full(&mut c, 3, false, 16, u32::MAX);
    assert_eq!(c.submit(1), libc::EINVAL);
}

/// Upstream: vertex element counts past PIPE_MAX_ATTRIBS (32) overflowed a fixed array.
#[test]
fn vertex_elements_past_32_are_refused() {
    let _s = gl_session();
    hostile_setup();
    let ve = |n: u32| {
        let mut p = vec![25];
        for i in 0..n {
            p.extend([0, 0, i % 32, R32G32_FLOAT]);
        }
        p
    };
    assert_eq!(one(1, CREATE_OBJECT, OBJ_VERTEX_ELEMENTS, &ve(32)), 0);
    assert_eq!(one(1, CREATE_OBJECT, OBJ_VERTEX_ELEMENTS, &ve(33)), libc::EINVAL);
    clear_ctx_error(1);
    // A buffer index past 31.
    assert_eq!(
        one(1, CREATE_OBJECT, OBJ_VERTEX_ELEMENTS, &[25, 0, 0, 32, R32G32_FLOAT]),
        libc::EINVAL
    );
    clear_ctx_error(1);
    // Every format number: created or refused, and a draw with it never crashes.
    for fmt in (0..200).chain([u32::MAX, 0x8000_0000]) {
        let r = one(1, CREATE_OBJECT, OBJ_VERTEX_ELEMENTS, &[26, 0, 0, 0, fmt]);
        assert!(ok_errno(r), "format {fmt}: {r}");
        clear_ctx_error(1);
        if r == 0 {
            assert_eq!(one(1, BIND_OBJECT, OBJ_VERTEX_ELEMENTS, &[26]), 0);
            let mut c = Cmds::default();
            draw(&mut c, 0, 3, false);
            assert!(ok_errno(c.submit(1)), "format {fmt}");
            clear_ctx_error(1);
        }
    }
}

/// Upstream: a handle reused for another kind of object while the first was bound
/// (type confusion at the next draw), and objects destroyed while bound.
#[test]
fn handle_reuse_and_destroy_of_bound_objects() {
    let _s = gl_session();
    let rt = hostile_setup();
    // Vertex elements 23 is bound: a blend object takes its handle.
    let mut blend = vec![23, 0, 0];
    blend.extend([0xf << 27; 8]);
    assert_eq!(one(1, CREATE_OBJECT, OBJ_BLEND, &blend), 0);
    let mut c = Cmds::default();
    clear_blue(&mut c);
    draw(&mut c, 0, 3, false);
    assert_eq!(c.submit(1), 0, "the bound value is kept: context error {}", ctx_error(1));
    assert_eq!(px(&level0(&rt), 16, 4, 2, 2), RED);
    // Binding the handle as vertex elements now names a blend object.
    assert_eq!(one(1, BIND_OBJECT, OBJ_VERTEX_ELEMENTS, &[23]), libc::EINVAL);
    assert_eq!(ctx_error(1), ILLEGAL_HANDLE);
    clear_ctx_error(1);
    // Shaders and the surface replaced / destroyed while bound.
    assert_eq!(one(1, DESTROY_OBJECT, OBJ_SHADER, &[30]), 0);
    assert_eq!(one(1, CREATE_OBJECT, OBJ_RASTERIZER, &[31, 0, 0, 0, 0, 0, 0, 0, 0]), 0);
    assert_eq!(one(1, DESTROY_OBJECT, OBJ_SURFACE, &[10]), 0);
    let mut c = Cmds::default();
    draw(&mut c, 0, 3, false);
    assert!(ok_errno(c.submit(1)));
    clear_ctx_error(1);
    assert_eq!(one(1, BIND_SHADER, 0, &[31, 1]), libc::EINVAL);
    clear_ctx_error(1);
    // A sampler view handle reused as a surface, then set as a view.
    assert_eq!(one(1, CREATE_OBJECT, OBJ_SURFACE, &[50, 1, RGBA8, 0, 0]), 0);
    assert_eq!(one(1, SET_SAMPLER_VIEWS, 0, &[1, 0, 50]), libc::EINVAL);
    assert_eq!(level0(&rt).len(), 16 * 16 * 4);
}

const SET_SAMPLER_VIEWS: u32 = 10;
const SAMPLING_FS: &str = "FRAG\nDCL OUT[0], COLOR\nDCL SAMP[0]\nDCL SVIEW[0], 2D, FLOAT\nIMM[0] FLT32 { 0.5000, 0.5000, 0.0000, 0.0000 }\n  0: TEX OUT[0], IMM[0].xyyy, SAMP[0], 2D\n  1: END\n";

fn shader_into(ctx: u32, handle: u32, stage: u32, text: &str) {
    let mut c = Cmds::default();
    shader(&mut c, handle, stage, text);
    assert_eq!(c.submit(ctx), 0, "context error {}", ctx_error(ctx));
}
const OBJ_SAMPLER_VIEW: u32 = 6;

/// Upstream: sampler views whose level or layer range lies past the resource. Refused or
/// drawn with (GL samples an incomplete texture as zero), never out of bounds, and the
/// resource stays usable as a render target and for transfers afterwards.
#[test]
fn sampler_view_ranges_past_the_resource() {
    let _s = gl_session();
    let rt = hostile_setup();
    let t = tex(3, RGBA8, 4, 4);
    // A fragment shader sampling view 0 (the texture parameters of the view reach GL).
    shader_into(1, 32, 1, SAMPLING_FS);
    assert_eq!(one(1, BIND_SHADER, 0, &[32, 1]), 0, "context error {}", ctx_error(1));
    let cases = [
        (0, 0),                // level 0, layer 0
        (0, 0xff << 8 | 0x10), // levels 16..=255
        (0x7 << 16 | 5, 0),    // layers 5..=7 of a 2D texture
        (0, 0x8 << 8 | 0x9),   // first level past last
        (0xffff_0000, 0xffff), // everything maximal
    ];
    for (i, (val0, val1)) in cases.into_iter().enumerate() {
        let h = 60 + i as u32;
        for (res, target) in [(3, 2), (1, 2), (3, 7), (3, 0)] {
            let r = one(
                1,
                CREATE_OBJECT,
                OBJ_SAMPLER_VIEW,
                &[h, res, RGBA8 | target << 24, val0, val1, 1 << 3 | 2 << 6 | 3 << 9],
            );
            assert!(ok_errno(r), "view {val0:#x} {val1:#x}: {r}");
            clear_ctx_error(1);
            if r != 0 {
                continue;
            }
            assert_eq!(one(1, SET_SAMPLER_VIEWS, 0, &[1, 0, h]), 0);
            let mut c = Cmds::default();
            draw(&mut c, 0, 3, false);
            assert!(ok_errno(c.submit(1)));
            clear_ctx_error(1);
        }
    }
    // Both textures still render and read back.
    assert_eq!(one(1, BIND_SHADER, 0, &[31, 1]), 0);
    let mut c = Cmds::default();
    clear_blue(&mut c);
    draw(&mut c, 0, 3, false);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(px(&level0(&rt), 16, 4, 2, 2), RED);
    assert_eq!(level0(&t).len(), 4 * 4 * 4);
}

/// Upstream: SET_FRAMEBUFFER_STATE with more than 8 colour buffers overflowed the
/// surface array; surfaces with levels or layers past their resource.
#[test]
fn framebuffer_counts_and_surfaces_past_the_resource() {
    let _s = gl_session();
    let rt = hostile_setup();
    let mut p = vec![9, 0];
    p.extend([10; 9]);
    assert_eq!(one(1, SET_FRAMEBUFFER_STATE, 0, &p), libc::EINVAL);
    clear_ctx_error(1);
    assert_eq!(one(1, SET_FRAMEBUFFER_STATE, 0, &[0xffff_ffff, 0]), libc::EINVAL);
    clear_ctx_error(1);
    let mut p = vec![8, 0];
    p.extend([10; 8]);
    assert_eq!(one(1, SET_FRAMEBUFFER_STATE, 0, &p), 0);
    // Level 5 of a one-level texture; layer 7 of a 2D one.
    for (h, level, layers) in [(11, 5, 0), (12, 0, 7 | 7 << 16), (13, u32::MAX, 0)] {
        let r = one(1, CREATE_OBJECT, OBJ_SURFACE, &[h, 1, RGBA8, level, layers]);
        assert!(ok_errno(r));
        clear_ctx_error(1);
        if r == 0 {
            assert_eq!(one(1, SET_FRAMEBUFFER_STATE, 0, &[1, 0, h]), 0);
            let mut c = Cmds::default();
            clear_blue(&mut c);
            draw(&mut c, 0, 3, false);
            assert!(ok_errno(c.submit(1)));
            clear_ctx_error(1);
        }
    }
    assert_eq!(level0(&rt).len(), 16 * 16 * 4);
}

/// A draw keeps what it checked and derived for the next draw with the same state (the
/// sub-context's draw cache), but only until a resource is detached or unreferenced: the
/// same draw after that fails instead of reading the resource.
#[test]
fn draws_check_again_after_a_detach_or_unref() {
    let _s = gl_session();
    hostile_setup();
    let submit_draw = || {
        let mut c = Cmds::default();
        draw(&mut c, 0, 3, false);
        c.submit(1)
    };
    assert_eq!(submit_draw(), 0, "context error {}", ctx_error(1));
    assert_eq!(submit_draw(), 0, "context error {}", ctx_error(1));
    // The bound vertex buffer detached: the identical draw fails.
    virgl_renderer_ctx_detach_resource(1, 2);
    assert_eq!(submit_draw(), libc::EINVAL);
    assert_eq!(ctx_error(1), ILLEGAL_RESOURCE);
    clear_ctx_error(1);
    virgl_renderer_ctx_attach_resource(1, 2);
    assert_eq!(submit_draw(), 0, "context error {}", ctx_error(1));
    // The render target unreferenced: fails too.
    virglrenderer::ffi::resource::virgl_renderer_resource_unref(1);
    assert_eq!(submit_draw(), libc::EINVAL);
    assert_eq!(ctx_error(1), ILLEGAL_RESOURCE);
    clear_ctx_error(1);
}

/// Draws with no vertex buffer bound for an attribute, an unknown or unattached one, no
/// index buffer, or an index size other than 1, 2, 4.
#[test]
fn draws_with_missing_vertex_or_index_buffers() {
    let _s = gl_session();
    hostile_setup();
    // Slot 0 empty.
    assert_eq!(one(1, SET_VERTEX_BUFFERS, 0, &[8, 0, 0]), 0);
    let mut c = Cmds::default();
    draw(&mut c, 0, 3, false);
    assert_eq!(c.submit(1), libc::EINVAL);
    assert_eq!(ctx_error(1), ILLEGAL_RESOURCE);
    clear_ctx_error(1);
    // Unknown and unattached resources are refused when set.
    assert_eq!(one(1, SET_VERTEX_BUFFERS, 0, &[8, 0, 77]), libc::EINVAL);
    clear_ctx_error(1);
    buffer(3, &triangle(), BIND_VERTEX_BUFFER);
    virgl_renderer_ctx_detach_resource(1, 3);
    assert_eq!(one(1, SET_VERTEX_BUFFERS, 0, &[8, 0, 3]), libc::EINVAL);
    clear_ctx_error(1);
    // A vertex buffer set, then its resource destroyed.
    virgl_renderer_ctx_attach_resource(1, 3);
    assert_eq!(one(1, SET_VERTEX_BUFFERS, 0, &[8, 0, 3]), 0);
    virglrenderer::ffi::resource::virgl_renderer_resource_unref(3);
    let mut c = Cmds::default();
    draw(&mut c, 0, 3, false);
    assert_eq!(c.submit(1), libc::EINVAL);
    clear_ctx_error(1);
    assert_eq!(one(1, SET_VERTEX_BUFFERS, 0, &[8, 0, 2]), 0);
    // Indexed without an index buffer, with index sizes 0 and 3, with a huge offset.
    let mut c = Cmds::default();
    draw(&mut c, 0, 3, true);
    assert_eq!(c.submit(1), libc::EINVAL);
    clear_ctx_error(1);
    buffer(4, &[0, 0, 1, 0, 2, 0], BIND_INDEX_BUFFER);
    for (size, offset) in [(0, 0), (3, 0), (2, u32::MAX), (4, 0xffff_fff0)] {
        assert_eq!(one(1, SET_INDEX_BUFFER, 0, &[4, size, offset]), 0);
        let mut c = Cmds::default();
        draw(&mut c, 0, 3, true);
        assert_eq!(c.submit(1), libc::EINVAL, "index size {size} offset {offset}");
        clear_ctx_error(1);
    }
    // Start past the buffer: the byte offset start × size never wraps.
    assert_eq!(one(1, SET_INDEX_BUFFER, 0, &[4, 4, 0]), 0);
    let p = [0x4000_0000, 3, TRIANGLES, 1, 1, 0, 0, 0, 0, 0, !0, 0];
    assert_eq!(one(1, DRAW_VBO, 0, &p), libc::EINVAL);
}

/// Upstream: multi-part CREATE_OBJECT(SHADER) whose continuation offset or total length
/// was trusted (heap overflow on the append).
#[test]
fn shader_continuations_with_bad_offsets_or_lengths() {
    let _s = gl_session();
    hostile_setup();
    let text: Vec<u8> = VS.bytes().chain([0]).collect();
    let total = text.len() as u32;
    let first = |h: u32, total: u32| {
        let mut p = vec![h, 0, total, 0, 0];
        p.extend(bytes_to_words(&text[..16]));
        p
    };
    let cont = |h: u32, offset: u32, from: usize| {
        let mut p = vec![h, 0, offset | 1 << 31, 0, 0];
        p.extend(bytes_to_words(&text[from..]));
        p
    };
    // Total past the limit.
    assert_eq!(one(1, CREATE_OBJECT, OBJ_SHADER, &first(40, u32::MAX >> 1)), libc::EINVAL);
    clear_ctx_error(1);
    // A continuation for a handle holding no partial shader (none, then a blend).
    assert_eq!(one(1, CREATE_OBJECT, OBJ_SHADER, &cont(41, 16, 16)), libc::EINVAL);
    clear_ctx_error(1);
    assert_eq!(one(1, CREATE_OBJECT, OBJ_SHADER, &cont(30, 16, 16)), libc::EINVAL);
    clear_ctx_error(1);
    // Offsets that do not continue the text: behind, ahead, at 2^31 - 1.
    assert_eq!(one(1, CREATE_OBJECT, OBJ_SHADER, &first(42, total)), 0);
    for off in [0, 12, 20, 0x7fff_ffff] {
        assert_eq!(one(1, CREATE_OBJECT, OBJ_SHADER, &cont(42, off, 16)), libc::EINVAL, "{off}");
        clear_ctx_error(1);
    }
    // A continuation longer than the announced total is cut at the total.
    assert_eq!(one(1, CREATE_OBJECT, OBJ_SHADER, &first(43, total)), 0);
    let mut p = cont(43, 16, 16);
    p.extend([0x4141_4141; 64]);
    assert_eq!(one(1, CREATE_OBJECT, OBJ_SHADER, &p), 0, "context error {}", ctx_error(1));
    assert_eq!(one(1, BIND_SHADER, 0, &[43, 0]), 0);
    // A further continuation of the complete shader.
    assert_eq!(one(1, CREATE_OBJECT, OBJ_SHADER, &cont(43, total, 16)), libc::EINVAL);
}

/// CREATE_OBJECT over a query between BEGIN_QUERY and END_QUERY: the replaced query's GL
/// query must end with it. It stayed active on the shared GL context, so no context could
/// begin a query of that type again (found by the draw_gl fuzz target's review).
#[test]
fn replacing_an_active_query_ends_it() {
    let _s = gl_session();
    hostile_setup();
    buffer(4, &[0; 32], 0);
    assert_eq!(one(1, CREATE_OBJECT, OBJ_QUERY, &[40, 0, 0, 4]), 0);
    assert_eq!(one(1, BEGIN_QUERY, 0, &[40]), 0);
    // The handle taken by a new query, then by a blend object.
    assert_eq!(one(1, CREATE_OBJECT, OBJ_QUERY, &[40, 0, 0, 4]), 0);
    assert_eq!(one(1, BEGIN_QUERY, 0, &[40]), 0, "context error {}", ctx_error(1));
    let mut blend = vec![40, 0, 0];
    blend.extend([0xf << 27; 8]);
    assert_eq!(one(1, CREATE_OBJECT, OBJ_BLEND, &blend), 0);
    // Another context begins an occlusion query.
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(2, 4, c"u".as_ptr()) }, 0);
    virgl_renderer_ctx_attach_resource(2, 4);
    assert_eq!(one(2, CREATE_OBJECT, OBJ_QUERY, &[40, 0, 0, 4]), 0);
    assert_eq!(one(2, BEGIN_QUERY, 0, &[40]), 0, "context error {}", ctx_error(2));
    let mut c = Cmds::default();
    c.push(END_QUERY, 0, &[40]).push(GET_QUERY_RESULT, 0, &[40, 0]);
    assert_eq!(c.submit(2), 0, "context error {}", ctx_error(2));
}

/// Queries live on the backend's one GL context, shared by every guest context: a query
/// begun in context 1 must not count what context 2 draws (upstream gives each context its
/// own GL context; here the other context's queries are suspended while one draws), and it
/// counts context 1's own draws before and after.
#[test]
fn queries_count_only_their_own_context() {
    let _s = gl_session();
    hostile_setup();
    let mut backing = ScatterBuf::contiguous(16);
    buffer(4, &[0; 16], 0);
    assert_eq!(attach(4, &mut backing), 0);
    assert_eq!(one(1, CREATE_OBJECT, OBJ_QUERY, &[40, 0, 0, 4]), 0);
    assert_eq!(one(1, BEGIN_QUERY, 0, &[40]), 0);
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(2, 4, c"u".as_ptr()) }, 0);
    virgl_renderer_ctx_attach_resource(2, 1);
    virgl_renderer_ctx_attach_resource(2, 2);
    let mut c = Cmds::default();
    pipeline(&mut c);
    draw(&mut c, 0, 3, false);
    assert_eq!(c.submit(2), 0, "context error {}", ctx_error(2));
    let mut c = Cmds::default();
    c.push(END_QUERY, 0, &[40]).push(GET_QUERY_RESULT, 0, &[40, 0]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    let got = backing.read_all();
    let samples = u64::from_le_bytes(got[8..16].try_into().unwrap());
    assert_eq!(samples, 0, "context 1's query counted context 2's draw");
    // Context 1 draws, context 2 draws, context 1 draws again: two triangles counted.
    assert_eq!(one(1, BEGIN_QUERY, 0, &[40]), 0);
    let mut c = Cmds::default();
    draw(&mut c, 0, 3, false);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    let mut c = Cmds::default();
    draw(&mut c, 0, 3, false);
    assert_eq!(c.submit(2), 0, "context error {}", ctx_error(2));
    let mut c = Cmds::default();
    draw(&mut c, 0, 3, false);
    c.push(END_QUERY, 0, &[40]).push(GET_QUERY_RESULT, 0, &[40, 0]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    let got = backing.read_all();
    let samples = u64::from_le_bytes(got[8..16].try_into().unwrap());
    assert_eq!(samples, 240, "context 1's own two triangles");
}

/// A depth texture read through a shadow sampler whose view swizzles the result
/// (GL 2.x `DEPTH_TEXTURE_MODE` alpha: ZERO, ZERO, ZERO, X) gives (0, 0, 0, result): the
/// translated shader swizzles the comparison result, and GL's own texture swizzle must
/// not swizzle it again (it returned ZERO for the result; piglit glsl-fs-shadow2D-07/08).
#[test]
fn shadow_sampler_with_an_alpha_depth_mode_swizzle() {
    let _s = gl_session();
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    let rt = tex(1, RGBA8, 16, 16);
    buffer(2, &triangle(), BIND_VERTEX_BUFFER);
    let depth = tex_bind(3, Z16, 4, 4, BIND_SAMPLER_VIEW | BIND_DEPTH_STENCIL);
    upload(&depth, &[0x00, 0x80].repeat(16)); // 0.5 everywhere
    let mut c = Cmds::default();
    pipeline(&mut c);
    shader(
        &mut c,
        32,
        1,
        "FRAG\nDCL OUT[0], COLOR\nDCL SAMP[0]\nDCL SVIEW[0], SHADOW2D, FLOAT\n\
         IMM[0] FLT32 { 0.5000, 0.5000, 0.2500, 0.0000 }\n\
         0: TEX OUT[0], IMM[0].xyzz, SAMP[0], SHADOW2D\n  1: END\n",
    );
    c.push(BIND_SHADER, 0, &[32, 1]);
    // Swizzle ZERO, ZERO, ZERO, X (PIPE_SWIZZLE_0 = 4).
    c.push(CREATE_OBJECT, OBJ_SAMPLER_VIEW, &[60, 3, Z16 | 2 << 24, 0, 0, 4 | 4 << 3 | 4 << 6]);
    c.push(SET_SAMPLER_VIEWS, 0, &[1, 0, 60]);
    for (func, want) in [(7, 255), (0, 0), (1, 255), (4, 0)] {
        // Nearest filtering, compare mode on, PIPE_FUNC_ALWAYS / NEVER / LESS / GREATER
        // (reference 0.25 against the texel's 0.5).
        let s0 = 1 << 15 | func << 16;
        c.push(CREATE_OBJECT, OBJ_SAMPLER_STATE, &[70 + func, s0, 0, 0, f(16.0), 0, 0, 0, 0]);
        c.push(BIND_SAMPLER_STATES, 0, &[1, 0, 70 + func]);
        clear_blue(&mut c);
        draw(&mut c, 0, 3, false);
        assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
        c = Cmds::default();
        assert_eq!(px(&level0(&rt), 16, 4, 2, 2), [0, 0, 0, want], "compare func {func}");
    }
}

/// BLIT of depth between two formats GL stores alike (glCopyTexImage of a S8_UINT_Z24_UNORM
/// depth buffer into an X8Z24_UNORM texture, piglit texdepth): the depth arrives (it was
/// skipped as not implemented).
#[test]
fn depth_blit_between_formats_of_one_gl_storage() {
    const X8Z24: u32 = 22;
    let _s = gl_session();
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    let bind = BIND_SAMPLER_VIEW | BIND_DEPTH_STENCIL;
    let src = tex_bind(1, S8Z24, 4, 4, bind);
    let dst = tex_bind(2, X8Z24, 4, 4, bind);
    // Z in the high 24 bits, stencil in the low 8 (GL's UNSIGNED_INT_24_8 order).
    let texels: Vec<u32> = (0..16u32).map(|i| (i * 0x0010_2030 + 0x0040_0000) << 8 | i).collect();
    upload(&src, &texels.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<_>>());
    let p = blit_cmd(0x10, (2, X8Z24, [0, 0, 0, 4, 4, 1]), (1, S8Z24, [0, 0, 0, 4, 4, 1]), None);
    assert_eq!(one(1, BLIT, 0, &p), 0, "context error {}", ctx_error(1));
    let out = level0(&dst);
    for (i, want) in texels.iter().enumerate() {
        let got = u32::from_le_bytes(out[i * 4..i * 4 + 4].try_into().unwrap());
        // llvmpipe blits depth through float: the last of the 24 bits may round.
        assert!(
            (got >> 8).abs_diff(want >> 8) <= 1,
            "texel {i}: {got:#x}, want depth of {want:#x}"
        );
    }
}
