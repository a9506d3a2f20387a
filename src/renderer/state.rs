//! The 3D state of a sub-context: the values of shader, sampler-view and query objects,
//! and what the SET_* / BIND_* commands bound (the state a DRAW_VBO draws with).
//!
//! Bound objects are held by `Arc`, so an object destroyed while bound stays in use until
//! it is unbound (upstream keeps bound objects alive by reference count).

use crate::backend::gl::draw::{Attachment, TextureInput};
use crate::error::{Error, Result};
use crate::model::gl_state::{
    BlendGl, DsaGl, RasterizerGl, SamplerStateGl, SamplerViewGl, VertexElementsGl, VertexInput,
};
use crate::model::protocol::{IndexBuffer, Scissor, ShaderType, VertexBuffer, Viewport};
use crate::model::shader::{self, Program, StreamOutKey, VariantKey};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Bytes of TGSI text one shader may have (upstream has no explicit bound; Mesa's largest
/// shaders stay far below it).
pub const MAX_SHADER_TEXT: usize = 4 << 20;
/// Stages with bindings (gallium's PIPE_SHADER_*: vertex 0 … compute 5).
pub const STAGES: usize = 6;

static NEXT_SHADER_ID: AtomicU64 = AtomicU64::new(1);

/// A complete shader: its TGSI text and what the executor needs from it.
#[derive(Debug)]
pub struct ShaderObj {
    /// Unique for the process (keys the per-sub-context program memo).
    pub id: u64,
    pub stage: ShaderType,
    /// The TGSI text, validated by [`shader::parse`] at creation.
    pub text: Arc<str>,
    /// The parsed program (for the varying interface between stages).
    pub program: Arc<Program>,
    /// IN[i] the program reads (bit i; vertex stage: the attributes a draw fetches).
    pub inputs: u32,
    /// The stream-output layout sent with the shader (used when it is the last vertex
    /// stage; empty: none).
    pub stream_output: StreamOutKey,
}

impl ShaderObj {
    /// Parses `text` (NUL padding cut): EINVAL with the parser's message on error.
    pub fn new(stage: ShaderType, bytes: &[u8]) -> Result<Self> {
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        let text = std::str::from_utf8(&bytes[..end])
            .map_err(|_| Error::inval("shader text is not UTF-8"))?;
        log::trace!("shader text ({stage:?}):\n{text}");
        let program = shader::parse(text).map_err(|e| Error::inval(format!("shader text: {e}")))?;
        let mut inputs = 0u32;
        for d in program.declarations.iter().filter(|d| d.file == shader::File::Input) {
            for i in d.first..=d.last.min(31) {
                inputs |= 1 << i;
            }
        }
        Ok(ShaderObj {
            id: NEXT_SHADER_ID.fetch_add(1, Ordering::Relaxed),
            stage,
            text: Arc::from(text),
            program: Arc::new(program),
            inputs,
            stream_output: StreamOutKey::default(),
        })
    }
}

/// A shader whose text arrives in several CREATE_OBJECT commands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingShader {
    pub stage: ShaderType,
    /// Total length announced by the first chunk (≤ [`MAX_SHADER_TEXT`]).
    pub total: usize,
    /// The bytes so far (grows chunk by chunk; never past `total`).
    pub text: Vec<u8>,
    /// The stream-output layout of the first chunk (boxed: the key is large).
    pub stream_output: Box<StreamOutKey>,
}

impl PendingShader {
    /// Appends the chunk sent at byte `offset`: it must continue the text exactly and stay
    /// within the announced length. True when the text is complete.
    pub fn append(&mut self, offset: u64, chunk: &[u8]) -> Result<bool> {
        if offset != self.text.len() as u64 {
            return Err(Error::inval(format!(
                "shader continuation at offset {offset}, expected {}",
                self.text.len()
            )));
        }
        let room = self.total - self.text.len();
        let take = chunk.len().min(room);
        self.text.extend_from_slice(&chunk[..take]);
        Ok(self.text.len() >= self.total)
    }
}

/// A SAMPLER_VIEW: the resource it views and the view in GL terms.
#[derive(Clone, Debug)]
pub struct SamplerViewObj {
    pub res: u32,
    pub gl: SamplerViewGl,
}

/// A QUERY object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryObj {
    /// `PIPE_QUERY_*`.
    pub query_type: u16,
    pub res: u32,
    /// Byte offset of the `virgl_host_query_state` in `res`.
    pub offset: u32,
    /// The GL query running now (between BEGIN_QUERY and END_QUERY while this query's
    /// sub-context owns the GL context's queries; see `decode::query::own_queries`).
    pub active: Option<u32>,
    /// Between BEGIN_QUERY and END_QUERY.
    pub begun: bool,
    /// What the GL queries of this BEGIN/END pair counted before they were suspended.
    pub partial: u64,
    /// The result of the last END_QUERY.
    pub result: Option<u64>,
}

/// A STREAMOUT_TARGET: a range of a buffer resource (checked against its size at
/// creation), and the transform-feedback set that last captured into it.
#[derive(Debug)]
pub struct SoTargetObj {
    pub res: u32,
    pub offset: u32,
    pub size: u32,
    /// Id of the last [`SoSet`] holding this target (0: none); draws from it use that set.
    pub last_set: AtomicU64,
}

/// A SET_STREAMOUT_TARGETS binding: its id names the backend's transform-feedback object.
#[derive(Debug)]
pub struct SoSet {
    pub id: u64,
    /// By buffer index (at most 4).
    pub targets: Vec<Option<Arc<SoTargetObj>>>,
}

/// What the SET_* and BIND_* commands bound in a sub-context.
#[derive(Clone, Debug)]
pub struct Bound {
    pub blend: Option<Arc<BlendGl>>,
    pub dsa: Option<Arc<DsaGl>>,
    pub rasterizer: Option<Arc<RasterizerGl>>,
    pub vertex_elements: Option<Arc<VertexElementsGl>>,
    /// By stage (gallium numbering).
    pub shaders: [Option<Arc<ShaderObj>>; STAGES],
    /// Viewport and scissor 0 (one viewport is advertised).
    pub viewport: Viewport,
    pub scissor: Scissor,
    pub vertex_buffers: Vec<VertexBuffer>,
    /// `res_handle` 0: none.
    pub index_buffer: IndexBuffer,
    /// Inline constants by stage (f32/u32 bit patterns).
    pub constants: [Arc<[u32]>; STAGES],
    pub views: [Vec<Option<Arc<SamplerViewObj>>>; STAGES],
    pub samplers: [Vec<Option<Arc<SamplerStateGl>>>; STAGES],
    pub blend_color: [f32; 4],
    pub stencil_ref: [u8; 2],
    pub sample_mask: u32,
    pub clip_planes: [[f32; 4]; 8],
    pub stipple: [u32; 32],
    /// SET_TESS_STATE: default outer and inner tessellation levels (GL's initial 1.0).
    pub tess_levels: ([f32; 4], [f32; 2]),
    /// SET_RENDER_CONDITION (`None`: draws unconditionally).
    pub render_condition: Option<RenderCondition>,
    /// SET_UNIFORM_BUFFER by stage and index (`decode::buffers`).
    pub uniform_buffers: [Vec<Option<UniformBuffer>>; STAGES],
    /// Stream-output targets bound now (`None`: no capture).
    pub streamout: Option<Arc<SoSet>>,
    /// The last sets bound, oldest first (kept while unbound, so that binding the same
    /// target objects again resumes that set's capture; at most
    /// `decode::streamout::MAX_PAUSED_SETS`).
    pub streamout_paused: Vec<Arc<SoSet>>,
}

/// A buffer range bound as a uniform block (SET_UNIFORM_BUFFER).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UniformBuffer {
    pub res: u32,
    pub offset: u32,
    pub length: u32,
}

/// A render condition: draws, clears and conditional blits run only when the query's
/// last result agrees (see `decode::cond`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RenderCondition {
    /// The QUERY object's handle (looked up when a draw asks).
    pub query: u32,
    /// Gallium's `condition`: true inverts the test (skip when the result is non-zero).
    pub condition: bool,
    /// `PIPE_RENDER_COND_*` (our results are synchronous: every mode decides alike).
    pub mode: u32,
}

/// One shared empty constant buffer: a default `Bound` (made per draw, when the draw
/// borrows the sub-context's state) allocates nothing.
static NO_CONSTANTS: std::sync::LazyLock<Arc<[u32]>> =
    std::sync::LazyLock::new(|| Arc::from(Vec::new()));

impl Default for Bound {
    fn default() -> Self {
        Bound {
            blend: None,
            dsa: None,
            rasterizer: None,
            vertex_elements: None,
            shaders: Default::default(),
            viewport: Viewport::default(),
            scissor: Scissor::default(),
            vertex_buffers: Vec::new(),
            index_buffer: IndexBuffer::default(),
            constants: std::array::from_fn(|_| NO_CONSTANTS.clone()),
            views: Default::default(),
            samplers: Default::default(),
            blend_color: [0.0; 4],
            stencil_ref: [0; 2],
            sample_mask: u32::MAX,
            clip_planes: [[0.0; 4]; 8],
            stipple: [u32::MAX; 32],
            tess_levels: ([1.0; 4], [1.0; 2]),
            render_condition: None,
            uniform_buffers: Default::default(),
            streamout: None,
            streamout_paused: Vec::new(),
        }
    }
}

/// Gallium's stage number of a shader type.
pub fn stage_index(t: ShaderType) -> usize {
    match t {
        ShaderType::Vertex => 0,
        ShaderType::Fragment => 1,
        ShaderType::Geometry => 2,
        ShaderType::TessCtrl => 3,
        ShaderType::TessEval => 4,
        ShaderType::Compute => 5,
    }
}

/// Stores `items` into `slots` from `start` (growing it; the caller bounds `start + len`).
pub fn set_slots<T: Clone>(slots: &mut Vec<Option<T>>, start: usize, items: Vec<Option<T>>) {
    let end = start + items.len();
    if slots.len() < end {
        slots.resize(end, None);
    }
    for (slot, item) in slots[start..end].iter_mut().zip(items) {
        *slot = item;
    }
    while slots.last().is_some_and(|s| s.is_none()) {
        slots.pop();
    }
}

/// Key of the per-sub-context program memo: the shaders' ids and the variant keys' digest.
pub type ProgramMemoKey = (u64, u64, u64, u64);

/// Per-sampler swizzles of one stage (shadow samplers, buffer textures), as the variant key
/// holds them.
pub type SamplerSwizzles = [Option<[u8; 4]>; 16];

/// What selects a draw's program: shader ids (vertex, fragment, geometry), the base variant
/// key, the shadow swizzles of the vertex and fragment stages and the buffer-texture
/// swizzles by stage (vertex, fragment, geometry).
pub type ProgramInputs =
    ([u64; 5], VariantKey, SamplerSwizzles, SamplerSwizzles, [SamplerSwizzles; 5]);

/// Memo of resolved programs (bounded: cleared when full).
#[derive(Clone, Debug, Default)]
pub struct ProgramMemo {
    pub map: HashMap<ProgramMemoKey, u64>,
    /// The last draw's inputs and program number: a draw with equal inputs (compared in
    /// full, no digest) takes it without hashing.
    pub last: Option<Box<(ProgramInputs, u64)>>,
}

/// Programs remembered per sub-context.
pub const MAX_MEMO: usize = 256;

/// What a draw derived from a sub-context's state, kept for the next draw while neither
/// the state (the sub-context's version) nor the context's attached resources (their
/// removal count) changed: under that key, every resource the bound state and framebuffer
/// name was found attached (and its storage readied), and the rest is what the state asks
/// for. A resource's GL name and description are fixed while it lives, and it cannot be
/// unreferenced without its handle leaving the attached set.
#[derive(Clone, Debug, Default)]
pub struct DrawCache {
    /// (attached-set removals, sub-context version, point sprites applied) it was made
    /// at; `None`: nothing kept.
    pub key: Option<(u64, u64, bool)>,
    /// The program number (it may have been evicted since, which the draw checks).
    pub program: u64,
    /// The backend's program-cache eviction count when the cache was made: the program is
    /// still linked while it holds (program numbers are never reused).
    pub evictions: u64,
    /// The bound blend state with padding alphas applied.
    pub blend: BlendGl,
    pub cbufs: Vec<Option<Attachment>>,
    pub zs: Option<Attachment>,
    /// The vertex inputs the program reads.
    pub vertices: Vec<VertexInput>,
    /// The textures of the program's samplers (buffer views excepted).
    pub textures: Vec<TextureInput>,
    /// The backend's stamp for what this cache and the state under `key` give a draw
    /// ([`crate::backend::gl::draw::DrawCall::stamp`]): new whenever the cache is made.
    pub stamp: u64,
    /// Whether the program reads uniform blocks or buffer textures (bound every draw).
    pub reads_buffers: bool,
    /// The bound index buffer as an indexed draw under `key` found it: (handle, GL name,
    /// size in bytes, given to the VMM, the backend's exposure count then).
    pub index: Option<(u32, u32, u32, bool, u64)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_shader_appends_in_order_only() {
        let mut p = PendingShader {
            stage: ShaderType::Vertex,
            total: 6,
            text: b"abc".to_vec(),
            stream_output: Default::default(),
        };
        assert!(p.append(2, b"x").is_err(), "a gap or overlap is refused");
        assert!(!p.append(3, b"d").unwrap());
        assert!(p.append(4, b"efgh").unwrap(), "cut at the announced length");
        assert_eq!(p.text, b"abcdef");
    }

    #[test]
    fn slots_grow_and_shrink() {
        let mut v: Vec<Option<u8>> = Vec::new();
        set_slots(&mut v, 2, vec![Some(1), None]);
        assert_eq!(v, vec![None, None, Some(1)]);
        set_slots(&mut v, 2, vec![None]);
        assert!(v.is_empty());
    }

    #[test]
    fn shader_text_is_parsed() {
        let t = b"FRAG\nDCL OUT[0], COLOR\nIMM[0] FLT32 { 1.0, 0.0, 0.0, 1.0 }\n  0: MOV OUT[0], IMM[0]\n  1: END\n\0\0";
        let s = ShaderObj::new(ShaderType::Fragment, t).unwrap();
        assert!(s.text.ends_with("END\n"));
        assert!(ShaderObj::new(ShaderType::Fragment, b"FRAG\n 0: BOGUS\n").is_err());
    }
}
