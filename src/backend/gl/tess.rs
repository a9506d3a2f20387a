//! Tessellation draws: the patch size and the default levels set before a draw of
//! `GL_PATCHES` (GL 4.0 desktop hosts; see [`GlBackend::tessellation`]).

use super::GlBackend;
use glow::HasContext;

/// What a draw of patches sets first.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PatchDraw {
    /// Vertices per patch, 1 ..= [`crate::model::shader::MAX_PATCH_VERTICES`] (checked by
    /// the caller; GL 4.0's minimum `GL_MAX_PATCH_VERTICES` is 32).
    pub vertices: u32,
    /// Default outer and inner levels (used when no control stage is bound).
    pub outer: [f32; 4],
    pub inner: [f32; 2],
}

impl GlBackend {
    /// Whether the host runs tessellation stages (desktop GL 4.0 or
    /// GL_ARB_tessellation_shader).
    pub fn tessellation(&self) -> bool {
        self.raw.patch_parameterfv.is_some()
    }

    /// Sets the patch size and default levels for the next draw.
    pub(super) fn set_patch(&self, p: &PatchDraw) {
        let Some(fv) = self.raw.patch_parameterfv else { return };
        let n = p.vertices.clamp(1, crate::model::shader::MAX_PATCH_VERTICES) as i32;
        // SAFETY: context current; the level arrays are as long as GL reads (4 and 2).
        unsafe {
            self.gl.patch_parameter_i32(glow::PATCH_VERTICES, n);
            fv(glow::PATCH_DEFAULT_OUTER_LEVEL, p.outer.as_ptr());
            fv(glow::PATCH_DEFAULT_INNER_LEVEL, p.inner.as_ptr());
        }
    }
}
