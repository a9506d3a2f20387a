//! SAMPLER_STATE → GL sampler parameters; SAMPLER_VIEW → GL texture target, swizzle
//! (the format's own storage swizzle composed with the view's), level and layer range.

use super::pipe::{filter, mipfilter, swizzle as sw, wrap};
use super::{bad, dsa::gl_compare_func, Gap, Gaps};
use crate::error::{Error, Result};
use crate::model::format::{self, FormatInfo};
use crate::model::protocol::{SamplerState, SamplerView};
use crate::model::resource::Target;
use glow as gl;

/// `GL_CLAMP` (compatibility profile only; glow does not list it).
pub const GL_CLAMP: u32 = 0x2900;
/// `GL_MIRROR_CLAMP_EXT` (GL_EXT_texture_mirror_clamp).
pub const GL_MIRROR_CLAMP_EXT: u32 = 0x8742;
/// `GL_MIRROR_CLAMP_TO_BORDER_EXT` (GL_EXT_texture_mirror_clamp).
pub const GL_MIRROR_CLAMP_TO_BORDER_EXT: u32 = 0x8912;

/// A SAMPLER_STATE object as GL sampler-object parameters.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SamplerStateGl {
    /// `GL_TEXTURE_WRAP_S/T/R`.
    pub wrap: [u32; 3],
    /// `GL_TEXTURE_MIN_FILTER` (image and mip filter combined).
    pub min_filter: u32,
    /// `GL_TEXTURE_MAG_FILTER`.
    pub mag_filter: u32,
    /// `GL_TEXTURE_LOD_BIAS`, `GL_TEXTURE_MIN_LOD`, `GL_TEXTURE_MAX_LOD`.
    pub lod_bias: f32,
    pub min_lod: f32,
    pub max_lod: f32,
    /// `GL_TEXTURE_COMPARE_MODE`: `GL_NONE` or `GL_COMPARE_REF_TO_TEXTURE`.
    pub compare_mode: u32,
    /// `GL_TEXTURE_COMPARE_FUNC`.
    pub compare_func: u32,
    /// Seamless cube-map filtering (`GL_TEXTURE_CUBE_MAP_SEAMLESS`: global in core GL).
    pub seamless_cube_map: bool,
    /// `GL_TEXTURE_MAX_ANISOTROPY` (1 = off; above 1: [`Gap::Anisotropy`]).
    pub max_anisotropy: f32,
    /// `GL_TEXTURE_BORDER_COLOR` bits: set with `glSamplerParameterIuiv` for integer
    /// formats, as floats (`f32::from_bits`) otherwise.
    pub border_color: [u32; 4],
    pub gaps: Gaps,
}

/// A `PIPE_TEX_WRAP_*` as a GL wrap mode, with the gap it opens.
pub fn wrap_mode(w: u8) -> Result<(u32, Option<Gap>)> {
    Ok(match w {
        wrap::REPEAT => (gl::REPEAT, None),
        wrap::CLAMP => (GL_CLAMP, Some(Gap::WrapClamp)),
        wrap::CLAMP_TO_EDGE => (gl::CLAMP_TO_EDGE, None),
        wrap::CLAMP_TO_BORDER => (gl::CLAMP_TO_BORDER, None),
        wrap::MIRROR_REPEAT => (gl::MIRRORED_REPEAT, None),
        wrap::MIRROR_CLAMP => (GL_MIRROR_CLAMP_EXT, Some(Gap::WrapMirrorClamp)),
        wrap::MIRROR_CLAMP_TO_EDGE => (gl::MIRROR_CLAMP_TO_EDGE, Some(Gap::WrapMirrorClampToEdge)),
        wrap::MIRROR_CLAMP_TO_BORDER => (GL_MIRROR_CLAMP_TO_BORDER_EXT, Some(Gap::WrapMirrorClamp)),
        _ => return Err(bad("wrap mode", w.into())),
    })
}

/// The GL min filter for an image filter and a mip filter.
pub fn min_filter(img: u8, mip: u8) -> Result<u32> {
    let linear = match img {
        filter::NEAREST => false,
        filter::LINEAR => true,
        _ => return Err(bad("min filter", img.into())),
    };
    Ok(match (mip, linear) {
        (mipfilter::NONE, false) => gl::NEAREST,
        (mipfilter::NONE, true) => gl::LINEAR,
        (mipfilter::NEAREST, false) => gl::NEAREST_MIPMAP_NEAREST,
        (mipfilter::NEAREST, true) => gl::LINEAR_MIPMAP_NEAREST,
        (mipfilter::LINEAR, false) => gl::NEAREST_MIPMAP_LINEAR,
        (mipfilter::LINEAR, true) => gl::LINEAR_MIPMAP_LINEAR,
        _ => return Err(bad("mip filter", mip.into())),
    })
}

/// The GL mag filter.
pub fn mag_filter(img: u8) -> Result<u32> {
    match img {
        filter::NEAREST => Ok(gl::NEAREST),
        filter::LINEAR => Ok(gl::LINEAR),
        _ => Err(bad("mag filter", img.into())),
    }
}

/// A SAMPLER_STATE object. The compare function is mapped even while comparison is off.
pub fn sampler_state(s: &SamplerState) -> Result<SamplerStateGl> {
    let mut gaps = Gaps::NONE;
    let mut wraps = [0; 3];
    for (out, w) in wraps.iter_mut().zip([s.wrap_s, s.wrap_t, s.wrap_r]) {
        let (mode, gap) = wrap_mode(w)?;
        *out = mode;
        if let Some(g) = gap {
            gaps.add(g);
        }
    }
    // Gallium: 0 and 1 both mean no anisotropic filtering.
    let max_anisotropy = f32::from(s.max_anisotropy.max(1));
    if max_anisotropy > 1.0 {
        gaps.add(Gap::Anisotropy);
    }
    Ok(SamplerStateGl {
        wrap: wraps,
        min_filter: min_filter(s.min_img_filter, s.min_mip_filter)?,
        mag_filter: mag_filter(s.mag_img_filter)?,
        lod_bias: s.lod_bias,
        min_lod: s.min_lod,
        max_lod: s.max_lod,
        compare_mode: if s.compare_mode { gl::COMPARE_REF_TO_TEXTURE } else { gl::NONE },
        compare_func: gl_compare_func(s.compare_func)?,
        seamless_cube_map: s.seamless_cube_map,
        max_anisotropy,
        border_color: s.border_color,
        gaps,
    })
}

/// A SAMPLER_VIEW in GL terms (a texture view, or a buffer texture's range).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SamplerViewGl {
    /// `GL_TEXTURE_2D`, `GL_TEXTURE_BUFFER`, `GL_TEXTURE_2D_MULTISAMPLE`, …
    pub target: u32,
    /// The view's format (virgl number) and its table entry.
    pub format: &'static FormatInfo,
    /// `GL_TEXTURE_SWIZZLE_RGBA`: the view's swizzle applied on top of the format's
    /// storage swizzle (`GL_RED` … `GL_ALPHA`, `GL_ZERO`, `GL_ONE`).
    pub swizzle: [u32; 4],
    /// `GL_TEXTURE_BASE_LEVEL` / `GL_TEXTURE_MAX_LEVEL` (0 for buffers).
    pub base_level: u32,
    pub max_level: u32,
    /// First and last layer (array, cube and 3-D targets; 0 otherwise).
    pub first_layer: u32,
    pub last_layer: u32,
    /// Buffers: byte offset and size of the range (`glTexBufferRange`).
    pub buffer_range: Option<(u64, u64)>,
    /// A stencil view of depth/stencil storage (X24S8_UINT …; [`format::stencil_view_of`]):
    /// sampled with `GL_DEPTH_STENCIL_TEXTURE_MODE` = `GL_STENCIL_INDEX`, `format` is the
    /// storage's.
    pub stencil: bool,
    pub gaps: Gaps,
}

/// The GL texture target of a gallium target (`samples` > 1: the multisample targets).
pub fn texture_target(t: Target, samples: u32) -> Result<(u32, Option<Gap>)> {
    let ms = samples > 1;
    Ok(match (t, ms) {
        (Target::Buffer, false) => (gl::TEXTURE_BUFFER, None),
        (Target::Tex1D, false) => (gl::TEXTURE_1D, None),
        (Target::Tex2D, false) => (gl::TEXTURE_2D, None),
        (Target::Tex2D, true) => (gl::TEXTURE_2D_MULTISAMPLE, None),
        (Target::Tex3D, false) => (gl::TEXTURE_3D, None),
        (Target::Cube, false) => (gl::TEXTURE_CUBE_MAP, None),
        (Target::Rect, false) => (gl::TEXTURE_RECTANGLE, None),
        (Target::Tex1DArray, false) => (gl::TEXTURE_1D_ARRAY, None),
        (Target::Tex2DArray, false) => (gl::TEXTURE_2D_ARRAY, None),
        (Target::Tex2DArray, true) => (gl::TEXTURE_2D_MULTISAMPLE_ARRAY, None),
        (Target::CubeArray, false) => (gl::TEXTURE_CUBE_MAP_ARRAY, Some(Gap::CubeMapArray)),
        (t, true) => return Err(Error::inval(format!("gl_state: {t:?} cannot be multisampled"))),
    })
}

/// A `PIPE_SWIZZLE_*` through the format's storage swizzle (`None`: identity).
pub fn compose_swizzle(view: u8, storage: Option<[u32; 4]>) -> Result<u32> {
    let id = [gl::RED, gl::GREEN, gl::BLUE, gl::ALPHA];
    let s = storage.unwrap_or(id);
    Ok(match view {
        sw::RED | sw::GREEN | sw::BLUE | sw::ALPHA => s[view as usize],
        sw::ZERO => gl::ZERO,
        sw::ONE => gl::ONE,
        _ => return Err(bad("swizzle", view.into())),
    })
}

/// A SAMPLER_VIEW of a resource with gallium target `res_target` and `res_samples`
/// samples. The view's own target wins when it sends one (non-zero); a format without
/// GL storage, a swizzle past ONE, or first > last (layers, levels, elements) is EINVAL.
pub fn sampler_view(
    v: &SamplerView,
    res_target: Target,
    res_samples: u32,
) -> Result<SamplerViewGl> {
    let target = if v.target == 0 {
        res_target
    } else {
        Target::from_u32(v.target.into()).ok_or_else(|| bad("view target", v.target.into()))?
    };
    let (gl_target, gap) = texture_target(target, res_samples)?;
    // A stencil view reads its depth/stencil storage's stencil (identity swizzle).
    let stencil_of = format::stencil_view_of(v.format);
    let fmt = format::lookup(stencil_of.unwrap_or(v.format))
        .ok_or_else(|| bad("view format", v.format))?;
    let storage = fmt
        .gl
        .ok_or_else(|| Error::inval(format!("gl_state: format {} has no GL storage", fmt.name)))?;
    let mut swizzle = [0; 4];
    for (out, s) in swizzle.iter_mut().zip(v.swizzle) {
        *out = compose_swizzle(s, storage.swizzle)?;
    }
    let mut out = SamplerViewGl {
        target: gl_target,
        format: fmt,
        swizzle,
        base_level: 0,
        max_level: 0,
        first_layer: 0,
        last_layer: 0,
        buffer_range: None,
        stencil: stencil_of.is_some(),
        gaps: gap.map(Gaps::from).unwrap_or_default(),
    };
    if target == Target::Buffer {
        if out.stencil {
            return Err(Error::inval("gl_state: a stencil view of a buffer"));
        }
        let (first, last) = (v.first_element(), v.last_element());
        if first > last {
            return Err(Error::inval(format!("gl_state: buffer view elements {first} > {last}")));
        }
        let bytes = u64::from(fmt.block_bytes);
        out.buffer_range = Some((u64::from(first) * bytes, (u64::from(last - first) + 1) * bytes));
        return Ok(out);
    }
    let (fl, ll) = (v.first_level(), v.last_level());
    let (fa, la) = (v.first_layer(), v.last_layer());
    if fl > ll || fa > la {
        return Err(Error::inval(format!(
            "gl_state: view levels {fl}..={ll}, layers {fa}..={la}: first past last"
        )));
    }
    (out.base_level, out.max_level) = (fl, ll);
    (out.first_layer, out.last_layer) = (fa, la);
    Ok(out)
}
