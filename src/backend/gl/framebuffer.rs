//! Framebuffer attachments: a level (a layer, or every layer: layered rendering) of a
//! resource's texture at one attachment point (see [`crate::model::gl_state::SurfaceLayers`]
//! for how a surface's layer range becomes one).

use super::draw::OutKind;
use super::GlBackend;
use glow::HasContext;

/// One framebuffer attachment: a level (and a layer, or all its layers) of a resource's
/// texture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub name: u32,
    /// The texture's GL target.
    pub target: u32,
    pub level: u32,
    /// Layer (array, 3-D) or face (cube); ignored for other targets and when `layered`.
    pub layer: u32,
    /// Layers of the surface from `layer` (at least 1, within the level). More than one
    /// without `layered`: a sub-range GL cannot attach, attached as `layer` (clears visit
    /// each layer: [`Attachment::each_layer`]).
    pub layers: u32,
    /// Attached with every layer of the level (`glFramebufferTexture`): `gl_Layer` picks
    /// the layer a primitive renders to, clears clear them all.
    pub layered: bool,
    pub kind: OutKind,
    /// For the depth/stencil slot: `GL_DEPTH_ATTACHMENT`, `GL_STENCIL_ATTACHMENT` or
    /// `GL_DEPTH_STENCIL_ATTACHMENT` (ignored for colour slots).
    pub zs_point: u32,
    /// Stored channel c takes colour component `[c]` (storage in another channel order:
    /// [`crate::model::gl_state::output_swizzle`]); `None`: as written.
    pub swizzle: Option<[u8; 4]>,
    /// The surface views sRGB storage through the linear format (VIRGL_CAP_SRGB_WRITE_CONTROL:
    /// the guest's GL_FRAMEBUFFER_SRGB is off): writes store the values unencoded.
    pub linear_view: bool,
}

impl Attachment {
    /// The attachments a clear of this one binds in turn: itself, or each layer of a
    /// sub-range attached as one layer (at most the level's layers).
    pub fn each_layer(self) -> impl Iterator<Item = Attachment> {
        let n = if self.layered { 1 } else { self.layers.max(1) };
        (0..n).map(move |i| match n {
            1 => self,
            _ => Attachment { layer: self.layer.saturating_add(i), layers: 1, ..self },
        })
    }
}

/// Attaches `a` (or nothing) at `point` of the framebuffer bound to `fb`: every layer of a
/// level when `a.layered`, else a cube face, a layer of an array or 3-D texture, or the
/// level of any other texture.
pub(super) fn attach(gl: &glow::Context, fb: u32, point: u32, a: Option<&Attachment>) {
    // SAFETY: the caller made the context current and bound a framebuffer of its own to
    // `fb`; the name is a live texture of a resource (or none).
    unsafe {
        let Some(a) = a else {
            gl.framebuffer_texture(fb, point, None, 0);
            return;
        };
        let (tex, level) = (GlBackend::texture(a.name), a.level as i32);
        if a.layered {
            gl.framebuffer_texture(fb, point, tex, level);
            return;
        }
        match a.target {
            glow::TEXTURE_CUBE_MAP => {
                let face = glow::TEXTURE_CUBE_MAP_POSITIVE_X + a.layer.min(5);
                gl.framebuffer_texture_2d(fb, point, face, tex, level)
            }
            glow::TEXTURE_3D
            | glow::TEXTURE_1D_ARRAY
            | glow::TEXTURE_2D_ARRAY
            | glow::TEXTURE_CUBE_MAP_ARRAY
            | glow::TEXTURE_2D_MULTISAMPLE_ARRAY => {
                gl.framebuffer_texture_layer(fb, point, tex, level, a.layer as i32)
            }
            _ => gl.framebuffer_texture(fb, point, tex, level),
        }
    }
}

/// Whether writes to `cbufs` encode sRGB (`GL_FRAMEBUFFER_SRGB`): unless a colour buffer is
/// a linear view of sRGB storage. GL has one switch for all buffers; linear storage ignores
/// it.
pub fn srgb_writes(cbufs: &[Option<Attachment>]) -> bool {
    !cbufs.iter().flatten().any(|a| a.linear_view)
}

/// `v` reordered for storage through `swizzle` (see [`Attachment::swizzle`]).
pub fn swizzled<T: Copy>(v: [T; 4], swizzle: Option<[u8; 4]>) -> [T; 4] {
    match swizzle {
        Some(s) => s.map(|i| v[usize::from(i & 3)]),
        None => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(layer: u32, layers: u32, layered: bool) -> Attachment {
        Attachment {
            name: 1,
            target: glow::TEXTURE_2D_ARRAY,
            level: 0,
            layer,
            layers,
            layered,
            kind: OutKind::Float,
            zs_point: 0,
            swizzle: None,
            linear_view: false,
        }
    }

    #[test]
    fn clears_visit_sub_ranges_layer_by_layer() {
        let layers =
            |x: Attachment| x.each_layer().map(|y| (y.layer, y.layers)).collect::<Vec<_>>();
        assert_eq!(layers(a(0, 6, true)), [(0, 6)]);
        assert_eq!(layers(a(3, 1, false)), [(3, 1)]);
        assert_eq!(layers(a(2, 3, false)), [(2, 1), (3, 1), (4, 1)]);
        assert_eq!(layers(a(0, 0, false)), [(0, 0)]);
    }
}
