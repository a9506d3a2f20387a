//! The VMM's callbacks (`virgl_renderer_callbacks` and its cookie) behind the core's safe
//! traits: [`VmmFences`] (fence delivery, for the renderer) and [`VmmGl`] (display,
//! contexts and DRM fd, for the GL backend). The only place the core's requests become
//! calls through the VMM's function pointers.
//!
//! Callbacks the VMM did not set, or that its callbacks `version` predates (`get_drm_fd`
//! v2, `get_egl_display` v4), answer "not given".

use crate::backend::gl::VmmGl;
use crate::ffi::types::{virgl_renderer_callbacks, virgl_renderer_gl_ctx_param};
use crate::renderer::VmmFences;
use std::ffi::{c_int, c_void};
use std::os::fd::{FromRawFd, OwnedFd};

/// The VMM's callbacks and cookie, as given to `virgl_renderer_init`.
#[derive(Clone, Copy)]
pub struct VmmCallbacks {
    /// The callbacks as given to `virgl_renderer_init`.
    pub cbs: virgl_renderer_callbacks,
    /// The cookie passed back to every callback.
    pub cookie: usize,
}

impl VmmCallbacks {
    fn cookie(&self) -> *mut c_void {
        self.cookie as *mut c_void
    }
}

impl VmmFences for VmmCallbacks {
    fn write_fence(&self, fence_id: u32) {
        if let Some(cb) = self.cbs.write_fence {
            // SAFETY: the VMM's callback with the cookie it gave to init; the API allows
            // calling it from our threads (upstream does so from its sync thread).
            unsafe { cb(self.cookie(), fence_id) };
        }
    }

    fn write_context_fence(&self, ctx_id: u32, ring_idx: u32, fence_id: u64) {
        if let Some(cb) = self.cbs.write_context_fence {
            // SAFETY: as above.
            unsafe { cb(self.cookie(), ctx_id, ring_idx, fence_id) };
        }
    }
}

impl VmmGl for VmmCallbacks {
    fn has_gl_contexts(&self) -> bool {
        let c = &self.cbs;
        c.create_gl_context.is_some() && c.destroy_gl_context.is_some() && c.make_current.is_some()
    }

    fn create_context(&self, scanout: u32, shared: bool, major: i32, minor: i32) -> Option<usize> {
        let create = self.cbs.create_gl_context?;
        let scanout = c_int::try_from(scanout).ok()?;
        let mut param = virgl_renderer_gl_ctx_param {
            version: 1,
            shared,
            major_ver: major,
            minor_ver: minor,
            compat_ctx: 0,
        };
        // SAFETY: VMM callback with its cookie and a valid parameter block.
        let ctx = unsafe { create(self.cookie(), scanout, &mut param) };
        (!ctx.is_null()).then_some(ctx as usize)
    }

    fn destroy_context(&self, ctx: usize) {
        if let Some(destroy) = self.cbs.destroy_gl_context {
            // SAFETY: VMM callback with its cookie; `ctx` is a context it created for us
            // (`create_context`), destroyed once (the trait's contract).
            unsafe { destroy(self.cookie(), ctx as *mut c_void) };
        }
    }

    fn make_current(&self, scanout: u32, ctx: usize) -> Option<i32> {
        let make_current = self.cbs.make_current?;
        let scanout = c_int::try_from(scanout).ok()?;
        // SAFETY: VMM callback with its cookie and a context it created for us.
        Some(unsafe { make_current(self.cookie(), scanout, ctx as *mut c_void) })
    }

    fn egl_display(&self) -> Option<usize> {
        if self.cbs.version < 4 {
            return None;
        }
        let get_display = self.cbs.get_egl_display?;
        // SAFETY: a VMM callback called with its own cookie, as the API specifies.
        let d = unsafe { get_display(self.cookie()) };
        (!d.is_null()).then_some(d as usize)
    }

    fn take_drm_fd(&self) -> Option<OwnedFd> {
        if self.cbs.version < 2 {
            return None;
        }
        let get = self.cbs.get_drm_fd?;
        // SAFETY: a VMM callback called with its own cookie, as the API specifies.
        let fd = unsafe { get(self.cookie()) };
        // SAFETY: F_GETFD only inspects the descriptor table.
        if fd < 0 || unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
            log::warn!("get_drm_fd returned {fd}: not an open fd; ignored");
            return None;
        }
        log::debug!("VMM gave DRM fd {fd} (owned by the library now)");
        // SAFETY: the API hands ownership of the returned fd to the library; it is valid.
        Some(unsafe { OwnedFd::from_raw_fd(fd) })
    }
}
