//! The registry of guest RAM that the VMM backs with memfds
//! (`virgl_renderer_register_guest_memory`), and udmabufs over guest pages that lie in it.
//! Process-wide VMM state: it survives renderer reset and cleanup.

use crate::error::{Error, Result};
use crate::sys::dmabuf::{self, MemfdRange};
use crate::sys::iov::IovList;
use crate::sys::memory;
use std::os::fd::{AsRawFd, OwnedFd};
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
    if !dmabuf::udmabuf_available() {
        return Err(notsup(format!("{} does not exist", dmabuf::udmabuf_path())));
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
    if out.len() > dmabuf::UDMABUF_MAX_RANGES {
        return Err(notsup(format!("{} discontiguous ranges", out.len())));
    }
    dmabuf::create_udmabuf(&out).map_err(|e| {
        if e.errno == libc::EOPNOTSUPP {
            e
        } else {
            notsup(e.msg)
        }
    })
}
