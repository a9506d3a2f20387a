//! BLEND → per-render-target blend functions, equations and colour masks, logic op,
//! dither, alpha-to-coverage/one.

use super::pipe::{blend as eq, blendfactor as bf, logicop, mask};
use super::{bad, Gap, Gaps};
use crate::error::Result;
use crate::model::protocol::{Blend, RtBlend};
use glow as gl;

/// One render target's blend state in GL enums.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RtBlendGl {
    /// `glEnablei(GL_BLEND, i)`.
    pub enabled: bool,
    /// `glBlendFuncSeparatei` factors.
    pub src_rgb: u32,
    pub dst_rgb: u32,
    pub src_alpha: u32,
    pub dst_alpha: u32,
    /// `glBlendEquationSeparatei` equations.
    pub eq_rgb: u32,
    pub eq_alpha: u32,
    /// `glColorMaski`: r, g, b, a.
    pub color_mask: [bool; 4],
}

/// The logic op (`GL_COLOR_LOGIC_OP`, `glLogicOp`). While enabled, GL ignores blending.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogicOpGl {
    pub enabled: bool,
    /// `GL_CLEAR` … `GL_SET`.
    pub op: u32,
}

/// A BLEND object in GL terms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlendGl {
    /// All 8 targets; with `independent` false every entry equals `rt[0]`.
    pub rt: [RtBlendGl; 8],
    /// The guest asked for independent blend (per-target state).
    pub independent: bool,
    pub logic_op: LogicOpGl,
    /// `GL_DITHER`.
    pub dither: bool,
    /// `GL_SAMPLE_ALPHA_TO_COVERAGE`.
    pub alpha_to_coverage: bool,
    /// `GL_SAMPLE_ALPHA_TO_ONE`.
    pub alpha_to_one: bool,
    /// A factor reads the second colour output (SRC1_*): the fragment shader must write
    /// it (`GL_ARB_blend_func_extended`, core 3.3).
    pub dual_source: bool,
    /// [`Gap::IndependentBlendFunc`] when targets differ in factors or equations.
    pub gaps: Gaps,
}

/// A `PIPE_BLENDFACTOR_*` as a GL blend factor.
pub fn blend_factor(f: u8) -> Result<u32> {
    Ok(match f {
        bf::ONE => gl::ONE,
        bf::SRC_COLOR => gl::SRC_COLOR,
        bf::SRC_ALPHA => gl::SRC_ALPHA,
        bf::DST_ALPHA => gl::DST_ALPHA,
        bf::DST_COLOR => gl::DST_COLOR,
        bf::SRC_ALPHA_SATURATE => gl::SRC_ALPHA_SATURATE,
        bf::CONST_COLOR => gl::CONSTANT_COLOR,
        bf::CONST_ALPHA => gl::CONSTANT_ALPHA,
        bf::SRC1_COLOR => gl::SRC1_COLOR,
        bf::SRC1_ALPHA => gl::SRC1_ALPHA,
        bf::ZERO => gl::ZERO,
        bf::INV_SRC_COLOR => gl::ONE_MINUS_SRC_COLOR,
        bf::INV_SRC_ALPHA => gl::ONE_MINUS_SRC_ALPHA,
        bf::INV_DST_ALPHA => gl::ONE_MINUS_DST_ALPHA,
        bf::INV_DST_COLOR => gl::ONE_MINUS_DST_COLOR,
        bf::INV_CONST_COLOR => gl::ONE_MINUS_CONSTANT_COLOR,
        bf::INV_CONST_ALPHA => gl::ONE_MINUS_CONSTANT_ALPHA,
        bf::INV_SRC1_COLOR => gl::ONE_MINUS_SRC1_COLOR,
        bf::INV_SRC1_ALPHA => gl::ONE_MINUS_SRC1_ALPHA,
        _ => return Err(bad("blend factor", f.into())),
    })
}

/// A `PIPE_BLEND_*` as a GL blend equation.
pub fn blend_equation(e: u8) -> Result<u32> {
    Ok(match e {
        eq::ADD => gl::FUNC_ADD,
        eq::SUBTRACT => gl::FUNC_SUBTRACT,
        eq::REVERSE_SUBTRACT => gl::FUNC_REVERSE_SUBTRACT,
        eq::MIN => gl::MIN,
        eq::MAX => gl::MAX,
        _ => return Err(bad("blend equation", e.into())),
    })
}

/// A `PIPE_LOGICOP_*` as a GL logic op. Gallium numbers the ops by their truth table
/// (CLEAR 0, NOR 1, …, SET 15), GL in another order, so this is a table.
pub fn logic_op(op: u8) -> Result<u32> {
    Ok(match op {
        logicop::CLEAR => gl::CLEAR,
        logicop::NOR => gl::NOR,
        logicop::AND_INVERTED => gl::AND_INVERTED,
        logicop::COPY_INVERTED => gl::COPY_INVERTED,
        logicop::AND_REVERSE => gl::AND_REVERSE,
        logicop::INVERT => gl::INVERT,
        logicop::XOR => gl::XOR,
        logicop::NAND => gl::NAND,
        logicop::AND => gl::AND,
        logicop::EQUIV => gl::EQUIV,
        logicop::NOOP => gl::NOOP,
        logicop::OR_INVERTED => gl::OR_INVERTED,
        logicop::COPY => gl::COPY,
        logicop::OR_REVERSE => gl::OR_REVERSE,
        logicop::OR => gl::OR,
        logicop::SET => gl::SET,
        _ => return Err(bad("logic op", op.into())),
    })
}

fn is_src1(f: u8) -> bool {
    matches!(f, bf::SRC1_COLOR | bf::SRC1_ALPHA | bf::INV_SRC1_COLOR | bf::INV_SRC1_ALPHA)
}

/// One render target. Factors and equations are mapped (and a bad one refused) only
/// while blending is enabled: Mesa leaves them 0 (not a gallium factor) on targets that
/// do not blend, so a disabled target gets GL's inert defaults (ONE, ZERO, ADD).
pub fn rt_blend(rt: &RtBlend) -> Result<RtBlendGl> {
    let m = rt.colormask;
    let color_mask = [m & mask::R != 0, m & mask::G != 0, m & mask::B != 0, m & mask::A != 0];
    if !rt.blend_enable {
        return Ok(RtBlendGl {
            enabled: false,
            src_rgb: gl::ONE,
            dst_rgb: gl::ZERO,
            src_alpha: gl::ONE,
            dst_alpha: gl::ZERO,
            eq_rgb: gl::FUNC_ADD,
            eq_alpha: gl::FUNC_ADD,
            color_mask,
        });
    }
    Ok(RtBlendGl {
        enabled: true,
        src_rgb: blend_factor(rt.rgb_src_factor)?,
        dst_rgb: blend_factor(rt.rgb_dst_factor)?,
        src_alpha: blend_factor(rt.alpha_src_factor)?,
        dst_alpha: blend_factor(rt.alpha_dst_factor)?,
        eq_rgb: blend_equation(rt.rgb_func)?,
        eq_alpha: blend_equation(rt.alpha_func)?,
        color_mask,
    })
}

/// A BLEND object. Without independent blend only `rt[0]` is read (the others are copies);
/// with it, every target is mapped and targets whose factors or equations differ from
/// target 0's among the enabled ones give [`Gap::IndependentBlendFunc`].
pub fn blend(b: &Blend) -> Result<BlendGl> {
    let mut out = BlendGl {
        independent: b.independent_blend_enable,
        logic_op: LogicOpGl { enabled: b.logicop_enable, op: logic_op(b.logicop_func)? },
        dither: b.dither,
        alpha_to_coverage: b.alpha_to_coverage,
        alpha_to_one: b.alpha_to_one,
        ..BlendGl::default()
    };
    let first = rt_blend(&b.rt[0])?;
    out.rt = [first; 8];
    let used = if b.independent_blend_enable { &b.rt[..] } else { &b.rt[..1] };
    for (i, rt) in used.iter().enumerate() {
        out.rt[i] = rt_blend(rt)?;
    }
    let funcs =
        |r: &RtBlendGl| (r.src_rgb, r.dst_rgb, r.src_alpha, r.dst_alpha, r.eq_rgb, r.eq_alpha);
    let mut enabled = out.rt.iter().filter(|r| r.enabled);
    if let Some(e0) = enabled.next() {
        if enabled.any(|r| funcs(r) != funcs(e0)) {
            out.gaps.add(Gap::IndependentBlendFunc);
        }
    }
    out.dual_source = used.iter().any(|r| {
        r.blend_enable
            && [r.rgb_src_factor, r.rgb_dst_factor, r.alpha_src_factor, r.alpha_dst_factor]
                .into_iter()
                .any(is_src1)
    });
    Ok(out)
}

/// Whether colour format `id`'s stored alpha is padding (R8G8B8X8 kept as RGBA8: the
/// storage swizzle reads alpha as one), so that blending must read the destination's alpha
/// as one, as gallium defines it for formats without alpha.
pub fn alpha_is_padding(id: u32) -> bool {
    crate::model::format::lookup(id)
        .and_then(|f| f.gl)
        .and_then(|g| g.swizzle)
        .is_some_and(|s| s[3] == gl::ONE)
}

impl BlendGl {
    /// This state for colour buffers whose alpha is padding (bit i: buffer i): factors that
    /// read the destination's alpha take it as one (DST_ALPHA → ONE, ONE_MINUS_DST_ALPHA →
    /// ZERO, SRC_ALPHA_SATURATE → ZERO). Targets that end up different make the state
    /// independent.
    pub fn with_dst_alpha_one(&self, no_alpha: u8) -> BlendGl {
        let mut out = *self;
        if no_alpha == 0 {
            return out;
        }
        let fix = |f: u32| match f {
            gl::DST_ALPHA => gl::ONE,
            gl::ONE_MINUS_DST_ALPHA | gl::SRC_ALPHA_SATURATE => gl::ZERO,
            f => f,
        };
        for (i, rt) in out.rt.iter_mut().enumerate() {
            if no_alpha & (1 << i) != 0 && rt.enabled {
                rt.src_rgb = fix(rt.src_rgb);
                rt.dst_rgb = fix(rt.dst_rgb);
                // SRC_ALPHA_SATURATE is ONE for the alpha channel itself.
                let fix_a = |f: u32| if f == gl::SRC_ALPHA_SATURATE { gl::ONE } else { fix(f) };
                rt.src_alpha = fix_a(rt.src_alpha);
                rt.dst_alpha = fix_a(rt.dst_alpha);
            }
        }
        if out.rt.iter().any(|rt| *rt != out.rt[0]) {
            out.independent = true;
        }
        out
    }

    /// This state for colour buffers of alpha formats kept in a red channel (bit i: buffer
    /// i; `FormatInfo::alpha_in_red`): the draw writes its alpha output into the stored red
    /// channel, so that channel blends with the alpha equation and factors, each read as
    /// the alpha it means (the destination's alpha is the stored red: DST_ALPHA → DST_COLOR;
    /// a colour factor of the alpha channel is that colour's alpha: CONSTANT_COLOR →
    /// CONSTANT_ALPHA, SRC1_COLOR → SRC1_ALPHA; SRC_ALPHA_SATURATE is ONE for alpha). The
    /// source's red is its alpha already (the output swizzle), so SRC_* stay. Targets that
    /// end up different make the state independent.
    pub fn with_alpha_in_red(&self, alpha_in_red: u8) -> BlendGl {
        let mut out = *self;
        if alpha_in_red == 0 {
            return out;
        }
        let fix = |f: u32| match f {
            gl::DST_ALPHA => gl::DST_COLOR,
            gl::ONE_MINUS_DST_ALPHA => gl::ONE_MINUS_DST_COLOR,
            gl::CONSTANT_COLOR => gl::CONSTANT_ALPHA,
            gl::ONE_MINUS_CONSTANT_COLOR => gl::ONE_MINUS_CONSTANT_ALPHA,
            gl::SRC1_COLOR => gl::SRC1_ALPHA,
            gl::ONE_MINUS_SRC1_COLOR => gl::ONE_MINUS_SRC1_ALPHA,
            gl::SRC_ALPHA_SATURATE => gl::ONE,
            f => f,
        };
        for (i, rt) in out.rt.iter_mut().enumerate() {
            if alpha_in_red & (1 << i) != 0 {
                rt.src_rgb = fix(rt.src_alpha);
                rt.dst_rgb = fix(rt.dst_alpha);
                rt.eq_rgb = rt.eq_alpha;
            }
        }
        if out.rt.iter().any(|rt| *rt != out.rt[0]) {
            out.independent = true;
        }
        out
    }
}
