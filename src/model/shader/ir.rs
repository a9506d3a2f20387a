//! The typed form of a TGSI program: what [`super::parse`] produces and
//! [`super::emit`] consumes. Nothing here holds text from the guest; every name
//! is an enum and every number a parsed value.

/// The shader stage, from the header line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Processor {
    Vertex,
    Fragment,
    Geometry,
    TessCtrl,
    TessEval,
    Compute,
}

/// A register file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum File {
    Const,
    Input,
    Output,
    Temp,
    Sampler,
    Address,
    Immediate,
    SystemValue,
    SamplerView,
    Image,
    Buffer,
    Memory,
    HwAtomic,
}

/// A semantic name on an input, output or system value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SemanticName {
    Position,
    Color,
    BackColor,
    Fog,
    PointSize,
    Generic,
    Normal,
    Face,
    EdgeFlag,
    PrimitiveId,
    InstanceId,
    VertexId,
    Stencil,
    ClipDistance,
    ClipVertex,
    TexCoord,
    PointCoord,
    ViewportIndex,
    Layer,
    SampleId,
    SamplePos,
    SampleMask,
    InvocationId,
    VertexIdNoBase,
    BaseVertex,
    BaseInstance,
    DrawId,
    HelperInvocation,
    /// Tessellation: a per-patch varying (`PATCH[n]`).
    Patch,
    /// Tessellation evaluation: the coordinate in the abstract patch.
    TessCoord,
    /// Tessellation: the outer levels (x..w = outer 0..3).
    TessOuter,
    /// Tessellation: the inner levels (x, y = inner 0, 1).
    TessInner,
    /// Tessellation: vertices in the input patch.
    VerticesIn,
    /// A TGSI semantic this translator has no use for (tessellation, compute, subgroup
    /// and driver-specific ones): parsed so that the error is "unsupported", not
    /// "unknown".
    Other,
}

/// A semantic: name plus index (`GENERIC[3]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Semantic {
    pub name: SemanticName,
    pub index: u32,
}

/// Interpolation of a fragment shader input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Interp {
    Constant,
    Linear,
    Perspective,
    /// Flat or smooth depending on the rasterizer's flat shading state.
    Color,
}

/// Where an input is interpolated within the pixel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Location {
    Center,
    Centroid,
    Sample,
}

/// A texture target (on SVIEW declarations and texture instructions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TexTarget {
    Buffer,
    T1D,
    T2D,
    T3D,
    Cube,
    Rect,
    Shadow1D,
    Shadow2D,
    ShadowRect,
    T1DArray,
    T2DArray,
    Shadow1DArray,
    Shadow2DArray,
    ShadowCube,
    T2DMsaa,
    T2DArrayMsaa,
    CubeArray,
    ShadowCubeArray,
    Unknown,
}

impl TexTarget {
    /// Whether the target compares against a reference value.
    pub fn is_shadow(self) -> bool {
        matches!(
            self,
            TexTarget::Shadow1D
                | TexTarget::Shadow2D
                | TexTarget::ShadowRect
                | TexTarget::Shadow1DArray
                | TexTarget::Shadow2DArray
                | TexTarget::ShadowCube
                | TexTarget::ShadowCubeArray
        )
    }
}

/// The type of the values a sampler view returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReturnType {
    Unorm,
    Snorm,
    Sint,
    Uint,
    Float,
}

/// The type tag of an immediate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImmType {
    Float32,
    Uint32,
    Int32,
}

/// A `PROPERTY` line that the translator acts on; others are parsed and dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Property {
    /// `FS_COORD_ORIGIN`: true for LOWER_LEFT (the default is UPPER_LEFT).
    FsCoordOriginLowerLeft(bool),
    /// `FS_COORD_PIXEL_CENTER`: true for INTEGER (the default is HALF_INTEGER).
    FsCoordPixelCenterInteger(bool),
    /// `FS_COLOR0_WRITES_ALL_CBUFS`.
    FsColor0WritesAllCbufs(bool),
    /// `VS_PROHIBIT_UCPS`.
    VsProhibitUcps(bool),
    /// `NUM_CLIPDIST_ENABLED`.
    NumClipdistEnabled(u32),
    /// `GS_INPUT_PRIMITIVE`, as a gallium primitive number (POINTS = 0 …).
    GsInputPrimitive(u32),
    /// `GS_OUTPUT_PRIMITIVE`, as a gallium primitive number.
    GsOutputPrimitive(u32),
    /// `GS_MAX_OUTPUT_VERTICES`.
    GsMaxOutputVertices(u32),
    /// `GS_INVOCATIONS`.
    GsInvocations(u32),
    /// `FS_EARLY_DEPTH_STENCIL`.
    FsEarlyDepthStencil(bool),
    /// `TCS_VERTICES_OUT`: vertices in the output patch.
    TcsVerticesOut(u32),
    /// `TES_PRIM_MODE`, as a gallium primitive number (LINES, TRIANGLES, QUADS).
    TesPrimMode(u32),
    /// `TES_SPACING`: 0 fractional odd, 1 fractional even, 2 equal (`pipe_tess_spacing`).
    TesSpacing(u32),
    /// `TES_VERTEX_ORDER_CW`.
    TesVertexOrderCw(bool),
    /// `TES_POINT_MODE`.
    TesPointMode(bool),
    /// A property the translator does not act on (geometry and tessellation layout,
    /// compute block size, hints); only its presence is kept.
    Other,
}

/// One `DCL` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Declaration {
    pub file: File,
    /// The second dimension's first bracket (`CONST[1][0..3]`: 1; `IN[][0]`: `Some(None)`).
    pub dim: Option<Option<u32>>,
    pub first: u32,
    pub last: u32,
    /// Usage mask (`.xy`), bit 0 = x.
    pub mask: u8,
    pub semantic: Option<Semantic>,
    pub interp: Option<Interp>,
    pub location: Location,
    pub array_id: Option<u32>,
    pub local: bool,
    pub invariant: bool,
    /// For SVIEW: target and the return type of each component.
    pub sview: Option<(TexTarget, [ReturnType; 4])>,
}

/// A register index: a number, or a number added to a component of an address
/// register (`TEMP[ADDR[0].x+3]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Index {
    Direct(u32),
    Indirect {
        /// The file of the indexing register (ADDR, sometimes TEMP).
        file: File,
        /// Which register of that file.
        reg: u32,
        /// Which component (0 = x).
        component: u8,
        /// The constant added.
        offset: i32,
    },
}

/// A register operand without modifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Register {
    pub file: File,
    pub index: Index,
    /// The first bracket of a two-dimensional register (`CONST[1][2]`: 1).
    pub dim: Option<Index>,
    /// `(n)` after the bracket: the array declaration addressed (0 = none).
    pub array_id: u32,
}

/// A source operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Src {
    pub reg: Register,
    /// Component selected for each of x, y, z, w (0 = x).
    pub swizzle: [u8; 4],
    pub negate: bool,
    pub abs: bool,
}

/// A destination operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dst {
    pub reg: Register,
    /// Write mask, bit 0 = x.
    pub mask: u8,
}

/// One instruction.
#[derive(Clone, Debug, PartialEq)]
pub struct Instruction {
    pub opcode: super::Opcode,
    pub saturate: bool,
    pub precise: bool,
    pub dst: Vec<Dst>,
    pub src: Vec<Src>,
    /// The texture target of a texture instruction.
    pub target: Option<TexTarget>,
    /// Texel offsets after the target (not supported by the emitter).
    pub tex_offsets: Vec<Src>,
    /// `:n` on control-flow instructions (informational; structure comes from nesting).
    pub label: Option<u32>,
    /// Line of the text this came from (1-based).
    pub line: u32,
}

/// An immediate: four 32-bit values as parsed (floats as their bit patterns).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Immediate {
    pub ty: ImmType,
    pub bits: [u32; 4],
}

/// A whole parsed shader.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    pub processor: Processor,
    pub properties: Vec<Property>,
    pub declarations: Vec<Declaration>,
    pub immediates: Vec<Immediate>,
    pub instructions: Vec<Instruction>,
}

/// Gallium primitive numbers (the order of `enum mesa_prim`), for the GS properties.
pub mod prim {
    pub const POINTS: u32 = 0;
    pub const LINES: u32 = 1;
    pub const LINE_STRIP: u32 = 3;
    pub const TRIANGLES: u32 = 4;
    pub const TRIANGLE_STRIP: u32 = 5;
    pub const QUADS: u32 = 7;
    pub const LINES_ADJACENCY: u32 = 10;
    pub const TRIANGLES_ADJACENCY: u32 = 12;
}

impl Program {
    /// The value of a numeric property, if present (the last one wins).
    pub fn property(&self, f: impl Fn(&Property) -> Option<u32>) -> Option<u32> {
        self.properties.iter().rev().find_map(f)
    }

    /// The declaration covering register `index` of `file` (first dimension ignored).
    pub fn decl(&self, file: File, index: u32) -> Option<&Declaration> {
        self.declarations.iter().find(|d| d.file == file && d.first <= index && index <= d.last)
    }

    /// Whether a boolean-valued property is set.
    pub fn has(&self, p: Property) -> bool {
        self.properties.contains(&p)
    }
}
