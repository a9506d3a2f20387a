//! The cursor over one line (whitespace, identifiers, numbers) and the token tables
//! (register files, semantics, primitives, texture targets, return types, components).

use super::*;

impl<'a> Cur<'a> {
    pub(super) fn err(&self, kind: ErrorKind) -> ParseError {
        ParseError { line: self.line, column: self.pos as u32 + 1, kind }
    }
    pub(super) fn ws(&mut self) {
        while self.pos < self.s.len() && matches!(self.s[self.pos], b' ' | b'\t' | b'\r') {
            self.pos += 1;
        }
    }
    pub(super) fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
    pub(super) fn at_end(&mut self) -> bool {
        self.ws();
        self.pos >= self.s.len()
    }
    /// Eats `c` after optional blanks.
    pub(super) fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    pub(super) fn expect(&mut self, c: u8, what: &'static str) -> Result<()> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.err(ErrorKind::Expected(what)))
        }
    }
    /// Eats the exact text `t` (no blank skipping inside).
    pub(super) fn eat_str(&mut self, t: &str) -> bool {
        self.ws();
        if self.s[self.pos..].starts_with(t.as_bytes()) {
            self.pos += t.len();
            true
        } else {
            false
        }
    }
    /// An identifier: `[A-Za-z0-9_]+` (targets like `2D` start with a digit).
    pub(super) fn ident(&mut self) -> Option<&'a str> {
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
    pub(super) fn expect_ident(&mut self, what: &'static str) -> Result<&'a str> {
        let at = self.pos;
        self.ident().ok_or_else(|| {
            self.pos = at;
            self.err(ErrorKind::Expected(what))
        })
    }
    /// A decimal u32 (or `0x` hex when `hex`), with overflow checks.
    pub(super) fn uint(&mut self, hex: bool) -> Result<u32> {
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
    pub(super) fn index(&mut self, max: u32) -> Result<u32> {
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
    pub(super) fn float_token(&mut self) -> Option<&'a str> {
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

pub(super) fn file_from_name(s: &str) -> Option<File> {
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

pub(super) fn semantic_from_name(s: &str) -> Option<SemanticName> {
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
        "PATCH" => Patch,
        "TESSCOORD" => TessCoord,
        "TESSOUTER" => TessOuter,
        "TESSINNER" => TessInner,
        "VERTICESIN" => VerticesIn,
        "GRID_SIZE"
        | "BLOCK_ID"
        | "BLOCK_SIZE"
        | "THREAD_ID"
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
pub(super) fn prim_from_name(s: &str) -> Option<u32> {
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

pub(super) fn target_from_name(s: &str) -> Option<TexTarget> {
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
        // tgsi_texture_names spells them without the underscore; both are accepted.
        "CUBEARRAY" | "CUBE_ARRAY" => CubeArray,
        "SHADOWCUBEARRAY" | "SHADOWCUBE_ARRAY" => ShadowCubeArray,
        "UNKNOWN" => Unknown,
        _ => return None,
    })
}

pub(super) fn return_type_from_name(s: &str) -> Option<ReturnType> {
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
pub(super) fn max_index(file: File) -> Option<u32> {
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
pub(super) fn component(c: u8) -> Option<u8> {
    match c {
        b'x' | b'X' | b'r' | b'R' => Some(0),
        b'y' | b'Y' | b'g' | b'G' => Some(1),
        b'z' | b'Z' | b'b' | b'B' => Some(2),
        b'w' | b'W' | b'a' | b'A' => Some(3),
        _ => None,
    }
}
