//! The object table of a sub-context: CREATE_OBJECT handles → (object kind, value).
//!
//! Upstream keeps one hash table of objects per sub-context (virglrenderer 1.2,
//! `vrend_object.c`): an insert under a handle that is already taken replaces the old
//! object whatever its type; DESTROY_OBJECT removes by handle alone (the type byte is not
//! looked at, an unknown handle is no error); a lookup succeeds only for the type the
//! caller asks for, so a handle of another kind reads as missing and the caller reports its
//! own error (SET_FRAMEBUFFER_STATE: ILLEGAL_SURFACE; BIND_OBJECT: ILLEGAL_HANDLE). This
//! table keeps those rules and adds a bound: a context holds at most [`MAX_OBJECTS`]
//! objects over all its sub-contexts (upstream's bound is memory; a failed insert is ENOMEM
//! there too).
//!
//! Values: every kind the renderer executes carries its validated value, mapped to GL terms
//! by [`crate::model::gl_state`] when it is created (shared with the bound state through an
//! `Arc`, so a bound object outlives its DESTROY_OBJECT as upstream's reference counts
//! make it). Streamout targets on a backend without GL are recorded by kind only
//! ([`Object::Refused`]) so that handle reuse, destruction and type checks behave as
//! upstream's.

use crate::model::gl_state::{BlendGl, DsaGl, RasterizerGl, SamplerStateGl, VertexElementsGl};
use crate::model::protocol::object as obj;
pub use crate::renderer::state::{PendingShader, QueryObj, SamplerViewObj, ShaderObj, SoTargetObj};
use std::collections::HashMap;
use std::sync::Arc;

/// Most objects per context, over all its sub-contexts.
pub const MAX_OBJECTS: usize = 1 << 16;

/// `VIRGL_OBJECT_*`: what a handle names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    Blend,
    Rasterizer,
    Dsa,
    Shader,
    VertexElements,
    SamplerView,
    SamplerState,
    Surface,
    Query,
    StreamoutTarget,
    MsaaSurface,
}

impl ObjectKind {
    /// The kind numbered `v` by the protocol (`None` for 0 and past the last type).
    pub fn from_type_id(v: u8) -> Option<Self> {
        Some(match v {
            obj::BLEND => Self::Blend,
            obj::RASTERIZER => Self::Rasterizer,
            obj::DSA => Self::Dsa,
            obj::SHADER => Self::Shader,
            obj::VERTEX_ELEMENTS => Self::VertexElements,
            obj::SAMPLER_VIEW => Self::SamplerView,
            obj::SAMPLER_STATE => Self::SamplerState,
            obj::SURFACE => Self::Surface,
            obj::QUERY => Self::Query,
            obj::STREAMOUT_TARGET => Self::StreamoutTarget,
            obj::MSAA_SURFACE => Self::MsaaSurface,
            _ => return None,
        })
    }

    /// The protocol's name for log lines.
    pub fn name(self) -> &'static str {
        match self {
            Self::Blend => "BLEND",
            Self::Rasterizer => "RASTERIZER",
            Self::Dsa => "DSA",
            Self::Shader => "SHADER",
            Self::VertexElements => "VERTEX_ELEMENTS",
            Self::SamplerView => "SAMPLER_VIEW",
            Self::SamplerState => "SAMPLER_STATE",
            Self::Surface => "SURFACE",
            Self::Query => "QUERY",
            Self::StreamoutTarget => "STREAMOUT_TARGET",
            Self::MsaaSurface => "MSAA_SURFACE",
        }
    }
}

/// A SURFACE object: a view of one level (and a layer range) of a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Surface {
    pub res: u32,
    /// `VIRGL_FORMAT_*` of the view.
    pub format: u32,
    pub level: u32,
    pub first_layer: u32,
    pub last_layer: u32,
}

/// One stored object.
#[derive(Clone, Debug)]
pub enum Object {
    /// SURFACE, or MSAA_SURFACE when `msaa` (its sample count is not used by the CPU paths).
    Surface {
        surface: Surface,
        msaa: bool,
    },
    Blend(Arc<BlendGl>),
    Rasterizer(Arc<RasterizerGl>),
    Dsa(Arc<DsaGl>),
    /// A complete shader.
    Shader(Arc<ShaderObj>),
    /// A shader whose text is still arriving (multi-part CREATE_OBJECT).
    ShaderPart(PendingShader),
    VertexElements(Arc<VertexElementsGl>),
    SamplerView(Arc<SamplerViewObj>),
    SamplerState(Arc<SamplerStateGl>),
    Query(QueryObj),
    StreamoutTarget(Arc<SoTargetObj>),
    /// An object of a kind the renderer does not execute yet: only its kind is known.
    Refused(ObjectKind),
}

impl Object {
    pub fn kind(&self) -> ObjectKind {
        match self {
            Object::Surface { msaa: false, .. } => ObjectKind::Surface,
            Object::Surface { msaa: true, .. } => ObjectKind::MsaaSurface,
            Object::Blend(_) => ObjectKind::Blend,
            Object::Rasterizer(_) => ObjectKind::Rasterizer,
            Object::Dsa(_) => ObjectKind::Dsa,
            Object::Shader(_) | Object::ShaderPart(_) => ObjectKind::Shader,
            Object::VertexElements(_) => ObjectKind::VertexElements,
            Object::SamplerView(_) => ObjectKind::SamplerView,
            Object::SamplerState(_) => ObjectKind::SamplerState,
            Object::Query(_) => ObjectKind::Query,
            Object::StreamoutTarget(_) => ObjectKind::StreamoutTarget,
            Object::Refused(k) => *k,
        }
    }
}

/// Why a typed lookup failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LookupError {
    /// No object under the handle.
    Missing,
    /// The handle names an object of another kind (type confusion).
    WrongKind(ObjectKind),
}

/// One sub-context's objects by handle.
#[derive(Clone, Debug, Default)]
pub struct ObjectTable {
    map: HashMap<u32, Object>,
}

impl ObjectTable {
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn contains(&self, handle: u32) -> bool {
        self.map.contains_key(&handle)
    }

    /// The object under `handle`, whatever its kind.
    pub fn get(&self, handle: u32) -> Option<&Object> {
        self.map.get(&handle)
    }

    /// Stores `object` under `handle`, replacing (and returning) what was there, of any
    /// kind. Callers keep the per-context bound ([`super::context::Context::insert_object`]).
    pub fn insert(&mut self, handle: u32, object: Object) -> Option<Object> {
        self.map.insert(handle, object)
    }

    /// The object under `handle`, mutable, whatever its kind.
    pub fn get_mut(&mut self, handle: u32) -> Option<&mut Object> {
        self.map.get_mut(&handle)
    }

    /// Every handle (in no particular order).
    pub fn handles(&self) -> Vec<u32> {
        self.map.keys().copied().collect()
    }

    /// Every object (for cleanup of host objects they hold).
    pub fn values(&self) -> impl Iterator<Item = &Object> {
        self.map.values()
    }

    /// Removes the object under `handle` (any kind).
    pub fn remove(&mut self, handle: u32) -> Option<Object> {
        self.map.remove(&handle)
    }

    /// The surface under `handle`: SURFACE or MSAA_SURFACE (upstream looks surfaces up
    /// under the SURFACE type; its MSAA_SURFACE objects are stored as SURFACE).
    pub fn surface(&self, handle: u32) -> Result<Surface, LookupError> {
        match self.map.get(&handle) {
            None => Err(LookupError::Missing),
            Some(Object::Surface { surface, .. }) => Ok(*surface),
            Some(o) => Err(LookupError::WrongKind(o.kind())),
        }
    }

    /// Checks that `handle` names an object of `kind`.
    pub fn expect(&self, handle: u32, kind: ObjectKind) -> Result<&Object, LookupError> {
        match self.map.get(&handle) {
            None => Err(LookupError::Missing),
            Some(o) if o.kind() == kind => Ok(o),
            Some(o) => Err(LookupError::WrongKind(o.kind())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn surf(res: u32) -> Object {
        let surface = Surface { res, format: 1, level: 0, first_layer: 0, last_layer: 0 };
        Object::Surface { surface, msaa: false }
    }

    #[test]
    fn kinds_and_lookups() {
        let mut t = ObjectTable::default();
        assert!(t.insert(5, surf(1)).is_none());
        assert_eq!(t.surface(5).unwrap().res, 1);
        assert_eq!(t.surface(6), Err(LookupError::Missing));
        t.insert(7, Object::Refused(ObjectKind::Blend));
        assert_eq!(t.surface(7), Err(LookupError::WrongKind(ObjectKind::Blend)));
        assert!(t.expect(7, ObjectKind::Blend).is_ok());
        assert_eq!(
            t.expect(5, ObjectKind::Dsa).err(),
            Some(LookupError::WrongKind(ObjectKind::Surface))
        );
        // Reuse replaces whatever was there.
        assert_eq!(
            t.insert(5, Object::Refused(ObjectKind::Dsa)).map(|o| o.kind()),
            Some(ObjectKind::Surface)
        );
        assert_eq!(t.surface(5), Err(LookupError::WrongKind(ObjectKind::Dsa)));
        assert_eq!(t.len(), 2);
        assert!(t.remove(5).is_some());
        assert!(t.remove(5).is_none());
        for v in 0..=12u8 {
            let k = ObjectKind::from_type_id(v);
            assert_eq!(k.is_some(), (1..12).contains(&v), "{v}");
        }
    }
}
