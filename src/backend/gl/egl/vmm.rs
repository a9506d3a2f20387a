//! Platforms 1 and 2: GL contexts the VMM creates for us, asked for through [`VmmGl`].
//!
//! The GL backend never sees the C callback table: `ffi::vmm` implements [`VmmGl`] over
//! `virgl_renderer_callbacks` (calling its function pointers with the VMM's cookie), and
//! tests can implement it in plain Rust. A callback the VMM did not give (or that its
//! callbacks version predates) answers "not given" (`None`, `false`).

use super::{Api, Platform};
use crate::error::{Error, Result};
use std::os::fd::OwnedFd;

/// What the GL backend asks of the VMM: its GL contexts, its EGL display and its DRM fd.
///
/// Contexts are opaque handles (never 0) that only the VMM interprets. Every call is made
/// on the thread that calls into the library, under the renderer's lock.
pub trait VmmGl: Send {
    /// True when the VMM can create, destroy and make current GL contexts (all three
    /// callbacks given).
    fn has_gl_contexts(&self) -> bool;

    /// Creates a desktop GL `major.minor` context for scanout `scanout` (sharing objects
    /// with the VMM's current one when `shared`); `None` when the VMM returns none or
    /// cannot create contexts.
    fn create_context(&self, scanout: u32, shared: bool, major: i32, minor: i32) -> Option<usize>;

    /// Destroys a context [`Self::create_context`] returned (once); nothing when the VMM
    /// gave no way to destroy contexts.
    fn destroy_context(&self, ctx: usize);

    /// Makes `ctx` current on the calling thread for scanout `scanout`: `Some(0)` on
    /// success, `Some(rc)` with the VMM's failure code, `None` when the VMM gave no way to
    /// make contexts current.
    fn make_current(&self, scanout: u32, ctx: usize) -> Option<i32>;

    /// The VMM's EGLDisplay (callbacks ≥ v4), `None` when not given or NULL.
    fn egl_display(&self) -> Option<usize>;

    /// The VMM's DRM fd (callbacks ≥ v2), now owned by the caller; `None` when not given or
    /// not an open fd. Each call asks the VMM again.
    fn take_drm_fd(&self) -> Option<OwnedFd>;
}

/// The VMM's context taken: the platform name, the context and its GL version.
pub(super) type VmmContext = (&'static str, usize, (i32, i32));

impl Platform {
    /// Platforms 1 and 2: `Ok(None)` when the VMM gave no context callbacks (or asked for
    /// our own EGL context with `use_egl`).
    pub(super) fn vmm_platform(
        use_egl: bool,
        api: Api,
        vmm: &dyn VmmGl,
    ) -> Result<Option<VmmContext>> {
        if !vmm.has_gl_contexts() {
            return Ok(None);
        }
        let mut name = "vmm-gl-context";
        if vmm.egl_display().is_some() {
            name = "vmm-egl-display";
        }
        if name == "vmm-gl-context" && use_egl {
            return Ok(None);
        }
        for &(major, minor) in api.versions() {
            let Some(ctx) = vmm.create_context(0, false, major, minor) else {
                continue;
            };
            let rc = vmm.make_current(0, ctx);
            if rc != Some(0) {
                vmm.destroy_context(ctx);
                return Err(Error::notsup(match rc {
                    Some(rc) => format!("VMM make_current failed ({rc})"),
                    None => "VMM make_current callback vanished".to_string(),
                }));
            }
            log::debug!("VMM created a {} {major}.{minor} context", api.name());
            return Ok(Some((name, ctx, (major, minor))));
        }
        Err(Error::notsup(format!(
            "VMM create_gl_context returned NULL for {} {:?}",
            api.name(),
            api.versions()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A VMM in plain Rust: what it offers, and what was asked of it.
    #[derive(Default)]
    struct Fake {
        contexts: bool,
        display: bool,
        /// Versions (major) for which `create_context` returns a context.
        majors: Vec<i32>,
        make_current_rc: i32,
        created: AtomicU32,
        destroyed: AtomicU32,
        /// The (major, minor) versions asked for, in order.
        asked: std::sync::Mutex<Vec<(i32, i32)>>,
    }

    impl VmmGl for Fake {
        fn has_gl_contexts(&self) -> bool {
            self.contexts
        }
        fn create_context(&self, _: u32, shared: bool, major: i32, minor: i32) -> Option<usize> {
            assert!(!shared);
            self.asked.lock().unwrap().push((major, minor));
            self.majors.contains(&major).then(|| {
                self.created.fetch_add(1, Ordering::SeqCst);
                0x1000 + major as usize
            })
        }
        fn destroy_context(&self, ctx: usize) {
            assert!(ctx > 0x1000);
            self.destroyed.fetch_add(1, Ordering::SeqCst);
        }
        fn make_current(&self, _: u32, _: usize) -> Option<i32> {
            Some(self.make_current_rc)
        }
        fn egl_display(&self) -> Option<usize> {
            self.display.then_some(0x2000)
        }
        fn take_drm_fd(&self) -> Option<OwnedFd> {
            None
        }
    }

    #[test]
    fn vmm_contexts_only_when_offered_and_wanted() {
        let none = Fake::default();
        assert!(Platform::vmm_platform(false, Api::Gl, &none).unwrap().is_none());
        // With use_egl the VMM's contexts are passed over, unless it gave its display.
        let ctx = Fake { contexts: true, majors: vec![3], ..Fake::default() };
        assert!(Platform::vmm_platform(true, Api::Gl, &ctx).unwrap().is_none());
        assert_eq!(ctx.created.load(Ordering::SeqCst), 0);
        let (name, c, _) = Platform::vmm_platform(false, Api::Gl, &ctx).unwrap().unwrap();
        assert_eq!((name, c), ("vmm-gl-context", 0x1003), "the newest version the VMM gives");
        let disp = Fake { contexts: true, display: true, majors: vec![4], ..Fake::default() };
        let (name, c, _) = Platform::vmm_platform(true, Api::Gl, &disp).unwrap().unwrap();
        assert_eq!((name, c), ("vmm-egl-display", 0x1004));
    }

    /// With USE_GLES the VMM is asked for OpenGL ES 3.2, then 3.1, then 3.0; without it
    /// for desktop GL 4.5 … 3.3.
    #[test]
    fn vmm_contexts_are_asked_for_at_the_api_versions() {
        let es = Fake { contexts: true, majors: vec![], ..Fake::default() };
        assert!(Platform::vmm_platform(false, Api::Gles, &es).is_err());
        assert_eq!(*es.asked.lock().unwrap(), [(3, 2), (3, 1), (3, 0)]);
        let gl = Fake { contexts: true, majors: vec![], ..Fake::default() };
        assert!(Platform::vmm_platform(false, Api::Gl, &gl).is_err());
        assert_eq!(*gl.asked.lock().unwrap(), [(4, 5), (4, 3), (4, 0), (3, 3)]);
    }

    #[test]
    fn vmm_context_that_fails_is_destroyed() {
        let none = Fake { contexts: true, ..Fake::default() };
        assert!(Platform::vmm_platform(false, Api::Gl, &none).is_err(), "no version created");
        let bad = Fake { contexts: true, majors: vec![4], make_current_rc: -22, ..Fake::default() };
        let e = Platform::vmm_platform(false, Api::Gl, &bad).unwrap_err();
        assert!(e.msg.contains("-22"), "{}", e.msg);
        assert_eq!(bad.destroyed.load(Ordering::SeqCst), 1);
    }
}
