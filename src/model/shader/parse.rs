//! The TGSI text parser: one pass over the lines, bounded by the text length and the
//! [`LIMITS`]; every failure is a [`ParseError`] naming the line and column.
//!
//! Syntax accepted (as Mesa's text dumper writes it):
//! ```text
//! FRAG
//! PROPERTY FS_COORD_ORIGIN LOWER_LEFT
//! DCL IN[0].xy, GENERIC[0], PERSPECTIVE
//! DCL CONST[1][0..5]
//! DCL SVIEW[0], 2D, FLOAT
//! DCL TEMP[0..3], ARRAY(1), LOCAL
//! IMM[0] FLT32 {0x3f800000, 0.5000, 0.0000, 1.0000}
//!   0: MAD_SAT TEMP[0].xy, -|IN[0].xyyy|, CONST[ADDR[0].x+3], IMM[0].xxxx
//!   1: IF TEMP[0].xxxx :3
//!   2: END
//! ```

use super::ir::*;
use super::opcode::Opcode;
use std::fmt;

/// The caps the parser enforces.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Bytes of text.
    pub text: usize,
    pub instructions: usize,
    pub declarations: usize,
    pub immediates: usize,
    /// Control-flow nesting (IF/BGNLOOP/BGNSUB).
    pub nesting: usize,
    /// Highest TEMP index + 1.
    pub temps: u32,
    /// Highest CONST index + 1 within one buffer.
    pub consts: u32,
    /// Constant buffers (first dimension of CONST).
    pub const_buffers: u32,
    /// IN, OUT, SV registers.
    pub io: u32,
    /// SAMP registers.
    pub samplers: u32,
    /// SVIEW registers.
    pub sampler_views: u32,
    /// ADDR registers.
    pub address: u32,
    /// Semantic index (`GENERIC[n]`).
    pub semantic_index: u32,
}

/// The limits in force.
pub const LIMITS: Limits = Limits {
    text: 1 << 20,
    // NIR→TGSI output of long GLSL (unrolled loops) runs to thousands of instructions and
    // about as many temps; 16 Ki of each keeps the work bounded (see the worst-case test).
    instructions: 16384,
    declarations: 4096,
    immediates: 4096,
    nesting: 64,
    temps: 16384,
    consts: 4096,
    const_buffers: 32,
    io: 80,
    samplers: 32,
    sampler_views: 128,
    address: 4,
    semantic_index: 256,
};

/// What went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The text is longer than [`Limits::text`].
    TextTooLarge,
    /// No header line (VERT/FRAG/GEOM/TESS_CTRL/TESS_EVAL/COMP).
    MissingHeader,
    /// Something other than what the grammar allows here; the text says what was expected.
    Expected(&'static str),
    /// A name that is not a TGSI opcode the parser knows.
    UnknownOpcode,
    /// A register file name that does not exist.
    UnknownFile,
    /// A semantic, interpolation, target or type name that does not exist.
    UnknownName,
    /// A number that does not fit.
    NumberOverflow,
    /// An index beyond the limit for its file.
    IndexOutOfRange,
    /// A range whose last index is below its first.
    BadRange,
    /// Too many of something (instructions, declarations, immediates).
    TooMany(&'static str),
    /// Control flow nested deeper than [`Limits::nesting`].
    TooDeep,
    /// Wrong number of operands for the opcode.
    OperandCount,
    /// ELSE/ENDIF/ENDLOOP/BRK/CONT/ENDSUB without its opening instruction.
    UnbalancedControlFlow,
    /// The program ends inside IF/BGNLOOP/BGNSUB, or without END.
    Unterminated,
    /// An immediate declared with an index out of sequence.
    ImmediateIndex,
    /// Text after the final END.
    TrailingText,
    /// Valid TGSI the parser does not handle (double immediates, image declarations …).
    Unsupported(&'static str),
}

/// A parse failure at a 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: u32,
    pub column: u32,
    pub kind: ErrorKind,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TGSI {}:{}: ", self.line, self.column)?;
        match self.kind {
            ErrorKind::TextTooLarge => write!(f, "text too large"),
            ErrorKind::MissingHeader => write!(f, "missing processor header"),
            ErrorKind::Expected(what) => write!(f, "expected {what}"),
            ErrorKind::UnknownOpcode => write!(f, "unknown opcode"),
            ErrorKind::UnknownFile => write!(f, "unknown register file"),
            ErrorKind::UnknownName => write!(f, "unknown name"),
            ErrorKind::NumberOverflow => write!(f, "number out of range"),
            ErrorKind::IndexOutOfRange => write!(f, "register index beyond the limit"),
            ErrorKind::BadRange => write!(f, "range ends before it starts"),
            ErrorKind::TooMany(what) => write!(f, "too many {what}"),
            ErrorKind::TooDeep => write!(f, "control flow nested too deeply"),
            ErrorKind::OperandCount => write!(f, "wrong number of operands"),
            ErrorKind::UnbalancedControlFlow => write!(f, "unbalanced control flow"),
            ErrorKind::Unterminated => write!(f, "program not terminated"),
            ErrorKind::ImmediateIndex => write!(f, "immediate index out of sequence"),
            ErrorKind::TrailingText => write!(f, "text after END"),
            ErrorKind::Unsupported(what) => write!(f, "unsupported: {what}"),
        }
    }
}

impl std::error::Error for ParseError {}

type Result<T> = std::result::Result<T, ParseError>;

/// A cursor over one line.
struct Cur<'a> {
    s: &'a [u8],
    pos: usize,
    line: u32,
}

impl<'a> Cur<'a> {
    fn err(&self, kind: ErrorKind) -> ParseError {
        ParseError { line: self.line, column: self.pos as u32 + 1, kind }
    }
    fn ws(&mut self) {
        while self.pos < self.s.len() && matches!(self.s[self.pos], b' ' | b'\t' | b'\r') {
            self.pos += 1;
        }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
    fn at_end(&mut self) -> bool {
        self.ws();
        self.pos >= self.s.len()
    }
    /// Eats `c` after optional blanks.
    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, c: u8, what: &'static str) -> Result<()> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.err(ErrorKind::Expected(what)))
        }
    }
    /// Eats the exact text `t` (no blank skipping inside).
    fn eat_str(&mut self, t: &str) -> bool {
        self.ws();
        if self.s[self.pos..].starts_with(t.as_bytes()) {
            self.pos += t.len();
            true
        } else {
            false
        }
    }
    /// An identifier: `[A-Za-z0-9_]+` (targets like `2D` start with a digit).
    fn ident(&mut self) -> Option<&'a str> {
        self.ws();
        let start = self.pos;
        while self.pos < self.s.len()
            && (self.s[self.pos].is_ascii_alphanumeric() || self.s[self.pos] == b'_')
        {
            self.pos += 1;
        }
        if self.pos == start {
            None
        } else {
            std::str::from_utf8(&self.s[start..self.pos]).ok()
        }
    }
    fn expect_ident(&mut self, what: &'static str) -> Result<&'a str> {
        let at = self.pos;
        self.ident().ok_or_else(|| {
            self.pos = at;
            self.err(ErrorKind::Expected(what))
        })
    }
    /// A decimal u32 (or `0x` hex when `hex`), with overflow checks.
    fn uint(&mut self, hex: bool) -> Result<u32> {
        self.ws();
        if hex && (self.eat_str("0x") || self.eat_str("0X")) {
            let start = self.pos;
            let mut v: u32 = 0;
            while let Some(d) = self.peek().and_then(|c| (c as char).to_digit(16)) {
                v = v
                    .checked_mul(16)
                    .and_then(|v| v.checked_add(d))
                    .ok_or_else(|| self.err(ErrorKind::NumberOverflow))?;
                self.pos += 1;
            }
            if self.pos == start {
                return Err(self.err(ErrorKind::Expected("hex digits")));
            }
            return Ok(v);
        }
        let start = self.pos;
        let mut v: u32 = 0;
        while let Some(d) = self.peek().and_then(|c| (c as char).to_digit(10)) {
            v = v
                .checked_mul(10)
                .and_then(|v| v.checked_add(d))
                .ok_or_else(|| self.err(ErrorKind::NumberOverflow))?;
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.err(ErrorKind::Expected("a number")));
        }
        Ok(v)
    }
    /// A u32 no greater than `max`.
    fn index(&mut self, max: u32) -> Result<u32> {
        let at = self.pos;
        let v = self.uint(false)?;
        if v > max {
            self.pos = at;
            self.ws();
            return Err(self.err(ErrorKind::IndexOutOfRange));
        }
        Ok(v)
    }
    /// A token for a float: sign, digits, '.', exponent, or a word like `inf`/`nan`.
    fn float_token(&mut self) -> Option<&'a str> {
        self.ws();
        let start = self.pos;
        while self.pos < self.s.len()
            && (self.s[self.pos].is_ascii_alphanumeric()
                || matches!(self.s[self.pos], b'.' | b'+' | b'-'))
        {
            self.pos += 1;
        }
        if self.pos == start {
            None
        } else {
            std::str::from_utf8(&self.s[start..self.pos]).ok()
        }
    }
}

fn file_from_name(s: &str) -> Option<File> {
    Some(match s {
        "CONST" => File::Const,
        "IN" => File::Input,
        "OUT" => File::Output,
        "TEMP" => File::Temp,
        "SAMP" => File::Sampler,
        "ADDR" => File::Address,
        "IMM" => File::Immediate,
        "SV" => File::SystemValue,
        "SVIEW" => File::SamplerView,
        "IMAGE" => File::Image,
        "BUFFER" => File::Buffer,
        "MEMORY" => File::Memory,
        "HWATOMIC" => File::HwAtomic,
        _ => return None,
    })
}

fn semantic_from_name(s: &str) -> Option<SemanticName> {
    use SemanticName::*;
    Some(match s {
        "POSITION" => Position,
        "COLOR" => Color,
        "BCOLOR" => BackColor,
        "FOG" => Fog,
        "PSIZE" => PointSize,
        "GENERIC" => Generic,
        "NORMAL" => Normal,
        "FACE" => Face,
        "EDGEFLAG" => EdgeFlag,
        "PRIM_ID" => PrimitiveId,
        "INSTANCEID" => InstanceId,
        "VERTEXID" => VertexId,
        "STENCIL" => Stencil,
        "CLIPDIST" => ClipDistance,
        "CLIPVERTEX" => ClipVertex,
        "TEXCOORD" => TexCoord,
        "PCOORD" => PointCoord,
        "VIEWPORT_INDEX" => ViewportIndex,
        "LAYER" => Layer,
        "SAMPLEID" => SampleId,
        "SAMPLEPOS" => SamplePos,
        "SAMPLEMASK" => SampleMask,
        "INVOCATIONID" => InvocationId,
        "VERTEXID_NOBASE" => VertexIdNoBase,
        "BASEVERTEX" => BaseVertex,
        "BASEINSTANCE" => BaseInstance,
        "DRAWID" => DrawId,
        "HELPER_INVOCATION" => HelperInvocation,
        "GRID_SIZE"
        | "BLOCK_ID"
        | "BLOCK_SIZE"
        | "THREAD_ID"
        | "PATCH"
        | "TESSCOORD"
        | "TESSOUTER"
        | "TESSINNER"
        | "VERTICESIN"
        | "WORK_DIM"
        | "SUBGROUP_SIZE"
        | "SUBGROUP_INVOCATION"
        | "SUBGROUP_EQ_MASK"
        | "SUBGROUP_GE_MASK"
        | "SUBGROUP_GT_MASK"
        | "SUBGROUP_LE_MASK"
        | "SUBGROUP_LT_MASK"
        | "CS_USER_DATA_AMD"
        | "VIEWPORT_MASK"
        | "TESS_DEFAULT_OUTER_LEVEL"
        | "TESS_DEFAULT_INNER_LEVEL" => Other,
        _ => return None,
    })
}

/// A gallium primitive name as the dumper writes it.
fn prim_from_name(s: &str) -> Option<u32> {
    const NAMES: [&str; 15] = [
        "POINTS",
        "LINES",
        "LINE_LOOP",
        "LINE_STRIP",
        "TRIANGLES",
        "TRIANGLE_STRIP",
        "TRIANGLE_FAN",
        "QUADS",
        "QUAD_STRIP",
        "POLYGON",
        "LINES_ADJACENCY",
        "LINE_STRIP_ADJACENCY",
        "TRIANGLES_ADJACENCY",
        "TRIANGLE_STRIP_ADJACENCY",
        "PATCHES",
    ];
    NAMES.iter().position(|n| *n == s).map(|i| i as u32)
}

fn target_from_name(s: &str) -> Option<TexTarget> {
    use TexTarget::*;
    Some(match s {
        "BUFFER" => Buffer,
        "1D" => T1D,
        "2D" => T2D,
        "3D" => T3D,
        "CUBE" => Cube,
        "RECT" => Rect,
        "SHADOW1D" => Shadow1D,
        "SHADOW2D" => Shadow2D,
        "SHADOWRECT" => ShadowRect,
        "1D_ARRAY" => T1DArray,
        "2D_ARRAY" => T2DArray,
        "SHADOW1D_ARRAY" => Shadow1DArray,
        "SHADOW2D_ARRAY" => Shadow2DArray,
        "SHADOWCUBE" => ShadowCube,
        "2D_MSAA" => T2DMsaa,
        "2D_ARRAY_MSAA" => T2DArrayMsaa,
        "CUBE_ARRAY" => CubeArray,
        "SHADOWCUBE_ARRAY" => ShadowCubeArray,
        "UNKNOWN" => Unknown,
        _ => return None,
    })
}

fn return_type_from_name(s: &str) -> Option<ReturnType> {
    Some(match s {
        "UNORM" => ReturnType::Unorm,
        "SNORM" => ReturnType::Snorm,
        "SINT" => ReturnType::Sint,
        "UINT" => ReturnType::Uint,
        "FLOAT" => ReturnType::Float,
        _ => return None,
    })
}

/// The index limit (inclusive) for a file, and whether it is supported at all.
fn max_index(file: File) -> Option<u32> {
    let l = &LIMITS;
    Some(match file {
        File::Temp => l.temps - 1,
        File::Const => l.consts - 1,
        File::Input | File::Output | File::SystemValue => l.io - 1,
        File::Sampler => l.samplers - 1,
        File::SamplerView => l.sampler_views - 1,
        File::Address => l.address - 1,
        File::Immediate => l.immediates as u32 - 1,
        File::Image | File::Buffer | File::Memory | File::HwAtomic => return None,
    })
}

/// Parses a swizzle or write-mask letter.
fn component(c: u8) -> Option<u8> {
    match c {
        b'x' | b'X' | b'r' | b'R' => Some(0),
        b'y' | b'Y' | b'g' | b'G' => Some(1),
        b'z' | b'Z' | b'b' | b'B' => Some(2),
        b'w' | b'W' | b'a' | b'A' => Some(3),
        _ => None,
    }
}

struct Parser<'a> {
    cur: Cur<'a>,
}

impl<'a> Parser<'a> {
    fn err(&self, kind: ErrorKind) -> ParseError {
        self.cur.err(kind)
    }

    fn file(&mut self) -> Result<File> {
        let at = self.cur.pos;
        let name = self.cur.expect_ident("a register file")?;
        file_from_name(name).ok_or_else(|| {
            self.cur.pos = at;
            self.cur.ws();
            self.err(ErrorKind::UnknownFile)
        })
    }

    /// `N`, or `FILE[n].c`, `FILE[n].c+N`, `FILE[n].c-N` inside brackets (the `[` eaten).
    fn index(&mut self, file: File) -> Result<Index> {
        let max = max_index(file).ok_or_else(|| self.err(ErrorKind::Unsupported("file")))?;
        self.cur.ws();
        if self.cur.peek().is_some_and(|c| c.is_ascii_digit()) {
            return Ok(Index::Direct(self.cur.index(max)?));
        }
        let ifile = self.file()?;
        let imax = max_index(ifile).ok_or_else(|| self.err(ErrorKind::Unsupported("file")))?;
        self.cur.expect(b'[', "'['")?;
        let reg = self.cur.index(imax)?;
        self.cur.expect(b']', "']'")?;
        if self.cur.eat(b'(') {
            self.cur.uint(false)?;
            self.cur.expect(b')', "')'")?;
        }
        self.cur.expect(b'.', "'.' and a component")?;
        let component = self
            .cur
            .peek()
            .and_then(component)
            .ok_or_else(|| self.err(ErrorKind::Expected("a component")))?;
        self.cur.pos += 1;
        let offset = if self.cur.eat(b'+') {
            self.cur.index(max)? as i32
        } else if self.cur.eat(b'-') {
            -(self.cur.index(max)? as i32)
        } else {
            0
        };
        Ok(Index::Indirect { file: ifile, reg, component, offset })
    }

    /// A register (no modifiers, no swizzle).
    fn register(&mut self) -> Result<Register> {
        let file = self.file()?;
        self.cur.expect(b'[', "'['")?;
        let first = self.index(file)?;
        self.cur.expect(b']', "']'")?;
        let (dim, index) = if self.cur.eat(b'[') {
            let second = self.index(file)?;
            self.cur.expect(b']', "']'")?;
            (Some(first), second)
        } else {
            (None, first)
        };
        let mut array_id = 0;
        if self.cur.eat(b'(') {
            array_id = self.cur.index(LIMITS.temps)?;
            self.cur.expect(b')', "')'")?;
        }
        Ok(Register { file, index, dim, array_id })
    }

    fn src(&mut self) -> Result<Src> {
        let negate = self.cur.eat(b'-');
        let abs = self.cur.eat(b'|');
        let reg = self.register()?;
        let mut swizzle = [0, 1, 2, 3];
        self.cur.ws();
        if self.cur.peek() == Some(b'.') {
            self.cur.pos += 1;
            let mut n = 0;
            while n < 4 {
                match self.cur.peek().and_then(component) {
                    Some(c) => {
                        swizzle[n] = c;
                        n += 1;
                        self.cur.pos += 1;
                    }
                    None => break,
                }
            }
            if n == 0 {
                return Err(self.err(ErrorKind::Expected("a swizzle")));
            }
            for i in n..4 {
                swizzle[i] = swizzle[n - 1];
            }
        }
        if abs {
            self.cur.expect(b'|', "'|'")?;
        }
        Ok(Src { reg, swizzle, negate, abs })
    }

    /// A write mask after '.', letters in xyzw order.
    fn mask(&mut self) -> Result<u8> {
        self.cur.ws();
        if self.cur.peek() != Some(b'.') {
            return Ok(0xf);
        }
        self.cur.pos += 1;
        let mut mask = 0u8;
        let mut last: i32 = -1;
        while let Some(c) = self.cur.peek().and_then(component) {
            if i32::from(c) <= last {
                return Err(self.err(ErrorKind::Expected("write mask letters in xyzw order")));
            }
            last = i32::from(c);
            mask |= 1 << c;
            self.cur.pos += 1;
        }
        if mask == 0 {
            return Err(self.err(ErrorKind::Expected("a write mask")));
        }
        Ok(mask)
    }

    fn dst(&mut self) -> Result<Dst> {
        let reg = self.register()?;
        let mask = self.mask()?;
        Ok(Dst { reg, mask })
    }

    /// `first` or `first..last` (the `[` eaten, the `]` not).
    fn range(&mut self, max: u32) -> Result<(u32, u32)> {
        let first = self.cur.index(max)?;
        let last = if self.cur.eat_str("..") { self.cur.index(max)? } else { first };
        if last < first {
            return Err(self.err(ErrorKind::BadRange));
        }
        Ok((first, last))
    }

    fn declaration(&mut self) -> Result<Declaration> {
        let file = self.file()?;
        let max = max_index(file).ok_or_else(|| self.err(ErrorKind::Unsupported("file")))?;
        self.cur.expect(b'[', "'['")?;
        let mut dim = None;
        let (first, last);
        self.cur.ws();
        if self.cur.peek() == Some(b']') {
            // `IN[][0]`: a per-vertex array of unspecified size.
            self.cur.pos += 1;
            self.cur.expect(b'[', "'['")?;
            dim = Some(None);
            (first, last) = self.range(max)?;
            self.cur.expect(b']', "']'")?;
        } else {
            let (a, b) = self.range(max)?;
            self.cur.expect(b']', "']'")?;
            if self.cur.eat(b'[') {
                if a != b {
                    return Err(self.err(ErrorKind::Expected("a single first dimension")));
                }
                let dmax = match file {
                    File::Const => LIMITS.const_buffers - 1,
                    _ => LIMITS.io - 1,
                };
                if a > dmax {
                    return Err(self.err(ErrorKind::IndexOutOfRange));
                }
                dim = Some(Some(a));
                (first, last) = self.range(max)?;
                self.cur.expect(b']', "']'")?;
            } else {
                (first, last) = (a, b);
            }
        }
        let mask = self.mask()?;
        let mut d = Declaration {
            file,
            dim,
            first,
            last,
            mask,
            semantic: None,
            interp: None,
            location: Location::Center,
            array_id: None,
            local: false,
            invariant: false,
            sview: None,
        };
        if file == File::SamplerView {
            self.cur.expect(b',', "',' and a texture target")?;
            let at = self.cur.pos;
            let t = self.cur.expect_ident("a texture target")?;
            let target = target_from_name(t).ok_or_else(|| {
                self.cur.pos = at;
                self.cur.ws();
                self.err(ErrorKind::UnknownName)
            })?;
            let mut types = [ReturnType::Float; 4];
            let mut n = 0;
            while n < 4 && self.cur.eat(b',') {
                let at = self.cur.pos;
                let t = self.cur.expect_ident("a return type")?;
                types[n] = return_type_from_name(t).ok_or_else(|| {
                    self.cur.pos = at;
                    self.cur.ws();
                    self.err(ErrorKind::UnknownName)
                })?;
                n += 1;
            }
            if n == 1 {
                types = [types[0]; 4];
            } else if n != 4 {
                return Err(self.err(ErrorKind::Expected("one or four return types")));
            }
            d.sview = Some((target, types));
        } else {
            let mut items = 0;
            while self.cur.eat(b',') {
                items += 1;
                if items > 8 {
                    return Err(self.err(ErrorKind::Expected("end of declaration")));
                }
                let at = self.cur.pos;
                let name = self.cur.expect_ident("a declaration attribute")?;
                if let Some(s) = semantic_from_name(name) {
                    if d.semantic.is_some() && s == SemanticName::Color {
                        // `DCL IN[0], COLOR, COLOR`: the second COLOR is the interpolation.
                        d.interp = Some(Interp::Color);
                        continue;
                    }
                    if d.semantic.is_some() {
                        self.cur.pos = at;
                        return Err(self.err(ErrorKind::Expected("one semantic")));
                    }
                    let mut index = 0;
                    if self.cur.eat(b'[') {
                        index = self.cur.index(LIMITS.semantic_index - 1)?;
                        self.cur.expect(b']', "']'")?;
                    }
                    d.semantic = Some(Semantic { name: s, index });
                    continue;
                }
                match name {
                    // After a semantic, COLOR names the colour interpolation mode.
                    "CONSTANT" => d.interp = Some(Interp::Constant),
                    "LINEAR" => d.interp = Some(Interp::Linear),
                    "PERSPECTIVE" => d.interp = Some(Interp::Perspective),
                    "CENTROID" => d.location = Location::Centroid,
                    "SAMPLE" => d.location = Location::Sample,
                    "LOCAL" => d.local = true,
                    "INVARIANT" => d.invariant = true,
                    "ARRAY" => {
                        self.cur.expect(b'(', "'('")?;
                        d.array_id = Some(self.cur.index(LIMITS.temps)?);
                        self.cur.expect(b')', "')'")?;
                    }
                    _ => {
                        self.cur.pos = at;
                        self.cur.ws();
                        return Err(self.err(ErrorKind::UnknownName));
                    }
                }
            }
        }
        if !self.cur.at_end() {
            return Err(self.err(ErrorKind::Expected("end of declaration")));
        }
        Ok(d)
    }

    fn immediate(&mut self, expected_index: usize) -> Result<Immediate> {
        if self.cur.eat(b'[') {
            let i = self.cur.uint(false)?;
            if i as usize != expected_index {
                return Err(self.err(ErrorKind::ImmediateIndex));
            }
            self.cur.expect(b']', "']'")?;
        }
        let at = self.cur.pos;
        let ty = match self.cur.expect_ident("an immediate type")? {
            "FLT32" => ImmType::Float32,
            "UINT32" => ImmType::Uint32,
            "INT32" => ImmType::Int32,
            "FLT64" | "UINT64" | "INT64" => {
                self.cur.pos = at;
                self.cur.ws();
                return Err(self.err(ErrorKind::Unsupported("64-bit immediates")));
            }
            _ => {
                self.cur.pos = at;
                self.cur.ws();
                return Err(self.err(ErrorKind::UnknownName));
            }
        };
        self.cur.expect(b'{', "'{'")?;
        let mut bits = [0u32; 4];
        let mut n = 0;
        loop {
            if n == 4 {
                return Err(self.err(ErrorKind::Expected("'}' after four values")));
            }
            bits[n] = match ty {
                ImmType::Float32 => self.float_bits()?,
                ImmType::Uint32 => self.cur.uint(true)?,
                ImmType::Int32 => {
                    let neg = self.cur.eat(b'-');
                    let at = self.cur.pos;
                    let v = self.cur.uint(false)?;
                    if neg {
                        if v > 1 << 31 {
                            self.cur.pos = at;
                            return Err(self.err(ErrorKind::NumberOverflow));
                        }
                        (v as i32).wrapping_neg() as u32
                    } else {
                        if v > i32::MAX as u32 {
                            self.cur.pos = at;
                            return Err(self.err(ErrorKind::NumberOverflow));
                        }
                        v
                    }
                }
            };
            n += 1;
            if self.cur.eat(b'}') {
                break;
            }
            self.cur.expect(b',', "',' or '}'")?;
        }
        if !self.cur.at_end() {
            return Err(self.err(ErrorKind::Expected("end of line")));
        }
        Ok(Immediate { ty, bits })
    }

    /// A float immediate: `0x3f800000` (bit pattern) or a decimal.
    fn float_bits(&mut self) -> Result<u32> {
        self.cur.ws();
        if self.cur.s[self.cur.pos..].starts_with(b"0x")
            || self.cur.s[self.cur.pos..].starts_with(b"0X")
        {
            return self.cur.uint(true);
        }
        let at = self.cur.pos;
        let tok =
            self.cur.float_token().ok_or_else(|| self.err(ErrorKind::Expected("a float value")))?;
        let lower = tok.to_ascii_lowercase();
        let v: f32 = match lower.as_str() {
            "inf" | "+inf" => f32::INFINITY,
            "-inf" => f32::NEG_INFINITY,
            "nan" | "+nan" => f32::NAN,
            "-nan" => -f32::NAN,
            _ if lower
                .bytes()
                .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e')) =>
            {
                tok.parse::<f32>().map_err(|_| {
                    self.cur.pos = at;
                    self.err(ErrorKind::Expected("a float value"))
                })?
            }
            _ => {
                self.cur.pos = at;
                return Err(self.err(ErrorKind::Expected("a float value")));
            }
        };
        Ok(v.to_bits())
    }

    fn instruction(&mut self, line: u32) -> Result<Instruction> {
        let at = self.cur.pos;
        let name = self.cur.expect_ident("an opcode")?;
        let unknown = |p: &mut Self| {
            p.cur.pos = at;
            p.cur.ws();
            p.err(ErrorKind::UnknownOpcode)
        };
        let (mut saturate, mut precise) = (false, false);
        let mut base = name;
        let opcode = loop {
            if let Some(op) = Opcode::from_name(base) {
                break op;
            }
            if let Some(b) = base.strip_suffix("_PRECISE").filter(|_| !precise && !saturate) {
                precise = true;
                base = b;
            } else if let Some(b) = base.strip_suffix("_SAT").filter(|_| !saturate) {
                saturate = true;
                base = b;
            } else {
                return Err(unknown(self));
            }
        };
        let (ndst, nsrc) = opcode.operands();
        let mut inst = Instruction {
            opcode,
            saturate,
            precise,
            dst: Vec::new(),
            src: Vec::new(),
            target: None,
            tex_offsets: Vec::new(),
            label: None,
            line,
        };
        let is_tex = matches!(
            opcode,
            Opcode::Tex
                | Opcode::Txd
                | Opcode::Txp
                | Opcode::Txb
                | Opcode::Txl
                | Opcode::Tex2
                | Opcode::Txb2
                | Opcode::Txl2
                | Opcode::Txf
                | Opcode::Txq
        );
        for i in 0..ndst + nsrc {
            if i > 0 {
                self.cur.expect(b',', "',' and another operand")?;
            }
            if i < ndst {
                inst.dst.push(self.dst()?);
            } else {
                inst.src.push(self.src()?);
            }
        }
        if is_tex {
            self.cur.expect(b',', "',' and a texture target")?;
            let at = self.cur.pos;
            let t = self.cur.expect_ident("a texture target")?;
            inst.target = Some(target_from_name(t).ok_or_else(|| {
                self.cur.pos = at;
                self.cur.ws();
                self.err(ErrorKind::UnknownName)
            })?);
            while self.cur.eat(b',') {
                if inst.tex_offsets.len() == 4 {
                    return Err(self.err(ErrorKind::OperandCount));
                }
                inst.tex_offsets.push(self.src()?);
            }
        }
        if self.cur.eat(b':') {
            inst.label = Some(self.cur.uint(false)?);
        }
        if !self.cur.at_end() {
            return Err(self.err(if self.cur.peek() == Some(b',') {
                ErrorKind::OperandCount
            } else {
                ErrorKind::Expected("end of instruction")
            }));
        }
        Ok(inst)
    }

    fn property(&mut self) -> Result<Property> {
        let at = self.cur.pos;
        let name = self.cur.expect_ident("a property name")?;
        let vat = self.cur.pos;
        let value = self.cur.expect_ident("a property value")?;
        let num = |p: &mut Self, v: &str| -> Result<u32> {
            let mut c = Cur { s: v.as_bytes(), pos: 0, line: p.cur.line };
            let n = c.uint(false);
            match n {
                Ok(n) if c.at_end() => Ok(n),
                _ => {
                    p.cur.pos = vat;
                    p.cur.ws();
                    Err(p.err(ErrorKind::Expected("a number")))
                }
            }
        };
        let prop = match name {
            "FS_COORD_ORIGIN" => match value {
                "UPPER_LEFT" => Property::FsCoordOriginLowerLeft(false),
                "LOWER_LEFT" => Property::FsCoordOriginLowerLeft(true),
                _ => {
                    self.cur.pos = vat;
                    self.cur.ws();
                    return Err(self.err(ErrorKind::UnknownName));
                }
            },
            "FS_COORD_PIXEL_CENTER" => match value {
                "HALF_INTEGER" => Property::FsCoordPixelCenterInteger(false),
                "INTEGER" => Property::FsCoordPixelCenterInteger(true),
                _ => {
                    self.cur.pos = vat;
                    self.cur.ws();
                    return Err(self.err(ErrorKind::UnknownName));
                }
            },
            "FS_COLOR0_WRITES_ALL_CBUFS" => {
                Property::FsColor0WritesAllCbufs(num(self, value)? != 0)
            }
            "VS_PROHIBIT_UCPS" => Property::VsProhibitUcps(num(self, value)? != 0),
            "FS_EARLY_DEPTH_STENCIL" => Property::FsEarlyDepthStencil(num(self, value)? != 0),
            "NUM_CLIPDIST_ENABLED" => Property::NumClipdistEnabled(num(self, value)?),
            "GS_MAX_OUTPUT_VERTICES" => Property::GsMaxOutputVertices(num(self, value)?),
            "GS_INVOCATIONS" => Property::GsInvocations(num(self, value)?),
            "GS_INPUT_PRIMITIVE" | "GS_OUTPUT_PRIMITIVE" => {
                let Some(p) = prim_from_name(value) else {
                    self.cur.pos = vat;
                    self.cur.ws();
                    return Err(self.err(ErrorKind::UnknownName));
                };
                if name == "GS_INPUT_PRIMITIVE" {
                    Property::GsInputPrimitive(p)
                } else {
                    Property::GsOutputPrimitive(p)
                }
            }
            _ if name
                .bytes()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_') =>
            {
                Property::Other
            }
            _ => {
                self.cur.pos = at;
                self.cur.ws();
                return Err(self.err(ErrorKind::UnknownName));
            }
        };
        if !self.cur.at_end() {
            return Err(self.err(ErrorKind::Expected("end of line")));
        }
        Ok(prop)
    }
}

/// What a control-flow block was opened by.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Block {
    If { seen_else: bool },
    Loop,
    Sub,
}

/// Parses TGSI text into a [`Program`]. Text after a NUL byte is ignored (the command
/// stream pads strings with zeros).
pub fn parse(text: &str) -> std::result::Result<Program, ParseError> {
    if text.len() > LIMITS.text {
        return Err(ParseError { line: 0, column: 0, kind: ErrorKind::TextTooLarge });
    }
    let text = match text.find('\0') {
        Some(n) => &text[..n],
        None => text,
    };
    let mut processor = None;
    let mut prog = Program {
        processor: Processor::Vertex,
        properties: Vec::new(),
        declarations: Vec::new(),
        immediates: Vec::new(),
        instructions: Vec::new(),
    };
    let mut stack: Vec<Block> = Vec::new();
    let mut ended = false;
    let mut last_line = 0;
    for (n, line) in text.split('\n').enumerate() {
        let lineno = u32::try_from(n + 1).unwrap_or(u32::MAX);
        last_line = lineno;
        let mut p = Parser { cur: Cur { s: line.as_bytes(), pos: 0, line: lineno } };
        if p.cur.at_end() {
            continue;
        }
        if ended {
            return Err(p.err(ErrorKind::TrailingText));
        }
        if processor.is_none() {
            let at = p.cur.pos;
            let kind = match p.cur.ident() {
                Some("VERT") => Processor::Vertex,
                Some("FRAG") => Processor::Fragment,
                Some("GEOM") => Processor::Geometry,
                Some("TESS_CTRL") => Processor::TessCtrl,
                Some("TESS_EVAL") => Processor::TessEval,
                Some("COMP") => Processor::Compute,
                _ => {
                    p.cur.pos = at;
                    p.cur.ws();
                    return Err(p.err(ErrorKind::MissingHeader));
                }
            };
            if !p.cur.at_end() {
                return Err(p.err(ErrorKind::Expected("end of line")));
            }
            processor = Some(kind);
            prog.processor = kind;
            continue;
        }
        // Optional instruction number `12:`.
        p.cur.ws();
        let save = p.cur.pos;
        if p.cur.peek().is_some_and(|c| c.is_ascii_digit()) {
            p.cur.uint(false)?;
            if !p.cur.eat(b':') {
                p.cur.pos = save;
                return Err(p.err(ErrorKind::Expected("':' after the instruction number")));
            }
        }
        let save = p.cur.pos;
        let word = p.cur.ident();
        match word {
            Some("DCL") => {
                if prog.declarations.len() == LIMITS.declarations {
                    return Err(p.err(ErrorKind::TooMany("declarations")));
                }
                let d = p.declaration()?;
                prog.declarations.push(d);
            }
            Some("PROPERTY") => {
                if prog.properties.len() == LIMITS.declarations {
                    return Err(p.err(ErrorKind::TooMany("properties")));
                }
                let prop = p.property()?;
                prog.properties.push(prop);
            }
            Some("IMM") => {
                if prog.immediates.len() == LIMITS.immediates {
                    return Err(p.err(ErrorKind::TooMany("immediates")));
                }
                let imm = p.immediate(prog.immediates.len())?;
                prog.immediates.push(imm);
            }
            Some(_) => {
                p.cur.pos = save;
                if prog.instructions.len() == LIMITS.instructions {
                    return Err(p.err(ErrorKind::TooMany("instructions")));
                }
                let inst = p.instruction(lineno)?;
                let unbalanced = ParseError {
                    line: lineno,
                    column: save as u32 + 1,
                    kind: ErrorKind::UnbalancedControlFlow,
                };
                let push = |stack: &mut Vec<Block>, b: Block| {
                    if stack.len() == LIMITS.nesting {
                        Err(ParseError { kind: ErrorKind::TooDeep, ..unbalanced })
                    } else {
                        stack.push(b);
                        Ok(())
                    }
                };
                match inst.opcode {
                    Opcode::If | Opcode::Uif => push(&mut stack, Block::If { seen_else: false })?,
                    Opcode::Bgnloop => push(&mut stack, Block::Loop)?,
                    Opcode::Bgnsub => push(&mut stack, Block::Sub)?,
                    Opcode::Else => match stack.last_mut() {
                        Some(Block::If { seen_else }) if !*seen_else => *seen_else = true,
                        _ => return Err(unbalanced),
                    },
                    Opcode::Endif => match stack.last() {
                        Some(Block::If { .. }) => {
                            stack.pop();
                        }
                        _ => return Err(unbalanced),
                    },
                    Opcode::Endloop => match stack.last() {
                        Some(Block::Loop) => {
                            stack.pop();
                        }
                        _ => return Err(unbalanced),
                    },
                    Opcode::Endsub => match stack.last() {
                        Some(Block::Sub) => {
                            stack.pop();
                        }
                        _ => return Err(unbalanced),
                    },
                    Opcode::Brk | Opcode::Cont if !stack.contains(&Block::Loop) => {
                        return Err(unbalanced);
                    }
                    Opcode::End => {
                        if !stack.is_empty() {
                            return Err(ParseError { kind: ErrorKind::Unterminated, ..unbalanced });
                        }
                        ended = true;
                    }
                    _ => {}
                }
                prog.instructions.push(inst);
            }
            None => return Err(p.err(ErrorKind::Expected("a declaration or instruction"))),
        }
    }
    if processor.is_none() {
        return Err(ParseError { line: 1, column: 1, kind: ErrorKind::MissingHeader });
    }
    if !ended {
        return Err(ParseError { line: last_line, column: 1, kind: ErrorKind::Unterminated });
    }
    Ok(prog)
}
