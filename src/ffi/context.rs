//! Contexts, command submission and fences.

use super::{boundary, not_implemented, pos, report, void};
use crate::error::{Error, Result};
use crate::model::caps::{CAPSET_VIRGL, CAPSET_VIRGL2};
use crate::renderer;
use crate::renderer::fence::Retired;
use std::ffi::{c_char, c_int, c_void};

fn context_name(nlen: u32, name: *const c_char) -> String {
    if name.is_null() || nlen == 0 {
        return String::new();
    }
    let n = (nlen as usize).min(64);
    // SAFETY: the caller passes `nlen` readable bytes at `name`; we read at most 64.
    let bytes = unsafe { std::slice::from_raw_parts(name.cast::<u8>(), n) };
    String::from_utf8_lossy(bytes).into_owned()
}

fn create(ctx_id: u32, ctx_flags: u32, nlen: u32, name: *const c_char) -> Result<()> {
    if ctx_id == 0 {
        return Err(Error::inval("context id 0"));
    }
    if ctx_flags & !super::types::VIRGL_RENDERER_CONTEXT_FLAG_CAPSET_ID_MASK != 0 {
        return Err(Error::inval(format!("unknown context flags {ctx_flags:#x}")));
    }
    let capset = ctx_flags & super::types::VIRGL_RENDERER_CONTEXT_FLAG_CAPSET_ID_MASK;
    if capset != CAPSET_VIRGL && capset != CAPSET_VIRGL2 {
        return Err(Error::inval(format!("capset {capset} is not served (only VIRGL and VIRGL2)")));
    }
    let name = context_name(nlen, name);
    renderer::with(|r| r.create_context(ctx_id, capset, name))
}

/// Creates a virgl context (capset VIRGL2). Returns 0 (also when it exists with the same
/// capset), or positive EINVAL: id 0, not initialised, exists with another capset.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_context_create(
    handle: u32,
    nlen: u32,
    name: *const c_char,
) -> c_int {
    const NAME: &str = "virgl_renderer_context_create";
    boundary(NAME, libc::EINVAL, || pos(NAME, create(handle, CAPSET_VIRGL2, nlen, name)))
}

/// Creates a context for the capset in `ctx_flags & 0xff`: VIRGL (1) and VIRGL2 (2) are
/// served; VENUS, DRM and others are rejected. Returns 0 or positive EINVAL (unknown flags,
/// capset not served, id 0, exists with another capset, not initialised).
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_context_create_with_flags(
    ctx_id: u32,
    ctx_flags: u32,
    nlen: u32,
    name: *const c_char,
) -> c_int {
    const NAME: &str = "virgl_renderer_context_create_with_flags";
    boundary(NAME, libc::EINVAL, || pos(NAME, create(ctx_id, ctx_flags, nlen, name)))
}

/// Destroys a context; its attached resources stay alive, its pending fences are dropped.
#[no_mangle]
pub extern "C" fn virgl_renderer_context_destroy(handle: u32) {
    const NAME: &str = "virgl_renderer_context_destroy";
    boundary(NAME, (), || void(NAME, renderer::with(|r| r.destroy_context(handle))))
}

/// Executes a virgl command buffer of `ndw` dwords in context `ctx_id`: resource commands
/// (transfers, copies, blits, clears, surfaces, sub-contexts, pipe resources for blobs) run;
/// draws, shaders and state objects are refused with one log line per command type and set
/// the context's error (src/renderer/decode/mod.rs has the table of outcomes). Returns 0
/// (also when a command's length runs past the buffer: the commands before it have run,
/// the rest is dropped and the context is in error, as upstream), positive EINVAL (unknown
/// context, negative or oversized length, a command number past the protocol's count, a
/// malformed or failing command: the buffer stops there), ENOTRECOVERABLE (a draw in a
/// context in error), ENOMEM (object limit), or EFAULT for a buffer that is not 4-byte
/// aligned.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_submit_cmd(
    buffer: *mut c_void,
    ctx_id: c_int,
    ndw: c_int,
) -> c_int {
    const NAME: &str = "virgl_renderer_submit_cmd";
    boundary(NAME, libc::EINVAL, || {
        let r = (|| {
            if ndw < 0 {
                return Err(Error::inval(format!("length {ndw} dwords")));
            }
            // VIRGL_SHIM_MAX_CMD_SIZE (default 16 MiB).
            crate::config::limits().check_cmd_dwords(ndw as u64)?;
            if ndw > 0 && (buffer.is_null() || (buffer as usize) % 4 != 0) {
                return Err(Error::new(libc::EFAULT, "command buffer NULL or not 4-byte aligned"));
            }
            let words: &[u32] = if ndw == 0 {
                &[]
            } else {
                // SAFETY: non-NULL, aligned, and the caller passes `ndw` readable dwords.
                unsafe { std::slice::from_raw_parts(buffer.cast::<u32>(), ndw as usize) }
            };
            renderer::with(|r| crate::renderer::decode::submit(r, ctx_id as u32, words))
        })();
        pos(NAME, r)
    })
}

/// Lets context `ctx_id` use resource `res_handle` (transfers through the context need it).
/// Unknown ids are logged.
#[no_mangle]
pub extern "C" fn virgl_renderer_ctx_attach_resource(ctx_id: c_int, res_handle: c_int) {
    const NAME: &str = "virgl_renderer_ctx_attach_resource";
    boundary(NAME, (), || {
        void(
            NAME,
            renderer::with(|r| {
                r.resource(res_handle as u32)?;
                r.context(ctx_id as u32)?.resources.insert(res_handle as u32);
                Ok(())
            }),
        )
    })
}

/// Removes a resource from a context. Unknown ids are logged.
#[no_mangle]
pub extern "C" fn virgl_renderer_ctx_detach_resource(ctx_id: c_int, res_handle: c_int) {
    const NAME: &str = "virgl_renderer_ctx_detach_resource";
    boundary(NAME, (), || {
        void(
            NAME,
            renderer::with(|r| {
                r.context(ctx_id as u32)?.resources.remove(&(res_handle as u32));
                Ok(())
            }),
        )
    })
}

/// Tells the renderer that the VMM may have made its own GL context current on this thread
/// (QEMU calls it before every command and after its display work): the GL backend makes
/// its context current again, as upstream does. Between such calls the renderer assumes
/// its context stays current on the thread where it last used it, as upstream does. No-op
/// on the CPU backend and before init.
#[no_mangle]
pub extern "C" fn virgl_renderer_force_ctx_0() {
    boundary("virgl_renderer_force_ctx_0", (), || {
        if let Some(r) = renderer::lock().as_mut() {
            r.backend.force_ctx_0();
        }
    })
}

/// Queues a ctx-0 fence; `write_fence(cookie, client_fence_id)` follows once all work
/// submitted before it is done: from the next `virgl_renderer_poll` after that, or from our
/// thread with ASYNC_FENCE_CB.
/// ctx-0 fences merge: a poll reports only the newest. `ctx_id` is ignored, as upstream.
/// Returns 0 or positive EINVAL (not initialised).
#[no_mangle]
pub extern "C" fn virgl_renderer_create_fence(client_fence_id: c_int, ctx_id: u32) -> c_int {
    const NAME: &str = "virgl_renderer_create_fence";
    boundary(NAME, libc::EINVAL, || {
        let _ = ctx_id;
        pos(NAME, renderer::with(|r| r.push_fence(Retired::Global(client_fence_id as u32))))
    })
}

/// Most rings per context (virtio-gpu's ring_idx is 0..=63).
const MAX_RINGS: u32 = 64;

/// Queues a fence of context `ctx_id` on ring `ring_idx`; `write_context_fence` follows in
/// creation order per context. With VIRGL_RENDERER_FENCE_FLAG_MERGEABLE it may be skipped
/// when a newer fence of the same context and ring retires with it. Returns 0 or -EINVAL
/// (unknown context, ring_idx ≥ 64, unknown flags).
#[no_mangle]
pub extern "C" fn virgl_renderer_context_create_fence(
    ctx_id: u32,
    flags: u32,
    ring_idx: u32,
    fence_id: u64,
) -> c_int {
    const NAME: &str = "virgl_renderer_context_create_fence";
    boundary(NAME, -libc::EINVAL, || {
        let r = renderer::with(|r| {
            r.context(ctx_id)?;
            if ring_idx >= MAX_RINGS {
                return Err(Error::inval(format!("ring_idx {ring_idx} >= {MAX_RINGS}")));
            }
            if flags & !super::types::VIRGL_RENDERER_FENCE_FLAG_MERGEABLE != 0 {
                return Err(Error::inval(format!("unknown fence flags {flags:#x}")));
            }
            let mergeable = flags & super::types::VIRGL_RENDERER_FENCE_FLAG_MERGEABLE != 0;
            r.push_fence(Retired::Context { ctx_id, ring_idx, fence_id, mergeable })
        });
        super::neg(NAME, r)
    })
}

/// Reports the signalled fences of one context (no-op with ASYNC_FENCE_CB).
#[no_mangle]
pub extern "C" fn virgl_renderer_context_poll(ctx_id: u32) {
    boundary("virgl_renderer_context_poll", (), || renderer::retire_fences(Some(ctx_id), false))
}

/// Per-context poll fd: -1 (virgl contexts share the renderer's, as upstream).
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
