//! Output assembly: the whole program (layout, declarations, interface, body, helpers)
//! and what the executor must bind for it.

use super::*;

/// Translates a program for one variant. The text is GLSL 3.30 core.
pub fn emit(p: &Program, key: &VariantKey) -> std::result::Result<String, EmitError> {
    emit_with_info(p, key).map(|(glsl, _)| glsl)
}

/// What a translated program needs from the executor besides its GLSL.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShaderInfo {
    /// Constant buffers read: (index, length in vec4s) → `{stage}_cb{index}[length]`.
    pub const_buffers: Vec<(u32, u32)>,
    /// Uniform blocks read: (constant buffer ≥ 1, length in vec4s) → the std140 block
    /// `{stage}_block{index}` holding `uvec4 {stage}_ubo{index}[length]`.
    pub uniform_blocks: Vec<(u32, u32)>,
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
    /// Stream output: the names for `glTransformFeedbackVaryings` (interleaved mode), in
    /// capture order; empty when the key captures nothing.
    pub xfb_varyings: Vec<String>,
    /// Stream output: the buffers written (bit b = buffer b).
    pub xfb_buffers: u8,
}

/// [`emit`], plus what the executor must bind and enable for the program.
pub fn emit_with_info(
    p: &Program,
    key: &VariantKey,
) -> std::result::Result<(String, ShaderInfo), EmitError> {
    let mut info = ShaderInfo::default();
    match p.processor {
        Processor::Vertex | Processor::Fragment | Processor::Geometry => {}
        Processor::TessCtrl | Processor::TessEval if !key.glsl_es => {}
        Processor::TessCtrl | Processor::TessEval => {
            return Err(EmitError::Unsupported("tessellation on GLSL ES 3.00"))
        }
        Processor::Compute => return Err(EmitError::Unsupported("compute stage")),
    }
    let tcs = p.processor == Processor::TessCtrl;
    let tess = tcs || p.processor == Processor::TessEval;
    let (tess_layout, tcs_vertices) = tess::layout(p)?;
    let fs = p.processor == Processor::Fragment;
    let gs = p.processor == Processor::Geometry;
    if gs && key.glsl_es {
        return Err(EmitError::Unsupported("geometry shaders on GLSL ES 3.00"));
    }
    let stage = match p.processor {
        Processor::Fragment => "fs",
        Processor::Geometry => "gs",
        Processor::TessCtrl => "tcs",
        Processor::TessEval => "tes",
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
    let mut cbufs: BTreeMap<u32, u32> = BTreeMap::new();
    let mut ubos: BTreeMap<u32, u32> = BTreeMap::new();
    let mut samplers: BTreeMap<u32, SamplerType> = BTreeMap::new();
    for d in &p.declarations {
        match d.file {
            File::Const => {
                let buf = match d.dim {
                    None => 0,
                    Some(Some(b)) => b,
                    Some(None) => return Err(invalid(0, "CONST[][n]")),
                };
                let map = if buf == 0 { &mut cbufs } else { &mut ubos };
                let e = map.entry(buf).or_insert(0);
                *e = (*e).max(d.last + 1);
            }
            File::Image | File::Buffer | File::Memory | File::HwAtomic => {
                return Err(EmitError::Unsupported("images, buffers, shared memory, atomics"))
            }
            File::Input if (gs || tess) && d.dim == Some(None) => {}
            File::Output if tcs && d.dim == Some(None) => {}
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
    let mut const_indirect_buffer = false;
    let mut indirect_targets = Vec::new();
    for inst in &p.instructions {
        for r in registers(inst) {
            if r.file == File::Const && matches!(r.dim, Some(Index::Indirect { .. })) {
                const_indirect_buffer = true;
            }
        }
        if let (Some(target), Some(s)) = (inst.target, inst.src.last()) {
            if s.reg.file != File::Sampler {
                return Err(invalid(inst.line, "texture instruction without a SAMP operand"));
            }
            let Index::Direct(unit) = s.reg.index else {
                // Picked at run time among the declared units (below, once the direct
                // uses have fixed their units' types; each target once).
                if !indirect_targets.iter().any(|&(t, _)| t == target) {
                    indirect_targets.push((target, inst.line));
                }
                continue;
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
    // A sampler indexed at run time (`SAMP[ADDR[a].x + k]`, GLSL's sampler arrays) may be
    // any declared unit whose view has the instruction's target and whose type no direct
    // use fixed otherwise: each becomes a uniform, the lookup a switch over them
    // ([`Emitter::pick_sampler`]).
    for (target, line) in indirect_targets {
        let mut any = false;
        for &(file, unit) in decls.keys() {
            if file != File::Sampler {
                continue;
            }
            let view = decls.get(&(File::SamplerView, unit)).and_then(|d| d.sview);
            if view.is_some_and(|(t, _)| t != target) {
                continue;
            }
            let st = SamplerType { target, ret: view.map_or(ReturnType::Float, |(_, r)| r[0]) };
            if samplers.get(&unit).is_some_and(|prev| *prev != st) {
                continue;
            }
            samplers.insert(unit, st);
            any = true;
        }
        if !any && !samplers.values().any(|st| st.target == target) {
            return Err(invalid(line, "no sampler for a run-time sampler index"));
        }
    }
    let temps = temps::Temps::plan(p);
    let proven_loops = loops::proven(p, &temps);
    let mut e = Emitter {
        p,
        decls,
        gs_vertices: gs_layout.map_or(0, |l| l.1),
        tcs_vertices,
        tes_after_vertex: key.tes_after_vertex,
        pick_budget: std::cell::Cell::new(tess::PICK_BUDGET),
        integers: key.integers,
        stage,
        out: String::new(),
        depth: 1,
        temps,
        cbufs,
        ubos,
        const_indirect_buffer,
        samplers,
        shadow_swizzle: key.shadow_swizzle,
        buffer_swizzle: key.buffer_swizzle,
        helpers_lit: false,
        helpers_div: false,
        helpers_bits: false,
        helpers_fcmp: false,
        glsl_es: key.glsl_es,
        uses_gather: false,
        uses_loop: false,
        proven_loops,
        at: 0,
    };
    // The body first (it decides which helpers are needed), the rest around it.
    for (at, inst) in p.instructions.iter().enumerate() {
        e.at = at;
        e.instruction(inst)?;
    }
    let body = std::mem::take(&mut e.out);
    let mut head = String::new();
    let w = &mut head;
    if key.glsl_es {
        // Default precisions: highp everywhere (TGSI registers are 32-bit).
        let _ = writeln!(w, "#version 300 es");
        if key.es_clip_distance {
            let _ = writeln!(w, "#extension GL_EXT_clip_cull_distance : require");
        }
        let _ = writeln!(w, "precision highp float;\nprecision highp int;");
    } else if tess {
        let _ = writeln!(w, "#version 400 core\n{tess_layout}");
    } else {
        let _ = writeln!(w, "#version 330 core");
        // Cube-map arrays (core in GLSL 4.00): offered only where the host has them.
        let cube_arrays = e
            .samplers
            .values()
            .any(|s| matches!(s.target, TexTarget::CubeArray | TexTarget::ShadowCubeArray));
        if cube_arrays {
            let _ = writeln!(w, "#extension GL_ARB_texture_cube_map_array : require");
        }
        // textureGather: offered only where the host has it.
        if e.uses_gather {
            let _ = writeln!(w, "#extension GL_ARB_texture_gather : require");
        }
        // gl_FragStencilRefARB: offered only where the host has the extension.
        let stencil_export = fs
            && p.declarations.iter().any(|d| {
                d.file == File::Output
                    && d.semantic.is_some_and(|s| s.name == SemanticName::Stencil)
            });
        if stencil_export {
            let _ = writeln!(w, "#extension GL_ARB_shader_stencil_export : require");
        }
        if e.helpers_fcmp {
            // `precise` where the host has it (every GL 4 host): see FCMP_HELPERS.
            w.push_str(PRECISE_PREAMBLE);
        }
    }
    if e.helpers_fcmp && key.glsl_es {
        let _ = writeln!(w, "#define TGSI_PRECISE");
    }
    if let Some((in_name, _, out_name, max)) = gs_layout {
        let _ = writeln!(w, "layout({in_name}) in;");
        let _ = writeln!(w, "layout({out_name}, max_vertices = {max}) out;");
    }
    if fs {
        let lower_left = p.has(Property::FsCoordOriginLowerLeft(true));
        let integer = p.has(Property::FsCoordPixelCenterInteger(true));
        let mut q = Vec::new();
        // Gallium's window origin is row 0, as GL's default is: a lower-left origin
        // (counted from the last row) is GL's upper_left. Only honoured where the guest
        // was offered it (see `VariantKey::lower_left_origin`).
        if lower_left && key.lower_left_origin {
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
    if e.helpers_bits {
        w.push_str(BIT_HELPERS);
    }
    if e.helpers_fcmp {
        w.push_str(FCMP_HELPERS);
    }
    for (buf, len) in &e.cbufs {
        let _ = writeln!(w, "uniform uvec4 {stage}_cb{buf}[{len}];");
    }
    ubo::declare_blocks(w, stage, &e.cbufs, &e.ubos, e.const_indirect_buffer);
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
                    | CubeArray
                    | ShadowCubeArray
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
    tess::declare(p, key, w, &mut prologue)?;
    if !tess {
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
                } else if i < 32 && key.vs_bgra_inputs & (1 << i) != 0 {
                    // B, G, R fetched into x, y, z: swapped back.
                    let _ = writeln!(w, "layout(location = {i}) in vec4 in_s{i};");
                    let _ = writeln!(prologue, "    vec4 in_{i} = in_s{i}.zyxw;");
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
        if let Some((v, int)) = tess::system_value(p, sem.name) {
            let value = if int { int_value(v) } else { v.to_string() };
            let _ = writeln!(prologue, "    vec4 sv{i} = {value};");
            continue;
        }
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
    // The control stage writes its outputs where they live ([`tess`]).
    for (i, d) in regs(File::Output).into_iter().filter(|_| !tcs) {
        let sem = d.semantic.ok_or(invalid(0, "output without a semantic"))?;
        outputs.push((i, Semantic { name: sem.name, index: sem.index + (i - d.first) }));
    }
    let mut store = String::new();
    let s = &mut store;
    if tcs {
        if !key.stream_output.is_empty() {
            return Err(EmitError::Unsupported(
                "stream output from the tessellation control stage",
            ));
        }
    } else if fs {
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
        // Host workaround: llvmpipe's linear fast path (a window-aligned rectangle with a
        // fragment shader of moves, multiplies and constant loads) reads constant-buffer
        // loads past the first element from element 0 (Mesa 25.0: piglit
        // glsl-fs-uniform-array-1 draws arg[0] for arg[1]). An XOR with a uniform nobody
        // sets (0) leaves the colour's bits as they are and keeps such shaders off that
        // path; only shaders reading constants pay for it.
        let const_guard = !e.cbufs.is_empty();
        if const_guard {
            let _ = writeln!(w, "uniform uint fs_const_guard;");
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
                            let v = match key.fs_out_swizzle[j as usize] {
                                Some(sw) => {
                                    let c = |i: u8| ['x', 'y', 'z', 'w'][usize::from(i & 3)];
                                    let (a, b, cc, d) = (c(sw[0]), c(sw[1]), c(sw[2]), c(sw[3]));
                                    format!("o{reg}.{a}{b}{cc}{d}")
                                }
                                None => format!("o{reg}"),
                            };
                            if const_guard {
                                ("vec4", format!("uintBitsToFloat(floatBitsToUint({v}) ^ uvec4(fs_const_guard))"))
                            } else {
                                ("vec4", v)
                            }
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
                // The stencil reference in y (GL_ARB_shader_stencil_export, declared in
                // the header): an integer with native integers, else a float.
                SemanticName::Stencil if !key.glsl_es => {
                    let v = if e.integers {
                        format!("floatBitsToInt(o{reg}.y)")
                    } else {
                        format!("int(o{reg}.y)")
                    };
                    let _ = writeln!(s, "    gl_FragStencilRefARB = {v};");
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
                    if key.glsl_es && !key.es_clip_distance {
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
        if !key.stream_output.is_empty() {
            let so =
                streamout::plan(&key.stream_output, &outputs, key.glsl_es, key.to_geometry && !gs)?;
            w.push_str(&so.decls);
            s.push_str(&so.stores);
            info.xfb_varyings = so.varyings;
            info.xfb_buffers = key.stream_output.buffers();
        }
        if writes_clipdist {
            // Gallium's `clip_plane_enable` also switches the written distances: a distance
            // the guest disabled must not clip (GLSL 1.30 §7.1).
            info.clip_distances &= key.clip_plane_enable;
        }
        if writes_clipdist || key.clip_plane_enable != 0 {
            // One size in every stage, so that a later stage may read them (CLIPDIST inputs).
            let _ = writeln!(w, "out float gl_ClipDistance[8];");
        }
        if key.clip_plane_enable != 0 && !writes_clipdist {
            if key.glsl_es && !key.es_clip_distance {
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
    if e.uses_loop {
        let _ = writeln!(w, "uniform int loop_budget_bias;");
    }
    e.temps.declare(w);
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
        // Gallium's stipple rows are most significant bit first: x % 32 == 0 is bit 31.
        let _ = writeln!(
            w,
            "    if (((fs_stipple[int(gl_FragCoord.y) & 31] >> uint(31 - (int(gl_FragCoord.x) \
             & 31))) & 1u) == 0u) discard;"
        );
    }
    e.temps.zero(w);
    for &(reg, _) in &outputs {
        let _ = writeln!(w, "    o{reg} = vec4(0.0);");
    }
    for a in &addrs {
        let _ = writeln!(w, "    a{a} = ivec4(0);");
    }
    if e.uses_loop {
        // The bias is a uniform nobody sets (0): it keeps the budget opaque to the host
        // compiler, whose loop analysis (Mesa 25's NIR) mis-derives the trip count of a
        // loop with a constant-counted budget and a second, computed exit.
        let _ = writeln!(w, "    int loop_budget = {LOOP_BUDGET} + loop_budget_bias;");
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
    info.uniform_blocks = e.ubos.iter().map(|(&b, &n)| (b, n)).collect();
    info.samplers = e.samplers.iter().map(|(&u, st)| (u, st.target, st.ret)).collect();
    Ok((head, info))
}

/// TGSI's bit opcodes in GLSL 3.30 / ES 3.00 arithmetic (the built-ins are GLSL 4.00):
/// per component, defined for every input (offsets and widths outside 0..=32 give 0, or the
/// base for BFI, where TGSI leaves the result undefined).
const BIT_HELPERS: &str = "\
uint tgsi_popc1(uint v) { v = v - ((v >> 1u) & 0x55555555u); v = (v & 0x33333333u) + ((v >> 2u) & 0x33333333u); v = (v + (v >> 4u)) & 0x0f0f0f0fu; return (v * 0x01010101u) >> 24u; }
uvec4 tgsi_popc(uvec4 v) { uvec4 r; for (int i = 0; i < 4; i++) r[i] = tgsi_popc1(v[i]); return r; }
uvec4 tgsi_brev(uvec4 v) { v = ((v >> 1u) & 0x55555555u) | ((v & 0x55555555u) << 1u); v = ((v >> 2u) & 0x33333333u) | ((v & 0x33333333u) << 2u); v = ((v >> 4u) & 0x0f0f0f0fu) | ((v & 0x0f0f0f0fu) << 4u); v = ((v >> 8u) & 0x00ff00ffu) | ((v & 0x00ff00ffu) << 8u); return (v >> 16u) | (v << 16u); }
ivec4 tgsi_lsb(uvec4 v) { ivec4 r; for (int i = 0; i < 4; i++) r[i] = v[i] == 0u ? -1 : int(tgsi_popc1((v[i] & (~v[i] + 1u)) - 1u)); return r; }
int tgsi_umsb1(uint v) { v |= v >> 1u; v |= v >> 2u; v |= v >> 4u; v |= v >> 8u; v |= v >> 16u; return int(tgsi_popc1(v)) - 1; }
ivec4 tgsi_umsb(uvec4 v) { ivec4 r; for (int i = 0; i < 4; i++) r[i] = tgsi_umsb1(v[i]); return r; }
ivec4 tgsi_imsb(ivec4 v) { ivec4 r; for (int i = 0; i < 4; i++) r[i] = tgsi_umsb1(uint(v[i] < 0 ? ~v[i] : v[i])); return r; }
bool tgsi_field_ok(int off, int bits) { return bits > 0 && off >= 0 && off < 32 && bits <= 32 - off; }
ivec4 tgsi_ibfe(ivec4 v, ivec4 off, ivec4 bits) { ivec4 r; for (int i = 0; i < 4; i++) r[i] = tgsi_field_ok(off[i], bits[i]) ? (v[i] << uint(32 - bits[i] - off[i])) >> uint(32 - bits[i]) : 0; return r; }
uvec4 tgsi_ubfe(uvec4 v, ivec4 off, ivec4 bits) { uvec4 r; for (int i = 0; i < 4; i++) r[i] = tgsi_field_ok(off[i], bits[i]) ? (v[i] << uint(32 - bits[i] - off[i])) >> uint(32 - bits[i]) : 0u; return r; }
uvec4 tgsi_bfi(uvec4 b, uvec4 s, ivec4 off, ivec4 bits) { uvec4 r; for (int i = 0; i < 4; i++) { uint m = tgsi_field_ok(off[i], bits[i]) ? (0xffffffffu >> uint(32 - bits[i])) << uint(off[i]) : 0u; r[i] = (b[i] & ~m) | ((s[i] << uint(off[i] & 31)) & m); } return r; }
uint tgsi_umulhi1(uint a, uint b) { uint al = a & 0xffffu; uint ah = a >> 16u; uint bl = b & 0xffffu; uint bh = b >> 16u; uint lh = al * bh; uint hl = ah * bl; uint mid = ((al * bl) >> 16u) + (lh & 0xffffu) + (hl & 0xffffu); return ah * bh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u); }
uvec4 tgsi_umulhi(uvec4 a, uvec4 b) { uvec4 r; for (int i = 0; i < 4; i++) r[i] = tgsi_umulhi1(a[i], b[i]); return r; }
ivec4 tgsi_imulhi(ivec4 a, ivec4 b) { ivec4 r; for (int i = 0; i < 4; i++) { uint h = tgsi_umulhi1(uint(a[i]), uint(b[i])); if (a[i] < 0) h -= uint(b[i]); if (b[i] < 0) h -= uint(a[i]); r[i] = int(h); } return r; }
";

/// `precise` where the host's GLSL has it (GLSL 4.00 / ARB_gpu_shader5, as every GL 4 host
/// does), else nothing; the extension line only warns where it is unknown.
const PRECISE_PREAMBLE: &str = "\
#extension GL_ARB_gpu_shader5 : enable
#ifdef GL_ARB_gpu_shader5
#define TGSI_PRECISE precise
#else
#define TGSI_PRECISE
#endif
";

/// TGSI's float comparisons are IEEE's ordered ones (not-equal unordered): a NaN operand
/// makes every one but NE false. GLSL lets the host's compiler assume no NaN (e.g. fold
/// `a < b && a < c` into `a < min(b, c)`, true for b NaN); a `precise` result keeps each
/// comparison as written.
const FCMP_HELPERS: &str = "\
bvec4 tgsi_flt(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = lessThan(a, b); return r; }
bvec4 tgsi_fle(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = lessThanEqual(a, b); return r; }
bvec4 tgsi_fgt(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = greaterThan(a, b); return r; }
bvec4 tgsi_fge(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = greaterThanEqual(a, b); return r; }
bvec4 tgsi_feq(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = equal(a, b); return r; }
bvec4 tgsi_fne(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = notEqual(a, b); return r; }
";

#[cfg(test)]
mod es_tests {
    use super::*;

    /// With `GL_EXT_clip_cull_distance` on the host, GLSL ES vertex shaders get user clip
    /// planes (the extension enabled before the first declaration); without it they are
    /// refused.
    #[test]
    fn es_clip_planes_need_the_extension() {
        let vs = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\n  0: MOV OUT[0], IN[0]\n  1: END\n";
        let p = crate::model::shader::parse(vs).unwrap();
        let es = VariantKey { glsl_es: true, clip_plane_enable: 0b101, ..Default::default() };
        assert!(matches!(emit_with_info(&p, &es), Err(EmitError::Unsupported(_))));
        let key = VariantKey { es_clip_distance: true, ..es };
        let (g, info) = emit_with_info(&p, &key).unwrap();
        assert!(
            g.starts_with(
                "#version 300 es\n#extension GL_EXT_clip_cull_distance : require\nprecision"
            ),
            "{g}"
        );
        assert!(g.contains("gl_ClipDistance[2] = dot(o0, vs_clip_planes[2]);"), "{g}");
        assert_eq!((info.clip_distances, info.uses_clip_planes), (0b101, true));
    }
}
