//! One GL context per virgl sub-context: two sub-contexts with different framebuffers,
//! viewports, colour masks and constants, their draws interleaved, each target checked
//! (no state of one leaks into the other); with the VMM's context callbacks (a fake VMM
//! over its own EGL display, as QEMU's `-display sdl,gl=on`), every context the VMM
//! created is destroyed, a switch costs one `make_current` and staying costs none, and a
//! VMM that returns NULL fails CREATE_SUB_CTX cleanly.
//!
//! One renderer per process: `cargo nextest run --test subctx_gl`. GL is required on every
//! host, so a GL backend that does not start fails these tests.

mod common;

use common::fake_vmm::{fake_vmm, vmm_create, vmm_destroy, vmm_make_current, FakeVmm};
use common::stream::*;
use common::*;
use std::ffi::c_void;
use std::sync::atomic::Ordering::SeqCst;
use virglrenderer::ffi::context::*;
use virglrenderer::ffi::init::{virgl_renderer_cleanup, virgl_renderer_init};
use virglrenderer::ffi::types::*;

const BIND_SHADER: u32 = 31;
const SET_VIEWPORT_STATE: u32 = 4;
const SET_VERTEX_BUFFERS: u32 = 6;
const SET_CONSTANT_BUFFER: u32 = 12;
const TRIANGLES: u32 = 4;

const VS: &str = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nIMM[0] FLT32 { 0.0000, 1.0000, 0.0000, 0.0000 }\n  0: MOV OUT[0], IN[0].xyzz\n  1: MOV OUT[0].zw, IMM[0].xxxy\n  2: END\n";
const FS: &str = "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0]\n  0: MOV OUT[0], CONST[0]\n  1: END\n";

fn f(v: f32) -> u32 {
    v.to_bits()
}

/// The triangle (-1,-1), (1,-1), (-1,1) in vertex buffer 2.
fn vertex_buffer() {
    let bytes: Vec<u8> =
        [-1.0f32, -1.0, 1.0, -1.0, -1.0, 1.0].iter().flat_map(|v| v.to_le_bytes()).collect();
    let a = virgl_renderer_resource_create_args {
        bind: 1 << 4,
        ..args(2, BUFFER, R8, bytes.len() as u32, 1, 1, 1, 0)
    };
    assert_eq!(create(a), 0);
    virgl_renderer_ctx_attach_resource(1, 2);
    let mut s = ScatterBuf::contiguous(bytes.len());
    s.write_all(&bytes);
    assert_eq!(write(2, Xfer::boxed([0, 0, 0, bytes.len() as u32, 1, 1]), Some(&mut s)), 0);
}

/// Sub-context `sub`'s pipeline: the fixed state (surface 10, the same handle in both),
/// here on resource `target`, viewport `half` of 16×16 (8: whole, 4: the lower-left
/// quarter), colour mask `mask` (gallium's RGBA bits) and constant colour `rgba`.
fn pipeline(c: &mut Cmds, target: u32, half: f32, mask: u32, rgba: [f32; 4]) {
    fixed_draw_state(c);
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[10, target, RGBA8, 0, 0]);
    c.push(SET_FRAMEBUFFER_STATE, 0, &[1, 0, 10]);
    let mut blend = vec![24, 0, 0];
    blend.extend([mask << 27; 8]);
    c.push(CREATE_OBJECT, OBJ_BLEND, &blend);
    c.push(BIND_OBJECT, OBJ_BLEND, &[24]);
    shader(c, 30, 0, VS);
    shader(c, 31, 1, FS);
    c.push(BIND_SHADER, 0, &[30, 0]);
    c.push(BIND_SHADER, 0, &[31, 1]);
    c.push(SET_VIEWPORT_STATE, 0, &[0, f(half), f(half), f(0.5), f(half), f(half), f(0.5)]);
    c.push(SET_VERTEX_BUFFERS, 0, &[8, 0, 2]);
    c.push(SET_CONSTANT_BUFFER, 0, &[1, 0, f(rgba[0]), f(rgba[1]), f(rgba[2]), f(rgba[3])]);
}

fn clear_blue(c: &mut Cmds) {
    let blue = [0.0f32, 0.0, 1.0, 1.0].map(f32::to_bits);
    // Colour buffer 0 (clears ignore the colour mask: whole buffer).
    c.push(CLEAR, 0, &[1 << 2, blue[0], blue[1], blue[2], blue[3], 0, 0, 0]);
}

fn draw(c: &mut Cmds) {
    c.push(DRAW_VBO, 0, &[0, 3, TRIANGLES, 0, 1, 0, 0, 0, 0, 0, u32::MAX, 0]);
}

const RED: [u8; 4] = [255, 0, 0, 255];
const BLUE: [u8; 4] = [0, 0, 255, 255];
/// Green written through a G|A mask over blue.
const CYAN: [u8; 4] = [0, 255, 255, 255];

/// Sub-context 1 draws red over the whole of resource 1; sub-context 2 draws green through
/// a G|A mask into the lower-left quarter of resource 3, both cleared blue first; draws
/// interleaved within one submit and across submits. Returns the two targets.
fn two_sub_contexts() -> [virgl_renderer_resource_create_args; 2] {
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    let a = tex(1, RGBA8, 16, 16);
    let b = tex(3, RGBA8, 16, 16);
    vertex_buffer();
    let mut c = Cmds::default();
    c.push(CREATE_SUB_CTX, 0, &[1]);
    c.push(SET_SUB_CTX, 0, &[1]);
    pipeline(&mut c, 1, 8.0, 0xf, [1.0, 0.0, 0.0, 1.0]);
    c.push(CREATE_SUB_CTX, 0, &[2]);
    c.push(SET_SUB_CTX, 0, &[2]);
    pipeline(&mut c, 3, 4.0, 0x2 | 0x8, [0.0, 1.0, 0.0, 1.0]);
    c.push(SET_SUB_CTX, 0, &[1]);
    clear_blue(&mut c);
    draw(&mut c);
    c.push(SET_SUB_CTX, 0, &[2]);
    clear_blue(&mut c);
    draw(&mut c);
    c.push(SET_SUB_CTX, 0, &[1]);
    draw(&mut c);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    check(&a, &b);
    // Again across submits, each in one sub-context.
    let mut c = Cmds::default();
    c.push(SET_SUB_CTX, 0, &[2]);
    clear_blue(&mut c);
    draw(&mut c);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    let mut c = Cmds::default();
    c.push(SET_SUB_CTX, 0, &[1]);
    clear_blue(&mut c);
    draw(&mut c);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    check(&a, &b);
    [a, b]
}

fn check(a: &virgl_renderer_resource_create_args, b: &virgl_renderer_resource_create_args) {
    let (pa, pb) = (level0(a), level0(b));
    assert_eq!(px(&pa, 16, 4, 2, 2), RED, "sub 1: inside its triangle");
    assert_eq!(px(&pa, 16, 4, 0, 14), RED, "sub 1: whole viewport (not sub 2's quarter)");
    assert_eq!(px(&pa, 16, 4, 13, 13), BLUE, "sub 1: outside the triangle");
    assert_eq!(px(&pb, 16, 4, 2, 2), CYAN, "sub 2: its colour through its mask");
    assert_eq!(px(&pb, 16, 4, 6, 0), CYAN, "sub 2: inside the quarter's triangle");
    assert_eq!(px(&pb, 16, 4, 0, 14), BLUE, "sub 2: outside its quarter viewport");
    assert_eq!(px(&pb, 16, 4, 13, 13), BLUE, "sub 2: outside");
}

fn sub_gl_contexts() -> usize {
    virglrenderer::internal::renderer::with(|r| {
        Ok(r.backend.gl_mut().expect("GL backend").sub_context_count())
    })
    .unwrap()
}

#[test]
fn sub_contexts_keep_their_own_gl_state() {
    let _s = gl_session();
    two_sub_contexts();
    // Sub-contexts 0, 1 and 2.
    assert_eq!(sub_gl_contexts(), 3);
    assert_eq!(one(1, DESTROY_SUB_CTX, 0, &[2]), 0);
    assert_eq!(sub_gl_contexts(), 2);
    // Sub-context 1 goes on drawing after 2 is gone (and 0 became current).
    let mut c = Cmds::default();
    c.push(SET_SUB_CTX, 0, &[1]);
    clear_blue(&mut c);
    draw(&mut c);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(px(&level0(&tex_args(1)), 16, 4, 2, 2), RED);
    virgl_renderer_context_destroy(1);
    assert_eq!(sub_gl_contexts(), 0, "every sub-context's GL context destroyed");
}

/// The create args of a 16×16 RGBA8 texture already created as `handle`.
fn tex_args(handle: u32) -> virgl_renderer_resource_create_args {
    virgl_renderer_resource_create_args {
        bind: BIND_SAMPLER_VIEW | BIND_RENDER_TARGET,
        ..args(handle, TEX_2D, RGBA8, 16, 16, 1, 1, 0)
    }
}

/// The renderer on a fake VMM's GL context callbacks (no USE_EGL: its contexts are used).
fn vmm_session(vmm: &FakeVmm) -> std::sync::MutexGuard<'static, ()> {
    let lock = lock_process();
    std::env::set_var("VIRGL_SHIM_BACKEND", "gl");
    let cbs = Box::leak(Box::new(virgl_renderer_callbacks {
        version: 1,
        write_fence: None,
        create_gl_context: Some(vmm_create),
        destroy_gl_context: Some(vmm_destroy),
        make_current: Some(vmm_make_current),
        get_drm_fd: None,
        write_context_fence: None,
        get_server_fd: None,
        get_egl_display: None,
    }));
    let cookie = vmm as *const FakeVmm as *mut c_void;
    // SAFETY: the cookie outlives the session (the caller cleans up first); leaked callbacks.
    let r = unsafe { virgl_renderer_init(cookie, 0, cbs) };
    gl_required(if r == 0 { Ok(()) } else { Err(r) });
    lock
}

#[test]
fn vmm_makes_every_sub_context_gl_context_and_destroys_each() {
    let vmm = fake_vmm();
    let _lock = vmm_session(&vmm);
    let name = virglrenderer::internal::renderer::with(|r| {
        Ok(r.backend.gl_mut().expect("GL").platform_name())
    });
    assert_eq!(name.unwrap(), "vmm-gl-context");
    assert_eq!(vmm.created.load(SeqCst), 1, "the main context");
    two_sub_contexts();
    assert_eq!(vmm.created.load(SeqCst), 4, "the main one and sub-contexts 0, 1, 2");
    // Staying in one sub-context costs no make_current; a switch one each way.
    let made = || vmm.made_current.load(SeqCst);
    let n = made();
    let mut c = Cmds::default();
    c.push(SET_SUB_CTX, 0, &[1]);
    draw(&mut c);
    draw(&mut c);
    assert_eq!(c.submit(1), 0);
    assert_eq!(made(), n, "make_current without a switch");
    let _ = level0(&tex_args(1));
    assert_eq!(made(), n, "make_current for a readback after the submit");
    let mut c = Cmds::default();
    c.push(SET_SUB_CTX, 0, &[2]);
    draw(&mut c);
    c.push(SET_SUB_CTX, 0, &[1]);
    draw(&mut c);
    assert_eq!(c.submit(1), 0);
    assert_eq!(made(), n + 2, "one make_current per switch");
    // A VMM that returns NULL: CREATE_SUB_CTX fails, nothing made or leaked, the context
    // goes on.
    vmm.refuse.store(true, SeqCst);
    assert_eq!(one(1, CREATE_SUB_CTX, 0, &[7]), libc::ENOMEM, "CREATE_SUB_CTX, no context");
    vmm.refuse.store(false, SeqCst);
    assert!(!in_error(1), "a host without GL contexts is no guest error");
    let exists =
        virglrenderer::internal::renderer::with(|r| Ok(r.context(1)?.subs.contains_key(&7)));
    assert!(!exists.unwrap(), "the sub-context was not created");
    assert_eq!(vmm.created.load(SeqCst), 4);
    // A context the VMM makes but cannot make current: CREATE_SUB_CTX fails and the
    // context is destroyed again at once.
    vmm.refuse_current.store(true, SeqCst);
    assert_eq!(one(1, CREATE_SUB_CTX, 0, &[8]), libc::EINVAL, "CREATE_SUB_CTX, no current");
    vmm.refuse_current.store(false, SeqCst);
    assert!(!in_error(1));
    assert_eq!((vmm.created.load(SeqCst), vmm.destroyed.load(SeqCst)), (5, 1));
    let exists =
        virglrenderer::internal::renderer::with(|r| Ok(r.context(1)?.subs.contains_key(&8)));
    assert!(!exists.unwrap(), "the sub-context was not created");
    // Both sub-contexts still draw, each its own.
    let mut c = Cmds::default();
    c.push(SET_SUB_CTX, 0, &[2]);
    clear_blue(&mut c);
    draw(&mut c);
    c.push(SET_SUB_CTX, 0, &[1]);
    clear_blue(&mut c);
    draw(&mut c);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    let b = virgl_renderer_resource_create_args { handle: 3, ..tex_args(1) };
    check(&tex_args(1), &b);
    assert_eq!(one(1, DESTROY_SUB_CTX, 0, &[2]), 0);
    assert_eq!(vmm.destroyed.load(SeqCst), 2);
    virgl_renderer_context_destroy(1);
    assert_eq!(vmm.destroyed.load(SeqCst), 4, "sub-contexts 0 and 1 with their context");
    // A sub-context made and destroyed again, then cleanup with one still alive.
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(2, 4, c"u".as_ptr()) }, 0);
    assert_eq!(one(2, CREATE_SUB_CTX, 0, &[1]), 0);
    assert_eq!(vmm.created.load(SeqCst), 7, "sub-contexts 0 and 1 of context 2");
    virgl_renderer_cleanup(std::ptr::null_mut());
    assert_eq!(vmm.destroyed.load(SeqCst), vmm.created.load(SeqCst), "all destroyed");
}

/// The same on an OpenGL ES host context (`VIRGL_RENDERER_USE_GLES`): the sub-contexts'
/// contexts are ES contexts sharing the main one's objects.
#[test]
fn sub_contexts_on_an_opengl_es_host() {
    let _s = gl_required(Session::start_flags("gl", VIRGL_RENDERER_USE_GLES));
    let gles = virglrenderer::internal::renderer::with(|r| {
        Ok(r.backend.gl_mut().expect("GL").gles().is_some())
    });
    assert!(gles.unwrap(), "USE_GLES gave a desktop GL backend");
    two_sub_contexts();
    assert_eq!(sub_gl_contexts(), 3);
    virgl_renderer_context_destroy(1);
    assert_eq!(sub_gl_contexts(), 0);
}

/// A context holds at most 64 sub-contexts with a GL context: the next CREATE_SUB_CTX is
/// ENOMEM, the context still usable; a destroyed one makes room again.
#[test]
fn gl_contexts_per_context_are_bounded() {
    let _s = gl_session();
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    // Sub-context 0's at the first submit, then 63 more.
    for id in 1..64 {
        assert_eq!(one(1, CREATE_SUB_CTX, 0, &[id]), 0, "sub-context {id}");
    }
    assert_eq!(sub_gl_contexts(), 64);
    assert_eq!(one(1, CREATE_SUB_CTX, 0, &[64]), libc::ENOMEM);
    assert!(!in_error(1));
    assert_eq!(sub_gl_contexts(), 64);
    assert_eq!(one(1, DESTROY_SUB_CTX, 0, &[5]), 0);
    assert_eq!(one(1, CREATE_SUB_CTX, 0, &[64]), 0);
    assert_eq!(sub_gl_contexts(), 64);
    virgl_renderer_context_destroy(1);
    assert_eq!(sub_gl_contexts(), 0);
}

/// Timing (printed, not asserted): 400 draws alternating between two sub-contexts against
/// 400 in one, the pixels checked after both (BENCHMARKS.md run L records the numbers).
#[test]
fn switch_timing() {
    let _s = gl_session();
    let [a, b] = two_sub_contexts();
    let run = |switch: bool| {
        let mut best = f64::MAX;
        for _ in 0..5 {
            let mut c = Cmds::default();
            for _ in 0..200 {
                c.push(SET_SUB_CTX, 0, &[1]);
                draw(&mut c);
                c.push(SET_SUB_CTX, 0, &[if switch { 2 } else { 1 }]);
                draw(&mut c);
            }
            let t = std::time::Instant::now();
            assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
            let _ = level0(&a);
            best = best.min(t.elapsed().as_secs_f64());
        }
        best
    };
    let (stay, switching) = (run(false), run(true));
    check(&a, &b);
    eprintln!(
        "400 draws in one sub-context {:.3} ms, alternating between two {:.3} ms: {:.1} us a switch",
        stay * 1e3,
        switching * 1e3,
        (switching - stay) / 400.0 * 1e6
    );
}
