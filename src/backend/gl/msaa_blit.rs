//! BLITs with a multisample side that glBlitFramebuffer does not do in one step, done in two
//! through a temporary single-sample texture: resolves into another rectangle or format
//! (resolve first, then move), and single-sample sources scaled or mirrored into a
//! multisample destination (move first, then upsample: GL writes the source value into
//! every sample of a multisample draw framebuffer when the rectangles have one size).

use super::draw::Attachment;
use super::GlBackend;
use crate::error::{Error, Result};
use glow::HasContext;

impl GlBackend {
    /// A single-sample `TEXTURE_2D` of `internal` and `size` for one blit, and its name
    /// (the caller deletes it).
    fn temp_texture(&mut self, internal: u32, size: (u32, u32)) -> Result<glow::NativeTexture> {
        let (w, h) = (i32::try_from(size.0), i32::try_from(size.1));
        let (Ok(w @ 1..), Ok(h @ 1..)) = (w, h) else {
            return Err(Error::inval(format!("temporary blit texture of {size:?}")));
        };
        // SAFETY: context current (callers began); the texture is ours, unbound here.
        let tex = unsafe {
            let tex = self
                .gl
                .create_texture()
                .map_err(|e| Error::nomem(format!("glGenTextures: {e}")))?;
            self.gl.bind_texture(glow::TEXTURE_2D, Some(tex));
            self.gl.tex_storage_2d(glow::TEXTURE_2D, 1, internal, w, h);
            self.gl.bind_texture(glow::TEXTURE_2D, None);
            tex
        };
        if let Err(e) = self.check("temporary blit texture") {
            // SAFETY: the texture made above, attached nowhere.
            unsafe { self.gl.delete_texture(tex) };
            return Err(e);
        }
        Ok(tex)
    }

    /// Runs `steps` with a temporary single-sample `TEXTURE_2D` of `internal` and `size`,
    /// attached as `like` is (format, views) at level 0, layer 0; the texture is deleted
    /// whatever `steps` returns.
    pub(super) fn with_temp_attachment(
        &mut self,
        internal: u32,
        size: (u32, u32),
        like: Attachment,
        steps: impl FnOnce(&mut Self, Attachment) -> Result<()>,
    ) -> Result<()> {
        self.begin()?;
        let tex = self.temp_texture(internal, size)?;
        let tmp = Attachment {
            name: tex.0.get(),
            target: glow::TEXTURE_2D,
            level: 0,
            layer: 0,
            layers: 1,
            layered: false,
            ..like
        };
        let r = steps(self, tmp);
        // SAFETY: deleting the texture made above.
        unsafe { self.gl.delete_texture(tex) };
        // The draw framebuffer may still hold it (GL detaches a deleted texture only from
        // the bound framebuffers), and GL reuses the name for the next texture: the cache
        // of what is attached must not match a later temporary texture of the same name.
        self.draw.forget_attachments();
        r
    }

    /// A resolve glBlitFramebuffer refuses in one step (a multisample source into another
    /// rectangle, mirrored, or into another format): the source rectangle is resolved into
    /// a temporary single-sample `TEXTURE_2D` of `internal` and `size` (the source level's;
    /// same coordinates, as GL requires), which is then blitted to `dst` as asked. The
    /// temporary texture is deleted whatever happens.
    #[allow(clippy::too_many_arguments)]
    pub fn blit_resolving(
        &mut self,
        src: Attachment,
        dst: Attachment,
        internal: u32,
        size: (u32, u32),
        src_rect: [i32; 4],
        dst_rect: [i32; 4],
        mask: u32,
        linear: bool,
        scissor: Option<[i32; 4]>,
    ) -> Result<()> {
        let norm = normalized(src_rect);
        self.with_temp_attachment(internal, size, src, |gl, tmp| {
            gl.blit_textures(src, tmp, norm, norm, mask, false, None)?;
            gl.blit_textures(tmp, dst, src_rect, dst_rect, mask, linear, scissor)
        })
    }

    /// A single-sample source scaled or mirrored into a multisample destination: blitted as
    /// asked (scaling, mirroring, filtering, format and sRGB conversion) into a temporary
    /// single-sample `TEXTURE_2D` of the destination's `internal` format and level `size`,
    /// at the destination's coordinates, then upsampled into `dst` over the same rectangle
    /// (one format on both sides, stored values copied unconverted; the scissor applies
    /// there). The temporary texture is deleted whatever happens.
    #[allow(clippy::too_many_arguments)]
    pub fn blit_upsampling(
        &mut self,
        src: Attachment,
        dst: Attachment,
        internal: u32,
        size: (u32, u32),
        src_rect: [i32; 4],
        dst_rect: [i32; 4],
        mask: u32,
        linear: bool,
        scissor: Option<[i32; 4]>,
    ) -> Result<()> {
        let norm = normalized(dst_rect);
        let raw = |a: Attachment| Attachment { linear_view: true, ..a };
        self.with_temp_attachment(internal, size, dst, |gl, tmp| {
            gl.blit_textures(src, tmp, src_rect, dst_rect, mask, linear, None)?;
            gl.blit_textures(raw(tmp), raw(dst), norm, norm, mask, false, scissor)
        })
    }
}

/// (x0, y0, x1, y1) with x0 ≤ x1 and y0 ≤ y1.
fn normalized([x0, y0, x1, y1]: [i32; 4]) -> [i32; 4] {
    [x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)]
}
