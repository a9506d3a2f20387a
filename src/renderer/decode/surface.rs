//! Objects (CREATE/BIND_OBJECT on the sub-context's table), SET_FRAMEBUFFER_STATE and
//! CLEAR of the bound surfaces.

use super::resource::{desc, fill, read_box, stage, write_box, Staged};
use super::{attached, fail, skip, CmdResult, Fail};
use crate::model::format::{self, FormatInfo};
use crate::model::pixel;
use crate::model::protocol::{ccmd, Clear, Object as Proto};
use crate::model::resource::Target;
use crate::model::transfer::{self, RawBox};
use crate::renderer::context::{ERROR_CTX_ILLEGAL_HANDLE, ERROR_CTX_ILLEGAL_SURFACE};
use crate::renderer::objects::{LookupError, Object, ObjectKind, Surface};
use crate::renderer::Renderer;

/// `PIPE_CLEAR_*` bits of CLEAR.
const CLEAR_DEPTH: u32 = 1 << 0;
const CLEAR_STENCIL: u32 = 1 << 1;
const CLEAR_COLOR0: u32 = 1 << 2;

fn describe(e: LookupError) -> String {
    match e {
        LookupError::Missing => "no such object".into(),
        LookupError::WrongKind(k) => format!("the handle names a {} object", k.name()),
    }
}

/// CREATE_OBJECT: surfaces are validated and stored with their value; other kinds are
/// refused (UNSUPPORTED_FUNCTION, logged once per type) and stored by kind, so the handle
/// is taken as upstream would take it.
pub(super) fn create_object(
    r: &mut Renderer,
    ctx_id: u32,
    handle: u32,
    object: &Proto<'_>,
) -> CmdResult {
    let type_id = object.type_id();
    let kind = ObjectKind::from_type_id(type_id)
        .ok_or_else(|| fail(ERROR_CTX_ILLEGAL_HANDLE, format!("object type {type_id}")))?;
    let stored = match object {
        Proto::Surface(s) | Proto::MsaaSurface(s) => {
            attached(r, ctx_id, s.res_handle)?;
            if format::lookup(s.format).is_none() {
                return Err(fail(
                    ERROR_CTX_ILLEGAL_SURFACE,
                    format!("surface format {}", s.format),
                ));
            }
            let surface = Surface {
                res: s.res_handle,
                format: s.format,
                level: s.level(),
                first_layer: s.first_layer(),
                last_layer: s.last_layer(),
            };
            Object::Surface { surface, msaa: kind == ObjectKind::MsaaSurface }
        }
        other => match super::state::create_state_object(r, ctx_id, handle, other)? {
            Some(o) => o,
            None => return Ok(()),
        },
    };
    let old =
        r.context(ctx_id)?.insert_object(handle, stored).map_err(|err| Fail { code: None, err })?;
    // A replaced query between BEGIN and END: its GL query ends with it (left active, it
    // would block its query type on the shared GL context).
    if let (Some(Object::Query(q)), Some(gl)) = (old, r.backend.gl_mut()) {
        gl.delete_queries(&q.active.into_iter().collect::<Vec<_>>());
    }
    Ok(())
}

pub(super) fn set_framebuffer(
    r: &mut Renderer,
    ctx_id: u32,
    zsurf_handle: u32,
    cbufs: &[u32],
) -> CmdResult {
    let sub = r.context(ctx_id)?.sub();
    let lookup = |h: u32| -> std::result::Result<Option<Surface>, Fail> {
        if h == 0 {
            return Ok(None);
        }
        sub.objects
            .surface(h)
            .map(Some)
            .map_err(|e| fail(ERROR_CTX_ILLEGAL_SURFACE, format!("surface {h}: {}", describe(e))))
    };
    let zsurf = lookup(zsurf_handle)?;
    let cbufs = cbufs.iter().map(|&h| lookup(h)).collect::<std::result::Result<Vec<_>, _>>()?;
    sub.fb.cbufs = cbufs;
    sub.fb.zsurf = zsurf;
    Ok(())
}

/// The box a surface covers: its level, all of it, its layers.
fn surface_stage(
    r: &Renderer,
    s: &Surface,
) -> std::result::Result<(Staged, &'static FormatInfo), Fail> {
    let d = desc(r, s.res)?;
    if d.target == Target::Buffer {
        return Err(fail(ERROR_CTX_ILLEGAL_SURFACE, "clear of a buffer surface"));
    }
    let view = format::lookup(s.format)
        .ok_or_else(|| fail(ERROR_CTX_ILLEGAL_SURFACE, format!("surface format {}", s.format)))?;
    if view.block_bytes != d.format.block_bytes || view.is_compressed() || d.format.is_compressed()
    {
        return Err(fail(
            ERROR_CTX_ILLEGAL_SURFACE,
            format!("surface format {} on a {} resource", view.name, d.format.name),
        ));
    }
    let (w, h, _) = transfer::level_extent(&d, s.level.min(31));
    let raw = RawBox { x: 0, y: 0, z: s.first_layer, w, h, d: s.last_layer - s.first_layer + 1 };
    Ok((stage(r, s.res, s.level, raw)?, view))
}

pub(super) fn clear(r: &mut Renderer, ctx_id: u32, c: &Clear) -> CmdResult {
    if r.backend.gl_mut().is_some() {
        return super::clear_surface::clear_gl(r, ctx_id, c);
    }
    let buffers = c.buffers;
    let stencil = c.stencil as u8;
    let fb = r.context(ctx_id)?.sub().fb.clone();
    for (i, cbuf) in fb.cbufs.iter().enumerate() {
        let Some(s) = cbuf else { continue };
        if buffers & (CLEAR_COLOR0 << i) == 0 {
            continue;
        }
        attached(r, ctx_id, s.res)?;
        let (st, view) = surface_stage(r, s)?;
        let Some(texel) = pixel::pack_color(view.id, c.color) else {
            skip(r, ctx_id, (ccmd::CLEAR, 1), &format!("CLEAR of a {} surface", view.name));
            continue;
        };
        let mut buf = fill(st.len, &texel)?;
        write_box(r, s.res, &st, &mut buf)?;
    }
    if let (Some(s), true) = (&fb.zsurf, buffers & (CLEAR_DEPTH | CLEAR_STENCIL) != 0) {
        attached(r, ctx_id, s.res)?;
        let (st, view) = surface_stage(r, s)?;
        let Some((has_z, has_s)) = pixel::depth_stencil_parts(view.id) else {
            skip(r, ctx_id, (ccmd::CLEAR, 2), &format!("CLEAR of a {} surface", view.name));
            return Ok(());
        };
        let z = (has_z && buffers & CLEAR_DEPTH != 0).then_some(c.depth);
        let sv = (has_s && buffers & CLEAR_STENCIL != 0).then_some(stencil);
        if z.is_none() && sv.is_none() {
            return Ok(());
        }
        // Keep the other component of a combined format: read, modify, write.
        let partial = (has_z && z.is_none()) || (has_s && sv.is_none());
        let bb = view.block_bytes as usize;
        let mut buf = if partial {
            read_box(r, s.res, &st)?
        } else {
            let mut t = vec![0u8; bb];
            pixel::write_depth_stencil(view.id, &mut t, z, sv);
            fill(st.len, &t)?
        };
        if partial {
            for px in buf.chunks_mut(bb) {
                pixel::write_depth_stencil(view.id, px, z, sv);
            }
        }
        write_box(r, s.res, &st, &mut buf)?;
    }
    Ok(())
}
