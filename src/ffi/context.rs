//! Contexts, command submission and fences.

use super::{boundary, not_implemented, report};
use crate::error::Error;
use crate::renderer;
use std::ffi::{c_char, c_int, c_void};

/// Creates a rendering context. Contexts are not implemented yet: returns positive
/// EOPNOTSUPP (legacy sign convention) and logs once.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_context_create(
    handle: u32,
    nlen: u32,
    name: *const c_char,
) -> c_int {
    const NAME: &str = "virgl_renderer_context_create";
    boundary(NAME, libc::EINVAL, || {
        let _ = (handle, nlen, name);
        report(NAME, &not_implemented(NAME), false)
    })
}

/// Creates a context for the capset in `ctx_flags & 0xff`. Not implemented yet: positive
/// EOPNOTSUPP.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_context_create_with_flags(
    ctx_id: u32,
    ctx_flags: u32,
    nlen: u32,
    name: *const c_char,
) -> c_int {
    const NAME: &str = "virgl_renderer_context_create_with_flags";
    boundary(NAME, libc::EINVAL, || {
        let _ = (ctx_id, ctx_flags, nlen, name);
        report(NAME, &not_implemented(NAME), false)
    })
}

/// Destroys a context (none can exist yet: logs the unknown id).
#[no_mangle]
pub extern "C" fn virgl_renderer_context_destroy(handle: u32) {
    const NAME: &str = "virgl_renderer_context_destroy";
    boundary(NAME, (), || {
        report(NAME, &Error::inval(format!("unknown context {handle}")), false);
    })
}

/// Executes a virgl command buffer of `ndw` dwords in context `ctx_id`. No context can
/// exist yet: positive EINVAL (unknown context), EFAULT for a misaligned buffer.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_submit_cmd(
    buffer: *mut c_void,
    ctx_id: c_int,
    ndw: c_int,
) -> c_int {
    const NAME: &str = "virgl_renderer_submit_cmd";
    boundary(NAME, libc::EINVAL, || {
        if ndw < 0 {
            return report(NAME, &Error::inval(format!("negative length {ndw}")), false);
        }
        if (buffer as usize) % 4 != 0 {
            return report(
                NAME,
                &Error::new(libc::EFAULT, "command buffer not 4-byte aligned"),
                false,
            );
        }
        let _ = not_implemented(NAME);
        report(NAME, &Error::inval(format!("unknown context {ctx_id}")), false)
    })
}

/// Attaches a resource to a context. No context can exist yet: logs the unknown id.
#[no_mangle]
pub extern "C" fn virgl_renderer_ctx_attach_resource(ctx_id: c_int, res_handle: c_int) {
    const NAME: &str = "virgl_renderer_ctx_attach_resource";
    boundary(NAME, (), || {
        let _ = res_handle;
        report(NAME, &Error::inval(format!("unknown context {ctx_id}")), false);
    })
}

/// Detaches a resource from a context. No context can exist yet: logs the unknown id.
#[no_mangle]
pub extern "C" fn virgl_renderer_ctx_detach_resource(ctx_id: c_int, res_handle: c_int) {
    const NAME: &str = "virgl_renderer_ctx_detach_resource";
    boundary(NAME, (), || {
        let _ = res_handle;
        report(NAME, &Error::inval(format!("unknown context {ctx_id}")), false);
    })
}

/// Makes context 0 current for the following calls (a no-op: virgl-shim has no implicit
/// current context).
#[no_mangle]
pub extern "C" fn virgl_renderer_force_ctx_0() {
    boundary("virgl_renderer_force_ctx_0", (), || {})
}

/// Queues a ctx-0 fence; `write_fence(cookie, client_fence_id)` is called from
/// `virgl_renderer_poll` once all work submitted before it is done (every operation of the
/// current backends completes before its call returns, so that is the next poll). `ctx_id`
/// is ignored, as upstream. Returns 0 or positive EINVAL (not initialised).
#[no_mangle]
pub extern "C" fn virgl_renderer_create_fence(client_fence_id: c_int, ctx_id: u32) -> c_int {
    const NAME: &str = "virgl_renderer_create_fence";
    boundary(NAME, libc::EINVAL, || {
        let _ = ctx_id;
        super::pos(
            NAME,
            renderer::with(|r| {
                r.pending_fences.push(client_fence_id as u32);
                Ok(())
            }),
        )
    })
}

/// Queues a per-context fence. Contexts are not implemented yet: -EINVAL (unknown context).
#[no_mangle]
pub extern "C" fn virgl_renderer_context_create_fence(
    ctx_id: u32,
    flags: u32,
    ring_idx: u32,
    fence_id: u64,
) -> c_int {
    const NAME: &str = "virgl_renderer_context_create_fence";
    boundary(NAME, -libc::EINVAL, || {
        let _ = (flags, ring_idx, fence_id, not_implemented(NAME));
        report(NAME, &Error::inval(format!("unknown context {ctx_id}")), true)
    })
}

/// Retires the fences of one context (none can exist yet).
#[no_mangle]
pub extern "C" fn virgl_renderer_context_poll(ctx_id: u32) {
    boundary("virgl_renderer_context_poll", (), || {
        let _ = ctx_id;
    })
}

/// Per-context poll fd; -1 (no context has one).
#[no_mangle]
pub extern "C" fn virgl_renderer_context_get_poll_fd(ctx_id: u32) -> c_int {
    boundary("virgl_renderer_context_get_poll_fd", -1, || {
        let _ = ctx_id;
        -1
    })
}

/// Unstable API: a sync-file fd for a fence. Not implemented: -EOPNOTSUPP.
#[cfg(virgl_unstable_apis)]
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_export_fence(
    client_fence_id: u64,
    fd: *mut c_int,
) -> c_int {
    const NAME: &str = "virgl_renderer_export_fence";
    boundary(NAME, -libc::EINVAL, || {
        let _ = (client_fence_id, fd);
        report(NAME, &not_implemented(NAME), true)
    })
}

/// Unstable API: an already signalled sync-file fd. Not implemented: -EOPNOTSUPP.
#[cfg(virgl_unstable_apis)]
#[no_mangle]
pub extern "C" fn virgl_renderer_export_signalled_fence() -> c_int {
    const NAME: &str = "virgl_renderer_export_signalled_fence";
    boundary(NAME, -libc::EINVAL, || report(NAME, &not_implemented(NAME), true))
}

/// Unstable API: submit_cmd with fences to wait for. Not implemented: -EOPNOTSUPP.
#[cfg(virgl_unstable_apis)]
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_submit_cmd2(
    buffer: *mut c_void,
    ctx_id: c_int,
    ndw: c_int,
    in_fence_ids: *mut u64,
    num_in_fences: u32,
) -> c_int {
    const NAME: &str = "virgl_renderer_submit_cmd2";
    boundary(NAME, -libc::EINVAL, || {
        let _ = (buffer, ctx_id, ndw, in_fence_ids, num_in_fences);
        report(NAME, &not_implemented(NAME), true)
    })
}

/// Unstable API (vtest): make a context wait for a sync-file fd. Not implemented: -EOPNOTSUPP.
#[cfg(virgl_unstable_apis)]
#[no_mangle]
pub extern "C" fn virgl_renderer_attach_fence(ctx_id: c_int, fence_fd: c_int) -> c_int {
    const NAME: &str = "virgl_renderer_attach_fence";
    boundary(NAME, -libc::EINVAL, || {
        let _ = (ctx_id, fence_fd);
        report(NAME, &not_implemented(NAME), true)
    })
}

/// Unstable API (vtest): a sync-file fd for a fence id. Not implemented: -EOPNOTSUPP.
#[cfg(virgl_unstable_apis)]
#[no_mangle]
pub extern "C" fn virgl_renderer_get_fence_fd(fence_id: u64) -> c_int {
    const NAME: &str = "virgl_renderer_get_fence_fd";
    boundary(NAME, -libc::EINVAL, || {
        let _ = fence_id;
        report(NAME, &not_implemented(NAME), true)
    })
}

/// Unstable API (vtest): the DRM fd of a context. Not implemented: -EOPNOTSUPP.
#[cfg(virgl_unstable_apis)]
#[no_mangle]
pub extern "C" fn virgl_renderer_get_dev_fd(ctx_id: c_int) -> c_int {
    const NAME: &str = "virgl_renderer_get_dev_fd";
    boundary(NAME, -libc::EINVAL, || {
        let _ = ctx_id;
        report(NAME, &not_implemented(NAME), true)
    })
}
