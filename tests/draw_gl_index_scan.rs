//! The GL backend remembers the last indexed draw's scan of its indices (so that the same
//! draw again reads nothing back): every path that writes the index buffer between two
//! draws must make the next draw scan again, or indices past the vertex buffer would reach
//! GL. Each test draws twice with in-range indices (the second draw served by the memo),
//! writes an out-of-range index into the same index buffer by one path, and checks that
//! the next draw is refused as a first draw with those indices would be.
//!
//! One renderer per process: `cargo nextest run --test draw_gl_index_scan`.

mod common;

use common::stream::*;
use common::*;
use virglrenderer::ffi::context::*;
use virglrenderer::ffi::resource::virgl_renderer_resource_unref;
use virglrenderer::ffi::types::*;

const BIND_SHADER: u32 = 31;
const SET_VIEWPORT_STATE: u32 = 4;
const SET_VERTEX_BUFFERS: u32 = 6;
const SET_INDEX_BUFFER: u32 = 11;
const SET_CONSTANT_BUFFER: u32 = 12;
const BEGIN_QUERY: u32 = 19;
const END_QUERY: u32 = 20;
const GET_QUERY_RESULT_QBO: u32 = 42;
const OBJ_QUERY: u32 = 9;
const TRIANGLES: u32 = 4;
const BIND_VERTEX_BUFFER: u32 = 1 << 4;
const BIND_INDEX_BUFFER: u32 = 1 << 5;

const VS: &str = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nIMM[0] FLT32 { 0.0000, 1.0000, 0.0000, 0.0000 }\n  0: MOV OUT[0], IN[0].xyzz\n  1: MOV OUT[0].zw, IMM[0].xxxy\n  2: END\n";
const FS: &str = "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0]\n  0: MOV OUT[0], CONST[0]\n  1: END\n";

/// The in-range indices of the index buffer (resource 3): 2, 1, 0 and a spare 0.
const GOOD: [u16; 4] = [2, 1, 0, 0];
/// The same with index 7 (past the 3-vertex buffer) first.
const BAD: [u16; 4] = [7, 1, 0, 0];

fn words(v: [u16; 4]) -> Vec<u32> {
    bytes_to_words(&bytes(v))
}

fn bytes(v: [u16; 4]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn buffer(handle: u32, data: &[u8], bind: u32) {
    let a = virgl_renderer_resource_create_args {
        bind,
        ..args(handle, 0, R8, data.len() as u32, 1, 1, 1, 0)
    };
    assert_eq!(create(a), 0);
    virgl_renderer_ctx_attach_resource(1, handle as i32);
    let mut s = ScatterBuf::contiguous(data.len());
    s.write_all(data);
    assert_eq!(write(handle, Xfer::boxed([0, 0, 0, data.len() as u32, 1, 1]), Some(&mut s)), 0);
}

/// Context 1 drawing a red triangle (vertex buffer 2, 3 vertices) into a 16×16 target,
/// indexed through resource 3 holding [`GOOD`].
fn setup() {
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    tex(1, RGBA8, 16, 16);
    let tri: Vec<u8> =
        [-1.0f32, -1.0, 1.0, -1.0, -1.0, 1.0].iter().flat_map(|v| v.to_le_bytes()).collect();
    buffer(2, &tri, BIND_VERTEX_BUFFER);
    buffer(3, &bytes(GOOD), BIND_INDEX_BUFFER);
    let mut c = Cmds::default();
    fixed_draw_state(&mut c);
    shader(&mut c, 30, 0, VS);
    shader(&mut c, 31, 1, FS);
    c.push(BIND_SHADER, 0, &[30, 0]);
    c.push(BIND_SHADER, 0, &[31, 1]);
    let h = [8.0f32, 8.0, 0.5].map(f32::to_bits);
    c.push(SET_VIEWPORT_STATE, 0, &[0, h[0], h[1], h[2], h[0], h[1], h[2]]);
    c.push(SET_VERTEX_BUFFERS, 0, &[8, 0, 2]);
    c.push(SET_CONSTANT_BUFFER, 0, &[1, 0, 1.0f32.to_bits(), 0, 0, 1.0f32.to_bits()]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
}

/// Two indexed draws of 3 indices from the start of resource 3, as Mesa sends them.
fn draw_twice() -> i32 {
    let mut c = Cmds::default();
    for _ in 0..2 {
        c.push(SET_INDEX_BUFFER, 0, &[3, 2, 0]);
        c.push(DRAW_VBO, 0, &[0, 3, TRIANGLES, 1, 1, 0, 0, 0, 0, 0, u32::MAX, 0]);
    }
    c.submit(1)
}

/// Draws with good indices, lets `write_bad` put [`BAD`] into resource 3, and checks the
/// next draw is refused; then the same once more after the good indices are back.
fn refused_after(write_bad: impl Fn()) {
    let _s = gl_session();
    setup();
    for round in 0..2 {
        assert_eq!(draw_twice(), 0, "round {round}: context error {}", ctx_error(1));
        write_bad();
        assert_eq!(draw_twice(), libc::EINVAL, "round {round}: index 7 reached GL");
        assert!(in_error(1));
        clear_ctx_error(1);
        let mut s = ScatterBuf::contiguous(8);
        s.write_all(&bytes(GOOD));
        assert_eq!(write(3, Xfer::boxed([0, 0, 0, 8, 1, 1]), Some(&mut s)), 0);
    }
}

#[test]
fn transfer_write_rescans() {
    refused_after(|| {
        let mut s = ScatterBuf::contiguous(8);
        s.write_all(&bytes(BAD));
        assert_eq!(write(3, Xfer::boxed([0, 0, 0, 8, 1, 1]), Some(&mut s)), 0);
    });
}

#[test]
fn inline_write_rescans() {
    refused_after(|| {
        // handle, level, usage, stride, layer_stride, box (x, y, z, w, h, d), data.
        let mut p = vec![3, 0, 0, 0, 0, 0, 0, 0, 4, 1, 1];
        p.extend(&words(BAD)[..1]);
        assert_eq!(one(1, INLINE_WRITE, 0, &p), 0, "context error {}", ctx_error(1));
    });
}

#[test]
fn copy_region_rescans() {
    let bad: Vec<u8> = bytes(BAD);
    let made = std::cell::Cell::new(false);
    refused_after(|| {
        if !made.replace(true) {
            buffer(4, &bad, BIND_VERTEX_BUFFER);
        }
        // dst handle, level, x, y, z, src handle, level, box (x, y, z, w, h, d).
        let p = [3, 0, 0, 0, 0, 4, 0, 0, 0, 0, 8, 1, 1];
        assert_eq!(one(1, COPY_REGION, 0, &p), 0, "context error {}", ctx_error(1));
    });
}

#[test]
fn query_result_write_rescans() {
    refused_after(|| {
        // An occlusion query over a non-indexed draw: 120 samples, written as a u32 over
        // the first two indices (index 120 past the vertex buffer).
        let mut c = Cmds::default();
        c.push(CREATE_OBJECT, OBJ_QUERY, &[40, 0, 0, 3]);
        c.push(BEGIN_QUERY, 0, &[40]);
        c.push(DRAW_VBO, 0, &[0, 3, TRIANGLES, 0, 1, 0, 0, 0, 0, 0, u32::MAX, 0]);
        c.push(END_QUERY, 0, &[40]);
        // query, qbo, wait, PIPE_QUERY_TYPE_U32, offset, index.
        c.push(GET_QUERY_RESULT_QBO, 0, &[40, 3, 1, 1, 0, 0]);
        c.push(DESTROY_OBJECT, OBJ_QUERY, &[40]);
        assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    });
}

#[test]
fn buffer_made_again_rescans() {
    refused_after(|| {
        // The GL name of the destroyed buffer may come back for the new one.
        virgl_renderer_ctx_detach_resource(1, 3);
        virgl_renderer_resource_unref(3);
        buffer(3, &bytes(BAD), BIND_INDEX_BUFFER);
    });
}

/// SET_INDEX_BUFFER of the same binding again is not looked up while the draw cache holds
/// (Mesa sends it before every indexed draw), but once the buffer is detached from the
/// context the same SET_INDEX_BUFFER alone is refused, as its first one would be.
#[test]
fn same_index_buffer_after_detach_is_refused() {
    let _s = gl_session();
    setup();
    assert_eq!(draw_twice(), 0, "context error {}", ctx_error(1));
    assert_eq!(one(1, SET_INDEX_BUFFER, 0, &[3, 2, 0]), 0, "context error {}", ctx_error(1));
    virgl_renderer_ctx_detach_resource(1, 3);
    assert_eq!(one(1, SET_INDEX_BUFFER, 0, &[3, 2, 0]), libc::EINVAL);
    assert!(in_error(1));
    clear_ctx_error(1);
    virgl_renderer_ctx_attach_resource(1, 3);
    assert_eq!(draw_twice(), 0, "attached again: context error {}", ctx_error(1));
}
