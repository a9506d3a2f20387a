//! IR → GLSL 3.30 core.
//!
//! Registers are untyped 32-bit values in TGSI; here every register is a `vec4` and
//! integer instructions reinterpret bits (`floatBitsToInt`/`intBitsToFloat`). Constant
//! buffers are `uvec4` arrays so that the bits the guest wrote arrive unchanged.
//! Every identifier is generated; numbers come from parsed values.

use super::ir::*;
use super::opcode::Opcode;
use std::collections::BTreeMap;
use std::fmt::{self, Write};

/// A comparison for the alpha test (the gallium/GL order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum CompareFunc {
    Never,
    Less,
    Equal,
    LessEqual,
    Greater,
    NotEqual,
    GreaterEqual,
    #[default]
    Always,
}

/// The state core GL lacks, folded into the shader text. One GL program per distinct key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct VariantKey {
    /// Flat shading: COLOR/BCOLOR inputs declared with COLOR interpolation are flat.
    pub flatshade: bool,
    /// Alpha test on colour output 0: function and reference (f32 bits).
    pub alpha_test: Option<(CompareFunc, u32)>,
    /// Two-sided colour: fragment COLOR inputs take BCOLOR on back faces.
    pub two_side: bool,
    /// User clip planes (bit i = plane i) for the last vertex stage; distances come from
    /// `uniform vec4 vs_clip_planes[8]` dotted with CLIPVERTEX (else POSITION). Ignored when
    /// the shader writes CLIPDIST itself.
    pub clip_plane_enable: u8,
    /// Point sprites: TEXCOORD[i] inputs (bit i) read `gl_PointCoord` instead.
    pub sprite_coord_enable: u8,
    /// The host's window y runs opposite to gallium's (set when rendering to a surface
    /// whose rows are flipped relative to the guest's resource); picks the
    /// `gl_FragCoord` origin.
    pub y_inverted: bool,
    /// Polygon stipple from `uniform uint fs_stipple[32]`.
    pub polygon_stipple: bool,
    /// Colour buffers bound, for FS_COLOR0_WRITES_ALL_CBUFS (0 counts as 1).
    pub nr_cbufs: u8,
    /// The guest runs with native integers (system values are integers, not floats).
    pub integers: bool,
    /// Fragment shader: the varying slots ([`output_slots`]) the previous stage writes;
    /// inputs it lacks read zero. `None`: assume all are written.
    pub prev_outputs: Option<u128>,
    /// Vertex stage: varying slots the linked fragment shader takes `flat`
    /// ([`fs_interpolation`]).
    pub next_flat: u128,
    /// Vertex stage: varying slots the linked fragment shader takes `noperspective`.
    pub next_noperspective: u128,
    /// Vertex stage: IN[i] (bit i) is a pure-integer attribute (fed with
    /// `glVertexAttribIPointer`); the others are float attributes.
    pub vs_int_inputs: u32,
    /// Fragment stage: colour buffer i (bit i) has a signed-integer format.
    pub fs_sint_outputs: u8,
    /// Fragment stage: colour buffer i (bit i) has an unsigned-integer format.
    pub fs_uint_outputs: u8,
    /// Vertex stage: a geometry shader follows, so outputs go to its per-vertex inputs
    /// (`gv_*` arrays, no interpolation qualifiers); user clip planes then belong in the
    /// geometry stage's key.
    pub to_geometry: bool,
    /// Emit GLSL ES 3.00 (a host with a GLES 3 context) instead of GLSL 3.30 core. What
    /// ES 3.00 lacks is refused as Unsupported: geometry shaders, clip distances (user
    /// clip planes, CLIPDIST), noperspective, fragment-coordinate conventions other
    /// than the default, 1D/rectangle/buffer/multisample samplers, gl_PrimitiveID in the
    /// fragment stage.
    pub glsl_es: bool,
}

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

const SLOT_TEXCOORD: u32 = 64;
const SLOT_COLOR: u32 = 72;
const SLOT_BCOLOR: u32 = 74;
const SLOT_FOG: u32 = 76;

/// The varying slot of a semantic passed between stages, if it is one.
fn varying_slot(s: Semantic) -> Option<u32> {
    match s.name {
        SemanticName::Generic if s.index < 64 => Some(s.index),
        SemanticName::TexCoord if s.index < 8 => Some(SLOT_TEXCOORD + s.index),
        SemanticName::Color if s.index < 2 => Some(SLOT_COLOR + s.index),
        SemanticName::BackColor if s.index < 2 => Some(SLOT_BCOLOR + s.index),
        SemanticName::Fog if s.index == 0 => Some(SLOT_FOG),
        _ => None,
    }
}

/// The generated name of a varying slot.
fn varying_name(slot: u32) -> String {
    match slot {
        0..=63 => format!("v_g{slot}"),
        SLOT_TEXCOORD..=71 => format!("v_t{}", slot - SLOT_TEXCOORD),
        SLOT_COLOR..=73 => format!("v_c{}", slot - SLOT_COLOR),
        SLOT_BCOLOR..=75 => format!("v_bc{}", slot - SLOT_BCOLOR),
        _ => "v_fog".to_string(),
    }
}

/// The varying slots a vertex (or geometry) program writes, for the fragment key's
/// [`VariantKey::prev_outputs`].
pub fn output_slots(p: &Program) -> u128 {
    let mut m = 0u128;
    for d in p.declarations.iter().filter(|d| d.file == File::Output) {
        if let Some(slot) = d.semantic.and_then(varying_slot) {
            m |= 1 << slot;
        }
    }
    m
}

/// How a fragment input is interpolated: (flat, noperspective).
fn input_interp(d: &Declaration, key: &VariantKey) -> (bool, bool) {
    let color = matches!(
        d.semantic.map(|s| s.name),
        Some(SemanticName::Color) | Some(SemanticName::BackColor)
    );
    match d.interp {
        Some(Interp::Constant) => (true, false),
        Some(Interp::Linear) => (false, true),
        Some(Interp::Color) => (key.flatshade, false),
        None if color => (key.flatshade, false),
        _ => (false, false),
    }
}

/// The interpolation a fragment program (with its key) uses per varying slot:
/// (flat slots, noperspective slots), for the vertex key's `next_flat`/`next_noperspective`.
pub fn fs_interpolation(fs: &Program, key: &VariantKey) -> (u128, u128) {
    let (mut flat, mut noperspective) = (0u128, 0u128);
    for d in fs.declarations.iter().filter(|d| d.file == File::Input) {
        let Some(sem) = d.semantic else { continue };
        for i in 0..=(d.last - d.first) {
            let s = Semantic { name: sem.name, index: sem.index + i };
            let Some(slot) = varying_slot(s) else { continue };
            let (f, np) = input_interp(d, key);
            let mut bits = 1u128 << slot;
            if sem.name == SemanticName::Color {
                bits |= 1u128 << (slot - SLOT_COLOR + SLOT_BCOLOR);
            }
            if f {
                flat |= bits;
            }
            if np {
                noperspective |= bits;
            }
        }
    }
    (flat, noperspective)
}

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
    /// Native integers (the key's `integers`).
    integers: bool,
    /// `vs`, `gs` or `fs`: prefix of uniform names (the stages' namespaces are separate in TGSI).
    stage: &'static str,
    out: String,
    depth: usize,
    /// Temps live in one array `t[]` (some are indirectly addressed).
    temp_array: bool,
    temp_count: u32,
    /// Length of each constant buffer array.
    cbufs: BTreeMap<u32, u32>,
    samplers: BTreeMap<u32, SamplerType>,
    helpers_lit: bool,
    helpers_div: bool,
    uses_loop: bool,
}

fn invalid(line: u32, what: &'static str) -> EmitError {
    EmitError::Invalid { line, what }
}

impl<'a> Emitter<'a> {
    fn line(&mut self, s: &str) {
        for _ in 0..self.depth {
            self.out.push_str("    ");
        }
        self.out.push_str(s);
        self.out.push('\n');
    }

    /// The declared range of `file` covering `index`.
    fn declared(&self, file: File, index: u32, line: u32) -> Result<&'a Declaration> {
        self.decls.get(&(file, index)).copied().ok_or(invalid(line, "register not declared"))
    }

    /// The GLSL for an address index: `(clamp(a0.x + k, 0, len - 1))`.
    fn indirect(&self, idx: Index, len: u32, line: u32) -> Result<String> {
        match idx {
            Index::Direct(i) if i < len => Ok(i.to_string()),
            Index::Direct(_) => Err(invalid(line, "register index outside its declaration")),
            Index::Indirect { .. } if len == 0 => Err(invalid(line, "indirect access to nothing")),
            Index::Indirect { file: File::Address, reg, component, offset } => {
                self.declared(File::Address, reg, line)?;
                Ok(format!(
                    "clamp(a{reg}.{} + {offset}, 0, {})",
                    COMP[component as usize],
                    len.saturating_sub(1)
                ))
            }
            Index::Indirect { .. } => Err(EmitError::Unsupported("indirect index not in ADDR")),
        }
    }

    /// The vec4 lvalue/rvalue of a register.
    fn reg(&self, r: &Register, line: u32) -> Result<String> {
        if r.file == File::Input && self.p.processor == Processor::Geometry {
            return self.gs_input(r, line);
        }
        if r.dim.is_some() && r.file != File::Const {
            return Err(EmitError::Unsupported("two-dimensional register outside CONST"));
        }
        match r.file {
            File::Temp => {
                if self.temp_array {
                    Ok(format!("t[{}]", self.indirect(r.index, self.temp_count, line)?))
                } else {
                    match r.index {
                        Index::Direct(i) if i < self.temp_count => Ok(format!("t{i}")),
                        Index::Direct(_) => Err(invalid(line, "TEMP not declared")),
                        Index::Indirect { .. } => unreachable_indirect(line),
                    }
                }
            }
            File::Input | File::Output | File::SystemValue => {
                let Index::Direct(i) = r.index else {
                    return Err(EmitError::Unsupported("indirect input/output addressing"));
                };
                self.declared(r.file, i, line)?;
                Ok(match r.file {
                    File::Input if self.p.processor == Processor::Vertex => format!("in_{i}"),
                    File::Input => format!("i{i}"),
                    File::Output => format!("o{i}"),
                    _ => format!("sv{i}"),
                })
            }
            File::Const => {
                let buf = match r.dim {
                    None => 0,
                    Some(Index::Direct(b)) => b,
                    Some(_) => return Err(EmitError::Unsupported("indirect constant buffer")),
                };
                let Some(&len) = self.cbufs.get(&buf) else {
                    return Err(invalid(line, "constant buffer not declared"));
                };
                Ok(format!(
                    "uintBitsToFloat({}_cb{buf}[{}])",
                    self.stage,
                    self.indirect(r.index, len, line)?
                ))
            }
            File::Immediate => {
                let n = self.p.immediates.len() as u32;
                Ok(format!("imm[{}]", self.indirect(r.index, n, line)?))
            }
            File::Address => match r.index {
                Index::Direct(i) => {
                    self.declared(File::Address, i, line)?;
                    Ok(format!("a{i}"))
                }
                _ => Err(invalid(line, "indirect ADDR")),
            },
            _ => Err(EmitError::Unsupported("register file in this position")),
        }
    }

    /// A geometry shader input: `IN[vertex][reg]`, or PRIM_ID without a vertex.
    fn gs_input(&self, r: &Register, line: u32) -> Result<String> {
        let Index::Direct(i) = r.index else {
            return Err(EmitError::Unsupported("indirect input register"));
        };
        let d = self.declared(File::Input, i, line)?;
        let sem = d.semantic.ok_or(invalid(line, "geometry input without a semantic"))?;
        let sem = Semantic { name: sem.name, index: sem.index + (i - d.first) };
        if sem.name == SemanticName::PrimitiveId {
            return Ok(if self.integers {
                "intBitsToFloat(ivec4(gl_PrimitiveIDIn, 0, 0, 0))".into()
            } else {
                "vec4(float(gl_PrimitiveIDIn), 0.0, 0.0, 1.0)".into()
            });
        }
        let Some(v) = r.dim else {
            return Err(invalid(line, "per-vertex input read without a vertex index"));
        };
        let v = self.indirect(v, self.gs_vertices, line)?;
        Ok(match sem.name {
            SemanticName::Position => format!("gl_in[{v}].gl_Position"),
            SemanticName::PointSize => format!("vec4(gl_in[{v}].gl_PointSize, 0.0, 0.0, 0.0)"),
            _ => {
                let slot =
                    varying_slot(sem).ok_or(EmitError::Unsupported("geometry input semantic"))?;
                format!("g{}[{v}]", varying_name(slot))
            }
        })
    }

    /// A source read as `ty`, swizzled, with modifiers.
    fn src(&self, s: &Src, ty: Ty, line: u32) -> Result<String> {
        let mut e = self.reg(&s.reg, line)?;
        if s.reg.file == File::Address {
            e = format!("intBitsToFloat({e})");
        }
        if s.swizzle != [0, 1, 2, 3] {
            let sw: String = s.swizzle.iter().map(|&c| COMP[c as usize]).collect();
            e = format!("{e}.{sw}");
        }
        e = match ty {
            Ty::Float => e,
            Ty::Int => format!("floatBitsToInt({e})"),
            Ty::Uint => format!("floatBitsToUint({e})"),
        };
        if s.abs {
            e = format!("abs({e})");
        }
        if s.negate {
            e = format!("(-{e})");
        }
        Ok(e)
    }

    /// Writes `value` (a vec4 expression) to a destination under its mask.
    fn store(&mut self, inst: &Instruction, value: &str, float_result: bool) -> Result<()> {
        let d = inst.dst[0];
        let mut v = value.to_string();
        if inst.saturate && float_result {
            v = format!("clamp({v}, 0.0, 1.0)");
        }
        let m = mask_str(d.mask);
        if d.reg.file == File::Address {
            return Err(invalid(inst.line, "ADDR written by a non-address instruction"));
        }
        if !matches!(d.reg.file, File::Temp | File::Output) {
            return Err(invalid(inst.line, "destination file not writable"));
        }
        let lhs = self.reg(&d.reg, inst.line)?;
        let s =
            if d.mask == 0xf { format!("{lhs} = {v};") } else { format!("{lhs}.{m} = ({v}).{m};") };
        self.line(&s);
        Ok(())
    }

    fn sampler(&mut self, inst: &Instruction, s: &Src) -> Result<(String, SamplerType)> {
        let line = inst.line;
        if s.reg.file != File::Sampler {
            return Err(invalid(line, "texture instruction without a SAMP operand"));
        }
        let Index::Direct(unit) = s.reg.index else {
            return Err(EmitError::Unsupported("indirect sampler"));
        };
        self.declared(File::Sampler, unit, line)?;
        let target = inst.target.ok_or(invalid(line, "texture target missing"))?;
        let st = self.samplers.get(&unit).copied().ok_or(invalid(line, "sampler not declared"))?;
        if st.target != target {
            return Err(invalid(line, "sampler used with two texture targets"));
        }
        Ok((format!("{}_samp{unit}", self.stage), st))
    }

    /// The constant texel offset of a texture instruction, as a GLSL literal (`ivec2(1, -2)`),
    /// or None without one. Offsets must be immediates: GLSL wants constant expressions.
    fn texel_offset(&self, inst: &Instruction, target: TexTarget) -> Result<Option<String>> {
        let Some(off) = inst.tex_offsets.first() else { return Ok(None) };
        if inst.tex_offsets.len() > 1 {
            return Err(EmitError::Unsupported("more than one texel offset"));
        }
        let (File::Immediate, Index::Direct(i), None) = (off.reg.file, off.reg.index, off.reg.dim)
        else {
            return Err(EmitError::Unsupported("texel offset not an immediate"));
        };
        let imm = self
            .p
            .immediates
            .get(i as usize)
            .ok_or(invalid(inst.line, "immediate not declared"))?;
        let n = match target {
            TexTarget::T1D
            | TexTarget::T1DArray
            | TexTarget::Shadow1D
            | TexTarget::Shadow1DArray => 1,
            TexTarget::T3D => 3,
            TexTarget::T2D
            | TexTarget::Rect
            | TexTarget::T2DArray
            | TexTarget::Shadow2D
            | TexTarget::ShadowRect
            | TexTarget::Shadow2DArray => 2,
            _ => return Err(EmitError::Unsupported("texel offset on this target")),
        };
        let v: Vec<String> =
            (0..n).map(|k| (imm.bits[off.swizzle[k] as usize] as i32).to_string()).collect();
        Ok(Some(match n {
            1 => v[0].clone(),
            _ => format!("ivec{n}({})", v.join(", ")),
        }))
    }

    /// TXF (texelFetch; integer coordinates, level or sample in w) and TXQ (textureSize
    /// at the level in src.x; w, the level count, reads 0: GLSL 3.30 cannot query it).
    fn fetch_or_query(&mut self, inst: &Instruction) -> Result<()> {
        let line = inst.line;
        let (name, st) = self.sampler(inst, &inst.src[1])?;
        let offset =
            if inst.opcode == Opcode::Txq { None } else { self.texel_offset(inst, st.target)? };
        let c = self.src(&inst.src[0], Ty::Int, line)?;
        use TexTarget::*;
        if inst.opcode == Opcode::Txq {
            let (size, n) = match st.target {
                Buffer => (format!("textureSize({name})"), 1),
                Rect | ShadowRect => (format!("textureSize({name})"), 2),
                T2DMsaa => (format!("textureSize({name})"), 2),
                T2DArrayMsaa => (format!("textureSize({name})"), 3),
                T1D | Shadow1D => (format!("textureSize({name}, {c}.x)"), 1),
                T2D | Cube | Shadow2D | ShadowCube | T1DArray | Shadow1DArray => {
                    (format!("textureSize({name}, {c}.x)"), 2)
                }
                T3D | T2DArray | Shadow2DArray => (format!("textureSize({name}, {c}.x)"), 3),
                _ => return Err(EmitError::Unsupported("TXQ on this target")),
            };
            let v = match n {
                1 => format!("ivec4({size}, 0, 0, 0)"),
                2 => format!("ivec4({size}, 0, 0)"),
                _ => format!("ivec4({size}, 0)"),
            };
            return self.store(inst, &format!("intBitsToFloat({v})"), false);
        }
        let call = match (st.target, offset) {
            (T1D, Some(o)) => format!("texelFetchOffset({name}, {c}.x, {c}.w, {o})"),
            (T2D | T1DArray, Some(o)) => format!("texelFetchOffset({name}, {c}.xy, {c}.w, {o})"),
            (T3D | T2DArray, Some(o)) => format!("texelFetchOffset({name}, {c}.xyz, {c}.w, {o})"),
            (Rect, Some(o)) => format!("texelFetchOffset({name}, {c}.xy, {o})"),
            (_, Some(_)) => return Err(EmitError::Unsupported("TXF offset on this target")),
            (target, None) => match target {
                T1D => format!("texelFetch({name}, {c}.x, {c}.w)"),
                T2D | T1DArray => format!("texelFetch({name}, {c}.xy, {c}.w)"),
                T3D | T2DArray => format!("texelFetch({name}, {c}.xyz, {c}.w)"),
                Rect => format!("texelFetch({name}, {c}.xy)"),
                Buffer => format!("texelFetch({name}, {c}.x)"),
                T2DMsaa => format!("texelFetch({name}, {c}.xy, {c}.w)"),
                T2DArrayMsaa => format!("texelFetch({name}, {c}.xyz, {c}.w)"),
                _ => return Err(EmitError::Unsupported("TXF on this target")),
            },
        };
        let value = match st.ret {
            ReturnType::Sint => format!("intBitsToFloat({call})"),
            ReturnType::Uint => format!("uintBitsToFloat({call})"),
            _ => call,
        };
        self.store(inst, &value, true)
    }

    fn texture(&mut self, inst: &Instruction) -> Result<()> {
        let line = inst.line;
        let nsrc = inst.src.len();
        let (name, st) = self.sampler(inst, &inst.src[nsrc - 1])?;
        let offset = self.texel_offset(inst, st.target)?;
        // `Offset` suffix and trailing argument when there is one.
        let (sfx, oarg) = match &offset {
            Some(o) => ("Offset", format!(", {o}")),
            None => ("", String::new()),
        };
        let c = self.src(&inst.src[0], Ty::Float, line)?;
        use TexTarget::*;
        // Coordinates passed to texture()/textureLod()/textureGrad().
        let coords = match st.target {
            T1D => format!("{c}.x"),
            T2D | Rect | T1DArray => format!("{c}.xy"),
            T3D | Cube | T2DArray | Shadow2D | ShadowRect | Shadow1DArray => format!("{c}.xyz"),
            Shadow1D => format!("vec3({c}.x, 0.0, {c}.z)"),
            Shadow2DArray | ShadowCube => c.clone(),
            _ => return Err(EmitError::Unsupported("texture target")),
        };
        let grad = match st.target {
            T1D | T1DArray | Shadow1D | Shadow1DArray => ".x",
            T3D | Cube | ShadowCube => ".xyz",
            _ => ".xy",
        };
        let call = match inst.opcode {
            Opcode::Tex => format!("texture{sfx}({name}, {coords}{oarg})"),
            Opcode::Txp => match st.target {
                T1D | T2D | T3D | Rect | Shadow1D | Shadow2D | ShadowRect => {
                    format!("textureProj{sfx}({name}, {c}{oarg})")
                }
                _ => return Err(EmitError::Unsupported("TXP on this target")),
            },
            Opcode::Txb if self.p.processor != Processor::Fragment => {
                return Err(invalid(line, "TXB outside the fragment stage"))
            }
            Opcode::Txb => match st.target {
                Rect | ShadowRect | ShadowCube | Shadow2DArray => {
                    return Err(EmitError::Unsupported("TXB on this target"))
                }
                _ => format!("texture{sfx}({name}, {coords}{oarg}, {c}.w)"),
            },
            Opcode::Txl => match st.target {
                Rect | ShadowRect | ShadowCube | Shadow2DArray => {
                    return Err(EmitError::Unsupported("TXL on this target"))
                }
                _ => format!("textureLod{sfx}({name}, {coords}, {c}.w{oarg})"),
            },
            Opcode::Txd => {
                let dx = self.src(&inst.src[1], Ty::Float, line)?;
                let dy = self.src(&inst.src[2], Ty::Float, line)?;
                format!("textureGrad{sfx}({name}, {coords}, {dx}{grad}, {dy}{grad}{oarg})")
            }
            _ => return Err(EmitError::Unsupported("texture opcode")),
        };
        let value = if st.target.is_shadow() {
            format!("vec4({call})")
        } else {
            match st.ret {
                ReturnType::Sint => format!("intBitsToFloat({call})"),
                ReturnType::Uint => format!("uintBitsToFloat({call})"),
                _ => call,
            }
        };
        self.store(inst, &value, true)
    }

    fn instruction(&mut self, inst: &Instruction) -> Result<()> {
        use Opcode::*;
        let line = inst.line;
        let f = |e: &Self, i: usize| e.src(&inst.src[i], Ty::Float, line);
        let int = |e: &Self, i: usize| e.src(&inst.src[i], Ty::Int, line);
        let uint = |e: &Self, i: usize| e.src(&inst.src[i], Ty::Uint, line);
        let bool_result = |cmp: String| format!("uintBitsToFloat(uvec4({cmp}) * 0xffffffffu)");
        let value: String = match inst.opcode {
            // Control flow and the like.
            If => {
                let c = f(self, 0)?;
                self.line(&format!("if ({c}.x != 0.0) {{"));
                self.depth += 1;
                return Ok(());
            }
            Uif => {
                let c = uint(self, 0)?;
                self.line(&format!("if ({c}.x != 0u) {{"));
                self.depth += 1;
                return Ok(());
            }
            Else => {
                self.depth = self.depth.saturating_sub(1);
                self.line("} else {");
                self.depth += 1;
                return Ok(());
            }
            Endif | Endloop => {
                self.depth = self.depth.saturating_sub(1);
                self.line("}");
                return Ok(());
            }
            Bgnloop => {
                self.uses_loop = true;
                self.line("while (true) {");
                self.depth += 1;
                self.line("loop_budget -= 1;");
                self.line("if (loop_budget < 0) break;");
                return Ok(());
            }
            Brk => {
                self.line("break;");
                return Ok(());
            }
            Cont => {
                self.line("continue;");
                return Ok(());
            }
            Kill => {
                self.fragment_only(line)?;
                self.line("discard;");
                return Ok(());
            }
            KillIf => {
                self.fragment_only(line)?;
                let c = f(self, 0)?;
                self.line(&format!("if (any(lessThan({c}, vec4(0.0)))) discard;"));
                return Ok(());
            }
            Ret => {
                if self.p.processor != Processor::Geometry {
                    self.line("store_outputs();");
                }
                self.line("return;");
                return Ok(());
            }
            End => return Ok(()),
            Nop => return Ok(()),
            Arl | Arr | Uarl => {
                let d = inst.dst[0];
                if d.reg.file != File::Address {
                    return Err(invalid(line, "address instruction writes a non-ADDR register"));
                }
                let lhs = self.reg(&d.reg, line)?;
                let v = match inst.opcode {
                    Arl => format!("ivec4(floor({}))", f(self, 0)?),
                    Arr => format!("ivec4(roundEven({}))", f(self, 0)?),
                    _ => int(self, 0)?,
                };
                let m = mask_str(d.mask);
                self.line(&format!("{lhs}.{m} = ({v}).{m};"));
                return Ok(());
            }
            Tex | Txp | Txb | Txl | Txd => return self.texture(inst),
            Txf | Txq => return self.fetch_or_query(inst),
            Tex2 | Txb2 | Txl2 => return Err(EmitError::Unsupported("TEX2/TXB2/TXL2")),
            Cal | Bgnsub | Endsub => return Err(EmitError::Unsupported("subroutines")),
            Emit | Endprim => {
                if self.p.processor != Processor::Geometry {
                    return Err(invalid(line, "EMIT/ENDPRIM outside the geometry stage"));
                }
                // The stream operand is ignored: one stream (GL 3.3).
                if inst.opcode == Emit {
                    self.line("store_outputs();");
                    self.line("EmitVertex();");
                } else {
                    self.line("EndPrimitive();");
                }
                return Ok(());
            }

            // Float arithmetic.
            Mov => f(self, 0)?,
            Add => format!("{} + {}", f(self, 0)?, f(self, 1)?),
            Mul => format!("{} * {}", f(self, 0)?, f(self, 1)?),
            Div => format!("{} / {}", f(self, 0)?, f(self, 1)?),
            Mad | Fma => format!("{} * {} + {}", f(self, 0)?, f(self, 1)?, f(self, 2)?),
            Dp2 => format!("vec4(dot({}.xy, {}.xy))", f(self, 0)?, f(self, 1)?),
            Dp3 => format!("vec4(dot({}.xyz, {}.xyz))", f(self, 0)?, f(self, 1)?),
            Dp4 => format!("vec4(dot({}, {}))", f(self, 0)?, f(self, 1)?),
            Dph => {
                let b = f(self, 1)?;
                format!("vec4(dot({}.xyz, {b}.xyz) + {b}.w)", f(self, 0)?)
            }
            Rcp => format!("vec4(1.0 / {}.x)", f(self, 0)?),
            Rsq => format!("vec4(inversesqrt({}.x))", f(self, 0)?),
            Sqrt => format!("vec4(sqrt({}.x))", f(self, 0)?),
            Ex2 => format!("vec4(exp2({}.x))", f(self, 0)?),
            Lg2 => format!("vec4(log2({}.x))", f(self, 0)?),
            Pow => format!("vec4(pow({}.x, {}.x))", f(self, 0)?, f(self, 1)?),
            Sin => format!("vec4(sin({}.x))", f(self, 0)?),
            Cos => format!("vec4(cos({}.x))", f(self, 0)?),
            Exp => {
                let a = f(self, 0)?;
                format!("vec4(exp2(floor({a}.x)), {a}.x - floor({a}.x), exp2({a}.x), 1.0)")
            }
            Log => {
                let a = f(self, 0)?;
                format!(
                    "vec4(floor(log2(abs({a}.x))), abs({a}.x) / exp2(floor(log2(abs({a}.x)))), \
                     log2(abs({a}.x)), 1.0)"
                )
            }
            Min => format!("min({}, {})", f(self, 0)?, f(self, 1)?),
            Max => format!("max({}, {})", f(self, 0)?, f(self, 1)?),
            Slt => format!("vec4(lessThan({}, {}))", f(self, 0)?, f(self, 1)?),
            Sge => format!("vec4(greaterThanEqual({}, {}))", f(self, 0)?, f(self, 1)?),
            Sgt => format!("vec4(greaterThan({}, {}))", f(self, 0)?, f(self, 1)?),
            Sle => format!("vec4(lessThanEqual({}, {}))", f(self, 0)?, f(self, 1)?),
            Seq => format!("vec4(equal({}, {}))", f(self, 0)?, f(self, 1)?),
            Sne => format!("vec4(notEqual({}, {}))", f(self, 0)?, f(self, 1)?),
            Flr => format!("floor({})", f(self, 0)?),
            Frc => format!("fract({})", f(self, 0)?),
            Ceil => format!("ceil({})", f(self, 0)?),
            Round => format!("roundEven({})", f(self, 0)?),
            Trunc => format!("trunc({})", f(self, 0)?),
            Ssg => format!("sign({})", f(self, 0)?),
            Abs => format!("abs({})", f(self, 0)?),
            Cmp => format!(
                "mix({}, {}, lessThan({}, vec4(0.0)))",
                f(self, 2)?,
                f(self, 1)?,
                f(self, 0)?
            ),
            Lrp => format!("mix({}, {}, {})", f(self, 2)?, f(self, 1)?, f(self, 0)?),
            Ddx | DdxFine => {
                self.fragment_only(line)?;
                format!("dFdx({})", f(self, 0)?)
            }
            Ddy | DdyFine => {
                self.fragment_only(line)?;
                format!("dFdy({})", f(self, 0)?)
            }
            Dst => {
                let (a, b) = (f(self, 0)?, f(self, 1)?);
                format!("vec4(1.0, {a}.y * {b}.y, {a}.z, {b}.w)")
            }
            Lit => {
                self.helpers_lit = true;
                format!("tgsi_lit({})", f(self, 0)?)
            }
            Xpd => format!("vec4(cross({}.xyz, {}.xyz), 1.0)", f(self, 0)?, f(self, 1)?),

            // Comparisons with integer results.
            Fseq => bool_result(format!("equal({}, {})", f(self, 0)?, f(self, 1)?)),
            Fsne => bool_result(format!("notEqual({}, {})", f(self, 0)?, f(self, 1)?)),
            Fslt => bool_result(format!("lessThan({}, {})", f(self, 0)?, f(self, 1)?)),
            Fsge => bool_result(format!("greaterThanEqual({}, {})", f(self, 0)?, f(self, 1)?)),
            Isge => bool_result(format!("greaterThanEqual({}, {})", int(self, 0)?, int(self, 1)?)),
            Islt => bool_result(format!("lessThan({}, {})", int(self, 0)?, int(self, 1)?)),
            Usge => {
                bool_result(format!("greaterThanEqual({}, {})", uint(self, 0)?, uint(self, 1)?))
            }
            Uslt => bool_result(format!("lessThan({}, {})", uint(self, 0)?, uint(self, 1)?)),
            Useq => bool_result(format!("equal({}, {})", uint(self, 0)?, uint(self, 1)?)),
            Usne => bool_result(format!("notEqual({}, {})", uint(self, 0)?, uint(self, 1)?)),
            Ucmp => format!(
                "mix({}, {}, notEqual({}, uvec4(0u)))",
                f(self, 2)?,
                f(self, 1)?,
                uint(self, 0)?
            ),

            // Integer arithmetic.
            Idiv | Udiv | Mod | Umod if !self.helpers_div => {
                self.helpers_div = true;
                return self.instruction(inst);
            }
            I2f => format!("vec4({})", int(self, 0)?),
            U2f => format!("vec4({})", uint(self, 0)?),
            F2i => format!("intBitsToFloat(ivec4({}))", f(self, 0)?),
            F2u => format!("uintBitsToFloat(uvec4({}))", f(self, 0)?),
            Uadd => format!("uintBitsToFloat({} + {})", uint(self, 0)?, uint(self, 1)?),
            Umul => format!("uintBitsToFloat({} * {})", uint(self, 0)?, uint(self, 1)?),
            Umad => format!(
                "uintBitsToFloat({} * {} + {})",
                uint(self, 0)?,
                uint(self, 1)?,
                uint(self, 2)?
            ),
            Idiv => format!("intBitsToFloat(tgsi_idiv({}, {}))", int(self, 0)?, int(self, 1)?),
            Udiv => format!("uintBitsToFloat(tgsi_udiv({}, {}))", uint(self, 0)?, uint(self, 1)?),
            Mod => format!("intBitsToFloat(tgsi_imod({}, {}))", int(self, 0)?, int(self, 1)?),
            Umod => format!("uintBitsToFloat(tgsi_umod({}, {}))", uint(self, 0)?, uint(self, 1)?),
            Imax => format!("intBitsToFloat(max({}, {}))", int(self, 0)?, int(self, 1)?),
            Imin => format!("intBitsToFloat(min({}, {}))", int(self, 0)?, int(self, 1)?),
            Umax => format!("uintBitsToFloat(max({}, {}))", uint(self, 0)?, uint(self, 1)?),
            Umin => format!("uintBitsToFloat(min({}, {}))", uint(self, 0)?, uint(self, 1)?),
            Ineg => format!("intBitsToFloat(-{})", int(self, 0)?),
            Iabs => format!("intBitsToFloat(abs({}))", int(self, 0)?),
            Issg => format!("intBitsToFloat(sign({}))", int(self, 0)?),
            Not => format!("uintBitsToFloat(~{})", uint(self, 0)?),
            And => format!("uintBitsToFloat({} & {})", uint(self, 0)?, uint(self, 1)?),
            Or => format!("uintBitsToFloat({} | {})", uint(self, 0)?, uint(self, 1)?),
            Xor => format!("uintBitsToFloat({} ^ {})", uint(self, 0)?, uint(self, 1)?),
            Shl => format!("uintBitsToFloat({} << ({} & 31u))", uint(self, 0)?, uint(self, 1)?),
            Ushr => format!("uintBitsToFloat({} >> ({} & 31u))", uint(self, 0)?, uint(self, 1)?),
            Ishr => format!("intBitsToFloat({} >> ({} & 31u))", int(self, 0)?, uint(self, 1)?),
        };
        let float_result = !matches!(
            inst.opcode,
            Fseq | Fsne
                | Fslt
                | Fsge
                | Isge
                | Islt
                | Usge
                | Uslt
                | Useq
                | Usne
                | F2i
                | F2u
                | Uadd
                | Umul
                | Umad
                | Idiv
                | Udiv
                | Mod
                | Umod
                | Imax
                | Imin
                | Umax
                | Umin
                | Ineg
                | Iabs
                | Issg
                | Not
                | And
                | Or
                | Xor
                | Shl
                | Ushr
                | Ishr
        );
        self.store(inst, &value, float_result)
    }

    fn fragment_only(&self, line: u32) -> Result<()> {
        if self.p.processor == Processor::Fragment {
            Ok(())
        } else {
            Err(invalid(line, "fragment-only opcode in another stage"))
        }
    }
}

fn unreachable_indirect(line: u32) -> Result<String> {
    // Temps are put in an array whenever any access is indirect, so this is an
    // internal inconsistency reported as an error rather than a panic.
    Err(invalid(line, "indirect TEMP outside the temp array"))
}

/// Visits every register an instruction names (for the pre-pass).
fn registers(inst: &Instruction) -> impl Iterator<Item = &Register> {
    inst.dst.iter().map(|d| &d.reg).chain(inst.src.iter().map(|s| &s.reg))
}

/// The GLSL sampler type for a target and return type.
fn sampler_type(st: SamplerType) -> Result<String> {
    use TexTarget::*;
    let base = match st.target {
        T1D => "sampler1D",
        T2D => "sampler2D",
        T3D => "sampler3D",
        Cube => "samplerCube",
        Rect => "sampler2DRect",
        Shadow1D => "sampler1DShadow",
        Shadow2D => "sampler2DShadow",
        ShadowRect => "sampler2DRectShadow",
        T1DArray => "sampler1DArray",
        T2DArray => "sampler2DArray",
        Shadow1DArray => "sampler1DArrayShadow",
        Shadow2DArray => "sampler2DArrayShadow",
        ShadowCube => "samplerCubeShadow",
        Buffer => "samplerBuffer",
        T2DMsaa => "sampler2DMS",
        T2DArrayMsaa => "sampler2DMSArray",
        _ => return Err(EmitError::Unsupported("texture target")),
    };
    let prefix = match st.ret {
        ReturnType::Sint if !st.target.is_shadow() => "i",
        ReturnType::Uint if !st.target.is_shadow() => "u",
        _ => "",
    };
    Ok(format!("{prefix}{base}"))
}

/// Translates a program for one variant. The text is GLSL 3.30 core.
pub fn emit(p: &Program, key: &VariantKey) -> std::result::Result<String, EmitError> {
    emit_with_info(p, key).map(|(glsl, _)| glsl)
}

/// What a translated program needs from the executor besides its GLSL.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShaderInfo {
    /// Constant buffers read: (index, length in vec4s) → `{stage}_cb{index}[length]`.
    pub const_buffers: Vec<(u32, u32)>,
    /// Samplers: (SAMP index, target, return type) → `{stage}_samp{index}`, bound to the
    /// texture unit the executor picks for that index.
    pub samplers: Vec<(u32, TexTarget, ReturnType)>,
    /// The last vertex stage writes `gl_PointSize` (enable `GL_PROGRAM_POINT_SIZE`).
    pub writes_point_size: bool,
    /// `gl_ClipDistance[i]` written (bit i): enable `GL_CLIP_DISTANCEi` for these.
    pub clip_distances: u8,
    /// Reads `{stage}_clip_planes` (user clip planes from the key).
    pub uses_clip_planes: bool,
    /// Reads `fs_stipple`.
    pub uses_stipple: bool,
    /// The fragment stage writes `gl_FragDepth`.
    pub writes_depth: bool,
    /// Fragment colour outputs (bit i = location i).
    pub color_outputs: u8,
}

/// [`emit`], plus what the executor must bind and enable for the program.
pub fn emit_with_info(
    p: &Program,
    key: &VariantKey,
) -> std::result::Result<(String, ShaderInfo), EmitError> {
    let mut info = ShaderInfo::default();
    match p.processor {
        Processor::Vertex | Processor::Fragment | Processor::Geometry => {}
        _ => return Err(EmitError::Unsupported("tessellation and compute stages")),
    }
    let fs = p.processor == Processor::Fragment;
    let gs = p.processor == Processor::Geometry;
    if gs && key.glsl_es {
        return Err(EmitError::Unsupported("geometry shaders on GLSL ES 3.00"));
    }
    let stage = match p.processor {
        Processor::Fragment => "fs",
        Processor::Geometry => "gs",
        _ => "vs",
    };
    // Geometry layout: vertices per input primitive, layout qualifiers.
    let mut gs_layout = None;
    if gs {
        let input = p.property(|q| match q {
            Property::GsInputPrimitive(v) => Some(*v),
            _ => None,
        });
        let output = p.property(|q| match q {
            Property::GsOutputPrimitive(v) => Some(*v),
            _ => None,
        });
        let max = p.property(|q| match q {
            Property::GsMaxOutputVertices(v) => Some(*v),
            _ => None,
        });
        let invocations = p.property(|q| match q {
            Property::GsInvocations(v) => Some(*v),
            _ => None,
        });
        if invocations.unwrap_or(1) > 1 {
            return Err(EmitError::Unsupported("geometry shader invocations"));
        }
        let (in_name, n) = match input {
            Some(prim::POINTS) => ("points", 1),
            Some(prim::LINES) => ("lines", 2),
            Some(prim::LINES_ADJACENCY) => ("lines_adjacency", 4),
            Some(prim::TRIANGLES) => ("triangles", 3),
            Some(prim::TRIANGLES_ADJACENCY) => ("triangles_adjacency", 6),
            Some(_) => return Err(EmitError::Unsupported("geometry input primitive")),
            None => return Err(invalid(0, "geometry shader without GS_INPUT_PRIMITIVE")),
        };
        let out_name = match output {
            Some(prim::POINTS) => "points",
            Some(prim::LINE_STRIP) => "line_strip",
            Some(prim::TRIANGLE_STRIP) => "triangle_strip",
            Some(_) => return Err(EmitError::Unsupported("geometry output primitive")),
            None => return Err(invalid(0, "geometry shader without GS_OUTPUT_PRIMITIVE")),
        };
        let max = match max {
            Some(m @ 1..=256) => m,
            Some(_) => return Err(EmitError::Unsupported("GS_MAX_OUTPUT_VERTICES beyond 256")),
            None => return Err(invalid(0, "geometry shader without GS_MAX_OUTPUT_VERTICES")),
        };
        gs_layout = Some((in_name, n, out_name, max));
    }
    // Pre-pass: temps, constant buffers, samplers.
    let mut temp_count = 0u32;
    let mut cbufs: BTreeMap<u32, u32> = BTreeMap::new();
    let mut samplers: BTreeMap<u32, SamplerType> = BTreeMap::new();
    for d in &p.declarations {
        match d.file {
            File::Temp => temp_count = temp_count.max(d.last + 1),
            File::Const => {
                let buf = match d.dim {
                    None => 0,
                    Some(Some(b)) => b,
                    Some(None) => return Err(invalid(0, "CONST[][n]")),
                };
                let e = cbufs.entry(buf).or_insert(0);
                *e = (*e).max(d.last + 1);
            }
            File::Image | File::Buffer | File::Memory | File::HwAtomic => {
                return Err(EmitError::Unsupported("images, buffers, shared memory, atomics"))
            }
            File::Input if gs && d.dim == Some(None) => {}
            File::Input | File::Output if d.dim.is_some() => {
                return Err(EmitError::Unsupported("per-vertex input/output arrays"))
            }
            _ => {}
        }
    }
    // Declarations of the small files by register (the first one wins, as in
    // [`Program::decl`]); each file's indices are capped by the parser's limits.
    let mut decls: BTreeMap<(File, u32), &Declaration> = BTreeMap::new();
    for d in &p.declarations {
        if matches!(
            d.file,
            File::Input
                | File::Output
                | File::SystemValue
                | File::Address
                | File::Sampler
                | File::SamplerView
        ) {
            for i in d.first..=d.last {
                decls.entry((d.file, i)).or_insert(d);
            }
        }
    }
    let mut temp_array = false;
    for inst in &p.instructions {
        for r in registers(inst) {
            if r.file == File::Temp && matches!(r.index, Index::Indirect { .. }) {
                temp_array = true;
            }
        }
        if let (Some(target), Some(s)) = (inst.target, inst.src.last()) {
            if s.reg.file != File::Sampler {
                return Err(invalid(inst.line, "texture instruction without a SAMP operand"));
            }
            let Index::Direct(unit) = s.reg.index else {
                return Err(EmitError::Unsupported("indirect sampler"));
            };
            if !decls.contains_key(&(File::Sampler, unit)) {
                return Err(invalid(inst.line, "sampler not declared"));
            }
            let ret = decls
                .get(&(File::SamplerView, unit))
                .and_then(|d| d.sview)
                .map_or(ReturnType::Float, |(_, r)| r[0]);
            let st = SamplerType { target, ret };
            match samplers.get(&unit) {
                Some(prev) if *prev != st => {
                    return Err(invalid(inst.line, "sampler used with two texture targets"))
                }
                _ => {
                    samplers.insert(unit, st);
                }
            }
        }
    }
    let mut e = Emitter {
        p,
        decls,
        gs_vertices: gs_layout.map_or(0, |l| l.1),
        integers: key.integers,
        stage,
        out: String::new(),
        depth: 1,
        temp_array,
        temp_count,
        cbufs,
        samplers,
        helpers_lit: false,
        helpers_div: false,
        uses_loop: false,
    };
    // The body first (it decides which helpers are needed), the rest around it.
    for inst in &p.instructions {
        e.instruction(inst)?;
    }
    let body = std::mem::take(&mut e.out);
    let mut head = String::new();
    let w = &mut head;
    if key.glsl_es {
        // Default precisions: highp everywhere (TGSI registers are 32-bit).
        let _ = writeln!(w, "#version 300 es\nprecision highp float;\nprecision highp int;");
    } else {
        let _ = writeln!(w, "#version 330 core");
    }
    if let Some((in_name, _, out_name, max)) = gs_layout {
        let _ = writeln!(w, "layout({in_name}) in;");
        let _ = writeln!(w, "layout({out_name}, max_vertices = {max}) out;");
    }
    if fs {
        let lower_left = p.has(Property::FsCoordOriginLowerLeft(true));
        let integer = p.has(Property::FsCoordPixelCenterInteger(true));
        let mut q = Vec::new();
        // Gallium's window origin is the top left; in a GL framebuffer whose rows are in
        // the guest's order that is GL's bottom left, so LOWER_LEFT needs upper_left.
        if lower_left != key.y_inverted {
            q.push("origin_upper_left");
        }
        if integer {
            q.push("pixel_center_integer");
        }
        if !q.is_empty() {
            if key.glsl_es {
                return Err(EmitError::Unsupported("fragment coordinate conventions on GLSL ES"));
            }
            let _ = writeln!(w, "layout({}) in vec4 gl_FragCoord;", q.join(", "));
        }
    }
    if e.helpers_lit {
        let _ = writeln!(
            w,
            "vec4 tgsi_lit(vec4 s) {{ return vec4(1.0, max(s.x, 0.0), s.x > 0.0 ? \
             pow(max(s.y, 0.0), clamp(s.w, -128.0, 128.0)) : 0.0, 1.0); }}"
        );
    }
    if e.helpers_div {
        let _ = writeln!(w, "ivec4 tgsi_idiv(ivec4 a, ivec4 b) {{ ivec4 r; for (int i = 0; i < 4; i++) r[i] = b[i] == 0 ? -1 : a[i] / b[i]; return r; }}");
        let _ = writeln!(w, "uvec4 tgsi_udiv(uvec4 a, uvec4 b) {{ uvec4 r; for (int i = 0; i < 4; i++) r[i] = b[i] == 0u ? 0xffffffffu : a[i] / b[i]; return r; }}");
        let _ = writeln!(w, "ivec4 tgsi_imod(ivec4 a, ivec4 b) {{ ivec4 r; for (int i = 0; i < 4; i++) r[i] = b[i] == 0 ? -1 : a[i] % b[i]; return r; }}");
        let _ = writeln!(w, "uvec4 tgsi_umod(uvec4 a, uvec4 b) {{ uvec4 r; for (int i = 0; i < 4; i++) r[i] = b[i] == 0u ? 0xffffffffu : a[i] % b[i]; return r; }}");
    }
    for (buf, len) in &e.cbufs {
        let _ = writeln!(w, "uniform uvec4 {stage}_cb{buf}[{len}];");
    }
    for (unit, st) in &e.samplers {
        if key.glsl_es {
            use TexTarget::*;
            if matches!(
                st.target,
                T1D | T1DArray
                    | Shadow1D
                    | Shadow1DArray
                    | Rect
                    | ShadowRect
                    | Buffer
                    | T2DMsaa
                    | T2DArrayMsaa
            ) {
                return Err(EmitError::Unsupported("sampler target on GLSL ES 3.00"));
            }
            let _ = writeln!(w, "uniform highp {} {stage}_samp{unit};", sampler_type(*st)?);
        } else {
            let _ = writeln!(w, "uniform {} {stage}_samp{unit};", sampler_type(*st)?);
        }
    }

    // Inputs.
    let mut prologue = String::new();
    // Registers declared twice (overlapping DCL ranges) are declared once in GLSL: the
    // first declaration covering a register wins, as in [`Program::decl`].
    let mut varyings: BTreeMap<u32, String> = BTreeMap::new();
    let regs = |f: File| -> Vec<(u32, &Declaration)> {
        e.decls.range((f, 0)..=(f, u32::MAX)).map(|(&(_, i), &d)| (i, d)).collect()
    };
    {
        for (i, d) in regs(File::Input) {
            if gs {
                let sem = d.semantic.ok_or(invalid(0, "geometry input without a semantic"))?;
                let sem = Semantic { name: sem.name, index: sem.index + (i - d.first) };
                if let Some(slot) = varying_slot(sem) {
                    let decl = format!("in vec4 g{}[];\n", varying_name(slot));
                    if varyings.insert(slot, decl.clone()).is_none() {
                        w.push_str(&decl);
                    }
                }
                continue;
            }
            if !fs {
                if i < 32 && key.vs_int_inputs & (1 << i) != 0 {
                    // A pure-integer attribute (glVertexAttribIPointer): keep its bits.
                    let _ = writeln!(w, "layout(location = {i}) in ivec4 in_i{i};");
                    let _ = writeln!(prologue, "    vec4 in_{i} = intBitsToFloat(in_i{i});");
                } else {
                    let _ = writeln!(w, "layout(location = {i}) in vec4 in_{i};");
                }
                continue;
            }
            let sem = d.semantic.ok_or(invalid(0, "fragment input without a semantic"))?;
            let sem = Semantic { name: sem.name, index: sem.index + (i - d.first) };
            let value = fs_input(w, &mut varyings, d, sem, key)?;
            let _ = writeln!(prologue, "    vec4 i{i} = {value};");
        }
    }
    for (i, d) in regs(File::SystemValue) {
        let sem = d.semantic.ok_or(invalid(0, "system value without a semantic"))?;
        let int_value = |v: &str| {
            if key.integers {
                format!("intBitsToFloat(ivec4({v}, 0, 0, 0))")
            } else {
                format!("vec4(float({v}), 0.0, 0.0, 1.0)")
            }
        };
        let value = match (sem.name, fs) {
            (SemanticName::InstanceId, false) => int_value("gl_InstanceID"),
            (SemanticName::VertexId, false) => int_value("gl_VertexID"),
            (SemanticName::PrimitiveId, true) if !key.glsl_es => int_value("gl_PrimitiveID"),
            (SemanticName::Face, true) => "vec4(gl_FrontFacing ? 1.0 : -1.0, 0.0, 0.0, 1.0)".into(),
            (SemanticName::Position, true) => "gl_FragCoord".into(),
            _ => return Err(EmitError::Unsupported("system value")),
        };
        let _ = writeln!(prologue, "    vec4 sv{i} = {value};");
    }

    // Outputs.
    let mut outputs: Vec<(u32, Semantic)> = Vec::new();
    for (i, d) in regs(File::Output) {
        let sem = d.semantic.ok_or(invalid(0, "output without a semantic"))?;
        outputs.push((i, Semantic { name: sem.name, index: sem.index + (i - d.first) }));
    }
    let mut store = String::new();
    let s = &mut store;
    if fs {
        let all_cbufs = p.has(Property::FsColor0WritesAllCbufs(true));
        let mut color_locations = std::collections::BTreeSet::new();
        let color0 = outputs.iter().find(|(_, s)| s.name == SemanticName::Color && s.index == 0);
        if let (Some((func, bits)), Some((reg, _))) = (key.alpha_test, color0) {
            let r = float_lit(bits);
            let cond = match func {
                CompareFunc::Never => Some("false".to_string()),
                CompareFunc::Less => Some(format!("o{reg}.w < {r}")),
                CompareFunc::Equal => Some(format!("o{reg}.w == {r}")),
                CompareFunc::LessEqual => Some(format!("o{reg}.w <= {r}")),
                CompareFunc::Greater => Some(format!("o{reg}.w > {r}")),
                CompareFunc::NotEqual => Some(format!("o{reg}.w != {r}")),
                CompareFunc::GreaterEqual => Some(format!("o{reg}.w >= {r}")),
                CompareFunc::Always => None,
            };
            if let Some(c) = cond {
                let _ = writeln!(s, "    if (!({c})) discard;");
            }
        }
        for &(reg, sem) in &outputs {
            match sem.name {
                SemanticName::Color if all_cbufs && sem.index > 0 => {}
                SemanticName::Color if sem.index < 8 => {
                    let targets = if all_cbufs && sem.index == 0 {
                        0..u32::from(key.nr_cbufs.clamp(1, 8))
                    } else {
                        sem.index..sem.index + 1
                    };
                    for j in targets {
                        if !color_locations.insert(j) {
                            return Err(invalid(0, "two outputs for one colour buffer"));
                        }
                        // Integer colour buffers take the register's bits.
                        let (ty, v) = if key.fs_sint_outputs & (1 << j) != 0 {
                            ("ivec4", format!("floatBitsToInt(o{reg})"))
                        } else if key.fs_uint_outputs & (1 << j) != 0 {
                            ("uvec4", format!("floatBitsToUint(o{reg})"))
                        } else {
                            ("vec4", format!("o{reg}"))
                        };
                        let _ = writeln!(w, "layout(location = {j}) out {ty} frag_out{j};");
                        let _ = writeln!(s, "    frag_out{j} = {v};");
                        info.color_outputs |= 1 << j;
                    }
                }
                SemanticName::Position => {
                    let _ = writeln!(s, "    gl_FragDepth = o{reg}.z;");
                    info.writes_depth = true;
                }
                _ => return Err(EmitError::Unsupported("fragment output semantic")),
            }
        }
    } else {
        let mut clipvertex = None;
        let mut position = None;
        let mut writes_clipdist = false;
        let mut out_slots = std::collections::BTreeSet::new();
        for &(reg, sem) in &outputs {
            match sem.name {
                SemanticName::Position if sem.index == 0 => {
                    position = Some(reg);
                    let _ = writeln!(s, "    gl_Position = o{reg};");
                }
                SemanticName::PointSize => {
                    let _ = writeln!(s, "    gl_PointSize = o{reg}.x;");
                    info.writes_point_size = true;
                }
                SemanticName::ClipVertex => clipvertex = Some(reg),
                SemanticName::ClipDistance if sem.index < 2 => {
                    if key.glsl_es {
                        return Err(EmitError::Unsupported("clip distances on GLSL ES"));
                    }
                    writes_clipdist = true;
                    let d = p.decl(File::Output, reg).map_or(0xf, |d| d.mask);
                    for c in 0..4 {
                        if d & (1 << c) != 0 {
                            info.clip_distances |= 1 << (sem.index * 4 + c);
                            let _ = writeln!(
                                s,
                                "    gl_ClipDistance[{}] = o{reg}.{};",
                                sem.index * 4 + c,
                                COMP[c as usize]
                            );
                        }
                    }
                }
                SemanticName::EdgeFlag => {}
                SemanticName::Layer if gs => {
                    let v = if key.integers { "floatBitsToInt" } else { "int" };
                    let _ = writeln!(s, "    gl_Layer = {v}(o{reg}.x);");
                }
                SemanticName::PrimitiveId if gs => {
                    let v = if key.integers { "floatBitsToInt" } else { "int" };
                    let _ = writeln!(s, "    gl_PrimitiveID = {v}(o{reg}.x);");
                }
                _ => {
                    let Some(slot) = varying_slot(sem) else {
                        return Err(EmitError::Unsupported("vertex output semantic"));
                    };
                    let bit = 1u128 << slot;
                    let q = if key.to_geometry && !gs {
                        ""
                    } else if key.next_flat & bit != 0 {
                        "flat "
                    } else if key.next_noperspective & bit != 0 {
                        if key.glsl_es {
                            return Err(EmitError::Unsupported("noperspective on GLSL ES"));
                        }
                        "noperspective "
                    } else {
                        ""
                    };
                    if !out_slots.insert(slot) {
                        return Err(invalid(0, "two outputs with one semantic"));
                    }
                    let name = if key.to_geometry && !gs {
                        format!("g{}", varying_name(slot))
                    } else {
                        varying_name(slot)
                    };
                    let _ = writeln!(w, "{q}out vec4 {name};");
                    let _ = writeln!(s, "    {name} = o{reg};");
                }
            }
        }
        if key.clip_plane_enable != 0 && !writes_clipdist {
            if key.glsl_es {
                return Err(EmitError::Unsupported("user clip planes on GLSL ES"));
            }
            let cv = clipvertex.or(position);
            let _ = writeln!(w, "uniform vec4 {stage}_clip_planes[8];");
            info.uses_clip_planes = true;
            info.clip_distances |= key.clip_plane_enable;
            for i in 0..8 {
                if key.clip_plane_enable & (1 << i) != 0 {
                    let v = cv.map_or("vec4(0.0)".to_string(), |r| format!("o{r}"));
                    let _ = writeln!(
                        s,
                        "    gl_ClipDistance[{i}] = dot({v}, {stage}_clip_planes[{i}]);"
                    );
                }
            }
        }
    }
    if fs && key.polygon_stipple {
        let _ = writeln!(w, "uniform uint fs_stipple[32];");
        info.uses_stipple = true;
    }

    // Globals: temps, outputs, address registers.
    if e.temp_array && e.temp_count > 0 {
        let _ = writeln!(w, "vec4 t[{}];", e.temp_count);
    } else {
        for i in 0..e.temp_count {
            let _ = writeln!(w, "vec4 t{i};");
        }
    }
    for &(reg, _) in &outputs {
        let _ = writeln!(w, "vec4 o{reg};");
    }
    let addrs: Vec<u32> = regs(File::Address).into_iter().map(|(i, _)| i).collect();
    for a in &addrs {
        let _ = writeln!(w, "ivec4 a{a};");
    }
    let _ = writeln!(w, "void store_outputs() {{\n{store}}}");
    let _ = writeln!(w, "void main() {{");
    if fs && key.polygon_stipple {
        let _ = writeln!(
            w,
            "    if (((fs_stipple[int(gl_FragCoord.y) & 31] >> uint(int(gl_FragCoord.x) & 31)) \
             & 1u) == 0u) discard;"
        );
    }
    if e.temp_array && e.temp_count > 0 {
        let _ = writeln!(w, "    for (int i = 0; i < {}; i++) t[i] = vec4(0.0);", e.temp_count);
    } else {
        for i in 0..e.temp_count {
            let _ = writeln!(w, "    t{i} = vec4(0.0);");
        }
    }
    for &(reg, _) in &outputs {
        let _ = writeln!(w, "    o{reg} = vec4(0.0);");
    }
    for a in &addrs {
        let _ = writeln!(w, "    a{a} = ivec4(0);");
    }
    if e.uses_loop {
        let _ = writeln!(w, "    int loop_budget = {LOOP_BUDGET};");
    }
    if !p.immediates.is_empty() {
        let items: Vec<String> = p
            .immediates
            .iter()
            .map(|imm| {
                let v: Vec<String> = imm.bits.iter().map(|&b| float_lit(b)).collect();
                format!("vec4({})", v.join(", "))
            })
            .collect();
        let n = items.len();
        let _ =
            writeln!(w, "    vec4 imm[{n}] = vec4[{n}](\n        {});", items.join(",\n        "));
    }
    head.push_str(&prologue);
    head.push_str(&body);
    if !gs {
        head.push_str("    store_outputs();\n");
    }
    head.push_str("}\n");
    info.const_buffers = e.cbufs.iter().map(|(&b, &n)| (b, n)).collect();
    info.samplers = e.samplers.iter().map(|(&u, st)| (u, st.target, st.ret)).collect();
    Ok((head, info))
}

/// Declares what a fragment input needs and returns its vec4 value.
fn fs_input(
    w: &mut String,
    varyings: &mut BTreeMap<u32, String>,
    d: &Declaration,
    sem: Semantic,
    key: &VariantKey,
) -> Result<String> {
    let present = |slot: u32| key.prev_outputs.is_none_or(|m| m & (1u128 << slot) != 0);
    let mut qual = |w: &mut String, slot: u32| -> Result<String> {
        let (flat, np) = input_interp(d, key);
        let mut q = String::new();
        if flat {
            q.push_str("flat ");
        } else if np {
            if key.glsl_es {
                return Err(EmitError::Unsupported("noperspective on GLSL ES"));
            }
            q.push_str("noperspective ");
        }
        if d.location == Location::Centroid && !flat {
            q.push_str("centroid ");
        }
        let name = varying_name(slot);
        let decl = format!("{q}in vec4 {name};\n");
        match varyings.get(&slot) {
            Some(prev) if *prev != decl => {
                return Err(invalid(0, "one varying read with two interpolations"))
            }
            Some(_) => {}
            None => {
                w.push_str(&decl);
                varyings.insert(slot, decl);
            }
        }
        Ok(name)
    };
    if d.location == Location::Sample {
        return Err(EmitError::Unsupported("per-sample interpolation"));
    }
    Ok(match sem.name {
        SemanticName::Position => "gl_FragCoord".into(),
        SemanticName::Face => "vec4(gl_FrontFacing ? 1.0 : -1.0, 0.0, 0.0, 1.0)".into(),
        SemanticName::PointCoord => "vec4(gl_PointCoord, 0.0, 1.0)".into(),
        SemanticName::PrimitiveId if key.glsl_es => {
            return Err(EmitError::Unsupported("gl_PrimitiveID on GLSL ES 3.00"))
        }
        SemanticName::PrimitiveId => {
            if key.integers {
                "intBitsToFloat(ivec4(gl_PrimitiveID, 0, 0, 0))".into()
            } else {
                "vec4(float(gl_PrimitiveID), 0.0, 0.0, 1.0)".into()
            }
        }
        SemanticName::TexCoord
            if sem.index < 8 && key.sprite_coord_enable & (1 << sem.index) != 0 =>
        {
            "vec4(gl_PointCoord, 0.0, 1.0)".into()
        }
        SemanticName::Color if key.two_side && sem.index < 2 => {
            let front = SLOT_COLOR + sem.index;
            let back = SLOT_BCOLOR + sem.index;
            let f = if present(front) { qual(w, front)? } else { "vec4(0.0)".into() };
            let b = if present(back) { qual(w, back)? } else { f.clone() };
            format!("(gl_FrontFacing ? {f} : {b})")
        }
        _ => {
            let slot =
                varying_slot(sem).ok_or(EmitError::Unsupported("fragment input semantic"))?;
            if present(slot) {
                qual(w, slot)?
            } else {
                "vec4(0.0)".into()
            }
        }
    })
}
