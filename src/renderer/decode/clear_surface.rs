//! CLEAR_SURFACE (gallium's `clear_render_target` / `clear_depth_stencil`): a rectangle
//! of one SURFACE object cleared, whatever the framebuffer, scissor and write masks are.
//! Mesa sends it from `host_feature_check_version` 21 on.
//!
//! What upstream does (virglrenderer 1.x `vrend_clear_surface`), and what is done here:
//! - skipped when the command asks for the render condition and the condition fails
//!   (done in [`super::execute`] through [`super::cond`]);
//! - the surface handle must name a SURFACE object of the current sub-context (here:
//!   ILLEGAL_SURFACE and EINVAL otherwise, as for every executed command that fails);
//! - the rectangle is (x, y, width, height) in the resource's rows as stored (a scissor;
//!   no flip), clipped to the surface's level here before anything reaches GL;
//! - colour (`PIPE_CLEAR_COLOR0`) from the four colour words; depth from words 0-1 as an
//!   f64, stencil from word 3.
//!
//! Each layer of the surface's range is cleared (gallium's rule for a surface of several
//! layers). On the CPU backend (which claims no 3D, so no guest sends this) the command is
//! refused honestly as unsupported.

use super::draw::{attachment, attachments, check_fb_attached, gl_fail};
use super::query::own_queries;
use super::{attached, fail, skip, CmdResult};
use crate::backend::gl::draw::ClearCall;
use crate::error::Error;
use crate::model::format::{self, Kind};
use crate::model::protocol::{ccmd, Clear, ClearSurface};
use crate::renderer::context::ERROR_CTX_ILLEGAL_SURFACE;
use crate::renderer::Renderer;

/// `PIPE_CLEAR_*` bits CLEAR_SURFACE uses.
const CLEAR_DEPTH: u8 = 1 << 0;
const CLEAR_STENCIL: u8 = 1 << 1;
const CLEAR_COLOR0: u8 = 1 << 2;

/// The part of `[start, start + len)` inside `[0, extent)`, as (start, len); `None` when
/// empty. Pure arithmetic on guest numbers: no overflow for any input.
pub fn clip_span(start: u32, len: u32, extent: u32) -> Option<(u32, u32)> {
    let end = start.saturating_add(len).min(extent);
    (start < end).then(|| (start, end - start))
}

pub(super) fn clear_surface(r: &mut Renderer, ctx_id: u32, c: &ClearSurface) -> CmdResult {
    let s = r.context(ctx_id)?.sub_unchanged().objects.surface(c.surface_handle).map_err(|_| {
        fail(ERROR_CTX_ILLEGAL_SURFACE, format!("CLEAR_SURFACE: no surface {}", c.surface_handle))
    })?;
    attached(r, ctx_id, s.res)?;
    let kind = format::lookup(s.format).map(|f| f.kind);
    let is_zs = matches!(kind, Some(Kind::Depth | Kind::Stencil | Kind::DepthStencil));
    let wants_color = c.buffers & CLEAR_COLOR0 != 0;
    let wants_zs = c.buffers & (CLEAR_DEPTH | CLEAR_STENCIL) != 0;
    if (wants_color && (is_zs || kind != Some(Kind::Color))) || (wants_zs && !is_zs) {
        return Err(fail(
            ERROR_CTX_ILLEGAL_SURFACE,
            format!("CLEAR_SURFACE: buffers {:#x} on a surface of format {}", c.buffers, s.format),
        ));
    }
    if !(wants_color || wants_zs) {
        return Ok(());
    }
    if r.backend.gl_mut().is_none() {
        skip(r, ctx_id, (ccmd::CLEAR_SURFACE, 0), "CLEAR_SURFACE on a backend without GL");
        return Ok(());
    }
    own_queries(r, ctx_id)?;
    let Renderer { backend, resources, .. } = r;
    let gl = backend.gl_mut().expect("checked above");
    let (a, _) = attachment(gl, resources, &s)?;
    let desc = resources.get(&s.res).map(|res| res.desc).ok_or_else(|| {
        fail(ERROR_CTX_ILLEGAL_SURFACE, format!("CLEAR_SURFACE: resource {}", s.res))
    })?;
    let (lw, lh, _) = crate::model::transfer::level_extent(&desc, s.level);
    let (Some((x, w)), Some((y, h))) = (clip_span(c.x, c.width, lw), clip_span(c.y, c.height, lh))
    else {
        return Ok(());
    };
    // Level extents are texture sizes (far below i32::MAX): the casts keep the values.
    let rect = Some([x as i32, y as i32, w as i32, h as i32]);
    let cbufs = [wants_color.then_some(a)];
    let depth = f64::from_bits(u64::from(c.color[0]) | u64::from(c.color[1]) << 32);
    let call = ClearCall {
        cbufs: if wants_color { &cbufs } else { &[] },
        zs: wants_zs.then_some(a),
        buffers: u32::from(c.buffers),
        color: c.color,
        depth,
        stencil: c.color[3],
        rect,
    };
    gl.clear_attachments(&call).map_err(gl_fail)
}

/// CLEAR on the GL backend.
pub(super) fn clear_gl(r: &mut Renderer, ctx_id: u32, c: &Clear) -> CmdResult {
    own_queries(r, ctx_id)?;
    let fb = r.context(ctx_id)?.sub_unchanged().fb.clone();
    let Renderer { backend, resources, contexts, .. } = r;
    let set = &contexts.get(&ctx_id).ok_or_else(|| Error::inval("unknown context"))?.resources;
    check_fb_attached(resources, set, ctx_id, &fb)?;
    let gl = backend.gl_mut().expect("callers check for GL");
    let (cbufs, zs) = attachments(gl, resources, &fb)?;
    let call = ClearCall {
        cbufs: &cbufs,
        zs,
        buffers: c.buffers,
        color: c.color,
        depth: c.depth,
        stencil: c.stencil,
        rect: None,
    };
    gl.clear_attachments(&call).map_err(gl_fail)
}

#[cfg(test)]
mod tests {
    use super::clip_span;

    #[test]
    fn spans_clip_to_the_level() {
        assert_eq!(clip_span(2, 4, 16), Some((2, 4)));
        assert_eq!(clip_span(12, 10, 16), Some((12, 4)));
        assert_eq!(clip_span(16, 1, 16), None);
        assert_eq!(clip_span(3, 0, 16), None);
        assert_eq!(clip_span(u32::MAX, u32::MAX, 16), None);
        assert_eq!(clip_span(0, u32::MAX, 16), Some((0, 16)));
    }
}
