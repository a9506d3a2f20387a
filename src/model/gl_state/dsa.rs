//! DSA → depth test, stencil per face, and the alpha test (for the shader variant key:
//! core GL has no alpha test).

use super::pipe::{func, stencil_op as sop};
use super::{bad, KeyBits};
use crate::error::Result;
use crate::model::protocol::{Dsa, StencilState};
use crate::model::shader::CompareFunc;
use glow as gl;

/// One face's stencil state in GL enums (`glStencilFuncSeparate`, `glStencilOpSeparate`,
/// `glStencilMaskSeparate`; the reference comes from SET_STENCIL_REF).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StencilFaceGl {
    pub func: u32,
    /// The `mask` of `glStencilFuncSeparate`.
    pub value_mask: u32,
    pub write_mask: u32,
    /// Stencil test fails.
    pub sfail: u32,
    /// Stencil passes, depth fails.
    pub zfail: u32,
    /// Both pass.
    pub zpass: u32,
}

/// A DSA object in GL terms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DsaGl {
    /// `GL_DEPTH_TEST`.
    pub depth_test: bool,
    /// `glDepthFunc` (mapped even while the test is off).
    pub depth_func: u32,
    /// `glDepthMask`. Gallium, like GL, writes depth only while the test is enabled.
    pub depth_write: bool,
    /// `GL_STENCIL_TEST`: the front face's enable.
    pub stencil_test: bool,
    /// `[front, back]`. Without a back-face enable gallium uses the front state for both
    /// faces, so `back` is then a copy of `front`.
    pub stencil: [StencilFaceGl; 2],
    /// The back face has its own stencil state (gallium's `stencil[1].enabled`), and so its
    /// own reference value; otherwise back faces test and write the front's reference
    /// ([`DsaGl::stencil_refs`]).
    pub two_sided: bool,
    /// The variant key's alpha test (`CompareFunc` + `alpha_ref` bits; `None` when off or
    /// ALWAYS).
    pub key: KeyBits,
}

impl DsaGl {
    /// The reference values `[front, back]` for GL from SET_STENCIL_REF's pair: one-sided
    /// stencil uses the front value for both faces (Mesa's state tracker sets only the
    /// front one then: its scissored stencil clear draws a quad with ref `[n, 0]`).
    pub fn stencil_refs(&self, refs: [u8; 2]) -> [u8; 2] {
        if self.two_sided {
            refs
        } else {
            [refs[0], refs[0]]
        }
    }
}

/// A `PIPE_FUNC_*` as a GL compare function (`GL_NEVER + n`: the same order).
pub fn gl_compare_func(f: u8) -> Result<u32> {
    if f > func::ALWAYS {
        return Err(bad("compare func", f.into()));
    }
    Ok(gl::NEVER + f as u32)
}

/// A `PIPE_FUNC_*` as the shader's [`CompareFunc`].
pub fn compare_func(f: u8) -> Result<CompareFunc> {
    Ok(match f {
        func::NEVER => CompareFunc::Never,
        func::LESS => CompareFunc::Less,
        func::EQUAL => CompareFunc::Equal,
        func::LEQUAL => CompareFunc::LessEqual,
        func::GREATER => CompareFunc::Greater,
        func::NOTEQUAL => CompareFunc::NotEqual,
        func::GEQUAL => CompareFunc::GreaterEqual,
        func::ALWAYS => CompareFunc::Always,
        _ => return Err(bad("compare func", f.into())),
    })
}

/// A `PIPE_STENCIL_OP_*` as a GL stencil op.
pub fn stencil_op(op: u8) -> Result<u32> {
    Ok(match op {
        sop::KEEP => gl::KEEP,
        sop::ZERO => gl::ZERO,
        sop::REPLACE => gl::REPLACE,
        sop::INCR => gl::INCR,
        sop::DECR => gl::DECR,
        sop::INCR_WRAP => gl::INCR_WRAP,
        sop::DECR_WRAP => gl::DECR_WRAP,
        sop::INVERT => gl::INVERT,
        _ => return Err(bad("stencil op", op.into())),
    })
}

fn stencil_face(s: &StencilState) -> Result<StencilFaceGl> {
    Ok(StencilFaceGl {
        func: gl_compare_func(s.func)?,
        value_mask: s.valuemask.into(),
        write_mask: s.writemask.into(),
        sfail: stencil_op(s.fail_op)?,
        zfail: stencil_op(s.zfail_op)?,
        zpass: stencil_op(s.zpass_op)?,
    })
}

/// A DSA object. Every enum field is mapped (and a bad one refused) even where its enable
/// is off.
pub fn dsa(d: &Dsa) -> Result<DsaGl> {
    let front = stencil_face(&d.stencil[0])?;
    let back_mapped = stencil_face(&d.stencil[1])?;
    let back = if d.stencil[1].enabled { back_mapped } else { front };
    let alpha = compare_func(d.alpha_func)?;
    let alpha_test =
        (d.alpha_enabled && alpha != CompareFunc::Always).then_some((alpha, d.alpha_ref.to_bits()));
    Ok(DsaGl {
        depth_test: d.depth_enabled,
        depth_func: gl_compare_func(d.depth_func)?,
        depth_write: d.depth_writemask,
        stencil_test: d.stencil[0].enabled,
        stencil: [front, back],
        two_sided: d.stencil[1].enabled,
        key: KeyBits { alpha_test: Some(alpha_test), ..KeyBits::default() },
    })
}
