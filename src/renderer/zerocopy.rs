//! Zero-copy resources (`VIRGL_RENDERER_RESOURCE_FLAG_ZEROCOPY`) and the registry of guest
//! RAM ranges the VMM backs with memfds (`virgl_renderer_register_guest_memory`).
//!
//! A zero-copy resource keeps no host copy: its bytes are the guest pages of its backing, in
//! the resource's linear layout (every level packed, rows at their natural stride, as
//! [`transfer::linear_levels`] defines). Semantics chosen:
//!
//! - `TRANSFER_TO_HOST` validates its box and returns 0; nothing is copied, whatever
//!   iovecs it names (data in iovecs other than the backing is *not* taken).
//! - `TRANSFER_FROM_HOST` into the backing (no explicit iovecs) validates and returns 0.
//! - Every host reader — `TRANSFER_FROM_HOST` into other iovecs, `get_rect`, cursor data,
//!   exports — sees the guest pages as they are at the time of the call.
//!
//! On the CPU backend this always works. On the GL backend the pages must become a dma-buf
//! (udmabuf over the registered memfds) imported into GL; readers then read the GL texture
//! (2D textures) or the pages (buffers). When that is impossible, creation fails with
//! EOPNOTSUPP and a log line — the guest falls back to classic resources; nothing is ever
//! copied silently. Where the pages are such a dma-buf, the library's own CPU reads and
//! writes of them (command-stream writes, direct reads) are bracketed with
//! `DMA_BUF_IOCTL_SYNC` ([`memory::CpuAccess`]) for devices that are not cache-coherent.

use crate::backend::Storage;
use crate::dmabuf::{DmabufLayout, ImportedTexture};
use crate::error::{Error, Result};
use crate::iov::IovList;
use crate::memory::{self, MemfdRange};
use crate::renderer::{Direction, Renderer, Resource};
use crate::resource::{flags, Backing, ResourceDesc, Target};
use crate::transfer::{self, LevelLayout, Plan};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::Mutex;

/// One registered range of guest RAM.
struct Region {
    hva: usize,
    size: u64,
    fd: OwnedFd,
    fd_offset: u64,
}

/// Registered guest RAM, process-wide (VMM state: it survives renderer reset/cleanup).
static REGIONS: Mutex<Vec<Region>> = Mutex::new(Vec::new());

fn regions() -> std::sync::MutexGuard<'static, Vec<Region>> {
    REGIONS.lock().unwrap_or_else(|e| e.into_inner())
}

/// `virgl_renderer_register_guest_memory`: `size` bytes of guest RAM mapped at `hva` are
/// `fd` from `fd_offset`. Rules: `hva`, `size` and `fd_offset` non-zero-size, page-aligned,
/// without overflow (EINVAL); `fd` a memfd sealed with `F_SEAL_SHRINK` (what udmabuf
/// needs) and at least `fd_offset + size` bytes long (EINVAL); no overlap with a registered
/// range (EEXIST). The fd is duplicated: the caller keeps its own.
pub fn register_guest_memory(hva: usize, size: u64, fd: i32, fd_offset: u64) -> Result<()> {
    let page = memory::host_page_size();
    if hva == 0 || size == 0 || fd < 0 {
        return Err(Error::inval(format!("hva {hva:#x} size {size} fd {fd}")));
    }
    if hva as u64 % page != 0 || size % page != 0 || fd_offset % page != 0 {
        return Err(Error::inval(format!(
            "hva {hva:#x}, size {size:#x}, fd_offset {fd_offset:#x} must be page-aligned"
        )));
    }
    let end = (hva as u64).checked_add(size).filter(|&e| e <= usize::MAX as u64);
    let fd_end = fd_offset.checked_add(size);
    let (Some(end), Some(fd_end)) = (end, fd_end) else {
        return Err(Error::inval("range overflows"));
    };
    let seals = memory::memfd_seals(fd)
        .map_err(|e| Error::inval(format!("fd {fd} is not a memfd (errno {e})")))?;
    if seals & libc::F_SEAL_SHRINK == 0 {
        return Err(Error::inval(format!("memfd {fd} is not sealed with F_SEAL_SHRINK")));
    }
    if seals & libc::F_SEAL_WRITE != 0 {
        return Err(Error::inval(format!("memfd {fd} is sealed against writes")));
    }
    let len = memory::fd_size(fd)?;
    if len < fd_end {
        return Err(Error::inval(format!("memfd {fd} has {len} bytes, range ends at {fd_end}")));
    }
    let mut regs = regions();
    if let Some(r) =
        regs.iter().find(|r| (hva as u64) < r.hva as u64 + r.size && end > r.hva as u64)
    {
        return Err(Error::new(
            libc::EEXIST,
            format!("range {hva:#x}+{size:#x} overlaps registered {:#x}+{:#x}", r.hva, r.size),
        ));
    }
    // SAFETY: F_DUPFD_CLOEXEC on a valid fd (checked by F_GET_SEALS) returns a new fd.
    let dup = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    if dup < 0 {
        let e = std::io::Error::last_os_error();
        return Err(Error::new(e.raw_os_error().unwrap_or(libc::EMFILE), format!("dup: {e}")));
    }
    // SAFETY: a fresh fd nobody else owns.
    let fd = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(dup) };
    regs.push(Region { hva, size, fd, fd_offset });
    log::debug!("registered guest memory {hva:#x}+{size:#x} (fd offset {fd_offset:#x})");
    Ok(())
}

/// `virgl_renderer_unregister_guest_memory`: forgets the range that starts at `hva`
/// (EINVAL when none does). Resources already built on it keep their dma-bufs (the kernel
/// holds the pages).
pub fn unregister_guest_memory(hva: usize) -> Result<()> {
    let mut regs = regions();
    let i = regs
        .iter()
        .position(|r| r.hva == hva)
        .ok_or_else(|| Error::inval(format!("no guest memory registered at {hva:#x}")))?;
    regs.swap_remove(i);
    Ok(())
}

/// True when at least one range is registered.
pub fn any_registered() -> bool {
    !regions().is_empty()
}

/// A udmabuf over the first `need` bytes (rounded up to pages) of the gather `iovs`, which
/// must lie in registered guest memory: every entry page-aligned, every used length whole
/// pages except the last. EOPNOTSUPP with the reason otherwise.
pub fn udmabuf_for_gather(iovs: &IovList, need: u64) -> Result<OwnedFd> {
    let page = memory::host_page_size();
    let notsup = |m: String| Error::notsup(format!("guest pages cannot become a dma-buf: {m}"));
    if !memory::udmabuf_available() {
        return Err(notsup(format!("{} does not exist", memory::udmabuf_path())));
    }
    let need = memory::page_align(need.max(1)).ok_or_else(|| Error::inval("size overflows"))?;
    let regs = regions();
    if regs.is_empty() {
        return Err(notsup(
            "no guest memory registered (virgl_renderer_register_guest_memory)".into(),
        ));
    }
    let mut out: Vec<MemfdRange> = Vec::new();
    let mut covered = 0u64;
    for (base, len) in iovs.ranges() {
        if covered >= need {
            break;
        }
        let want = (need - covered).min(len as u64);
        let last = covered + want >= need;
        if base as u64 % page != 0 || (!last && want % page != 0) {
            return Err(notsup(format!("iovec {base:#x}+{len:#x} is not page-aligned")));
        }
        let want = memory::page_align(want).ok_or_else(|| Error::inval("size overflows"))?;
        // Split the entry over the regions holding it.
        let mut pos = base as u64;
        let stop = pos + want;
        while pos < stop {
            let r = regs
                .iter()
                .find(|r| pos >= r.hva as u64 && pos < r.hva as u64 + r.size)
                .ok_or_else(|| {
                    notsup(format!("address {pos:#x} is not registered guest memory"))
                })?;
            let n = (stop - pos).min(r.hva as u64 + r.size - pos);
            let range = MemfdRange {
                fd: r.fd.as_raw_fd(),
                offset: r.fd_offset + (pos - r.hva as u64),
                size: n,
            };
            match out.last_mut() {
                Some(l) if l.fd == range.fd && l.offset + l.size == range.offset => l.size += n,
                _ => out.push(range),
            }
            pos += n;
        }
        covered += want;
    }
    if covered < need {
        return Err(Error::inval(format!("backing holds {covered} bytes, {need} needed")));
    }
    if out.len() > memory::UDMABUF_MAX_RANGES {
        return Err(notsup(format!("{} discontiguous ranges", out.len())));
    }
    memory::create_udmabuf(&out).map_err(|e| {
        if e.errno == libc::EOPNOTSUPP {
            e
        } else {
            notsup(e.msg)
        }
    })
}

/// The host side of a zero-copy resource: its linear layout over the backing, and the
/// dma-buf / GL import of the pages where the backend needs one.
pub struct ZeroCopyStorage {
    /// Linear levels over the backing's gather.
    pub levels: Vec<LevelLayout>,
    /// Bytes of the linear layout (the backing must hold at least this).
    pub size: u64,
    /// The udmabuf over the backing pages (GL backend, or built on first export).
    pub dmabuf: Option<OwnedFd>,
    /// The dma-buf imported as a GL texture (GL backend, 2D textures).
    pub import: Option<ImportedTexture>,
}

/// The dma-buf layout of a zero-copy (or linear) resource: one plane, linear, level 0.
pub fn linear_dmabuf_layout(desc: &ResourceDesc, levels: &[LevelLayout]) -> Result<DmabufLayout> {
    let l0 = levels.first().ok_or_else(|| Error::inval("no levels"))?;
    let (fourcc, width, height) = if desc.target == Target::Buffer {
        (crate::dmabuf::DRM_FORMAT_R8, desc.width, 1)
    } else {
        (desc.format.drm_fourcc, desc.width, desc.height)
    };
    if fourcc == 0 {
        return Err(Error::notsup(format!("format {} has no DRM fourcc", desc.format.name)));
    }
    let stride =
        u32::try_from(if desc.target == Target::Buffer { desc.width as u64 } else { l0.stride })
            .map_err(|_| Error::notsup("stride does not fit 32 bits"))?;
    Ok(DmabufLayout {
        fourcc,
        modifier: crate::dmabuf::DRM_FORMAT_MOD_LINEAR,
        width,
        height,
        stride,
        offset: 0,
    })
}

/// What the GL backend can import: 2D single-level single-sample textures with a fourcc,
/// and buffers (kept as a udmabuf only).
fn gl_importable(desc: &ResourceDesc) -> Result<()> {
    match desc.target {
        Target::Buffer => Ok(()),
        Target::Tex2D | Target::Rect
            if desc.last_level == 0 && desc.nr_samples <= 1 && desc.format.drm_fourcc != 0 =>
        {
            Ok(())
        }
        _ => Err(Error::notsup(format!(
            "GL zero-copy needs a single-level 2D texture with a DRM fourcc ({:?} {} levels {})",
            desc.target,
            desc.format.name,
            desc.last_level + 1
        ))),
    }
}

impl Renderer {
    /// `resource_create` with `ZEROCOPY` (after validation): see the module docs.
    pub fn create_zerocopy(&mut self, desc: ResourceDesc, backing: Option<Backing>) -> Result<()> {
        let (levels, size) = transfer::linear_levels(&desc)?;
        let mut st = ZeroCopyStorage { levels, size, dmabuf: None, import: None };
        if self.backend.zero_copy_needs_dmabuf() {
            let ok = gl_importable(&desc).and_then(|_| {
                if !memory::udmabuf_available() {
                    return Err(Error::notsup(format!(
                        "{} does not exist",
                        memory::udmabuf_path()
                    )));
                }
                if !any_registered() {
                    return Err(Error::notsup("no guest memory registered"));
                }
                Ok(())
            });
            if let Err(e) = ok {
                log::warn!(
                    "zero-copy resource {} refused on the {} backend: {}; use a classic resource",
                    desc.handle,
                    self.backend.name(),
                    e.msg
                );
                return Err(Error::notsup(e.msg));
            }
        }
        if let Some(b) = &backing {
            self.zerocopy_bind(&desc, &mut st, &b.iovs)?;
        }
        self.resources.insert(desc.handle, Resource::new(desc, Storage::ZeroCopy(st), backing));
        Ok(())
    }

    /// Checks the backing of a zero-copy resource and, on GL, builds its dma-buf + import.
    fn zerocopy_bind(
        &mut self,
        desc: &ResourceDesc,
        st: &mut ZeroCopyStorage,
        iovs: &IovList,
    ) -> Result<()> {
        if iovs.total() < st.size {
            return Err(Error::inval(format!(
                "zero-copy resource {} needs {} bytes of backing, iovecs hold {}",
                desc.handle,
                st.size,
                iovs.total()
            )));
        }
        if !self.backend.zero_copy_needs_dmabuf() {
            return Ok(());
        }
        let built = udmabuf_for_gather(iovs, st.size).and_then(|fd| {
            if desc.target == Target::Buffer {
                return Ok((fd, None));
            }
            let layout = linear_dmabuf_layout(desc, &st.levels)?;
            let imp = self.backend.import_dmabuf(desc, &layout, &fd)?;
            Ok((fd, Some(imp)))
        });
        match built {
            Ok((fd, imp)) => {
                st.dmabuf = Some(fd);
                st.import = imp;
                Ok(())
            }
            Err(e) => {
                log::warn!(
                    "zero-copy resource {}: {}; refused (EOPNOTSUPP), use a classic resource",
                    desc.handle,
                    e.msg
                );
                Err(Error::new(
                    if e.errno == libc::EINVAL { libc::EINVAL } else { libc::EOPNOTSUPP },
                    e.msg,
                ))
            }
        }
    }

    /// `attach_iov` on a zero-copy resource: the pages become the resource (GL: imported).
    pub fn zerocopy_attach(&mut self, handle: u32, backing: Backing) -> Result<()> {
        let r = self.resource(handle)?;
        if r.backing.is_some() {
            return Err(Error::inval(format!("resource {handle} already has backing")));
        }
        let desc = r.desc;
        let Storage::ZeroCopy(mut st) = std::mem::replace(&mut r.storage, Storage::GuestOnly)
        else {
            return Err(Error::inval(format!("resource {handle} is not zero-copy")));
        };
        let res = self.zerocopy_bind(&desc, &mut st, &backing.iovs);
        let r = self.resource(handle)?;
        r.storage = Storage::ZeroCopy(st);
        res?;
        r.backing = Some(backing);
        Ok(())
    }

    /// `detach_iov` on a zero-copy resource: drops the dma-buf and GL import with the pages.
    pub fn zerocopy_detach(&mut self, handle: u32) {
        let Renderer { resources, backend, .. } = self;
        if let Some(Resource { storage: Storage::ZeroCopy(st), .. }) = resources.get_mut(&handle) {
            st.dmabuf = None;
            if let Some(imp) = st.import.take() {
                backend.release_import(imp);
            }
        }
    }
}

/// A host-side write (command decoder) of `plan`'s box from `src` into the guest pages of
/// zero-copy resource `r`.
pub fn host_write(r: &Resource, plan: &Plan, src: &IovList) -> Result<()> {
    let Storage::ZeroCopy(st) = &r.storage else {
        return Err(Error::inval(format!("resource {} is not zero-copy", r.desc.handle)));
    };
    let pages = &r
        .backing
        .as_ref()
        .ok_or_else(|| {
            Error::inval(format!("zero-copy resource {} has no backing", r.desc.handle))
        })?
        .iovs;
    if plan.is_empty() {
        return Ok(());
    }
    let lvl = st
        .levels
        .get(plan.level as usize)
        .ok_or_else(|| Error::inval(format!("level {} not in resource", plan.level)))?;
    let host = transfer::linear_layout(r.desc.texel_format(), lvl, &plan.bx);
    // The pages may be imported by the GPU: bracket the CPU writes (cache maintenance where
    // the device is not coherent).
    let _access = st
        .dmabuf
        .as_ref()
        .map(|f| memory::CpuAccess::begin(f.as_fd(), memory::DMA_BUF_SYNC_WRITE))
        .transpose()?;
    let mut res = Ok(());
    transfer::for_each_run(plan, &plan.guest, &host, |g, h, n| {
        if res.is_ok() {
            res = src.copy_to(g, pages, h, n);
        }
    });
    res
}

/// A transfer on a zero-copy resource (`explicit`: the caller named iovecs other than the
/// backing). Called with a validated plan.
#[allow(clippy::too_many_arguments)]
pub fn transfer(
    backend: &mut dyn crate::backend::Backend,
    desc: &ResourceDesc,
    st: &ZeroCopyStorage,
    backing: Option<&Backing>,
    dir: Direction,
    explicit: bool,
    plan: &Plan,
    dst: &IovList,
) -> Result<()> {
    if dir == Direction::ToHost || !explicit {
        return Ok(());
    }
    let pages = &backing
        .ok_or_else(|| Error::inval(format!("zero-copy resource {} has no backing", desc.handle)))?
        .iovs;
    // GL reads give the guest's bytes back only for fourccs whose GL channel order is the
    // memory order with real alpha; the others read the pages directly.
    let byte_exact =
        matches!(desc.format.id, crate::format::R8G8B8A8_UNORM | crate::format::R8_UNORM);
    if let (Some(imp), true) = (&st.import, byte_exact) {
        // Read through GL: the texture is the imported dma-buf of the pages, rows in memory
        // order (never stored flipped).
        let mut d = *desc;
        d.flags &= !flags::Y_0_TOP;
        let mut gl = Storage::Gl(crate::backend::gl::GlStorage::new(imp.name, imp.target));
        return backend.read(&d, &mut gl, plan, dst);
    }
    let lvl = st
        .levels
        .get(plan.level as usize)
        .ok_or_else(|| Error::inval(format!("level {} not in resource", plan.level)))?;
    let host = transfer::linear_layout(desc.texel_format(), lvl, &plan.bx);
    let _access = st
        .dmabuf
        .as_ref()
        .map(|f| memory::CpuAccess::begin(f.as_fd(), memory::DMA_BUF_SYNC_READ))
        .transpose()?;
    let mut res = Ok(());
    transfer::for_each_run(plan, &plan.guest, &host, |g, h, n| {
        if res.is_ok() {
            res = pages.copy_to(h, dst, g, n);
        }
    });
    res
}
