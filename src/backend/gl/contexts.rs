//! The GL backend's contexts: the main one (resource work), one per thread that calls
//! while the main one is current elsewhere, and one per virgl sub-context
//! ([`GlBackend::create_sub_context`]), all in one share group.
//!
//! Shared between them: textures, buffers, programs, samplers, syncs. Not shared: the
//! container objects (vertex arrays, framebuffers, transform feedbacks, queries) and all
//! bound state. So every context has its own [`ContextObjects`] — the draw path's
//! [`DrawObjects`] (vertex array, framebuffers, transform feedbacks, buffer textures,
//! samplers) and the readback framebuffer —, created in that context and used only there:
//! the set in `GlBackend::draw`/`fbo` is always the current context's, the others wait in
//! `parked` and are swapped in when their context becomes current ([`GlBackend::begin`]).
//!
//! Switching (only when the context wanted differs from the current one, so a guest with
//! one sub-context never pays for it): a fence sync in the context left (flushed), a
//! server-side wait for it in the one entered, so that everything the first rendered is
//! complete before the second reads it (GL's rule for objects changed in another context
//! of the share group); and the entered context's cached state (attachments, applied
//! state, vertex arrays, uploaded constants, pixel-store values) is forgotten so that the
//! next call binds and attaches again, which is the other half of that rule.

use super::draw::DrawObjects;
use super::egl::{Want, MAIN_SLOT};
use super::GlBackend;
use crate::error::{Error, Result};
use glow::HasContext;

/// The per-context GL objects of one context (see the module documentation).
#[derive(Default)]
pub(super) struct ContextObjects {
    pub draw: DrawObjects,
    pub fbo: Option<glow::NativeFramebuffer>,
}

impl GlBackend {
    /// Makes the context the next calls need current here (see [`Self::use_sub_context`])
    /// and drops stale GL errors. Forgets the last indexed draw's index scan: whatever
    /// follows may write buffers (see [`super::index_range`]). Forgets too that the draw
    /// framebuffer, vertex array, textures and buffers bound are the last draw's.
    pub(super) fn begin(&mut self) -> Result<()> {
        self.draw.index_scan = None;
        self.draw.binds_kept = false;
        self.draw.textures_stamp = 0;
        self.draw.buffers_stamp = 0;
        self.begin_draw()
    }

    /// [`Self::begin`] for the draw path's own calls, which write no buffer a guest can
    /// index (a draw capturing stream output forgets the scan itself) and bind no other
    /// framebuffer or vertex array: keeps the index scan and the draw's bindings. A switch
    /// of context forgets them all the same ([`DrawObjects::forget_for_switch`]).
    #[inline]
    pub(super) fn begin_draw(&mut self) -> Result<()> {
        if !(self.platform.is_current_for(self.want) && self.platform.active_slot() == self.slot) {
            self.switch_context()?;
        }
        self.drain_errors();
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn switch_context(&mut self) -> Result<()> {
        let from = self.slot;
        let target_differs = match self.want {
            Want::Slot(s) => s != from,
            Want::Any => false,
        };
        // A fence in the context left, when it is (or can be made) current here.
        let mut fence = None;
        if target_differs && self.platform.has_slot(from) {
            let here = self.platform.is_current_for(Want::Slot(from))
                || (self.platform.is_sub_slot(from)
                    && self.platform.make_current_for(Want::Slot(from)).is_ok());
            if here {
                self.detach_draw_framebuffer();
                // SAFETY: `from`'s context is current; the fence is flushed before another
                // context waits on it (GL's rule for waits across contexts).
                fence = unsafe {
                    let f = self.gl.fence_sync(glow::SYNC_GPU_COMMANDS_COMPLETE, 0).ok();
                    self.gl.flush();
                    f
                };
            }
        }
        let slot = match self.platform.make_current_for(self.want) {
            Ok(s) => s,
            Err(e) => {
                if let Some(f) = fence {
                    // SAFETY: sync objects are shared: deletable in whatever is current.
                    unsafe { self.gl.delete_sync(f) };
                }
                return Err(e);
            }
        };
        if let Some(f) = fence {
            // SAFETY: `slot`'s context is current; the fence is a shared sync object,
            // flushed above; deleted once waited on.
            unsafe {
                if slot != from {
                    self.gl.wait_sync(f, 0, glow::TIMEOUT_IGNORED);
                }
                self.gl.delete_sync(f);
            }
        }
        // A new thread's shared context appears only inside make_current: seen here.
        self.multi_context |= self.platform.is_shared();
        if slot != from {
            self.swap_objects(from, slot);
        }
        if !self.single_context() {
            // Per-context GL state we cache is unknown in another thread's context.
            self.unpack.set(None);
            self.pack.set(None);
        }
        Ok(())
    }

    /// Detaches the draw framebuffer's textures before its context is left, so that a
    /// texture deleted meanwhile is not kept alive by a context that is not drawing (the
    /// next draw there attaches again anyway: [`DrawObjects::forget_for_switch`]).
    fn detach_draw_framebuffer(&mut self) {
        let Some(fbo) = self.draw.draw_fbo() else {
            return;
        };
        let fb = glow::DRAW_FRAMEBUFFER;
        // SAFETY: the framebuffer's context is current (the caller); it is ours.
        unsafe { self.gl.bind_framebuffer(fb, Some(fbo)) };
        for i in 0..8 {
            super::framebuffer::attach(&self.gl, fb, glow::COLOR_ATTACHMENT0 + i, None);
        }
        super::framebuffer::attach(&self.gl, fb, glow::DEPTH_STENCIL_ATTACHMENT, None);
        // SAFETY: as above.
        unsafe { self.gl.bind_framebuffer(fb, None) };
        self.draw.forget_attachments();
    }

    /// Parks `from`'s objects (dropped without GL calls when its context is gone: they
    /// went with it) and takes `to`'s, their cached state forgotten.
    fn swap_objects(&mut self, from: u32, to: u32) {
        let mut objs = self.parked.remove(&to).unwrap_or_default();
        std::mem::swap(&mut self.draw, &mut objs.draw);
        std::mem::swap(&mut self.fbo, &mut objs.fbo);
        // Stamps name draws across all contexts: one counter.
        self.draw.take_stamps_from(&objs.draw);
        if self.platform.has_slot(from) {
            self.parked.insert(from, objs);
        }
        self.slot = to;
        self.draw.forget_for_switch();
        self.unpack.set(None);
        self.pack.set(None);
    }

    /// Makes a GL context for a virgl sub-context (sharing the main one's objects);
    /// returns its slot for [`Self::use_sub_context`]. ENOMEM/EINVAL (nothing made,
    /// logged) when the VMM's `create_gl_context` returns NULL or EGL refuses.
    pub fn create_sub_context(&mut self) -> Result<u32> {
        if self.platform.sub_shares_with_current() {
            // The VMM shares with the current context: the main one.
            let want = std::mem::replace(&mut self.want, Want::Slot(MAIN_SLOT));
            let r = self.begin();
            self.want = want;
            r?;
        }
        let slot = self.platform.create_sub_context().inspect_err(|e| {
            log::warn!("GL context for a sub-context: {}", e.msg);
        })?;
        // It must work now, not at the first draw: an honest error at CREATE_SUB_CTX.
        let want = std::mem::replace(&mut self.want, Want::Slot(slot));
        let r = self.begin();
        self.want = want;
        if let Err(e) = r {
            log::warn!("GL context for a sub-context cannot be made current: {}", e.msg);
            self.platform.destroy_sub_context(slot);
            self.parked.remove(&slot);
            return Err(Error::new(e.errno, format!("sub-context GL context: {}", e.msg)));
        }
        Ok(slot)
    }

    /// The next GL calls (a sub-context's commands) run in `slot`'s context.
    pub fn use_sub_context(&mut self, slot: u32) {
        self.want = Want::Slot(slot);
    }

    /// The next GL calls (resource work) run in whichever context of ours is current.
    pub fn use_any_context(&mut self) {
        self.want = Want::Any;
    }

    /// Destroys a sub-context's GL context: its queries `queries` and its objects are
    /// deleted in it first (shared ones such as samplers would outlive it otherwise).
    pub fn destroy_sub_context(&mut self, slot: u32, queries: &[u32]) {
        if !self.platform.is_sub_slot(slot) {
            return;
        }
        self.want = Want::Slot(slot);
        match self.begin() {
            Ok(()) => {
                self.delete_queries(queries);
                let draw = std::mem::take(&mut self.draw);
                self.draw.take_stamps_from(&draw);
                let objs = ContextObjects { draw, fbo: self.fbo.take() };
                self.delete_context_objects(objs);
            }
            Err(e) => log::warn!(
                "GL context of a sub-context not current ({}): its objects go with it",
                e.msg
            ),
        }
        self.parked.remove(&slot);
        self.want = Want::Any;
        self.platform.destroy_sub_context(slot);
    }

    /// Deletes the GL objects of `objs` (their context current).
    fn delete_context_objects(&mut self, objs: ContextObjects) {
        let ContextObjects { draw, fbo } = objs;
        // SAFETY: the objects' context is current (callers); each is deleted once.
        unsafe {
            if let Some(f) = fbo {
                self.gl.delete_framebuffer(f);
            }
            draw.delete(&self.gl);
        }
        self.drain_errors();
    }

    /// GL contexts made for sub-contexts and not destroyed yet (tests).
    pub fn sub_context_count(&self) -> usize {
        self.platform.sub_count()
    }
}
