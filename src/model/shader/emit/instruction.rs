//! One TGSI instruction to GLSL statements, by opcode.

use super::*;

impl<'a> Emitter<'a> {
    pub(super) fn instruction(&mut self, inst: &Instruction) -> Result<()> {
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
                self.line("while (true) {");
                self.depth += 1;
                // A loop whose trip count is proven runs without the budget ([`loops`]).
                if !self.proven_loops.get(self.at).copied().unwrap_or(false) {
                    self.uses_loop = true;
                    self.line("loop_budget -= 1;");
                    self.line("if (loop_budget < 0) break;");
                }
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
            Barrier => {
                if self.p.processor != Processor::TessCtrl {
                    return Err(EmitError::Unsupported(
                        "BARRIER outside the tessellation control stage",
                    ));
                }
                // GLSL allows barrier() only in main's top-level flow; elsewhere the host
                // compiler refuses the program.
                self.line("barrier();");
                return Ok(());
            }
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
            Tex | Txp | Txb | Txl | Txd | Tex2 | Txb2 | Txl2 => return self.texture(inst),
            Txf | Txq => return self.fetch_or_query(inst),
            Tg4 => return self.gather(inst),
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
            Slt | Sge | Sgt | Sle | Seq | Sne => {
                let name = match inst.opcode {
                    Slt => "lt",
                    Sge => "ge",
                    Sgt => "gt",
                    Sle => "le",
                    Seq => "eq",
                    _ => "ne",
                };
                self.helpers_fcmp = true;
                format!("vec4(tgsi_f{name}({}, {}))", f(self, 0)?, f(self, 1)?)
            }
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
            Fseq | Fsne | Fslt | Fsge => {
                let name = match inst.opcode {
                    Fseq => "eq",
                    Fsne => "ne",
                    Fslt => "lt",
                    _ => "ge",
                };
                self.helpers_fcmp = true;
                bool_result(format!("tgsi_f{name}({}, {})", f(self, 0)?, f(self, 1)?))
            }
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
            // Bit operations (GLSL 4.00 built-ins, written out for GLSL 3.30 / ES 3.00).
            Brev | Popc | Lsb | Imsb | Umsb | Ibfe | Ubfe | Bfi | UmulHi | ImulHi
                if !self.helpers_bits =>
            {
                self.helpers_bits = true;
                return self.instruction(inst);
            }
            Brev => format!("uintBitsToFloat(tgsi_brev({}))", uint(self, 0)?),
            Popc => format!("uintBitsToFloat(tgsi_popc({}))", uint(self, 0)?),
            Lsb => format!("intBitsToFloat(tgsi_lsb({}))", uint(self, 0)?),
            Umsb => format!("intBitsToFloat(tgsi_umsb({}))", uint(self, 0)?),
            Imsb => format!("intBitsToFloat(tgsi_imsb({}))", int(self, 0)?),
            Ibfe => format!(
                "intBitsToFloat(tgsi_ibfe({}, {}, {}))",
                int(self, 0)?,
                int(self, 1)?,
                int(self, 2)?
            ),
            Ubfe => format!(
                "uintBitsToFloat(tgsi_ubfe({}, {}, {}))",
                uint(self, 0)?,
                int(self, 1)?,
                int(self, 2)?
            ),
            Bfi => format!(
                "uintBitsToFloat(tgsi_bfi({}, {}, {}, {}))",
                uint(self, 0)?,
                uint(self, 1)?,
                int(self, 2)?,
                int(self, 3)?
            ),
            UmulHi => {
                format!("uintBitsToFloat(tgsi_umulhi({}, {}))", uint(self, 0)?, uint(self, 1)?)
            }
            ImulHi => {
                format!("intBitsToFloat(tgsi_imulhi({}, {}))", int(self, 0)?, int(self, 1)?)
            }
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
                | Brev
                | Popc
                | Lsb
                | Imsb
                | Umsb
                | Ibfe
                | Ubfe
                | Bfi
                | UmulHi
                | ImulHi
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
