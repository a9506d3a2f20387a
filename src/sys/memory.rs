//! Host memory for resources: zeroed, allocation failures reported as `ENOMEM` (never an
//! abort), shareable (memfd) when asked. This is the mmap edge of the library.

use crate::error::{Error, Result};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// Allocations at or above this size are mmap'd (lazily zeroed by the kernel).
const MMAP_THRESHOLD: usize = 1 << 20;

enum Inner {
    Heap { ptr: *mut u8, layout: std::alloc::Layout },
    Mapped { ptr: *mut u8, len: usize, fd: Option<OwnedFd> },
    Empty,
}

/// Zero-initialised host memory owned by one resource.
pub struct HostMem {
    inner: Inner,
    len: usize,
}

// SAFETY: HostMem exclusively owns its allocation; moving it between threads is fine.
unsafe impl Send for HostMem {}

fn page_size() -> usize {
    // SAFETY: sysconf has no memory-safety preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 {
        p as usize
    } else {
        4096
    }
}

/// `len` rounded up to whole pages (None on overflow).
pub fn page_align(len: u64) -> Option<u64> {
    let p = page_size() as u64;
    len.checked_add(p - 1).map(|v| v & !(p - 1))
}

impl HostMem {
    /// Private zeroed memory of `len` bytes.
    pub fn new(len: u64) -> Result<Self> {
        let len = usize::try_from(len).map_err(|_| Error::nomem(format!("{len} bytes")))?;
        if len == 0 {
            return Ok(HostMem { inner: Inner::Empty, len: 0 });
        }
        if len < MMAP_THRESHOLD {
            let layout = std::alloc::Layout::from_size_align(len, 64)
                .map_err(|_| Error::nomem(format!("{len} bytes")))?;
            // SAFETY: layout has non-zero size.
            let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
            if ptr.is_null() {
                return Err(Error::nomem(format!("cannot allocate {len} bytes")));
            }
            return Ok(HostMem { inner: Inner::Heap { ptr, layout }, len });
        }
        Self::map(len, None)
    }

    /// Zeroed memory of `len` bytes (rounded up to pages) backed by a memfd that can be
    /// shared with the VMM or exported.
    pub fn shared(len: u64, name: &str) -> Result<Self> {
        let len = page_align(len)
            .and_then(|l| usize::try_from(l).ok())
            .ok_or_else(|| Error::nomem(format!("{len} bytes")))?;
        let cname = std::ffi::CString::new(name).unwrap_or_default();
        // SAFETY: valid C string; flags are constants.
        let fd = unsafe {
            libc::memfd_create(cname.as_ptr(), libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING)
        };
        if fd < 0 {
            return Err(Error::nomem(format!("memfd_create: {}", std::io::Error::last_os_error())));
        }
        // SAFETY: fd was just returned by memfd_create and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: fd is a valid memfd.
        if unsafe { libc::ftruncate(fd.as_raw_fd(), len as libc::off_t) } != 0 {
            return Err(Error::nomem(format!(
                "ftruncate({len}): {}",
                std::io::Error::last_os_error()
            )));
        }
        if len == 0 {
            return Ok(HostMem {
                inner: Inner::Mapped { ptr: std::ptr::null_mut(), len: 0, fd: Some(fd) },
                len: 0,
            });
        }
        Self::map(len, Some(fd))
    }

    /// A shared mapping of the first `len` bytes (rounded up to pages) of `fd` (an imported
    /// SHM or dma-buf fd), which the memory then owns.
    pub fn from_fd(fd: OwnedFd, len: u64) -> Result<Self> {
        let len = page_align(len)
            .and_then(|l| usize::try_from(l).ok())
            .filter(|&l| l > 0)
            .ok_or_else(|| Error::inval(format!("mapping of {len} bytes")))?;
        Self::map(len, Some(fd)).map_err(|e| Error::new(libc::EINVAL, e.msg))
    }

    fn map(len: usize, fd: Option<OwnedFd>) -> Result<Self> {
        let (flags, raw) = match &fd {
            Some(f) => (libc::MAP_SHARED, f.as_raw_fd()),
            None => (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE, -1),
        };
        // SAFETY: a fresh mapping at a kernel-chosen address; no existing memory is touched.
        let ptr = unsafe {
            libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, flags, raw, 0)
        };
        if ptr == libc::MAP_FAILED {
            return Err(Error::nomem(format!("mmap({len}): {}", std::io::Error::last_os_error())));
        }
        Ok(HostMem { inner: Inner::Mapped { ptr: ptr.cast(), len, fd }, len })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The memfd behind shared memory.
    pub fn fd(&self) -> Option<&OwnedFd> {
        match &self.inner {
            Inner::Mapped { fd, .. } => fd.as_ref(),
            _ => None,
        }
    }

    /// Base address (for mapping into the guest and for GL uploads).
    pub fn as_ptr(&self) -> *mut u8 {
        match self.inner {
            Inner::Heap { ptr, .. } | Inner::Mapped { ptr, .. } => ptr,
            Inner::Empty => std::ptr::NonNull::dangling().as_ptr(),
        }
    }

    /// The bytes. Memory that is also mapped into a guest may change concurrently; such
    /// resources are accessed through raw copies instead (see `coherent`).
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: as_ptr() is valid for len bytes (or dangling with len 0) and owned by self.
        unsafe { std::slice::from_raw_parts(self.as_ptr(), self.len) }
    }

    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as above, and &mut self gives exclusive access.
        unsafe { std::slice::from_raw_parts_mut(self.as_ptr(), self.len) }
    }
}

impl Drop for HostMem {
    fn drop(&mut self) {
        match self.inner {
            // SAFETY: ptr/layout came from alloc_zeroed in `new`.
            Inner::Heap { ptr, layout } => unsafe { std::alloc::dealloc(ptr, layout) },
            Inner::Mapped { ptr, len, .. } if len > 0 => {
                // SAFETY: ptr/len came from our mmap; nobody else unmaps it.
                unsafe { libc::munmap(ptr.cast(), len) };
            }
            _ => {}
        }
    }
}

// ---- udmabuf ---------------------------------------------------------------------------

/// Where `/dev/udmabuf` is (`VIRGL_SHIM_UDMABUF_DEV` overrides it, for tests).
pub fn udmabuf_path() -> String {
    std::env::var("VIRGL_SHIM_UDMABUF_DEV").unwrap_or_else(|_| "/dev/udmabuf".into())
}

/// True when the udmabuf device exists (it may still refuse a request).
pub fn udmabuf_available() -> bool {
    std::path::Path::new(&udmabuf_path()).exists()
}

/// The page size of the host (`sysconf`, 4096 when it cannot tell).
pub fn host_page_size() -> u64 {
    page_size() as u64
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

/// The seals of a memfd (`F_GET_SEALS`), or the errno when `fd` is not a memfd.
pub fn memfd_seals(fd: std::os::fd::RawFd) -> std::result::Result<i32, i32> {
    // SAFETY: F_GET_SEALS only reads the fd's state; a bad fd gives EBADF.
    let s = unsafe { libc::fcntl(fd, libc::F_GET_SEALS) };
    if s < 0 {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EBADF))
    } else {
        Ok(s)
    }
}

/// Size of the file behind `fd` (`fstat`).
pub fn fd_size(fd: std::os::fd::RawFd) -> Result<u64> {
    // SAFETY: a zeroed stat is a valid out-buffer.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is writable; a bad fd gives EBADF.
    if unsafe { libc::fstat(fd, &mut st) } != 0 {
        let e = std::io::Error::last_os_error();
        return Err(Error::new(e.raw_os_error().unwrap_or(libc::EBADF), format!("fstat: {e}")));
    }
    Ok(st.st_size.max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn zeroed_small_large_shared() {
        for len in [1u64, 4096, 3 << 20] {
            let mut m = HostMem::new(len).unwrap();
            assert!(m.as_slice().iter().all(|&b| b == 0));
            m.as_mut_slice()[0] = 7;
            assert_eq!(m.as_slice()[0], 7);
        }
        let s = HostMem::shared(100, "t").unwrap();
        assert_eq!(s.len() % 4096, 0);
        assert!(s.fd().is_some());
        assert!(HostMem::new(u64::MAX).is_err());
    }

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

    /// CPU-access bracketing works on a udmabuf (where the host has one) and fails cleanly
    /// on a file that is not a dma-buf.
    #[test]
    fn cpu_access_brackets_dmabufs_only() {
        let m = HostMem::shared(8192, "s").unwrap();
        let fd = m.fd().unwrap();
        let e =
            CpuAccess::begin(fd.as_fd(), DMA_BUF_SYNC_WRITE).err().expect("memfd is no dma-buf");
        assert_eq!(e.errno, libc::ENOTTY);
        if udmabuf_available() {
            // SAFETY: F_ADD_SEALS on our own memfd (udmabuf needs F_SEAL_SHRINK).
            unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_ADD_SEALS, libc::F_SEAL_SHRINK) };
            let r = MemfdRange { fd: fd.as_raw_fd(), offset: 0, size: 8192 };
            let d = create_udmabuf(&[r]).unwrap();
            for dir in
                [DMA_BUF_SYNC_READ, DMA_BUF_SYNC_WRITE, DMA_BUF_SYNC_READ | DMA_BUF_SYNC_WRITE]
            {
                let a = CpuAccess::begin(d.as_fd(), dir).unwrap();
                drop(a);
            }
        } else if std::env::var("VIRGL_SHIM_REQUIRE_UDMABUF").as_deref() == Ok("1") {
            panic!("no udmabuf although VIRGL_SHIM_REQUIRE_UDMABUF=1");
        } else {
            println!("SKIP: no udmabuf: only the failure path was checked");
        }
    }
}
