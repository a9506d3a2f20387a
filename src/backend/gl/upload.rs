//! Uploads: straight from guest memory when one iovec holds the box with whole-texel
//! strides, else gathered into staging (large 2D boxes in bands of rows).

use super::staging::{bands, flipped, gather, gl_box, Src};
use super::{gi, usize_of, GlBackend, GlStorage};
use crate::error::{Error, Result};
use crate::model::resource::{ResourceDesc, Target};
use crate::model::transfer::{Box3, Plan};
use crate::sys::iov::IovList;
use glow::HasContext;
use std::ffi::c_void;

impl GlBackend {
    /// Sets the unpack pixel-store state for rows `row_len` texels apart (0 = packed) and
    /// images `image_h` rows apart (0 = packed), no unpack buffer, alignment 1, no skips.
    /// Only this backend changes that state in its context, so what it set last is cached.
    pub(super) fn set_unpack_state(&self, row_len: i32, image_h: i32) {
        let cached = self.unpack.get();
        if self.single_context() && cached == Some((row_len, image_h)) {
            return;
        }
        // SAFETY: context current; plain pixel-store state.
        unsafe {
            if cached.is_none() || !self.single_context() {
                self.gl.bind_buffer(glow::PIXEL_UNPACK_BUFFER, None);
                self.gl.pixel_store_i32(glow::UNPACK_ALIGNMENT, 1);
                self.gl.pixel_store_i32(glow::UNPACK_SKIP_PIXELS, 0);
                self.gl.pixel_store_i32(glow::UNPACK_SKIP_ROWS, 0);
                self.gl.pixel_store_i32(glow::UNPACK_SKIP_IMAGES, 0);
            }
            self.gl.pixel_store_i32(glow::UNPACK_ROW_LENGTH, row_len);
            self.gl.pixel_store_i32(glow::UNPACK_IMAGE_HEIGHT, image_h);
        }
        self.unpack.set(Some((row_len, image_h)));
    }

    /// glTex(Compressed)SubImage of `b` (GL coordinates) at `level` from `src`.
    pub(super) fn upload(
        &self,
        desc: &ResourceDesc,
        st: &GlStorage,
        level: u32,
        b: &Box3,
        src: &Src,
    ) -> Result<()> {
        let f = Self::glfmt(desc)?;
        let t = st.target;
        let lv = gi(level, "level")?;
        let (x, y, z) = (gi(b.x, "x")?, gi(b.y, "y")?, gi(b.z, "z")?);
        let (w, h, d) = (gi(b.w, "w")?, gi(b.h, "h")?, gi(b.d, "d")?);
        let comp = desc.format.is_compressed();
        let size = gi(src.len as u64, "upload size")?;
        let p = src.ptr.cast::<c_void>();
        let r = &self.raw;
        // SAFETY: context current, texture ours. `src` holds `len` readable bytes laid out as
        // its unpack parameters say, which cover exactly the box (callers build it from a
        // validated plan or a packed staging buffer of the box's size); GL reads them during
        // the call (no pixel unpack buffer is bound).
        unsafe {
            self.set_unpack_state(src.row_len, src.image_h);
            self.gl.bind_texture(t, Self::texture(st.name));
            match desc.target {
                // (1D textures exist on desktop GL only: refused at creation on ES.)
                Target::Tex1D if comp => {
                    if let Some(up) = r.compressed_tex_sub_image_1d {
                        up(t, lv, x, w, f.internal, size, p)
                    }
                }
                Target::Tex1D => {
                    if let Some(up) = r.tex_sub_image_1d {
                        up(t, lv, x, w, f.format, f.ty, p)
                    }
                }
                Target::Tex2D | Target::Rect if comp => {
                    (r.compressed_tex_sub_image_2d)(t, lv, x, y, w, h, f.internal, size, p)
                }
                Target::Tex2D | Target::Rect => {
                    (r.tex_sub_image_2d)(t, lv, x, y, w, h, f.format, f.ty, p)
                }
                Target::Tex1DArray if comp => {
                    (r.compressed_tex_sub_image_2d)(t, lv, x, z, w, d, f.internal, size, p)
                }
                Target::Tex1DArray => (r.tex_sub_image_2d)(t, lv, x, z, w, d, f.format, f.ty, p),
                Target::Cube => {
                    let face_size = gi(src.face_pitch as u64, "face size")?;
                    for i in 0..b.d {
                        let face = glow::TEXTURE_CUBE_MAP_POSITIVE_X + b.z + i;
                        let fp = src.ptr.add(i as usize * src.face_pitch).cast::<c_void>();
                        if comp {
                            (r.compressed_tex_sub_image_2d)(
                                face, lv, x, y, w, h, f.internal, face_size, fp,
                            )
                        } else {
                            (r.tex_sub_image_2d)(face, lv, x, y, w, h, f.format, f.ty, fp)
                        }
                    }
                }
                Target::Tex3D | Target::Tex2DArray | Target::CubeArray if comp => {
                    (r.compressed_tex_sub_image_3d)(t, lv, x, y, z, w, h, d, f.internal, size, p)
                }
                Target::Tex3D | Target::Tex2DArray | Target::CubeArray => {
                    (r.tex_sub_image_3d)(t, lv, x, y, z, w, h, d, f.format, f.ty, p)
                }
                Target::Buffer => return Err(Error::inval("buffer is not a texture")),
            }
        }
        self.check(format_args!("upload to {} level {level}", desc.format.name))
    }

    /// Unpack parameters for reading the box straight from guest memory, when its strides
    /// are whole texels (and layer strides whole rows); `None` means gather.
    fn direct_src(desc: &ResourceDesc, plan: &Plan, src: &IovList) -> Option<Src> {
        let fmt = desc.format;
        if fmt.is_compressed() || flipped(desc) {
            return None;
        }
        let bpp = fmt.block_bytes as u64;
        let (stride, ls) = (plan.guest.stride, plan.guest.layer_stride);
        let texels = |bytes: u64| (bytes % bpp == 0).then(|| i32::try_from(bytes / bpp).ok())?;
        let (row_len, image_h) = match desc.target {
            Target::Tex1DArray if plan.layers > 1 => (texels(ls)?, 0),
            Target::Tex1DArray | Target::Tex1D => (0, 0),
            Target::Tex3D | Target::Tex2DArray | Target::CubeArray if plan.layers > 1 => {
                if ls % stride != 0 {
                    return None;
                }
                (texels(stride)?, i32::try_from(ls / stride).ok()?)
            }
            _ => (texels(stride)?, 0),
        };
        let ptr = src.contiguous(plan.guest.offset, plan.guest_span)?;
        Some(Src {
            ptr,
            len: usize::try_from(plan.guest_span).ok()?,
            row_len,
            image_h,
            face_pitch: usize::try_from(ls).ok()?,
        })
    }

    pub(super) fn write_texture(
        &mut self,
        desc: &ResourceDesc,
        st: &GlStorage,
        plan: &Plan,
        src: &IovList,
    ) -> Result<()> {
        if let Some(direct) = Self::direct_src(desc, plan, src) {
            return self.upload(desc, st, plan.level, &gl_box(desc, plan), &direct);
        }
        // Gathered 2D boxes go in bands of rows that stay in the CPU cache between the gather
        // and the upload. Measured on llvmpipe (1080p Y_0_TOP frames, 2-core Xeon): from
        // shuffled 4 KiB pages 6.3 GB/s whole → 9.8 GB/s in 128 KiB bands; from one iovec
        // 9.4 GB/s with one glTexSubImage2D per row straight from guest memory (one copy
        // fewer) → 10.9 GB/s in bands.
        for band in bands(desc, plan) {
            self.write_gathered(desc, st, &band, src)?;
        }
        Ok(())
    }

    /// Gathers the box into the staging buffer (bottom-up for flipped resources) and
    /// uploads it with one call.
    fn write_gathered(
        &mut self,
        desc: &ResourceDesc,
        st: &GlStorage,
        plan: &Plan,
        src: &IovList,
    ) -> Result<()> {
        let b = gl_box(desc, plan);
        let face_pitch = usize_of(plan.row_bytes * plan.rows, "layer")?;
        let len = usize_of(plan.packed_size(), "box")?;
        let mut buf = self.take_staging(len as u64)?;
        // `gather` overwrites all of `buf[..len]`, the only part uploaded.
        let res = gather(plan, flipped(desc), src, &mut buf[..len]).and_then(|_| {
            let packed = Src { ptr: buf.as_ptr(), len, row_len: 0, image_h: 0, face_pitch };
            self.upload(desc, st, plan.level, &b, &packed)
        });
        self.put_staging(buf);
        res
    }
}
