//! Decoded gallium/virgl state → plain descriptions of host GL state.
//!
//! Pure mapping (no GL calls, no `unsafe`): the GL executor applies what these functions
//! return. Each function takes a typed object from [`crate::model::protocol`] and gives
//! GL enums (`glow` constants) plus:
//! - an `Err` ([`crate::error::Error`], EINVAL, naming the field and value) for a value
//!   gallium does not define (a blend factor 0x0b, a swizzle 6, a primitive 15, …);
//! - [`Gaps`]: what core GL 3.3 cannot do as plain state (a later GL version or extension,
//!   or emulation), never dropped silently;
//! - [`KeyBits`]: the fixed-function state core GL lacks that goes into the shader
//!   [`VariantKey`] (alpha test, two-sided colour, user
//!   clip planes, point sprite coordinates, polygon stipple, flat shading, integer
//!   vertex inputs).
//!
//! The fragment-coordinate convention is not in the key from here: the key's
//! `lower_left_origin` depends on the capsets served, and the rasterizer's
//! `half_pixel_center` / `bottom_edge_rule` are reported ([`RasterizerGl`], with
//! [`Gap::IntegerPixelCenter`]) for the executor to combine with it.
//!
//! Files: `pipe` (gallium numbers), `blend`, `dsa`, `rasterizer`, `sampler` (sampler
//! state and sampler view), `vertex` (vertex elements, primitive and index types),
//! `layers` (surfaces' layer ranges as framebuffer attachments).

mod blend;
mod dsa;
mod fetch;
mod layers;
pub mod pipe;
mod rasterizer;
mod sampler;
mod vertex;

pub use blend::{
    alpha_is_padding, blend, blend_equation, blend_factor, logic_op, rt_blend, BlendGl, LogicOpGl,
    RtBlendGl,
};
pub use dsa::{compare_func, dsa, gl_compare_func, stencil_op, DsaGl, StencilFaceGl};
pub use fetch::{attrib_bytes, check_fetch, index_range, FetchMemo, VertexInput};
pub use layers::{layered_framebuffer, surface_layers, SurfaceLayers};
pub use rasterizer::{
    cull_face, polygon_mode, rasterizer, rasterizes_points, PolygonOffsetGl, RasterizerGl,
};
pub use sampler::{
    compose_swizzle, mag_filter, min_filter, sampler_state, sampler_view, texture_target,
    wrap_mode, SamplerStateGl, SamplerViewGl, GL_CLAMP, GL_MIRROR_CLAMP_EXT,
    GL_MIRROR_CLAMP_TO_BORDER_EXT,
};
pub use vertex::{
    index_type, primitive, vertex_attrib, vertex_elements, PrimitiveGl, VertexAttribGl,
    VertexElementsGl, GL_POLYGON, GL_QUAD_STRIP,
};

use crate::error::Error;
use crate::model::shader::{CompareFunc, VariantKey};

/// Something core GL 3.3 cannot do as plain state setting: a later GL version (or its
/// extension), or emulation by the executor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Gap {
    /// Render targets with different blend functions or equations: `glBlendFuncSeparatei`
    /// (GL 4.0 / GL_ARB_draw_buffers_blend). Per-target enables and colour masks are 3.0.
    IndependentBlendFunc,
    /// `clip_halfz`: depth in [0, 1] clip space, `glClipControl` (GL 4.5 /
    /// GL_ARB_clip_control).
    ClipHalfZ,
    /// Different polygon modes for front and back faces: core profile takes one mode
    /// for both (emulate, e.g. a geometry shader or two passes).
    PolygonModeFrontBack,
    /// Line stipple: removed from core (emulate in the fragment shader).
    LineStipple,
    /// The last pixel of a line drawn (`line_last_pixel`): GL's rule leaves it out.
    LineLastPixel,
    /// Smooth (round) points: removed from core (emulate in the fragment shader).
    PointSmooth,
    /// Vertex colour clamping: removed from core (clamp in the shader).
    ClampVertexColor,
    /// Fragment colour clamping: removed from core (clamp in the shader; only observable
    /// with float colour buffers).
    ClampFragmentColor,
    /// Integer pixel centres (`half_pixel_center` false): GL always samples at half-pixel
    /// centres (emulate with a half-pixel viewport shift).
    IntegerPixelCenter,
    /// Clamped polygon offset: `glPolygonOffsetClamp` (GL 4.6 /
    /// GL_ARB_polygon_offset_clamp).
    PolygonOffsetClamp,
    /// Point sprite replacement of an input past TEXCOORD 7/GENERIC 7: the variant key
    /// carries bits 0..8 only.
    SpriteCoordPast8,
    /// Per-sample interpolation forced: sample shading (GL 4.0 / GL_ARB_sample_shading).
    SampleShading,
    /// PIPE_TEX_WRAP_CLAMP: GL_CLAMP is not in core (emulate; CLAMP_TO_EDGE is the
    /// nearest-filter equivalent).
    WrapClamp,
    /// PIPE_TEX_WRAP_MIRROR_CLAMP / MIRROR_CLAMP_TO_BORDER: GL_EXT_texture_mirror_clamp only.
    WrapMirrorClamp,
    /// PIPE_TEX_WRAP_MIRROR_CLAMP_TO_EDGE: GL 4.4 / GL_ARB_texture_mirror_clamp_to_edge.
    WrapMirrorClampToEdge,
    /// Anisotropic filtering: GL 4.6 / GL_EXT_texture_filter_anisotropic.
    Anisotropy,
    /// Cube-map array views: GL 4.0 / GL_ARB_texture_cube_map_array.
    CubeMapArray,
    /// GL_FIXED vertex attributes: GL 4.1 / GL_ARB_ES2_compatibility.
    FixedVertexAttrib,
    /// GL_UNSIGNED_INT_10F_11F_11F_REV vertex attributes: GL 4.4 /
    /// GL_ARB_vertex_type_10f_11f_11f_rev.
    Float11_11_10VertexAttrib,
    /// GL_QUADS: not in core (emulate: two triangles per quad, by index rewriting).
    Quads,
    /// GL_QUAD_STRIP: not in core (emulate: a triangle strip with the same vertices
    /// gives the same triangles; flat shading's provoking vertex differs).
    QuadStrip,
    /// GL_POLYGON: not in core (emulate: a triangle fan; the provoking vertex differs).
    Polygon,
    /// Tessellation patches: GL 4.0 / GL_ARB_tessellation_shader.
    Patches,
}

impl Gap {
    /// Every gap, in declaration order.
    pub const ALL: [Gap; 23] = [
        Gap::IndependentBlendFunc,
        Gap::ClipHalfZ,
        Gap::PolygonModeFrontBack,
        Gap::LineStipple,
        Gap::LineLastPixel,
        Gap::PointSmooth,
        Gap::ClampVertexColor,
        Gap::ClampFragmentColor,
        Gap::IntegerPixelCenter,
        Gap::PolygonOffsetClamp,
        Gap::SpriteCoordPast8,
        Gap::SampleShading,
        Gap::WrapClamp,
        Gap::WrapMirrorClamp,
        Gap::WrapMirrorClampToEdge,
        Gap::Anisotropy,
        Gap::CubeMapArray,
        Gap::FixedVertexAttrib,
        Gap::Float11_11_10VertexAttrib,
        Gap::Quads,
        Gap::QuadStrip,
        Gap::Polygon,
        Gap::Patches,
    ];

    /// The core GL version that provides it; `None` where no core version does.
    pub fn core_in(self) -> Option<(u8, u8)> {
        Some(match self {
            Gap::IndependentBlendFunc | Gap::SampleShading | Gap::CubeMapArray => (4, 0),
            Gap::Patches => (4, 0),
            Gap::FixedVertexAttrib => (4, 1),
            Gap::WrapMirrorClampToEdge | Gap::Float11_11_10VertexAttrib => (4, 4),
            Gap::ClipHalfZ => (4, 5),
            Gap::PolygonOffsetClamp | Gap::Anisotropy => (4, 6),
            _ => return None,
        })
    }

    /// The extension that provides it; `None` where only emulation helps.
    pub fn extension(self) -> Option<&'static str> {
        Some(match self {
            Gap::IndependentBlendFunc => "GL_ARB_draw_buffers_blend",
            Gap::ClipHalfZ => "GL_ARB_clip_control",
            Gap::PolygonOffsetClamp => "GL_ARB_polygon_offset_clamp",
            Gap::SampleShading => "GL_ARB_sample_shading",
            Gap::WrapMirrorClamp => "GL_EXT_texture_mirror_clamp",
            Gap::WrapMirrorClampToEdge => "GL_ARB_texture_mirror_clamp_to_edge",
            Gap::Anisotropy => "GL_EXT_texture_filter_anisotropic",
            Gap::CubeMapArray => "GL_ARB_texture_cube_map_array",
            Gap::FixedVertexAttrib => "GL_ARB_ES2_compatibility",
            Gap::Float11_11_10VertexAttrib => "GL_ARB_vertex_type_10f_11f_11f_rev",
            Gap::Patches => "GL_ARB_tessellation_shader",
            _ => return None,
        })
    }
}

/// A set of [`Gap`]s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Gaps(u32);

impl Gaps {
    /// No gap: core GL 3.3 state does it all.
    pub const NONE: Gaps = Gaps(0);
    pub fn add(&mut self, g: Gap) {
        self.0 |= 1 << g as u8;
    }
    pub fn contains(self, g: Gap) -> bool {
        self.0 & (1 << g as u8) != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn union(self, other: Gaps) -> Gaps {
        Gaps(self.0 | other.0)
    }
    /// The gaps in the set, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Gap> {
        Gap::ALL.into_iter().filter(move |g| self.contains(*g))
    }
}

impl From<Gap> for Gaps {
    fn from(g: Gap) -> Gaps {
        let mut s = Gaps::NONE;
        s.add(g);
        s
    }
}

/// The variant-key fields one state object decides (`None`: this object does not decide
/// that field). Apply with [`KeyBits::apply`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyBits {
    /// DSA: the alpha test (`Some(None)`: disabled).
    pub alpha_test: Option<Option<(CompareFunc, u32)>>,
    /// Rasterizer fields.
    pub flatshade: Option<bool>,
    pub two_side: Option<bool>,
    pub clip_plane_enable: Option<u8>,
    pub sprite_coord_enable: Option<u8>,
    pub polygon_stipple: Option<bool>,
    /// Vertex elements: input i (bit i) is a pure-integer attribute.
    pub vs_int_inputs: Option<u32>,
    /// Vertex elements: input i (bit i) arrives with B and R swapped.
    pub vs_bgra_inputs: Option<u32>,
}

impl KeyBits {
    /// Writes the fields this object decides into `key`.
    pub fn apply(&self, key: &mut VariantKey) {
        if let Some(a) = self.alpha_test {
            key.alpha_test = a;
        }
        if let Some(v) = self.flatshade {
            key.flatshade = v;
        }
        if let Some(v) = self.two_side {
            key.two_side = v;
        }
        if let Some(v) = self.clip_plane_enable {
            key.clip_plane_enable = v;
        }
        if let Some(v) = self.sprite_coord_enable {
            key.sprite_coord_enable = v;
        }
        if let Some(v) = self.polygon_stipple {
            key.polygon_stipple = v;
        }
        if let Some(v) = self.vs_int_inputs {
            key.vs_int_inputs = v;
        }
        if let Some(v) = self.vs_bgra_inputs {
            key.vs_bgra_inputs = v;
        }
    }
}

/// How a draw writes a colour buffer stored through `storage_swizzle` (the format table's
/// sampling swizzle, e.g. B8G8R8A8 kept as RGBA8 and sampled BGRA): for each stored channel
/// c, the colour component that goes there. `None` when the storage needs no reordering.
/// A stored channel no component maps to (the X of B8G8R8X8) keeps its own component.
pub fn output_swizzle(storage_swizzle: Option<[u32; 4]>) -> Option<[u8; 4]> {
    let s = storage_swizzle?;
    let chan = |v: u32| match v {
        glow::RED => Some(0u8),
        glow::GREEN => Some(1),
        glow::BLUE => Some(2),
        glow::ALPHA => Some(3),
        _ => None,
    };
    let mut out = [0u8, 1, 2, 3];
    // A stored channel read by several components (luminance RRR1, luminance-alpha RRRG)
    // takes the first: red, as gallium packs luminance.
    for (k, &v) in s.iter().enumerate().rev() {
        if let Some(c) = chan(v) {
            out[usize::from(c)] = k as u8;
        }
    }
    (out != [0, 1, 2, 3]).then_some(out)
}

/// EINVAL for a gallium value the mapping does not define.
fn bad(what: &str, value: u32) -> Error {
    Error::inval(format!("gl_state: {what} {value} is not a gallium value"))
}

#[cfg(test)]
mod tests;
