//! Keeping our context current on the calling thread: which thread last had it, making it
//! current there (the VMM's through its callback, ours through EGL, with a shared context
//! for each further thread), and forgetting that when the VMM may have switched.

use super::{Kind, Platform};
use crate::error::{Error, Result};

/// A number for the calling thread, unique for the life of the process (unlike `ThreadId`
/// it costs no reference count, and unlike a TLS address it is never reused), never 0.
fn thread_token() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    thread_local! {
        static TOKEN: u64 = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    TOKEN.with(|t| *t)
}

impl Platform {
    /// Forgets which thread has our context current: the next [`Self::make_current`] asks
    /// EGL (or calls the VMM's make_current) again. For `virgl_renderer_force_ctx_0`, poll
    /// and reset, after which the VMM may have made its own context current.
    pub fn forget_current(&mut self) {
        self.known_current = 0;
    }

    /// Makes our context current on the calling thread unless it is known to be (see
    /// [`Self::known_current`]).
    pub fn make_current(&mut self) -> Result<()> {
        let me = thread_token();
        if self.known_current == me {
            return Ok(());
        }
        self.known_current = 0;
        self.make_current_now()?;
        self.known_current = me;
        Ok(())
    }

    fn make_current_now(&mut self) -> Result<()> {
        match &mut self.kind {
            Kind::Vmm { vmm, ctx } => {
                let Some(rc) = vmm.make_current(0, *ctx) else {
                    return Err(Error::inval("VMM make_current callback vanished"));
                };
                if rc != 0 {
                    return Err(Error::inval(format!("VMM make_current failed ({rc})")));
                }
                Ok(())
            }
            Kind::Own { display, config, attribs, api, contexts, .. } => {
                let Some(egl) = self.egl.as_ref() else {
                    return Err(Error::inval("EGL not loaded"));
                };
                let tid = std::thread::current().id();
                let idx = contexts.iter().position(|(t, _)| *t == Some(tid));
                let current = egl.get_current_context().map(|c| c.as_ptr());
                if let Some(i) = idx {
                    let ctx = contexts[i].1;
                    if current == Some(ctx.as_ptr()) {
                        return Ok(());
                    }
                    return egl
                        .make_current(*display, None, None, Some(ctx))
                        .map_err(|e| Error::inval(format!("eglMakeCurrent: {e}")));
                }
                // A new thread: take the main context if it is free, else a shared one.
                let main = contexts[0].1;
                if egl.make_current(*display, None, None, Some(main)).is_ok() {
                    contexts[0].0 = Some(tid);
                    return Ok(());
                }
                // The bound client API is per thread (OpenGL ES by default).
                egl.bind_api(api.egl_api())
                    .map_err(|e| Error::inval(format!("eglBindAPI({}): {e}", api.name())))?;
                let ctx = Self::create_ctx(egl, *display, *config, Some(main), attribs)?;
                if let Err(e) = egl.make_current(*display, None, None, Some(ctx)) {
                    let _ = egl.destroy_context(*display, ctx);
                    return Err(Error::inval(format!("eglMakeCurrent (shared context): {e}")));
                }
                log::debug!("thread {tid:?}: created a shared GL context");
                contexts.push((Some(tid), ctx));
                Ok(())
            }
        }
    }
}
