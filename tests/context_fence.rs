//! Contexts, submit_cmd framing and fence delivery through the C ABI (a process per test:
//! run with cargo nextest).

use std::ffi::c_void;
use std::sync::Mutex;
use virglrenderer::ffi::*;

/// (kind, ctx, ring, fence id, reporting thread).
type Event = (String, u32, u32, u64, std::thread::ThreadId);

static EVENTS: Mutex<Vec<Event>> = Mutex::new(Vec::new());

unsafe extern "C" fn write_fence(_c: *mut c_void, fence: u32) {
    EVENTS.lock().unwrap().push(("fence".into(), 0, 0, fence as u64, std::thread::current().id()));
}

unsafe extern "C" fn write_context_fence(_c: *mut c_void, ctx: u32, ring: u32, id: u64) {
    EVENTS.lock().unwrap().push(("ctx".into(), ctx, ring, id, std::thread::current().id()));
}

fn events() -> Vec<Event> {
    EVENTS.lock().unwrap().clone()
}

static mut COOKIE: u8 = 0;
static mut CBS: virgl_renderer_callbacks = virgl_renderer_callbacks {
    version: 4,
    write_fence: Some(write_fence),
    create_gl_context: None,
    destroy_gl_context: None,
    make_current: None,
    get_drm_fd: None,
    write_context_fence: Some(write_context_fence),
    get_server_fd: None,
    get_egl_display: None,
};

fn init(flags: i32) {
    std::env::set_var("VIRGL_SHIM_BACKEND", "cpu");
    // SAFETY: static cookie and callbacks outlive the renderer.
    let rc = unsafe {
        virgl_renderer_init(
            std::ptr::addr_of_mut!(COOKIE).cast(),
            flags,
            std::ptr::addr_of_mut!(CBS),
        )
    };
    assert_eq!(rc, 0);
}

fn create_buffer(handle: u32, size: u32) {
    let mut a = virgl_renderer_resource_create_args {
        handle,
        target: 0,
        format: 64,
        bind: 0,
        width: size,
        height: 1,
        depth: 1,
        array_size: 1,
        ..Default::default()
    };
    // SAFETY: valid args.
    assert_eq!(unsafe { virgl_renderer_resource_create(&mut a, std::ptr::null_mut(), 0) }, 0);
}

fn write(handle: u32, ctx: u32, data: &mut [u8]) -> i32 {
    let mut b = virgl_box { x: 0, y: 0, z: 0, w: data.len() as u32, h: 1, d: 1 };
    let mut iov = libc::iovec { iov_base: data.as_mut_ptr().cast(), iov_len: data.len() };
    // SAFETY: valid box and iovec.
    unsafe { virgl_renderer_transfer_write_iov(handle, ctx, 0, 0, 0, &mut b, 0, &mut iov, 1) }
}

#[test]
fn context_rules() {
    init(0);
    let name = b"test";
    // SAFETY: valid name pointer/length for every call.
    unsafe {
        assert_eq!(virgl_renderer_context_create(0, 4, name.as_ptr().cast()), libc::EINVAL);
        assert_eq!(virgl_renderer_context_create(1, 4, name.as_ptr().cast()), 0);
        assert_eq!(
            virgl_renderer_context_create(1, 4, name.as_ptr().cast()),
            0,
            "same capset again"
        );
        assert_eq!(
            virgl_renderer_context_create_with_flags(1, 1, 0, std::ptr::null()),
            libc::EINVAL
        );
        assert_eq!(virgl_renderer_context_create_with_flags(2, 1, 0, std::ptr::null()), 0);
        assert_eq!(
            virgl_renderer_context_create_with_flags(3, 4, 0, std::ptr::null()),
            libc::EINVAL,
            "venus"
        );
        assert_eq!(
            virgl_renderer_context_create_with_flags(3, 6, 0, std::ptr::null()),
            libc::EINVAL,
            "drm"
        );
        assert_eq!(
            virgl_renderer_context_create_with_flags(3, 0x102, 0, std::ptr::null()),
            libc::EINVAL
        );
    }
    create_buffer(10, 16);
    let mut data = [7u8; 16];
    assert_eq!(write(10, 1, &mut data), libc::EINVAL, "not attached to ctx 1");
    assert_eq!(write(10, 9, &mut data), libc::EINVAL, "unknown ctx");
    virgl_renderer_ctx_attach_resource(1, 10);
    assert_eq!(write(10, 1, &mut data), 0);
    assert_eq!(write(10, 2, &mut data), libc::EINVAL, "attached to 1, not 2");
    virgl_renderer_ctx_detach_resource(1, 10);
    assert_eq!(write(10, 1, &mut data), libc::EINVAL);
    virgl_renderer_ctx_attach_resource(1, 10);
    virgl_renderer_context_destroy(1);
    assert_eq!(write(10, 1, &mut data), libc::EINVAL, "destroyed");
    assert_eq!(write(10, 0, &mut data), 0, "resource survives its context");
}

#[test]
fn submit_cmd_framing() {
    init(0);
    // SAFETY: every buffer below is valid for the length passed.
    unsafe {
        assert_eq!(virgl_renderer_context_create(1, 0, std::ptr::null()), 0);
        let mut empty: [u32; 0] = [];
        assert_eq!(virgl_renderer_submit_cmd(empty.as_mut_ptr().cast(), 1, 0), 0);
        assert_eq!(virgl_renderer_submit_cmd(empty.as_mut_ptr().cast(), 7, 0), libc::EINVAL);
        let mut ok = [1u32 << 16, 0, 0];
        assert_eq!(virgl_renderer_submit_cmd(ok.as_mut_ptr().cast(), 1, 3), 0);
        // A length past the buffer: as upstream (vrend_decode_ctx_submit_cmd), the context
        // records ILLEGAL_CMD_BUFFER, the rest is dropped and the submit succeeds.
        let mut lying = [5u32 << 16, 0];
        assert_eq!(virgl_renderer_submit_cmd(lying.as_mut_ptr().cast(), 1, 2), 0);
        assert_eq!(virgl_renderer_submit_cmd(ok.as_mut_ptr().cast(), 1, -1), libc::EINVAL);
        let misaligned = (ok.as_mut_ptr() as *mut u8).add(1);
        assert_eq!(virgl_renderer_submit_cmd(misaligned.cast(), 1, 1), libc::EFAULT);
    }
}

#[test]
fn fences_poll_and_merge() {
    init(0);
    assert_eq!(virgl_renderer_get_poll_fd(), -1, "no THREAD_SYNC: no poll fd");
    // SAFETY: no pointers.
    unsafe { assert_eq!(virgl_renderer_context_create(3, 0, std::ptr::null()), 0) };
    assert_eq!(virgl_renderer_create_fence(1, 0), 0);
    assert_eq!(virgl_renderer_create_fence(2, 0), 0);
    let m = VIRGL_RENDERER_FENCE_FLAG_MERGEABLE;
    assert_eq!(virgl_renderer_context_create_fence(3, m, 0, 100), 0);
    assert_eq!(virgl_renderer_context_create_fence(3, m, 0, 101), 0);
    assert_eq!(virgl_renderer_context_create_fence(3, 0, 1, 102), 0);
    assert_eq!(virgl_renderer_context_create_fence(9, 0, 0, 1), -libc::EINVAL);
    assert_eq!(virgl_renderer_context_create_fence(3, 0, 64, 1), -libc::EINVAL);
    assert_eq!(virgl_renderer_context_create_fence(3, 2, 0, 1), -libc::EINVAL);
    assert!(events().is_empty(), "nothing reported before poll");
    virgl_renderer_context_poll(3);
    let e = events();
    assert_eq!(e.len(), 2);
    assert_eq!((e[0].1, e[0].2, e[0].3), (3, 0, 101), "mergeable 100 folded into 101");
    assert_eq!((e[1].1, e[1].2, e[1].3), (3, 1, 102));
    virgl_renderer_poll();
    let e = events();
    assert_eq!(e.len(), 3);
    assert_eq!((e[2].0.as_str(), e[2].3), ("fence", 2), "ctx-0 fences merge to the newest");
    virgl_renderer_poll();
    assert_eq!(events().len(), 3, "nothing reported twice");
}

#[test]
fn thread_sync_poll_fd() {
    init(VIRGL_RENDERER_THREAD_SYNC);
    let fd = virgl_renderer_get_poll_fd();
    assert!(fd >= 0);
    let readable = || {
        let mut p = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
        // SAFETY: one valid pollfd.
        unsafe { libc::poll(&mut p, 1, 0) == 1 }
    };
    assert!(!readable());
    assert_eq!(virgl_renderer_create_fence(5, 0), 0);
    assert!(readable(), "a retirable fence makes the fd readable");
    virgl_renderer_poll();
    assert!(!readable());
    assert_eq!(events().iter().map(|e| e.3).collect::<Vec<_>>(), vec![5]);
}

#[test]
fn async_fence_callbacks_come_from_our_thread() {
    init(VIRGL_RENDERER_THREAD_SYNC | VIRGL_RENDERER_ASYNC_FENCE_CB);
    assert_eq!(virgl_renderer_get_poll_fd(), -1);
    assert_eq!(virgl_renderer_create_fence(42, 0), 0);
    let t0 = std::time::Instant::now();
    while events().is_empty() && t0.elapsed().as_secs() < 5 {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let e = events();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].3, 42);
    assert_ne!(e[0].4, std::thread::current().id(), "reported from the library's thread");
    virgl_renderer_poll();
    assert_eq!(events().len(), 1);
    virgl_renderer_cleanup(std::ptr::addr_of_mut!(COOKIE).cast());
}

/// On the GL backend a fence waits for an EGL fence sync after the GL work before it; it
/// still retires (from poll, or from our thread with ASYNC_FENCE_CB) once that work is done.
#[test]
fn gl_fences_retire_after_gl_work() {
    std::env::set_var("VIRGL_SHIM_BACKEND", "gl");
    // SAFETY: static cookie and callbacks outlive the renderer.
    let rc = unsafe {
        virgl_renderer_init(std::ptr::addr_of_mut!(COOKIE).cast(), 0, std::ptr::addr_of_mut!(CBS))
    };
    assert_eq!(rc, 0, "GL backend must start (llvmpipe)");
    create_buffer(10, 1 << 20);
    let mut data = vec![3u8; 1 << 20];
    assert_eq!(write(10, 0, &mut data), 0);
    assert_eq!(virgl_renderer_create_fence(77, 0), 0);
    let t0 = std::time::Instant::now();
    while events().is_empty() && t0.elapsed().as_secs() < 5 {
        virgl_renderer_poll();
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert_eq!(events().iter().map(|e| e.3).collect::<Vec<_>>(), vec![77]);
    virgl_renderer_cleanup(std::ptr::addr_of_mut!(COOKIE).cast());
}
