//! GL storage of a resource: textures (immutable storage) and buffers, created
//! uninitialised and zero-filled lazily ([`GlStorage::clear_pending`]).

use super::staging::{zeroed, Src};
use super::{gi, GlBackend};
use crate::error::{Error, Result};
use crate::model::format::{GlFormat, Kind};
use crate::model::resource::{flags, ResourceDesc, Target};
use crate::model::transfer::{self, Box3, Plan};
use glow::HasContext;
use std::num::NonZeroU32;

/// A GL texture or buffer.
pub struct GlStorage {
    /// The GL object name (texture or buffer), reported as `tex_id`.
    pub name: u32,
    /// The texture target (`GL_TEXTURE_2D`, …), 0 for a buffer.
    pub target: u32,
    /// The contents are undefined (new or recycled storage): zero-filled before anything
    /// reads the object, before a write that does not cover all of it, and before the name
    /// leaves the library (`GlBackend::settle`). A write of the whole resource just clears
    /// the flag.
    pub clear_pending: bool,
    /// The name was handed out of the library (`tex_id` in `get_info`, a dma-buf export):
    /// the VMM may hold it, so the object is deleted, never recycled, when the resource goes.
    pub exposed: bool,
}

impl GlStorage {
    /// An object with defined contents that is not (yet) exposed.
    pub fn new(name: u32, target: u32) -> Self {
        GlStorage { name, target, clear_pending: false, exposed: false }
    }
}

pub(super) fn gl_target(desc: &ResourceDesc) -> u32 {
    let ms = desc.nr_samples > 1;
    match desc.target {
        Target::Buffer => 0,
        Target::Tex1D => glow::TEXTURE_1D,
        Target::Tex2D if ms => glow::TEXTURE_2D_MULTISAMPLE,
        Target::Tex2D => glow::TEXTURE_2D,
        Target::Tex3D => glow::TEXTURE_3D,
        Target::Cube => glow::TEXTURE_CUBE_MAP,
        Target::Rect => glow::TEXTURE_RECTANGLE,
        Target::Tex1DArray => glow::TEXTURE_1D_ARRAY,
        Target::Tex2DArray if ms => glow::TEXTURE_2D_MULTISAMPLE_ARRAY,
        Target::Tex2DArray => glow::TEXTURE_2D_ARRAY,
        Target::CubeArray => glow::TEXTURE_CUBE_MAP_ARRAY,
    }
}

impl GlBackend {
    pub(super) fn create_buffer(&mut self, desc: &ResourceDesc) -> Result<GlStorage> {
        let size = (desc.width as u64).max(1);
        // SAFETY: context current; the buffer is bound before use and deleted on failure.
        let buf = unsafe { self.gl.create_buffer() }
            .map_err(|e| Error::nomem(format!("glGenBuffers: {e}")))?;
        // Zero-filled lazily (see [`GlStorage::clear_pending`]).
        let st = GlStorage { clear_pending: true, ..GlStorage::new(buf.0.get(), 0) };
        if let Err(e) = self.init_buffer(desc, buf, size) {
            // SAFETY: deleting the buffer made above.
            unsafe { self.gl.delete_buffer(buf) };
            return Err(e);
        }
        Ok(st)
    }

    fn init_buffer(&self, desc: &ResourceDesc, buf: glow::NativeBuffer, size: u64) -> Result<()> {
        let t = glow::COPY_WRITE_BUFFER;
        let sz = isize::try_from(size).map_err(|_| Error::nomem("buffer too large"))?;
        // SAFETY: context current, `buf` is ours; NULL data means uninitialised storage,
        // which is zero-filled before first use (`clear_pending`).
        unsafe {
            self.gl.bind_buffer(t, Some(buf));
            if let Some(storage) = self.raw.buffer_storage {
                let mut bits = glow::DYNAMIC_STORAGE_BIT | glow::MAP_READ_BIT | glow::MAP_WRITE_BIT;
                if desc.flags & flags::MAP_PERSISTENT != 0 {
                    bits |= glow::MAP_PERSISTENT_BIT;
                }
                if desc.flags & flags::MAP_COHERENT != 0 {
                    bits |= glow::MAP_COHERENT_BIT | glow::MAP_PERSISTENT_BIT;
                }
                storage(t, sz, std::ptr::null(), bits);
            } else {
                (self.raw.buffer_data)(t, sz, std::ptr::null(), glow::DYNAMIC_DRAW);
            }
        }
        // SAFETY: unbinding.
        unsafe { self.gl.bind_buffer(t, None) };
        self.check("buffer storage")
    }

    /// Zero-fills buffer `name` of `size` bytes (the guest must never see uninitialised host
    /// memory).
    fn clear_buffer(&self, name: u32, size: u64) -> Result<()> {
        let t = glow::COPY_WRITE_BUFFER;
        // SAFETY: context current, the buffer is ours.
        unsafe { self.gl.bind_buffer(t, NonZeroU32::new(name).map(glow::NativeBuffer)) };
        if let Some(clear) = self.raw.clear_buffer_data {
            // SAFETY: NULL data clears to zero; the buffer is bound to `t`.
            unsafe { clear(t, glow::R8, glow::RED, glow::UNSIGNED_BYTE, std::ptr::null()) };
        } else {
            let zeros = vec![0u8; 1 << 20];
            let mut off = 0u64;
            while off < size {
                let n = (size - off).min(zeros.len() as u64);
                // SAFETY: `zeros` holds at least `n` bytes; [off, off+n) is inside the buffer.
                unsafe {
                    (self.raw.buffer_sub_data)(t, off as isize, n as isize, zeros.as_ptr().cast())
                };
                off += n;
            }
        }
        // SAFETY: unbinding.
        unsafe { self.gl.bind_buffer(t, None) };
        self.check("buffer clear")
    }

    pub(super) fn create_texture(&mut self, desc: &ResourceDesc) -> Result<GlStorage> {
        let target = gl_target(desc);
        // SAFETY: context current; the texture is deleted on failure.
        let tex = unsafe { self.gl.create_texture() }
            .map_err(|e| Error::nomem(format!("glGenTextures: {e}")))?;
        // Zero-filled lazily (see [`GlStorage::clear_pending`]).
        let st = GlStorage { clear_pending: true, ..GlStorage::new(tex.0.get(), target) };
        if let Err(e) = self.init_texture(desc, &st) {
            // SAFETY: deleting the texture made above.
            unsafe { self.gl.delete_texture(tex) };
            return Err(e);
        }
        Ok(st)
    }

    fn init_texture(&self, desc: &ResourceDesc, st: &GlStorage) -> Result<()> {
        let f = Self::glfmt(desc)?;
        let t = st.target;
        let levels = gi(desc.last_level + 1, "levels")?;
        let (w, h) = (gi(desc.width, "width")?, gi(desc.height, "height")?);
        let layers = gi(desc.array_size, "array_size")?;
        let samples = gi(desc.nr_samples, "samples")?;
        // SAFETY: context current, texture ours and bound; sizes validated against the
        // limits GL reported; errors are checked below.
        unsafe {
            self.gl.bind_texture(t, Self::texture(st.name));
            match desc.target {
                Target::Tex1D => self.gl.tex_storage_1d(t, levels, f.internal, w),
                Target::Tex2D | Target::Tex2DArray if desc.nr_samples > 1 => {
                    if desc.target == Target::Tex2D {
                        self.gl.tex_storage_2d_multisample(t, samples, f.internal, w, h, true);
                    } else {
                        let Some(ms3) = self.raw.tex_storage_3d_multisample else {
                            return Err(Error::inval("multisample arrays need GL 4.3"));
                        };
                        ms3(t, samples, f.internal, w, h, layers, 1);
                    }
                }
                Target::Tex2D | Target::Rect | Target::Cube => {
                    self.gl.tex_storage_2d(t, levels, f.internal, w, h)
                }
                Target::Tex1DArray => self.gl.tex_storage_2d(t, levels, f.internal, w, layers),
                Target::Tex3D => {
                    let d = gi(desc.depth, "depth")?;
                    self.gl.tex_storage_3d(t, levels, f.internal, w, h, d)
                }
                Target::Tex2DArray | Target::CubeArray => {
                    self.gl.tex_storage_3d(t, levels, f.internal, w, h, layers)
                }
                Target::Buffer => return Err(Error::inval("buffer is not a texture")),
            }
            self.check(format_args!("glTexStorage of {}", desc.format.name))?;
            if let Some(sw) = f.swizzle {
                let sw = sw.map(|c| c as i32);
                self.gl.tex_parameter_i32_slice(t, glow::TEXTURE_SWIZZLE_RGBA, &sw);
            }
        }
        self.check("texture swizzle")
    }

    /// Zero-fills every level (the guest must never read uninitialised host memory).
    pub(super) fn clear_texture(
        &self,
        desc: &ResourceDesc,
        st: &GlStorage,
        f: &GlFormat,
    ) -> Result<()> {
        if let (Some(clear), false) = (self.raw.clear_tex_image, desc.format.is_compressed()) {
            for level in 0..=desc.last_level {
                // SAFETY: NULL data clears to zero; the texture is ours.
                unsafe { clear(st.name, level as i32, f.format, f.ty, std::ptr::null()) };
            }
            return self.check("glClearTexImage");
        }
        if desc.nr_samples > 1 {
            return self.clear_multisample(desc, st);
        }
        for level in 0..=desc.last_level {
            let (lw, lh, ld) = transfer::level_extent(desc, level);
            let fmt = desc.format;
            let layer = fmt.stride(lw) * fmt.nblocksy(lh);
            let zeros = zeroed(layer * ld as u64)?;
            let src = Src {
                ptr: zeros.as_ptr(),
                len: zeros.len(),
                row_len: 0,
                image_h: 0,
                face_pitch: layer as usize,
            };
            let bx = Box3 { x: 0, y: 0, z: 0, w: lw, h: lh, d: ld };
            self.upload(desc, st, level, &bx, &src)?;
        }
        Ok(())
    }

    /// Zero-fills a multisample texture through an FBO (no glClearTexImage).
    fn clear_multisample(&self, desc: &ResourceDesc, st: &GlStorage) -> Result<()> {
        // SAFETY: context current; the FBO is ours and deleted before returning.
        unsafe {
            let fbo = self
                .gl
                .create_framebuffer()
                .map_err(|e| Error::nomem(format!("glGenFramebuffers: {e}")))?;
            self.gl.bind_framebuffer(glow::DRAW_FRAMEBUFFER, Some(fbo));
            let att = match desc.format.kind {
                Kind::Depth => glow::DEPTH_ATTACHMENT,
                Kind::Stencil => glow::STENCIL_ATTACHMENT,
                Kind::DepthStencil => glow::DEPTH_STENCIL_ATTACHMENT,
                _ => glow::COLOR_ATTACHMENT0,
            };
            self.gl.framebuffer_texture(glow::DRAW_FRAMEBUFFER, att, Self::texture(st.name), 0);
            if att == glow::COLOR_ATTACHMENT0 {
                self.gl.clear_buffer_f32_slice(glow::COLOR, 0, &[0.0; 4]);
            } else {
                self.gl.clear_buffer_depth_stencil(glow::DEPTH_STENCIL, 0, 0.0, 0);
            }
            self.gl.bind_framebuffer(glow::DRAW_FRAMEBUFFER, None);
            self.gl.delete_framebuffer(fbo);
        }
        self.check("multisample clear")
    }

    /// Zero-fills `st` if its contents are still undefined (see
    /// [`GlStorage::clear_pending`]). The context must be current.
    pub(super) fn settle(&self, desc: &ResourceDesc, st: &mut GlStorage) -> Result<()> {
        if !st.clear_pending {
            return Ok(());
        }
        if st.target == 0 {
            self.clear_buffer(st.name, (desc.width as u64).max(1))?;
        } else {
            let f = Self::glfmt(desc)?;
            self.clear_texture(desc, st, &f)?;
        }
        st.clear_pending = false;
        Ok(())
    }

    /// True when a write of `plan` replaces every byte of the resource, so that clearing it
    /// first would be wasted work.
    pub(super) fn covers_all(desc: &ResourceDesc, plan: &Plan) -> bool {
        if desc.last_level != 0 || plan.level != 0 || desc.nr_samples > 1 {
            return false;
        }
        let (w, h, d) = transfer::level_extent(desc, 0);
        let b = &plan.bx;
        (b.x, b.y, b.z, b.w, b.h, b.d) == (0, 0, 0, w, h, d)
    }
}
