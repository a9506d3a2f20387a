//! The GL backend: resources are OpenGL textures (immutable storage) and buffers on a
//! desktop GL core context, or an OpenGL ES 3.2 one with `VIRGL_RENDERER_USE_GLES` (see
//! [`egl`] for where the context comes from, [`gles`] for what ES changes).
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
//!
//! Files: [`context`] starts the backend (EGL platform, GL entry points, limits) and keeps
//! its context current and its errors checked; [`storage`] creates textures and buffers and
//! zero-fills them lazily; [`recycle`] keeps destroyed objects for the next resource of the
//! same shape; [`staging`] holds the staging buffer and the gather/scatter between guest
//! memory and packed rows; [`upload`], [`readback`] and [`buffer`] move the bytes;
//! [`gbm_texture`] makes SCANOUT/SHARED textures from GBM bos; [`gles`] holds what an
//! OpenGL ES context needs instead of the desktop-only calls (and what it refuses); [`program`] caches the
//! linked GL programs of guest shaders; [`dmabuf`] imports and exports
//! dma-bufs; [`backend_impl`] is the [`super::Backend`] implementation that ties them together.

mod backend_impl;
mod buffer;
pub mod buffer_bindings;
mod clear_query;
mod context;
mod contexts;
mod decompress_blit;
pub mod draw;
pub mod egl;
mod eglimage;
mod format_probe;
pub mod framebuffer;
mod gbm;
mod gbm_texture;
pub mod gles;
mod index_range;
mod layer_blend_blit;
mod limits;
mod msaa_blit;
mod program;
mod raw;
mod readback;
mod recycle;
mod staging;
mod storage;
pub mod streamout;
mod sync;
pub mod tess;
mod textures;
mod upload;
mod vertex_input;

pub use egl::VmmGl;
pub use program::{
    ConstBuffer, ProgramId, ProgramInfo, ProgramStats, StageBindings, MAX_PROGRAMS,
    MAX_SOURCE_BYTES,
};
pub use storage::GlStorage;

use super::MaxSizes;
use crate::error::{Error, Result};
use egl::Platform;
use gbm_texture::GbmTexture;
use raw::RawGl;
use recycle::Recycled;
use std::cell::Cell;
use std::collections::HashMap;

#[cfg(test)]
use super::{Backend, Storage};
#[cfg(test)]
use crate::{
    model::resource::{flags, ResourceDesc},
    model::transfer::{self, Plan},
    sys::iov::IovList,
};
#[cfg(test)]
use recycle::{RECYCLE_MAX_BYTES, RECYCLE_MAX_OBJECTS};

/// How the VMM asked for GL (`virgl_renderer_init`'s flags, as far as the GL backend cares).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GlFlags {
    /// `VIRGL_RENDERER_USE_EGL`: make our own EGL context even when the VMM offers GL
    /// contexts, unless it also gave its EGL display.
    pub use_egl: bool,
    /// `VIRGL_RENDERER_USE_GLES`: an OpenGL ES 3.x context instead of desktop GL.
    pub use_gles: bool,
}

impl GlFlags {
    /// The client API the flags ask for.
    pub fn api(&self) -> egl::Api {
        if self.use_gles {
            egl::Api::Gles
        } else {
            egl::Api::Gl
        }
    }
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
    /// An OpenGL ES context: its version and the extensions the backend uses (see
    /// [`gles`]); `None` on desktop GL.
    es: Option<gles::EsHost>,
    limits: MaxSizes,
    readback: Readback,
    /// GL_MESA_pack_invert: flipped resources read back top-down in one ReadPixels.
    pack_invert: bool,
    /// GL_EXT_texture_sRGB_decode: a linear view of sRGB storage samples it undecoded.
    srgb_decode: bool,
    /// glBlitFramebuffer copies stencil between different depth/stencil formats
    /// (`format_probe::stencil_blit_across_formats`).
    stencil_blit_across_formats: bool,
    /// Reused staging memory (grow-only up to [`staging::KEEP_STAGING`]; see [`staging::grow`]).
    staging: Vec<u8>,
    /// What this backend last set as `UNPACK_ROW_LENGTH` / `UNPACK_IMAGE_HEIGHT` (the other
    /// unpack state is set once with it); `None` = unknown. Valid while one context exists.
    unpack: Cell<Option<(i32, i32)>>,
    /// The same for `PACK_ROW_LENGTH` and `PACK_INVERT_MESA`.
    pack: Cell<Option<(i32, bool)>>,
    /// The readback framebuffer of the current context (FBOs are not shared).
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
    /// How many times a GL object was given to the VMM ([`Backend::expose`]): what a
    /// draw kept of a buffer's `exposed` flag holds while this count does.
    exposures: u64,
    /// Linked GL programs of guest shaders (see [`program`]).
    programs: program::ProgramCache,
    /// The draw path's vertex array, framebuffer and sampler objects (see [`draw`]).
    draw: draw::DrawObjects,
    /// What the next GL calls need: a sub-context's context, or any (see [`contexts`]).
    want: egl::Want,
    /// The slot of the context whose objects `draw` and `fbo` are.
    slot: u32,
    /// The other contexts' objects, by slot.
    parked: HashMap<u32, contexts::ContextObjects>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::cpu::CpuBackend;
    use crate::model::resource::bind;
    use crate::model::resource::CreateArgs;
    use crate::model::transfer::RawBox;

    /// A GL backend: GL is required on every host (the test policy of tests/common), so a
    /// backend that does not start fails the test.
    fn gl() -> Option<GlBackend> {
        match GlBackend::new(GlFlags::default(), None) {
            Ok(g) => Some(g),
            Err(e) => panic!("GL backend failed to start (GL is required on every host): {e}"),
        }
    }

    fn desc(gl: &GlBackend, w: u32, h: u32, flags: u32) -> ResourceDesc {
        let a = CreateArgs {
            handle: 1,
            target: 2, // PIPE_TEXTURE_2D
            format: crate::model::format::B8G8R8A8_UNORM,
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
            format: crate::model::format::R8_UNORM,
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
