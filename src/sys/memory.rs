//! Host memory for resources: zeroed, allocation failures reported as `ENOMEM` (never an
//! abort), shareable (memfd) when asked. This is the mmap edge of the library.

use crate::error::{Error, Result};
use rustix::fs::MemfdFlags;
use rustix::mm::{MapFlags, ProtFlags};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd, RawFd};

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
    rustix::param::page_size()
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
        // A name with a NUL in it gets the empty name rather than an error.
        let cname = std::ffi::CString::new(name).unwrap_or_default();
        let fd = rustix::fs::memfd_create(
            cname.as_c_str(),
            MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING,
        )
        .map_err(|e| Error::nomem(format!("memfd_create: {e}")))?;
        rustix::fs::ftruncate(&fd, len as u64)
            .map_err(|e| Error::nomem(format!("ftruncate({len}): {e}")))?;
        // Sealed against shrinking before the fd can leave the process (a VMM, a vtest
        // client): whoever holds it could otherwise truncate it under our mapping, and our
        // next access would raise SIGBUS. Ours never shrink (udmabuf needs the seal too).
        seal_shrink(fd.as_fd())?;
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

    /// Maps `len` bytes: of `fd` shared (what the guest or the exporter sees, so MAP_SHARED),
    /// else private anonymous memory without swap reservation.
    fn map(len: usize, fd: Option<OwnedFd>) -> Result<Self> {
        let prot = ProtFlags::READ | ProtFlags::WRITE;
        let null = std::ptr::null_mut();
        // SAFETY: a fresh mapping at a kernel-chosen address (null hint, no MAP_FIXED); no
        // existing memory is touched.
        let mapped = unsafe {
            match &fd {
                Some(f) => rustix::mm::mmap(null, len, prot, MapFlags::SHARED, f, 0),
                None => rustix::mm::mmap_anonymous(
                    null,
                    len,
                    prot,
                    MapFlags::PRIVATE | MapFlags::NORESERVE,
                ),
            }
        };
        let ptr = mapped.map_err(|e| Error::nomem(format!("mmap({len}): {e}")))?;
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
                // SAFETY: ptr/len came from our mmap; nobody else unmaps it, and no slice of
                // it outlives `self`.
                let _ = unsafe { rustix::mm::munmap(ptr.cast(), len) };
            }
            _ => {}
        }
    }
}

/// The page size of the host (the kernel's `AT_PAGESZ`).
pub fn host_page_size() -> u64 {
    page_size() as u64
}

/// Runs a query on a raw fd number that someone else (the VMM, a caller) owns: EBADF for a
/// negative number, as the kernel would say.
fn on_raw_fd<T>(
    fd: RawFd,
    query: impl FnOnce(BorrowedFd<'_>) -> rustix::io::Result<T>,
) -> rustix::io::Result<T> {
    if fd < 0 {
        return Err(rustix::io::Errno::BADF);
    }
    // SAFETY: `fd` is not -1 and its owner keeps it open for this call (the fd arguments of
    // the API); the borrow does not outlive `query`, which only reads the file's state.
    query(unsafe { BorrowedFd::borrow_raw(fd) })
}

/// Seals a memfd against shrinking (`F_SEAL_SHRINK`, what udmabuf needs); ours never
/// shrink.
pub fn seal_shrink(fd: BorrowedFd<'_>) -> Result<()> {
    rustix::fs::fcntl_add_seals(fd, rustix::fs::SealFlags::SHRINK)
        .map_err(|e| Error::new(e.raw_os_error(), format!("F_ADD_SEALS: {e}")))
}

/// The seals of a memfd (`F_GET_SEALS`, the `F_SEAL_*` bits), or the errno when `fd` is not
/// a memfd.
pub fn memfd_seals(fd: RawFd) -> std::result::Result<i32, i32> {
    on_raw_fd(fd, |f| rustix::fs::fcntl_get_seals(f))
        .map(|s| s.bits() as i32)
        .map_err(|e| e.raw_os_error())
}

/// Size of the file behind `fd` (`fstat`).
pub fn fd_size(fd: RawFd) -> Result<u64> {
    let st = on_raw_fd(fd, |f| rustix::fs::fstat(f))
        .map_err(|e| Error::new(e.raw_os_error(), format!("fstat: {e}")))?;
    Ok(st.st_size.max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// A memfd's mappings are shared: what one writes, a second mapping of the fd sees.
    #[test]
    fn shared_mappings_see_each_other() {
        let mut a = HostMem::shared(8192, "a").unwrap();
        let fd = a.fd().unwrap().try_clone().unwrap();
        let b = HostMem::from_fd(fd, 8192).unwrap();
        a.as_mut_slice()[4097] = 0x5a;
        assert_eq!(b.as_slice()[4097], 0x5a);
        assert_eq!(
            HostMem::from_fd(b.fd().unwrap().try_clone().unwrap(), 0).err().unwrap().errno,
            libc::EINVAL
        );
    }

    /// Seals come back as the kernel's F_SEAL_* bits; bad fds give EBADF.
    #[test]
    fn seals_and_sizes_of_raw_fds() {
        use std::os::fd::AsRawFd;
        let m = HostMem::shared(100, "s").unwrap();
        let fd = m.fd().unwrap();
        // Shared memory is sealed against shrinking from the start: a holder of the fd
        // cannot truncate it under the mapping (SIGBUS on our next access).
        assert_eq!(memfd_seals(fd.as_raw_fd()), Ok(libc::F_SEAL_SHRINK));
        assert_eq!(rustix::fs::ftruncate(fd, 0), Err(rustix::io::Errno::PERM));
        rustix::fs::fcntl_add_seals(fd, rustix::fs::SealFlags::SHRINK).unwrap();
        assert_eq!(memfd_seals(fd.as_raw_fd()), Ok(libc::F_SEAL_SHRINK));
        assert_eq!(fd_size(fd.as_raw_fd()).unwrap(), page_align(100).unwrap());
        assert_eq!(memfd_seals(-1), Err(libc::EBADF));
        assert_eq!(fd_size(-1).unwrap_err().errno, libc::EBADF);
        let file = std::fs::File::open("/proc/self/stat").unwrap();
        assert_eq!(memfd_seals(file.as_raw_fd()), Err(libc::EINVAL));
        assert!(host_page_size().is_power_of_two());
    }
}
