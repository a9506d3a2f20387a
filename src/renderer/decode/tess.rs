//! Tessellation draws: which draws of patches or with tessellation stages run, and the
//! patch size and default levels they set (see `backend::gl::tess`).

use super::draw::Stages;
use crate::backend::gl::tess::PatchDraw;
use crate::backend::gl::GlBackend;
use crate::model::protocol::DrawVbo;
use crate::model::shader::MAX_PATCH_VERTICES;
use crate::renderer::state::Bound;

/// Why a draw is not run: (unsupported by the host rather than by the guest's state, why).
pub(super) type Refusal = (bool, &'static str);

/// `None` for a draw without tessellation; the patch to set for a draw of `GL_PATCHES`
/// with an evaluation stage; a refusal where GL would not draw (or cannot).
pub(super) fn patch_draw(
    gl: &GlBackend,
    bound: &Bound,
    st: &Stages<'_>,
    info: &DrawVbo,
    mode: u32,
) -> Result<Option<PatchDraw>, Refusal> {
    let patches = mode == glow::PATCHES;
    if !patches && st.tcs.is_none() && st.tes.is_none() {
        return Ok(None);
    }
    if !gl.tessellation() {
        return Err((true, "patches or tessellation stages on a host without tessellation"));
    }
    if st.tes.is_none() {
        return Err((false, "patches drawn without a tessellation evaluation stage"));
    }
    if !patches {
        return Err((false, "tessellation stages bound to a draw of other primitives"));
    }
    let vertices = info.tess.map_or(0, |t| t.vertices_per_patch);
    if !(1..=MAX_PATCH_VERTICES).contains(&vertices) {
        return Err((false, "vertices per patch outside 1..=32"));
    }
    let (outer, inner) = bound.tess_levels;
    Ok(Some(PatchDraw { vertices, outer, inner }))
}
