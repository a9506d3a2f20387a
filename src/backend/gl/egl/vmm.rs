//! Platforms 1 and 2: GL contexts the VMM creates for us through its callbacks.

use super::{Platform, GL_VERSIONS};
use crate::error::{Error, Result};
use crate::ffi::types::{virgl_renderer_callbacks, virgl_renderer_gl_ctx_param};
use std::ffi::c_void;

/// The VMM's callbacks and cookie, for platforms 1 and 2.
#[derive(Clone, Copy)]
pub struct VmmCallbacks {
    /// The callbacks as given to `virgl_renderer_init`.
    pub cbs: virgl_renderer_callbacks,
    /// The cookie passed back to every callback.
    pub cookie: usize,
}

impl Platform {
    /// Platforms 1 and 2: `Ok(None)` when the VMM gave no context callbacks (or asked for
    /// our own EGL context with `USE_EGL`).
    pub(super) fn vmm_platform(
        flags: i32,
        vmm: VmmCallbacks,
    ) -> Result<Option<(&'static str, *mut c_void)>> {
        let cbs = &vmm.cbs;
        let (Some(create), Some(_), Some(make_current)) =
            (cbs.create_gl_context, cbs.destroy_gl_context, cbs.make_current)
        else {
            return Ok(None);
        };
        let cookie = vmm.cookie as *mut c_void;
        let mut name = "vmm-gl-context";
        if cbs.version >= 4 {
            if let Some(get_display) = cbs.get_egl_display {
                // SAFETY: a VMM callback called with its own cookie, as the API specifies.
                let d = unsafe { get_display(cookie) };
                if !d.is_null() {
                    name = "vmm-egl-display";
                }
            }
        }
        if name == "vmm-gl-context" && flags & crate::ffi::types::VIRGL_RENDERER_USE_EGL != 0 {
            return Ok(None);
        }
        for (major, minor) in GL_VERSIONS {
            let mut param = virgl_renderer_gl_ctx_param {
                version: 1,
                shared: false,
                major_ver: major,
                minor_ver: minor,
                compat_ctx: 0,
            };
            // SAFETY: VMM callback with its cookie and a valid parameter block.
            let ctx = unsafe { create(cookie, 0, &mut param) };
            if ctx.is_null() {
                continue;
            }
            // SAFETY: as above; `ctx` is the context the VMM just returned.
            let rc = unsafe { make_current(cookie, 0, ctx) };
            if rc != 0 {
                if let Some(destroy) = cbs.destroy_gl_context {
                    // SAFETY: destroying the context the VMM created for us.
                    unsafe { destroy(cookie, ctx) };
                }
                return Err(Error::notsup(format!("VMM make_current failed ({rc})")));
            }
            log::debug!("VMM created a GL {major}.{minor} context");
            return Ok(Some((name, ctx)));
        }
        Err(Error::notsup("VMM create_gl_context returned NULL for GL 4.x and 3.3"))
    }
}
