//! Stream output (transform feedback): CREATE_OBJECT(STREAMOUT_TARGET),
//! SET_STREAMOUT_TARGETS, and what a DRAW_VBO captures into or draws from.
//!
//! A target is a checked range of a buffer resource. SET_STREAMOUT_TARGETS makes a new
//! set (a fresh transform-feedback object in the GL backend, so the writes start at the
//! ranges' starts) unless it binds the same target objects as one of the sub-context's
//! last sets: then that set's capture goes on where it paused. That is how Mesa's virgl
//! driver resumes (glResumeTransformFeedback binds the transform-feedback object's
//! targets again, with an append bitmask of 0; glBeginTransformFeedback after an end
//! creates new target objects; measured with Mesa 25), so the append bitmask is not
//! read. A guest may pause one transform-feedback object, capture with another and
//! resume the first. The last [`MAX_PAUSED_SETS`] sets stay resumable;
//! a set that a new one shares a target with, or that falls out of them, ends its capture,
//! so that a draw from one of its targets (`count_from_stream_output`) draws what it
//! captured (a draw from a paused set's target ends it first); a set no target refers to
//! any more is deleted.
//!
//! What is not modelled: append onto a target through a set other than the one that
//! wrote it (the writes start over), vertex streams other than 0 (refused at shader
//! creation), more than 4 targets (refused).

use super::draw::gl_resource;
use super::{fail, skip, CmdResult, Fail};
use crate::backend::gl::streamout::{xfb_prim, XfbBuffer};
use crate::backend::gl::GlBackend;
use crate::model::protocol::{ccmd, StreamOutput, StreamoutTarget};
use crate::model::resource::Target;
use crate::model::shader::{self, Property, SoOutput, StreamOutKey, MAX_SO_BUFFERS};
use crate::renderer::context::{
    ERROR_CTX_ILLEGAL_CMD_BUFFER, ERROR_CTX_ILLEGAL_HANDLE, ERROR_CTX_ILLEGAL_RESOURCE,
};
use crate::renderer::objects::{Object, ObjectKind};
use crate::renderer::state::{Bound, ShaderObj, SoSet, SoTargetObj};
use crate::renderer::{IdMap, Renderer, Resource};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

static NEXT_SET: AtomicU64 = AtomicU64::new(1);

/// Sets a sub-context keeps resumable (paused transform-feedback objects of the guest).
pub const MAX_PAUSED_SETS: usize = 4;

/// The layout a CREATE_OBJECT(SHADER) sends, as the translator's key (ILLEGAL_SHADER for
/// a layout it cannot capture).
pub(super) fn shader_key(so: Option<&StreamOutput>) -> Result<StreamOutKey, Fail> {
    let Some(so) = so else { return Ok(StreamOutKey::default()) };
    let bad = |msg: String| fail(super::state::ERROR_CTX_ILLEGAL_SHADER, msg);
    if let Some(o) = so.outputs.iter().find(|o| o.stream != 0) {
        return Err(bad(format!("stream output to vertex stream {} (only 0)", o.stream)));
    }
    let outputs: Vec<SoOutput> = so
        .outputs
        .iter()
        .map(|o| SoOutput {
            register: o.register_index,
            start: o.start_component,
            components: o.num_components,
            buffer: o.output_buffer,
            dst_offset: o.dst_offset,
        })
        .collect();
    StreamOutKey::new(so.stride, &outputs).map_err(bad)
}

/// Checks a target's range: an attached buffer resource, 4-byte aligned, not empty,
/// within the buffer.
fn check_range(r: &Renderer, ctx_id: u32, t: &StreamoutTarget) -> CmdResult {
    super::attached(r, ctx_id, t.res_handle)?;
    let d = r.resources[&t.res_handle].desc;
    let end = u64::from(t.buffer_offset) + u64::from(t.buffer_size);
    if d.target != Target::Buffer
        || t.buffer_size == 0
        || t.buffer_offset % 4 != 0
        || t.buffer_size % 4 != 0
        || end > u64::from(d.width)
    {
        return Err(fail(
            ERROR_CTX_ILLEGAL_RESOURCE,
            format!(
                "streamout target {}+{} of resource {} ({} bytes{})",
                t.buffer_offset,
                t.buffer_size,
                t.res_handle,
                d.width,
                if d.target == Target::Buffer { "" } else { ", not a buffer" }
            ),
        ));
    }
    Ok(())
}

/// CREATE_OBJECT(STREAMOUT_TARGET).
pub(super) fn create_target(
    r: &mut Renderer,
    ctx_id: u32,
    t: &StreamoutTarget,
) -> Result<Object, Fail> {
    if r.backend.gl_mut().is_none() {
        skip(r, ctx_id, (ccmd::CREATE_OBJECT, 10), "stream output without GL");
        return Ok(Object::Refused(ObjectKind::StreamoutTarget));
    }
    check_range(r, ctx_id, t)?;
    Ok(Object::StreamoutTarget(Arc::new(SoTargetObj {
        res: t.res_handle,
        offset: t.buffer_offset,
        size: t.buffer_size,
        last_set: AtomicU64::new(0),
    })))
}

fn target(r: &mut Renderer, ctx_id: u32, handle: u32) -> Result<Arc<SoTargetObj>, Fail> {
    match r.context(ctx_id)?.sub().objects.expect(handle, ObjectKind::StreamoutTarget) {
        Ok(Object::StreamoutTarget(t)) => Ok(t.clone()),
        _ => Err(fail(ERROR_CTX_ILLEGAL_HANDLE, format!("{handle} is no streamout target"))),
    }
}

fn same(a: &[Option<Arc<SoTargetObj>>], b: &[Option<Arc<SoTargetObj>>]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (Some(x), Some(y)) => Arc::ptr_eq(x, y),
            (None, None) => true,
            _ => false,
        })
}

/// SET_STREAMOUT_TARGETS.
pub(super) fn set_targets(r: &mut Renderer, ctx_id: u32, handles: &[u32]) -> CmdResult {
    if handles.len() > MAX_SO_BUFFERS {
        return Err(fail(
            ERROR_CTX_ILLEGAL_CMD_BUFFER,
            format!("SET_STREAMOUT_TARGETS: {} targets (max {MAX_SO_BUFFERS})", handles.len()),
        ));
    }
    if r.backend.gl_mut().is_none() {
        skip(r, ctx_id, (ccmd::SET_STREAMOUT_TARGETS, 0), "stream output without GL");
        return Ok(());
    }
    let mut targets = Vec::with_capacity(handles.len());
    for &h in handles {
        targets.push(if h == 0 { None } else { Some(target(r, ctx_id, h)?) });
    }
    while matches!(targets.last(), Some(None)) {
        targets.pop();
    }
    let bound = &mut r.context(ctx_id)?.sub().bound;
    if targets.is_empty() {
        // Paused (or ended): the last set keeps its position for a resume.
        bound.streamout = None;
        return Ok(());
    }
    let paused = &mut bound.streamout_paused;
    if let Some(i) = paused.iter().position(|s| same(&s.targets, &targets)) {
        let s = paused.remove(i);
        paused.push(s.clone());
        bound.streamout = Some(s);
        return Ok(());
    }
    let id = NEXT_SET.fetch_add(1, Ordering::Relaxed);
    for t in targets.iter().flatten() {
        t.last_set.store(id, Ordering::Relaxed);
    }
    // The sets sharing a target with the new one stop: its capture writes those buffers
    // from the ranges' starts now.
    let shares = |s: &SoSet| {
        s.targets.iter().flatten().any(|t| targets.iter().flatten().any(|n| Arc::ptr_eq(t, n)))
    };
    let (mut retired, mut kept): (Vec<_>, Vec<_>) =
        std::mem::take(paused).into_iter().partition(|s| shares(s));
    let set = Arc::new(SoSet { id, targets });
    kept.push(set.clone());
    let over = kept.len().saturating_sub(MAX_PAUSED_SETS);
    retired.extend(kept.drain(..over));
    *paused = kept;
    bound.streamout = Some(set);
    let Some(gl) = r.backend.gl_mut() else { return Ok(()) };
    let mut result = Ok(());
    for prev in retired {
        let referenced =
            prev.targets.iter().flatten().any(|t| t.last_set.load(Ordering::Relaxed) == prev.id);
        if referenced {
            // Every retired set is handled; the first error is reported.
            let r = gl.xfb_end(prev.id).map_err(Fail::from);
            result = result.and(r);
        } else {
            gl.xfb_delete(prev.id);
        }
    }
    result
}

/// The set a draw with `count_from_so` = `handle` draws from (`None`: nothing captured
/// into the target yet).
pub(super) fn draw_source(r: &mut Renderer, ctx_id: u32, handle: u32) -> Result<Option<u64>, Fail> {
    let t = target(r, ctx_id, handle)?;
    Ok(Some(t.last_set.load(Ordering::Relaxed)).filter(|&s| s != 0))
}

/// What a draw captures into.
pub(super) struct Capture {
    pub set: u64,
    pub buffers: Vec<Option<XfbBuffer>>,
    pub prim: u32,
    pub strides: [u32; 4],
}

/// The capture of a draw with primitive `mode` (GL), whose last vertex stage is `last`
/// (`gs`: a geometry shader): `None` without bound targets or captured outputs. Inlined
/// into the draw: most draws capture nothing.
#[inline]
pub(super) fn capture(
    gl: &mut GlBackend,
    resources: &mut IdMap<Resource>,
    bound: &Bound,
    last: &ShaderObj,
    gs: bool,
    mode: u32,
) -> Result<Option<Capture>, Fail> {
    match &bound.streamout {
        Some(set) if !last.stream_output.is_empty() => {
            capture_into(gl, resources, set, last, gs, mode).map(Some)
        }
        _ => Ok(None),
    }
}

/// [`capture`] into the bound targets `set`.
fn capture_into(
    gl: &mut GlBackend,
    resources: &mut IdMap<Resource>,
    set: &SoSet,
    last: &ShaderObj,
    gs: bool,
    mode: u32,
) -> Result<Capture, Fail> {
    let mut buffers = Vec::with_capacity(set.targets.len());
    for t in &set.targets {
        let Some(t) = t else {
            buffers.push(None);
            continue;
        };
        let (name, _, desc) = gl_resource(gl, resources, t.res)?;
        let (offset, size) = (u64::from(t.offset), u64::from(t.size));
        if desc.target != Target::Buffer || offset + size > u64::from(desc.width) {
            return Err(fail(
                ERROR_CTX_ILLEGAL_RESOURCE,
                format!("streamout target on resource {} out of its bounds", t.res),
            ));
        }
        buffers.push(Some(XfbBuffer { buffer: name, offset, size }));
    }
    let prim = if gs {
        let out = last.program.property(|q| match q {
            Property::GsOutputPrimitive(v) => Some(*v),
            _ => None,
        });
        match out {
            Some(shader::prim::POINTS) => glow::POINTS,
            Some(shader::prim::LINE_STRIP) => glow::LINES,
            _ => glow::TRIANGLES,
        }
    } else {
        xfb_prim(mode)
    };
    let strides = last.stream_output.strides().map(|s| u32::from(s) * 4);
    Ok(Capture { set: set.id, buffers, prim, strides })
}
