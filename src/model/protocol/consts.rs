//! Numbers of the virgl protocol (upstream's `virgl_protocol.h`, virglrenderer 1.2) and the
//! gallium limits the decoder checks against. Facts only; no behaviour lives here.
//!
//! Field positions are given as **payload** indices: 0 is the first dword after the command
//! header (upstream numbers the same fields from 1, counting the header as 0).

/// `enum virgl_context_cmd`: the command byte of a header.
pub mod ccmd {
    pub const NOP: u8 = 0;
    pub const CREATE_OBJECT: u8 = 1;
    pub const BIND_OBJECT: u8 = 2;
    pub const DESTROY_OBJECT: u8 = 3;
    pub const SET_VIEWPORT_STATE: u8 = 4;
    pub const SET_FRAMEBUFFER_STATE: u8 = 5;
    pub const SET_VERTEX_BUFFERS: u8 = 6;
    pub const CLEAR: u8 = 7;
    pub const DRAW_VBO: u8 = 8;
    pub const RESOURCE_INLINE_WRITE: u8 = 9;
    pub const SET_SAMPLER_VIEWS: u8 = 10;
    pub const SET_INDEX_BUFFER: u8 = 11;
    pub const SET_CONSTANT_BUFFER: u8 = 12;
    pub const SET_STENCIL_REF: u8 = 13;
    pub const SET_BLEND_COLOR: u8 = 14;
    pub const SET_SCISSOR_STATE: u8 = 15;
    pub const BLIT: u8 = 16;
    pub const RESOURCE_COPY_REGION: u8 = 17;
    pub const BIND_SAMPLER_STATES: u8 = 18;
    pub const BEGIN_QUERY: u8 = 19;
    pub const END_QUERY: u8 = 20;
    pub const GET_QUERY_RESULT: u8 = 21;
    pub const SET_POLYGON_STIPPLE: u8 = 22;
    pub const SET_CLIP_STATE: u8 = 23;
    pub const SET_SAMPLE_MASK: u8 = 24;
    pub const SET_STREAMOUT_TARGETS: u8 = 25;
    pub const SET_RENDER_CONDITION: u8 = 26;
    pub const SET_UNIFORM_BUFFER: u8 = 27;
    pub const SET_SUB_CTX: u8 = 28;
    pub const CREATE_SUB_CTX: u8 = 29;
    pub const DESTROY_SUB_CTX: u8 = 30;
    pub const BIND_SHADER: u8 = 31;
    pub const SET_TESS_STATE: u8 = 32;
    pub const SET_MIN_SAMPLES: u8 = 33;
    pub const SET_SHADER_BUFFERS: u8 = 34;
    pub const SET_SHADER_IMAGES: u8 = 35;
    pub const MEMORY_BARRIER: u8 = 36;
    pub const LAUNCH_GRID: u8 = 37;
    pub const SET_FRAMEBUFFER_STATE_NO_ATTACH: u8 = 38;
    pub const TEXTURE_BARRIER: u8 = 39;
    pub const SET_ATOMIC_BUFFERS: u8 = 40;
    pub const SET_DEBUG_FLAGS: u8 = 41;
    pub const GET_QUERY_RESULT_QBO: u8 = 42;
    pub const TRANSFER3D: u8 = 43;
    pub const END_TRANSFERS: u8 = 44;
    pub const COPY_TRANSFER3D: u8 = 45;
    pub const SET_TWEAKS: u8 = 46;
    pub const CLEAR_TEXTURE: u8 = 47;
    pub const PIPE_RESOURCE_CREATE: u8 = 48;
    pub const PIPE_RESOURCE_SET_TYPE: u8 = 49;
    pub const GET_MEMORY_INFO: u8 = 50;
    pub const SEND_STRING_MARKER: u8 = 51;
    pub const LINK_SHADER: u8 = 52;
    pub const CREATE_VIDEO_CODEC: u8 = 53;
    pub const DESTROY_VIDEO_CODEC: u8 = 54;
    pub const CREATE_VIDEO_BUFFER: u8 = 55;
    pub const DESTROY_VIDEO_BUFFER: u8 = 56;
    pub const BEGIN_FRAME: u8 = 57;
    pub const DECODE_MACROBLOCK: u8 = 58;
    pub const DECODE_BITSTREAM: u8 = 59;
    pub const ENCODE_BITSTREAM: u8 = 60;
    pub const END_FRAME: u8 = 61;
    pub const CLEAR_SURFACE: u8 = 62;
    /// `VIRGL_MAX_COMMANDS` of upstream 1.2: a command byte at or above is rejected with
    /// EINVAL before anything else is looked at. (Later trees number 63 too: upstream main
    /// SET_FRAMEBUFFER_STATE_VIEWS, Mesa GET_PIPE_RESOURCE_LAYOUT; 1.2 does not know it.)
    pub const COUNT: u8 = 63;
}

/// Name of a command byte for log lines (`"?"` past [`ccmd::COUNT`]).
pub fn command_name(cmd: u8) -> &'static str {
    const NAMES: [&str; ccmd::COUNT as usize] = [
        "NOP",
        "CREATE_OBJECT",
        "BIND_OBJECT",
        "DESTROY_OBJECT",
        "SET_VIEWPORT_STATE",
        "SET_FRAMEBUFFER_STATE",
        "SET_VERTEX_BUFFERS",
        "CLEAR",
        "DRAW_VBO",
        "RESOURCE_INLINE_WRITE",
        "SET_SAMPLER_VIEWS",
        "SET_INDEX_BUFFER",
        "SET_CONSTANT_BUFFER",
        "SET_STENCIL_REF",
        "SET_BLEND_COLOR",
        "SET_SCISSOR_STATE",
        "BLIT",
        "RESOURCE_COPY_REGION",
        "BIND_SAMPLER_STATES",
        "BEGIN_QUERY",
        "END_QUERY",
        "GET_QUERY_RESULT",
        "SET_POLYGON_STIPPLE",
        "SET_CLIP_STATE",
        "SET_SAMPLE_MASK",
        "SET_STREAMOUT_TARGETS",
        "SET_RENDER_CONDITION",
        "SET_UNIFORM_BUFFER",
        "SET_SUB_CTX",
        "CREATE_SUB_CTX",
        "DESTROY_SUB_CTX",
        "BIND_SHADER",
        "SET_TESS_STATE",
        "SET_MIN_SAMPLES",
        "SET_SHADER_BUFFERS",
        "SET_SHADER_IMAGES",
        "MEMORY_BARRIER",
        "LAUNCH_GRID",
        "SET_FRAMEBUFFER_STATE_NO_ATTACH",
        "TEXTURE_BARRIER",
        "SET_ATOMIC_BUFFERS",
        "SET_DEBUG_FLAGS",
        "GET_QUERY_RESULT_QBO",
        "TRANSFER3D",
        "END_TRANSFERS",
        "COPY_TRANSFER3D",
        "SET_TWEAKS",
        "CLEAR_TEXTURE",
        "PIPE_RESOURCE_CREATE",
        "PIPE_RESOURCE_SET_TYPE",
        "GET_MEMORY_INFO",
        "SEND_STRING_MARKER",
        "LINK_SHADER",
        "CREATE_VIDEO_CODEC",
        "DESTROY_VIDEO_CODEC",
        "CREATE_VIDEO_BUFFER",
        "DESTROY_VIDEO_BUFFER",
        "BEGIN_FRAME",
        "DECODE_MACROBLOCK",
        "DECODE_BITSTREAM",
        "ENCODE_BITSTREAM",
        "END_FRAME",
        "CLEAR_SURFACE",
    ];
    NAMES.get(cmd as usize).copied().unwrap_or("?")
}

/// `enum virgl_object_type`: the object byte of CREATE/BIND/DESTROY_OBJECT headers.
pub mod object {
    pub const NULL: u8 = 0;
    pub const BLEND: u8 = 1;
    pub const RASTERIZER: u8 = 2;
    pub const DSA: u8 = 3;
    pub const SHADER: u8 = 4;
    pub const VERTEX_ELEMENTS: u8 = 5;
    pub const SAMPLER_VIEW: u8 = 6;
    pub const SAMPLER_STATE: u8 = 7;
    pub const SURFACE: u8 = 8;
    pub const QUERY: u8 = 9;
    pub const STREAMOUT_TARGET: u8 = 10;
    pub const MSAA_SURFACE: u8 = 11;
    /// `VIRGL_MAX_OBJECTS`.
    pub const COUNT: u8 = 12;
}

/// Upstream's `VIRGL_ERROR_CTX_*`: what a context records as its last error.
pub mod ctx_error {
    pub const NONE: u32 = 0;
    pub const UNKNOWN: u32 = 1;
    pub const ILLEGAL_SHADER: u32 = 2;
    pub const ILLEGAL_HANDLE: u32 = 3;
    pub const ILLEGAL_RESOURCE: u32 = 4;
    pub const ILLEGAL_SURFACE: u32 = 5;
    pub const ILLEGAL_VERTEX_FORMAT: u32 = 6;
    pub const ILLEGAL_CMD_BUFFER: u32 = 7;
    pub const ILLEGAL_FORMAT: u32 = 10;
    pub const ILLEGAL_SAMPLER_VIEW_TARGET: u32 = 11;
    pub const UNSUPPORTED_FUNCTION: u32 = 14;
}

/// Gallium limits (`p_state.h` of upstream's gallium copy) the decoder checks.
pub mod limits {
    /// `PIPE_SHADER_TYPES`: vertex, fragment, geometry, tess ctrl, tess eval, compute.
    pub const SHADER_TYPES: u32 = 6;
    /// `PIPE_MAX_VIEWPORTS` (viewports and scissors).
    pub const VIEWPORTS: u32 = 16;
    /// `PIPE_MAX_ATTRIBS` (vertex elements, vertex buffers, a vertex element's buffer index).
    pub const ATTRIBS: u32 = 32;
    /// `PIPE_MAX_SHADER_SAMPLER_VIEWS`, per stage.
    pub const SAMPLER_VIEWS: u32 = 128;
    /// `PIPE_MAX_SAMPLERS`, per stage.
    pub const SAMPLERS: u32 = 32;
    /// `PIPE_MAX_CONSTANT_BUFFERS`, per stage (uniform buffer index).
    pub const CONSTANT_BUFFERS: u32 = 32;
    /// `PIPE_MAX_COLOR_BUFS` / `VIRGL_MAX_COLOR_BUFS`.
    pub const COLOR_BUFS: u32 = 8;
    /// `PIPE_MAX_CLIP_PLANES`.
    pub const CLIP_PLANES: usize = 8;
    /// `PIPE_MAX_SO_OUTPUTS`: stream-output entries of one shader.
    pub const SO_OUTPUTS: u32 = 64;
    /// `PIPE_MAX_SO_BUFFERS`.
    pub const SO_BUFFERS: usize = 4;
    /// Streamout target handles SET_STREAMOUT_TARGETS takes.
    pub const STREAMOUT_TARGETS: u32 = 16;
    /// `PIPE_MAX_TEXTURE_TYPES`: sampler-view targets (buffer … cube array).
    pub const TEXTURE_TYPES: u32 = 9;
    /// `VIRGL_FORMAT_MAX` of upstream 1.2 (kept equal to `crate::model::format::VIRGL_FORMAT_MAX`;
    /// this module imports nothing but `crate::error`).
    pub const FORMAT_MAX: u32 = 481;
}

/// `enum pipe_shader_type` numbers.
pub mod shader {
    pub const VERTEX: u32 = 0;
    pub const FRAGMENT: u32 = 1;
    pub const GEOMETRY: u32 = 2;
    pub const TESS_CTRL: u32 = 3;
    pub const TESS_EVAL: u32 = 4;
    pub const COMPUTE: u32 = 5;
}

/// Payload sizes (dwords after the header) and field positions (payload indices).
pub mod layout {
    /// CREATE_OBJECT: the new object's handle comes first for every object type.
    pub const CREATE_HANDLE: usize = 0;

    /// BLEND: handle, S0, S1, then one S2 word per colour buffer.
    pub const BLEND_SIZE: usize = 11;
    pub const BLEND_S0: usize = 1;
    pub const BLEND_S1: usize = 2;
    pub const BLEND_S2: usize = 3;

    /// DSA: handle, S0 (depth/alpha), S1/S2 (front/back stencil), alpha ref (f32).
    pub const DSA_SIZE: usize = 5;
    pub const DSA_S0: usize = 1;
    pub const DSA_S1: usize = 2;
    pub const DSA_ALPHA_REF: usize = 4;

    /// RASTERIZER: handle, S0, point size, sprite coord enable, S3, line width, offset
    /// units, offset scale, offset clamp.
    pub const RS_SIZE: usize = 9;
    pub const RS_S0: usize = 1;
    pub const RS_POINT_SIZE: usize = 2;
    pub const RS_SPRITE_COORD_ENABLE: usize = 3;
    pub const RS_S3: usize = 4;
    pub const RS_LINE_WIDTH: usize = 5;
    pub const RS_OFFSET_UNITS: usize = 6;
    pub const RS_OFFSET_SCALE: usize = 7;
    pub const RS_OFFSET_CLAMP: usize = 8;

    /// SHADER: handle, type, offset/length (+ continuation bit), num tokens, stream-output
    /// count (compute: requested local memory), [4 strides, 2 words per output], text.
    pub const SHADER_MIN_SIZE: usize = 5;
    pub const SHADER_TYPE: usize = 1;
    pub const SHADER_OFFSET: usize = 2;
    pub const SHADER_NUM_TOKENS: usize = 3;
    pub const SHADER_SO_NUM_OUTPUTS: usize = 4;
    pub const SHADER_SO_STRIDE: usize = 5;
    /// `VIRGL_OBJ_SHADER_OFFSET_CONT`: the offset word is a continuation's byte offset.
    pub const SHADER_OFFSET_CONT: u32 = 1 << 31;

    /// VERTEX_ELEMENTS: handle, then 4 words per element (src offset, instance divisor,
    /// vertex buffer index, src format).
    pub const VE_ELEMENT_WORDS: usize = 4;

    /// SAMPLER_VIEW: handle, resource, format (| target << 24), first/last layer or
    /// element, first/last level or last element, swizzle.
    pub const SAMPLER_VIEW_SIZE: usize = 6;
    /// SAMPLER_STATE: handle, S0, lod bias, min lod, max lod, 4 border colour words.
    pub const SAMPLER_STATE_SIZE: usize = 9;
    /// SURFACE: handle, resource, format, level or first element, layers or last element.
    pub const SURFACE_SIZE: usize = 5;
    /// MSAA_SURFACE: SURFACE + sample count.
    pub const MSAA_SURFACE_SIZE: usize = 6;
    /// QUERY: handle, type | index << 16, offset, resource.
    pub const QUERY_SIZE: usize = 4;
    /// STREAMOUT_TARGET: handle, resource, buffer offset, buffer size.
    pub const STREAMOUT_SIZE: usize = 4;

    /// SET_VIEWPORT_STATE: start slot, then 6 floats per viewport (scale xyz, translate xyz).
    pub const VIEWPORT_WORDS: usize = 6;
    /// SET_SCISSOR_STATE: start slot, then 2 words per scissor (minx | miny << 16, maxx |
    /// maxy << 16).
    pub const SCISSOR_WORDS: usize = 2;
    /// SET_VERTEX_BUFFERS: 3 words per buffer (stride, offset, resource).
    pub const VERTEX_BUFFER_WORDS: usize = 3;
    pub const UNIFORM_BUFFER_SIZE: usize = 5;
    pub const CLEAR_SIZE: usize = 8;
    pub const CLEAR_TEXTURE_SIZE: usize = 12;
    pub const CLEAR_SURFACE_SIZE: usize = 10;
    pub const BLIT_SIZE: usize = 21;
    pub const COPY_REGION_SIZE: usize = 13;
    /// RESOURCE_INLINE_WRITE: 11 transfer words, then at least one data dword.
    pub const INLINE_WRITE_MIN_SIZE: usize = 12;
    pub const TRANSFER_WORDS: usize = 11;
    pub const TRANSFER3D_SIZE: usize = 13;
    pub const COPY_TRANSFER3D_SIZE: usize = 14;
    pub const DRAW_VBO_SIZE: usize = 12;
    pub const DRAW_VBO_SIZE_TESS: usize = 14;
    pub const DRAW_VBO_SIZE_INDIRECT: usize = 20;
    pub const CLIP_STATE_SIZE: usize = 32;
    pub const POLYGON_STIPPLE_SIZE: usize = 32;
    pub const PIPE_RESOURCE_CREATE_SIZE: usize = 11;
    pub const LINK_SHADER_SIZE: usize = 6;
    /// PIPE_RESOURCE_SET_TYPE: 8 words, then (stride, offset) per plane.
    pub const SET_TYPE_BASE_SIZE: usize = 8;
    /// The planes PIPE_RESOURCE_SET_TYPE may describe (upstream's `VIRGL_GBM_MAX_PLANES`).
    pub const SET_TYPE_MAX_PLANES: usize = 4;
    pub const QUERY_RESULT_QBO_SIZE: usize = 6;
    pub const RENDER_CONDITION_SIZE: usize = 3;
    pub const SET_TWEAKS_MIN_SIZE: usize = 2;
    pub const SET_DEBUG_FLAGS_MIN_SIZE: usize = 2;
    pub const STRING_MARKER_MIN_SIZE: usize = 2;
}

/// `VIRGL_TRANSFER_TO_HOST` / `VIRGL_TRANSFER_FROM_HOST` (TRANSFER3D direction).
pub const TRANSFER_TO_HOST: u32 = 1;
pub const TRANSFER_FROM_HOST: u32 = 2;
/// COPY_TRANSFER3D flags.
pub const COPY_TRANSFER3D_SYNCHRONIZED: u32 = 1 << 0;
pub const COPY_TRANSFER3D_READ_FROM_HOST: u32 = 1 << 1;
/// `PIPE_TEX_MIPFILTER_*`: the only values a sampler state's mip filter may take.
pub const MIPFILTER_NEAREST: u8 = 0;
pub const MIPFILTER_LINEAR: u8 = 1;
pub const MIPFILTER_NONE: u8 = 2;
