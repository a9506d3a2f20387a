//! Typed commands and the payload structs they carry. Values are as the guest sent them
//! (bitfields split out, floats reinterpreted); nothing here has looked at renderer state,
//! so handles and formats are only range-checked where the protocol alone allows it.

/// A gallium shader stage (`enum pipe_shader_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShaderType {
    Vertex,
    Fragment,
    Geometry,
    TessCtrl,
    TessEval,
    Compute,
}

impl ShaderType {
    /// The stage numbered `v`; `None` at or past `PIPE_SHADER_TYPES`.
    pub fn from_u32(v: u32) -> Option<Self> {
        Some(match v {
            0 => Self::Vertex,
            1 => Self::Fragment,
            2 => Self::Geometry,
            3 => Self::TessCtrl,
            4 => Self::TessEval,
            5 => Self::Compute,
            _ => return None,
        })
    }

    /// The protocol number of the stage.
    pub fn as_u32(self) -> u32 {
        self as u32
    }
}

/// Per-render-target blend state (one S2 word of BLEND).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RtBlend {
    pub blend_enable: bool,
    /// `PIPE_BLEND_*` (3 bits).
    pub rgb_func: u8,
    /// `PIPE_BLENDFACTOR_*` (5 bits).
    pub rgb_src_factor: u8,
    pub rgb_dst_factor: u8,
    pub alpha_func: u8,
    pub alpha_src_factor: u8,
    pub alpha_dst_factor: u8,
    /// `PIPE_MASK_R|G|B|A` (4 bits).
    pub colormask: u8,
}

/// CREATE_OBJECT(BLEND). All 8 render targets are always sent; with
/// `independent_blend_enable` false only `rt[0]` matters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Blend {
    pub independent_blend_enable: bool,
    pub logicop_enable: bool,
    pub dither: bool,
    pub alpha_to_coverage: bool,
    pub alpha_to_one: bool,
    /// `PIPE_LOGICOP_*` (4 bits).
    pub logicop_func: u8,
    pub rt: [RtBlend; 8],
}

/// CREATE_OBJECT(RASTERIZER): every bit of S0 and S3 plus the float words.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rasterizer {
    pub flatshade: bool,
    pub depth_clip: bool,
    pub clip_halfz: bool,
    pub rasterizer_discard: bool,
    pub flatshade_first: bool,
    pub light_twoside: bool,
    pub sprite_coord_mode: bool,
    pub point_quad_rasterization: bool,
    /// `PIPE_FACE_*` (2 bits).
    pub cull_face: u8,
    /// `PIPE_POLYGON_MODE_*` (2 bits each).
    pub fill_front: u8,
    pub fill_back: u8,
    pub scissor: bool,
    pub front_ccw: bool,
    pub clamp_vertex_color: bool,
    pub clamp_fragment_color: bool,
    pub offset_line: bool,
    pub offset_point: bool,
    pub offset_tri: bool,
    pub poly_smooth: bool,
    pub poly_stipple_enable: bool,
    pub point_smooth: bool,
    pub point_size_per_vertex: bool,
    pub multisample: bool,
    pub line_smooth: bool,
    pub line_stipple_enable: bool,
    pub line_last_pixel: bool,
    pub half_pixel_center: bool,
    pub bottom_edge_rule: bool,
    pub force_persample_interp: bool,
    pub point_size: f32,
    /// One bit per TEXCOORD/GENERIC input replaced by point coordinates.
    pub sprite_coord_enable: u32,
    pub line_stipple_pattern: u16,
    pub line_stipple_factor: u8,
    /// One bit per user clip plane.
    pub clip_plane_enable: u8,
    pub line_width: f32,
    pub offset_units: f32,
    pub offset_scale: f32,
    pub offset_clamp: f32,
}

/// One face's stencil state (S1 front / S2 back of DSA).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StencilState {
    pub enabled: bool,
    /// `PIPE_FUNC_*` (3 bits).
    pub func: u8,
    /// `PIPE_STENCIL_OP_*` (3 bits each).
    pub fail_op: u8,
    pub zpass_op: u8,
    pub zfail_op: u8,
    pub valuemask: u8,
    pub writemask: u8,
}

/// CREATE_OBJECT(DSA).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Dsa {
    pub depth_enabled: bool,
    pub depth_writemask: bool,
    /// `PIPE_FUNC_*`.
    pub depth_func: u8,
    pub alpha_enabled: bool,
    pub alpha_func: u8,
    /// `[front, back]`.
    pub stencil: [StencilState; 2],
    pub alpha_ref: f32,
}

/// Where a CREATE_OBJECT(SHADER) chunk sits in the shader's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShaderChunk {
    /// The first (often only) chunk: the text's total length in bytes. When it is larger
    /// than this chunk's text, continuations follow.
    First { total_len: u32 },
    /// A continuation: the byte offset of this chunk's text.
    Continuation { offset: u32 },
}

/// One stream-output (transform feedback) entry of a shader.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamOutputEntry {
    pub register_index: u8,
    pub start_component: u8,
    pub num_components: u8,
    pub output_buffer: u8,
    /// In dwords.
    pub dst_offset: u16,
    pub stream: u8,
}

/// A shader's stream-output description (present when it has outputs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamOutput {
    /// Vertex stride of each of the 4 buffers, in dwords.
    pub stride: [u32; 4],
    /// At most [`super::limits::SO_OUTPUTS`] entries.
    pub outputs: Vec<StreamOutputEntry>,
}

/// CREATE_OBJECT(SHADER): one chunk of a shader's TGSI text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shader<'a> {
    pub shader_type: ShaderType,
    pub chunk: ShaderChunk,
    pub num_tokens: u32,
    /// Compute shaders only: requested shared memory (the word other stages use for the
    /// stream-output count).
    pub req_local_mem: u32,
    pub stream_output: Option<StreamOutput>,
    /// This chunk's text as sent (little-endian bytes in dwords; NUL padding included).
    pub text: &'a [u32],
}

impl Shader<'_> {
    /// This chunk's text bytes (length is a multiple of 4; allocation bounded by the
    /// command's payload).
    pub fn text_bytes(&self) -> Vec<u8> {
        words_to_bytes(self.text)
    }
}

/// One vertex element of CREATE_OBJECT(VERTEX_ELEMENTS).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VertexElement {
    pub src_offset: u32,
    pub instance_divisor: u32,
    /// Below [`super::limits::ATTRIBS`].
    pub vertex_buffer_index: u32,
    /// A virgl format number (not range-checked: upstream looks it up at draw time).
    pub src_format: u32,
}

/// CREATE_OBJECT(SAMPLER_VIEW). `val0`/`val1` are first/last element for buffers and
/// layers/levels for textures; which applies depends on the target (the resource's when
/// `target` is 0, i.e. `PIPE_BUFFER` or a guest that does not send it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SamplerView {
    pub res_handle: u32,
    /// Virgl format, 1 ..= `FORMAT_MAX - 1`.
    pub format: u32,
    /// `PIPE_TEXTURE_*` target from the format word's top byte (0 = buffer / unspecified).
    pub target: u8,
    pub val0: u32,
    pub val1: u32,
    /// `PIPE_SWIZZLE_*` for r, g, b, a (3 bits each).
    pub swizzle: [u8; 4],
}

impl SamplerView {
    pub fn first_layer(&self) -> u32 {
        self.val0 & 0xffff
    }
    pub fn last_layer(&self) -> u32 {
        self.val0 >> 16
    }
    pub fn first_level(&self) -> u32 {
        self.val1 & 0xff
    }
    pub fn last_level(&self) -> u32 {
        (self.val1 >> 8) & 0xff
    }
    pub fn first_element(&self) -> u32 {
        self.val0
    }
    pub fn last_element(&self) -> u32 {
        self.val1
    }
}

/// CREATE_OBJECT(SAMPLER_STATE).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SamplerState {
    /// `PIPE_TEX_WRAP_*` (3 bits each).
    pub wrap_s: u8,
    pub wrap_t: u8,
    pub wrap_r: u8,
    /// `PIPE_TEX_FILTER_*` (1 bit).
    pub min_img_filter: u8,
    /// `PIPE_TEX_MIPFILTER_*`: nearest, linear or none (3 is rejected).
    pub min_mip_filter: u8,
    pub mag_img_filter: u8,
    pub compare_mode: bool,
    pub compare_func: u8,
    pub seamless_cube_map: bool,
    /// 5 bits.
    pub max_anisotropy: u8,
    pub lod_bias: f32,
    pub min_lod: f32,
    pub max_lod: f32,
    /// Raw: float, int or uint depending on the sampled format.
    pub border_color: [u32; 4],
}

/// CREATE_OBJECT(SURFACE) and (MSAA_SURFACE, `nr_samples` > 0 possible).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Surface {
    pub res_handle: u32,
    /// Virgl format, below `FORMAT_MAX`.
    pub format: u32,
    /// Texture: mip level. Buffer: first element.
    pub val0: u32,
    /// Texture: first layer | last layer << 16 (first ≤ last). Buffer: last element.
    pub val1: u32,
    /// MSAA_SURFACE only; 0 for SURFACE.
    pub nr_samples: u32,
}

impl Surface {
    pub fn level(&self) -> u32 {
        self.val0
    }
    pub fn first_layer(&self) -> u32 {
        self.val1 & 0xffff
    }
    pub fn last_layer(&self) -> u32 {
        self.val1 >> 16
    }
}

/// CREATE_OBJECT(QUERY).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Query {
    /// `PIPE_QUERY_*`.
    pub query_type: u16,
    pub index: u16,
    /// Byte offset of the result in `res_handle`.
    pub offset: u32,
    pub res_handle: u32,
}

/// CREATE_OBJECT(STREAMOUT_TARGET).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamoutTarget {
    pub res_handle: u32,
    pub buffer_offset: u32,
    pub buffer_size: u32,
}

/// The object a CREATE_OBJECT makes.
#[derive(Clone, Debug, PartialEq)]
pub enum Object<'a> {
    Blend(Blend),
    Rasterizer(Rasterizer),
    Dsa(Dsa),
    Shader(Shader<'a>),
    /// At most [`super::limits::ATTRIBS`] elements (possibly none).
    VertexElements(Vec<VertexElement>),
    SamplerView(SamplerView),
    SamplerState(SamplerState),
    Surface(Surface),
    Query(Query),
    StreamoutTarget(StreamoutTarget),
    MsaaSurface(Surface),
}

impl Object<'_> {
    /// The `VIRGL_OBJECT_*` number of the object.
    pub fn type_id(&self) -> u8 {
        use super::object as o;
        match self {
            Object::Blend(_) => o::BLEND,
            Object::Rasterizer(_) => o::RASTERIZER,
            Object::Dsa(_) => o::DSA,
            Object::Shader(_) => o::SHADER,
            Object::VertexElements(_) => o::VERTEX_ELEMENTS,
            Object::SamplerView(_) => o::SAMPLER_VIEW,
            Object::SamplerState(_) => o::SAMPLER_STATE,
            Object::Surface(_) => o::SURFACE,
            Object::Query(_) => o::QUERY,
            Object::StreamoutTarget(_) => o::STREAMOUT_TARGET,
            Object::MsaaSurface(_) => o::MSAA_SURFACE,
        }
    }
}

/// Object types BIND_OBJECT accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindableObject {
    Blend,
    Dsa,
    Rasterizer,
    VertexElements,
}

/// One viewport: `window = ndc * scale + translate`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Viewport {
    pub scale: [f32; 3],
    pub translate: [f32; 3],
}

/// One scissor rectangle (16-bit coordinates, max exclusive).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scissor {
    pub minx: u16,
    pub miny: u16,
    pub maxx: u16,
    pub maxy: u16,
}

/// One vertex buffer binding of SET_VERTEX_BUFFERS (slot = position in the list).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VertexBuffer {
    pub stride: u32,
    pub offset: u32,
    pub res_handle: u32,
}

/// SET_INDEX_BUFFER. A 1-dword command sends only the handle (0 unbinds); size and offset
/// are 0 then.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IndexBuffer {
    pub res_handle: u32,
    /// Bytes per index.
    pub index_size: u32,
    pub offset: u32,
}

/// A box as sent (gallium treats the fields as `int`; callers validate).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BoxRaw {
    pub x: u32,
    pub y: u32,
    pub z: u32,
    pub w: u32,
    pub h: u32,
    pub d: u32,
}

/// The 11 words shared by RESOURCE_INLINE_WRITE, TRANSFER3D and COPY_TRANSFER3D.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Transfer {
    pub res_handle: u32,
    pub level: u32,
    /// `PIPE_MAP_*` usage bits (informational).
    pub usage: u32,
    pub stride: u32,
    pub layer_stride: u32,
    pub bx: BoxRaw,
}

/// TRANSFER3D direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransferDirection {
    ToHost,
    FromHost,
}

/// One side of a BLIT.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlitSide {
    pub res_handle: u32,
    pub level: u32,
    pub format: u32,
    pub bx: BoxRaw,
}

/// BLIT.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Blit {
    /// `PIPE_MASK_*` (RGBA = 0xf, Z = 0x10, S = 0x20).
    pub mask: u8,
    /// `PIPE_TEX_FILTER_*` (2 bits).
    pub filter: u8,
    pub scissor_enable: bool,
    pub render_condition_enable: bool,
    pub alpha_blend: bool,
    pub scissor: Scissor,
    pub dst: BlitSide,
    pub src: BlitSide,
}

/// RESOURCE_COPY_REGION.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CopyRegion {
    pub dst_handle: u32,
    pub dst_level: u32,
    pub dst_x: u32,
    pub dst_y: u32,
    pub dst_z: u32,
    pub src_handle: u32,
    pub src_level: u32,
    pub src_box: BoxRaw,
}

/// CLEAR.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Clear {
    /// `PIPE_CLEAR_*`: depth 1, stencil 2, colour buffer i at 4 << i.
    pub buffers: u32,
    /// Raw: float, int or uint per the colour buffers' formats.
    pub color: [u32; 4],
    pub depth: f64,
    pub stencil: u32,
}

/// CLEAR_TEXTURE.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClearTexture {
    pub res_handle: u32,
    pub level: u32,
    pub bx: BoxRaw,
    /// One texel in the resource's format, packed (up to 16 bytes).
    pub data: [u32; 4],
}

/// CLEAR_SURFACE.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClearSurface {
    pub render_condition_enable: bool,
    /// `PIPE_CLEAR_*` (3 bits: depth, stencil, colour).
    pub buffers: u8,
    pub surface_handle: u32,
    /// Colour (`pipe_color_union`), or for depth/stencil the depth as an f64 in words
    /// 0-1 (low word first) and the stencil value in word 3 (what Mesa's
    /// `clear_depth_stencil` writes).
    pub color: [u32; 4],
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// PIPE_RESOURCE_SET_TYPE: gives an untyped blob resource (one a guest imported from a
/// dma-buf) a 2-D texture type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PipeResourceSetType {
    pub res_handle: u32,
    pub format: u32,
    pub bind: u32,
    pub width: u32,
    pub height: u32,
    pub usage: u32,
    pub modifier: u64,
    /// 1..=4.
    pub plane_count: u8,
    /// (stride, offset) of each plane; entries past `plane_count` are 0.
    pub planes: [(u32, u32); 4],
}

/// The tessellation words of a 14- or 20-dword DRAW_VBO.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DrawTess {
    pub vertices_per_patch: u32,
    pub drawid: u32,
}

/// The indirect words of a 20-dword DRAW_VBO.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DrawIndirect {
    pub res_handle: u32,
    pub offset: u32,
    pub stride: u32,
    pub draw_count: u32,
    pub draw_count_offset: u32,
    /// Resource holding the real draw count (0: none).
    pub draw_count_handle: u32,
}

/// DRAW_VBO.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DrawVbo {
    pub start: u32,
    pub count: u32,
    /// `PIPE_PRIM_*`.
    pub mode: u32,
    pub indexed: bool,
    pub instance_count: u32,
    pub index_bias: i32,
    pub start_instance: u32,
    pub primitive_restart: bool,
    pub restart_index: u32,
    pub min_index: u32,
    pub max_index: u32,
    /// Streamout target whose written count is the vertex count (0: none).
    pub count_from_so: u32,
    pub tess: Option<DrawTess>,
    pub indirect: Option<DrawIndirect>,
}

/// PIPE_RESOURCE_CREATE (a blob's pipe resource).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PipeResourceCreate {
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
    pub blob_id: u32,
}

/// LINK_SHADER: the shaders of one program (0 where a stage is absent).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkShader {
    pub vertex: u32,
    pub fragment: u32,
    pub geometry: u32,
    pub tess_ctrl: u32,
    pub tess_eval: u32,
    pub compute: u32,
}

/// GET_QUERY_RESULT_QBO.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueryResultQbo {
    pub handle: u32,
    pub qbo_handle: u32,
    pub wait: bool,
    pub result_type: u32,
    pub offset: u32,
    pub index: i32,
}

/// One decoded command.
#[derive(Clone, Debug, PartialEq)]
pub enum Command<'a> {
    Nop,
    CreateObject {
        /// Never 0.
        handle: u32,
        object: Object<'a>,
    },
    BindObject {
        obj_type: BindableObject,
        handle: u32,
    },
    /// The object type byte is not checked (upstream destroys by handle alone).
    DestroyObject {
        obj_type: u8,
        handle: u32,
    },
    /// `shader_type` is `None` for a stage number past compute: upstream ignores such a
    /// bind without an error.
    BindShader {
        handle: u32,
        shader_type: Option<ShaderType>,
    },
    /// `start_slot + viewports.len() <= 16`.
    SetViewportState {
        start_slot: u32,
        viewports: Vec<Viewport>,
    },
    /// `start_slot < 16`, `start_slot + scissors.len() <= 16`.
    SetScissorState {
        start_slot: u32,
        scissors: Vec<Scissor>,
    },
    /// Slots 0.. (at most 32); the count replaces the bound count.
    SetVertexBuffers(Vec<VertexBuffer>),
    SetIndexBuffer(IndexBuffer),
    /// Inline uniforms of a stage (`index` is sent but unused upstream).
    SetConstantBuffer {
        shader_type: ShaderType,
        index: u32,
        /// f32 bit patterns.
        data: &'a [u32],
    },
    SetUniformBuffer {
        shader_type: ShaderType,
        /// Below 32.
        index: u32,
        offset: u32,
        length: u32,
        res_handle: u32,
    },
    /// `start_slot + handles.len() <= 128`.
    SetSamplerViews {
        shader_type: ShaderType,
        start_slot: u32,
        handles: &'a [u32],
    },
    /// `start_slot + handles.len() <= 32`.
    BindSamplerStates {
        shader_type: ShaderType,
        start_slot: u32,
        handles: &'a [u32],
    },
    SetBlendColor([f32; 4]),
    SetStencilRef {
        front: u8,
        back: u8,
    },
    SetSampleMask(u32),
    SetMinSamples(u32),
    /// The default tessellation levels (used when no control stage is bound): outer
    /// 0..3, inner 0..1, as the guest sent them (GL defines what NaN and out-of-range
    /// levels do).
    SetTessState {
        outer: [f32; 4],
        inner: [f32; 2],
    },
    /// 8 user clip planes.
    // Boxed (rare commands): a 128-byte array here would make every command that size,
    // and each one moved through the decoder a memcpy call.
    SetClipState(Box<[[f32; 4]; 8]>),
    SetPolygonStipple(Box<[u32; 32]>),
    /// At most 8 colour surfaces (0 = none in that slot).
    SetFramebufferState {
        zsurf_handle: u32,
        cbufs: &'a [u32],
    },
    DrawVbo(DrawVbo),
    Clear(Clear),
    ClearTexture(ClearTexture),
    ClearSurface(ClearSurface),
    Blit(Blit),
    ResourceCopyRegion(CopyRegion),
    ResourceInlineWrite {
        transfer: Transfer,
        /// At least one dword.
        data: &'a [u32],
    },
    Transfer3d {
        transfer: Transfer,
        /// Byte offset in the resource's guest backing.
        offset: u32,
        direction: TransferDirection,
    },
    CopyTransfer3d {
        transfer: Transfer,
        /// Staging resource whose backing holds (or receives) the data.
        staging_handle: u32,
        staging_offset: u32,
        synchronized: bool,
        /// `READ_FROM_HOST` flag: resource → staging; else staging → resource.
        read_from_host: bool,
    },
    EndTransfers,
    CreateSubCtx(u32),
    SetSubCtx(u32),
    DestroySubCtx(u32),
    BeginQuery(u32),
    EndQuery(u32),
    GetQueryResult {
        handle: u32,
        wait: bool,
    },
    GetQueryResultQbo(QueryResultQbo),
    /// At most 16 targets.
    SetStreamoutTargets {
        append_bitmask: u32,
        handles: &'a [u32],
    },
    SetRenderCondition {
        handle: u32,
        condition: bool,
        mode: u32,
    },
    PipeResourceCreate(PipeResourceCreate),
    /// Extra words past id and value are ignored upstream.
    SetTweaks {
        id: u32,
        value: u32,
    },
    LinkShader(LinkShader),
    PipeResourceSetType(PipeResourceSetType),
    MemoryBarrier(u32),
    TextureBarrier(u32),
    GetMemoryInfo(u32),
    /// Debug flag string as dwords (see [`words_to_string`]).
    SetDebugFlags(&'a [u32]),
    /// A string marker: `len` bytes of `data` (bounded by the payload).
    SendStringMarker {
        len: u32,
        data: &'a [u32],
    },
    /// A command number below the protocol's count that this decoder does not type (SSBOs,
    /// images, compute, atomics, video); the
    /// payload is not validated. (Upstream built without video answers the video commands
    /// with EINVAL; the others it executes.)
    Unimplemented {
        cmd: u8,
        obj_type: u8,
        payload: &'a [u32],
    },
}

/// Little-endian bytes of `words` (the protocol's in-stream byte order).
pub fn words_to_bytes(words: &[u32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// The bytes of `words` up to the first NUL, lossily as UTF-8.
pub fn words_to_string(words: &[u32]) -> String {
    let bytes = words_to_bytes(words);
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}
