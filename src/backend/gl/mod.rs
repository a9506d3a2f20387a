//! The GL backend: resources are OpenGL textures (immutable storage) and buffers on a
//! desktop GL core context (see [`egl`] for where the context comes from).
//!
//! Transfers give byte-identical results to the CPU backend: uploads and readbacks use the
//! format table's (`format`, `ty`) pair, so guest bytes go through GL unchanged (texture
//! swizzles only affect sampling). `Y_0_TOP` resources (QEMU's 2D path) are stored upside
//! down, like upstream, and flipped back on readback.
//!
//! Uploads go straight from guest memory when the box lies in one iovec and its strides are
//! whole texels; otherwise the rows are gathered once into a packed staging buffer.
//! Readbacks: colour formats through an FBO and glReadnPixels, others (and incomplete
//! framebuffers) through glGetTextureSubImage (GL 4.5), else glGetTexImage of the level.

mod dmabuf;
pub mod egl;
mod raw;

pub use egl::VmmCallbacks;

use super::{Backend, Limits, Storage};
use crate::error::{Error, Result};
use crate::format::{FormatInfo, GlFormat, Kind};
use crate::iov::IovList;
use crate::resource::{flags, ResourceDesc, Target};
use crate::transfer::{self, Box3, Layout, Plan};
use egl::Platform;
use glow::HasContext;
use raw::RawGl;
use std::ffi::c_void;
use std::num::NonZeroU32;

/// A GL texture or buffer.
pub struct GlStorage {
    /// The GL object name (texture or buffer), reported as `tex_id`.
    pub name: u32,
    /// The texture target (`GL_TEXTURE_2D`, …), 0 for a buffer.
    pub target: u32,
}

/// How [`GlBackend`] reads textures back. `Auto` picks per format; the others force one
/// path (tests use them to check every path against the CPU backend).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Readback {
    /// FBO + ReadPixels for colour formats, else GetTextureSubImage, else the whole level.
    #[default]
    Auto,
    /// FBO + glReadnPixels/glReadPixels (unsigned/float colour formats; others fall back).
    ReadPixels,
    /// glGetTextureSubImage / glGetCompressedTextureSubImage of the box (GL 4.5).
    TextureSubImage,
    /// glGetTexImage / glGetCompressedTexImage of the whole level.
    WholeLevel,
}

/// EGL platform, GL context and function tables: all GL state of the library.
pub struct GlBackend {
    gl: glow::Context,
    raw: RawGl,
    limits: Limits,
    readback: Readback,
    /// Dropped last: destroys the context(s).
    platform: Platform,
}

// SAFETY: the GL context is made current on the calling thread at the start of every method
// (`Platform::make_current`), and the renderer serialises all calls behind one lock, so the
// function pointers and handles are never used from two threads at once.
unsafe impl Send for GlBackend {}

/// `u32`/`u64` → GL's `int`, failing with EINVAL (never for validated sizes).
fn gi<T: TryInto<i32> + Copy + std::fmt::Display>(v: T, what: &str) -> Result<i32> {
    v.try_into().map_err(|_| Error::inval(format!("{what} {v} does not fit a GL int")))
}

fn usize_of(v: u64, what: &str) -> Result<usize> {
    usize::try_from(v).map_err(|_| Error::nomem(format!("{what} of {v} bytes too large")))
}

/// A zeroed staging buffer, ENOMEM instead of an abort when memory runs out.
fn staging(len: u64) -> Result<Vec<u8>> {
    let len = usize_of(len, "staging buffer")?;
    let mut v = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| Error::nomem(format!("cannot allocate {len} staging bytes")))?;
    v.resize(len, 0);
    Ok(v)
}

fn gl_target(desc: &ResourceDesc) -> u32 {
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

/// Rows stored bottom-up (Y_0_TOP on an uncompressed 2D/RECT texture).
fn flipped(desc: &ResourceDesc) -> bool {
    desc.flags & flags::Y_0_TOP != 0
        && !desc.format.is_compressed()
        && matches!(desc.target, Target::Tex2D | Target::Rect)
}

/// The box in GL's coordinates (y mirrored for flipped resources).
fn gl_box(desc: &ResourceDesc, plan: &Plan) -> Box3 {
    let mut b = plan.bx;
    if flipped(desc) {
        let (_, lh, _) = transfer::level_extent(desc, plan.level);
        b.y = lh - b.y - b.h; // box inside the level: cannot underflow
    }
    b
}

/// Gathers the box from the guest into packed rows (bottom-up when `flip`).
fn gather(plan: &Plan, flip: bool, src: &IovList) -> Result<Vec<u8>> {
    let mut buf = staging(plan.packed_size())?;
    let packed = plan.packed_layout();
    let mut res = Ok(());
    if flip {
        for l in 0..plan.layers {
            for r in 0..plan.rows {
                let g = plan.guest.row_offset(l, r);
                let h = packed.row_offset(l, plan.rows - 1 - r) as usize;
                res = res.and_then(|_| src.read(g, &mut buf[h..h + plan.row_bytes as usize]));
            }
        }
    } else {
        transfer::for_each_run(plan, &plan.guest, &packed, |g, h, n| {
            if res.is_ok() {
                res = src.read(g, &mut buf[h as usize..(h + n) as usize]);
            }
        });
    }
    res.map(|_| buf)
}

/// Scatters the box from `buf` (rows at `host`, bottom-up when `flip`) to the guest.
fn scatter(plan: &Plan, host: &Layout, flip: bool, buf: &[u8], dst: &IovList) -> Result<()> {
    let mut res = Ok(());
    let slice = |h: u64, n: u64| {
        buf.get(h as usize..(h + n) as usize)
            .ok_or_else(|| Error::inval("readback staging shorter than the box"))
    };
    if flip {
        for l in 0..plan.layers {
            for r in 0..plan.rows {
                let g = plan.guest.row_offset(l, r);
                let h = host.row_offset(l, plan.rows - 1 - r);
                res = res.and_then(|_| dst.write(g, slice(h, plan.row_bytes)?));
            }
        }
    } else {
        transfer::for_each_run(plan, &plan.guest, host, |g, h, n| {
            if res.is_ok() {
                res = slice(h, n).and_then(|s| dst.write(g, s));
            }
        });
    }
    res
}

/// Texel rows for an upload: `ptr` holds `len` readable bytes laid out with GL unpack
/// `row_len` (texels, 0 = packed) and `image_h` (rows, 0 = packed); cube faces are
/// `face_pitch` bytes apart.
struct Src {
    ptr: *const u8,
    len: usize,
    row_len: i32,
    image_h: i32,
    face_pitch: usize,
}

impl GlBackend {
    /// Starts EGL + GL on the first platform that works (see [`egl`]); `flags` are
    /// `virgl_renderer_init`'s, `vmm` the VMM's callbacks when it gave any.
    pub fn new(flags: i32, vmm: Option<VmmCallbacks>) -> Result<Self> {
        let mut platform = Platform::new(flags, vmm)?;
        // SAFETY: a context is current on this thread (Platform::new) and the loader returns
        // entry points of that GL implementation.
        let gl = unsafe { glow::Context::from_loader_function(|n| platform.proc_address(n)) };
        let v = gl.version();
        let (major, minor) = (v.major, v.minor);
        if v.is_embedded || (major, minor) < (3, 3) {
            return Err(Error::notsup(format!(
                "{} gives GL {major}.{minor}{}; desktop GL 3.3 core or newer is needed",
                platform.name,
                if v.is_embedded { " ES" } else { "" }
            )));
        }
        let exts = gl.supported_extensions().clone();
        let has =
            |maj: u32, min: u32, ext: &str| (major, minor) >= (maj, min) || exts.contains(ext);
        if !has(4, 2, "GL_ARB_texture_storage") {
            return Err(Error::notsup("GL lacks glTexStorage (4.2 / ARB_texture_storage)"));
        }
        let raw = RawGl::load(&mut |n| platform.proc_address(n), &has)?;
        // SAFETY: plain queries on the current context.
        let (renderer, version, limits) = unsafe {
            let get = |p| gl.get_parameter_i32(p).max(0) as u32;
            let samples = get(glow::MAX_SAMPLES)
                .min(get(glow::MAX_COLOR_TEXTURE_SAMPLES))
                .min(get(glow::MAX_DEPTH_TEXTURE_SAMPLES))
                .max(1);
            let limits = Limits {
                max_texture_2d: get(glow::MAX_TEXTURE_SIZE),
                max_texture_3d: get(glow::MAX_3D_TEXTURE_SIZE),
                max_cube: get(glow::MAX_CUBE_MAP_TEXTURE_SIZE),
                max_array_layers: get(glow::MAX_ARRAY_TEXTURE_LAYERS),
                max_samples: samples,
                max_buffer: u32::MAX as u64,
            };
            (
                gl.get_parameter_string(glow::RENDERER),
                gl.get_parameter_string(glow::VERSION),
                limits,
            )
        };
        log::info!("GL backend on {}: {renderer}, OpenGL {version}", platform.name);
        log::debug!("GL limits {limits:?}");
        Ok(GlBackend { gl, raw, limits, readback: Readback::Auto, platform })
    }

    /// The EGL platform in use ("egl-surfaceless", "vmm-gl-context", …).
    pub fn platform_name(&self) -> &'static str {
        self.platform.name
    }

    /// Forces a readback path (tests); `Readback::Auto` restores the default.
    pub fn set_readback(&mut self, path: Readback) {
        self.readback = path;
    }

    /// Makes the context current here and drops stale GL errors.
    fn begin(&mut self) -> Result<()> {
        self.platform.make_current()?;
        // SAFETY: the context is current; glGetError has no preconditions.
        for _ in 0..16 {
            if unsafe { self.gl.get_error() } == glow::NO_ERROR {
                break;
            }
        }
        Ok(())
    }

    /// Fails with ENOMEM/EINVAL when GL recorded an error during `what`.
    fn check(&self, what: &str) -> Result<()> {
        // SAFETY: the context is current.
        let e = unsafe { self.gl.get_error() };
        // SAFETY: as above; drain any further errors so the next call starts clean.
        for _ in 0..16 {
            if unsafe { self.gl.get_error() } == glow::NO_ERROR {
                break;
            }
        }
        match e {
            glow::NO_ERROR => Ok(()),
            glow::OUT_OF_MEMORY => Err(Error::nomem(format!("{what}: GL out of memory"))),
            e => Err(Error::inval(format!("{what}: GL error {e:#x}"))),
        }
    }

    fn glfmt(desc: &ResourceDesc) -> Result<GlFormat> {
        desc.format
            .gl
            .ok_or_else(|| Error::inval(format!("format {} has no GL storage", desc.format.name)))
    }

    fn texture(name: u32) -> Option<glow::NativeTexture> {
        NonZeroU32::new(name).map(glow::NativeTexture)
    }

    // ---- creation ---------------------------------------------------------------------

    fn create_buffer(&mut self, desc: &ResourceDesc) -> Result<GlStorage> {
        let size = (desc.width as u64).max(1);
        // SAFETY: context current; the buffer is bound before use and deleted on failure.
        let buf = unsafe { self.gl.create_buffer() }
            .map_err(|e| Error::nomem(format!("glGenBuffers: {e}")))?;
        let st = GlStorage { name: buf.0.get(), target: 0 };
        let res = self.init_buffer(desc, buf, size);
        if let Err(e) = res.and_then(|_| self.check("buffer storage")) {
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
        // which is cleared right after.
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
        self.check("buffer storage")?;
        // The guest must never see uninitialised host memory.
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
        Ok(())
    }

    fn create_texture(&mut self, desc: &ResourceDesc) -> Result<GlStorage> {
        let target = gl_target(desc);
        // SAFETY: context current; the texture is deleted on failure.
        let tex = unsafe { self.gl.create_texture() }
            .map_err(|e| Error::nomem(format!("glGenTextures: {e}")))?;
        let st = GlStorage { name: tex.0.get(), target };
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
            self.check(&format!("glTexStorage of {}", desc.format.name))?;
            if let Some(sw) = f.swizzle {
                let sw = sw.map(|c| c as i32);
                self.gl.tex_parameter_i32_slice(t, glow::TEXTURE_SWIZZLE_RGBA, &sw);
            }
        }
        self.check("texture swizzle")?;
        self.clear_texture(desc, st, &f)
    }

    /// Zero-fills every level (the guest must never read uninitialised host memory).
    fn clear_texture(&self, desc: &ResourceDesc, st: &GlStorage, f: &GlFormat) -> Result<()> {
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
            let zeros = staging(layer * ld as u64)?;
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

    // ---- upload -------------------------------------------------------------------------

    /// glTex(Compressed)SubImage of `b` (GL coordinates) at `level` from `src`.
    fn upload(
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
            self.gl.bind_buffer(glow::PIXEL_UNPACK_BUFFER, None);
            self.gl.pixel_store_i32(glow::UNPACK_ALIGNMENT, 1);
            self.gl.pixel_store_i32(glow::UNPACK_ROW_LENGTH, src.row_len);
            self.gl.pixel_store_i32(glow::UNPACK_IMAGE_HEIGHT, src.image_h);
            self.gl.pixel_store_i32(glow::UNPACK_SKIP_PIXELS, 0);
            self.gl.pixel_store_i32(glow::UNPACK_SKIP_ROWS, 0);
            self.gl.pixel_store_i32(glow::UNPACK_SKIP_IMAGES, 0);
            self.gl.bind_texture(t, Self::texture(st.name));
            match desc.target {
                Target::Tex1D if comp => {
                    (r.compressed_tex_sub_image_1d)(t, lv, x, w, f.internal, size, p)
                }
                Target::Tex1D => (r.tex_sub_image_1d)(t, lv, x, w, f.format, f.ty, p),
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
        self.check(&format!("upload to {} level {level}", desc.format.name))
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

    fn write_texture(
        &mut self,
        desc: &ResourceDesc,
        st: &GlStorage,
        plan: &Plan,
        src: &IovList,
    ) -> Result<()> {
        let b = gl_box(desc, plan);
        if let Some(direct) = Self::direct_src(desc, plan, src) {
            return self.upload(desc, st, plan.level, &b, &direct);
        }
        let buf = gather(plan, flipped(desc), src)?;
        let packed = Src {
            ptr: buf.as_ptr(),
            len: buf.len(),
            row_len: 0,
            image_h: 0,
            face_pitch: usize_of(plan.row_bytes * plan.rows, "layer")?,
        };
        self.upload(desc, st, plan.level, &b, &packed)
    }

    // ---- readback -----------------------------------------------------------------------

    fn set_pack_state(&self) {
        // SAFETY: context current; plain pixel-store state.
        unsafe {
            self.gl.bind_buffer(glow::PIXEL_PACK_BUFFER, None);
            self.gl.pixel_store_i32(glow::PACK_ALIGNMENT, 1);
            self.gl.pixel_store_i32(glow::PACK_ROW_LENGTH, 0);
            self.gl.pixel_store_i32(glow::PACK_IMAGE_HEIGHT, 0);
            self.gl.pixel_store_i32(glow::PACK_SKIP_PIXELS, 0);
            self.gl.pixel_store_i32(glow::PACK_SKIP_ROWS, 0);
            self.gl.pixel_store_i32(glow::PACK_SKIP_IMAGES, 0);
        }
    }

    /// FBO + ReadPixels of each layer of the box into packed rows; `None` when the texture
    /// cannot be attached as a complete colour framebuffer.
    fn read_fbo(
        &self,
        desc: &ResourceDesc,
        st: &GlStorage,
        plan: &Plan,
    ) -> Result<Option<Vec<u8>>> {
        let fmt = desc.format;
        // ReadPixels converts signed normalised texels through floats (-128 comes back as
        // -127), so those formats, like non-colour ones, take another path.
        if fmt.kind != Kind::Color || fmt.is_compressed() || fmt.name.contains("SNORM") {
            return Ok(None);
        }
        let f = Self::glfmt(desc)?;
        let b = gl_box(desc, plan);
        let layer_bytes = plan.row_bytes * plan.rows;
        let mut buf = staging(plan.packed_size())?;
        let layer_len = gi(layer_bytes, "layer size")?;
        let (x, w) = (gi(b.x, "x")?, gi(b.w, "w")?);
        let (y, h) = match desc.target {
            Target::Tex1D | Target::Tex1DArray => (0, 1),
            _ => (gi(b.y, "y")?, gi(b.h, "h")?),
        };
        let lv = gi(plan.level, "level")?;
        let tex = Self::texture(st.name);
        let rfb = glow::READ_FRAMEBUFFER;
        self.set_pack_state();
        // SAFETY: context current; the FBO is ours and deleted before returning. Each
        // ReadPixels writes `h` packed rows of `row_bytes` (PACK_ALIGNMENT 1, no pack
        // buffer) = `layer_bytes` at layer `l`'s offset inside `buf`, which holds `layers`
        // such layers; glReadnPixels is told the same bound.
        let complete = unsafe {
            let fbo = self
                .gl
                .create_framebuffer()
                .map_err(|e| Error::nomem(format!("glGenFramebuffers: {e}")))?;
            self.gl.bind_framebuffer(rfb, Some(fbo));
            let mut complete = true;
            for l in 0..plan.layers as u32 {
                let att = glow::COLOR_ATTACHMENT0;
                match desc.target {
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
                let p = buf.as_mut_ptr().add((l as u64 * layer_bytes) as usize).cast::<c_void>();
                match self.raw.readn_pixels {
                    Some(readn) => readn(x, y, w, h, f.format, f.ty, layer_len, p),
                    None => (self.raw.read_pixels)(x, y, w, h, f.format, f.ty, p),
                }
            }
            self.gl.bind_framebuffer(rfb, None);
            self.gl.delete_framebuffer(fbo);
            complete
        };
        if !complete {
            // Drop any error the incomplete framebuffer caused.
            let _ = self.check("framebuffer");
            return Ok(None);
        }
        self.check(&format!("glReadPixels of {}", fmt.name))?;
        Ok(Some(buf))
    }

    /// glGet(Compressed)TextureSubImage of the box into packed rows; `None` without GL 4.5.
    fn read_sub_image(
        &self,
        desc: &ResourceDesc,
        st: &GlStorage,
        plan: &Plan,
    ) -> Result<Option<Vec<u8>>> {
        let (Some(get), Some(get_c)) =
            (self.raw.get_texture_sub_image, self.raw.get_compressed_texture_sub_image)
        else {
            return Ok(None);
        };
        let f = Self::glfmt(desc)?;
        let b = gl_box(desc, plan);
        let mut buf = staging(plan.packed_size())?;
        let len = gi(buf.len() as u64, "readback size")?;
        let (x, w) = (gi(b.x, "x")?, gi(b.w, "w")?);
        let (y, z, h, d) = match desc.target {
            Target::Tex1D => (0, 0, 1, 1),
            Target::Tex1DArray => (gi(b.z, "z")?, 0, gi(b.d, "d")?, 1),
            Target::Tex2D | Target::Rect => (gi(b.y, "y")?, 0, gi(b.h, "h")?, 1),
            _ => (gi(b.y, "y")?, gi(b.z, "z")?, gi(b.h, "h")?, gi(b.d, "d")?),
        };
        let lv = gi(plan.level, "level")?;
        self.set_pack_state();
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
        self.check(&format!("glGetTextureSubImage of {}", desc.format.name))?;
        Ok(Some(buf))
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
        let b = gl_box(desc, plan);
        let (lw, lh, ld) = transfer::level_extent(desc, plan.level);
        let stride = fmt.stride(lw);
        let layer = crate::error::mul(stride, fmt.nblocksy(lh), "level layer")?;
        let cube = desc.target == Target::Cube;
        let images = if cube { b.d } else { ld };
        let mut buf = staging(crate::error::mul(layer, images as u64, "level size")?)?;
        let lv = gi(plan.level, "level")?;
        self.set_pack_state();
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
                if fmt.is_compressed() {
                    (self.raw.get_compressed_tex_image)(t, lv, p)
                } else {
                    (self.raw.get_tex_image)(t, lv, f.format, f.ty, p)
                }
            }
        }
        self.check(&format!("glGetTexImage of {}", fmt.name))?;
        let z = if cube { 0 } else { b.z as u64 };
        let x = (b.x / fmt.block_width) as u64 * fmt.block_bytes as u64;
        let y = (b.y / fmt.block_height) as u64;
        let layout = Layout { offset: z * layer + y * stride + x, stride, layer_stride: layer };
        Ok((buf, layout))
    }

    fn read_texture(
        &mut self,
        desc: &ResourceDesc,
        st: &GlStorage,
        plan: &Plan,
        dst: &IovList,
    ) -> Result<()> {
        let packed = plan.packed_layout();
        let flip = flipped(desc);
        if matches!(self.readback, Readback::Auto | Readback::ReadPixels) {
            if let Some(buf) = self.read_fbo(desc, st, plan)? {
                return scatter(plan, &packed, flip, &buf, dst);
            }
        }
        if self.readback != Readback::WholeLevel {
            if let Some(buf) = self.read_sub_image(desc, st, plan)? {
                return scatter(plan, &packed, flip, &buf, dst);
            }
        }
        let (buf, layout) = self.read_level(desc, st, plan)?;
        scatter(plan, &layout, flip, &buf, dst)
    }

    // ---- buffers ------------------------------------------------------------------------

    fn write_buffer(&self, st: &GlStorage, plan: &Plan, src: &IovList) -> Result<()> {
        let t = glow::COPY_WRITE_BUFFER;
        let (off, len) = (plan.bx.x as isize, plan.row_bytes);
        let staged;
        let ptr = match src.contiguous(plan.guest.offset, len) {
            Some(p) => p.cast_const(),
            None => {
                staged = gather(plan, false, src)?;
                staged.as_ptr()
            }
        };
        // SAFETY: context current, buffer ours; `ptr` holds `len` readable bytes (one guest
        // iovec range checked by `contiguous`, or the staging copy); [x, x+len) lies in the
        // buffer (plan validated the box against the width).
        unsafe {
            self.gl.bind_buffer(t, NonZeroU32::new(st.name).map(glow::NativeBuffer));
            (self.raw.buffer_sub_data)(t, off, len as isize, ptr.cast());
            self.gl.bind_buffer(t, None);
        }
        self.check("glBufferSubData")
    }

    fn read_buffer(&self, st: &GlStorage, plan: &Plan, dst: &IovList) -> Result<()> {
        let t = glow::COPY_READ_BUFFER;
        let (off, len) = (plan.bx.x as isize, plan.row_bytes);
        let direct = dst.contiguous(plan.guest.offset, len);
        let mut staged = Vec::new();
        let ptr = match direct {
            Some(p) => p,
            None => {
                staged = staging(len)?;
                staged.as_mut_ptr()
            }
        };
        // SAFETY: context current, buffer ours; `ptr` has room for `len` bytes (one guest
        // iovec range checked by `contiguous`, or the staging buffer); [x, x+len) is inside
        // the buffer.
        unsafe {
            self.gl.bind_buffer(t, NonZeroU32::new(st.name).map(glow::NativeBuffer));
            (self.raw.get_buffer_sub_data)(t, off, len as isize, ptr.cast());
            self.gl.bind_buffer(t, None);
        }
        self.check("glGetBufferSubData")?;
        if direct.is_none() {
            dst.write(plan.guest.offset, &staged)?;
        }
        Ok(())
    }

    /// Makes writes visible to the other threads' shared contexts.
    fn finish_if_shared(&self) {
        if self.platform.is_shared() {
            // SAFETY: context current.
            unsafe { self.gl.finish() };
        }
    }
}

fn gl_storage(st: &mut Storage) -> Result<&mut GlStorage> {
    match st {
        Storage::Gl(g) => Ok(g),
        _ => Err(Error::inval("resource storage does not belong to the GL backend")),
    }
}

impl Backend for GlBackend {
    fn name(&self) -> &'static str {
        "gl"
    }

    fn limits(&self) -> Limits {
        self.limits
    }

    fn check_supported(&self, desc: &ResourceDesc) -> Result<()> {
        if desc.target == Target::Buffer {
            return Ok(());
        }
        if desc.format.gl.is_none() {
            return Err(Error::inval(format!(
                "format {} ({}) cannot be stored in a GL texture",
                desc.format.name, desc.format.id
            )));
        }
        if desc.nr_samples > 1
            && desc.target == Target::Tex2DArray
            && self.raw.tex_storage_3d_multisample.is_none()
        {
            return Err(Error::inval("multisample 2D arrays need GL 4.3"));
        }
        Ok(())
    }

    fn create(&mut self, desc: &ResourceDesc) -> Result<Storage> {
        self.check_supported(desc)?;
        self.begin()?;
        let st = if desc.target == Target::Buffer {
            self.create_buffer(desc)?
        } else {
            self.create_texture(desc)?
        };
        self.finish_if_shared();
        Ok(Storage::Gl(st))
    }

    fn destroy(&mut self, storage: Storage) {
        if let Storage::ZeroCopy(z) = storage {
            if let Some(imp) = z.import {
                self.release_import(imp);
            }
            return;
        }
        let Storage::Gl(st) = storage else {
            return;
        };
        if let Err(e) = self.begin() {
            log::warn!("destroy of GL object {}: {}", st.name, e.msg);
            return;
        }
        // SAFETY: context current; the object was created by this backend and is deleted once
        // (the storage is consumed).
        unsafe {
            if st.target == 0 {
                if let Some(b) = NonZeroU32::new(st.name) {
                    self.gl.delete_buffer(glow::NativeBuffer(b));
                }
            } else if let Some(t) = Self::texture(st.name) {
                self.gl.delete_texture(t);
            }
        }
    }

    fn write(
        &mut self,
        desc: &ResourceDesc,
        st: &mut Storage,
        plan: &Plan,
        src: &IovList,
    ) -> Result<()> {
        let st = gl_storage(st)?;
        if plan.is_empty() {
            return Ok(());
        }
        self.begin()?;
        if st.target == 0 {
            self.write_buffer(st, plan, src)?;
        } else {
            self.write_texture(desc, st, plan, src)?;
        }
        self.finish_if_shared();
        Ok(())
    }

    fn read(
        &mut self,
        desc: &ResourceDesc,
        st: &mut Storage,
        plan: &Plan,
        dst: &IovList,
    ) -> Result<()> {
        let st = gl_storage(st)?;
        if plan.is_empty() {
            return Ok(());
        }
        self.begin()?;
        if st.target == 0 {
            self.read_buffer(st, plan, dst)
        } else {
            self.read_texture(desc, st, plan, dst)
        }
    }

    fn tex_id(&self, st: &Storage) -> u32 {
        match st {
            Storage::Gl(g) => g.name,
            Storage::ZeroCopy(z) => z.import.as_ref().map_or(0, |i| i.name),
            _ => 0,
        }
    }

    fn zero_copy_needs_dmabuf(&self) -> bool {
        true
    }

    fn import_dmabuf(
        &mut self,
        desc: &ResourceDesc,
        layout: &crate::dmabuf::DmabufLayout,
        fd: &std::os::fd::OwnedFd,
    ) -> Result<crate::dmabuf::ImportedTexture> {
        self.import_dmabuf_texture(desc, layout, fd)
    }

    fn release_import(&mut self, imp: crate::dmabuf::ImportedTexture) {
        self.release_dmabuf_texture(imp)
    }

    fn export_texture(
        &mut self,
        desc: &ResourceDesc,
        name: u32,
        target: u32,
    ) -> Result<crate::dmabuf::Dmabuf> {
        self.export_dmabuf_texture(desc, name, target)
    }
}
