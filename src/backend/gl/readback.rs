//! Readbacks: FBO + ReadPixels for colour formats (straight into guest memory when it
//! can), else glGetTextureSubImage of the box, else glGetTexImage of the whole level.

use super::staging::{bands, flipped, gl_box, scatter, zeroed};
use super::{gi, usize_of, GlBackend, GlStorage, Readback};
use crate::error::{Error, Result};
use crate::model::format::{FormatInfo, Kind};
use crate::model::resource::{ResourceDesc, Target};
use crate::model::transfer::{self, Layout, Plan};
use crate::sys::iov::IovList;
use glow::HasContext;
use std::ffi::c_void;

/// `GL_PACK_INVERT_MESA` (GL_MESA_pack_invert): ReadPixels returns rows top-down.
const PACK_INVERT_MESA: u32 = 0x8758;

impl GlBackend {
    /// Sets the pack pixel-store state: rows `row_len` texels apart (0 = packed), top-down
    /// when `invert` (only with GL_MESA_pack_invert), no pack buffer, alignment 1, no skips.
    /// Cached like [`Self::set_unpack_state`].
    pub(super) fn set_pack_state(&self, row_len: i32, invert: bool) {
        let invert = invert && self.pack_invert;
        let cached = self.pack.get();
        let single = self.single_context();
        if single && cached == Some((row_len, invert)) {
            return;
        }
        // SAFETY: context current; plain pixel-store state (PACK_INVERT_MESA only when the
        // extension is present).
        unsafe {
            if cached.is_none() || !single {
                self.gl.bind_buffer(glow::PIXEL_PACK_BUFFER, None);
                self.gl.pixel_store_i32(glow::PACK_ALIGNMENT, 1);
                self.gl.pixel_store_i32(glow::PACK_SKIP_PIXELS, 0);
                self.gl.pixel_store_i32(glow::PACK_SKIP_ROWS, 0);
                // OpenGL ES has no 3D pack state (its readbacks are ReadPixels only).
                if !self.is_es() {
                    self.gl.pixel_store_i32(glow::PACK_IMAGE_HEIGHT, 0);
                    self.gl.pixel_store_i32(glow::PACK_SKIP_IMAGES, 0);
                }
            }
            self.gl.pixel_store_i32(glow::PACK_ROW_LENGTH, row_len);
            if self.pack_invert {
                self.gl.pixel_store_i32(PACK_INVERT_MESA, invert as i32);
            }
        }
        self.pack.set(Some((row_len, invert)));
    }

    /// True when the format reads back exactly through ReadPixels. ReadPixels converts
    /// signed normalised texels through floats (-128 comes back as -127), so those formats,
    /// like non-colour ones, take another path.
    /// On OpenGL ES (no other path) depth and stencil formats read back this way too,
    /// where the host's probe read them (see `gles`).
    fn fbo_readable(&self, desc: &ResourceDesc) -> bool {
        let fmt = desc.format;
        if self.is_es() && fmt.is_depth_or_stencil() {
            return !self.limits.no_readback.contains(fmt.id);
        }
        fmt.kind == Kind::Color && !fmt.is_compressed() && !fmt.name.contains("SNORM")
    }

    /// Binds a framebuffer object to `GL_READ_FRAMEBUFFER`: the kept one while a single
    /// context exists, else a new one that [`Self::unbind_read_fbo`] deletes.
    fn bind_read_fbo(&mut self) -> Result<glow::NativeFramebuffer> {
        let fbo = match self.fbo {
            Some(f) if self.single_context() => f,
            _ => {
                // SAFETY: context current.
                let f = unsafe { self.gl.create_framebuffer() }
                    .map_err(|e| Error::nomem(format!("glGenFramebuffers: {e}")))?;
                if self.single_context() && self.fbo.is_none() {
                    self.fbo = Some(f);
                }
                f
            }
        };
        // SAFETY: context current; `fbo` is ours.
        unsafe { self.gl.bind_framebuffer(glow::READ_FRAMEBUFFER, Some(fbo)) };
        Ok(fbo)
    }

    /// Detaches the texture (so a deleted texture's memory is not kept alive by the
    /// attachment), unbinds, and deletes `fbo` unless it is the kept one.
    fn unbind_read_fbo(&self, fbo: glow::NativeFramebuffer) {
        let rfb = glow::READ_FRAMEBUFFER;
        // SAFETY: context current; `fbo` is ours and bound to `rfb`.
        unsafe {
            self.gl.framebuffer_texture(rfb, glow::COLOR_ATTACHMENT0, None, 0);
            if self.is_es() {
                // Depth/stencil readbacks attach there (ES only).
                self.gl.framebuffer_texture(rfb, glow::DEPTH_STENCIL_ATTACHMENT, None, 0);
            }
            self.gl.bind_framebuffer(rfb, None);
            if self.fbo != Some(fbo) {
                self.gl.delete_framebuffer(fbo);
            }
        }
    }

    /// FBO + ReadPixels of each layer of the box into `dst`: rows `row_len` texels apart
    /// (0 = packed), layer `l` at `l * layer_pitch`, rows top-down in GL's order reversed when
    /// `invert` (callers pass it only with GL_MESA_pack_invert). Returns false, having written
    /// nothing, when the texture cannot be attached as a complete colour framebuffer.
    ///
    /// # Safety
    /// `dst` must be valid for writes of `len` bytes, and `len` must hold every layer's rows
    /// as laid out above (GL is told `len` minus the layer's offset as its bound).
    #[allow(clippy::too_many_arguments)]
    unsafe fn read_fbo(
        &mut self,
        desc: &ResourceDesc,
        st: &GlStorage,
        plan: &Plan,
        dst: *mut u8,
        len: usize,
        row_len: i32,
        layer_pitch: usize,
        invert: bool,
    ) -> Result<bool> {
        let fmt = desc.format;
        let f = Self::glfmt(desc)?;
        let b = gl_box(desc, plan);
        let (x, w) = (gi(b.x, "x")?, gi(b.w, "w")?);
        let (y, h) = match desc.target {
            Target::Tex1D | Target::Tex1DArray => (0, 1),
            _ => (gi(b.y, "y")?, gi(b.h, "h")?),
        };
        let lv = gi(plan.level, "level")?;
        let tex = Self::texture(st.name);
        let rfb = glow::READ_FRAMEBUFFER;
        let layers = u32::try_from(plan.layers).map_err(|_| Error::inval("too many layers"))?;
        let last = (layers as usize).saturating_sub(1);
        if last.checked_mul(layer_pitch).is_none_or(|o| o >= len) {
            return Err(Error::inval("readback destination shorter than the box"));
        }
        self.set_pack_state(row_len, invert);
        let fbo = self.bind_read_fbo()?;
        let mut complete = true;
        // SAFETY: context current; the FBO is ours. Layer `l` starts at `l * layer_pitch`,
        // inside `dst` (checked above), and ReadPixels writes its rows as the pack state
        // says; glReadnPixels is told the bytes left from there (caller's contract: enough).
        unsafe {
            for l in 0..layers {
                let att = super::gles::read_attachment(&f);
                match desc.target {
                    Target::Tex2D | Target::Rect if self.is_es() => {
                        self.gl.framebuffer_texture_2d(rfb, att, glow::TEXTURE_2D, tex, lv)
                    }
                    Target::Tex1D | Target::Tex2D | Target::Rect => {
                        self.gl.framebuffer_texture(rfb, att, tex, lv)
                    }
                    Target::Cube => {
                        let face = glow::TEXTURE_CUBE_MAP_POSITIVE_X + b.z + l;
                        self.gl.framebuffer_texture_2d(rfb, att, face, tex, lv)
                    }
                    _ => self.gl.framebuffer_texture_layer(rfb, att, tex, lv, (b.z + l) as i32),
                }
                if l == 0 && self.gl.check_framebuffer_status(rfb) != glow::FRAMEBUFFER_COMPLETE {
                    complete = false;
                    break;
                }
                let off = l as usize * layer_pitch;
                let p = dst.add(off).cast::<c_void>();
                let room = i32::try_from(len - off).unwrap_or(i32::MAX);
                match self.raw.readn_pixels {
                    Some(readn) => readn(x, y, w, h, f.format, f.ty, room, p),
                    None => (self.raw.read_pixels)(x, y, w, h, f.format, f.ty, p),
                }
            }
        }
        self.unbind_read_fbo(fbo);
        if !complete {
            // Drop any error the incomplete framebuffer caused.
            let _ = self.check("framebuffer");
            return Ok(false);
        }
        self.check(format_args!("glReadPixels of {}", fmt.name))?;
        Ok(true)
    }

    /// Reads the box straight into guest memory when one iovec holds it, its rows are whole
    /// texels apart and no flip is needed (or GL_MESA_pack_invert does it). Returns false
    /// when it did not apply (nothing written).
    fn read_fbo_direct(
        &mut self,
        desc: &ResourceDesc,
        st: &GlStorage,
        plan: &Plan,
        dst: &IovList,
    ) -> Result<bool> {
        let flip = flipped(desc);
        if plan.layers != 1
            || !matches!(desc.target, Target::Tex2D | Target::Rect)
            || (flip && !self.pack_invert)
        {
            return Ok(false);
        }
        let bpp = desc.format.block_bytes as u64;
        let stride = plan.guest.stride;
        let Some(row_len) =
            (bpp != 0 && stride % bpp == 0).then(|| i32::try_from(stride / bpp).ok()).flatten()
        else {
            return Ok(false);
        };
        let Some(ptr) = dst.contiguous(plan.guest.offset, plan.guest_span) else {
            return Ok(false);
        };
        let len = usize_of(plan.guest_span, "box span")?;
        // SAFETY: `contiguous` checked that one guest iovec holds the box's `guest_span`
        // bytes from `ptr`; with rows `stride` bytes apart (`row_len` texels) the box's
        // single layer ends exactly there.
        unsafe { self.read_fbo(desc, st, plan, ptr, len, row_len, 0, flip) }
    }

    /// glGet(Compressed)TextureSubImage of the box into packed rows in `buf`, which holds
    /// exactly the packed box; false without GL 4.5.
    fn read_sub_image(
        &self,
        desc: &ResourceDesc,
        st: &GlStorage,
        plan: &Plan,
        buf: &mut [u8],
    ) -> Result<bool> {
        let (Some(get), Some(get_c)) =
            (self.raw.get_texture_sub_image, self.raw.get_compressed_texture_sub_image)
        else {
            return Ok(false);
        };
        if buf.len() as u64 != plan.packed_size() {
            return Err(Error::inval("staging buffer does not match the box"));
        }
        let f = Self::glfmt(desc)?;
        let b = gl_box(desc, plan);
        let len = gi(buf.len() as u64, "readback size")?;
        let (x, w) = (gi(b.x, "x")?, gi(b.w, "w")?);
        let (y, z, h, d) = match desc.target {
            Target::Tex1D => (0, 0, 1, 1),
            Target::Tex1DArray => (gi(b.z, "z")?, 0, gi(b.d, "d")?, 1),
            Target::Tex2D | Target::Rect => (gi(b.y, "y")?, 0, gi(b.h, "h")?, 1),
            _ => (gi(b.y, "y")?, gi(b.z, "z")?, gi(b.h, "h")?, gi(b.d, "d")?),
        };
        let lv = gi(plan.level, "level")?;
        self.set_pack_state(0, false);
        let p = buf.as_mut_ptr().cast::<c_void>();
        // SAFETY: context current, texture ours; GL writes the packed box (PACK_ALIGNMENT 1,
        // no pack buffer), `len` bytes, and is told that bound.
        unsafe {
            if desc.format.is_compressed() {
                get_c(st.name, lv, x, y, z, w, h, d, len, p)
            } else {
                get(st.name, lv, x, y, z, w, h, d, f.format, f.ty, len, p)
            }
        }
        self.check(format_args!("glGetTextureSubImage of {}", desc.format.name))?;
        Ok(true)
    }

    /// glGet(Compressed)TexImage of the whole level (each face of the box for cubes);
    /// returns the bytes and where the box's rows are in them.
    fn read_level(
        &self,
        desc: &ResourceDesc,
        st: &GlStorage,
        plan: &Plan,
    ) -> Result<(Vec<u8>, Layout)> {
        let fmt: &FormatInfo = desc.format;
        let f = Self::glfmt(desc)?;
        let (get, get_c) = (self.raw.get_tex_image, self.raw.get_compressed_tex_image);
        if get.is_none() || get_c.is_none() {
            // OpenGL ES: no glGetTexImage; the capsets leave such formats out of the
            // readback mask (see `gles`).
            log::warn!("readback of {} refused: the OpenGL ES host cannot read it", fmt.name);
            return Err(Error::inval(format!(
                "the OpenGL ES host cannot read back {} (no glGetTexImage)",
                fmt.name
            )));
        }
        let b = gl_box(desc, plan);
        let (lw, lh, ld) = transfer::level_extent(desc, plan.level);
        let stride = fmt.stride(lw);
        let layer = crate::error::mul(stride, fmt.nblocksy(lh), "level layer")?;
        let cube = desc.target == Target::Cube;
        let images = if cube { b.d } else { ld };
        let mut buf = zeroed(crate::error::mul(layer, images as u64, "level size")?)?;
        let lv = gi(plan.level, "level")?;
        self.set_pack_state(0, false);
        let targets: Vec<(u32, usize)> = if cube {
            (0..b.d)
                .map(|i| (glow::TEXTURE_CUBE_MAP_POSITIVE_X + b.z + i, i as usize * layer as usize))
                .collect()
        } else {
            vec![(st.target, 0)]
        };
        // SAFETY: context current, texture bound; each call writes one image (a cube face)
        // or the whole level with PACK_ALIGNMENT 1: `layer` bytes per layer, exactly what
        // `buf` holds from the given offset.
        unsafe {
            self.gl.bind_texture(st.target, Self::texture(st.name));
            for (t, off) in targets {
                let p = buf.as_mut_ptr().add(off).cast::<c_void>();
                match (fmt.is_compressed(), get_c, get) {
                    (true, Some(get_c), _) => get_c(t, lv, p),
                    (false, _, Some(get)) => get(t, lv, f.format, f.ty, p),
                    // Not reached: checked before the buffer was made.
                    _ => {}
                }
            }
        }
        self.check(format_args!("glGetTexImage of {}", fmt.name))?;
        let z = if cube { 0 } else { b.z as u64 };
        let x = (b.x / fmt.block_width) as u64 * fmt.block_bytes as u64;
        let y = (b.y / fmt.block_height) as u64;
        let layout = Layout { offset: z * layer + y * stride + x, stride, layer_stride: layer };
        Ok((buf, layout))
    }

    pub(super) fn read_texture(
        &mut self,
        desc: &ResourceDesc,
        st: &GlStorage,
        plan: &Plan,
        dst: &IovList,
    ) -> Result<()> {
        let flip = flipped(desc);
        let fbo = matches!(self.readback, Readback::Auto | Readback::ReadPixels)
            && self.fbo_readable(desc);
        if fbo && self.read_fbo_direct(desc, st, plan, dst)? {
            return Ok(());
        }
        let sub_image = self.readback != Readback::WholeLevel;
        if fbo || sub_image {
            // Through staging, 2D boxes in bands of rows (as uploads: the scatter then reads
            // from the CPU cache what GL just wrote). Every band takes the same path, so
            // either all are read or the first reports false having written nothing.
            let mut done = false;
            for band in bands(desc, plan) {
                done = self.read_staged(desc, st, &band, dst, fbo, sub_image)?;
                if !done {
                    break;
                }
            }
            if done {
                return Ok(());
            }
        }
        let (buf, layout) = self.read_level(desc, st, plan)?;
        scatter(plan, &layout, flip, &buf, dst)
    }

    /// Reads the box into the staging buffer (FBO + ReadPixels when `fbo`, else
    /// GetTextureSubImage when `sub_image`) and scatters it to the guest; false when neither
    /// path can read it (nothing written).
    fn read_staged(
        &mut self,
        desc: &ResourceDesc,
        st: &GlStorage,
        plan: &Plan,
        dst: &IovList,
        fbo: bool,
        sub_image: bool,
    ) -> Result<bool> {
        let packed = plan.packed_layout();
        let flip = flipped(desc);
        let len = usize_of(plan.packed_size(), "box")?;
        let layer_pitch = usize_of(plan.row_bytes * plan.rows, "layer")?;
        let mut buf = self.take_staging(len as u64)?;
        // Each path below either fills all of `buf[..len]` (the packed box) and reports
        // true, reports false having written nothing, or fails; only a filled buffer is
        // scattered to the guest.
        let res = (|| {
            let invert = flip && self.pack_invert;
            if fbo {
                let (p, lp) = (buf.as_mut_ptr(), layer_pitch);
                // SAFETY: `buf` has room for `len` bytes, the box packed: layers
                // `layer_pitch` bytes apart.
                if unsafe { self.read_fbo(desc, st, plan, p, len, 0, lp, invert) }? {
                    let buf = &buf[..len];
                    return scatter(plan, &packed, flip && !invert, buf, dst).map(|_| true);
                }
            }
            if sub_image && self.read_sub_image(desc, st, plan, &mut buf[..len])? {
                return scatter(plan, &packed, flip, &buf[..len], dst).map(|_| true);
            }
            Ok(false)
        })();
        self.put_staging(buf);
        res
    }
}
