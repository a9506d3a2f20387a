//! Registers, sources and destinations: how an operand reads and writes in GLSL.

use super::*;

impl<'a> Emitter<'a> {
    pub(super) fn line(&mut self, s: &str) {
        for _ in 0..self.depth {
            self.out.push_str("    ");
        }
        self.out.push_str(s);
        self.out.push('\n');
    }

    /// The declared range of `file` covering `index`.
    pub(super) fn declared(&self, file: File, index: u32, line: u32) -> Result<&'a Declaration> {
        self.decls.get(&(file, index)).copied().ok_or(invalid(line, "register not declared"))
    }

    /// The GLSL for an address index: `(clamp(a0.x + k, 0, len - 1))`.
    pub(super) fn indirect(&self, idx: Index, len: u32, line: u32) -> Result<String> {
        match idx {
            Index::Direct(i) if i < len => Ok(i.to_string()),
            Index::Direct(_) => Err(invalid(line, "register index outside its declaration")),
            Index::Indirect { .. } if len == 0 => Err(invalid(line, "indirect access to nothing")),
            Index::Indirect { .. } => {
                Ok(format!("clamp({}, 0, {})", self.address(idx, line)?, len.saturating_sub(1)))
            }
        }
    }

    /// The unclamped GLSL of an indirect index: `a0.x + k`.
    pub(super) fn address(&self, idx: Index, line: u32) -> Result<String> {
        match idx {
            Index::Indirect { file: File::Address, reg, component, offset } => {
                self.declared(File::Address, reg, line)?;
                Ok(format!("a{reg}.{} + {offset}", COMP[component as usize]))
            }
            Index::Indirect { .. } => Err(EmitError::Unsupported("indirect index not in ADDR")),
            Index::Direct(_) => Err(invalid(line, "direct index where an address was expected")),
        }
    }

    /// The vec4 lvalue/rvalue of a register.
    pub(super) fn reg(&self, r: &Register, line: u32) -> Result<String> {
        if r.file == File::Input && self.p.processor == Processor::Geometry {
            return self.gs_input(r, line);
        }
        let tess = matches!(self.p.processor, Processor::TessCtrl | Processor::TessEval);
        if tess && r.file == File::Input {
            return self.tess_input(r, line);
        }
        if r.file == File::Output && self.p.processor == Processor::TessCtrl {
            return self.tcs_output(r, line);
        }
        if r.dim.is_some() && r.file != File::Const {
            return Err(EmitError::Unsupported("two-dimensional register outside CONST"));
        }
        match r.file {
            File::Temp => self.temp_reg(r, line),
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
                    Some(Index::Direct(0)) => 0,
                    Some(Index::Direct(b)) => return self.ubo_reg(b, r, line),
                    Some(_) => return self.const_indirect_buffer(r, line),
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
        let one = |v: &str| -> Result<String> {
            Ok(match sem.name {
                SemanticName::Position => format!("gl_in[{v}].gl_Position"),
                SemanticName::PointSize => {
                    format!("vec4(gl_in[{v}].gl_PointSize, 0.0, 0.0, 0.0)")
                }
                SemanticName::ClipDistance if sem.index < 2 => {
                    let b = sem.index * 4;
                    let c = |k: u32| format!("gl_in[{v}].gl_ClipDistance[{}]", b + k);
                    format!("vec4({}, {}, {}, {})", c(0), c(1), c(2), c(3))
                }
                _ => {
                    let slot = varying_slot(sem)
                        .ok_or(EmitError::Unsupported("geometry input semantic"))?;
                    format!("g{}[{v}]", varying_name(slot))
                }
            })
        };
        let n = self.gs_vertices;
        if matches!(v, Index::Direct(_)) || n == 0 {
            return one(&self.indirect(v, n, line)?);
        }
        if n == 1 {
            self.address(v, line)?;
            return one("0");
        }
        // A vertex chosen at run time is one of the `n` constant-indexed reads, picked by
        // `?:` with clamp semantics (below 0: the first, above: the last). llvmpipe (Mesa 25)
        // reads far outside its geometry input buffer for some reads of `gl_in[i]` with a
        // dynamic `i` inside an EMIT loop, even clamped, and the host process dies
        // (piglit's vs-output-array-vec3-index-wr-before-gs).
        let i = self.address(v, line)?;
        let mut e = one(&(n - 1).to_string())?;
        for k in (0..n - 1).rev() {
            let test = if k == 0 { "<=" } else { "==" };
            e = format!("(({i}) {test} {k} ? {} : {e})", one(&k.to_string())?);
        }
        Ok(e)
    }

    /// A source read as `ty`, swizzled, with modifiers.
    pub(super) fn src(&self, s: &Src, ty: Ty, line: u32) -> Result<String> {
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
    pub(super) fn store(
        &mut self,
        inst: &Instruction,
        value: &str,
        float_result: bool,
    ) -> Result<()> {
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
        if d.reg.file == File::Output && self.p.processor == Processor::TessCtrl {
            return self.tcs_store(&d, &v, inst.line);
        }
        let lhs = self.reg(&d.reg, inst.line)?;
        let s =
            if d.mask == 0xf { format!("{lhs} = {v};") } else { format!("{lhs}.{m} = ({v}).{m};") };
        self.line(&s);
        Ok(())
    }
}

/// Visits every register an instruction names (for the pre-pass).
pub(super) fn registers(inst: &Instruction) -> impl Iterator<Item = &Register> {
    inst.dst.iter().map(|d| &d.reg).chain(inst.src.iter().map(|s| &s.reg))
}

#[cfg(test)]
mod tests {
    use crate::model::shader::{translate, VariantKey};

    fn geom(input: &str, body: &str) -> String {
        let text = format!(
            "GEOM\nPROPERTY GS_INPUT_PRIMITIVE {input}\nPROPERTY GS_OUTPUT_PRIMITIVE POINTS\n\
             PROPERTY GS_MAX_OUTPUT_VERTICES 1\nDCL IN[][0], POSITION\nDCL IN[][1], GENERIC[0]\n\
             DCL OUT[0], POSITION\nDCL OUT[1], GENERIC[0]\nDCL ADDR[0]\n\
             IMM[0] INT32 {{1, 0, 0, 0}}\n0: UARL ADDR[0].x, IMM[0].xxxx\n{body}\n\
             3: EMIT IMM[0].yyyy\n4: END\n"
        );
        translate(&text, &VariantKey { integers: true, ..Default::default() }).unwrap()
    }

    #[test]
    fn gs_inputs_at_a_run_time_vertex_are_picked_among_constant_reads() {
        let g =
            geom("TRIANGLES", "1: MOV OUT[0], IN[ADDR[0].x+1][0]\n2: MOV OUT[1], IN[ADDR[0].x][1]");
        // No `gl_in[expr]`: each vertex is read with a constant index; below 0 reads the
        // first, past the end the last (the clamp's semantics).
        for want in [
            "o0 = ((a0.x + 1) <= 0 ? gl_in[0].gl_Position : ((a0.x + 1) == 1 ? \
             gl_in[1].gl_Position : gl_in[2].gl_Position));",
            "o1 = ((a0.x + 0) <= 0 ? gv_g0[0] : ((a0.x + 0) == 1 ? gv_g0[1] : gv_g0[2]));",
        ] {
            assert!(g.contains(want), "{want}\n{g}");
        }
        assert!(!g.contains("clamp("), "{g}");
        // A constant vertex stays a constant index; a point has one vertex.
        let g =
            geom("TRIANGLES_ADJACENCY", "1: MOV OUT[0], IN[5][0]\n2: MOV OUT[1], IN[ADDR[0].x][1]");
        assert!(g.contains("o0 = gl_in[5].gl_Position;"), "{g}");
        assert!(g.contains("(a0.x + 0) == 4 ? gv_g0[4] : gv_g0[5])"), "{g}");
        let g = geom("POINTS", "1: MOV OUT[0], IN[ADDR[0].x][0]\n2: MOV OUT[1], IN[ADDR[0].x][1]");
        assert!(g.contains("o0 = gl_in[0].gl_Position;") && g.contains("o1 = gv_g0[0];"), "{g}");
    }

    #[test]
    fn gs_input_at_an_undeclared_address_is_refused() {
        let text =
            "GEOM\nPROPERTY GS_INPUT_PRIMITIVE POINTS\nPROPERTY GS_OUTPUT_PRIMITIVE POINTS\n\
            PROPERTY GS_MAX_OUTPUT_VERTICES 1\nDCL IN[][0], POSITION\nDCL OUT[0], POSITION\n\
            0: MOV OUT[0], IN[ADDR[1].x][0]\n1: EMIT\n2: END\n";
        assert!(translate(text, &VariantKey { integers: true, ..Default::default() }).is_err());
    }
}
