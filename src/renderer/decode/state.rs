//! State objects and the SET_*/BIND_* commands: CREATE_OBJECT of the non-surface kinds
//! (validated and mapped to GL terms once, by [`crate::model::gl_state`]), BIND_OBJECT,
//! BIND_SHADER and the bound state a draw uses ([`crate::renderer::state::Bound`]).

use super::{attached, fail, CmdResult, Fail};
use crate::model::gl_state;
use crate::model::protocol::{BindableObject, Object as Proto, Shader, ShaderChunk, ShaderType};
use crate::renderer::context::{
    ERROR_CTX_ILLEGAL_CMD_BUFFER, ERROR_CTX_ILLEGAL_HANDLE, ERROR_CTX_ILLEGAL_RESOURCE,
};
use crate::renderer::objects::{LookupError, Object, ObjectKind};
use crate::renderer::state::{
    set_slots, stage_index, PendingShader, QueryObj, SamplerViewObj, ShaderObj, MAX_SHADER_TEXT,
};
use crate::renderer::Renderer;
use std::sync::Arc;

/// `VIRGL_ERROR_CTX_ILLEGAL_SHADER`.
pub const ERROR_CTX_ILLEGAL_SHADER: u32 = 2;
/// `VIRGL_ERROR_CTX_ILLEGAL_VERTEX_FORMAT`.
pub const ERROR_CTX_ILLEGAL_VERTEX_FORMAT: u32 = 6;
/// `VIRGL_ERROR_CTX_ILLEGAL_SAMPLER_VIEW_TARGET`.
pub const ERROR_CTX_ILLEGAL_SAMPLER_VIEW_TARGET: u32 = 11;

fn bad_state(what: &str) -> impl Fn(crate::error::Error) -> Fail + '_ {
    move |e| fail(ERROR_CTX_ILLEGAL_CMD_BUFFER, format!("{what}: {}", e.msg))
}

/// The value of a non-surface CREATE_OBJECT (`None`: a shader continuation, already
/// stored in place).
pub(super) fn create_state_object(
    r: &mut Renderer,
    ctx_id: u32,
    handle: u32,
    object: &Proto<'_>,
) -> Result<Option<Object>, Fail> {
    Ok(Some(match object {
        Proto::Blend(b) => Object::Blend(Arc::new(gl_state::blend(b).map_err(bad_state("blend"))?)),
        Proto::Rasterizer(x) => {
            Object::Rasterizer(Arc::new(gl_state::rasterizer(x).map_err(bad_state("rasterizer"))?))
        }
        Proto::Dsa(d) => Object::Dsa(Arc::new(gl_state::dsa(d).map_err(bad_state("dsa"))?)),
        Proto::SamplerState(s) => Object::SamplerState(Arc::new(
            gl_state::sampler_state(s).map_err(bad_state("sampler state"))?,
        )),
        Proto::VertexElements(v) => {
            let ve = gl_state::vertex_elements(v).map_err(|e| {
                fail(ERROR_CTX_ILLEGAL_VERTEX_FORMAT, format!("vertex elements: {}", e.msg))
            })?;
            Object::VertexElements(Arc::new(ve))
        }
        Proto::SamplerView(v) => {
            attached(r, ctx_id, v.res_handle)?;
            let d = r.resources[&v.res_handle].desc;
            let gl = gl_state::sampler_view(v, d.target, d.nr_samples).map_err(|e| {
                fail(ERROR_CTX_ILLEGAL_SAMPLER_VIEW_TARGET, format!("sampler view: {}", e.msg))
            })?;
            Object::SamplerView(Arc::new(SamplerViewObj { res: v.res_handle, gl }))
        }
        Proto::Query(q) => {
            attached(r, ctx_id, q.res_handle)?;
            Object::Query(QueryObj {
                query_type: q.query_type,
                res: q.res_handle,
                offset: q.offset,
                ..QueryObj::default()
            })
        }
        Proto::Shader(s) => return create_shader(r, ctx_id, handle, s),
        Proto::StreamoutTarget(t) => super::streamout::create_target(r, ctx_id, t)?,
        Proto::Surface(_) | Proto::MsaaSurface(_) => {
            unreachable!("surfaces are created by the caller")
        }
    }))
}

/// A shader chunk: the first makes the object (complete, or pending more text), a
/// continuation appends to the pending object under the same handle.
fn create_shader(
    r: &mut Renderer,
    ctx_id: u32,
    handle: u32,
    s: &Shader<'_>,
) -> Result<Option<Object>, Fail> {
    let bytes = s.text_bytes();
    let shader_fail = |msg: String| fail(ERROR_CTX_ILLEGAL_SHADER, msg);
    let complete = |stage: ShaderType, text: &[u8], so| -> Result<Object, Fail> {
        let mut obj = ShaderObj::new(stage, text).map_err(|e| shader_fail(e.msg))?;
        obj.stream_output = so;
        Ok(Object::Shader(Arc::new(obj)))
    };
    match s.chunk {
        ShaderChunk::First { total_len } => {
            let total = total_len as usize;
            if total > MAX_SHADER_TEXT {
                return Err(shader_fail(format!(
                    "shader of {total} bytes (at most {MAX_SHADER_TEXT})"
                )));
            }
            let so = super::streamout::shader_key(s.stream_output.as_ref())?;
            if bytes.len() >= total {
                return complete(s.shader_type, &bytes[..total], so).map(Some);
            }
            Ok(Some(Object::ShaderPart(PendingShader {
                stage: s.shader_type,
                total,
                text: bytes,
                stream_output: Box::new(so),
            })))
        }
        ShaderChunk::Continuation { offset } => {
            let sub = r.context(ctx_id)?.sub();
            let Some(Object::ShaderPart(p)) = sub.objects.get_mut(handle) else {
                return Err(shader_fail(format!(
                    "shader continuation for handle {handle}, which holds no partial shader"
                )));
            };
            let done = p.append(offset.into(), &bytes).map_err(|e| shader_fail(e.msg))?;
            if done {
                let (stage, text) = (p.stage, std::mem::take(&mut p.text));
                let obj = complete(stage, &text, *p.stream_output)?;
                *sub.objects.get_mut(handle).expect("looked up above") = obj;
            }
            Ok(None)
        }
    }
}

fn lookup_err(what: &str, handle: u32, e: LookupError) -> Fail {
    let why = match e {
        LookupError::Missing => "no such object".to_string(),
        LookupError::WrongKind(k) => format!("the handle names a {} object", k.name()),
    };
    fail(ERROR_CTX_ILLEGAL_HANDLE, format!("{what} {handle}: {why}"))
}

/// BIND_OBJECT: binds (0 unbinds) a blend, DSA, rasterizer or vertex-elements object.
pub(super) fn bind_object(
    r: &mut Renderer,
    ctx_id: u32,
    obj_type: BindableObject,
    handle: u32,
) -> CmdResult {
    let sub = r.context(ctx_id)?.sub();
    let get = |kind: ObjectKind| -> Result<Option<Object>, Fail> {
        if handle == 0 {
            return Ok(None);
        }
        sub.objects
            .expect(handle, kind)
            .map(|o| Some(o.clone()))
            .map_err(|e| lookup_err(&format!("bind {}", kind.name()), handle, e))
    };
    let b = &mut sub.bound;
    match obj_type {
        BindableObject::Blend => match get(ObjectKind::Blend)? {
            Some(Object::Blend(x)) => b.blend = Some(x),
            _ => b.blend = None,
        },
        BindableObject::Dsa => match get(ObjectKind::Dsa)? {
            Some(Object::Dsa(x)) => b.dsa = Some(x),
            _ => b.dsa = None,
        },
        BindableObject::Rasterizer => match get(ObjectKind::Rasterizer)? {
            Some(Object::Rasterizer(x)) => b.rasterizer = Some(x),
            _ => b.rasterizer = None,
        },
        BindableObject::VertexElements => match get(ObjectKind::VertexElements)? {
            Some(Object::VertexElements(x)) => b.vertex_elements = Some(x),
            _ => b.vertex_elements = None,
        },
    }
    Ok(())
}

/// BIND_SHADER: a complete shader of the same stage (0 unbinds).
pub(super) fn bind_shader(r: &mut Renderer, ctx_id: u32, handle: u32, t: ShaderType) -> CmdResult {
    let sub = r.context(ctx_id)?.sub();
    let slot = stage_index(t);
    if handle == 0 {
        sub.bound.shaders[slot] = None;
        return Ok(());
    }
    match sub.objects.expect(handle, ObjectKind::Shader) {
        Ok(Object::Shader(s)) if s.stage == t => {
            sub.bound.shaders[slot] = Some(s.clone());
            Ok(())
        }
        Ok(Object::Shader(s)) => Err(fail(
            ERROR_CTX_ILLEGAL_HANDLE,
            format!("bind shader {handle}: a {:?} shader bound as {t:?}", s.stage),
        )),
        Ok(_) => Err(fail(
            ERROR_CTX_ILLEGAL_HANDLE,
            format!("bind shader {handle}: its text is incomplete"),
        )),
        Err(e) => Err(lookup_err("bind shader", handle, e)),
    }
}

/// The objects of `kind` under `handles` (0: an empty slot), each as `pick` takes it.
fn lookup_all<T>(
    objects: &crate::renderer::objects::ObjectTable,
    handles: &[u32],
    kind: ObjectKind,
    pick: impl Fn(&Object) -> Option<T>,
) -> Result<Vec<Option<T>>, Fail> {
    let mut items = Vec::with_capacity(handles.len());
    for &h in handles {
        items.push(match h {
            0 => None,
            h => match objects.expect(h, kind) {
                Ok(o) => pick(o),
                Err(e) => return Err(lookup_err(kind.name(), h, e)),
            },
        });
    }
    Ok(items)
}

/// SET_SAMPLER_VIEWS: views from `start` (0 handles unbind).
pub(super) fn set_sampler_views(
    r: &mut Renderer,
    ctx_id: u32,
    t: ShaderType,
    start: u32,
    handles: &[u32],
) -> CmdResult {
    let sub = r.context(ctx_id)?.sub();
    let items = lookup_all(&sub.objects, handles, ObjectKind::SamplerView, |o| match o {
        Object::SamplerView(v) => Some(v.clone()),
        _ => None,
    })?;
    set_slots(&mut sub.bound.views[stage_index(t)], start as usize, items);
    Ok(())
}

/// BIND_SAMPLER_STATES: sampler states from `start` (0 handles unbind).
pub(super) fn bind_sampler_states(
    r: &mut Renderer,
    ctx_id: u32,
    t: ShaderType,
    start: u32,
    handles: &[u32],
) -> CmdResult {
    let sub = r.context(ctx_id)?.sub();
    let items = lookup_all(&sub.objects, handles, ObjectKind::SamplerState, |o| match o {
        Object::SamplerState(s) => Some(s.clone()),
        _ => None,
    })?;
    set_slots(&mut sub.bound.samplers[stage_index(t)], start as usize, items);
    Ok(())
}

/// Checks that every vertex buffer names an attached resource (0: an empty slot).
pub(super) fn check_vertex_buffers(
    r: &Renderer,
    ctx_id: u32,
    vbs: &[crate::model::protocol::VertexBuffer],
) -> CmdResult {
    for vb in vbs.iter().filter(|vb| vb.res_handle != 0) {
        if let Err(e) = attached(r, ctx_id, vb.res_handle) {
            return Err(Fail { code: Some(ERROR_CTX_ILLEGAL_RESOURCE), err: e.err });
        }
    }
    Ok(())
}
