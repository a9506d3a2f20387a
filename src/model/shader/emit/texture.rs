//! Texture instructions: samplers, texel offsets, fetches and size queries, sampling.

use super::*;

impl<'a> Emitter<'a> {
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

    /// A texture instruction whose sampler the guest picks at run time (`SAMP[ADDR[a].x +
    /// k]`, from GLSL's sampler arrays): GLSL 3.30 indexes samplers by constants only, so
    /// a switch over the address runs `op` once per candidate unit (the declared units of
    /// the instruction's target from k up) with that unit direct; an address naming none
    /// of them uses the last. The cases count against the program's pick budget.
    /// Returns false (nothing emitted) when the sampler operand `which` is direct.
    fn pick_sampler(
        &mut self,
        inst: &Instruction,
        which: usize,
        op: fn(&mut Self, &Instruction) -> Result<()>,
    ) -> Result<bool> {
        let line = inst.line;
        let s = inst.src.get(which).ok_or(invalid(line, "texture instruction without a SAMP"))?;
        let Index::Indirect { offset, .. } = s.reg.index else { return Ok(false) };
        if s.reg.file != File::Sampler {
            return Err(invalid(line, "texture instruction without a SAMP operand"));
        }
        let target = inst.target.ok_or(invalid(line, "texture target missing"))?;
        let addr = self.address(s.reg.index, line)?;
        let units: Vec<u32> = self
            .samplers
            .iter()
            .filter(|(u, st)| st.target == target && i64::from(**u) >= i64::from(offset))
            .map(|(u, _)| *u)
            .collect();
        let Some(&last) = units.last() else {
            return Err(invalid(line, "no sampler for a run-time sampler index"));
        };
        let left = self.pick_budget.get().checked_sub(units.len() as u32);
        let left = left.ok_or(EmitError::Unsupported("too many run-time sampler picks"))?;
        self.pick_budget.set(left);
        self.line(&format!("switch ({addr}) {{"));
        for u in units {
            let label =
                if u == last { format!("default: case {u}: {{") } else { format!("case {u}: {{") };
            self.line(&label);
            self.depth += 1;
            let mut one = inst.clone();
            one.src[which].reg.index = Index::Direct(u);
            op(self, &one)?;
            self.line("break;");
            self.depth -= 1;
            self.line("}");
        }
        self.line("}");
        Ok(true)
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
    pub(super) fn fetch_or_query(&mut self, inst: &Instruction) -> Result<()> {
        if self.pick_sampler(inst, 1, Self::fetch_or_query)? {
            return Ok(());
        }
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
                // Width, height and the number of cubes (GLSL's layer count of a cube
                // array; the guest's views count faces, 6 a cube).
                CubeArray | ShadowCubeArray => (format!("textureSize({name}, {c}.x)"), 3),
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
        let unit = match inst.src[1].reg.index {
            Index::Direct(u) => u as usize,
            _ => usize::MAX,
        };
        let swizzle = self.buffer_swizzle.get(unit).copied().flatten();
        if let (Buffer, Some(sw)) = (st.target, swizzle) {
            // Through a local (the fetch once), then each channel picked or constant.
            let v = format!("txf_sw{}", inst.line);
            self.line(&format!("vec4 {v} = {value};"));
            let one = match st.ret {
                ReturnType::Sint | ReturnType::Uint => "intBitsToFloat(1)",
                _ => "1.0",
            };
            let c = sw.map(|c| match c {
                0..=3 => format!("{v}.{}", COMP[c as usize]),
                5 => one.to_string(),
                _ => "0.0".to_string(),
            });
            let value = format!("vec4({}, {}, {}, {})", c[0], c[1], c[2], c[3]);
            return self.store(inst, &value, true);
        }
        self.store(inst, &value, true)
    }

    pub(super) fn texture(&mut self, inst: &Instruction) -> Result<()> {
        let line = inst.line;
        let nsrc = inst.src.len();
        if nsrc == 0 {
            return Err(invalid(line, "texture instruction without operands"));
        }
        if self.pick_sampler(inst, nsrc - 1, Self::texture)? {
            return Ok(());
        }
        let (name, st) = self.sampler(inst, &inst.src[nsrc - 1])?;
        let unit = match inst.src[nsrc - 1].reg.index {
            Index::Direct(u) => u,
            _ => 0,
        };
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
            // Cube arrays: the direction in xyz, the cube (layer) in w; the shadow form's
            // reference comes in TEX2's second operand.
            Shadow2DArray | ShadowCube | CubeArray | ShadowCubeArray => c.clone(),
            _ => return Err(EmitError::Unsupported("texture target")),
        };
        let grad = match st.target {
            T1D | T1DArray | Shadow1D | Shadow1DArray => ".x",
            T3D | Cube | ShadowCube | CubeArray => ".xyz",
            _ => ".xy",
        };
        // TEX2/TXB2/TXL2 (what the guest sends where coordinates, reference and bias or
        // LOD do not fit one vec4): the reference, bias or LOD in src1.x.
        let second = |e: &mut Self| e.src(&inst.src[1], Ty::Float, line).map(|s| format!("{s}.x"));
        let call = match inst.opcode {
            _ if st.target == ShadowCubeArray && inst.opcode != Opcode::Tex2 => {
                return Err(EmitError::Unsupported("shadow cube-array lookup other than TEX2"))
            }
            Opcode::Tex => format!("texture{sfx}({name}, {coords}{oarg})"),
            Opcode::Tex2 => match st.target {
                ShadowCubeArray => format!("texture({name}, {coords}, {})", second(self)?),
                _ => return Err(EmitError::Unsupported("TEX2 on this target")),
            },
            Opcode::Txb | Opcode::Txb2 if self.p.processor != Processor::Fragment => {
                return Err(invalid(line, "TXB outside the fragment stage"))
            }
            Opcode::Txb2 => match st.target {
                // GLSL's texture(samplerCubeShadow, vec4, bias) has the reference in w.
                CubeArray | ShadowCube => format!("texture({name}, {coords}, {})", second(self)?),
                _ => return Err(EmitError::Unsupported("TXB2 on this target")),
            },
            Opcode::Txl2 => match st.target {
                CubeArray => format!("textureLod({name}, {coords}, {})", second(self)?),
                _ => return Err(EmitError::Unsupported("TXL2 on this target")),
            },
            Opcode::Txp => match st.target {
                T1D | T2D | T3D | Rect | Shadow1D | Shadow2D | ShadowRect => {
                    format!("textureProj{sfx}({name}, {c}{oarg})")
                }
                // GLSL has no projective cube lookup; dividing a direction by a positive
                // q does not change it, and fixed-function texturing (the source of TXP
                // on cubes) sends q = 1: look up with the direction as is.
                Cube | ShadowCube | T1DArray | T2DArray | Shadow1DArray | Shadow2DArray => {
                    format!("texture{sfx}({name}, {coords}{oarg})")
                }
                _ => return Err(EmitError::Unsupported("TXP on this target")),
            },
            Opcode::Txb => match st.target {
                // A cube array's w is its layer: its bias comes in TXB2.
                Rect | ShadowRect | ShadowCube | Shadow2DArray | CubeArray => {
                    return Err(EmitError::Unsupported("TXB on this target"))
                }
                _ => format!("texture{sfx}({name}, {coords}{oarg}, {c}.w)"),
            },
            Opcode::Txl => match st.target {
                Rect | ShadowRect | ShadowCube | Shadow2DArray | CubeArray => {
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
            match self.shadow_swizzle.get(unit as usize).copied().flatten() {
                Some(sw) => {
                    let m = sw.map(|c| if c < 4 { "1.0" } else { "0.0" });
                    let a = sw.map(|c| if c == 5 { "1.0" } else { "0.0" });
                    format!(
                        "(vec4({call}) * vec4({}, {}, {}, {}) + vec4({}, {}, {}, {}))",
                        m[0], m[1], m[2], m[3], a[0], a[1], a[2], a[3]
                    )
                }
                None => format!("vec4({call})"),
            }
        } else {
            match st.ret {
                ReturnType::Sint => format!("intBitsToFloat({call})"),
                ReturnType::Uint => format!("uintBitsToFloat({call})"),
                _ => call,
            }
        };
        self.store(inst, &value, true)
    }
}

impl Emitter<'_> {
    /// TG4 (textureGather: the four texels of a bilinear lookup, one component of each):
    /// GL_ARB_texture_gather's forms — 2-D, 2-D array, cube and cube-array targets, the
    /// component in src1 (an immediate: Mesa's virgl driver puts it there), one constant
    /// offset. The component-select (other than 0), shadow, rectangle and four-offset forms
    /// are ARB_gpu_shader5's, which level 2 does not offer: refused.
    pub(super) fn gather(&mut self, inst: &Instruction) -> Result<()> {
        let line = inst.line;
        if self.glsl_es {
            return Err(EmitError::Unsupported("TG4 on an OpenGL ES host"));
        }
        if self.pick_sampler(inst, 2, Self::gather)? {
            return Ok(());
        }
        let (name, st) = self.sampler(inst, &inst.src[2])?;
        let c = self.src(&inst.src[0], Ty::Float, line)?;
        use TexTarget::*;
        let coords = match st.target {
            T2D => format!("{c}.xy"),
            T2DArray | Cube => format!("{c}.xyz"),
            CubeArray => c,
            _ => return Err(EmitError::Unsupported("TG4 on this target")),
        };
        let comp = &inst.src[1];
        let component = match (comp.reg.file, comp.reg.index, comp.reg.dim) {
            (File::Immediate, Index::Direct(i), None) => {
                self.p
                    .immediates
                    .get(i as usize)
                    .ok_or(invalid(line, "immediate not declared"))?
                    .bits[usize::from(comp.swizzle[0] & 3)]
            }
            _ => return Err(invalid(line, "TG4 component not an immediate")),
        };
        if component != 0 {
            return Err(EmitError::Unsupported("TG4 of a component other than the first"));
        }
        let call = match self.texel_offset(inst, st.target)? {
            Some(o) if matches!(st.target, T2D | T2DArray) => {
                format!("textureGatherOffset({name}, {coords}, {o})")
            }
            Some(_) => return Err(EmitError::Unsupported("TG4 offset on this target")),
            None => format!("textureGather({name}, {coords})"),
        };
        self.uses_gather = true;
        let value = match st.ret {
            ReturnType::Sint => format!("intBitsToFloat({call})"),
            ReturnType::Uint => format!("uintBitsToFloat({call})"),
            _ => call,
        };
        self.store(inst, &value, true)
    }
}

/// The GLSL sampler type for a target and return type.
pub(super) fn sampler_type(st: SamplerType) -> Result<String> {
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
        CubeArray => "samplerCubeArray",
        ShadowCubeArray => "samplerCubeArrayShadow",
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

#[cfg(test)]
mod tests {
    use crate::model::shader::{emit, parse, VariantKey};

    const TXF: &str = "FRAG\nDCL OUT[0], COLOR\nDCL SAMP[0]\nDCL SVIEW[0], BUFFER, FLOAT\nIMM[0] INT32 { 1, 0, 0, 0 }\n  0: TXF OUT[0], IMM[0], SAMP[0], BUFFER\n  1: END\n";

    #[test]
    fn buffer_fetches_take_the_view_swizzle() {
        let p = parse(TXF).unwrap();
        let plain = emit(&p, &VariantKey::default()).unwrap();
        assert!(plain.contains("texelFetch(fs_samp0, floatBitsToInt(imm[0]).x)"), "{plain}");
        assert!(!plain.contains("txf_sw"));
        let mut key = VariantKey::default();
        key.buffer_swizzle[0] = Some([4, 4, 4, 0]); // A8 kept as R8
        let glsl = emit(&p, &key).unwrap();
        assert!(glsl.contains("vec4 txf_sw6 = texelFetch(fs_samp0"), "{glsl}");
        assert!(glsl.contains("vec4(0.0, 0.0, 0.0, txf_sw6.x)"), "{glsl}");
    }

    /// `SAMP[ADDR[a].x + k]` (a sampler array indexed at run time): one case per declared
    /// unit of the target from k up, each with a constant sampler; other targets' units are
    /// not candidates; an address naming none uses the last; a program whose picks exceed
    /// the budget is refused.
    #[test]
    fn run_time_sampler_indices_switch_over_the_candidate_units() {
        let t = "FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\nDCL SAMP[0..3]\n\
            DCL SVIEW[0], 3D, FLOAT\nDCL SVIEW[1..3], 2D, FLOAT\nDCL ADDR[0]\nDCL TEMP[0]\n\
            IMM[0] INT32 { 1, 0, 0, 0 }\n  0: UARL ADDR[0].x, IMM[0].xxxx\n\
              1: TEX TEMP[0], IN[0], SAMP[ADDR[0].x+2], 2D\n  2: MOV OUT[0], TEMP[0]\n  3: END\n";
        let g = emit(&parse(t).unwrap(), &VariantKey::default()).unwrap();
        assert!(g.contains("switch (a0.x + 2) {"), "{g}");
        assert!(g.contains("case 2: {") && g.contains("default: case 3: {"), "{g}");
        assert!(g.contains("t0 = texture(fs_samp3, i0.xy);"), "{g}");
        assert!(!g.contains("case 0:") && !g.contains("case 1:"), "{g}");
        assert!(g.contains("uniform sampler2D fs_samp1;"), "{g}");
        assert!(!g.contains("fs_samp0"), "{g}");
        // No unit of the target: refused, not an empty switch.
        let none = t.replace("SAMP[ADDR[0].x+2], 2D", "SAMP[ADDR[0].x+2], CUBE");
        assert!(emit(&parse(&none).unwrap(), &VariantKey::default()).is_err());
        // 16 Ki picks of 4 units each exceed the budget.
        let mut many = String::from(
            "FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\nDCL SAMP[0..3]\n\
             DCL SVIEW[0..3], 2D, FLOAT\nDCL ADDR[0]\nDCL TEMP[0]\n",
        );
        for i in 0..1100 {
            many.push_str(&format!("{i}: TEX TEMP[0], IN[0], SAMP[ADDR[0].x], 2D\n"));
        }
        many.push_str("1100: END\n");
        let err = emit(&parse(&many).unwrap(), &VariantKey::default()).unwrap_err();
        assert_eq!(
            err,
            crate::model::shader::emit::EmitError::Unsupported("too many run-time sampler picks")
        );
    }

    /// texelFetch on multisample views (ARB_texture_multisample): the sample index in
    /// src.w, integer and array forms declared with their GLSL sampler types; TXQ sizes.
    #[test]
    fn multisample_fetches_and_sizes() {
        let t = "FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\nDCL SAMP[0]\n\
            DCL SAMP[1]\nDCL SVIEW[0], 2D_MSAA, FLOAT\nDCL SVIEW[1], 2D_ARRAY_MSAA, UINT\n\
            DCL TEMP[0..2]\n  0: F2I TEMP[0], IN[0]\n\
              1: TXF TEMP[1], TEMP[0], SAMP[0], 2D_MSAA\n\
              2: TXF TEMP[2], TEMP[0], SAMP[1], 2D_ARRAY_MSAA\n\
              3: TXQ TEMP[0], TEMP[0], SAMP[1], 2D_ARRAY_MSAA\n\
              4: ADD OUT[0], TEMP[1], TEMP[2]\n  5: END\n";
        let g = emit(&parse(t).unwrap(), &VariantKey::default()).unwrap();
        assert!(g.contains("uniform sampler2DMS fs_samp0;"), "{g}");
        assert!(g.contains("uniform usampler2DMSArray fs_samp1;"), "{g}");
        let c = "floatBitsToInt(t0)";
        assert!(g.contains(&format!("texelFetch(fs_samp0, {c}.xy, {c}.w)")), "{g}");
        assert!(
            g.contains(&format!("uintBitsToFloat(texelFetch(fs_samp1, {c}.xyz, {c}.w))")),
            "{g}"
        );
        assert!(g.contains("ivec4(textureSize(fs_samp1), 0)"), "{g}");
    }
}
