//! BLITs that filter across layers (glGenerateMipmap of a 3-D texture: Mesa's virgl driver
//! makes each level with one linear BLIT from a box two layers deep into a box one layer
//! deep). glBlitFramebuffer filters within one layer only, so the two source layers that
//! surround a destination layer's centre are each blitted (scaled, linear) into a
//! temporary RGBA32F texture of the destination rectangle's size, read back, mixed by their
//! weight, and the mix blitted into the destination.

use super::draw::Attachment;
use super::GlBackend;
use crate::error::{Error, Result};
use glow::HasContext;
use std::ffi::c_void;

/// Most texels of the destination rectangle of one layer-filtering BLIT (2048×2048).
pub const MAX_LAYER_BLEND_TEXELS: u64 = 1 << 22;

impl GlBackend {
    /// Blits `src` layers `srcs.0` and `srcs.1` (attachments of one level) with linear
    /// filtering into `dst`, weighting the second by `t` (in [0, 1]); rectangles as for
    /// [`GlBackend::blit_textures`] (a reversed pair mirrors), `scissor` on the destination.
    /// Colour only, non-integer storage (the caller checks, as for one glBlitFramebuffer
    /// between the two formats). The temporary textures are deleted whatever happens.
    #[allow(clippy::too_many_arguments)]
    pub fn blit_blending_layers(
        &mut self,
        srcs: (Attachment, Attachment),
        t: f32,
        dst: Attachment,
        src_rect: [i32; 4],
        dst_rect: [i32; 4],
        scissor: Option<[i32; 4]>,
    ) -> Result<()> {
        let [dx0, dy0, dx1, dy1] = dst_rect;
        let (w, h) =
            ((i64::from(dx1) - i64::from(dx0)).abs(), (i64::from(dy1) - i64::from(dy0)).abs());
        let texels = (w * h) as u64;
        if texels == 0 || texels > MAX_LAYER_BLEND_TEXELS {
            return Err(Error::notsup(format!("a layer-filtering blit of {w}x{h} texels")));
        }
        let size = (w as u32, h as u32);
        // The temporary rectangle keeps the destination's direction (mirroring).
        let (ox, oy) = (dx0.min(dx1), dy0.min(dy1));
        let tmp_rect = [dx0 - ox, dy0 - oy, dx1 - ox, dy1 - oy];
        let full = [0, 0, w as i32, h as i32];
        let linear_view = srcs.0.linear_view || dst.linear_view;
        let like =
            Attachment { kind: super::draw::OutKind::Float, swizzle: None, linear_view, ..dst };
        let mut mix = vec![0f32; (texels * 4) as usize];
        for (k, src) in [srcs.0, srcs.1].into_iter().enumerate() {
            let weight = if k == 0 { 1.0 - t } else { t };
            if weight == 0.0 {
                continue;
            }
            let mut layer = vec![0f32; mix.len()];
            self.with_temp_attachment(glow::RGBA32F, size, like, |gl, tmp| {
                let src = Attachment { linear_view, ..src };
                gl.blit_textures(src, tmp, src_rect, tmp_rect, glow::COLOR_BUFFER_BIT, true, None)?;
                gl.set_pack_state(0, false);
                let Some(get_tex_image) = gl.raw.get_tex_image else {
                    // OpenGL ES: no glGetTexImage to read the layer back.
                    log::warn!("a layer-filtering blit refused: the OpenGL ES host cannot read layers back");
                    return Err(Error::notsup("a layer-filtering blit on an OpenGL ES host"));
                };
                // SAFETY: context current; the temporary texture (ours, bound here) has
                // level 0 of `w`×`h` RGBA32F texels, which GL writes as tightly packed RGBA
                // floats (PACK_ALIGNMENT 1, no pack buffer): exactly `layer`'s length.
                unsafe {
                    gl.gl.bind_texture(glow::TEXTURE_2D, GlBackend::texture(tmp.name));
                    get_tex_image(
                        glow::TEXTURE_2D,
                        0,
                        glow::RGBA,
                        glow::FLOAT,
                        layer.as_mut_ptr().cast::<c_void>(),
                    );
                    gl.gl.bind_texture(glow::TEXTURE_2D, None);
                }
                gl.check("read back of a blit layer")
            })?;
            for (m, v) in mix.iter_mut().zip(&layer) {
                *m += weight * v;
            }
        }
        let tex_sub_image_2d = self.raw.tex_sub_image_2d;
        self.with_temp_attachment(glow::RGBA32F, size, like, |gl, tmp| {
            gl.set_unpack_state(0, 0);
            // SAFETY: context current; the temporary texture (ours, bound here) has level 0
            // of `w`×`h` texels; `mix` holds `w`·`h` RGBA floats, read with tight rows.
            unsafe {
                gl.gl.bind_texture(glow::TEXTURE_2D, GlBackend::texture(tmp.name));
                tex_sub_image_2d(
                    glow::TEXTURE_2D,
                    0,
                    0,
                    0,
                    w as i32,
                    h as i32,
                    glow::RGBA,
                    glow::FLOAT,
                    mix.as_ptr().cast(),
                );
                gl.gl.bind_texture(glow::TEXTURE_2D, None);
            }
            gl.check("upload of a blended blit layer")?;
            let to = [ox, oy, ox + w as i32, oy + h as i32];
            gl.blit_textures(tmp, dst, full, to, glow::COLOR_BUFFER_BIT, false, scissor)
        })
    }
}
