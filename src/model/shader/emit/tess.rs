//! Tessellation stages (GLSL 4.00): the layout of the control and evaluation stages,
//! per-vertex inputs (`IN[vertex][reg]`), the control stage's outputs (per-vertex arrays,
//! per-patch varyings, tessellation levels) and the evaluation stage's per-patch inputs.
//!
//! Names: per-vertex arrays into the control stage are the geometry stage's (`gv_*`, the
//! vertex stage's key has `to_geometry`); the control stage's per-vertex outputs and the
//! evaluation stage's per-vertex inputs are `tv_*`; per-patch varyings `tp{n}`.

use super::*;

/// Vertices in a patch: GL's minimum `GL_MAX_PATCH_VERTICES`.
pub const MAX_PATCH_VERTICES: u32 = 32;
/// Candidate registers all run-time indexed varying accesses of one program may expand to
/// together (each access is a chain over its candidates; without a bound, 16 Ki
/// instructions × 80 registers would multiply the text).
pub(super) const PICK_BUDGET: u32 = 4096;

/// Per-patch varyings (`PATCH[n]`, n below this).
pub const MAX_PATCH_VARYINGS: u32 = 30;

/// The layout line of a tessellation stage, and the control stage's output vertex count.
pub(super) fn layout(p: &Program) -> Result<(String, u32)> {
    match p.processor {
        Processor::TessCtrl => {
            let n = p.property(|q| match q {
                Property::TcsVerticesOut(v) => Some(*v),
                _ => None,
            });
            match n {
                Some(n @ 1..=MAX_PATCH_VERTICES) => Ok((format!("layout(vertices = {n}) out;"), n)),
                Some(_) => Err(EmitError::Unsupported("TCS_VERTICES_OUT beyond 32")),
                None => Err(invalid(0, "tessellation control shader without TCS_VERTICES_OUT")),
            }
        }
        Processor::TessEval => {
            let mode = p.property(|q| match q {
                Property::TesPrimMode(v) => Some(*v),
                _ => None,
            });
            let mode = match mode {
                Some(prim::LINES) => "isolines",
                Some(prim::TRIANGLES) => "triangles",
                Some(prim::QUADS) => "quads",
                Some(_) => return Err(invalid(0, "TES_PRIM_MODE not lines, triangles or quads")),
                None => {
                    return Err(invalid(0, "tessellation evaluation shader without TES_PRIM_MODE"))
                }
            };
            let spacing = p.property(|q| match q {
                Property::TesSpacing(v) => Some(*v),
                _ => None,
            });
            let spacing = match spacing {
                Some(0) => "fractional_odd_spacing",
                Some(1) => "fractional_even_spacing",
                Some(2) | None => "equal_spacing",
                Some(_) => return Err(invalid(0, "TES_SPACING out of range")),
            };
            let order = if p.has(Property::TesVertexOrderCw(true)) { "cw" } else { "ccw" };
            let point = if p.has(Property::TesPointMode(true)) { ", point_mode" } else { "" };
            Ok((format!("layout({mode}, {spacing}, {order}{point}) in;"), 0))
        }
        _ => Ok((String::new(), 0)),
    }
}

fn is_tess(p: &Program) -> bool {
    matches!(p.processor, Processor::TessCtrl | Processor::TessEval)
}

/// Whether a declaration is a per-vertex array (`DCL IN[][n]`, `DCL OUT[][n]`).
fn per_vertex(d: &Declaration) -> bool {
    d.dim == Some(None)
}

fn sem_of(d: &Declaration, i: u32, line: u32) -> Result<Semantic> {
    let s = d.semantic.ok_or(invalid(line, "tessellation input/output without a semantic"))?;
    Ok(Semantic { name: s.name, index: s.index + (i - d.first) })
}

/// The per-patch varying name of `PATCH[n]`.
fn patch_name(index: u32) -> Result<String> {
    if index < MAX_PATCH_VARYINGS {
        Ok(format!("tp{index}"))
    } else {
        Err(EmitError::Unsupported("PATCH index beyond 29"))
    }
}

/// The per-vertex array of a varying semantic into the stage: the vertex stage's `gv_*`
/// into a control stage (or an evaluation stage without one, `after_vertex`), else `tv_*`.
fn vertex_array(p: &Program, sem: Semantic, after_vertex: bool) -> Result<String> {
    let slot =
        varying_slot(sem).ok_or(EmitError::Unsupported("tessellation per-vertex semantic"))?;
    let prefix = if p.processor == Processor::TessCtrl || after_vertex { "g" } else { "t" };
    Ok(format!("{prefix}{}", varying_name(slot)))
}

const LEVELS_OUTER: &str =
    "vec4(gl_TessLevelOuter[0], gl_TessLevelOuter[1], gl_TessLevelOuter[2], gl_TessLevelOuter[3])";
const LEVELS_INNER: &str = "vec4(gl_TessLevelInner[0], gl_TessLevelInner[1], 0.0, 0.0)";

/// Declares a tessellation stage's inputs and outputs; non-array inputs of the evaluation
/// stage get their `i{n}` value in `prologue`.
pub(super) fn declare(
    p: &Program,
    key: &VariantKey,
    w: &mut String,
    prologue: &mut String,
) -> Result<()> {
    if !is_tess(p) {
        return Ok(());
    }
    let tcs = p.processor == Processor::TessCtrl;
    let mut seen = std::collections::BTreeSet::new();
    let mut decl = |w: &mut String, s: String| {
        if seen.insert(s.clone()) {
            w.push_str(&s);
        }
    };
    for d in p.declarations.iter().filter(|d| d.file == File::Input) {
        for i in d.first..=d.last {
            let sem = sem_of(d, i, 0)?;
            if per_vertex(d) {
                if !matches!(sem.name, SemanticName::Position | SemanticName::PointSize) {
                    let name = vertex_array(p, sem, key.tes_after_vertex)?;
                    decl(w, format!("in vec4 {name}[];\n"));
                }
                continue;
            }
            if tcs {
                return Err(EmitError::Unsupported("tessellation control input outside a vertex"));
            }
            let value = match sem.name {
                SemanticName::Patch => {
                    let n = patch_name(sem.index)?;
                    decl(w, format!("patch in vec4 {n};\n"));
                    n
                }
                SemanticName::TessOuter => LEVELS_OUTER.to_string(),
                SemanticName::TessInner => LEVELS_INNER.to_string(),
                _ => return Err(EmitError::Unsupported("tessellation evaluation patch input")),
            };
            let _ = writeln!(prologue, "    vec4 i{i} = {value};");
        }
    }
    if tcs {
        for d in p.declarations.iter().filter(|d| d.file == File::Output) {
            for i in d.first..=d.last {
                let sem = sem_of(d, i, 0)?;
                if per_vertex(d) {
                    if !matches!(sem.name, SemanticName::Position | SemanticName::PointSize) {
                        let slot = varying_slot(sem).ok_or(EmitError::Unsupported(
                            "tessellation control output semantic",
                        ))?;
                        decl(w, format!("out vec4 t{}[];\n", varying_name(slot)));
                    }
                    continue;
                }
                match sem.name {
                    SemanticName::Patch => {
                        decl(w, format!("patch out vec4 {};\n", patch_name(sem.index)?))
                    }
                    SemanticName::TessOuter | SemanticName::TessInner => {}
                    _ => return Err(EmitError::Unsupported("tessellation control patch output")),
                }
            }
        }
    }
    Ok(())
}

/// A system value of a tessellation stage (`None`: not one of theirs).
pub(super) fn system_value(p: &Program, name: SemanticName) -> Option<(&'static str, bool)> {
    // (expression, integer-valued)
    match (p.processor, name) {
        (Processor::TessCtrl, SemanticName::InvocationId) => Some(("gl_InvocationID", true)),
        (Processor::TessCtrl | Processor::TessEval, SemanticName::VerticesIn) => {
            Some(("gl_PatchVerticesIn", true))
        }
        (Processor::TessCtrl | Processor::TessEval, SemanticName::PrimitiveId) => {
            Some(("gl_PrimitiveID", true))
        }
        (Processor::TessEval, SemanticName::TessCoord) => Some(("vec4(gl_TessCoord, 0.0)", false)),
        (Processor::TessEval, SemanticName::TessOuter) => Some((LEVELS_OUTER, false)),
        (Processor::TessEval, SemanticName::TessInner) => Some((LEVELS_INNER, false)),
        _ => None,
    }
}

/// Where a control-stage output write goes.
enum Sink {
    /// A vec4 lvalue.
    Vec(String),
    /// Float lvalues per component (x, y, z, w).
    Floats([Option<String>; 4]),
}

impl<'a> Emitter<'a> {
    /// An indirectly addressed register (`IN[v][ADDR[0].x+3]`, an array of varyings): the
    /// address and the registers it may select. With an array id, that declaration's
    /// range; without one (Mesa declares such arrays a register at a time) every declared
    /// register of the file of the same kind (per vertex or per patch) as the base, as
    /// TGSI addresses the whole file.
    fn register_range(&self, file: File, r: &Register, line: u32) -> Result<(String, Vec<u32>)> {
        let Index::Indirect { offset, .. } = r.index else {
            return Err(invalid(line, "direct index where an address was expected"));
        };
        let base = u32::try_from(offset).map_err(|_| invalid(line, "negative register base"))?;
        let d = self.declared(file, base, line)?;
        let regs: Vec<u32> = if r.array_id != 0 {
            let a = self
                .p
                .declarations
                .iter()
                .find(|x| x.file == file && x.array_id == Some(r.array_id))
                .ok_or(invalid(line, "array not declared"))?;
            (a.first..=a.last).collect()
        } else {
            let kind = per_vertex(d);
            self.decls
                .range((file, 0)..=(file, u32::MAX))
                .filter(|(_, x)| per_vertex(x) == kind)
                .map(|(&(_, k), _)| k)
                .collect()
        };
        let left = self.pick_budget.get().checked_sub(regs.len() as u32);
        let left = left.ok_or(EmitError::Unsupported("too many run-time indexed varyings"))?;
        self.pick_budget.set(left);
        Ok((self.address(r.index, line)?, regs))
    }

    /// A read of an indirectly addressed register: each candidate register read with a
    /// constant index and picked by `?:`; an address naming none of them reads zero.
    fn pick(
        &self,
        file: File,
        r: &Register,
        line: u32,
        one: impl Fn(&Self, &Register) -> Result<String>,
    ) -> Result<String> {
        let (a, regs) = self.register_range(file, r, line)?;
        let mut e = "vec4(0.0)".to_string();
        for &k in regs.iter().rev() {
            let v = one(self, &Register { index: Index::Direct(k), ..*r })?;
            e = format!("(({a}) == {k} ? {v} : {e})");
        }
        Ok(e)
    }

    /// A control-stage output write at an indirectly addressed register: one guarded
    /// write per candidate register; an address naming none of them writes nothing.
    fn tcs_store_indirect(&mut self, d: &Dst, value: &str, line: u32) -> Result<()> {
        let (a, regs) = self.register_range(File::Output, &d.reg, line)?;
        self.line("{");
        self.depth += 1;
        self.line(&format!("vec4 tess_w = {value};"));
        for (n, &k) in regs.iter().enumerate() {
            let cond = if n == 0 { "if" } else { "} else if" };
            self.line(&format!("{cond} (({a}) == {k}) {{"));
            self.depth += 1;
            let one = Dst { reg: Register { index: Index::Direct(k), ..d.reg }, ..*d };
            self.tcs_store(&one, "tess_w", line)?;
            self.depth -= 1;
        }
        if !regs.is_empty() {
            self.line("}");
        }
        self.depth -= 1;
        self.line("}");
        Ok(())
    }

    /// A per-vertex index: a constant below `len`, or the address clamped to
    /// `0..=max_expr` (GLSL text of the last valid vertex).
    fn vertex_index(&self, v: Index, len: u32, max_expr: &str, line: u32) -> Result<String> {
        match v {
            Index::Direct(k) if k < len => Ok(k.to_string()),
            Index::Direct(_) => Err(invalid(line, "vertex index beyond the patch")),
            Index::Indirect { .. } => {
                Ok(format!("clamp({}, 0, {max_expr})", self.address(v, line)?))
            }
        }
    }

    /// An input of a tessellation stage: `IN[vertex][reg]` per vertex, or the
    /// evaluation stage's per-patch `IN[reg]` (its value is `i{reg}`, see [`declare`]).
    pub(super) fn tess_input(&self, r: &Register, line: u32) -> Result<String> {
        let Index::Direct(i) = r.index else {
            return self.pick(File::Input, r, line, |e, r| e.tess_input(r, line));
        };
        let d = self.declared(File::Input, i, line)?;
        let Some(v) = r.dim else {
            if per_vertex(d) {
                return Err(invalid(line, "per-vertex input read without a vertex"));
            }
            return Ok(format!("i{i}"));
        };
        if !per_vertex(d) {
            return Err(invalid(line, "vertex index on a per-patch input"));
        }
        let sem = sem_of(d, i, line)?;
        let v = self.vertex_index(v, MAX_PATCH_VERTICES, "gl_PatchVerticesIn - 1", line)?;
        Ok(match sem.name {
            SemanticName::Position => format!("gl_in[{v}].gl_Position"),
            SemanticName::PointSize => format!("vec4(gl_in[{v}].gl_PointSize, 0.0, 0.0, 0.0)"),
            _ => format!("{}[{v}]", vertex_array(self.p, sem, self.tes_after_vertex)?),
        })
    }

    /// The control stage's output `OUT[vertex][reg]` or `OUT[reg]` read back.
    pub(super) fn tcs_output(&self, r: &Register, line: u32) -> Result<String> {
        let Index::Direct(i) = r.index else {
            return self.pick(File::Output, r, line, |e, r| e.tcs_output(r, line));
        };
        let d = self.declared(File::Output, i, line)?;
        let sem = sem_of(d, i, line)?;
        match (per_vertex(d), r.dim) {
            (true, Some(v)) => {
                let n = self.tcs_vertices;
                let v = self.vertex_index(v, n, &n.saturating_sub(1).to_string(), line)?;
                Ok(match sem.name {
                    SemanticName::Position => format!("gl_out[{v}].gl_Position"),
                    SemanticName::PointSize => {
                        format!("vec4(gl_out[{v}].gl_PointSize, 0.0, 0.0, 0.0)")
                    }
                    _ => {
                        let slot = varying_slot(sem).ok_or(EmitError::Unsupported(
                            "tessellation control output semantic",
                        ))?;
                        format!("t{}[{v}]", varying_name(slot))
                    }
                })
            }
            (false, None) => match sem.name {
                SemanticName::Patch => patch_name(sem.index),
                SemanticName::TessOuter => Ok(LEVELS_OUTER.to_string()),
                SemanticName::TessInner => Ok(LEVELS_INNER.to_string()),
                _ => Err(EmitError::Unsupported("tessellation control patch output")),
            },
            (true, None) => Err(invalid(line, "per-vertex output without a vertex index")),
            (false, Some(_)) => Err(invalid(line, "vertex index on a per-patch output")),
        }
    }

    /// Writes `value` to a control-stage output under the destination's mask. Per-vertex
    /// outputs are written only at the invocation's own vertex (GLSL allows no other); a
    /// write naming another vertex is dropped.
    pub(super) fn tcs_store(&mut self, d: &Dst, value: &str, line: u32) -> Result<()> {
        let Index::Direct(i) = d.reg.index else {
            return self.tcs_store_indirect(d, value, line);
        };
        let decl = self.declared(File::Output, i, line)?;
        let sem = sem_of(decl, i, line)?;
        let own = "gl_InvocationID";
        let (guard, sink) = match (per_vertex(decl), d.reg.dim) {
            (true, Some(v)) => {
                let guard = match v {
                    Index::Direct(k) if k < self.tcs_vertices => format!("{own} == {k}"),
                    Index::Direct(_) => return Err(invalid(line, "vertex index beyond the patch")),
                    Index::Indirect { .. } => {
                        format!("({}) == {own}", self.address(v, line)?)
                    }
                };
                let sink = match sem.name {
                    SemanticName::Position => Sink::Vec(format!("gl_out[{own}].gl_Position")),
                    SemanticName::PointSize => Sink::Floats([
                        Some(format!("gl_out[{own}].gl_PointSize")),
                        None,
                        None,
                        None,
                    ]),
                    _ => {
                        let slot = varying_slot(sem).ok_or(EmitError::Unsupported(
                            "tessellation control output semantic",
                        ))?;
                        Sink::Vec(format!("t{}[{own}]", varying_name(slot)))
                    }
                };
                (Some(guard), sink)
            }
            (false, None) => {
                let sink = match sem.name {
                    SemanticName::Patch => Sink::Vec(patch_name(sem.index)?),
                    SemanticName::TessOuter => {
                        Sink::Floats([0, 1, 2, 3].map(|c| Some(format!("gl_TessLevelOuter[{c}]"))))
                    }
                    SemanticName::TessInner => Sink::Floats([
                        Some("gl_TessLevelInner[0]".into()),
                        Some("gl_TessLevelInner[1]".into()),
                        None,
                        None,
                    ]),
                    _ => return Err(EmitError::Unsupported("tessellation control patch output")),
                };
                (None, sink)
            }
            (true, None) => return Err(invalid(line, "per-vertex output without a vertex index")),
            (false, Some(_)) => return Err(invalid(line, "vertex index on a per-patch output")),
        };
        match guard {
            Some(g) => self.line(&format!("if ({g}) {{")),
            None => self.line("{"),
        }
        self.depth += 1;
        self.line(&format!("vec4 tess_v = {value};"));
        match sink {
            Sink::Vec(lhs) if d.mask == 0xf => self.line(&format!("{lhs} = tess_v;")),
            Sink::Vec(lhs) => {
                let m = mask_str(d.mask);
                self.line(&format!("{lhs}.{m} = tess_v.{m};"));
            }
            Sink::Floats(lvalues) => {
                for (c, lv) in lvalues.iter().enumerate() {
                    if let (Some(lv), true) = (lv, d.mask & (1 << c) != 0) {
                        self.line(&format!("{lv} = tess_v.{};", COMP[c]));
                    }
                }
            }
        }
        self.depth -= 1;
        self.line("}");
        Ok(())
    }
}
