//! The GL contexts of virgl sub-contexts: one per sub-context, in the main context's share
//! group (textures, buffers, programs, samplers and syncs are shared; the container
//! objects — vertex arrays, framebuffers, transform feedbacks, queries — are not, and
//! the GL backend keeps one set per context, see `GlBackend::begin`).
//!
//! On the VMM's platforms (callbacks `create_gl_context` & co.) the VMM makes them, as
//! upstream asks it: scanout 0, `shared`, the main context's version, with the main
//! context current (the VMM shares with the current one). On ours, an EGL context sharing
//! `contexts[0]`'s objects, with the main context's attributes.

use super::current::vmm_make_current;
use super::{Kind, Platform, MAIN_SLOT};
use crate::error::{Error, Result};
use khronos_egl as egl;

/// A sub-context's GL context.
#[derive(Clone, Copy, Debug)]
pub(super) enum SubHandle {
    Own(egl::Context),
    Vmm(usize),
}

/// One sub-context's GL context and its slot.
pub(super) struct SubGl {
    pub slot: u32,
    pub handle: SubHandle,
}

impl Platform {
    /// True when `slot` names a sub-context's context.
    pub fn is_sub_slot(&self, slot: u32) -> bool {
        self.subs.iter().any(|s| s.slot == slot)
    }

    /// True for a slot that still has a context (the main ones, a thread's, a sub's).
    pub fn has_slot(&self, slot: u32) -> bool {
        slot == MAIN_SLOT
            || self.is_sub_slot(slot)
            || matches!(&self.kind, Kind::Own { contexts, .. } if contexts.iter().any(|c| c.2 == slot))
    }

    /// True when a new sub-context's context shares with whatever is current (the VMM's
    /// `create_gl_context`): the main context must be current first.
    pub fn sub_shares_with_current(&self) -> bool {
        matches!(self.kind, Kind::Vmm { .. })
    }

    /// How many sub-context contexts exist (tests, logs).
    pub fn sub_count(&self) -> usize {
        self.subs.len()
    }

    pub(super) fn make_sub_current_now(&self, handle: SubHandle) -> Result<()> {
        match (handle, &self.kind, self.egl.as_ref()) {
            (SubHandle::Vmm(ctx), Kind::Vmm { vmm, .. }, _) => vmm_make_current(&**vmm, ctx),
            (SubHandle::Own(ctx), Kind::Own { display, .. }, Some(egl)) => {
                if egl.get_current_context().map(|c| c.as_ptr()) == Some(ctx.as_ptr()) {
                    return Ok(());
                }
                egl.make_current(*display, None, None, Some(ctx))
                    .map_err(|e| Error::inval(format!("eglMakeCurrent (sub-context): {e}")))
            }
            _ => Err(Error::inval("sub-context GL context of another platform")),
        }
    }

    /// Makes a context for a sub-context, sharing the main one's objects; returns its slot.
    /// Nothing is current afterwards as far as [`Self::is_current_for`] knows (the VMM may
    /// make the new context current). Fails (nothing made) when the VMM returns NULL or
    /// EGL refuses.
    pub fn create_sub_context(&mut self) -> Result<u32> {
        let handle = match (&self.kind, self.egl.as_ref()) {
            (Kind::Vmm { vmm, version: (major, minor), .. }, _) => {
                let ctx = vmm.create_context(0, true, *major, *minor);
                // The VMM may have made the new context current (SDL does).
                self.known_current = 0;
                match ctx {
                    Some(c) => SubHandle::Vmm(c),
                    None => {
                        return Err(Error::nomem(format!(
                            "VMM create_gl_context returned NULL for a shared {major}.{minor} \
                             context"
                        )))
                    }
                }
            }
            (Kind::Own { display, config, attribs, api, contexts, .. }, Some(egl)) => {
                // The bound client API is per thread (OpenGL ES by default).
                egl.bind_api(api.egl_api())
                    .map_err(|e| Error::inval(format!("eglBindAPI({}): {e}", api.name())))?;
                let main = contexts[0].1;
                SubHandle::Own(Self::create_ctx(egl, *display, *config, Some(main), attribs)?)
            }
            (Kind::Own { .. }, None) => return Err(Error::inval("EGL not loaded")),
        };
        self.last_slot += 1;
        let slot = self.last_slot;
        self.subs.push(SubGl { slot, handle });
        log::debug!("GL context for a sub-context: slot {slot} ({} in all)", self.subs.len());
        Ok(slot)
    }

    /// Destroys a sub-context's context (once; unknown slots are ignored). When it was
    /// current here, a main context is made current first.
    pub fn destroy_sub_context(&mut self, slot: u32) {
        let Some(i) = self.subs.iter().position(|s| s.slot == slot) else {
            return;
        };
        let sub = self.subs.remove(i);
        if self.active == slot {
            let here = self.known_current == super::current::thread_token();
            self.known_current = 0;
            self.active = MAIN_SLOT;
            if here {
                if let Err(e) = self.make_current() {
                    log::warn!("no GL context current after destroying slot {slot}: {}", e.msg);
                }
            }
        }
        self.destroy_handle(sub.handle);
        if matches!(sub.handle, SubHandle::Vmm(_)) {
            // The VMM may have released whatever was current (SDL does for its current one).
            self.known_current = 0;
        }
        log::debug!("GL context of slot {slot} destroyed ({} left)", self.subs.len());
    }

    fn destroy_handle(&self, handle: SubHandle) {
        match (handle, &self.kind, self.egl.as_ref()) {
            (SubHandle::Vmm(ctx), Kind::Vmm { vmm, .. }, _) => vmm.destroy_context(ctx),
            (SubHandle::Own(ctx), Kind::Own { display, .. }, Some(egl)) => {
                if egl.get_current_context().map(|c| c.as_ptr()) == Some(ctx.as_ptr()) {
                    let _ = egl.make_current(*display, None, None, None);
                }
                if let Err(e) = egl.destroy_context(*display, ctx) {
                    log::warn!("eglDestroyContext (sub-context): {e}");
                }
            }
            _ => {}
        }
    }

    /// Destroys every sub-context's context (the platform goes away).
    pub(super) fn destroy_all_subs(&mut self) {
        for sub in std::mem::take(&mut self.subs) {
            self.destroy_handle(sub.handle);
        }
        self.active = MAIN_SLOT;
        self.known_current = 0;
    }
}
