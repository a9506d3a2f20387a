//! DRAW_VBO, CLEAR and queries on the GL backend: the sub-context's bound state resolved
//! (objects → GL terms, resource handles → GL names, shaders → a linked program with the
//! variant keys the state asks for) and handed to [`crate::backend::gl::GlBackend::draw`].
//!
//! What a level-1 host does not execute is refused honestly (UNSUPPORTED_FUNCTION, logged
//! once, the context not put in error): indirect draws, compute stages, primitives core GL
//! lacks (the capsets leave them out, so the guest converts them), tessellation where the
//! host's GL has none (`decode::tess`; the capsets offer it only where it has). A draw
//! without a vertex or fragment shader draws nothing, as upstream.

use super::query::own_queries;
use super::{fail, log_once, skip, CmdResult, Fail};
use crate::backend::gl::draw::IndexInput;
use crate::backend::gl::draw::{Attachment, DrawCall, OutKind, TextureInput, VertexInput};
use crate::backend::gl::streamout::XfbDraw;
use crate::backend::gl::{GlBackend, ProgramId};
use crate::backend::Storage;
use crate::error::Error;
use crate::model::format::{self, Kind};
use crate::model::gl_state::{self, BlendGl, DsaGl, RasterizerGl};
use crate::model::protocol::{ccmd, Blend, DrawVbo, Dsa, Rasterizer, ShaderType};
use crate::model::resource::Target;
use crate::model::shader::{self, Processor, VariantKey};
use crate::renderer::context::{AttachedSet, Context, SubContext, ERROR_CTX_UNSUPPORTED_FUNCTION};
use crate::renderer::context::{
    Framebuffer, ERROR_CTX_ILLEGAL_CMD_BUFFER, ERROR_CTX_ILLEGAL_RESOURCE,
    ERROR_CTX_ILLEGAL_SURFACE,
};
use crate::renderer::objects::Surface;
use crate::renderer::state::{
    Bound, DrawCache, ProgramInputs, ProgramMemo, ProgramMemoKey, ShaderObj, MAX_MEMO,
};
use crate::renderer::{IdMap, Renderer, Resource};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

/// The default state objects (what a sub-context draws with before it binds its own).
fn defaults() -> &'static (BlendGl, DsaGl, RasterizerGl) {
    static D: OnceLock<(BlendGl, DsaGl, RasterizerGl)> = OnceLock::new();
    D.get_or_init(|| {
        let mut blend = gl_state::blend(&Blend::default()).unwrap_or_default();
        for rt in &mut blend.rt {
            rt.color_mask = [true; 4];
        }
        let dsa = gl_state::dsa(&Dsa::default()).unwrap_or_default();
        let rast = gl_state::rasterizer(&Rasterizer::default()).unwrap_or_default();
        (blend, dsa, rast)
    })
}

pub(super) fn gl_fail(e: Error) -> Fail {
    Fail { code: Some(ERROR_CTX_ILLEGAL_CMD_BUFFER), err: e }
}

/// The GL name and target of an attached resource with GL storage.
pub(super) fn gl_resource(
    gl: &mut GlBackend,
    resources: &mut IdMap<Resource>,
    handle: u32,
) -> Result<(u32, u32, crate::model::resource::ResourceDesc), Fail> {
    gl_resource_exposed(gl, resources, handle).map(|(name, target, desc, _)| (name, target, desc))
}

/// [`gl_resource`], and whether the VMM was given the object (it may write it unseen).
fn gl_resource_exposed(
    gl: &mut GlBackend,
    resources: &mut IdMap<Resource>,
    handle: u32,
) -> Result<(u32, u32, crate::model::resource::ResourceDesc, bool), Fail> {
    let res = resources
        .get_mut(&handle)
        .ok_or_else(|| fail(ERROR_CTX_ILLEGAL_RESOURCE, format!("unknown resource {handle}")))?;
    let desc = res.desc;
    match &mut res.storage {
        Storage::Gl(st) => {
            let (name, target) = gl.use_storage(&desc, st).map_err(gl_fail)?;
            Ok((name, target, desc, st.exposed))
        }
        _ => Err(fail(
            ERROR_CTX_ILLEGAL_RESOURCE,
            format!("resource {handle} has no GL storage (blob or zero-copy memory)"),
        )),
    }
}

pub(super) fn out_kind(format: u32) -> OutKind {
    match format::lookup(format) {
        Some(f) if f.is_sint_color() => OutKind::Sint,
        Some(f) if f.is_uint_color() => OutKind::Uint,
        _ => OutKind::Float,
    }
}

/// A surface as a framebuffer attachment (one layer: [`attachments`] makes the layered
/// ones), with its layer range.
pub(super) fn attachment(
    gl: &mut GlBackend,
    resources: &mut IdMap<Resource>,
    s: &Surface,
) -> Result<(Attachment, gl_state::SurfaceLayers), Fail> {
    let (name, target, desc) = gl_resource(gl, resources, s.res)?;
    let bad = |why: String| {
        fail(ERROR_CTX_ILLEGAL_SURFACE, format!("surface of resource {}{why}", s.res))
    };
    if desc.target == Target::Buffer || s.level > desc.last_level {
        return Err(bad(String::new()));
    }
    let level_layers = crate::model::transfer::level_extent(&desc, s.level).2;
    let layered_target = matches!(
        desc.target,
        Target::Tex1DArray | Target::Tex2DArray | Target::Cube | Target::CubeArray | Target::Tex3D
    );
    let layers =
        gl_state::surface_layers(level_layers, layered_target, s.first_layer, s.last_layer)
            .map_err(|e| bad(format!(": {}", e.msg)))?;
    let zs_point = match format::lookup(s.format).map(|f| f.kind) {
        Some(Kind::Depth) => glow::DEPTH_ATTACHMENT,
        Some(Kind::Stencil) => glow::STENCIL_ATTACHMENT,
        _ => glow::DEPTH_STENCIL_ATTACHMENT,
    };
    let a = Attachment {
        name,
        target,
        level: s.level,
        layer: layers.first,
        layers: layers.count,
        layered: false,
        kind: out_kind(s.format),
        zs_point,
        swizzle: desc.format.gl.and_then(|g| gl_state::output_swizzle(g.swizzle)),
        linear_view: desc.format.is_srgb()
            && !format::lookup(s.format).is_some_and(|f| f.is_srgb()),
    };
    Ok((a, layers))
}

/// The framebuffer's surfaces as attachments: those covering a whole level layered when one
/// of them has more than one layer (GL 3.2 layered rendering; see
/// [`gl_state::SurfaceLayers`]).
pub(super) fn attachments(
    gl: &mut GlBackend,
    resources: &mut IdMap<Resource>,
    fb: &Framebuffer,
) -> Result<(Vec<Option<Attachment>>, Option<Attachment>), Fail> {
    let mut all = Vec::with_capacity(fb.cbufs.len() + 1);
    for s in fb.cbufs.iter().chain(std::iter::once(&fb.zsurf)) {
        all.push(match s {
            Some(s) => Some(attachment(gl, resources, s)?),
            None => None,
        });
    }
    let layered = gl_state::layered_framebuffer(all.iter().flatten().map(|(_, l)| l));
    let mut out: Vec<Option<Attachment>> = all
        .into_iter()
        .map(|x| {
            x.map(|(a, l)| {
                if !l.whole && l.count > 1 {
                    log_once(
                        (ccmd::SET_FRAMEBUFFER_STATE, 1),
                        &format!(
                            "surface of layers {}..={} (of a level with more): GL attaches \
                             one layer or all; draws render into layer {}, clears clear \
                             each layer",
                            l.first,
                            l.first + (l.count - 1),
                            l.first
                        ),
                    );
                }
                Attachment { layered: layered && l.whole, ..a }
            })
        })
        .collect();
    let zs = out.pop().flatten();
    Ok((out, zs))
}

/// ILLEGAL_RESOURCE unless `handle` is a live resource attached to the context (`set`:
/// its attached set; what `decode::attached` checks, on borrowed parts of the renderer).
fn check_attached(
    resources: &IdMap<Resource>,
    set: &AttachedSet,
    ctx_id: u32,
    handle: u32,
) -> CmdResult {
    if resources.contains_key(&handle) && set.contains(&handle) {
        return Ok(());
    }
    Err(fail(
        ERROR_CTX_ILLEGAL_RESOURCE,
        format!("resource {handle} is unknown or not attached to context {ctx_id}"),
    ))
}

pub(super) fn check_fb_attached(
    resources: &IdMap<Resource>,
    set: &AttachedSet,
    ctx_id: u32,
    fb: &Framebuffer,
) -> CmdResult {
    for s in fb.cbufs.iter().flatten().chain(fb.zsurf.iter()) {
        check_attached(resources, set, ctx_id, s.res)?;
    }
    Ok(())
}

/// Every resource the bound state names is still attached to the drawing context: a
/// binding outlives a detach or an unref, and the guest kernel hands the handle out again,
/// possibly as another process's resource (upstream holds a reference instead).
fn check_bound_attached(
    resources: &IdMap<Resource>,
    set: &AttachedSet,
    ctx_id: u32,
    bound: &Bound,
) -> CmdResult {
    let vbs = bound.vertex_buffers.iter().map(|v| v.res_handle);
    let ib = std::iter::once(bound.index_buffer.res_handle);
    let views = bound.views.iter().flatten().flatten().map(|v| v.res);
    let ubos = bound.uniform_buffers.iter().flatten().flatten().map(|u| u.res);
    let so = bound.streamout.iter().flat_map(|s| s.targets.iter().flatten()).map(|t| t.res);
    for h in vbs.chain(ib).chain(views).chain(ubos).chain(so).filter(|&h| h != 0) {
        check_attached(resources, set, ctx_id, h)?;
    }
    Ok(())
}

/// The vertex-processing stages of a draw: vertex, optional tessellation control and
/// evaluation, optional geometry, and the fragment stage.
#[derive(Clone, Copy)]
pub(super) struct Stages<'a> {
    pub vs: &'a ShaderObj,
    pub tcs: Option<&'a ShaderObj>,
    pub tes: Option<&'a ShaderObj>,
    pub gs: Option<&'a ShaderObj>,
    pub fs: &'a ShaderObj,
    /// Point sprites are on and the primitives rasterize as points.
    pub sprites: bool,
}

impl<'a> Stages<'a> {
    /// The last stage before rasterization.
    fn last(&self) -> &'a ShaderObj {
        self.gs.or(self.tes).unwrap_or(self.vs)
    }

    /// The stages in pipeline order, with their gallium stage numbers.
    fn ordered(&self) -> Vec<(usize, &'a ShaderObj)> {
        let mut v = vec![(0, self.vs)];
        v.extend(self.tcs.map(|s| (3, s)));
        v.extend(self.tes.map(|s| (4, s)));
        v.extend(self.gs.map(|s| (2, s)));
        v.push((1, self.fs));
        v
    }
}

/// Variant keys for the stages in pipeline order ([`Stages::ordered`]) under `base`: the
/// stages before the last vertex stage pass their outputs on as arrays (`to_geometry`)
/// and take no clip planes; the last vertex stage takes the fragment stage's
/// interpolation.
fn stage_keys(st: &Stages<'_>, base: VariantKey) -> Vec<VariantKey> {
    let fs_key =
        VariantKey { prev_outputs: Some(shader::output_slots(&st.last().program)), ..base };
    let (flat, np) = shader::fs_interpolation(&st.fs.program, &fs_key);
    let last_key = VariantKey { next_flat: flat, next_noperspective: np, ..base };
    let inner = VariantKey { to_geometry: true, clip_plane_enable: 0, ..base };
    let ordered = st.ordered();
    let n = ordered.len();
    // An evaluation stage without a control stage reads the vertex stage's outputs.
    let after_vertex = st.tcs.is_none();
    (0..n)
        .map(|i| match i {
            _ if i == n - 1 => fs_key,
            _ if i == n - 2 => last_key,
            _ => inner,
        })
        .zip(&ordered)
        .map(|(k, &(stage, _))| VariantKey { tes_after_vertex: stage == 4 && after_vertex, ..k })
        .collect()
}

fn processor(t: ShaderType) -> Processor {
    match t {
        ShaderType::Fragment => Processor::Fragment,
        ShaderType::Geometry => Processor::Geometry,
        ShaderType::TessCtrl => Processor::TessCtrl,
        ShaderType::TessEval => Processor::TessEval,
        _ => Processor::Vertex,
    }
}

pub(super) fn stage_of(p: Processor) -> usize {
    match p {
        Processor::Fragment => 1,
        Processor::Geometry => 2,
        Processor::TessCtrl => 3,
        Processor::TessEval => 4,
        _ => 0,
    }
}

/// The program memo's key: shader ids and a digest of the variant inputs.
fn memo_digest(inputs: &ProgramInputs) -> ProgramMemoKey {
    let ([vs, fs, gs, tcs, tes], base, vs_shadow, fs_shadow, bsw) = inputs;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (tcs, tes, base, vs_shadow, fs_shadow, bsw).hash(&mut h);
    (*vs, *fs, *gs, h.finish())
}

/// Upstream's vrend_draw_vbo: a context in error draws nothing and says so.
fn in_error() -> Fail {
    Fail { code: None, err: Error::new(libc::ENOTRECOVERABLE, "draw in a context in error") }
}

/// DRAW_VBO: refused in a context in error, skipped under a failing render condition.
pub(super) fn draw_vbo(r: &mut Renderer, ctx_id: u32, info: &DrawVbo) -> CmdResult {
    let prim = gl_state::primitive(info.mode);
    // Patches are drawn where the host tessellates (`decode::tess` checks the rest).
    let tess = r.backend.gl_mut().is_some_and(|g| g.tessellation());
    let gap = |p: &gl_state::PrimitiveGl| match p.gap {
        Some(gl_state::Gap::Patches) => !tess,
        g => g.is_some(),
    };
    let common = r.backend.gl_mut().is_some()
        && info.indirect.is_none()
        && info.count_from_so == 0
        && prim.as_ref().is_ok_and(|p| !gap(p));
    if common {
        // The common draw (its context's queries the running ones): one lookup of the
        // context and its sub-context serves every check and the draw.
        let Renderer { backend, resources, contexts, lower_left_origin, query_owner, .. } = &mut *r;
        let c = contexts.get_mut(&ctx_id).ok_or_else(|| Error::inval("unknown context"))?;
        if let (Some(gl), true) = (backend.gl_mut(), *query_owner == Some((ctx_id, c.current_sub)))
        {
            return draw_in(
                gl,
                resources,
                c,
                *lower_left_origin,
                ctx_id,
                info,
                (prim.map_err(gl_fail)?, None),
            );
        }
    }
    // Otherwise the checks in order, each where it may change the renderer.
    let sub_id = {
        let c = r.context(ctx_id)?;
        if c.in_error {
            return Err(in_error());
        }
        if !super::cond::sub_passes(c.sub_unchanged()) {
            return Ok(());
        }
        c.current_sub
    };
    let queries_owned = r.query_owner == Some((ctx_id, sub_id));
    if r.backend.gl_mut().is_none() {
        skip(r, ctx_id, (ccmd::DRAW_VBO, 0), "DRAW_VBO on a backend without GL");
        return Ok(());
    }
    if info.indirect.is_some() {
        skip(r, ctx_id, (ccmd::DRAW_VBO, 1), "indirect draws");
        return Ok(());
    }
    let from_xfb = match info.count_from_so {
        0 => None,
        h => match super::streamout::draw_source(r, ctx_id, h)? {
            Some(set) => Some(set),
            None => return Ok(()),
        },
    };
    let prim = prim.map_err(gl_fail)?;
    if gap(&prim) {
        skip(r, ctx_id, (ccmd::DRAW_VBO, 2), "primitives core GL lacks (quads, polygons, patches)");
        return Ok(());
    }
    if !queries_owned {
        own_queries(r, ctx_id)?;
    }
    let Renderer { backend, resources, contexts, lower_left_origin, .. } = &mut *r;
    let gl = backend.gl_mut().expect("checked above");
    let c = contexts.get_mut(&ctx_id).ok_or_else(|| Error::inval("unknown context"))?;
    draw_in(gl, resources, c, *lower_left_origin, ctx_id, info, (prim, from_xfb))
}

/// The draw in the context's current sub-context (refused in a context in error,
/// skipped under a failing render condition), every other check before it passed.
fn draw_in(
    gl: &mut GlBackend,
    resources: &mut IdMap<Resource>,
    c: &mut Context,
    lower_left_origin: bool,
    ctx_id: u32,
    info: &DrawVbo,
    (prim, from_xfb): (gl_state::PrimitiveGl, Option<u64>),
) -> CmdResult {
    if c.in_error {
        return Err(in_error());
    }
    // The draw reads the sub-context's state where it is, beside the backend and the
    // resources (disjoint parts of the renderer: no copy per draw).
    let sub = c.subs.entry(c.current_sub).or_default();
    if !super::cond::sub_passes(sub) {
        return Ok(());
    }
    let key = (c.resources.removals(), sub.version);
    let SubContext { fb, bound, memo, draw_cache, .. } = sub;
    let parts = DrawParts {
        resources,
        attached: &c.resources,
        error: &mut c.error,
        memo,
        lower_left_origin,
    };
    draw_bound(gl, parts, ctx_id, info, prim, from_xfb, (fb, bound), draw_cache, key)
}

/// The parts of the renderer a draw uses besides the backend and the sub-context's state.
struct DrawParts<'a> {
    resources: &'a mut IdMap<Resource>,
    /// The drawing context's attached resources, and its error code.
    attached: &'a AttachedSet,
    error: &'a mut u32,
    memo: &'a mut ProgramMemo,
    /// Whether the capsets offered LOWER_LEFT fragment origins ([`VariantKey`]).
    lower_left_origin: bool,
}

/// DRAW_VBO with the sub-context's framebuffer and bound state, and the draw cache (kept
/// when made under `key`, else made again).
#[allow(clippy::too_many_arguments)]
fn draw_bound(
    gl: &mut GlBackend,
    p: DrawParts<'_>,
    ctx_id: u32,
    info: &DrawVbo,
    prim: gl_state::PrimitiveGl,
    from_xfb: Option<u64>,
    (fb, bound): (&Framebuffer, &Bound),
    cache: &mut DrawCache,
    key: (u64, u64),
) -> CmdResult {
    let (Some(vs), Some(fs)) = (bound.shaders[0].as_deref(), bound.shaders[1].as_deref()) else {
        log_once(
            (ccmd::DRAW_VBO, 3),
            "DRAW_VBO without a vertex and a fragment shader: nothing drawn",
        );
        return Ok(());
    };
    if bound.shaders[5..].iter().any(Option::is_some) {
        // As `decode::skip`, on the borrowed context.
        log_once((ccmd::DRAW_VBO, 4), "compute shaders are not implemented; skipped");
        *p.error = ERROR_CTX_UNSUPPORTED_FUNCTION;
        return Ok(());
    }
    let gs = bound.shaders[2].as_deref();
    let (tcs, tes) = (bound.shaders[3].as_deref(), bound.shaders[4].as_deref());
    let rast = bound.rasterizer.as_deref().filter(|r| r.key.sprite_coord_enable != Some(0));
    let sprites = rast.is_some_and(|r| {
        let (g, t) = (gs.map(|s| &*s.program), tes.map(|s| &*s.program));
        gl_state::rasterizes_points(prim.mode, g, t, r.polygon_mode)
    });
    let stages = Stages { vs, tcs, tes, gs, fs, sprites };
    let key = (key.0, key.1, sprites);
    let patch = match super::tess::patch_draw(gl, bound, &stages, info, prim.mode) {
        Ok(p) => p,
        Err((host, why)) => {
            // Nothing drawn (GL draws nothing there either); the host's lack is reported.
            log_once((ccmd::DRAW_VBO, 5), why);
            if host {
                *p.error = ERROR_CTX_UNSUPPORTED_FUNCTION;
            }
            return Ok(());
        }
    };
    let resources = p.resources;
    let valid = cache.key == Some(key) && cache.evictions == gl.program_evictions();
    if !valid {
        // Derived again in full; kept only once all of it succeeded.
        (cache.key, cache.index) = (None, None);
        check_fb_attached(resources, p.attached, ctx_id, fb)?;
        check_bound_attached(resources, p.attached, ctx_id, bound)?;
        (cache.cbufs, cache.zs) = attachments(gl, resources, fb)?;
        let (program, blend) =
            choose_program(gl, p.memo, fb, bound, &stages, &cache.cbufs, p.lower_left_origin)?;
        (cache.program, cache.blend) = (GlBackend::program_number(program), blend);
        cache.vertices = vertex_inputs(gl, resources, bound, vs.inputs)?;
        cache.textures = texture_inputs(gl, resources, bound, program)?;
        cache.reads_buffers = super::buffers::reads_buffers(gl, program)?;
        cache.stamp = gl.new_draw_stamp();
        (cache.key, cache.evictions) = (Some(key), gl.program_evictions());
    }
    let program = GlBackend::program_from_number(cache.program);
    let d = defaults();
    let dsa = bound.dsa.as_deref().unwrap_or(&d.1);
    let rast = bound.rasterizer.as_deref().unwrap_or(&d.2);
    let index = if info.indexed {
        let ib = bound.index_buffer;
        if ib.res_handle == 0 || !matches!(ib.index_size, 1 | 2 | 4) {
            return Err(fail(
                ERROR_CTX_ILLEGAL_RESOURCE,
                format!(
                    "indexed draw with index buffer {} of index size {}",
                    ib.res_handle, ib.index_size
                ),
            ));
        }
        let (name, width, exposed) = match cache.index {
            Some((h, name, width, exposed, n)) if h == ib.res_handle && n == gl.exposures() => {
                (name, width, exposed)
            }
            _ => {
                let (name, _, desc, exposed) = gl_resource_exposed(gl, resources, ib.res_handle)?;
                cache.index = Some((ib.res_handle, name, desc.width, exposed, gl.exposures()));
                (name, desc.width, exposed)
            }
        };
        Some(IndexInput {
            buffer: name,
            buffer_size: u64::from(width),
            index_size: ib.index_size,
            offset: u64::from(ib.offset),
            private: !exposed,
        })
    } else {
        None
    };
    // Inline constants by stage (a shared buffer each: no copy).
    let mut constants: [(Processor, &Arc<[u32]>); 5] = [
        ShaderType::Vertex,
        ShaderType::TessCtrl,
        ShaderType::TessEval,
        ShaderType::Geometry,
        ShaderType::Fragment,
    ]
    .map(|t| (processor(t), &bound.constants[stage_of(processor(t))]));
    let mut n = 0;
    for i in 0..constants.len() {
        if !constants[i].1.is_empty() {
            constants.swap(n, i);
            n += 1;
        }
    }
    let last = stages.last();
    if tes.is_some() && gs.is_none() && bound.streamout.is_some() {
        // The primitive captured would be the evaluation stage's, not the draw's.
        log_once((ccmd::DRAW_VBO, 6), "stream output from the tessellation evaluation stage");
        *p.error = ERROR_CTX_UNSUPPORTED_FUNCTION;
        return Ok(());
    }
    let capture = super::streamout::capture(gl, resources, bound, last, gs.is_some(), prim.mode)?;
    let xfb = capture.as_ref().map(|c| XfbDraw {
        set: c.set,
        buffers: &c.buffers,
        prim: c.prim,
        strides: c.strides,
    });
    let call = DrawCall {
        program,
        cbufs: &cache.cbufs,
        zs: cache.zs,
        blend: &cache.blend,
        dsa,
        rast,
        blend_color: bound.blend_color,
        stencil_ref: bound.stencil_ref,
        sample_mask: bound.sample_mask,
        viewport: bound.viewport,
        scissor: bound.scissor,
        vertices: &cache.vertices,
        index,
        constants: &constants[..n],
        clip_planes: &bound.clip_planes,
        stipple: &bound.stipple,
        textures: &cache.textures,
        mode: prim.mode,
        info: *info,
        xfb,
        from_xfb,
        stamp: cache.stamp,
        patch,
    };
    // Under the stamp that bound them, with only draws since, they are bound.
    if cache.reads_buffers && !gl.buffers_bound(cache.stamp) {
        gl.set_buffers_stamp(0);
        super::buffers::bind_for_draw(gl, resources, bound, program)?;
        gl.set_buffers_stamp(cache.stamp);
    }
    gl.draw(&call).map_err(gl_fail)
}

/// The vertex inputs the program reads (`reads`: its input mask) from the bound vertex
/// elements and buffers.
fn vertex_inputs(
    gl: &mut GlBackend,
    resources: &mut IdMap<Resource>,
    bound: &Bound,
    reads: u32,
) -> Result<Vec<VertexInput>, Fail> {
    let mut vertices = Vec::new();
    let Some(ve) = &bound.vertex_elements else { return Ok(vertices) };
    for (loc, a) in ve.attribs.iter().enumerate() {
        if reads & (1 << loc) == 0 {
            continue;
        }
        let vb = bound.vertex_buffers.get(a.buffer_index as usize).copied().unwrap_or_default();
        if vb.res_handle == 0 {
            return Err(fail(
                ERROR_CTX_ILLEGAL_RESOURCE,
                format!(
                    "vertex attribute {loc} reads vertex buffer {}, which is unbound",
                    a.buffer_index
                ),
            ));
        }
        let (name, _, desc) = gl_resource(gl, resources, vb.res_handle)?;
        if desc.target != Target::Buffer {
            return Err(fail(
                ERROR_CTX_ILLEGAL_RESOURCE,
                format!("vertex buffer {} is not a buffer", vb.res_handle),
            ));
        }
        vertices.push(VertexInput {
            location: loc as u32,
            attrib: *a,
            buffer: name,
            buffer_size: u64::from(desc.width),
            stride: vb.stride,
            base: u64::from(vb.offset),
        });
    }
    Ok(vertices)
}

/// Textures for each stage's samplers of `program` (buffer views are bound by
/// `buffers::bind_for_draw`).
fn texture_inputs(
    gl: &mut GlBackend,
    resources: &mut IdMap<Resource>,
    bound: &Bound,
    program: ProgramId,
) -> Result<Vec<TextureInput>, Fail> {
    let bindings: Vec<(usize, u32, u32)> = gl
        .program_info(program)
        .map_err(gl_fail)?
        .stages
        .iter()
        .flat_map(|s| s.samplers.iter().map(move |&(samp, unit)| (stage_of(s.stage), samp, unit)))
        .collect();
    let mut textures = Vec::new();
    for (stage, samp, unit) in bindings {
        let Some(Some(view)) = bound.views[stage].get(samp as usize) else { continue };
        if view.gl.target == glow::TEXTURE_BUFFER {
            continue;
        }
        let (name, target, desc) = gl_resource(gl, resources, view.res)?;
        if target != view.gl.target {
            log_once(
                (ccmd::DRAW_VBO, 5),
                "sampler view with a target other than its resource's: not bound",
            );
            continue;
        }
        let depth_stencil_storage = desc.format.kind == crate::model::format::Kind::DepthStencil;
        if view.gl.stencil && desc.format.id != view.gl.format.id {
            log_once(
                (ccmd::DRAW_VBO, 6),
                "stencil sampler view of a resource without that depth/stencil format: not bound",
            );
            continue;
        }
        let sampler = bound.samplers[stage].get(samp as usize).cloned().flatten().map(|s| *s);
        let srgb_storage = desc.format.is_srgb();
        textures.push(TextureInput {
            unit,
            name,
            view: view.gl,
            sampler,
            srgb_storage,
            depth_stencil_storage,
        });
    }
    Ok(textures)
}

/// The program for the bound shaders under the state's variant keys, through the
/// sub-context's memo (building it on a miss), and the blend state with padding alphas
/// applied. The caller checked that every resource the state names is attached.
fn choose_program(
    gl: &mut GlBackend,
    memo: &mut ProgramMemo,
    fb: &Framebuffer,
    bound: &Bound,
    st: &Stages<'_>,
    cbufs: &[Option<Attachment>],
    lower_left_origin: bool,
) -> Result<(ProgramId, BlendGl), Fail> {
    let d = defaults();
    let blend = bound.blend.as_deref().unwrap_or(&d.0);
    let dsa = bound.dsa.as_deref().unwrap_or(&d.1);
    let rast = bound.rasterizer.as_deref().unwrap_or(&d.2);
    // Level 1 serves glsl_level 130: the guest's TGSI uses native integers.
    // Fragment coordinates: a LOWER_LEFT origin is the guest's only where the capsets
    // offered it (`VariantKey::lower_left_origin`).
    let mut base = VariantKey { integers: true, lower_left_origin, ..VariantKey::default() };
    rast.key.apply(&mut base);
    if !st.sprites {
        base.sprite_coord_enable = 0;
    }
    dsa.key.apply(&mut base);
    if let Some(ve) = &bound.vertex_elements {
        ve.key.apply(&mut base);
    }
    base.nr_cbufs = fb.cbufs.len().min(8) as u8;
    for (i, c) in fb.cbufs.iter().enumerate().take(8) {
        match c.map(|s| out_kind(s.format)) {
            Some(OutKind::Sint) => base.fs_sint_outputs |= 1 << i,
            Some(OutKind::Uint) => base.fs_uint_outputs |= 1 << i,
            _ => {}
        }
    }
    for (i, a) in cbufs.iter().enumerate().take(8) {
        base.fs_out_swizzle[i] = a.and_then(|a| a.swizzle);
    }
    // Colour buffers whose stored alpha is padding blend with a destination alpha of one.
    let no_alpha = fb.cbufs.iter().take(8).enumerate().fold(0u8, |m, (i, c)| match c {
        Some(s) if gl_state::alpha_is_padding(s.format) => m | 1 << i,
        _ => m,
    });
    let blend = blend.with_dst_alpha_one(no_alpha);
    // Alpha formats kept in a red channel blend that channel as alpha.
    let alpha_red = fb.cbufs.iter().take(8).enumerate().fold(0u8, |m, (i, c)| match c {
        Some(s) if format::lookup(s.format).is_some_and(|f| f.alpha_in_red()) => m | 1 << i,
        _ => m,
    });
    let blend = blend.with_alpha_in_red(alpha_red);
    // Shadow samplers of depth views take the view's swizzle in the shader.
    let shadow = |stage: usize| {
        let mut out = [None; 16];
        for (i, v) in bound.views[stage].iter().enumerate().take(16) {
            if let Some(v) = v.as_ref().filter(|v| v.gl.format.is_depth_or_stencil()) {
                out[i] = Some(super::buffers::swizzle_code(v.gl.swizzle));
            }
        }
        out
    };
    let (vs_shadow, fs_shadow) = (shadow(0), shadow(1));
    let bsw = [0, 1, 2, 3, 4].map(|s| super::buffers::buffer_swizzles(bound, s));
    // The program, through the sub-context's memo: the stage keys are a function of the
    // shaders and of (base, sampler swizzles), so only a miss derives them (and hashes the
    // TGSI texts in the program cache). A draw with the last draw's inputs (the common
    // case: state unchanged between draws) takes its program after a plain comparison,
    // without hashing the key.
    let id = |s: Option<&ShaderObj>| s.map_or(0, |s| s.id);
    let ids = [st.vs.id, st.fs.id, id(st.gs), id(st.tcs), id(st.tes)];
    let inputs: ProgramInputs = (ids, base, vs_shadow, fs_shadow, bsw);
    let (remembered, memo_key) = match memo.last.as_deref() {
        Some((last, p)) if *last == inputs => (Some(*p), None),
        _ => {
            let key = memo_digest(&inputs);
            (memo.map.get(&key).copied(), Some(key))
        }
    };
    let program = match remembered.map(GlBackend::program_from_number) {
        Some(p) if gl.program_info(p).is_ok() => p,
        _ => {
            let mut keys = stage_keys(st, base);
            let ordered = st.ordered();
            let n = keys.len();
            keys[0].shadow_swizzle = vs_shadow;
            keys[n - 1].shadow_swizzle = fs_shadow;
            keys[n - 2].stream_output = st.last().stream_output;
            for (k, &(stage, _)) in keys.iter_mut().zip(&ordered) {
                k.buffer_swizzle = bsw[stage];
            }
            let stages: Vec<(&str, &VariantKey)> =
                ordered.iter().zip(&keys).map(|(&(_, s), k)| (&*s.text, k)).collect();
            let p = gl
                .program(&stages)
                .map_err(|e| fail(super::state::ERROR_CTX_ILLEGAL_SHADER, e.msg))?;
            if memo.map.len() >= MAX_MEMO {
                memo.map.clear();
            }
            let key = memo_key.unwrap_or_else(|| memo_digest(&inputs));
            memo.map.insert(key, GlBackend::program_number(p));
            p
        }
    };
    let number = GlBackend::program_number(program);
    if memo_key.is_some() || remembered != Some(number) {
        // Not the last draw's inputs (a memo hit or a new program), or the last draw's
        // program was evicted and rebuilt: these become the last.
        match &mut memo.last {
            Some(last) => **last = (inputs, number),
            last => *last = Some(Box::new((inputs, number))),
        }
    }
    Ok((program, blend))
}
