//! What Mesa sends once `host_feature_check_version` is 18 and 21: CLEAR_SURFACE (a
//! rectangle of one surface, on GL, with the render condition when asked) and
//! PIPE_RESOURCE_SET_TYPE (typing a guest-only blob, on every backend).
//!
//! One renderer per process: `cargo nextest run --test clear_surface_gl`. The CLEAR_SURFACE
//! tests need GL (llvmpipe through EGL surfaceless at least).

mod common;

use common::stream::*;
use common::*;
use virglrenderer::ffi::context::*;
use virglrenderer::ffi::types::*;
use virglrenderer::ffi::*;

const SET_SCISSOR_STATE: u32 = 15;
const BEGIN_QUERY: u32 = 19;
const END_QUERY: u32 = 20;
const SET_RENDER_CONDITION: u32 = 26;
const PIPE_RESOURCE_SET_TYPE: u32 = 49;
const CLEAR_SURFACE: u32 = 62;
const OBJ_QUERY: u32 = 9;
/// `PIPE_CLEAR_*`.
const DEPTH: u32 = 1;
const STENCIL: u32 = 2;
const COLOR0: u32 = 4;

const RED: [u8; 4] = [255, 0, 0, 255];
const ZERO: [u8; 4] = [0; 4];

fn start() -> Session {
    let s = gl_session();
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    s
}

/// CLEAR_SURFACE of `surface`: `buffers`, the colour words, rectangle (x, y, w, h).
fn clear_surface(
    c: &mut Cmds,
    cond: bool,
    buffers: u32,
    surface: u32,
    color: [u32; 4],
    rect: [u32; 4],
) {
    let mut p = vec![u32::from(cond) | buffers << 1, surface];
    p.extend(color);
    p.extend(rect);
    c.push(CLEAR_SURFACE, 0, &p);
}

fn red() -> [u32; 4] {
    [1.0f32, 0.0, 0.0, 1.0].map(f32::to_bits)
}

/// Asserts every pixel of the 16×16 RGBA8 `data` is `inside` within `rect` and `outside`
/// elsewhere.
fn assert_rect(data: &[u8], rect: [u32; 4], inside: [u8; 4], outside: [u8; 4]) {
    let [x0, y0, w, h] = rect;
    for y in 0..16 {
        for x in 0..16 {
            let want = if (x0..x0 + w).contains(&x) && (y0..y0 + h).contains(&y) {
                inside
            } else {
                outside
            };
            assert_eq!(px(data, 16, 4, x, y), want, "pixel ({x}, {y})");
        }
    }
}

/// A rectangle of a colour surface, whatever the framebuffer and the scissor state say.
#[test]
fn clears_a_rectangle_of_a_colour_surface() {
    let _s = start();
    let t = tex(1, RGBA8, 16, 16);
    let mut c = Cmds::default();
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[10, 1, RGBA8, 0, 0]);
    // A scissor state elsewhere and no framebuffer: CLEAR_SURFACE uses neither.
    c.push(SET_SCISSOR_STATE, 0, &[0, 0, 1 | 1 << 16]);
    clear_surface(&mut c, false, COLOR0, 10, red(), [2, 3, 5, 4]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    assert_rect(&level0(&t), [2, 3, 5, 4], RED, ZERO);
    // A rectangle past the surface is clipped to it; one outside it clears nothing.
    let mut c = Cmds::default();
    clear_surface(&mut c, false, COLOR0, 10, [0; 4], [12, 13, u32::MAX, u32::MAX]);
    clear_surface(&mut c, false, COLOR0, 10, [0; 4], [16, 0, 4, 4]);
    clear_surface(&mut c, false, COLOR0, 10, [0; 4], [u32::MAX, u32::MAX, u32::MAX, 1]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    let data = level0(&t);
    assert_rect(&data, [2, 3, 5, 4], RED, ZERO);
    // The corner cleared to zero was zero already; clear it red and back to see both.
    let mut c = Cmds::default();
    clear_surface(&mut c, false, COLOR0, 10, red(), [12, 13, u32::MAX, u32::MAX]);
    assert_eq!(c.submit(1), 0);
    let data = level0(&t);
    assert_eq!(px(&data, 16, 4, 15, 15), RED);
    assert_eq!(px(&data, 16, 4, 12, 13), RED);
    assert_eq!(px(&data, 16, 4, 11, 13), ZERO);
}

/// The render condition applies when the command asks for it and only then.
#[test]
fn render_condition_is_respected_when_asked() {
    let _s = start();
    let t = tex(1, RGBA8, 16, 16);
    let q = virgl_renderer_resource_create_args { bind: 0, ..args(4, BUFFER, R8, 16, 1, 1, 1, 0) };
    assert_eq!(create(q), 0);
    virgl_renderer_ctx_attach_resource(1, 4);
    let mut c = Cmds::default();
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[10, 1, RGBA8, 0, 0]);
    // An occlusion query over nothing: 0 samples, so a normal condition fails.
    c.push(CREATE_OBJECT, OBJ_QUERY, &[40, 0, 0, 4]);
    c.push(BEGIN_QUERY, 0, &[40]);
    c.push(END_QUERY, 0, &[40]);
    c.push(SET_RENDER_CONDITION, 0, &[40, 0, 0]);
    clear_surface(&mut c, true, COLOR0, 10, red(), [0, 0, 16, 16]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_rect(&level0(&t), [0, 0, 0, 0], RED, ZERO);
    let mut c = Cmds::default();
    clear_surface(&mut c, false, COLOR0, 10, red(), [0, 0, 4, 4]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_rect(&level0(&t), [0, 0, 4, 4], RED, ZERO);
    // Inverted: renders when nothing passed.
    let mut c = Cmds::default();
    c.push(SET_RENDER_CONDITION, 0, &[40, 1, 0]);
    clear_surface(&mut c, true, COLOR0, 10, red(), [0, 0, 8, 8]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_rect(&level0(&t), [0, 0, 8, 8], RED, ZERO);
}

/// Depth from words 0-1 as an f64, in the rectangle only.
#[test]
fn clears_a_rectangle_of_a_depth_surface() {
    let _s = start();
    let z = tex_bind(2, Z16, 16, 16, BIND_DEPTH_STENCIL | BIND_SAMPLER_VIEW);
    let d = 0.5f64.to_bits();
    let mut c = Cmds::default();
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[11, 2, Z16, 0, 0]);
    clear_surface(&mut c, false, DEPTH, 11, [d as u32, (d >> 32) as u32, 0, 0], [4, 0, 8, 2]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    let data = level0(&z);
    for y in 0..16 {
        for x in 0..16 {
            let v = u16::from_le_bytes(px(&data, 16, 2, x, y).try_into().unwrap());
            if (4..12).contains(&x) && y < 2 {
                assert_eq!(v, 0x8000, "({x}, {y})");
            } else {
                assert_eq!(v, 0, "({x}, {y})");
            }
        }
    }
}

/// Depth and stencil of a combined surface (stencil from word 3), then stencil alone in a
/// smaller rectangle: the depth there is kept.
#[test]
fn clears_depth_and_stencil_of_a_combined_surface() {
    let _s = start();
    let zs = tex_bind(2, S8Z24, 16, 16, BIND_DEPTH_STENCIL | BIND_SAMPLER_VIEW);
    let d = 0.5f64.to_bits();
    let mut c = Cmds::default();
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[11, 2, S8Z24, 0, 0]);
    let color = [d as u32, (d >> 32) as u32, 0, 0x5a];
    clear_surface(&mut c, false, DEPTH | STENCIL, 11, color, [0, 0, 8, 16]);
    clear_surface(&mut c, false, STENCIL, 11, [0, 0, 0, 0x11], [0, 0, 4, 4]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    let data = level0(&zs);
    for y in 0..16 {
        for x in 0..16 {
            // S8_UINT_Z24_UNORM: stencil in the low byte, depth above it.
            let want = match (x, y) {
                (0..4, 0..4) => 0x80_0000u32 << 8 | 0x11,
                (0..8, _) => 0x80_0000u32 << 8 | 0x5a,
                _ => 0,
            };
            assert_eq!(px(&data, 16, 4, x, y), want.to_le_bytes(), "({x}, {y})");
        }
    }
}

/// Failures: EINVAL with ILLEGAL_SURFACE, the context in error.
#[test]
fn unknown_surfaces_and_mismatched_buffers_are_refused() {
    let _s = start();
    tex(1, RGBA8, 16, 16);
    tex_bind(2, Z16, 16, 16, BIND_DEPTH_STENCIL | BIND_SAMPLER_VIEW);
    let mut c = Cmds::default();
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[10, 1, RGBA8, 0, 0]);
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[11, 2, Z16, 0, 0]);
    assert_eq!(c.submit(1), 0);
    let cases: [(u32, u32); 3] = [(COLOR0, 99), (COLOR0, 11), (DEPTH, 10)];
    for (buffers, surface) in cases {
        let mut c = Cmds::default();
        clear_surface(&mut c, false, buffers, surface, [0; 4], [0, 0, 1, 1]);
        assert_eq!(c.submit(1), libc::EINVAL, "buffers {buffers} on surface {surface}");
        assert_eq!(ctx_error(1), ILLEGAL_SURFACE);
        clear_ctx_error(1);
    }
    // Wrong lengths (the decoder): EINVAL.
    assert_eq!(one(1, CLEAR_SURFACE, 0, &[0; 9]), libc::EINVAL);
}

// ---- PIPE_RESOURCE_SET_TYPE (every backend) ---------------------------------------------

/// A guest-only blob of `size` bytes in `mem`, attached to context 1.
fn guest_blob(handle: u32, mem: &mut [u8]) {
    let iov = libc::iovec { iov_base: mem.as_mut_ptr().cast(), iov_len: mem.len() };
    let a = virgl_renderer_resource_create_blob_args {
        res_handle: handle,
        ctx_id: 1,
        blob_mem: VIRGL_RENDERER_BLOB_MEM_GUEST,
        blob_flags: 0,
        blob_id: 0,
        size: mem.len() as u64,
        iovecs: &iov,
        num_iovs: 1,
    };
    // SAFETY: valid args; `mem` outlives the session's use of it in each test.
    assert_eq!(unsafe { virgl_renderer_resource_create_blob(&a) }, 0);
    virgl_renderer_ctx_attach_resource(1, handle as i32);
}

fn set_type(handle: u32, format: u32, w: u32, h: u32, planes: &[(u32, u32)]) -> i32 {
    let mut p =
        vec![handle, format, BIND_SAMPLER_VIEW | BIND_RENDER_TARGET, w, h, 0, !0, 0xff_ffff];
    for (stride, offset) in planes {
        p.extend([*stride, *offset]);
    }
    one(1, PIPE_RESOURCE_SET_TYPE, 0, &p)
}

/// The blob becomes a texture backed by its memory: a transfer to the host takes the
/// blob's bytes, which read back through the texture.
#[test]
fn set_type_makes_a_guest_blob_a_texture() {
    let _s = session();
    let pattern = Rng::new(3).bytes(16 * 8 * 4);
    let mut mem = pattern.clone();
    guest_blob(5, &mut mem);
    assert_eq!(set_type(5, RGBA8, 16, 8, &[(64, 0)]), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    let i = info(5).expect("info");
    assert_eq!((i.width, i.height, i.virgl_format), (16, 8, RGBA8));
    let full = Xfer { stride: 64, ..Xfer::boxed([0, 0, 0, 16, 8, 1]) };
    assert_eq!(write(5, full, None), 0, "transfer from the blob's memory");
    let mut out = ScatterBuf::contiguous(pattern.len());
    assert_eq!(read(5, full, Some(&mut out)), 0);
    assert_eq!(out.read_all(), pattern);
    // Typed already: left alone, success (as upstream).
    assert_eq!(set_type(5, R8, 4, 4, &[(4, 0)]), 0);
    assert_eq!(info(5).expect("info").virgl_format, RGBA8);
    drop(mem);
}

/// Unknown or unattached resources and bad descriptions: EINVAL.
#[test]
fn set_type_refusals() {
    let _s = session();
    let mut mem = vec![0u8; 256];
    guest_blob(6, &mut mem);
    assert_eq!(set_type(77, RGBA8, 8, 8, &[(32, 0)]), libc::EINVAL, "unknown resource");
    assert_eq!(ctx_error(1), ILLEGAL_RESOURCE);
    clear_ctx_error(1);
    virgl_renderer_ctx_detach_resource(1, 6);
    assert_eq!(set_type(6, RGBA8, 8, 8, &[(32, 0)]), libc::EINVAL, "not attached");
    clear_ctx_error(1);
    virgl_renderer_ctx_attach_resource(1, 6);
    assert_eq!(set_type(6, 0xffff, 8, 8, &[(32, 0)]), libc::EINVAL, "unknown format");
    clear_ctx_error(1);
    assert_eq!(set_type(6, RGBA8, 0, 8, &[(32, 0)]), libc::EINVAL, "width 0");
    clear_ctx_error(1);
    assert_eq!(set_type(6, RGBA8, 8, 8, &[]), libc::EINVAL, "no plane");
    clear_ctx_error(1);
    assert_eq!(set_type(6, RGBA8, 8, 8, &[(32, 0); 5]), libc::EINVAL, "five planes");
    clear_ctx_error(1);
    // Still untyped after the refusals: a good description types it.
    assert_eq!(set_type(6, RGBA8, 8, 8, &[(32, 0)]), 0, "context error {}", ctx_error(1));
    drop(mem);
}

/// The CPU backend claims no 3D (no guest sends CLEAR_SURFACE to it): refused honestly,
/// UNSUPPORTED_FUNCTION without putting the context in error, the surface untouched.
#[test]
fn cpu_backend_refuses_clear_surface_honestly() {
    let _s = Session::start("cpu").expect("cpu backend");
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    let t = tex(1, RGBA8, 16, 16);
    let mut c = Cmds::default();
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[10, 1, RGBA8, 0, 0]);
    clear_surface(&mut c, false, COLOR0, 10, red(), [0, 0, 16, 16]);
    assert_eq!(c.submit(1), 0);
    assert_eq!(ctx_error(1), UNSUPPORTED_FUNCTION);
    assert!(!in_error(1));
    assert_rect(&level0(&t), [0, 0, 0, 0], RED, ZERO);
}
