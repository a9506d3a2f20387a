//! Each virgl sub-context's GL context (GL backend only; the CPU backend executes no 3D).
//!
//! A sub-context gets its context at CREATE_SUB_CTX (so that a VMM or EGL refusing one is
//! an honest error there, the sub-context not created), sub-context 0 at its context's
//! first submit. A submit runs its commands in the current sub-context's GL context
//! (SET_SUB_CTX switches), then leaves the backend free to do resource work in whichever
//! context is current (no switch back: a guest with one sub-context never switches). The
//! context is destroyed with its sub-context (DESTROY_SUB_CTX, context destroy, reset),
//! its begun queries deleted in it first.

use crate::error::{Error, Result};
use crate::renderer::context::{Context, MAX_SUB_GL_CONTEXTS};
use crate::renderer::Renderer;

impl Renderer {
    /// Runs the next GL calls in `ctx_id`'s current sub-context's GL context, made now if
    /// it has none. Nothing on a backend without GL.
    pub fn select_sub_gl(&mut self, ctx_id: u32) -> Result<()> {
        let Renderer { backend, contexts, .. } = &mut *self;
        let Some(gl) = backend.gl_mut() else {
            return Ok(());
        };
        let Some(c) = contexts.get_mut(&ctx_id) else {
            return Ok(());
        };
        let slot = match c.subs.get(&c.current_sub).and_then(|s| s.gl_ctx) {
            Some(s) => s,
            None => {
                check_gl_budget(c)?;
                let s = gl.create_sub_context()?;
                c.sub_unchanged().gl_ctx = Some(s);
                s
            }
        };
        gl.use_sub_context(slot);
        Ok(())
    }

    /// After a submit: resource work may run in whichever of our contexts is current.
    pub fn release_sub_gl(&mut self) {
        if let Some(gl) = self.backend.gl_mut() {
            gl.use_any_context();
        }
    }

    /// CREATE_SUB_CTX on the GL backend: the new sub-context's GL context, or the
    /// sub-context removed again and the error returned.
    pub fn create_sub_gl(&mut self, ctx_id: u32, sub_id: u32) -> Result<()> {
        let Renderer { backend, contexts, .. } = &mut *self;
        let (Some(gl), Some(c)) = (backend.gl_mut(), contexts.get_mut(&ctx_id)) else {
            return Ok(());
        };
        let Some(sub) = c.subs.get_mut(&sub_id) else {
            return Ok(());
        };
        if sub.gl_ctx.is_some() {
            return Ok(());
        }
        let made = check_gl_budget(c).and_then(|()| gl.create_sub_context());
        let Some(sub) = c.subs.get_mut(&sub_id) else {
            return Ok(());
        };
        match made {
            Ok(s) => {
                sub.gl_ctx = Some(s);
                Ok(())
            }
            Err(e) => {
                c.destroy_sub(sub_id);
                Err(e)
            }
        }
    }

    /// Destroys the GL context of a sub-context removed from its context (`queries`: its
    /// begun GL queries).
    pub fn destroy_sub_gl(&mut self, gl_ctx: Option<u32>, queries: &[u32]) {
        let Some(gl) = self.backend.gl_mut() else {
            return;
        };
        match gl_ctx {
            Some(slot) => gl.destroy_sub_context(slot, queries),
            // No GL context, so no GL query either.
            None => debug_assert!(queries.is_empty()),
        }
    }

    /// Destroys the GL contexts of every sub-context of `c` (a context going away).
    pub fn destroy_context_gl(&mut self, c: &mut Context) {
        let ids: Vec<u32> = c.subs.keys().copied().collect();
        for id in ids {
            if let Some(sub) = c.subs.get_mut(&id) {
                let queries = sub.active_queries();
                let gl_ctx = sub.gl_ctx.take();
                self.destroy_sub_gl(gl_ctx, &queries);
            }
        }
    }
}

/// ENOMEM (logged) when `c` holds [`MAX_SUB_GL_CONTEXTS`] GL contexts already.
fn check_gl_budget(c: &Context) -> Result<()> {
    let n = c.subs.values().filter(|s| s.gl_ctx.is_some()).count();
    if n < MAX_SUB_GL_CONTEXTS {
        return Ok(());
    }
    log::warn!("context {}: {n} sub-contexts with a GL context already; no more", c.id);
    Err(Error::nomem(format!("more than {MAX_SUB_GL_CONTEXTS} sub-contexts with a GL context")))
}
