//! init, cleanup, reset, polling and logging entry points.

use super::boundary;
use super::convert::init_flags;
use super::types::*;
use super::vmm::VmmCallbacks;
use crate::renderer::{self, InitKey, Renderer};
use std::ffi::{c_int, c_void};
use std::mem::{offset_of, size_of};
use std::sync::Arc;

/// Reads the caller's callbacks, only as many bytes as its `version` covers (an older VMM's
/// struct is shorter), the rest left NULL.
///
/// # Safety
/// `cbs` must be non-NULL and point to a readable `int version` followed by that version's
/// fields.
unsafe fn read_callbacks(cbs: *const virgl_renderer_callbacks) -> Option<virgl_renderer_callbacks> {
    // SAFETY: the first field is readable per the contract.
    let version = unsafe { std::ptr::read_unaligned(cbs.cast::<c_int>()) };
    let len = match version {
        1 => offset_of!(virgl_renderer_callbacks, get_drm_fd),
        2 => offset_of!(virgl_renderer_callbacks, write_context_fence),
        3 => offset_of!(virgl_renderer_callbacks, get_egl_display),
        4 => size_of::<virgl_renderer_callbacks>(),
        _ => return None,
    };
    let mut out = std::mem::MaybeUninit::<virgl_renderer_callbacks>::zeroed();
    // SAFETY: `len` bytes of the caller's struct are readable for this version; `out` is a
    // zeroed struct of at least `len` bytes; all-zero is valid for every field (NULL fns).
    unsafe {
        std::ptr::copy_nonoverlapping(cbs.cast::<u8>(), out.as_mut_ptr().cast::<u8>(), len);
        Some(out.assume_init())
    }
}

/// Initialises the renderer. `cookie` (non-NULL) is passed back to every callback; `flags`
/// are `VIRGL_RENDERER_*` init flags; `cb` must have version 1..=4. Returns 0, -1 for a
/// NULL cookie/callbacks or an unknown callbacks version or a backend that cannot start,
/// -EBUSY when already initialised with other arguments (same arguments: 0).
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_init(
    cookie: *mut c_void,
    flags: c_int,
    cb: *mut virgl_renderer_callbacks,
) -> c_int {
    boundary("virgl_renderer_init", -1, || {
        if cookie.is_null() || cb.is_null() {
            log::error!("virgl_renderer_init: cookie and callbacks must not be NULL");
            return -1;
        }
        // SAFETY: non-NULL; the VMM's struct per the API contract.
        let Some(callbacks) = (unsafe { read_callbacks(cb) }) else {
            log::error!("virgl_renderer_init: unsupported callbacks version");
            return -1;
        };
        let key = InitKey { cookie: cookie as usize, flags, cbs: cb as usize };
        let mut state = renderer::lock();
        if let Some(r) = state.as_ref() {
            if r.key == key {
                return 0;
            }
            log::error!("virgl_renderer_init: already initialised with other arguments");
            return -libc::EBUSY;
        }
        let cookie = cookie as usize;
        let vmm = VmmCallbacks { cbs: callbacks, cookie };
        let (fences, gl) = (Arc::new(vmm), Some(Box::new(vmm) as Box<_>));
        match Renderer::new(key, init_flags(flags), fences, gl) {
            Ok(r) => {
                *state = Some(r);
                0
            }
            Err(e) => {
                log::error!("virgl_renderer_init: {}", e.msg);
                -1
            }
        }
    })
}

/// Destroys every resource and context and uninitialises the renderer. `cookie` is ignored.
#[no_mangle]
pub extern "C" fn virgl_renderer_cleanup(_cookie: *mut c_void) {
    boundary("virgl_renderer_cleanup", (), || {
        let taken = renderer::lock().take();
        if let Some(mut r) = taken {
            // Join the fence thread without holding the lock it takes.
            if let Some(t) = r.fence_thread.take() {
                t.stop();
            }
            r.destroy_all();
        }
    })
}

/// Destroys every resource and context; the renderer stays initialised.
#[no_mangle]
pub extern "C" fn virgl_renderer_reset() {
    boundary("virgl_renderer_reset", (), || {
        if let Some(r) = renderer::lock().as_mut() {
            r.destroy_all();
        }
    })
}

/// Reports signalled fences with `write_fence` / `write_context_fence` (on the caller's
/// thread; with ASYNC_FENCE_CB our own thread does it and this is a no-op).
#[no_mangle]
pub extern "C" fn virgl_renderer_poll() {
    boundary("virgl_renderer_poll", (), || renderer::retire_fences(None, false))
}

/// With `VIRGL_RENDERER_THREAD_SYNC` (and without ASYNC_FENCE_CB): an eventfd that becomes
/// readable when fences can be retired with `virgl_renderer_poll`; otherwise -1, as upstream.
#[no_mangle]
pub extern "C" fn virgl_renderer_get_poll_fd() -> c_int {
    boundary("virgl_renderer_get_poll_fd", -1, || {
        renderer::lock().as_ref().and_then(|r| r.poll_fd.as_ref().map(|f| f.raw())).unwrap_or(-1)
    })
}

/// Deprecated: sends log lines to `cb` (a printf-style function); returns the previous one.
#[no_mangle]
pub extern "C" fn virgl_set_debug_callback(
    cb: virgl_debug_callback_type,
) -> virgl_debug_callback_type {
    boundary("virgl_set_debug_callback", None, || super::logging::set_debug_callback(cb))
}

/// Sends every log line to `cb` with `user_data`; `free_user_data_cb` frees `user_data` when
/// the callback is replaced. NULL `cb` restores logging to stderr (`VIRGL_SHIM_LOG` sets the
/// level: error, warn (default), info, debug).
#[no_mangle]
pub extern "C" fn virgl_set_log_callback(
    cb: virgl_log_callback_type,
    user_data: *mut c_void,
    free_user_data_cb: virgl_free_data_callback_type,
) {
    boundary("virgl_set_log_callback", (), || {
        super::logging::set_log_callback(cb, user_data, free_user_data_cb)
    })
}
