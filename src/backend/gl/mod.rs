//! The GL backend: resources are OpenGL textures (immutable storage) and buffers on a
//! desktop GL core context (see [`egl`] for where the context comes from).
//!
//! Transfers give byte-identical results to the CPU backend: uploads and readbacks use the
//! format table's (`format`, `ty`) pair, so guest bytes go through GL unchanged (texture
//! swizzles only affect sampling). `Y_0_TOP` resources (QEMU's 2D path) are stored upside
//! down, like upstream, and flipped back on readback.
//!
//! Uploads go straight from guest memory when the box lies in one iovec, its strides are
//! whole texels and it is not flipped; otherwise the rows are gathered into a packed staging
//! buffer (bottom-up for flipped resources) and uploaded from there, large 2D boxes in bands
//! of rows that stay in the CPU cache between the two copies.
//! Readbacks: colour formats through an FBO and glReadnPixels — straight into guest memory
//! when one iovec holds a single-layer box (flipped with GL_MESA_pack_invert) —, others (and
//! incomplete framebuffers) through glGetTextureSubImage (GL 4.5), else glGetTexImage of the
//! level.
//!
//! Per-call overhead is kept low: one staging buffer is reused (grown, zeroed only when it
//! grows; every user overwrites what it then uploads or scatters), pixel-store state and the
//! readback FBO are kept while the backend has a single GL context, and glGetError is read
//! once per check.
//!
//! Textures bound SCANOUT or SHARED (2D, one level, a format with a DRM fourcc) are GBM bos
//! imported as EGLImages when a DRM node with working GBM exists (see [`gbm`]); they export
//! as the bo's dma-buf. Anything GBM cannot do falls back to a plain texture.

mod dmabuf;
pub mod egl;
mod gbm;
mod raw;
mod sync;

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
use std::cell::Cell;
use std::collections::HashMap;
use std::ffi::c_void;
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

/// What must match for a destroyed resource's GL object to serve a new resource: everything
/// the create path reads from the description.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Shape {
    target: u32,
    format: u32,
    width: u32,
    height: u32,
    depth: u32,
    array_size: u32,
    last_level: u32,
    nr_samples: u32,
    flags: u32,
}

impl Shape {
    fn of(desc: &ResourceDesc) -> Self {
        Shape {
            target: gl_target(desc),
            format: desc.format.id,
            width: desc.width,
            height: desc.height,
            depth: desc.depth,
            array_size: desc.array_size,
            last_level: desc.last_level,
            nr_samples: desc.nr_samples,
            flags: desc.flags,
        }
    }
}

/// A GL object kept after its resource was destroyed, for the next resource of its shape.
struct Recycled {
    shape: Shape,
    st: GlStorage,
    bytes: u64,
}

/// At most this many destroyed textures are kept for reuse ([`GlBackend::recycle`]) …
const RECYCLE_MAX_OBJECTS: usize = 8;
/// … holding at most this many bytes in all, …
const RECYCLE_MAX_BYTES: u64 = 32 << 20;
/// … each at most this large.
const RECYCLE_MAX_ONE: u64 = 4 << 20;

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
    /// GL_MESA_pack_invert: flipped resources read back top-down in one ReadPixels.
    pack_invert: bool,
    /// Reused staging memory (grow-only up to [`KEEP_STAGING`]; see [`grow`]).
    staging: Vec<u8>,
    /// What this backend last set as `UNPACK_ROW_LENGTH` / `UNPACK_IMAGE_HEIGHT` (the other
    /// unpack state is set once with it); `None` = unknown. Valid while one context exists.
    unpack: Cell<Option<(i32, i32)>>,
    /// The same for `PACK_ROW_LENGTH` and `PACK_INVERT_MESA`.
    pack: Cell<Option<(i32, bool)>>,
    /// The readback framebuffer, kept while one context exists (FBOs are not shared).
    fbo: Option<glow::NativeFramebuffer>,
    /// Set (for good) once a second, shared context was seen: see [`Self::single_context`].
    multi_context: bool,
    /// Where SCANOUT/SHARED textures are allocated; `None` without a working DRM node.
    gbm: Option<gbm::GbmAllocator>,
    /// GBM-backed textures by GL name: the bo and the EGLImage the texture was made from.
    gbm_textures: HashMap<u32, GbmTexture>,
    /// EGL_KHR_fence_sync on our own display, for fences; `None`: glFinish instead.
    sync: Option<sync::SyncFns>,
    /// Destroyed, never-exposed objects kept for reuse, oldest first (see [`Self::recycle`]).
    recycled: std::collections::VecDeque<Recycled>,
    /// Bytes held by `recycled` (estimated from the descriptions).
    recycled_bytes: u64,
    /// Dropped last: destroys the context(s).
    platform: Platform,
}

// SAFETY: the GL context is made current on the calling thread at the start of every method
// (`Platform::make_current`), and the renderer serialises all calls behind one lock, so the
// function pointers and handles are never used from two threads at once.
unsafe impl Send for GlBackend {}

/// A texture whose storage is a GBM bo.
struct GbmTexture {
    bo: gbm::Bo,
    image: usize,
}

/// (fourcc the bo is allocated with, fourcc GL imports it as) for a SCANOUT/SHARED 2D
/// texture GBM can hold; `None` otherwise. GL stores the guest's bytes unchanged (format
/// table); a format stored as RGBA8 bytes with a sampling swizzle is imported as
/// `ABGR8888` (bytes R,G,B,A = the guest's bytes), so the dma-buf holds exactly the guest's
/// bytes, which is what the format's own fourcc describes.
fn gbm_fourccs(desc: &ResourceDesc) -> Option<(u32, u32)> {
    const ABGR8888: u32 = u32::from_le_bytes(*b"AB24");
    if desc.target != Target::Tex2D
        || desc.last_level != 0
        || desc.nr_samples > 1
        || desc.array_size != 1
        || desc.bind & (crate::resource::bind::SCANOUT | crate::resource::bind::SHARED) == 0
        || desc.format.drm_fourcc == 0
        || desc.format.is_compressed()
    {
        return None;
    }
    let f = desc.format.gl?;
    let import = match f.swizzle {
        None => desc.format.drm_fourcc,
        Some(_)
            if f.internal == glow::RGBA8
                && f.format == glow::RGBA
                && f.ty == glow::UNSIGNED_BYTE =>
        {
            ABGR8888
        }
        Some(_) => return None,
    };
    Some((desc.format.drm_fourcc, import))
}

/// `u32`/`u64` → GL's `int`, failing with EINVAL (never for validated sizes).
fn gi<T: TryInto<i32> + Copy + std::fmt::Display>(v: T, what: &str) -> Result<i32> {
    v.try_into().map_err(|_| Error::inval(format!("{what} {v} does not fit a GL int")))
}

fn usize_of(v: u64, what: &str) -> Result<usize> {
    usize::try_from(v).map_err(|_| Error::nomem(format!("{what} of {v} bytes too large")))
}

/// A zeroed buffer, ENOMEM instead of an abort when memory runs out.
fn zeroed(len: u64) -> Result<Vec<u8>> {
    let mut v = Vec::new();
    grow(&mut v, len)?;
    Ok(v)
}

/// Makes `v` at least `len` bytes long; only the new bytes are zeroed (once, when it grows),
/// so a reused buffer keeps earlier contents: callers overwrite what they use.
fn grow(v: &mut Vec<u8>, len: u64) -> Result<()> {
    let len = usize_of(len, "staging buffer")?;
    if v.len() < len {
        v.try_reserve_exact(len - v.len())
            .map_err(|_| Error::nomem(format!("cannot allocate {len} staging bytes")))?;
        v.resize(len, 0);
    }
    Ok(())
}

/// Staging buffers up to this size (a 4K BGRA frame fits) are kept for the next transfer;
/// larger ones are freed.
const KEEP_STAGING: usize = 32 << 20;

/// Gathered 2D uploads go in bands of rows of at most this many bytes, so that the upload
/// reads from the CPU cache what the gather just wrote (see `GlBackend::write_texture`).
const BAND_BYTES: u64 = 128 << 10;

/// `GL_PACK_INVERT_MESA` (GL_MESA_pack_invert): ReadPixels returns rows top-down.
const PACK_INVERT_MESA: u32 = 0x8758;

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
/// `plan` in bands of at most [`BAND_BYTES`] of rows for 2D textures, whole otherwise.
fn bands(desc: &ResourceDesc, plan: &Plan) -> impl Iterator<Item = Plan> {
    let max = match desc.target {
        Target::Tex2D | Target::Rect => BAND_BYTES,
        _ => u64::MAX,
    };
    transfer::row_bands(plan, desc.format.block_height, max)
}

fn gl_box(desc: &ResourceDesc, plan: &Plan) -> Box3 {
    let mut b = plan.bx;
    if flipped(desc) {
        let (_, lh, _) = transfer::level_extent(desc, plan.level);
        b.y = lh - b.y - b.h; // box inside the level: cannot underflow
    }
    b
}

/// Gathers the box from the guest into packed rows (bottom-up when `flip`); `buf` holds
/// exactly the packed box, and every byte of it is overwritten.
fn gather(plan: &Plan, flip: bool, src: &IovList, buf: &mut [u8]) -> Result<()> {
    if buf.len() as u64 != plan.packed_size() {
        return Err(Error::inval("staging buffer does not match the box"));
    }
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
    res
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
        // The VMM's DRM fd (owned by us): the GBM platform and allocator use dups of it; this
        // one closes when `new` returns.
        let drm_fd = gbm::vmm_drm_fd(vmm.as_ref());
        let mut platform = Platform::new(flags, vmm, drm_fd.as_ref())?;
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
        let pack_invert = exts.contains("GL_MESA_pack_invert");
        log::info!("GL backend on {}: {renderer}, OpenGL {version}", platform.name);
        log::debug!("GL limits {limits:?}, GL_MESA_pack_invert {pack_invert}");
        let mut be = GlBackend {
            gl,
            raw,
            limits,
            readback: Readback::Auto,
            pack_invert,
            staging: Vec::new(),
            unpack: Cell::new(None),
            pack: Cell::new(None),
            fbo: None,
            multi_context: false,
            gbm: None,
            gbm_textures: HashMap::new(),
            sync: None,
            recycled: std::collections::VecDeque::new(),
            recycled_bytes: 0,
            platform,
        };
        be.sync = be
            .platform
            .egl_handles()
            .and_then(|(egl, display, _)| sync::SyncFns::load(egl, display));
        log::debug!(
            "fence syncs: {}",
            if be.sync.is_some() { "EGL_KHR_fence_sync" } else { "glFinish" }
        );
        be.gbm = be.probe_gbm(drm_fd.as_ref());
        Ok(be)
    }

    /// The first DRM node (the VMM's fd, `renderD*`, `card*`) where a test bo can be
    /// allocated, exported and imported into our EGL display; `None` (logged) otherwise.
    fn probe_gbm(&mut self, drm_fd: Option<&std::os::fd::OwnedFd>) -> Option<gbm::GbmAllocator> {
        if !gbm::enabled() {
            log::info!("GBM allocation disabled (VIRGL_SHIM_GBM=0)");
            return None;
        }
        if self.platform.egl_handles().is_none() {
            log::debug!(
                "GBM allocation: platform {} has no EGL display to import into",
                self.platform.name
            );
            return None;
        }
        let argb = u32::from_le_bytes(*b"AR24");
        let abgr = u32::from_le_bytes(*b"AB24");
        let mods = self.dmabuf_modifiers(abgr);
        let mut why = Vec::new();
        for (label, fd) in gbm::GbmAllocator::candidates(drm_fd) {
            let alloc = match gbm::Device::open(fd, label.clone()) {
                Ok(d) => gbm::GbmAllocator::new(d),
                Err(e) => {
                    why.push(e.msg);
                    continue;
                }
            };
            let res = alloc.alloc(16, 16, argb, &mods).and_then(|bo| {
                let (tex, image) = self.import_gbm_bo(&bo, 16, 16, abgr)?;
                // SAFETY: context current; deleting the probe texture made just now.
                unsafe { self.gl.delete_texture(tex) };
                self.destroy_egl_image(image);
                Ok(bo.modifier)
            });
            match res {
                Ok(m) => {
                    log::info!("GBM allocation on {label} (test bo modifier {m:#x})");
                    return Some(alloc);
                }
                Err(e) => why.push(format!("{label}: {}", e.msg)),
            }
        }
        if why.is_empty() {
            log::debug!("GBM allocation: no DRM node");
        } else {
            log::info!("GBM allocation unavailable: {}", why.join("; "));
        }
        None
    }

    /// The DRM node scanout/shared textures are allocated on as GBM bos, if any.
    pub fn gbm_node(&self) -> Option<&str> {
        self.gbm.as_ref().map(|g| g.label())
    }

    /// True when `st` is a texture whose storage is a GBM bo.
    pub fn is_gbm(&self, st: &Storage) -> bool {
        matches!(st, Storage::Gl(g) if self.gbm_textures.contains_key(&g.name))
    }

    /// A SCANOUT/SHARED texture as a GBM bo imported through an EGLImage, zero-filled.
    fn create_gbm_texture(
        &mut self,
        desc: &ResourceDesc,
        alloc_fourcc: u32,
        import_fourcc: u32,
    ) -> Result<GlStorage> {
        let Some(gbm) = self.gbm.as_ref() else {
            return Err(Error::notsup("no GBM allocator"));
        };
        if !gbm.supports(alloc_fourcc) {
            return Err(Error::notsup(format!("{} has no {alloc_fourcc:#x} bos", gbm.label())));
        }
        let mods = self.dmabuf_modifiers(import_fourcc);
        let bo = gbm.alloc(desc.width, desc.height, alloc_fourcc, &mods)?;
        let (tex, image) = self.import_gbm_bo(&bo, desc.width, desc.height, import_fourcc)?;
        let st = GlStorage::new(tex.0.get(), glow::TEXTURE_2D);
        let init = Self::glfmt(desc).and_then(|f| {
            if let Some(sw) = f.swizzle {
                let sw = sw.map(|c| c as i32);
                // SAFETY: context current, texture ours.
                unsafe {
                    self.gl.bind_texture(glow::TEXTURE_2D, Some(tex));
                    self.gl.tex_parameter_i32_slice(
                        glow::TEXTURE_2D,
                        glow::TEXTURE_SWIZZLE_RGBA,
                        &sw,
                    );
                    self.gl.bind_texture(glow::TEXTURE_2D, None);
                }
                self.check("texture swizzle")?;
            }
            self.clear_texture(desc, &st, &f)
        });
        if let Err(e) = init {
            // SAFETY: context current; deleting the texture made above.
            unsafe { self.gl.delete_texture(tex) };
            self.destroy_egl_image(image);
            return Err(e);
        }
        self.gbm_textures.insert(st.name, GbmTexture { bo, image });
        Ok(st)
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
        // A new thread's shared context appears only inside make_current: seen here.
        self.multi_context |= self.platform.is_shared();
        if !self.single_context() {
            // Per-context GL state we cache is unknown in another context.
            self.unpack.set(None);
            self.pack.set(None);
        }
        self.drain_errors();
        Ok(())
    }

    /// True while this backend has only ever used one GL context, so that GL state it set
    /// earlier (pixel-store values, its framebuffer object) is still there: only this
    /// backend issues GL calls in its context. Once a second (shared) context was seen this
    /// stays false, and such state is set on every call instead.
    fn single_context(&self) -> bool {
        !self.multi_context && !self.platform.is_shared()
    }

    /// Reads GL errors until none is left (at most 16; one call when there is none).
    fn drain_errors(&self) {
        for _ in 0..16 {
            // SAFETY: the context is current; glGetError has no preconditions.
            if unsafe { self.gl.get_error() } == glow::NO_ERROR {
                break;
            }
        }
    }

    /// Takes the reusable staging buffer, at least `len` bytes long. Its bytes past those
    /// zeroed at growth may hold an earlier transfer's data: callers use only what they
    /// overwrite, then hand it back with [`Self::put_staging`].
    fn take_staging(&mut self, len: u64) -> Result<Vec<u8>> {
        let mut v = std::mem::take(&mut self.staging);
        grow(&mut v, len)?;
        Ok(v)
    }

    /// Keeps `v` for the next transfer unless it is very large.
    fn put_staging(&mut self, v: Vec<u8>) {
        if v.capacity() <= KEEP_STAGING {
            self.staging = v;
        }
    }

    /// Fails with ENOMEM/EINVAL when GL recorded an error during `what`.
    fn check(&self, what: impl std::fmt::Display) -> Result<()> {
        // SAFETY: the context is current.
        let e = unsafe { self.gl.get_error() };
        if e != glow::NO_ERROR {
            // Drain any further errors so the next call starts clean.
            self.drain_errors();
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

    fn create_texture(&mut self, desc: &ResourceDesc) -> Result<GlStorage> {
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

    // ---- upload -------------------------------------------------------------------------

    /// Sets the unpack pixel-store state for rows `row_len` texels apart (0 = packed) and
    /// images `image_h` rows apart (0 = packed), no unpack buffer, alignment 1, no skips.
    /// Only this backend changes that state in its context, so what it set last is cached.
    fn set_unpack_state(&self, row_len: i32, image_h: i32) {
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
            self.set_unpack_state(src.row_len, src.image_h);
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

    fn write_texture(
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

    // ---- readback -----------------------------------------------------------------------

    /// Sets the pack pixel-store state: rows `row_len` texels apart (0 = packed), top-down
    /// when `invert` (only with GL_MESA_pack_invert), no pack buffer, alignment 1, no skips.
    /// Cached like [`Self::set_unpack_state`].
    fn set_pack_state(&self, row_len: i32, invert: bool) {
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
                self.gl.pixel_store_i32(glow::PACK_IMAGE_HEIGHT, 0);
                self.gl.pixel_store_i32(glow::PACK_SKIP_PIXELS, 0);
                self.gl.pixel_store_i32(glow::PACK_SKIP_ROWS, 0);
                self.gl.pixel_store_i32(glow::PACK_SKIP_IMAGES, 0);
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
    fn fbo_readable(desc: &ResourceDesc) -> bool {
        let fmt = desc.format;
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
                if fmt.is_compressed() {
                    (self.raw.get_compressed_tex_image)(t, lv, p)
                } else {
                    (self.raw.get_tex_image)(t, lv, f.format, f.ty, p)
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

    fn read_texture(
        &mut self,
        desc: &ResourceDesc,
        st: &GlStorage,
        plan: &Plan,
        dst: &IovList,
    ) -> Result<()> {
        let flip = flipped(desc);
        let fbo = matches!(self.readback, Readback::Auto | Readback::ReadPixels)
            && Self::fbo_readable(desc);
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
                // SAFETY: `buf` has room for `len` bytes, the box packed: layers
                // `layer_pitch` bytes apart.
                let (p, lp) = (buf.as_mut_ptr(), layer_pitch);
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

    // ---- buffers ------------------------------------------------------------------------

    fn write_buffer(&mut self, st: &GlStorage, plan: &Plan, src: &IovList) -> Result<()> {
        let len = plan.row_bytes;
        if let Some(p) = src.contiguous(plan.guest.offset, len) {
            // SAFETY: `contiguous` checked that one iovec holds the `row_bytes` bytes at `p`.
            return unsafe { self.buffer_sub_data(st, plan, p.cast_const()) };
        }
        let n = usize_of(len, "buffer range")?;
        let mut buf = self.take_staging(len)?;
        // `gather` overwrites all of `buf[..n]`, the only part uploaded.
        let res = gather(plan, false, src, &mut buf[..n]).and_then(|_| {
            // SAFETY: `buf` holds at least `n` = `row_bytes` bytes.
            unsafe { self.buffer_sub_data(st, plan, buf.as_ptr()) }
        });
        self.put_staging(buf);
        res
    }

    /// glBufferSubData of the plan's range from `ptr`.
    ///
    /// # Safety
    /// `ptr` must be valid for reads of `plan.row_bytes` bytes.
    unsafe fn buffer_sub_data(&self, st: &GlStorage, plan: &Plan, ptr: *const u8) -> Result<()> {
        let t = glow::COPY_WRITE_BUFFER;
        let (off, len) = (plan.bx.x as isize, plan.row_bytes);
        // SAFETY: context current, buffer ours; `ptr` holds `len` readable bytes (caller's
        // contract: one guest iovec range checked by `contiguous`, or the staging copy);
        // [x, x+len) lies in the buffer (plan validated the box against the width).
        unsafe {
            self.gl.bind_buffer(t, NonZeroU32::new(st.name).map(glow::NativeBuffer));
            (self.raw.buffer_sub_data)(t, off, len as isize, ptr.cast());
            self.gl.bind_buffer(t, None);
        }
        self.check("glBufferSubData")
    }

    fn read_buffer(&mut self, st: &GlStorage, plan: &Plan, dst: &IovList) -> Result<()> {
        let len = plan.row_bytes;
        if let Some(p) = dst.contiguous(plan.guest.offset, len) {
            // SAFETY: `contiguous` checked that one iovec holds the `row_bytes` bytes at `p`.
            return unsafe { self.get_buffer_sub_data(st, plan, p) };
        }
        let n = usize_of(len, "buffer range")?;
        let mut buf = self.take_staging(len)?;
        // glGetBufferSubData fills all of `buf[..n]` when it succeeds; only then is it copied.
        // SAFETY: `buf` holds at least `n` = `row_bytes` bytes.
        let res = unsafe { self.get_buffer_sub_data(st, plan, buf.as_mut_ptr()) }
            .and_then(|_| dst.write(plan.guest.offset, &buf[..n]));
        self.put_staging(buf);
        res
    }

    /// glGetBufferSubData of the plan's range into `ptr`.
    ///
    /// # Safety
    /// `ptr` must be valid for writes of `plan.row_bytes` bytes.
    unsafe fn get_buffer_sub_data(&self, st: &GlStorage, plan: &Plan, ptr: *mut u8) -> Result<()> {
        let t = glow::COPY_READ_BUFFER;
        let (off, len) = (plan.bx.x as isize, plan.row_bytes);
        // SAFETY: context current, buffer ours; `ptr` has room for `len` bytes (caller's
        // contract: one guest iovec range checked by `contiguous`, or the staging buffer);
        // [x, x+len) is inside the buffer.
        unsafe {
            self.gl.bind_buffer(t, NonZeroU32::new(st.name).map(glow::NativeBuffer));
            (self.raw.get_buffer_sub_data)(t, off, len as isize, ptr.cast());
            self.gl.bind_buffer(t, None);
        }
        self.check("glGetBufferSubData")
    }

    // ---- lazy zero-fill and recycling ---------------------------------------------------

    /// Zero-fills `st` if its contents are still undefined (see
    /// [`GlStorage::clear_pending`]). The context must be current.
    fn settle(&self, desc: &ResourceDesc, st: &mut GlStorage) -> Result<()> {
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
    fn covers_all(desc: &ResourceDesc, plan: &Plan) -> bool {
        if desc.last_level != 0 || plan.level != 0 || desc.nr_samples > 1 {
            return false;
        }
        let (w, h, d) = transfer::level_extent(desc, 0);
        let b = &plan.bx;
        (b.x, b.y, b.z, b.w, b.h, b.d) == (0, 0, 0, w, h, d)
    }

    /// Bytes of storage `desc` needs, roughly (every level counted as level 0's size when
    /// there are mipmaps); saturates instead of overflowing.
    fn storage_bytes(desc: &ResourceDesc) -> u64 {
        let (w, h, d) = transfer::level_extent(desc, 0);
        let fmt = desc.format;
        let level0 = fmt
            .stride(w)
            .saturating_mul(fmt.nblocksy(h))
            .saturating_mul(d.max(1) as u64)
            .saturating_mul(desc.nr_samples.max(1) as u64);
        level0.saturating_mul(if desc.last_level > 0 { 2 } else { 1 })
    }

    /// A kept object of `desc`'s shape, to be zero-filled before use; `None` if there is none.
    fn reuse(&mut self, desc: &ResourceDesc) -> Option<GlStorage> {
        let shape = Shape::of(desc);
        let i = self.recycled.iter().position(|r| r.shape == shape)?;
        let r = self.recycled.remove(i)?;
        self.recycled_bytes -= r.bytes;
        Some(GlStorage { clear_pending: true, exposed: false, ..r.st })
    }

    /// Keeps a destroyed resource's texture for the next resource of the same shape when it
    /// never left the library, is small and not a GBM bo; deletes it (and the oldest kept
    /// ones beyond the limits) otherwise — buffers are always deleted. Creating and deleting GL objects is most of the cost of short-lived
    /// resources (cursors, small surfaces); a kept object is zero-filled before it is used
    /// again, so nothing of the old resource shows through.
    fn recycle(&mut self, desc: &ResourceDesc, st: GlStorage) {
        let bytes = Self::storage_bytes(desc);
        let keep = !st.exposed
            && desc.target != Target::Buffer
            && bytes <= RECYCLE_MAX_ONE
            && !self.gbm_textures.contains_key(&st.name);
        let mut doomed = Vec::new();
        if keep {
            self.recycled_bytes += bytes;
            self.recycled.push_back(Recycled { shape: Shape::of(desc), st, bytes });
            while self.recycled.len() > RECYCLE_MAX_OBJECTS
                || self.recycled_bytes > RECYCLE_MAX_BYTES
            {
                let Some(old) = self.recycled.pop_front() else { break };
                self.recycled_bytes -= old.bytes;
                doomed.push(old.st);
            }
        } else {
            doomed.push(st);
        }
        if doomed.is_empty() {
            return;
        }
        if let Err(e) = self.begin() {
            // Without the context nothing can be deleted; the objects die with it.
            log::warn!("GL object deletion skipped: {}", e.msg);
            return;
        }
        for st in doomed {
            self.delete_object(st);
        }
    }

    /// Deletes a texture or buffer (and a GBM texture's bo and EGLImage). The context must
    /// be current.
    fn delete_object(&mut self, st: GlStorage) {
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
        if st.target != 0 {
            if let Some(g) = self.gbm_textures.remove(&st.name) {
                self.destroy_egl_image(g.image);
                drop(g.bo);
            }
        }
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
        let gbm = gbm_fourccs(desc).filter(|_| self.gbm.is_some());
        if gbm.is_none() {
            if let Some(st) = self.reuse(desc) {
                return Ok(Storage::Gl(st));
            }
        }
        self.begin()?;
        let st = if desc.target == Target::Buffer {
            self.create_buffer(desc)?
        } else if let Some((alloc, import)) = gbm {
            match self.create_gbm_texture(desc, alloc, import) {
                Ok(st) => st,
                Err(e) => {
                    log::debug!(
                        "{} {}x{}: no GBM bo ({}); plain texture",
                        desc.format.name,
                        desc.width,
                        desc.height,
                        e.msg
                    );
                    self.drain_errors();
                    self.create_texture(desc)?
                }
            }
        } else {
            self.create_texture(desc)?
        };
        self.finish_if_shared();
        Ok(Storage::Gl(st))
    }

    fn destroy(&mut self, desc: &ResourceDesc, storage: Storage) {
        if let Storage::ZeroCopy(z) = storage {
            if let Some(imp) = z.import {
                self.release_import(imp);
            }
            return;
        }
        let Storage::Gl(st) = storage else {
            return;
        };
        self.recycle(desc, st);
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
        if st.clear_pending && Self::covers_all(desc, plan) {
            // Every byte is about to be replaced; if the write fails half-way the object is
            // still marked and gets cleared before anything reads it.
        } else {
            self.settle(desc, st)?;
        }
        if st.target == 0 {
            self.write_buffer(st, plan, src)?;
        } else {
            self.write_texture(desc, st, plan, src)?;
        }
        st.clear_pending = false;
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
        self.settle(desc, st)?;
        if st.target == 0 {
            self.read_buffer(st, plan, dst)
        } else {
            self.read_texture(desc, st, plan, dst)
        }
    }

    fn sync_point(&mut self) -> Result<Option<std::sync::Arc<dyn crate::backend::SyncPoint>>> {
        self.begin()?;
        if let Some(fence) = self.sync.as_ref().and_then(|s| s.fence()) {
            // SAFETY: context current; the flush makes the fence reachable for waiters
            // that have no context.
            unsafe { self.gl.flush() };
            return Ok(Some(std::sync::Arc::new(fence)));
        }
        // SAFETY: context current.
        unsafe { self.gl.finish() };
        Ok(None)
    }

    fn force_ctx_0(&mut self) {
        self.platform.forget_current();
        if let Err(e) = self.begin() {
            log::warn!("virgl_renderer_force_ctx_0: {}", e.msg);
        }
    }

    fn forget_current(&mut self) {
        self.platform.forget_current();
    }

    fn trim(&mut self) {
        if self.recycled.is_empty() {
            return;
        }
        if let Err(e) = self.begin() {
            log::warn!("kept GL objects not deleted: {}", e.msg);
            return;
        }
        while let Some(r) = self.recycled.pop_front() {
            self.delete_object(r.st);
        }
        self.recycled_bytes = 0;
    }

    fn expose(&mut self, desc: &ResourceDesc, st: &mut Storage) -> Result<()> {
        let Storage::Gl(g) = st else {
            return Ok(());
        };
        if g.clear_pending {
            self.begin()?;
            self.settle(desc, g)?;
            self.finish_if_shared();
        }
        g.exposed = true;
        Ok(())
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
        if target == glow::TEXTURE_2D && self.gbm_textures.contains_key(&name) {
            self.begin()?;
            // SAFETY: context current; GL writes must land before another user reads.
            unsafe { self.gl.finish() };
            let bo = &self.gbm_textures[&name].bo;
            let fd = bo.fd.try_clone().map_err(|e| {
                Error::new(e.raw_os_error().unwrap_or(libc::EMFILE), format!("dup dma-buf: {e}"))
            })?;
            return Ok(crate::dmabuf::Dmabuf {
                fd,
                fourcc: bo.fourcc,
                modifier: bo.modifier,
                size: bo.size,
                num_planes: bo.planes,
                strides: bo.strides,
                offsets: bo.offsets,
            });
        }
        self.export_dmabuf_texture(desc, name, target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::cpu::CpuBackend;
    use crate::model::resource::CreateArgs;
    use crate::resource::bind;
    use crate::transfer::RawBox;

    /// A GL backend, or `None` (test skipped) with `VIRGL_SHIM_SKIP_GL=1` when EGL is missing.
    fn gl() -> Option<GlBackend> {
        match GlBackend::new(0, None) {
            Ok(g) => Some(g),
            Err(e) if std::env::var("VIRGL_SHIM_SKIP_GL").as_deref() == Ok("1") => {
                eprintln!("SKIP: no GL backend ({})", e.msg);
                None
            }
            Err(e) => panic!("GL backend failed to start: {e}"),
        }
    }

    fn desc(gl: &GlBackend, w: u32, h: u32, flags: u32) -> ResourceDesc {
        let a = CreateArgs {
            handle: 1,
            target: 2, // PIPE_TEXTURE_2D
            format: crate::format::B8G8R8A8_UNORM,
            bind: bind::RENDER_TARGET | bind::SAMPLER_VIEW,
            width: w,
            height: h,
            depth: 1,
            array_size: 1,
            last_level: 0,
            nr_samples: 0,
            flags,
        };
        ResourceDesc::validate(&a, &gl.limits()).unwrap()
    }

    /// Guest memory: `size` bytes, as one iovec or as ~4 KiB pieces laid out in reverse.
    struct Guest {
        arena: Vec<u8>,
        pieces: Vec<(usize, usize)>,
    }

    impl Guest {
        fn new(size: usize, scattered: bool, seed: u8) -> Self {
            let arena: Vec<u8> =
                (0..size).map(|i| (i as u32).wrapping_mul(2_654_435_761) as u8 ^ seed).collect();
            let mut pieces = Vec::new();
            if scattered {
                let n = size.div_ceil(4000);
                for i in 0..n {
                    let len = 4000.min(size - i * 4000);
                    pieces.push((size - i * 4000 - len, len));
                }
            } else {
                pieces.push((0, size));
            }
            Guest { arena, pieces }
        }
        fn zeroed(size: usize, scattered: bool) -> Self {
            let mut g = Self::new(size, scattered, 0);
            g.arena.fill(0);
            g
        }
        fn iov(&mut self) -> IovList {
            let base = self.arena.as_mut_ptr();
            // SAFETY: every piece lies inside the arena.
            let s: Vec<(*mut u8, usize)> =
                self.pieces.iter().map(|&(o, n)| (unsafe { base.add(o) }, n)).collect();
            // SAFETY: the arena outlives the list (dropped before the guest is touched).
            unsafe { IovList::from_slices(&s).unwrap() }
        }
        fn linear(&self) -> Vec<u8> {
            self.pieces.iter().flat_map(|&(o, n)| self.arena[o..o + n].to_vec()).collect()
        }
    }

    fn plan(d: &ResourceDesc, b: [u32; 4], stride: u32, offset: u64, size: u64) -> Plan {
        let raw = RawBox { x: b[0], y: b[1], z: 0, w: b[2], h: b[3], d: 1 };
        transfer::plan(d, 0, stride, 0, raw, offset, size).unwrap()
    }

    fn read(be: &mut dyn Backend, d: &ResourceDesc, st: &mut Storage, p: &Plan, g: &mut Guest) {
        let iov = g.iov();
        be.read(d, st, p, &iov).unwrap();
    }

    /// Every upload path (gathered from one iovec or from pieces, whole or in bands of rows)
    /// stores Y_0_TOP rows bottom-up, and every readback path (straight into
    /// guest memory with GL_MESA_pack_invert, through staging) returns them top-down, equal
    /// to the CPU backend byte for byte, gaps between rows untouched.
    #[test]
    fn flipped_paths_match_cpu_and_store_bottom_up() {
        let Some(mut gl) = gl() else { return };
        // 1100x37 and 2000x70: more than BAND_BYTES, uploaded in bands (the last one
        // shorter); 60x9: one upload.
        for (w, h) in [(1100u32, 37u32), (2000, 70), (60, 9)] {
            let d = desc(&gl, w, h, flags::Y_0_TOP);
            let stride = w as u64 * 4;
            for scattered in [false, true] {
                let mut cpu = CpuBackend::new();
                let mut st_cpu = cpu.create(&d).unwrap();
                let mut st = gl.create(&d).unwrap();
                let size = stride * h as u64 + 64;
                let mut src = Guest::new(size as usize, scattered, w as u8);
                // The whole level, then a sub-box at an offset with a padded stride.
                let sub_stride = (w - 3) * 4 + 12;
                let sub = plan(&d, [2, 1, w - 3, h - 3], sub_stride, 20, size);
                for p in [plan(&d, [0, 0, w, h], 0, 0, size), sub] {
                    let iov = src.iov();
                    cpu.write(&d, &mut st_cpu, &p, &iov).unwrap();
                    gl.write(&d, &mut st, &p, &iov).unwrap();
                    drop(iov);
                    for s in &mut src.arena {
                        *s = s.wrapping_add(101);
                    }
                }
                let full = plan(&d, [0, 0, w, h], 0, 0, size);
                for p in [full, sub] {
                    for rd_scattered in [false, true] {
                        let mut want = Guest::zeroed(size as usize, rd_scattered);
                        read(&mut cpu, &d, &mut st_cpu, &p, &mut want);
                        for path in [
                            Readback::Auto,
                            Readback::ReadPixels,
                            Readback::TextureSubImage,
                            Readback::WholeLevel,
                        ] {
                            gl.set_readback(path);
                            let mut got = Guest::zeroed(size as usize, rd_scattered);
                            read(&mut gl, &d, &mut st, &p, &mut got);
                            assert!(
                                got.linear() == want.linear(),
                                "{w}x{h} scattered {scattered}/{rd_scattered} {path:?} box {p:?}"
                            );
                        }
                    }
                }
                gl.set_readback(Readback::Auto);
                // The storage itself is bottom-up: read it as a resource without the flag.
                let raw_desc = ResourceDesc { flags: 0, ..d };
                let mut raw = Guest::zeroed(size as usize, false);
                read(&mut gl, &raw_desc, &mut st, &full, &mut raw);
                let mut top_down = Guest::zeroed(size as usize, false);
                read(&mut cpu, &d, &mut st_cpu, &full, &mut top_down);
                let (raw, top_down) = (raw.linear(), top_down.linear());
                for r in 0..h as usize {
                    let s = stride as usize;
                    let g = (h as usize - 1 - r) * s;
                    assert!(raw[r * s..(r + 1) * s] == top_down[g..g + s], "{w}x{h} row {r}");
                }
                cpu.destroy(&d, st_cpu);
                gl.destroy(&d, st);
            }
        }
    }

    /// The reused staging buffer holds earlier transfers' bytes: a fresh texture must still
    /// read back as zeros through every path, and a small read must not carry stale bytes.
    #[test]
    fn reused_staging_never_leaks_old_bytes() {
        let Some(mut gl) = gl() else { return };
        let (w, h) = (64u32, 32u32);
        let d = desc(&gl, w, h, flags::Y_0_TOP);
        let size = (w * h * 4) as u64;
        let full = plan(&d, [0, 0, w, h], 0, 0, size);
        let mut a = gl.create(&d).unwrap();
        let mut src = Guest::new(size as usize, true, 0x5A);
        src.arena.iter_mut().for_each(|b| *b |= 0x80);
        let iov = src.iov();
        gl.write(&d, &mut a, &full, &iov).unwrap();
        drop(iov);
        let mut b = gl.create(&d).unwrap();
        for path in
            [Readback::Auto, Readback::ReadPixels, Readback::TextureSubImage, Readback::WholeLevel]
        {
            gl.set_readback(path);
            // Fill staging with A's bytes, then read the fresh B through it.
            let mut junk = Guest::zeroed(size as usize, true);
            read(&mut gl, &d, &mut a, &full, &mut junk);
            assert!(junk.linear().iter().all(|&x| x & 0x80 != 0), "{path:?}: A read back");
            for scattered in [false, true] {
                let mut got = Guest::zeroed(size as usize, scattered);
                read(&mut gl, &d, &mut b, &full, &mut got);
                assert!(got.linear().iter().all(|&x| x == 0), "{path:?}: fresh texture not zero");
            }
        }
        gl.destroy(&d, a);
        gl.destroy(&d, b);
    }

    fn gl_st(st: &Storage) -> &GlStorage {
        match st {
            Storage::Gl(g) => g,
            _ => panic!("not GL storage"),
        }
    }

    /// New storage is zero-filled lazily: a write of the whole resource needs no clear, a
    /// partial write clears the rest first, and a read of untouched storage gives zeros.
    #[test]
    fn fresh_storage_is_zero_filled_lazily() {
        let Some(mut gl) = gl() else { return };
        let (w, h) = (48u32, 20u32);
        let size = (w * h * 4) as u64;
        for flags in [0, flags::Y_0_TOP] {
            let d = desc(&gl, w, h, flags);
            let full = plan(&d, [0, 0, w, h], 0, 0, size);
            // Untouched: zeros.
            let mut st = gl.create(&d).unwrap();
            assert!(gl_st(&st).clear_pending);
            let mut got = Guest::zeroed(size as usize, false);
            got.arena.fill(0xEE);
            read(&mut gl, &d, &mut st, &full, &mut got);
            assert!(got.linear().iter().all(|&b| b == 0), "fresh texture not zero");
            assert!(!gl_st(&st).clear_pending);
            gl.destroy(&d, st);

            // A partial write: the written rectangle, zeros elsewhere.
            let mut st = gl.create(&d).unwrap();
            let mut src = Guest::new(size as usize, false, 0x33);
            src.arena.iter_mut().for_each(|b| *b |= 1);
            let part = plan(&d, [5, 3, 10, 4], w * 4, (3 * w * 4 + 5 * 4) as u64, size);
            let iov = src.iov();
            gl.write(&d, &mut st, &part, &iov).unwrap();
            drop(iov);
            assert!(!gl_st(&st).clear_pending);
            let mut got = Guest::zeroed(size as usize, false);
            read(&mut gl, &d, &mut st, &full, &mut got);
            let (got, src_l) = (got.linear(), src.linear());
            for y in 0..h as usize {
                for x in 0..w as usize {
                    let i = (y * w as usize + x) * 4;
                    let inside = (5..15).contains(&x) && (3..7).contains(&y);
                    let want = if inside { &src_l[i..i + 4] } else { &[0u8; 4][..] };
                    assert_eq!(&got[i..i + 4], want, "flags {flags} texel {x},{y}");
                }
            }
            gl.destroy(&d, st);

            // A full write: no clear needed, the bytes come back.
            let mut st = gl.create(&d).unwrap();
            let iov = src.iov();
            gl.write(&d, &mut st, &full, &iov).unwrap();
            drop(iov);
            assert!(!gl_st(&st).clear_pending);
            let mut got = Guest::zeroed(size as usize, true);
            read(&mut gl, &d, &mut st, &full, &mut got);
            assert_eq!(got.linear(), src.linear());
            gl.destroy(&d, st);
        }
        gl.trim();
    }

    /// A buffer is zero-filled lazily too: a partial write leaves zeros around it.
    #[test]
    fn fresh_buffer_is_zero_filled_lazily() {
        let Some(mut gl) = gl() else { return };
        let a = CreateArgs {
            handle: 1,
            target: 0,
            format: crate::format::R8_UNORM,
            bind: bind::VERTEX_BUFFER,
            width: 1000,
            height: 1,
            depth: 1,
            array_size: 1,
            last_level: 0,
            nr_samples: 0,
            flags: 0,
        };
        let d = ResourceDesc::validate(&a, &gl.limits()).unwrap();
        let full = plan(&d, [0, 0, 1000, 1], 0, 0, 1000);
        let part = plan(&d, [100, 0, 50, 1], 0, 100, 1000);
        let mut st = gl.create(&d).unwrap();
        assert!(gl_st(&st).clear_pending);
        let mut src = Guest::new(1000, false, 9);
        src.arena.iter_mut().for_each(|b| *b |= 1);
        let iov = src.iov();
        gl.write(&d, &mut st, &part, &iov).unwrap();
        drop(iov);
        let mut got = Guest::zeroed(1000, false);
        read(&mut gl, &d, &mut st, &full, &mut got);
        let (got, src) = (got.linear(), src.linear());
        assert!(got[..100].iter().chain(&got[150..]).all(|&b| b == 0));
        assert_eq!(got[100..150], src[100..150]);
        gl.destroy(&d, st);
    }

    /// A destroyed, never-exposed texture serves the next resource of its shape, zero-filled
    /// again: nothing of the old resource shows through, whatever the new one writes.
    #[test]
    fn recycled_texture_never_shows_old_bytes() {
        let Some(mut gl) = gl() else { return };
        let (w, h) = (32u32, 16u32);
        let size = (w * h * 4) as u64;
        let d = desc(&gl, w, h, flags::Y_0_TOP);
        let full = plan(&d, [0, 0, w, h], 0, 0, size);
        let mut a = gl.create(&d).unwrap();
        let mut old = Guest::new(size as usize, false, 0);
        old.arena.fill(0xAB);
        let iov = old.iov();
        gl.write(&d, &mut a, &full, &iov).unwrap();
        drop(iov);
        let name = gl_st(&a).name;
        gl.destroy(&d, a);
        assert_eq!(gl.recycled.len(), 1);

        // Same shape: the same object, pending a clear; read before any write: zeros.
        let mut b = gl.create(&d).unwrap();
        assert_eq!((gl_st(&b).name, gl_st(&b).clear_pending), (name, true));
        assert!(gl.recycled.is_empty());
        let mut got = Guest::zeroed(size as usize, false);
        read(&mut gl, &d, &mut b, &full, &mut got);
        assert!(got.linear().iter().all(|&x| x == 0), "recycled texture kept old bytes");
        // Recycled again, then a partial write: zeros outside it.
        gl.destroy(&d, b);
        let mut c = gl.create(&d).unwrap();
        let mut src = Guest::new(size as usize, false, 1);
        src.arena.fill(0x11);
        let part = plan(&d, [0, 0, 4, 2], w * 4, 0, size);
        let iov = src.iov();
        gl.write(&d, &mut c, &part, &iov).unwrap();
        drop(iov);
        let mut got = Guest::zeroed(size as usize, false);
        read(&mut gl, &d, &mut c, &full, &mut got);
        let got = got.linear();
        assert!(got.iter().all(|&x| x == 0 || x == 0x11), "old bytes after a partial write");
        assert_eq!(got.iter().filter(|&&x| x == 0x11).count(), 4 * 2 * 4);

        // Another shape does not take it.
        gl.destroy(&d, c);
        let d2 = desc(&gl, w, h + 1, flags::Y_0_TOP);
        let e = gl.create(&d2).unwrap();
        assert_eq!(gl.recycled.len(), 1);
        gl.destroy(&d2, e);
        gl.trim();
        assert!(gl.recycled.is_empty() && gl.recycled_bytes == 0);
    }

    /// A name the VMM got (get_info's tex_id, a dma-buf export) is cleared at once and never
    /// recycled; the kept set stays within its limits and large textures are never kept.
    #[test]
    fn exposed_and_large_objects_are_not_recycled() {
        let Some(mut gl) = gl() else { return };
        let d = desc(&gl, 16, 16, 0);
        let mut st = gl.create(&d).unwrap();
        gl.expose(&d, &mut st).unwrap();
        assert!(!gl_st(&st).clear_pending && gl_st(&st).exposed);
        gl.destroy(&d, st);
        assert!(gl.recycled.is_empty(), "an exposed texture was kept");

        let big = desc(&gl, 2048, 1024, 0); // 8 MiB > RECYCLE_MAX_ONE
        let st = gl.create(&big).unwrap();
        gl.destroy(&big, st);
        assert!(gl.recycled.is_empty(), "a large texture was kept");

        let many: Vec<_> = (0..RECYCLE_MAX_OBJECTS + 8).map(|_| gl.create(&d).unwrap()).collect();
        for st in many {
            gl.destroy(&d, st);
        }
        assert_eq!(gl.recycled.len(), RECYCLE_MAX_OBJECTS);
        assert!(gl.recycled_bytes <= RECYCLE_MAX_BYTES);
        let mid = desc(&gl, 1024, 1024, 0); // 4 MiB each: the byte limit binds first
        let many: Vec<_> = (0..10).map(|_| gl.create(&mid).unwrap()).collect();
        for st in many {
            gl.destroy(&mid, st);
        }
        assert!(gl.recycled_bytes <= RECYCLE_MAX_BYTES, "{}", gl.recycled_bytes);
        gl.trim();
        assert!(gl.recycled.is_empty() && gl.recycled_bytes == 0);
    }
}
