//! dma-buf plumbing: the values that describe a dma-buf (layout, export, import), udmabuf
//! creation over memfd ranges, `DMA_BUF_IOCTL_SYNC` bracketing of CPU access, and small fd
//! helpers. No renderer or backend types here.

use crate::error::{Error, Result};
use crate::sys::memory::{self, host_page_size};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// `DRM_FORMAT_MOD_LINEAR`.
pub const DRM_FORMAT_MOD_LINEAR: u64 = 0;
/// `DRM_FORMAT_MOD_INVALID`.
pub const DRM_FORMAT_MOD_INVALID: u64 = 0x00ff_ffff_ffff_ffff;
/// `DRM_FORMAT_R8` (`'R8  '`).
pub const DRM_FORMAT_R8: u32 = u32::from_le_bytes(*b"R8  ");

/// Plane layout of a single-plane dma-buf to import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DmabufLayout {
    pub fourcc: u32,
    pub modifier: u64,
    pub width: u32,
    pub height: u32,
    pub stride: u32,
    pub offset: u32,
}

/// An exported dma-buf with its layout.
#[derive(Debug)]
pub struct Dmabuf {
    pub fd: OwnedFd,
    pub fourcc: u32,
    pub modifier: u64,
    pub size: u64,
    pub num_planes: u32,
    pub strides: [u32; 4],
    pub offsets: [u32; 4],
}

/// A dma-buf imported into the backend as a texture (GL: texture name + EGLImage).
#[derive(Debug)]
pub struct ImportedTexture {
    /// GL texture name.
    pub name: u32,
    /// GL texture target.
    pub target: u32,
    /// The EGLImage behind it (an address; destroyed with the texture).
    pub image: usize,
}

pub fn dup(fd: BorrowedFd<'_>) -> Result<OwnedFd> {
    fd.try_clone_to_owned()
        .map_err(|e| Error::new(e.raw_os_error().unwrap_or(libc::EMFILE), format!("dup fd: {e}")))
}

/// Size of a dma-buf or file (`lseek(SEEK_END)`, which dma-bufs support, else fstat).
pub fn fd_len(fd: BorrowedFd<'_>) -> Result<u64> {
    // SAFETY: lseek on a valid fd; the offset of a dma-buf has no other user here.
    let end = unsafe { libc::lseek(fd.as_raw_fd(), 0, libc::SEEK_END) };
    if end > 0 {
        // SAFETY: as above; restore the offset.
        unsafe { libc::lseek(fd.as_raw_fd(), 0, libc::SEEK_SET) };
        return Ok(end as u64);
    }
    memory::fd_size(fd.as_raw_fd())
}

/// True when `fd` is a dma-buf (its /proc link names the dmabuf anon inode).
pub fn is_dmabuf(fd: BorrowedFd<'_>) -> bool {
    std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
        .map(|p| {
            let s = p.to_string_lossy();
            s.starts_with("/dmabuf:") || s.starts_with("anon_inode:dmabuf")
        })
        .unwrap_or(false)
}

pub fn one_plane(fd: OwnedFd, l: &DmabufLayout, size: u64) -> Dmabuf {
    let mut strides = [0; 4];
    let mut offsets = [0; 4];
    strides[0] = l.stride;
    offsets[0] = l.offset;
    Dmabuf { fd, fourcc: l.fourcc, modifier: l.modifier, size, num_planes: 1, strides, offsets }
}

// ---- udmabuf ----

/// Where `/dev/udmabuf` is (`VIRGL_SHIM_UDMABUF_DEV` overrides it, for tests).
pub fn udmabuf_path() -> String {
    crate::config::get().udmabuf_dev.clone()
}

/// True when the udmabuf device exists (it may still refuse a request).
pub fn udmabuf_available() -> bool {
    std::path::Path::new(&udmabuf_path()).exists()
}

/// One memfd range of a udmabuf: `size` bytes of `memfd` from `offset`, both page-aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemfdRange {
    /// A memfd sealed with `F_SEAL_SHRINK` (and not `F_SEAL_WRITE`).
    pub fd: std::os::fd::RawFd,
    pub offset: u64,
    pub size: u64,
}

/// `struct udmabuf_create_item` (linux/udmabuf.h).
#[repr(C)]
struct UdmabufItem {
    memfd: u32,
    pad: u32,
    offset: u64,
    size: u64,
}

/// `_IOW('u', 0x43, struct udmabuf_create_list)` (the list header is 8 bytes).
const UDMABUF_CREATE_LIST: libc::c_ulong = 0x4008_7543;
const UDMABUF_FLAGS_CLOEXEC: u32 = 0x01;
/// The kernel's default `list_limit` module parameter.
pub const UDMABUF_MAX_RANGES: usize = 1024;

/// Builds a dma-buf over the memfd ranges, in order (UDMABUF_CREATE_LIST). Fails with
/// EOPNOTSUPP when there is no udmabuf device, EINVAL for unaligned or empty ranges, or the
/// kernel's errno (the memfd lacks F_SEAL_SHRINK, the size passes `size_limit_mb`, …).
pub fn create_udmabuf(ranges: &[MemfdRange]) -> Result<OwnedFd> {
    let page = host_page_size();
    if ranges.is_empty() || ranges.len() > UDMABUF_MAX_RANGES {
        return Err(Error::inval(format!("udmabuf of {} ranges", ranges.len())));
    }
    for r in ranges {
        if r.size == 0 || r.offset % page != 0 || r.size % page != 0 || r.fd < 0 {
            return Err(Error::inval(format!("udmabuf range {r:?} is not page-aligned")));
        }
    }
    let path = udmabuf_path();
    let dev = std::fs::OpenOptions::new().read(true).write(true).open(&path).map_err(|e| {
        let errno = match e.kind() {
            std::io::ErrorKind::NotFound => libc::EOPNOTSUPP,
            _ => e.raw_os_error().unwrap_or(libc::EOPNOTSUPP),
        };
        Error::new(errno, format!("open {path}: {e}"))
    })?;
    // Header (flags, count) followed by the items, as one u64-aligned buffer.
    let words = 1 + ranges.len() * 3;
    let mut buf: Vec<u64> = Vec::new();
    buf.try_reserve_exact(words).map_err(|_| Error::nomem("udmabuf list"))?;
    buf.resize(words, 0);
    buf[0] = u64::from(UDMABUF_FLAGS_CLOEXEC) | ((ranges.len() as u64) << 32);
    for (i, r) in ranges.iter().enumerate() {
        let item = UdmabufItem { memfd: r.fd as u32, pad: 0, offset: r.offset, size: r.size };
        buf[1 + i * 3] = u64::from(item.memfd) | (u64::from(item.pad) << 32);
        buf[2 + i * 3] = item.offset;
        buf[3 + i * 3] = item.size;
    }
    // SAFETY: `buf` is a complete udmabuf_create_list of `ranges.len()` items (little-endian
    // u32 pairs packed into u64 words match the C layout on the little-endian hosts udmabuf
    // exists on); the kernel only reads it.
    let fd = unsafe {
        libc::ioctl(std::os::fd::AsRawFd::as_raw_fd(&dev), UDMABUF_CREATE_LIST as _, buf.as_ptr())
    };
    if fd < 0 {
        let e = std::io::Error::last_os_error();
        return Err(Error::new(
            e.raw_os_error().unwrap_or(libc::EINVAL),
            format!("UDMABUF_CREATE_LIST of {} ranges: {e}", ranges.len()),
        ));
    }
    // SAFETY: the ioctl returned a new fd that nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `struct dma_buf_sync` flags (linux/dma-buf.h): the CPU reads …
pub const DMA_BUF_SYNC_READ: u64 = 1;
/// … or writes the memory; …
pub const DMA_BUF_SYNC_WRITE: u64 = 2;
/// … and the end of the access (start is 0).
const DMA_BUF_SYNC_END: u64 = 4;
/// `DMA_BUF_IOCTL_SYNC` = `_IOW('b', 0, struct dma_buf_sync)` (one u64).
const DMA_BUF_IOCTL_SYNC: u64 = 0x4008_6200;

/// `DMA_BUF_IOCTL_SYNC` of `flags` on `fd`, retried on EINTR/EAGAIN.
fn dmabuf_sync(fd: std::os::fd::BorrowedFd<'_>, flags: u64) -> Result<()> {
    loop {
        let arg = flags;
        // SAFETY: `arg` is a complete struct dma_buf_sync (one u64) the kernel only reads;
        // a non-dma-buf fd gives ENOTTY.
        let r = unsafe { libc::ioctl(fd.as_raw_fd(), DMA_BUF_IOCTL_SYNC as _, &arg) };
        if r == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        let errno = e.raw_os_error().unwrap_or(libc::EINVAL);
        if errno != libc::EINTR && errno != libc::EAGAIN {
            return Err(Error::new(errno, format!("DMA_BUF_IOCTL_SYNC {flags:#x}: {e}")));
        }
    }
}

/// CPU access to a dma-buf's memory while a device may use it (a GPU import of the guest
/// pages): begins with `DMA_BUF_IOCTL_SYNC` START and ends with END when dropped, so that
/// caches are maintained where the device is not coherent with the CPU (a no-op on most
/// x86 hosts).
pub struct CpuAccess<'a> {
    fd: std::os::fd::BorrowedFd<'a>,
    dir: u64,
}

impl<'a> CpuAccess<'a> {
    /// Starts an access in direction `dir` ([`DMA_BUF_SYNC_READ`], [`DMA_BUF_SYNC_WRITE`]
    /// or both).
    pub fn begin(fd: std::os::fd::BorrowedFd<'a>, dir: u64) -> Result<Self> {
        dmabuf_sync(fd, dir)?;
        Ok(CpuAccess { fd, dir })
    }
}

impl Drop for CpuAccess<'_> {
    fn drop(&mut self) {
        if let Err(e) = dmabuf_sync(self.fd, self.dir | DMA_BUF_SYNC_END) {
            log::warn!("end of CPU access to a dma-buf: {}", e.msg);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::memory::{fd_size, memfd_seals, HostMem};
    use std::os::fd::AsFd;

    #[test]
    fn udmabuf_rejects_bad_ranges_and_missing_device() {
        let m = HostMem::shared(8192, "u").unwrap();
        let fd = m.fd().unwrap().as_raw_fd();
        assert_eq!(create_udmabuf(&[]).unwrap_err().errno, libc::EINVAL);
        let bad = MemfdRange { fd, offset: 1, size: 4096 };
        assert_eq!(create_udmabuf(&[bad]).unwrap_err().errno, libc::EINVAL);
        if !udmabuf_available() {
            let ok = MemfdRange { fd, offset: 0, size: 4096 };
            assert_eq!(create_udmabuf(&[ok]).unwrap_err().errno, libc::EOPNOTSUPP);
        }
        assert_eq!(fd_size(fd).unwrap(), 8192);
        assert!(memfd_seals(fd).is_ok());
        assert!(memfd_seals(-1).is_err());
    }

    /// CPU-access bracketing fails cleanly on a file that is not a dma-buf.
    #[test]
    fn cpu_access_refuses_non_dmabufs() {
        let m = HostMem::shared(8192, "s").unwrap();
        let fd = m.fd().unwrap();
        let e =
            CpuAccess::begin(fd.as_fd(), DMA_BUF_SYNC_WRITE).err().expect("memfd is no dma-buf");
        assert_eq!(e.errno, libc::ENOTTY);
    }

    /// CPU-access bracketing works on a udmabuf, in every direction.
    #[test]
    #[ignore = "needs /dev/udmabuf: run by tests/vm/run.sh"]
    fn udmabuf_cpu_access_brackets() {
        assert!(udmabuf_available(), "{} does not exist: this test needs it", udmabuf_path());
        let m = HostMem::shared(8192, "s").unwrap();
        let fd = m.fd().unwrap();
        // SAFETY: F_ADD_SEALS on our own memfd (udmabuf needs F_SEAL_SHRINK).
        unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_ADD_SEALS, libc::F_SEAL_SHRINK) };
        let r = MemfdRange { fd: fd.as_raw_fd(), offset: 0, size: 8192 };
        let d = create_udmabuf(&[r]).unwrap();
        for dir in [DMA_BUF_SYNC_READ, DMA_BUF_SYNC_WRITE, DMA_BUF_SYNC_READ | DMA_BUF_SYNC_WRITE] {
            let a = CpuAccess::begin(d.as_fd(), dir).unwrap();
            drop(a);
        }
    }
}
