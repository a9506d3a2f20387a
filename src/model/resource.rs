//! Resources: validated descriptions (upstream's `check_resource_valid`), guest backing and
//! the per-resource state the renderer keeps. Backend-independent bookkeeping only.

use crate::error::{Error, Result};
use crate::model::format::{self, FormatInfo, FormatSet};
use crate::sys::iov::IovList;

/// The largest resources a backend can hold (GL: the driver's real limits); validation and
/// the capsets use them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MaxSizes {
    pub max_texture_2d: u32,
    pub max_texture_3d: u32,
    pub max_cube: u32,
    pub max_array_layers: u32,
    pub max_samples: u32,
    pub max_buffer: u64,
    /// What the host could draw with (GL: the context's limits; all zero where nothing is
    /// drawn). The capsets cap these at what the executor supports.
    pub draw: DrawLimits,
    /// Formats the table calls renderable that the host refused as a render target (its
    /// framebuffer was incomplete at init): the capsets leave them out. Empty where nothing
    /// was probed.
    pub unrenderable: FormatSet,
    /// [`FormatInfo::render_candidate`] formats the host rendered to at init (a complete
    /// framebuffer): level 2 claims them as render targets.
    pub render_extra: FormatSet,
    /// Renderable formats (colour and depth/stencil) and render candidates that the host
    /// cannot render to with `max_samples` samples (its multisample storage or framebuffer
    /// failed at init): the capsets leave them out of `supported_multisample_formats`.
    /// Empty where nothing was probed.
    pub no_multisample: FormatSet,
    /// The host is an OpenGL ES context (`VIRGL_RENDERER_USE_GLES`): the capsets serve the
    /// level-1 contents at most and claim what ES gives (see `backend::gl::gles`).
    pub gles: bool,
    /// Formats with GL storage in the table that the host cannot store or upload (ES:
    /// probed at init): refused at creation and left out of every capset mask.
    pub unstored: FormatSet,
    /// Formats the host cannot read back (ES: no glGetTexImage, so ReadPixels only): left
    /// out of the readback mask; a readback of one fails.
    pub no_readback: FormatSet,
    /// The host's sample positions, packed as the v2 capset's `sample_locations`
    /// ([`crate::model::caps::level2::set_sample_location`]); zero where nothing was probed.
    pub sample_locations: [u32; 8],
}

impl Default for MaxSizes {
    fn default() -> Self {
        MaxSizes {
            max_texture_2d: 16384,
            max_texture_3d: 2048,
            max_cube: 16384,
            max_array_layers: 2048,
            max_samples: 1,
            max_buffer: u32::MAX as u64,
            draw: DrawLimits::default(),
            unrenderable: FormatSet::default(),
            render_extra: FormatSet::default(),
            no_multisample: FormatSet::default(),
            gles: false,
            unstored: FormatSet::default(),
            no_readback: FormatSet::default(),
            sample_locations: [0; 8],
        }
    }
}

/// The host's drawing limits, as its GL context reports them (`glGetIntegerv` /
/// `glGetFloatv` names in the field docs). The default (every count zero, every range
/// empty) is a host that draws nothing — the CPU backend's — and makes the capsets claim no
/// 3D at all.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DrawLimits {
    /// min(`GL_MAX_DRAW_BUFFERS`, `GL_MAX_COLOR_ATTACHMENTS`).
    pub max_draw_buffers: u32,
    /// `GL_MAX_VERTEX_ATTRIBS`.
    pub max_vertex_attribs: u32,
    /// `GL_MAX_VERTEX_TEXTURE_IMAGE_UNITS`.
    pub max_vertex_texture_units: u32,
    /// `GL_MAX_TEXTURE_IMAGE_UNITS` (fragment stage).
    pub max_fragment_texture_units: u32,
    /// `GL_MAX_COMBINED_TEXTURE_IMAGE_UNITS`.
    pub max_combined_texture_units: u32,
    /// `GL_MAX_VERTEX_UNIFORM_COMPONENTS` (floats).
    pub max_vertex_uniform_components: u32,
    /// `GL_MAX_FRAGMENT_UNIFORM_COMPONENTS` (floats).
    pub max_fragment_uniform_components: u32,
    /// `GL_MAX_VERTEX_OUTPUT_COMPONENTS` (floats).
    pub max_vertex_output_components: u32,
    /// `GL_MAX_FRAGMENT_INPUT_COMPONENTS` (floats).
    pub max_fragment_input_components: u32,
    /// `GL_POINT_SIZE_RANGE` (min, max).
    pub point_size_range: [f32; 2],
    /// `GL_ALIASED_LINE_WIDTH_RANGE` (min, max).
    pub line_width_range: [f32; 2],
    /// `GL_SMOOTH_LINE_WIDTH_RANGE` (min, max); [1, 1] on OpenGL ES (no smooth lines).
    pub smooth_line_width_range: [f32; 2],
    /// `GL_MAX_TEXTURE_LOD_BIAS`.
    pub max_texture_lod_bias: f32,
    /// `GL_MIN_PROGRAM_TEXEL_OFFSET`.
    pub min_texel_offset: i32,
    /// `GL_MAX_PROGRAM_TEXEL_OFFSET`.
    pub max_texel_offset: i32,
    /// `GL_UNIFORM_BUFFER_OFFSET_ALIGNMENT` (bytes, a power of two).
    pub ubo_offset_alignment: u32,
    /// `GL_MAX_PATCH_VERTICES`: 0 where the context has no tessellation (GL 4.0 /
    /// GL_ARB_tessellation_shader).
    pub max_patch_vertices: u32,
    /// Cube-map array textures and `samplerCubeArray` (GL 4.0 /
    /// GL_ARB_texture_cube_map_array).
    pub cube_map_array: bool,
    /// Stencil sampled from depth/stencil textures (`GL_DEPTH_STENCIL_TEXTURE_MODE`, GL 4.3 /
    /// GL_ARB_stencil_texturing) and from stencil-only textures (GL 4.4 /
    /// GL_ARB_texture_stencil8): the guest gets both extensions together.
    pub stencil_texturing: bool,
    /// `gl_FragStencilRefARB` (GL_ARB_shader_stencil_export; in no core version).
    pub stencil_export: bool,
    /// `textureGather` (GL 4.0 / GL_ARB_texture_gather): the four texels a bilinear lookup
    /// reads; 0 where the context has none, else
    /// `(GL_MIN_PROGRAM_TEXTURE_GATHER_OFFSET, GL_MAX_PROGRAM_TEXTURE_GATHER_OFFSET)` of
    /// `textureGatherOffset`.
    pub texture_gather: Option<(i32, i32)>,
}

impl DrawLimits {
    /// The least every desktop GL 3.3 core context has (the GL 3.3 specification's
    /// minimum values): what a capset filled before the backend exists may claim.
    pub const GL33_MINIMUM: DrawLimits = DrawLimits {
        max_draw_buffers: 8,
        max_vertex_attribs: 16,
        max_vertex_texture_units: 16,
        max_fragment_texture_units: 16,
        max_combined_texture_units: 48,
        max_vertex_uniform_components: 1024,
        max_fragment_uniform_components: 1024,
        max_vertex_output_components: 64,
        max_fragment_input_components: 128,
        point_size_range: [1.0, 1.0],
        line_width_range: [1.0, 1.0],
        smooth_line_width_range: [1.0, 1.0],
        max_texture_lod_bias: 2.0,
        min_texel_offset: -8,
        max_texel_offset: 7,
        ubo_offset_alignment: 256,
        max_patch_vertices: 0,
        cube_map_array: false,
        stencil_texturing: false,
        stencil_export: false,
        texture_gather: None,
    };
}

/// What the guest (or the VMM) asks to create: the fields of the C
/// `virgl_renderer_resource_create_args`, converted by `ffi/` at the boundary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CreateArgs {
    pub handle: u32,
    pub target: u32,
    pub format: u32,
    pub bind: u32,
    pub width: u32,
    pub height: u32,
    pub depth: u32,
    pub array_size: u32,
    pub last_level: u32,
    pub nr_samples: u32,
    pub flags: u32,
}

/// `enum pipe_texture_target`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Target {
    Buffer = 0,
    Tex1D = 1,
    Tex2D = 2,
    Tex3D = 3,
    Cube = 4,
    Rect = 5,
    Tex1DArray = 6,
    Tex2DArray = 7,
    CubeArray = 8,
}

impl Target {
    pub fn from_u32(v: u32) -> Option<Target> {
        Some(match v {
            0 => Target::Buffer,
            1 => Target::Tex1D,
            2 => Target::Tex2D,
            3 => Target::Tex3D,
            4 => Target::Cube,
            5 => Target::Rect,
            6 => Target::Tex1DArray,
            7 => Target::Tex2DArray,
            8 => Target::CubeArray,
            _ => return None,
        })
    }
}

/// `VIRGL_BIND_*` bits (virgl_hw.h).
pub mod bind {
    pub const DEPTH_STENCIL: u32 = 1 << 0;
    pub const RENDER_TARGET: u32 = 1 << 1;
    pub const SAMPLER_VIEW: u32 = 1 << 3;
    pub const VERTEX_BUFFER: u32 = 1 << 4;
    pub const INDEX_BUFFER: u32 = 1 << 5;
    pub const CONSTANT_BUFFER: u32 = 1 << 6;
    pub const DISPLAY_TARGET: u32 = 1 << 7;
    pub const COMMAND_ARGS: u32 = 1 << 8;
    pub const STREAM_OUTPUT: u32 = 1 << 11;
    pub const SHADER_BUFFER: u32 = 1 << 14;
    pub const QUERY_BUFFER: u32 = 1 << 15;
    pub const CURSOR: u32 = 1 << 16;
    pub const CUSTOM: u32 = 1 << 17;
    pub const SCANOUT: u32 = 1 << 18;
    pub const STAGING: u32 = 1 << 19;
    pub const SHARED: u32 = 1 << 20;
    pub const LINEAR: u32 = 1 << 22;
}

/// `VIRGL_RESOURCE_*` flags.
pub mod flags {
    pub const Y_0_TOP: u32 = 1 << 0;
    pub const MAP_PERSISTENT: u32 = 1 << 1;
    pub const MAP_COHERENT: u32 = 1 << 2;
    /// virgl-shim: `VIRGL_RENDERER_RESOURCE_FLAG_ZEROCOPY` (the C header's value; a test in
    /// `ffi/` checks they agree).
    pub const ZEROCOPY: u32 = 1 << 8;
}

/// Validated [`CreateArgs`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResourceDesc {
    pub handle: u32,
    pub target: Target,
    /// The format as created (reported by get_info).
    pub format: &'static FormatInfo,
    pub bind: u32,
    pub width: u32,
    pub height: u32,
    pub depth: u32,
    /// Layers of array and cube targets (6 per cube); 1 otherwise.
    pub array_size: u32,
    pub last_level: u32,
    pub nr_samples: u32,
    pub flags: u32,
}

impl ResourceDesc {
    /// The format transfers use: buffers are byte arrays whatever format the guest named.
    pub fn texel_format(&self) -> &'static FormatInfo {
        if self.target == Target::Buffer {
            format::lookup(format::R8_UNORM).expect("R8_UNORM is in the table")
        } else {
            self.format
        }
    }

    /// Validates create arguments with upstream's rules (all failures `EINVAL`); `limits`
    /// are the backend's real maximum sizes.
    pub fn validate(a: &CreateArgs, limits: &MaxSizes) -> Result<Self> {
        let inval = |m: String| Err(Error::inval(m));
        let Some(target) = Target::from_u32(a.target) else {
            return inval(format!("target {} is not a pipe texture target", a.target));
        };
        if a.format >= format::VIRGL_FORMAT_MAX {
            return inval(format!("format {} out of range", a.format));
        }
        let Some(fmt) = format::lookup(a.format) else {
            return inval(format!("format {} is not supported", a.format));
        };
        let known = flags::Y_0_TOP | flags::MAP_PERSISTENT | flags::MAP_COHERENT | flags::ZEROCOPY;
        if a.flags & !known != 0 {
            return inval(format!("unknown flags {:#x}", a.flags & !known));
        }
        if a.flags & flags::Y_0_TOP != 0 && !matches!(target, Target::Tex2D | Target::Rect) {
            return inval("Y_0_TOP is only valid on 2D and RECT targets".into());
        }
        let mut array_size = a.array_size;
        match target {
            Target::Cube if a.array_size != 6 => {
                return inval(format!("cube needs array_size 6, not {}", a.array_size))
            }
            Target::CubeArray if a.array_size == 0 || a.array_size % 6 != 0 => {
                return inval(format!(
                    "cube array needs a multiple of 6 layers, not {}",
                    a.array_size
                ))
            }
            Target::Tex1DArray | Target::Tex2DArray if a.array_size == 0 => {
                return inval("array_size 0 on an array target".into())
            }
            Target::Cube | Target::CubeArray | Target::Tex1DArray | Target::Tex2DArray => {}
            _ if a.array_size > 1 => {
                return inval(format!("array_size {} on a non-array target", a.array_size))
            }
            _ => array_size = 1,
        }
        if a.nr_samples > 1 {
            if fmt.is_compressed() {
                return inval(format!("format {} cannot be multisampled", fmt.name));
            }
            if !matches!(target, Target::Tex2D | Target::Tex2DArray) {
                return inval("only 2D and 2D array textures can be multisampled".into());
            }
            if a.last_level > 0 {
                return inval("multisample textures cannot have mip levels".into());
            }
            if a.nr_samples > limits.max_samples {
                return inval(format!("{} samples > {}", a.nr_samples, limits.max_samples));
            }
        }
        if a.last_level > 0 {
            if matches!(target, Target::Buffer | Target::Rect) {
                return inval("buffers and RECT textures cannot have mip levels".into());
            }
            // GL allows log2(max dimension) + 1 levels; more cannot be stored.
            let max_dim =
                a.width.max(a.height).max(if target == Target::Tex3D { a.depth } else { 1 });
            let max_level = 31 - max_dim.max(1).leading_zeros();
            if a.last_level > max_level {
                return inval(format!(
                    "last_level {} > {max_level} for {max_dim} texels",
                    a.last_level
                ));
            }
        }
        const BUFFER_BINDS: [u32; 10] = [
            0,
            bind::CUSTOM,
            bind::STAGING,
            bind::INDEX_BUFFER,
            bind::STREAM_OUTPUT,
            bind::VERTEX_BUFFER,
            bind::CONSTANT_BUFFER,
            bind::QUERY_BUFFER,
            bind::COMMAND_ARGS,
            bind::SHADER_BUFFER,
        ];
        if BUFFER_BINDS.contains(&a.bind) {
            if target != Target::Buffer {
                return inval(format!("buffer bind {:#x} needs the buffer target", a.bind));
            }
            if a.height != 1 || a.depth != 1 {
                return inval(format!("buffer with height {} depth {}", a.height, a.depth));
            }
        } else {
            let tex_binds = bind::SAMPLER_VIEW
                | bind::DEPTH_STENCIL
                | bind::RENDER_TARGET
                | bind::CURSOR
                | bind::SHARED
                | bind::LINEAR;
            if a.bind & tex_binds == 0 {
                return inval(format!("invalid texture bind flags {:#x}", a.bind));
            }
            if target != Target::Buffer && a.width == 0 {
                return inval("texture width 0".into());
            }
            let max2d = limits.max_texture_2d;
            match target {
                Target::Tex2D
                | Target::Rect
                | Target::Cube
                | Target::Tex2DArray
                | Target::CubeArray => {
                    if a.depth != 1 {
                        return inval(format!("depth {} on a 2D target", a.depth));
                    }
                    if a.height == 0 {
                        return inval("texture height 0".into());
                    }
                    if a.width > max2d || a.height > max2d {
                        return inval(format!(
                            "{}x{} > max texture size {max2d}",
                            a.width, a.height
                        ));
                    }
                }
                Target::Tex1D | Target::Tex1DArray => {
                    if a.height != 1 || a.depth != 1 {
                        return inval(format!(
                            "1D texture with height {} depth {}",
                            a.height, a.depth
                        ));
                    }
                    if a.width > max2d {
                        return inval(format!("width {} > max texture size {max2d}", a.width));
                    }
                }
                Target::Tex3D => {
                    let m = limits.max_texture_3d;
                    if a.height == 0 || a.depth == 0 {
                        return inval("3D texture with zero height or depth".into());
                    }
                    if a.width > m || a.height > m || a.depth > m {
                        return inval(format!(
                            "{}x{}x{} > max 3D size {m}",
                            a.width, a.height, a.depth
                        ));
                    }
                }
                Target::Buffer => {
                    if a.height != 1 || a.depth != 1 {
                        return inval(format!("buffer with height {} depth {}", a.height, a.depth));
                    }
                }
            }
            if matches!(target, Target::Cube | Target::CubeArray) {
                if a.width != a.height {
                    return inval(format!("cube {}x{} is not square", a.width, a.height));
                }
                if a.width > limits.max_cube {
                    return inval(format!("cube size {} > {}", a.width, limits.max_cube));
                }
            }
            if array_size > limits.max_array_layers {
                return inval(format!("{array_size} layers > {}", limits.max_array_layers));
            }
        }
        if target == Target::Buffer && a.width as u64 > limits.max_buffer {
            return inval(format!("buffer of {} bytes > {}", a.width, limits.max_buffer));
        }
        Ok(ResourceDesc {
            handle: a.handle,
            target,
            format: fmt,
            bind: a.bind,
            width: a.width,
            height: a.height,
            depth: a.depth,
            array_size,
            last_level: a.last_level,
            nr_samples: a.nr_samples,
            flags: a.flags,
        })
    }
}

/// Guest memory attached to a resource: the VMM's iovec array pointer and count (handed back
/// verbatim by detach) and our checked copy of its entries.
#[derive(Clone)]
pub struct Backing {
    /// The caller's `struct iovec *`, as an address (never dereferenced after attach).
    pub raw_iov: usize,
    pub raw_count: i32,
    pub iovs: IovList,
}
