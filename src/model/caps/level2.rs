//! The level-2 contents (issue #14): what a host that executes GL 3.3 core / GLES 3.0
//! guests' draws claims. The default (see `config`; `VIRGL_SHIM_3D_LEVEL=1` asks for level
//! 1 instead). Every feature listed here executes: a guest is never offered what the
//! executor does not run.

use super::{level1, CapsV1, CapsV2, FormatMask, Limits};
use crate::model::format::{FormatInfo, Kind};
use crate::model::gl_state::vertex_attrib;
use crate::model::protocol::VertexElement;

/// `glsl_level` of level 2.
pub const GLSL_LEVEL: u32 = 330;

/// `struct virgl_caps_bool_set1` bit numbers (virgl_hw.h) that level 2 sets.
pub mod bset {
    pub const INDEP_BLEND_ENABLE: u32 = 1 << 0;
    pub const INDEP_BLEND_FUNC: u32 = 1 << 1;
    /// `cube_map_array`: set only where the host has them ([`super::cube_map_arrays`]).
    pub const CUBE_MAP_ARRAY: u32 = 1 << 2;
    /// `shader_stencil_export`: set only where the host has it ([`super::exports_stencil`]).
    pub const SHADER_STENCIL_EXPORT: u32 = 1 << 3;
    pub const CONDITIONAL_RENDER: u32 = 1 << 4;
    pub const START_INSTANCE: u32 = 1 << 5;
    pub const PRIMITIVE_RESTART: u32 = 1 << 6;
    pub const INSTANCEID: u32 = 1 << 8;
    pub const VERTEX_ELEMENT_INSTANCE_DIVISOR: u32 = 1 << 9;
    pub const SEAMLESS_CUBE_MAP: u32 = 1 << 10;
    pub const TIMER_QUERY: u32 = 1 << 12;
    pub const TEXTURE_MULTISAMPLE: u32 = 1 << 14;
    pub const FRAGMENT_COORD_CONVENTIONS: u32 = 1 << 15;
    pub const DEPTH_CLIP_DISABLE: u32 = 1 << 16;
    pub const UBO: u32 = 1 << 18;
    /// `has_tessellation_shaders`: set only where the host tessellates ([`super::tessellates`]).
    pub const HAS_TESSELLATION_SHADERS: u32 = 1 << 24;
    /// The bits level 2 sets.
    pub const SET: u32 = super::level1::bset::SET
        | INDEP_BLEND_ENABLE
        | INDEP_BLEND_FUNC
        | CONDITIONAL_RENDER
        | START_INSTANCE
        | PRIMITIVE_RESTART
        | INSTANCEID
        | VERTEX_ELEMENT_INSTANCE_DIVISOR
        | SEAMLESS_CUBE_MAP
        | TIMER_QUERY
        | TEXTURE_MULTISAMPLE
        | FRAGMENT_COORD_CONVENTIONS
        | DEPTH_CLIP_DISABLE
        | UBO;
}

/// `VIRGL_CAP_SRGB_WRITE_CONTROL`: SET_FRAMEBUFFER_STATE surfaces say whether sRGB encodes.
pub const CAP_SRGB_WRITE_CONTROL: u32 = 1 << 15;
/// `VIRGL_CAP_QBO`: GET_QUERY_RESULT_QBO writes results into buffers
/// (`renderer::decode::qbo`); the guest exposes ARB_query_buffer_object with it.
pub const CAP_QBO: u32 = 1 << 16;
/// `VIRGL_CAP_FBO_MIXED_COLOR_FORMATS`: colour buffers of different formats (integer and
/// float, different sizes) in one framebuffer, as GL 3.0 allows: each attachment keeps its
/// own output type and swizzle (`backend::gl::framebuffer`), clears go one attachment at a
/// time. Without it the guest's Mesa reports such framebuffers GL_FRAMEBUFFER_UNSUPPORTED.
pub const CAP_FBO_MIXED_COLOR_FORMATS: u32 = 1 << 18;

/// The `PIPE_PRIM_*` level 2 draws: level 1's and the four adjacency primitives (10..=13)
/// that geometry shaders read.
pub const PRIM_MASK: u32 = level1::PRIM_MASK | (0xf << 10);

/// Renderer name of the level-2 contents.
pub const RENDERER_NAME: &str = "virgl-shim level 2 (GL 3.3 / GLES 3.0)";

/// Stream-output buffers (GL 3.0 needs 4 interleaved/separate).
pub const MAX_STREAMOUT_BUFFERS: u32 = 4;
/// Uniform blocks per stage besides the default block (GL 3.1: 12).
pub const MAX_UNIFORM_BLOCKS: u32 = 12;
/// Bytes of one uniform block (GL 3.1: 16 KiB).
pub const MAX_UNIFORM_BLOCK_SIZE: u32 = 16384;
/// Texels of a texture buffer (GL 3.1: 65536).
pub const MAX_TBO_SIZE: u32 = 1 << 16;
/// Geometry shader output vertices and components (GL 3.2 minimum values).
pub const MAX_GEOM_OUTPUT_VERTICES: u32 = 256;
pub const MAX_GEOM_TOTAL_OUTPUT_COMPONENTS: u32 = 1024;

/// Sampleable at level 2: every format with GL storage (the GL 3.0 float-depth and
/// shared-exponent formats included) but the luminance-alpha storage no draw can blend
/// into ([`FormatInfo::luminance_alpha_in_rg`]; the guest keeps such textures as RGBA8),
/// SNORM ones included ([`FormatInfo::luminance_alpha_snorm_in_rg`]).
pub fn sampleable(f: &FormatInfo) -> bool {
    f.sampleable() && !f.luminance_alpha_in_rg() && !f.luminance_alpha_snorm_in_rg()
}

/// A colour render target at level 2: GL-renderable colour storage (integer and sRGB too).
pub fn color_renderable(f: &FormatInfo) -> bool {
    f.kind == Kind::Color && f.renderable()
}

/// A colour render target this host renders to: [`color_renderable`] and not refused by
/// the host's render probe.
fn rendered(f: &FormatInfo, limits: &Limits) -> bool {
    color_renderable(f) && !limits.unrenderable.contains(f.id)
}

/// A depth/stencil format this host renders to.
fn depth_stencil_rendered(f: &FormatInfo, limits: &Limits) -> bool {
    f.is_depth_or_stencil() && f.renderable() && !limits.unrenderable.contains(f.id)
}

/// [`rendered`], or a format beyond core GL's required list that the host's probe
/// rendered to (SNORM, RGB …).
fn rendered_or_probed(f: &FormatInfo, limits: &Limits) -> bool {
    rendered(f, limits) || limits.render_extra.contains(f.id)
}

/// A render target (colour or depth/stencil) this host renders to with `max_samples`
/// samples: claimed in `supported_multisample_formats`, which Mesa checks before it
/// creates a multisample resource (host_feature_check_version ≥ 9).
fn multisampled(f: &FormatInfo, limits: &Limits) -> bool {
    let target = rendered_or_probed(f, limits) || depth_stencil_rendered(f, limits);
    target && limits.max_samples > 1 && !limits.no_multisample.contains(f.id)
}

/// `uniform_buffer_offset_alignment`: the host's, where it is a power of two up to 256
/// (GL's bound), else 256.
fn ubo_alignment(limits: &Limits) -> u32 {
    let a = limits.draw.ubo_offset_alignment;
    if a.is_power_of_two() && a <= 256 {
        a.max(level1::UNIFORM_BUFFER_OFFSET_ALIGNMENT)
    } else {
        256
    }
}

/// A vertex attribute format at level 2: core GL fetches it as is (integers included).
pub fn vertex_format(f: &FormatInfo) -> bool {
    let e = VertexElement {
        src_offset: 0,
        instance_divisor: 0,
        vertex_buffer_index: 0,
        src_format: f.id,
    };
    vertex_attrib(&e).is_ok_and(|a| a.gaps.is_empty())
}

/// Whether level 2 offers tessellation: the host's GL has it (desktop GL 4.0, so the
/// backend sets the patch size and default levels) with GL's minimum of 32 vertices per
/// patch, which the translator and the draw path bound to.
pub fn tessellates(limits: &Limits) -> bool {
    !limits.gles && limits.draw.max_patch_vertices >= crate::model::shader::MAX_PATCH_VERTICES
}

/// Whether level 2 offers cube-map arrays (GL_ARB_texture_cube_map_array in the guest):
/// the host's desktop GL has them (GL 4.0 or the extension), so that CUBE_ARRAY storage,
/// sampler views, layered attachments and the translator's `samplerCubeArray` run there.
pub fn cube_map_arrays(limits: &Limits) -> bool {
    !limits.gles && limits.draw.cube_map_array
}

/// Whether level 2 offers GL_ARB_shader_stencil_export: the host's desktop GL has the
/// extension, which the translator's `gl_FragStencilRefARB` (TGSI's STENCIL output) needs.
pub fn exports_stencil(limits: &Limits) -> bool {
    !limits.gles && limits.draw.stencil_export
}

/// Whether level 2 offers GL_ARB_texture_gather (`max_texture_gather_components` 4 and the
/// host's gather offset range): the host's desktop GL has textureGather, which the
/// translator's TG4 needs.
pub fn gathers(limits: &Limits) -> Option<(i32, i32)> {
    if limits.gles {
        return None;
    }
    limits.draw.texture_gather
}

/// Whether level 2 offers stencil texturing (GL_ARB_stencil_texturing and
/// GL_ARB_texture_stencil8 in the guest, which Mesa turns on when X24S8_UINT or S8X24_UINT
/// is sampleable): the host's desktop GL samples the stencil of depth/stencil textures
/// (`GL_DEPTH_STENCIL_TEXTURE_MODE`) and stencil-only textures.
pub fn stencil_texturing(limits: &Limits) -> bool {
    !limits.gles && limits.draw.stencil_texturing
}

/// The sampler mask: [`sampleable`] formats, and where the host does stencil texturing the
/// stencil view formats of sampleable depth/stencil storage
/// ([`crate::model::format::stencil_view_of`]; Z24_UNORM_S8_UINT has no GL storage, so
/// X24S8_UINT is not claimed).
fn sampler_mask(limits: &Limits) -> FormatMask {
    use crate::model::format::{lookup, stencil_view_of};
    let stencil = stencil_texturing(limits);
    let stencil_view = |id| stencil_view_of(id).and_then(lookup).is_some_and(sampleable);
    FormatMask::from_table(|f| sampleable(f) || (stencil && stencil_view(f.id)))
}

/// The level-2 v1 fields.
pub fn caps_v1(max_version: u32, limits: &Limits) -> CapsV1 {
    let tess = if tessellates(limits) { bset::HAS_TESSELLATION_SHADERS } else { 0 };
    let cube_arrays = if cube_map_arrays(limits) { bset::CUBE_MAP_ARRAY } else { 0 };
    let export = if exports_stencil(limits) { bset::SHADER_STENCIL_EXPORT } else { 0 };
    CapsV1 {
        depthstencil: FormatMask::from_table(|f| depth_stencil_rendered(f, limits)),
        sampler: sampler_mask(limits),
        render: FormatMask::from_table(|f| rendered_or_probed(f, limits)),
        vertexbuffer: FormatMask::from_table(vertex_format),
        bset: bset::SET | tess | cube_arrays | export,
        glsl_level: GLSL_LEVEL,
        max_texture_array_layers: limits.max_array_layers.max(256),
        max_streamout_buffers: MAX_STREAMOUT_BUFFERS,
        max_dual_source_render_targets: 1,
        max_samples: limits.max_samples,
        max_tbo_size: MAX_TBO_SIZE,
        max_uniform_blocks: MAX_UNIFORM_BLOCKS + 1,
        // PIPE_PRIM_PATCHES (14) with tessellation: the guest converts the primitives
        // whose bit is clear.
        prim_mask: PRIM_MASK | if tess != 0 { 1 << 14 } else { 0 },
        max_texture_gather_components: if gathers(limits).is_some() { 4 } else { 0 },
        ..level1::caps_v1(max_version, limits)
    }
}

/// The level-2 v2 struct around `v1`.
pub fn caps_v2(v1: CapsV1, limits: &Limits) -> CapsV2 {
    let base = level1::caps_v2(v1, limits);
    let mut renderer = [0u8; 64];
    for (d, s) in renderer.iter_mut().zip(RENDERER_NAME.bytes().take(63)) {
        *d = s;
    }
    let mut const_sizes = base.max_const_buffer_size;
    // Geometry stage: GL 3.2's minimum of 1024 uniform components.
    const_sizes[2] = level1::const_buffer_bytes(1024);
    // Tessellation stages: GL 4.0's minimum of 1024 uniform components each; per-patch
    // varyings up to PATCH[29] (GL 4.0's 120 patch components).
    let tess = tessellates(limits);
    if tess {
        const_sizes[3] = level1::const_buffer_bytes(1024);
        const_sizes[4] = level1::const_buffer_bytes(1024);
    }
    CapsV2 {
        max_const_buffer_size: const_sizes,
        max_geom_output_vertices: MAX_GEOM_OUTPUT_VERTICES,
        max_shader_patch_varyings: if tess { crate::model::shader::MAX_PATCH_VARYINGS } else { 0 },
        max_geom_total_output_components: MAX_GEOM_TOTAL_OUTPUT_COMPONENTS,
        min_texel_offset: limits.draw.min_texel_offset,
        max_texel_offset: limits.draw.max_texel_offset,
        min_texture_gather_offset: gathers(limits).map_or(0, |g| g.0),
        max_texture_gather_offset: gathers(limits).map_or(0, |g| g.1),
        texture_buffer_offset_alignment: 16,
        max_uniform_block_size: MAX_UNIFORM_BLOCK_SIZE,
        // The host's alignment, so that the guest's block offsets bind in place instead of
        // through a per-draw copy (a power of two; GL allows up to 256).
        uniform_buffer_offset_alignment: ubo_alignment(limits),
        capability_bits: base.capability_bits
            | CAP_SRGB_WRITE_CONTROL
            | CAP_QBO
            | CAP_FBO_MIXED_COLOR_FORMATS,
        supported_multisample_formats: FormatMask::from_table(|f| multisampled(f, limits)),
        // Where the host rasterises each sample (glGetMultisamplefv in the guest).
        sample_locations: limits.sample_locations,
        // host_feature_check_version ≥ 19: the guest takes the tessellation stages' output
        // limits from here (below 19 it used `max_vertex_outputs`, which the translator and
        // the piglit runs of the tessellation stages were measured with).
        max_tcs_outputs: if tess { base.max_vertex_outputs } else { 0 },
        max_tes_outputs: if tess { base.max_vertex_outputs } else { 0 },
        renderer,
        ..base
    }
}

/// Stores sample `index`'s position (`x`, `y` in 0..1 of the pixel, as
/// `glGetMultisamplefv(GL_SAMPLE_POSITION)` gives it) for `count` samples in the v2
/// capset's `sample_locations`: one byte per sample, x in the high and y in the low nibble
/// (sixteenths, rounded down); 2 samples in word 0, 3–4 in word 1, 5–8 in words 2–3,
/// 9–16 in words 4–7. False (nothing stored) for counts and indices beyond that.
pub fn set_sample_location(locs: &mut [u32; 8], count: u32, index: u32, x: f32, y: f32) -> bool {
    let first = match count {
        2 => 0,
        3..=4 => 1,
        5..=8 => 2,
        9..=16 => 4,
        _ => return false,
    };
    if index >= count {
        return false;
    }
    // `as` saturates (NaN → 0); the clamp keeps 1.0 inside the nibble.
    let nibble = |v: f32| ((v * 16.0) as u32).min(15);
    let byte = (nibble(x) << 4) | nibble(y);
    let (word, shift) = (first + (index / 4) as usize, 8 * (index % 4));
    locs[word] = (locs[word] & !(0xff << shift)) | (byte << shift);
    true
}
