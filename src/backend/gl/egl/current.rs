//! Keeping one of our contexts current on the calling thread: which thread last had one
//! and which (its slot), making the one asked for current there (the VMM's through its
//! callback, ours through EGL, with a shared context for each further thread), and
//! forgetting that when the VMM may have switched.

use super::{Kind, Platform, MAIN_SLOT};
use crate::error::{Error, Result};

/// A number for the calling thread, unique for the life of the process (unlike `ThreadId`
/// it costs no reference count, and unlike a TLS address it is never reused), never 0.
#[inline]
pub(super) fn thread_token() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    thread_local! {
        static TOKEN: u64 = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    TOKEN.with(|t| *t)
}

/// Which of our contexts a GL call needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    /// Any context of the share group (resource work: textures and buffers are shared):
    /// the one current here, else the last one made current when it can be made current
    /// on this thread, else the main one (or this thread's shared one).
    Any,
    /// That slot's context (a sub-context's: its container objects and state live there).
    Slot(u32),
}

impl Platform {
    /// Forgets which thread has our context current: the next [`Self::make_current_for`]
    /// asks EGL (or calls the VMM's make_current) again. For `virgl_renderer_force_ctx_0`,
    /// poll and reset, after which the VMM may have made its own context current.
    pub fn forget_current(&mut self) {
        self.known_current = 0;
    }

    /// The slot of the context made current last (see [`Self::is_current_for`]).
    #[inline]
    pub fn active_slot(&self) -> u32 {
        self.active
    }

    /// True when a context that `want` accepts is known to be current on this thread (no
    /// EGL or VMM call).
    #[inline]
    pub fn is_current_for(&self, want: Want) -> bool {
        self.known_current == thread_token()
            && match want {
                Want::Any => true,
                Want::Slot(s) => s == self.active,
            }
    }

    /// Makes the main context (or this thread's shared one) current unless one is known
    /// to be.
    pub fn make_current(&mut self) -> Result<()> {
        self.make_current_for(Want::Any).map(|_| ())
    }

    /// Makes a context `want` accepts current on this thread unless one is known to be
    /// (see [`Self::known_current`]); returns its slot.
    pub fn make_current_for(&mut self, want: Want) -> Result<u32> {
        if self.is_current_for(want) {
            return Ok(self.active);
        }
        self.known_current = 0;
        let slot = match want {
            Want::Slot(s) => {
                self.make_slot_current_now(s)?;
                s
            }
            Want::Any => {
                let last = self.active;
                if self.is_sub_slot(last) && self.make_slot_current_now(last).is_ok() {
                    last
                } else {
                    self.make_main_current_now()?
                }
            }
        };
        self.active = slot;
        self.known_current = thread_token();
        Ok(slot)
    }

    /// Makes exactly `slot`'s context current on this thread (EGL refuses one current on
    /// another thread).
    fn make_slot_current_now(&mut self, slot: u32) -> Result<()> {
        if let Some(sub) = self.subs.iter().find(|s| s.slot == slot) {
            return self.make_sub_current_now(sub.handle);
        }
        match &mut self.kind {
            Kind::Vmm { vmm, ctx, .. } if slot == MAIN_SLOT => vmm_make_current(&**vmm, *ctx),
            Kind::Own { display, contexts, .. } => {
                let Some(egl) = self.egl.as_ref() else {
                    return Err(Error::inval("EGL not loaded"));
                };
                let Some(entry) = contexts.iter_mut().find(|c| c.2 == slot) else {
                    return Err(Error::inval(format!("no GL context in slot {slot}")));
                };
                let ctx = entry.1;
                if egl.get_current_context().map(|c| c.as_ptr()) != Some(ctx.as_ptr()) {
                    egl.make_current(*display, None, None, Some(ctx))
                        .map_err(|e| Error::inval(format!("eglMakeCurrent: {e}")))?;
                }
                entry.0 = Some(std::thread::current().id());
                Ok(())
            }
            Kind::Vmm { .. } => Err(Error::inval(format!("no GL context in slot {slot}"))),
        }
    }

    /// The main context, or this thread's shared one (made on a thread's first call while
    /// the main one is current elsewhere); returns its slot.
    fn make_main_current_now(&mut self) -> Result<u32> {
        match &mut self.kind {
            Kind::Vmm { vmm, ctx, .. } => vmm_make_current(&**vmm, *ctx).map(|()| MAIN_SLOT),
            Kind::Own { display, config, attribs, api, contexts, .. } => {
                let Some(egl) = self.egl.as_ref() else {
                    return Err(Error::inval("EGL not loaded"));
                };
                let tid = std::thread::current().id();
                let idx = contexts.iter().position(|(t, _, _)| *t == Some(tid));
                let current = egl.get_current_context().map(|c| c.as_ptr());
                if let Some(i) = idx {
                    let (_, ctx, slot) = contexts[i];
                    if current == Some(ctx.as_ptr()) {
                        return Ok(slot);
                    }
                    return egl
                        .make_current(*display, None, None, Some(ctx))
                        .map(|()| slot)
                        .map_err(|e| Error::inval(format!("eglMakeCurrent: {e}")));
                }
                // A new thread: take the main context if it is free, else a shared one.
                let main = contexts[0].1;
                if egl.make_current(*display, None, None, Some(main)).is_ok() {
                    contexts[0].0 = Some(tid);
                    return Ok(MAIN_SLOT);
                }
                // The bound client API is per thread (OpenGL ES by default).
                egl.bind_api(api.egl_api())
                    .map_err(|e| Error::inval(format!("eglBindAPI({}): {e}", api.name())))?;
                let ctx = Self::create_ctx(egl, *display, *config, Some(main), attribs)?;
                if let Err(e) = egl.make_current(*display, None, None, Some(ctx)) {
                    let _ = egl.destroy_context(*display, ctx);
                    return Err(Error::inval(format!("eglMakeCurrent (shared context): {e}")));
                }
                self.last_slot += 1;
                let slot = self.last_slot;
                log::debug!("thread {tid:?}: created a shared GL context (slot {slot})");
                contexts.push((Some(tid), ctx, slot));
                Ok(slot)
            }
        }
    }
}

/// The VMM's make_current for `ctx`, its failure an error.
pub(super) fn vmm_make_current(vmm: &dyn super::VmmGl, ctx: usize) -> Result<()> {
    match vmm.make_current(0, ctx) {
        Some(0) => Ok(()),
        Some(rc) => Err(Error::inval(format!("VMM make_current failed ({rc})"))),
        None => Err(Error::inval("VMM make_current callback vanished")),
    }
}
