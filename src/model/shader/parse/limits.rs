//! What the parser enforces (the caps on the work one text may cause) and how it fails.

use super::*;

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
