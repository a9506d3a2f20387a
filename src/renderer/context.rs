//! Rendering contexts: which resources each context may use, the state the virgl command
//! decoder ([`crate::renderer::decode`]) keeps per context (sub-contexts with their object
//! tables and framebuffer, pipe resources waiting for `create_blob`, the error state).

use crate::error::{Error, Result};
use crate::model::resource::ResourceDesc;
pub use crate::renderer::objects::Surface;
use crate::renderer::objects::{Object, ObjectTable, MAX_OBJECTS};
use crate::renderer::state::{Bound, DrawCache, ProgramMemo};
use crate::renderer::{IdMap, IdSet};
use std::collections::HashMap;

/// Upstream's `VIRGL_ERROR_CTX_UNSUPPORTED_FUNCTION` (14): recorded for a command the
/// context does not execute (draws, shaders, state objects; unsupported format pairs).
pub const ERROR_CTX_UNSUPPORTED_FUNCTION: u32 = 14;
/// Upstream's `VIRGL_ERROR_CTX_ILLEGAL_HANDLE`.
pub const ERROR_CTX_ILLEGAL_HANDLE: u32 = 3;
/// Upstream's `VIRGL_ERROR_CTX_ILLEGAL_RESOURCE`: unknown or not attached resource.
pub const ERROR_CTX_ILLEGAL_RESOURCE: u32 = 4;
/// Upstream's `VIRGL_ERROR_CTX_ILLEGAL_SURFACE`.
pub const ERROR_CTX_ILLEGAL_SURFACE: u32 = 5;
/// Upstream's `VIRGL_ERROR_CTX_ILLEGAL_CMD_BUFFER`: a malformed command.
pub const ERROR_CTX_ILLEGAL_CMD_BUFFER: u32 = 7;

/// Most sub-contexts per context.
pub const MAX_SUB_CONTEXTS: usize = 4096;
/// Most sub-contexts with a GL context per context (GL backend): each is a host GL
/// context, whose memory a guest must not multiply at will (Mesa's virgl driver makes one
/// sub-context per pipe context, a handful per guest process).
pub const MAX_SUB_GL_CONTEXTS: usize = 64;
/// Most pipe resources waiting for `create_blob` per context.
pub const MAX_PENDING_BLOBS: usize = 4096;

/// Framebuffer state (SET_FRAMEBUFFER_STATE): colour buffers and depth/stencil buffer.
/// Surfaces are captured by value, as upstream holds references to them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Framebuffer {
    pub cbufs: Vec<Option<Surface>>,
    pub zsurf: Option<Surface>,
}

/// The resources attached to a context (`ctx_attach_resource`), with a count of removals:
/// a draw's check that every resource its bound state names is attached holds until one
/// is removed (or the bound state changes, see [`SubContext::version`]). Every resource
/// here is a live resource: an unref removes it from every context.
#[derive(Debug, Default)]
pub struct AttachedSet {
    set: IdSet,
    removals: u64,
}

impl AttachedSet {
    pub fn insert(&mut self, handle: u32) -> bool {
        self.set.insert(handle)
    }

    pub fn remove(&mut self, handle: &u32) -> bool {
        let removed = self.set.remove(handle);
        if removed {
            self.removals = self.removals.wrapping_add(1);
        }
        removed
    }

    pub fn contains(&self, handle: &u32) -> bool {
        self.set.contains(handle)
    }

    /// How many handles were removed so far.
    pub fn removals(&self) -> u64 {
        self.removals
    }
}

/// One sub-context: an object namespace and its bound state.
#[derive(Clone, Debug, Default)]
pub struct SubContext {
    /// CREATE_OBJECT handles of this sub-context.
    pub objects: ObjectTable,
    pub fb: Framebuffer,
    /// What the SET_*/BIND_* commands bound.
    pub bound: Bound,
    /// Programs resolved for draws (shader ids + variant keys → program id).
    pub memo: ProgramMemo,
    /// Bumped by every mutable access through [`Context::sub`] (anything that may change
    /// `fb`, `bound` or the objects): [`DrawCache`] is valid only for the version it was
    /// made at.
    pub version: u64,
    /// What the last draw derived from this state (see [`DrawCache`]).
    pub draw_cache: DrawCache,
    /// The slot of this sub-context's GL context (GL backend; see
    /// [`crate::renderer::subctx_gl`]); `None` until made.
    pub gl_ctx: Option<u32>,
}

impl SubContext {
    /// GL queries still between BEGIN_QUERY and END_QUERY (to delete with the objects).
    pub fn active_queries(&self) -> Vec<u32> {
        self.objects
            .values()
            .filter_map(|o| match o {
                Object::Query(q) => q.active,
                _ => None,
            })
            .collect()
    }
}

/// One context.
#[derive(Debug)]
pub struct Context {
    pub id: u32,
    pub capset: u32,
    pub name: String,
    /// Resources attached with `ctx_attach_resource`.
    pub resources: AttachedSet,
    /// Last context error (upstream's `VIRGL_ERROR_CTX_*`), 0 when none. Also set by the
    /// decoder's refusal of commands it does not execute (UNSUPPORTED_FUNCTION).
    pub error: u32,
    /// Upstream's `in_error`: a command *failed* in this context (a malformed or rejected
    /// command, a length overrun). Sticky. A draw in such a context answers
    /// ENOTRECOVERABLE. The refusal of unexecuted commands does not set it.
    pub in_error: bool,
    /// Objects over all sub-contexts (bounded by [`MAX_OBJECTS`]).
    pub object_count: usize,
    /// Sub-contexts by id; 0 always exists.
    pub subs: IdMap<SubContext>,
    /// The sub-context commands act on.
    pub current_sub: u32,
    /// Validated PIPE_RESOURCE_CREATE descriptions by blob id, waiting for
    /// `virgl_renderer_resource_create_blob(HOST3D…, blob_id)` (handle field unused).
    pub blobs: HashMap<u64, ResourceDesc>,
}

impl Context {
    /// A context with sub-context 0 current.
    pub fn new(id: u32, capset: u32, name: String) -> Self {
        let mut subs = IdMap::default();
        subs.insert(0, SubContext::default());
        Context {
            id,
            capset,
            name,
            resources: AttachedSet::default(),
            error: 0,
            in_error: false,
            object_count: 0,
            subs,
            current_sub: 0,
            blobs: HashMap::new(),
        }
    }

    /// The current sub-context (recreated empty should it be missing), its state marked
    /// changed (a new [`SubContext::version`]).
    pub fn sub(&mut self) -> &mut SubContext {
        let sub = self.subs.entry(self.current_sub).or_default();
        sub.version = sub.version.wrapping_add(1);
        sub
    }

    /// The current sub-context, its state *not* marked changed: only for paths that do
    /// not change `fb`, `bound` or the objects (clears, render-condition reads) and for
    /// inline constants (which nothing derived caches). The draw path reaches the
    /// sub-context through `subs` beside the renderer's other parts, also without a new
    /// version (it writes only the memo and the [`DrawCache`]).
    pub fn sub_unchanged(&mut self) -> &mut SubContext {
        self.subs.entry(self.current_sub).or_default()
    }

    /// CREATE_SUB_CTX: a new empty sub-context; an existing id is left alone.
    pub fn create_sub(&mut self, id: u32) -> Result<()> {
        if self.subs.contains_key(&id) {
            return Ok(());
        }
        if self.subs.len() >= MAX_SUB_CONTEXTS {
            return Err(Error::nomem(format!("more than {MAX_SUB_CONTEXTS} sub-contexts")));
        }
        self.subs.insert(id, SubContext::default());
        Ok(())
    }

    /// SET_SUB_CTX: switches to an existing sub-context (unknown ids are ignored).
    pub fn set_sub(&mut self, id: u32) {
        if self.subs.contains_key(&id) {
            self.current_sub = id;
        }
    }

    /// Records a failed command: upstream's `report_context_error` (last error and the
    /// sticky `in_error`).
    pub fn fail(&mut self, code: u32) {
        self.error = code;
        self.in_error = true;
    }

    /// CREATE_OBJECT in the current sub-context: replaces an object under the same handle
    /// (upstream's rule) and returns the replaced one (its host parts are the caller's to
    /// free); ENOMEM past [`MAX_OBJECTS`] new objects in this context.
    pub fn insert_object(&mut self, handle: u32, object: Object) -> Result<Option<Object>> {
        let (count, sub) = (self.object_count, self.subs.entry(self.current_sub).or_default());
        if !sub.objects.contains(handle) && count >= MAX_OBJECTS {
            return Err(Error::nomem(format!(
                "context {}: more than {MAX_OBJECTS} objects",
                self.id
            )));
        }
        let old = sub.objects.insert(handle, object);
        if old.is_none() {
            self.object_count += 1;
        }
        Ok(old)
    }

    /// DESTROY_OBJECT in the current sub-context: by handle alone; an unknown handle is no
    /// error (upstream). Returns the object (its host parts are the caller's to free).
    pub fn destroy_object(&mut self, handle: u32) -> Option<Object> {
        let o = self.sub().objects.remove(handle);
        if o.is_some() {
            self.object_count -= 1;
        }
        o
    }

    /// GL queries of every sub-context still active (freed with the context).
    pub fn active_queries(&self) -> Vec<u32> {
        self.subs.values().flat_map(|s| s.active_queries()).collect()
    }

    /// DESTROY_SUB_CTX: sub-context 0 cannot be destroyed; destroying the current one makes
    /// 0 current. Its objects go with it; returns its active GL queries and its GL context
    /// (the caller frees them, queries first, in that context).
    pub fn destroy_sub(&mut self, id: u32) -> (Vec<u32>, Option<u32>) {
        if id == 0 {
            return (Vec::new(), None);
        }
        let mut gone = (Vec::new(), None);
        if let Some(sub) = self.subs.remove(&id) {
            self.object_count -= sub.objects.len();
            gone = (sub.active_queries(), sub.gl_ctx);
        }
        if self.current_sub == id {
            self.current_sub = 0;
        }
        gone
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_contexts() {
        let mut c = Context::new(1, crate::model::caps::CAPSET_VIRGL2, String::new());
        let surface = Surface { res: 1, format: 1, level: 0, first_layer: 0, last_layer: 0 };
        c.insert_object(5, Object::Surface { surface, msaa: false }).unwrap();
        c.create_sub(2).unwrap();
        c.set_sub(2);
        assert_eq!(c.current_sub, 2);
        assert!(c.sub().objects.is_empty(), "objects are per sub-context");
        c.insert_object(5, Object::Refused(crate::renderer::objects::ObjectKind::Blend)).unwrap();
        assert_eq!(c.object_count, 2);
        c.set_sub(9);
        assert_eq!(c.current_sub, 2, "unknown sub-context ignored");
        c.destroy_sub(2);
        assert_eq!(c.current_sub, 0);
        assert_eq!(c.object_count, 1, "the destroyed sub-context's objects are gone");
        assert!(c.sub().objects.surface(5).is_ok());
        c.destroy_object(5);
        c.destroy_object(5);
        assert_eq!(c.object_count, 0);
        c.destroy_sub(0);
        assert!(c.subs.contains_key(&0), "sub-context 0 survives");
    }
}
