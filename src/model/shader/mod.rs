//! TGSI text → typed IR → GLSL, for executing the guest's shaders on host GL.
//!
//! Mesa's virgl driver sends each shader as TGSI in its text form inside
//! CREATE_OBJECT(SHADER). [`parse`] turns that text into a [`Program`] (bounded work,
//! every error an [`Err`] with line and column, never a panic); [`emit`] turns a program
//! plus a [`VariantKey`] (the fixed-function state core GL lacks) into GLSL 3.30 core
//! source for the host, or GLSL ES 3.00 for a host whose context is GLES 3
//! ([`VariantKey::glsl_es`]; what ES 3.00 lacks is refused as Unsupported). Pure: no GL, no `unsafe`.
//!
//! The generated GLSL holds no text from the guest: identifiers are generated from
//! register numbers and semantics, numbers are re-printed from parsed values (floats as
//! bit patterns), so nothing the guest writes reaches the host compiler verbatim.
//!
//! Interface the executor fills (names fixed by this module):
//! - `vs_cb<N>` / `fs_cb<N>`: `uniform uvec4 fs_cb<N>[len]` per constant buffer N of the
//!   stage, filled with `glUniform4uiv` (bit-exact, integers and floats alike);
//! - `vs_samp<N>` / `fs_samp<N>`: one sampler uniform per SAMP index of the stage;
//! - `vs_clip_planes` / `gs_clip_planes`: `uniform vec4 …_clip_planes[8]` in the last
//!   vertex stage when the key enables user clip planes;
//! - `fs_stipple`: `uniform uint fs_stipple[32]` (row y's 32 bits, x = 0 in bit 31) with
//!   polygon stipple;
//! - `alpha_ref`: taken from the key, no uniform;
//! - vertex inputs at `layout(location = N)` for IN[N] (`vec4`, or `ivec4` for the
//!   integer attributes named in [`VariantKey::vs_int_inputs`]);
//!   fragment outputs at location N for COLOR[N];
//! - varyings are named by semantic slot, so a vertex and a fragment program translated
//!   separately link: give the fragment key `prev_outputs` = [`output_slots`] of the
//!   vertex program and the vertex key `next_flat`/`next_noperspective` =
//!   [`fs_interpolation`] of the fragment program (GLSL 3.30 wants both sides' `flat`
//!   to agree).
//!
//! - stream output: the last vertex stage's key lists the outputs to capture
//!   ([`StreamOutKey`]); they are written to generated varyings and
//!   [`ShaderInfo::xfb_varyings`] is the list for `glTransformFeedbackVaryings`
//!   (`GL_INTERLEAVED_ATTRIBS`, with `gl_SkipComponents*`/`gl_NextBuffer`), set before
//!   linking.
//!
//! GL state the executor still sets itself: `GL_PROGRAM_POINT_SIZE` when the vertex
//! stage writes PSIZE, `GL_CLIP_DISTANCEi` for each enabled plane or CLIPDIST
//! ([`emit_with_info`] lists both, with the uniforms and samplers to bind),
//! `glFrontFace` (flipped with the viewport), `GL_POINT_SPRITE_COORD_ORIGIN`.
//!
//! Geometry shaders: a vertex program feeding one is translated with
//! [`VariantKey::to_geometry`]; the geometry program takes the clip-plane, `next_*` and
//! colour settings a vertex program would have, and its [`output_slots`] are the
//! fragment key's `prev_outputs`.
//!
//! Tessellation (GLSL 4.00, `emit::tess`): a vertex program feeding a control stage is
//! translated with `to_geometry` too (its outputs are the control stage's `gv_*` arrays);
//! an evaluation stage without a control stage reads those arrays itself
//! (`VariantKey::tes_after_vertex`, the patch at the default levels); the evaluation stage
//! is the last vertex stage when no geometry stage follows. Control
//! outputs per vertex are written at `gl_InvocationID` only (a write naming another
//! vertex is dropped); indexes of per-vertex reads are clamped to the patch.
//!
//! Not translated ([`EmitError::Unsupported`]): compute stages; tessellation on GLSL ES;
//! geometry invocations and vertex streams other than 0 (GL 4.0), more than 256 output
//! vertices; subroutines (CAL/BGNSUB); TEX2/TXB2/TXL2 and cube-map arrays; texel offsets;
//! TG4/LODQ and other opcodes the parser does not know; indirect IN/OUT/sampler
//! addressing; per-sample interpolation; STENCIL/SAMPLEMASK outputs; LAYER and
//! VIEWPORT_INDEX from the vertex stage; images, buffers, atomics; 64-bit types.

mod emit;
mod ir;
mod opcode;
mod parse;

pub use emit::{
    emit, emit_with_info, fs_interpolation, output_slots, CompareFunc, EmitError, ShaderInfo,
    SoOutput, StreamOutKey, VariantKey, LOOP_BUDGET, MAX_PATCH_VARYINGS, MAX_PATCH_VERTICES,
    MAX_SO_BUFFERS, MAX_SO_COMPONENTS, MAX_SO_OUTPUTS,
};
pub use ir::*;
pub use opcode::Opcode;
pub use parse::{parse, ErrorKind, Limits, ParseError, LIMITS};

/// Why a shader did not translate: its text did not parse, or the program cannot be
/// expressed for this key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TranslateError {
    Parse(ParseError),
    Emit(EmitError),
}

impl std::fmt::Display for TranslateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TranslateError::Parse(e) => e.fmt(f),
            TranslateError::Emit(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for TranslateError {}

impl From<ParseError> for TranslateError {
    fn from(e: ParseError) -> Self {
        TranslateError::Parse(e)
    }
}

impl From<EmitError> for TranslateError {
    fn from(e: EmitError) -> Self {
        TranslateError::Emit(e)
    }
}

/// [`parse`] then [`emit`]: TGSI text to GLSL for one variant. An executor that keeps
/// several variants of one shader parses once and calls [`emit`] per key instead.
pub fn translate(text: &str, key: &VariantKey) -> Result<String, TranslateError> {
    Ok(emit(&parse(text)?, key)?)
}

#[cfg(test)]
mod tests;
