//! OpenGL ES hosts (`VIRGL_RENDERER_USE_GLES`, or a VMM context that is ES): what the backend
//! needs of the context, what it does instead of the desktop-only calls, and what it
//! refuses.
//!
//! The backend runs on OpenGL ES **3.2** (the context is asked for at 3.2, else 3.1, else
//! 3.0, and init fails with the reason below 3.2): 3.2 is the first version with everything
//! the draw and transfer paths call without a desktop equivalent — `glFramebufferTexture`,
//! `glDrawElementsInstancedBaseVertex`, `glTexStorage3DMultisample`, `glReadnPixels`,
//! border colours. Without `GL_EXT_clip_control` init fails too: every guest draw into a
//! window-system buffer is y-flipped, which the executor draws under `glClipControl`.
//!
//! What a desktop context does and an ES one does instead:
//! - **Readback**: no `glGetTexImage` / `glGetTextureSubImage`; formats read back through
//!   an FBO and `glReadnPixels` only, depth and stencil at their attachment point where
//!   the host reads them (`GL_NV_read_depth`, `_stencil`, `_depth_stencil`). Formats the
//!   context cannot read that way (compressed, SNORM, and any format whose ReadPixels the
//!   host refuses at init: [`probe_formats`]) are left out of the readback mask, and a
//!   readback of one fails with EINVAL.
//! - **Storage**: a format whose `glTexStorage2D` + `glTexSubImage2D` (the table's
//!   internal format and transfer pair) the host refuses at init (e.g. 16-bit normalised
//!   formats without `GL_EXT_texture_norm16`, `GL_DEPTH_COMPONENT32`) is left out of every
//!   mask and refused at resource creation; so are 1D, 1D-array and rectangle targets
//!   (ES has none). BGRA formats need nothing: the table stores them as RGBA8 with a
//!   swizzle and uploads the bytes as RGBA.
//! - **Buffers** read back through `glMapBufferRange` (no `glGetBufferSubData`).
//! - **Draw state** ES lacks ([`GlBackend::refuse_es_state`]): a draw asking for logic ops,
//!   64-bit float or BGRA-ordered vertex attributes (also left out of the vertex mask),
//!   polygon modes other than fill, point/line polygon offset, alpha-to-one, depth clamp
//!   (without `GL_EXT_depth_clamp`), a primitive restart index other than the all-ones one
//!   (ES restarts at the fixed index only), a first vertex provoking convention, a fixed
//!   point size other than 1 or a non-zero first instance fails with ENOTSUP and a log
//!   line. Smooth lines and polygons are quality hints ES has no switch for: drawn
//!   aliased. `GL_PROGRAM_POINT_SIZE`, `GL_MULTISAMPLE` and seamless cube filtering are
//!   always on in ES; `GL_FRAMEBUFFER_SRGB` is set only with `GL_EXT_sRGB_write_control`.
//! - **Samplers**: no `GL_TEXTURE_LOD_BIAS` sampler parameter (a non-zero bias is refused;
//!   the capsets claim a bias of 0).
//! - **Shaders**: the translator emits GLSL ES 3.00 (`VariantKey::glsl_es`) and refuses
//!   what ES 3.00 lacks; clip distances and user clip planes need
//!   `GL_EXT_clip_cull_distance` (`VariantKey::es_clip_distance`).
//! - **Capsets** (`model::caps`): level 1 with the masks above (no 64-bit float or
//!   BGRA-ordered vertex formats); point sizes 1.0 (the size
//!   comes from the vertex shader only); level 2 is not offered on an ES host (its
//!   contents claim desktop GL 3.3 features): the level-1 contents are served instead.

use super::GlBackend;
use crate::error::{Error, Result};
use crate::model::format::{self, FormatSet, Kind};
use crate::model::resource::MaxSizes;
use glow::HasContext;
use std::collections::HashSet;

/// `GL_DEPTH_CLAMP_EXT` (GL_EXT_depth_clamp): the desktop enum's value.
const DEPTH_CLAMP_EXT: u32 = 0x864F;

/// An OpenGL ES context: its version and the extensions the backend uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EsHost {
    /// (major, minor) of the context, 3.2 or newer.
    pub version: (u32, u32),
    /// `GL_EXT_depth_clamp`.
    pub depth_clamp: bool,
    /// `GL_EXT_sRGB_write_control`: `GL_FRAMEBUFFER_SRGB` can be switched.
    pub srgb_write_control: bool,
    /// `GL_EXT_clip_cull_distance` with 8 clip distances: vertex shaders write
    /// `gl_ClipDistance` (user clip planes, CLIPDIST); without it they are refused.
    pub clip_distance: bool,
}

impl EsHost {
    /// Checks that the backend can run on this ES context (see the module documentation);
    /// the reason otherwise.
    pub(super) fn check(
        gl: &glow::Context,
        version: (u32, u32),
        exts: &HashSet<String>,
        platform: &str,
    ) -> Result<Option<Self>> {
        let (major, minor) = version;
        if version < (3, 2) {
            return Err(Error::notsup(format!(
                "{platform} gives OpenGL ES {major}.{minor}; the GL backend needs OpenGL ES 3.2 \
                 (glFramebufferTexture, glDrawElementsInstancedBaseVertex, glReadnPixels)"
            )));
        }
        if !exts.contains("GL_EXT_clip_control") {
            return Err(Error::notsup(format!(
                "OpenGL ES {major}.{minor} on {platform} lacks GL_EXT_clip_control (flipped \
                 viewports)"
            )));
        }
        // SAFETY: a plain query on the current context.
        if unsafe { gl.get_parameter_i32(glow::MAX_DRAW_BUFFERS) } < 1 {
            return Err(Error::notsup("OpenGL ES context without draw buffers"));
        }
        Ok(Some(EsHost {
            version,
            depth_clamp: exts.contains("GL_EXT_depth_clamp"),
            srgb_write_control: exts.contains("GL_EXT_sRGB_write_control"),
            // SAFETY: a plain query on the current context.
            clip_distance: exts.contains("GL_EXT_clip_cull_distance")
                && unsafe { gl.get_parameter_i32(glow::MAX_CLIP_DISTANCES) } >= 8,
        }))
    }

    /// `RawGl::load`'s test on ES: desktop extensions named for entry points that are core
    /// in OpenGL ES 3.2 count as present; otherwise the extension itself.
    pub(super) fn has(&self, ext: &str, exts: &HashSet<String>) -> bool {
        matches!(
            ext,
            "GL_KHR_robustness"
                | "GL_ARB_texture_storage_multisample"
                | "GL_ARB_framebuffer_no_attachments"
        ) || exts.contains(ext)
    }

    /// What an ES host changes in the limits: the format probe ([`probe_formats`]), point
    /// sizes (1.0: no fixed-function size) and the LOD bias (no sampler parameter).
    ///
    /// # Safety
    /// The context of `gl` must be current on this thread.
    pub(super) unsafe fn adjust_limits(&self, gl: &glow::Context, limits: &mut MaxSizes) {
        limits.gles = true;
        limits.draw.point_size_range = [1.0, 1.0];
        limits.draw.max_texture_lod_bias = 0.0;
        // SAFETY: the caller's contract.
        let (unstored, no_readback) = unsafe { probe_formats(gl) };
        limits.unstored = unstored;
        limits.no_readback = no_readback;
        // Unstorable formats are no render targets either.
        for f in format::all() {
            if unstored.contains(f.id) {
                limits.unrenderable.insert(f.id);
                limits.render_extra.remove(f.id);
                limits.no_multisample.insert(f.id);
            }
        }
    }
}

/// Which formats of the table this ES context cannot store and upload (`glTexStorage2D`
/// and `glTexSubImage2D` with the table's pair raise an error), and which it cannot read
/// back through a framebuffer and `glReadPixels` (compressed and SNORM formats always;
/// others whose ReadPixels with the table's pair, at the format's attachment point, raises
/// an error).
///
/// # Safety
/// The context of `gl` must be current on this thread.
pub(super) unsafe fn probe_formats(gl: &glow::Context) -> (FormatSet, FormatSet) {
    let mut unstored = FormatSet::default();
    let mut no_readback = FormatSet::default();
    // (internal format, transfer format, type) → (stored, readable).
    type Probed = ((u32, u32, u32), (bool, bool));
    let mut seen: Vec<Probed> = Vec::new();
    for f in format::all() {
        let Some(g) = f.gl else { continue };
        let key = (g.internal, g.format, g.ty);
        let (stored, readable) = match seen.iter().find(|(k, _)| *k == key) {
            Some(&(_, r)) => r,
            None => {
                // SAFETY: the caller's contract.
                let r = unsafe { probe_one(gl, f) };
                seen.push((key, r));
                r
            }
        };
        // Depth and stencil read back where the probe's ReadPixels worked
        // (GL_NV_read_depth / _stencil / _depth_stencil).
        let fbo_kind = match f.kind {
            Kind::Color => !f.name.contains("SNORM"),
            Kind::Compressed => false,
            Kind::Depth | Kind::Stencil | Kind::DepthStencil => true,
        };
        if !stored {
            log::info!("OpenGL ES host cannot store {} ({:#x}): not claimed", f.name, g.internal);
            unstored.insert(f.id);
        }
        if !stored || !readable || !fbo_kind {
            no_readback.insert(f.id);
        }
    }
    (unstored, no_readback)
}

/// Where ReadPixels with `g`'s transfer pair reads from: a depth-stencil transfer needs
/// both (X8Z24 is depth-only storage read as DEPTH_STENCIL), a depth or stencil one its
/// own attachment, anything else colour attachment 0.
pub(super) fn read_attachment(g: &crate::model::format::GlFormat) -> u32 {
    match g.format {
        glow::DEPTH_STENCIL => glow::DEPTH_STENCIL_ATTACHMENT,
        glow::DEPTH_COMPONENT => glow::DEPTH_ATTACHMENT,
        glow::STENCIL_INDEX => glow::STENCIL_ATTACHMENT,
        _ => glow::COLOR_ATTACHMENT0,
    }
}

/// (stored and uploaded, read back through ReadPixels) for one format. Leaves no object,
/// binding or error behind.
///
/// # Safety
/// The context of `gl` must be current on this thread.
unsafe fn probe_one(gl: &glow::Context, f: &format::FormatInfo) -> (bool, bool) {
    let Some(g) = f.gl else { return (false, false) };
    let (w, h) = (f.block_width as i32, f.block_height as i32);
    let bytes = vec![0u8; f.block_bytes as usize];
    // SAFETY: the caller's contract; the texture and framebuffer are ours and deleted
    // below, the data holds one block (UNPACK_ALIGNMENT 1, no unpack buffer), the readback
    // buffer one texel of the table's pair, and the errors are drained.
    unsafe {
        super::context::drain_gl_errors(gl);
        let (Ok(tex), Ok(fbo)) = (gl.create_texture(), gl.create_framebuffer()) else {
            return (false, false);
        };
        gl.bind_buffer(glow::PIXEL_UNPACK_BUFFER, None);
        gl.pixel_store_i32(glow::UNPACK_ALIGNMENT, 1);
        gl.pixel_store_i32(glow::UNPACK_ROW_LENGTH, 0);
        gl.bind_texture(glow::TEXTURE_2D, Some(tex));
        gl.tex_storage_2d(glow::TEXTURE_2D, 1, g.internal, w, h);
        if f.is_compressed() {
            gl.compressed_tex_sub_image_2d(
                glow::TEXTURE_2D,
                0,
                0,
                0,
                w,
                h,
                g.internal,
                glow::CompressedPixelUnpackData::Slice(&bytes),
            );
        } else {
            gl.tex_sub_image_2d(
                glow::TEXTURE_2D,
                0,
                0,
                0,
                w,
                h,
                g.format,
                g.ty,
                glow::PixelUnpackData::Slice(Some(&bytes)),
            );
        }
        let stored = gl.get_error() == glow::NO_ERROR;
        gl.bind_texture(glow::TEXTURE_2D, None);
        let mut readable = false;
        if stored && f.kind != Kind::Compressed {
            let rfb = glow::READ_FRAMEBUFFER;
            gl.bind_framebuffer(rfb, Some(fbo));
            let att = read_attachment(&g);
            gl.framebuffer_texture_2d(rfb, att, glow::TEXTURE_2D, Some(tex), 0);
            if gl.check_framebuffer_status(rfb) == glow::FRAMEBUFFER_COMPLETE {
                gl.bind_buffer(glow::PIXEL_PACK_BUFFER, None);
                gl.pixel_store_i32(glow::PACK_ALIGNMENT, 1);
                gl.pixel_store_i32(glow::PACK_ROW_LENGTH, 0);
                // Room for one texel of any pair (at most 16 bytes) and then some.
                let mut out = [0u8; 64];
                gl.read_pixels(
                    0,
                    0,
                    1,
                    1,
                    g.format,
                    g.ty,
                    glow::PixelPackData::Slice(Some(&mut out)),
                );
                readable = gl.get_error() == glow::NO_ERROR;
            }
            gl.framebuffer_texture_2d(rfb, att, glow::TEXTURE_2D, None, 0);
            gl.bind_framebuffer(rfb, None);
        }
        gl.delete_framebuffer(fbo);
        gl.delete_texture(tex);
        super::context::drain_gl_errors(gl);
        (stored, readable)
    }
}

/// Whether OpenGL ES fetches the attribute as the desktop mapping describes it: not
/// `GL_DOUBLE` (no 64-bit attributes) and not the `GL_BGRA` size (desktop only).
pub fn es_vertex_attrib(a: &crate::model::gl_state::VertexAttribGl) -> bool {
    a.ty != glow::DOUBLE && a.size != glow::BGRA as i32
}

impl GlBackend {
    /// True on an OpenGL ES context.
    pub(super) fn is_es(&self) -> bool {
        self.es.is_some()
    }

    /// Fails with ENOTSUP (and a log line) when a draw asks for state an ES context cannot
    /// give it (see the module documentation); nothing on desktop GL.
    pub(super) fn refuse_es_state(&self, d: &super::draw::DrawCall<'_>) -> Result<()> {
        let Some(es) = self.es else { return Ok(()) };
        let (b, r) = (d.blend, d.rast);
        let fill = |m: u32| m == 0 || m == glow::FILL;
        let restart_ok = match (d.info.primitive_restart, d.index) {
            (true, Some(ix)) => {
                let all_ones = match ix.index_size {
                    1 => 0xff,
                    2 => 0xffff,
                    _ => u32::MAX,
                };
                d.info.restart_index == all_ones
            }
            _ => true,
        };
        let what = if b.logic_op.enabled && b.logic_op.op != glow::COPY {
            "logic ops"
        } else if !(fill(r.polygon_mode[0]) && fill(r.polygon_mode[1])) {
            "polygon modes other than fill"
        } else if r.offset.point || r.offset.line {
            "polygon offset for points or lines"
        } else if b.alpha_to_one {
            "alpha to one"
        } else if r.depth_clamp && !es.depth_clamp {
            "depth clamp (no GL_EXT_depth_clamp)"
        } else if !restart_ok {
            "a primitive restart index other than all ones"
        } else if r.provoking_vertex == glow::FIRST_VERTEX_CONVENTION {
            "the first-vertex provoking convention"
        } else if !r.program_point_size && r.point_size != 1.0 && d.mode == glow::POINTS {
            "a fixed point size other than 1"
        } else if d.info.start_instance != 0 {
            "a first instance other than 0"
        } else if d.vertices.iter().any(|v| !es_vertex_attrib(&v.attrib)) {
            "64-bit float or BGRA-ordered vertex attributes"
        } else {
            return Ok(());
        };
        log::warn!("draw refused: OpenGL ES host has no {what}");
        Err(Error::notsup(format!("draw needs {what}, which the OpenGL ES host lacks")))
    }

    fn set_cap(&self, cap: u32, on: bool) {
        // SAFETY: context current (callers'); `cap` is a capability this context knows.
        unsafe {
            if on {
                self.gl.enable(cap)
            } else {
                self.gl.disable(cap)
            }
        }
    }

    /// Sets `GL_DEPTH_CLAMP` (ES: only with `GL_EXT_depth_clamp`; a draw that needs it is
    /// refused before otherwise). The context must be current.
    pub(super) fn set_depth_clamp(&self, on: bool) {
        match self.es {
            None => self.set_cap(glow::DEPTH_CLAMP, on),
            Some(es) if es.depth_clamp => self.set_cap(DEPTH_CLAMP_EXT, on),
            Some(_) => {}
        }
    }

    /// Sets `GL_FRAMEBUFFER_SRGB` (ES: only with `GL_EXT_sRGB_write_control`; without it
    /// writes to sRGB buffers always encode). The context must be current.
    pub(super) fn set_framebuffer_srgb(&self, on: bool) {
        match self.es {
            Some(es) if !es.srgb_write_control => {}
            _ => self.set_cap(glow::FRAMEBUFFER_SRGB, on),
        }
    }

    /// Reads `out.len()` bytes at `offset` of the buffer bound to `target`:
    /// `glGetBufferSubData` on desktop GL, `glMapBufferRange` on ES.
    ///
    /// # Safety
    /// The context must be current and a buffer holding `offset + out.len()` bytes bound to
    /// `target`.
    pub(super) unsafe fn read_bound_buffer(
        &self,
        target: u32,
        offset: isize,
        out: *mut u8,
        len: usize,
    ) -> Result<()> {
        if let Some(get) = self.raw.get_buffer_sub_data {
            // SAFETY: the caller's contract; `out` holds `len` bytes.
            unsafe { get(target, offset, len as isize, out.cast()) };
            return Ok(());
        }
        if len == 0 {
            return Ok(());
        }
        let off = i32::try_from(offset).map_err(|_| Error::inval("buffer offset past 2 GiB"))?;
        let n = i32::try_from(len).map_err(|_| Error::inval("buffer range past 2 GiB"))?;
        // SAFETY: the caller's contract; the mapping covers [offset, offset + len), is read
        // once into `out` (which holds `len` bytes) and unmapped.
        unsafe {
            let p = self.gl.map_buffer_range(target, off, n, glow::MAP_READ_BIT);
            if p.is_null() {
                return Err(Error::inval("glMapBufferRange of the buffer failed"));
            }
            std::ptr::copy_nonoverlapping(p, out, len);
            self.gl.unmap_buffer(target);
        }
        Ok(())
    }
}
