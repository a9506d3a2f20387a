//! IR → GLSL 3.30 core (4.00 for the tessellation stages).
//!
//! Registers are untyped 32-bit values in TGSI; here every register is a `vec4` and
//! integer instructions reinterpret bits (`floatBitsToInt`/`intBitsToFloat`). Constant
//! buffers are `uvec4` arrays so that the bits the guest wrote arrive unchanged.
//! Every identifier is generated; numbers come from parsed values.
//!
//! Files: `key` (the [`VariantKey`]), `program` (output assembly: layout, declarations,
//! interface, body and helpers around it, [`ShaderInfo`]), `interface` (varying slots and
//! the fragment inputs the key changes), `instruction` (one TGSI instruction, by opcode),
//! `operands` (registers, sources, destinations), `texture` (samplers, texture opcodes),
//! `ubo` (uniform blocks: two-dimensional constants), `streamout` (the varyings transform
//! feedback captures), `temps` (where TEMP registers live: variables, arrays).

use super::ir::*;
use super::opcode::Opcode;
use std::collections::BTreeMap;
use std::fmt::{self, Write};

mod instruction;
mod interface;
mod key;
mod loops;
mod operands;
mod program;
mod streamout;
mod temps;
mod tess;
#[cfg(test)]
mod tess_tests;
mod texture;
mod ubo;

pub use interface::{fs_interpolation, output_slots};
pub use key::{CompareFunc, VariantKey};
pub use program::{emit, emit_with_info, ShaderInfo};
pub use streamout::{SoOutput, StreamOutKey, MAX_SO_BUFFERS, MAX_SO_COMPONENTS, MAX_SO_OUTPUTS};
pub use tess::{MAX_PATCH_VARYINGS, MAX_PATCH_VERTICES};

use interface::*;
use operands::*;
use texture::*;

/// Why no GLSL came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmitError {
    /// Valid TGSI (or a key setting) this translator does not implement.
    Unsupported(&'static str),
    /// The program is inconsistent (register not declared, index out of its range,
    /// conflicting sampler targets); `line` is the TGSI line (0 for declarations).
    Invalid { line: u32, what: &'static str },
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmitError::Unsupported(what) => write!(f, "TGSI→GLSL: unsupported: {what}"),
            EmitError::Invalid { line, what } => write!(f, "TGSI→GLSL: line {line}: {what}"),
        }
    }
}

impl std::error::Error for EmitError {}

type Result<T> = std::result::Result<T, EmitError>;

/// Iterations all loops of one invocation may run together before they stop: a guest
/// shader must not hang the host's GL.
pub const LOOP_BUDGET: u32 = 65536;

/// A float printed bit-exactly.
fn float_lit(bits: u32) -> String {
    let f = f32::from_bits(bits);
    // Small integers print as themselves (readable goldens); all else as bits.
    if f.is_finite() && f.fract() == 0.0 && f.abs() <= 16777216.0 && bits != 0x8000_0000 {
        format!("{}.0", f as i64)
    } else {
        format!("uintBitsToFloat(0x{bits:08x}u)")
    }
}

const COMP: [char; 4] = ['x', 'y', 'z', 'w'];

fn mask_str(mask: u8) -> String {
    (0..4).filter(|i| mask & (1 << i) != 0).map(|i| COMP[i]).collect()
}

/// How a source is read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ty {
    Float,
    Int,
    Uint,
}

/// What a texture unit's uniform is.
#[derive(Clone, Copy, PartialEq, Eq)]
struct SamplerType {
    target: TexTarget,
    ret: ReturnType,
}

struct Emitter<'a> {
    p: &'a Program,
    /// Declarations of IN/OUT/SV/ADDR/SAMP/SVIEW registers by (file, index).
    decls: BTreeMap<(File, u32), &'a Declaration>,
    /// Geometry stage: vertices per input primitive (0 elsewhere).
    gs_vertices: u32,
    /// Tessellation control stage: vertices per output patch (0 elsewhere).
    tcs_vertices: u32,
    /// The key's `tes_after_vertex`.
    tes_after_vertex: bool,
    /// Registers the run-time picks of tessellation varyings, and switch cases the
    /// run-time sampler indices, may still expand to ([`tess::PICK_BUDGET`] per program:
    /// the GLSL stays linear in the TGSI).
    pick_budget: std::cell::Cell<u32>,
    /// Native integers (the key's `integers`).
    integers: bool,
    /// `vs`, `gs` or `fs`: prefix of uniform names (the stages' namespaces are separate in TGSI).
    stage: &'static str,
    out: String,
    depth: usize,
    /// Where the temps live ([`temps`]).
    temps: temps::Temps,
    /// Length of each constant buffer array (buffer 0: the default uniforms).
    cbufs: BTreeMap<u32, u32>,
    /// Length of each uniform block (constant buffers 1 and up: [`ubo`]).
    ubos: BTreeMap<u32, u32>,
    /// Some constant access picks its buffer at run time (`{stage}_ubo_at`).
    const_indirect_buffer: bool,
    samplers: BTreeMap<u32, SamplerType>,
    /// The key's `shadow_swizzle`.
    shadow_swizzle: [Option<[u8; 4]>; 16],
    /// The key's `buffer_swizzle`.
    buffer_swizzle: [Option<[u8; 4]>; 16],
    helpers_lit: bool,
    helpers_div: bool,
    helpers_bits: bool,
    /// Float comparisons go through the `tgsi_f*` helpers ([`FCMP_HELPERS`]).
    helpers_fcmp: bool,
    /// GLSL ES output (the key's `glsl_es`).
    glsl_es: bool,
    /// Some TG4 was emitted: the header enables GL_ARB_texture_gather.
    uses_gather: bool,
    /// Some loop spends the budget (`loop_budget` is declared).
    uses_loop: bool,
    /// For each instruction: a `BGNLOOP` whose trip count is proven ([`loops`]).
    proven_loops: Vec<bool>,
    /// The instruction being emitted (its index).
    at: usize,
}

fn invalid(line: u32, what: &'static str) -> EmitError {
    EmitError::Invalid { line, what }
}
