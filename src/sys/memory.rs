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

/// The page size of the host (`sysconf`, 4096 when it cannot tell).
pub fn host_page_size() -> u64 {
    page_size() as u64
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
}
