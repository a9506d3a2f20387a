//! The level-1 contents: what a host that executes GL 2.1 / GLES 2.0 guests' draws claims
//! (see the parent module's documentation for the reasons, field group by field group).

use super::{CapsV1, CapsV2, FormatMask, Limits};
use crate::model::format::{FormatInfo, Kind};
use crate::model::gl_state::vertex_attrib;
use crate::model::protocol::VertexElement;
use crate::model::resource::DrawLimits;

/// `host_feature_check_version` served at level 1 (gates in the parent module's docs).
pub const HOST_FEATURE_CHECK_VERSION: u32 = 23;

/// `glsl_level` of level 1: 130 for the guest compiler's native integers; Mesa clamps the
/// GLSL version of a GL 2.x context to 1.20 (see the parent module's documentation).
pub const GLSL_LEVEL: u32 = 130;

/// `struct virgl_caps_bool_set1` bit numbers (virgl_hw.h) that level 1 sets.
pub mod bset {
    /// `blend_eq_sep`: separate RGB/alpha blend equations (GL 2.0).
    pub const BLEND_EQ_SEP: u32 = 1 << 7;
    /// `occlusion_query`: SAMPLES_PASSED queries (GL 1.5 needs ARB_occlusion_query).
    pub const OCCLUSION_QUERY: u32 = 1 << 11;
    /// The bits level 1 sets.
    pub const SET: u32 = BLEND_EQ_SEP | OCCLUSION_QUERY;
}

/// `VIRGL_CAP_*` bits level 1 sets in `capability_bits`: none.
pub const CAPABILITY_BITS: u32 = 0;
/// `VIRGL_CAP_V2_*` bits level 1 sets in `capability_bits_v2`: none.
pub const CAPABILITY_BITS_V2: u32 = 0;

/// The `PIPE_PRIM_*` the executor draws: POINTS (0), LINES, LINE_LOOP, LINE_STRIP,
/// TRIANGLES, TRIANGLE_STRIP, TRIANGLE_FAN (6). Quads, quad strips and polygons (7..=9) are
/// left to the guest, which converts them to triangles when their bit is clear.
pub const PRIM_MASK: u32 = 0x7f;

/// Most colour buffers the executor binds (gallium's `PIPE_MAX_COLOR_BUFS`).
pub const MAX_RENDER_TARGETS: u32 = 8;
/// Most sampler views/states per stage the executor binds.
pub const MAX_SAMPLERS: u32 = 16;
/// Most vertex elements the protocol carries.
pub const MAX_VERTEX_ATTRIBS: u32 = 32;
/// Most vec4 varyings the executor links between stages.
pub const MAX_VARYINGS: u32 = 32;
/// Largest inline constant buffer the executor uploads: a `uvec4[4096]` uniform array.
pub const MAX_CONST_BUFFER_BYTES: u32 = 4096 * 16;
/// Stride bound claimed for vertex buffers (GL 4.4's minimum of `GL_MAX_VERTEX_ATTRIB_STRIDE`;
/// inert below GL 4.4 in the guest).
pub const MAX_VERTEX_ATTRIB_STRIDE: u32 = 2048;
/// `uniform_buffer_offset_alignment`: inert without uniform blocks, but a power of two so
/// that no guest code aligns with 0.
pub const UNIFORM_BUFFER_OFFSET_ALIGNMENT: u32 = 16;

/// Renderer name of the level-1 contents (Mesa shows it as "virgl (NAME)").
pub const RENDERER_NAME: &str = "virgl-shim level 1 (GL 2.1 / GLES 2.0)";

/// Whether the host can draw at all: a GL context with colour buffers, vertex attributes,
/// varyings and uniforms in both stages. The CPU backend's (default) limits cannot.
pub fn host_can_draw(d: &DrawLimits) -> bool {
    d.max_draw_buffers > 0
        && d.max_vertex_attribs > 0
        && d.max_fragment_texture_units > 0
        && d.max_vertex_uniform_components > 0
        && d.max_fragment_uniform_components > 0
        && d.max_vertex_output_components >= 4
        && d.max_fragment_input_components >= 4
}

/// Sampleable at level 1: GL storage that keeps every byte (so not the GL 3.0 float-depth
/// and shared-exponent formats, which come with level 2), not a pure-integer colour format.
/// Depth/stencil formats stay: Mesa's virgl driver checks this mask, not `depthstencil`,
/// before it creates a depth buffer. Luminance-alpha storage no draw can blend into stays
/// out ([`FormatInfo::luminance_alpha_in_rg`]): the guest keeps such textures as RGBA8.
pub fn sampleable(f: &FormatInfo) -> bool {
    f.gl_transfer_is_exact()
        && !(f.is_sint_color() || f.is_uint_color())
        && !f.luminance_alpha_in_rg()
}

/// A colour render target at level 1: GL-renderable storage, not pure integer (no integer
/// outputs), not sRGB (gallium encodes on write into an sRGB surface; level 1 claims no
/// sRGB write control).
pub fn color_renderable(f: &FormatInfo) -> bool {
    f.kind == Kind::Color
        && f.renderable()
        && !(f.is_sint_color() || f.is_uint_color())
        && !f.is_srgb()
}

/// A vertex attribute format at level 1: core GL 3.3 fetches it as is (no gap to
/// emulate) and it is not pure integer.
pub fn vertex_format(f: &FormatInfo) -> bool {
    let e = VertexElement {
        src_offset: 0,
        instance_divisor: 0,
        vertex_buffer_index: 0,
        src_format: f.id,
    };
    vertex_attrib(&e).is_ok_and(|a| a.gaps.is_empty() && !a.integer)
}

/// An OpenGL ES host fetches the format: its attribute is neither 64-bit float
/// (`GL_DOUBLE`) nor BGRA-ordered (the `GL_BGRA` size), which ES lacks.
pub fn es_vertex_format(f: &FormatInfo) -> bool {
    const GL_DOUBLE: u32 = 0x140A;
    const GL_BGRA: i32 = 0x80E1;
    let e = VertexElement {
        src_offset: 0,
        instance_divisor: 0,
        vertex_buffer_index: 0,
        src_format: f.id,
    };
    vertex_attrib(&e).is_ok_and(|a| a.ty != GL_DOUBLE && a.size != GL_BGRA)
}

/// `max_vertex_attribs`: the host's attributes, capped at the protocol's 32 and at the
/// varyings both stages carry — Mesa uses this one number for vertex inputs, fragment
/// inputs and varyings when `glsl_level` is below 150.
pub fn vertex_attribs(d: &DrawLimits) -> u32 {
    d.max_vertex_attribs
        .min(MAX_VERTEX_ATTRIBS)
        .min(vertex_outputs(d))
        .min(d.max_fragment_input_components / 4)
}

/// `max_vertex_outputs` (vec4s).
pub fn vertex_outputs(d: &DrawLimits) -> u32 {
    (d.max_vertex_output_components / 4).min(MAX_VARYINGS)
}

/// `max_texture_samplers`: Mesa applies the one value to every stage, so it is the least
/// of both stages' units, half the combined units (the executor gives each stage its own
/// units) and 16.
pub fn texture_samplers(d: &DrawLimits) -> u32 {
    d.max_vertex_texture_units
        .min(d.max_fragment_texture_units)
        .min(d.max_combined_texture_units / 2)
        .min(MAX_SAMPLERS)
}

/// Constant buffer 0 of a stage in bytes: its uniform components as vec4s, at most the
/// executor's `uvec4[4096]`, a multiple of 16.
pub fn const_buffer_bytes(uniform_components: u32) -> u32 {
    uniform_components.saturating_mul(4).min(MAX_CONST_BUFFER_BYTES) & !15
}

/// The level-1 v1 fields.
pub fn caps_v1(max_version: u32, limits: &Limits) -> CapsV1 {
    let d = &limits.draw;
    CapsV1 {
        max_version,
        sampler: FormatMask::from_table(|f| sampleable(f) && !limits.unstored.contains(f.id)),
        render: FormatMask::from_table(|f| {
            color_renderable(f)
                && !limits.unrenderable.contains(f.id)
                && !limits.unstored.contains(f.id)
        }),
        depthstencil: FormatMask::from_table(|f| {
            f.is_depth_or_stencil()
                && f.renderable()
                && f.gl_transfer_is_exact()
                && !limits.unrenderable.contains(f.id)
                && !limits.unstored.contains(f.id)
        }),
        vertexbuffer: FormatMask::from_table(|f| {
            vertex_format(f) && (!limits.gles || es_vertex_format(f))
        }),
        bset: bset::SET,
        glsl_level: GLSL_LEVEL,
        max_texture_array_layers: 0,
        max_streamout_buffers: 0,
        max_dual_source_render_targets: 0,
        max_render_targets: d.max_draw_buffers.min(MAX_RENDER_TARGETS),
        max_samples: 1,
        prim_mask: PRIM_MASK,
        max_tbo_size: 0,
        max_uniform_blocks: 1,
        max_viewports: 1,
        max_texture_gather_components: 0,
    }
}

/// The level-1 v2 struct around `v1`.
pub fn caps_v2(v1: CapsV1, limits: &Limits) -> CapsV2 {
    let d = &limits.draw;
    let [pmin, pmax] = d.point_size_range;
    let [lmin, lmax] = d.line_width_range;
    let [smin, smax] = d.smooth_line_width_range;
    // The host's point size and line width ranges, the minimum at most 1 and the maximum
    // at least 1 (GL's guarantees; NaN reads as 1).
    let pmin = if pmin.is_nan() { 1.0 } else { pmin.clamp(0.0, 1.0) };
    let pmax = pmax.max(1.0);
    let width =
        |min: f32, max: f32| (if min.is_nan() { 1.0 } else { min.clamp(0.0, 1.0) }, max.max(1.0));
    let (lmin, lmax) = width(lmin, lmax);
    let (smin, smax) = width(smin, smax);
    let mut const_sizes = [0u32; 6];
    const_sizes[0] = const_buffer_bytes(d.max_vertex_uniform_components);
    const_sizes[1] = const_buffer_bytes(d.max_fragment_uniform_components);
    CapsV2 {
        min_aliased_point_size: pmin,
        max_aliased_point_size: pmax,
        min_smooth_point_size: pmin,
        max_smooth_point_size: pmax,
        // Our contexts are not forward-compatible: glLineWidth takes the host's ranges.
        min_aliased_line_width: lmin,
        max_aliased_line_width: lmax,
        min_smooth_line_width: smin,
        max_smooth_line_width: smax,
        max_texture_lod_bias: d.max_texture_lod_bias.max(0.0),
        max_vertex_outputs: vertex_outputs(d),
        max_vertex_attribs: vertex_attribs(d),
        uniform_buffer_offset_alignment: UNIFORM_BUFFER_OFFSET_ALIGNMENT,
        capability_bits: CAPABILITY_BITS,
        capability_bits_v2: CAPABILITY_BITS_V2,
        max_vertex_attrib_stride: MAX_VERTEX_ATTRIB_STRIDE,
        host_feature_check_version: HOST_FEATURE_CHECK_VERSION,
        max_texture_samplers: texture_samplers(d),
        max_const_buffer_size: const_sizes,
        ..super::caps_v2_base(v1, limits, RENDERER_NAME)
    }
}
