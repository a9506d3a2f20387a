//! BLITs from compressed textures (glGenerateMipmap of a DXT1 or RGTC cube map, whose levels
//! Mesa's virgl driver makes with BLITs into an uncompressed texture): glBlitFramebuffer
//! cannot read compressed storage, so the source image is read back decompressed
//! (glGetTextureSubImage into RGBA floats: GL decodes), uploaded into a temporary RGBA32F
//! texture, and blitted from there as asked.

use super::draw::Attachment;
use super::GlBackend;
use crate::error::{Error, Result};
use glow::HasContext;
use std::ffi::c_void;

/// Most bytes of decompressed source image one BLIT reads back (a 2048×2048 RGBA32F image).
pub const MAX_DECOMPRESSED_BYTES: u64 = 64 << 20;

impl GlBackend {
    /// Blits layer `src.layer` (a cube face, an array layer or a 3-D slice; 0 for a 2-D
    /// texture) of level `src.level` of the compressed texture `src`, whose level is
    /// `size` texels, into `dst` like [`GlBackend::blit_textures`]: the whole level image is
    /// read back decoded into RGBA floats (stored channels; missing ones 0, alpha 1) and
    /// uploaded into a temporary RGBA32F texture of the same size, which is blitted to
    /// `dst` with the same rectangles. The temporary texture is deleted whatever happens.
    /// Refused without GL 4.5's glGetTextureSubImage and beyond
    /// [`MAX_DECOMPRESSED_BYTES`].
    #[allow(clippy::too_many_arguments)]
    pub fn blit_decompressing(
        &mut self,
        src: Attachment,
        size: (u32, u32),
        dst: Attachment,
        src_rect: [i32; 4],
        dst_rect: [i32; 4],
        linear: bool,
        scissor: Option<[i32; 4]>,
    ) -> Result<()> {
        let Some(get) = self.raw.get_texture_sub_image else {
            return Err(Error::notsup("a blit from compressed storage needs glGetTextureSubImage"));
        };
        let bytes = u64::from(size.0) * u64::from(size.1) * 16;
        if bytes == 0 || bytes > MAX_DECOMPRESSED_BYTES {
            return Err(Error::notsup(format!(
                "a blit from a compressed level of {}x{} texels",
                size.0, size.1
            )));
        }
        let (w, h) = (size.0 as i32, size.1 as i32);
        let (level, layer) = (
            i32::try_from(src.level).map_err(|_| Error::inval("blit source level"))?,
            i32::try_from(src.layer).map_err(|_| Error::inval("blit source layer"))?,
        );
        let mut pixels = vec![0f32; (bytes / 4) as usize];
        self.begin()?;
        self.set_pack_state(0, false);
        let p = pixels.as_mut_ptr().cast::<c_void>();
        // SAFETY: context current; `src.name` is a live texture with level `level` and
        // layer `layer` (its attachment was made); GL writes at most `bytes` bytes (it is
        // told that bound) of tightly packed rows (PACK_ALIGNMENT 1, no pack buffer).
        unsafe {
            get(src.name, level, 0, 0, layer, w, h, 1, glow::RGBA, glow::FLOAT, bytes as i32, p)
        };
        self.check("glGetTextureSubImage of a compressed blit source")?;
        let tex_sub_image_2d = self.raw.tex_sub_image_2d;
        let tmp_like = Attachment { kind: super::draw::OutKind::Float, swizzle: None, ..src };
        self.with_temp_attachment(glow::RGBA32F, size, tmp_like, |gl, tmp| {
            gl.set_unpack_state(0, 0);
            // SAFETY: context current; the temporary texture (ours, bound here) has level 0
            // of `w`×`h` texels; `pixels` holds `w`·`h` RGBA floats, read with tight rows.
            unsafe {
                gl.gl.bind_texture(glow::TEXTURE_2D, GlBackend::texture(tmp.name));
                tex_sub_image_2d(
                    glow::TEXTURE_2D,
                    0,
                    0,
                    0,
                    w,
                    h,
                    glow::RGBA,
                    glow::FLOAT,
                    pixels.as_ptr().cast(),
                );
                gl.gl.bind_texture(glow::TEXTURE_2D, None);
            }
            gl.check("upload of a decompressed blit source")?;
            let tmp = Attachment { linear_view: src.linear_view, ..tmp };
            gl.blit_textures(tmp, dst, src_rect, dst_rect, glow::COLOR_BUFFER_BIT, linear, scissor)
        })
    }
}
