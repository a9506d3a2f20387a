//! Uniform blocks: TGSI's two-dimensional constants `CONST[b][i]` with `b` ≥ 1 (gallium's
//! constant buffer `b`, bound by SET_UNIFORM_BUFFER) become std140 uniform blocks
//!
//! ```glsl
//! layout(std140) uniform vs_block1 { uvec4 vs_ubo1[len]; };
//! ```
//!
//! named by stage and buffer number (`len` from the declaration `DCL CONST[b][0..len-1]`),
//! read as `uintBitsToFloat(vs_ubo1[i])` so the bits arrive unchanged. Buffer 0 stays the
//! default constant buffer (`vs_cb0`, filled from SET_CONSTANT_BUFFER). The executor binds
//! each block to a binding point of its own ([`ShaderInfo::uniform_blocks`]).
//!
//! A block number taken from an address register (`CONST[ADDR[1].x+1][i]`: an array of
//! blocks indexed at run time) reads through `{stage}_ubo_at(b, i)`, which picks the
//! declared buffer `b` (0 included) and clamps `i` into it; any other `b` reads zero.

use super::*;

impl<'a> Emitter<'a> {
    /// `CONST[b][i]` for a direct `b` ≥ 1 (`len`: the block's declared length).
    pub(super) fn ubo_reg(&self, buf: u32, r: &Register, line: u32) -> Result<String> {
        let Some(&len) = self.ubos.get(&buf) else {
            return Err(invalid(line, "constant buffer not declared"));
        };
        Ok(format!(
            "uintBitsToFloat({}_ubo{buf}[{}])",
            self.stage,
            self.indirect(r.index, len, line)?
        ))
    }

    /// `CONST[ADDR[a].c + k][i]`: through the run-time selection helper.
    pub(super) fn const_indirect_buffer(&self, r: &Register, line: u32) -> Result<String> {
        let Some(Index::Indirect { file: File::Address, reg, component, offset }) = r.dim else {
            return Err(EmitError::Unsupported(
                "constant buffer indexed by a register not in ADDR",
            ));
        };
        self.declared(File::Address, reg, line)?;
        let b = format!("a{reg}.{} + {offset}", COMP[component as usize]);
        let i = match r.index {
            Index::Direct(i) => i.to_string(),
            Index::Indirect { file: File::Address, reg, component, offset } => {
                self.declared(File::Address, reg, line)?;
                format!("a{reg}.{} + {offset}", COMP[component as usize])
            }
            Index::Indirect { .. } => {
                return Err(EmitError::Unsupported("indirect index not in ADDR"))
            }
        };
        Ok(format!("uintBitsToFloat({}_ubo_at({b}, {i}))", self.stage))
    }
}

/// The block declarations (and the selection helper when `indirect`), after the default
/// constant buffer's uniform.
pub(super) fn declare_blocks(
    w: &mut String,
    stage: &str,
    cbufs: &BTreeMap<u32, u32>,
    ubos: &BTreeMap<u32, u32>,
    indirect: bool,
) {
    for (buf, len) in ubos {
        let _ = writeln!(
            w,
            "layout(std140) uniform {stage}_block{buf} {{ uvec4 {stage}_ubo{buf}[{len}]; }};"
        );
    }
    if !indirect {
        return;
    }
    let _ = writeln!(w, "uvec4 {stage}_ubo_at(int b, int i) {{");
    for (buf, len) in cbufs {
        let _ = writeln!(
            w,
            "    if (b == {buf}) return {stage}_cb{buf}[clamp(i, 0, {})];",
            len.saturating_sub(1)
        );
    }
    for (buf, len) in ubos {
        let _ = writeln!(
            w,
            "    if (b == {buf}) return {stage}_ubo{buf}[clamp(i, 0, {})];",
            len.saturating_sub(1)
        );
    }
    let _ = writeln!(w, "    return uvec4(0u);\n}}");
}

#[cfg(test)]
mod tests {
    use crate::model::shader::{emit_with_info, parse, EmitError, VariantKey};

    fn emit(text: &str) -> Result<(String, crate::model::shader::ShaderInfo), EmitError> {
        emit_with_info(&parse(text).expect("parses"), &VariantKey::default())
    }

    #[test]
    fn two_dimensional_constants_are_blocks() {
        let (glsl, info) = emit(
            "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0][0..1]\nDCL CONST[1][0..3]\nDCL CONST[3][0]\n\
             DCL TEMP[0]\n  0: ADD TEMP[0], CONST[1][2], CONST[3][0]\n  1: ADD OUT[0], TEMP[0], CONST[0][1]\n  2: END\n",
        )
        .unwrap();
        assert!(glsl.contains("layout(std140) uniform fs_block1 { uvec4 fs_ubo1[4]; };"), "{glsl}");
        assert!(glsl.contains("layout(std140) uniform fs_block3 { uvec4 fs_ubo3[1]; };"));
        assert!(glsl.contains("uniform uvec4 fs_cb0[2];"), "block 0 stays the default buffer");
        assert!(glsl.contains("uintBitsToFloat(fs_ubo1[2])"));
        assert!(glsl.contains("uintBitsToFloat(fs_ubo3[0])"));
        assert_eq!(info.uniform_blocks, vec![(1, 4), (3, 1)]);
        assert_eq!(info.const_buffers, vec![(0, 2)]);
        assert!(!glsl.contains("_ubo_at"), "no helper without run-time buffer selection");
    }

    #[test]
    fn indirect_access_is_clamped() {
        let (glsl, _) = emit(
            "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nDCL CONST[2][0..7]\nDCL ADDR[0]\n\
             0: UARL ADDR[0].x, IN[0].xxxx\n  1: MOV OUT[0], CONST[2][ADDR[0].x+1]\n  2: END\n",
        )
        .unwrap();
        assert!(glsl.contains("vs_ubo2[clamp(a0.x + 1, 0, 7)]"), "{glsl}");
    }

    #[test]
    fn run_time_buffer_selection() {
        let (glsl, info) = emit(
            "FRAG\nDCL OUT[0], COLOR\nDCL CONST[1][0..1]\nDCL CONST[2][0..1]\nDCL ADDR[0..1]\n\
             DCL TEMP[0]\n  0: UARL ADDR[1].x, CONST[1][0].xxxx\n  1: UARL ADDR[0].x, CONST[1][1].xxxx\n\
             2: MOV OUT[0], CONST[ADDR[1].x+1][ADDR[0].x+0]\n  3: END\n",
        )
        .unwrap();
        assert!(glsl.contains("uintBitsToFloat(fs_ubo_at(a1.x + 1, a0.x + 0))"), "{glsl}");
        assert!(glsl.contains("if (b == 2) return fs_ubo2[clamp(i, 0, 1)];"));
        assert!(glsl.contains("return uvec4(0u);"), "an undeclared buffer reads zero");
        assert_eq!(info.uniform_blocks, vec![(1, 2), (2, 2)]);
    }

    #[test]
    fn undeclared_blocks_are_refused() {
        let e = emit(
            "FRAG\nDCL OUT[0], COLOR\nDCL CONST[1][0..1]\n  0: MOV OUT[0], CONST[2][0]\n  1: END\n",
        );
        assert!(matches!(e, Err(EmitError::Invalid { .. })), "{e:?}");
        let e = emit(
            "FRAG\nDCL OUT[0], COLOR\nDCL CONST[1][0..1]\n  0: MOV OUT[0], CONST[1][2]\n  1: END\n",
        );
        assert!(matches!(e, Err(EmitError::Invalid { .. })), "index past the block: {e:?}");
    }
}
