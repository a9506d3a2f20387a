//! Guest memory as the VMM hands it over: a list of iovecs pointing into guest RAM mapped in
//! the VMM. This is the guest-memory edge: the constructor is `unsafe` (the VMM promises the
//! ranges are mapped while we hold them) and every access after that is bounds-checked.
//!
//! Guest RAM may change under us at any time (the guest's vCPUs run concurrently), so no
//! Rust reference to it is ever formed: bytes move with raw-pointer copies only.

use crate::error::{Error, Result};
use crate::sys::memory::HostMem;

/// Default most iovecs accepted in one list (a 4 GiB resource in 4 KiB pages is 2²⁰
/// entries); `VIRGL_SHIM_MAX_IOVS` changes it (see [`crate::config`]).
pub const MAX_IOVS: usize = 1 << 20;

#[derive(Clone, Copy, Debug)]
struct Entry {
    base: usize,
    len: usize,
    /// Gather offset of this entry's first byte.
    start: u64,
}

/// Host memory a list points into and keeps mapped, shared by its clones
/// ([`IovList::owning`]).
#[derive(Clone, Default)]
struct Keep(Option<std::sync::Arc<std::sync::Mutex<HostMem>>>);

impl std::fmt::Debug for Keep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "Keep(owned)" } else { "Keep(none)" })
    }
}

/// A checked list of guest iovecs (zero-length entries dropped).
#[derive(Clone, Debug, Default)]
pub struct IovList {
    entries: Vec<Entry>,
    total: u64,
    keep: Keep,
}

impl IovList {
    /// Copies and checks the VMM's iovec array.
    ///
    /// # Safety
    /// `iov` must point to `count` readable `struct iovec`s (or be NULL with `count == 0`),
    /// and each one's range must stay mapped and writable for as long as the list is used.
    pub unsafe fn from_raw(iov: *const libc::iovec, count: usize) -> Result<Self> {
        if count == 0 {
            return Ok(Self::default());
        }
        if iov.is_null() {
            return Err(Error::inval(format!("NULL iovec array with {count} entries")));
        }
        // The configured limit (default MAX_IOVS), checked before anything is allocated.
        crate::config::limits().check_iovs(count as u64)?;
        // SAFETY: non-NULL and `count` entries readable per the contract above.
        let raw = unsafe { std::slice::from_raw_parts(iov, count) };
        let mut entries = Vec::with_capacity(count);
        let mut total: u64 = 0;
        for (i, e) in raw.iter().enumerate() {
            if e.iov_len == 0 {
                continue;
            }
            let base = e.iov_base as usize;
            if base == 0 {
                return Err(Error::inval(format!("iovec {i} is NULL with length {}", e.iov_len)));
            }
            if base.checked_add(e.iov_len).is_none() {
                return Err(Error::inval(format!("iovec {i} wraps the address space")));
            }
            entries.push(Entry { base, len: e.iov_len, start: total });
            total = total
                .checked_add(e.iov_len as u64)
                .ok_or_else(|| Error::inval("iovec lengths overflow u64"))?;
        }
        Ok(IovList { entries, total, keep: Keep::default() })
    }

    /// Builds a list over host memory the caller owns (tests, benches, internal copies).
    ///
    /// # Safety
    /// Every `(ptr, len)` must stay valid for reads and writes while the list is used.
    pub unsafe fn from_slices(slices: &[(*mut u8, usize)]) -> Result<Self> {
        let raw: Vec<libc::iovec> =
            slices.iter().map(|&(p, l)| libc::iovec { iov_base: p.cast(), iov_len: l }).collect();
        // SAFETY: forwarded contract.
        unsafe { Self::from_raw(raw.as_ptr(), raw.len()) }
    }

    /// One entry over all of `mem`, which the list and its clones own: the memory stays
    /// mapped for as long as any of them exists (the vtest server's shared-memory backing,
    /// which its client writes concurrently: accessed with raw copies only, like guest RAM).
    pub fn owning(mem: HostMem) -> Result<Self> {
        let (ptr, len) = (mem.as_ptr(), mem.len());
        // SAFETY: `mem` moves into the list's `keep` below and is dropped only with the last
        // clone of the list, so the range stays valid for as long as the list is used; the
        // mapping does not move when `mem` does.
        let mut list = unsafe { Self::from_slices(&[(ptr, len)])? };
        list.keep = Keep(Some(std::sync::Arc::new(std::sync::Mutex::new(mem))));
        Ok(list)
    }

    /// Total bytes in the gather.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The (address, length) of each non-empty entry, in gather order (zero-copy).
    pub fn ranges(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.entries.iter().map(|e| (e.base, e.len))
    }

    /// Number of (non-empty) entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Index of the entry holding gather offset `off` (`off < total`).
    fn find(&self, off: u64) -> usize {
        self.entries.partition_point(|e| e.start + e.len as u64 <= off)
    }

    fn check(&self, off: u64, len: usize) -> Result<()> {
        match off.checked_add(len as u64) {
            Some(end) if end <= self.total => Ok(()),
            _ => Err(Error::inval(format!(
                "access of {len} bytes at {off} past the {}-byte gather",
                self.total
            ))),
        }
    }

    /// Address of `len` bytes at `off` when they lie in one entry (for a direct GL upload).
    pub fn contiguous(&self, off: u64, len: u64) -> Option<*mut u8> {
        if len == 0 || off.checked_add(len)? > self.total {
            return None;
        }
        let e = self.entries[self.find(off)];
        let within = off - e.start;
        (within + len <= e.len as u64).then(|| (e.base + within as usize) as *mut u8)
    }

    /// Copies `len` bytes at gather offset `off` into host memory `mem` at `at` (EINVAL when
    /// either range is out of bounds). Raw copies: `mem` may be mapped into a guest too.
    pub fn read_into_mem(&self, off: u64, mem: &HostMem, at: u64, len: u64) -> Result<()> {
        let dst = mem_span(mem, at, len)?;
        // SAFETY: `mem_span` checked [at, at+len) inside the live mapping of `mem`; guest
        // memory never overlaps host storage.
        unsafe { self.read_raw(off, dst, len as usize) }
    }

    /// Copies `len` bytes of host memory `mem` at `at` into the gather at offset `off`.
    pub fn write_from_mem(&self, off: u64, mem: &HostMem, at: u64, len: u64) -> Result<()> {
        let src = mem_span(mem, at, len)?;
        // SAFETY: as in `read_into_mem`, with the copy direction reversed.
        unsafe { self.write_raw(off, src, len as usize) }
    }

    /// Copies `dst.len()` bytes at gather offset `off` into `dst`.
    pub fn read(&self, off: u64, dst: &mut [u8]) -> Result<()> {
        // SAFETY: `dst` is valid for writes of its length.
        unsafe { self.read_raw(off, dst.as_mut_ptr(), dst.len()) }
    }

    /// Copies `src` into the gather at offset `off`.
    pub fn write(&self, off: u64, src: &[u8]) -> Result<()> {
        // SAFETY: `src` is valid for reads of its length.
        unsafe { self.write_raw(off, src.as_ptr(), src.len()) }
    }

    /// Copies `len` bytes at gather offset `off` to `dst`.
    ///
    /// # Safety
    /// `dst` must be valid for writes of `len` bytes and not overlap guest memory. It may be
    /// memory another party writes concurrently (a coherent mapping): bytes are copied, no
    /// reference is formed.
    pub unsafe fn read_raw(&self, off: u64, dst: *mut u8, len: usize) -> Result<()> {
        self.check(off, len)?;
        let mut done = 0usize;
        let mut i = self.find(off);
        let mut pos = off;
        while done < len {
            let e = self.entries[i];
            let within = (pos - e.start) as usize;
            let n = (e.len - within).min(len - done);
            // SAFETY: [base+within, +n) is inside entry `i` (checked against the total and
            // the entry length), mapped per `from_raw`'s contract; `dst[done..done+n]` is
            // valid per this function's contract; the two never overlap.
            unsafe {
                std::ptr::copy_nonoverlapping((e.base + within) as *const u8, dst.add(done), n)
            };
            done += n;
            pos += n as u64;
            i += 1;
        }
        Ok(())
    }

    /// Copies `len` bytes from `src` into the gather at offset `off`.
    ///
    /// # Safety
    /// `src` must be valid for reads of `len` bytes and not overlap guest memory.
    pub unsafe fn write_raw(&self, off: u64, src: *const u8, len: usize) -> Result<()> {
        self.check(off, len)?;
        let mut done = 0usize;
        let mut i = self.find(off);
        let mut pos = off;
        while done < len {
            let e = self.entries[i];
            let within = (pos - e.start) as usize;
            let n = (e.len - within).min(len - done);
            // SAFETY: as in `read_raw`, with the copy direction reversed.
            unsafe {
                std::ptr::copy_nonoverlapping(src.add(done), (e.base + within) as *mut u8, n)
            };
            done += n;
            pos += n as u64;
            i += 1;
        }
        Ok(())
    }

    /// Copies `len` bytes from `self` at `src_off` to `dst` at `dst_off` (guest to guest).
    pub fn copy_to(&self, src_off: u64, dst: &IovList, dst_off: u64, len: u64) -> Result<()> {
        let mut buf = [0u8; 4096];
        let mut done = 0u64;
        while done < len {
            let n = (len - done).min(buf.len() as u64) as usize;
            self.read(src_off + done, &mut buf[..n])?;
            dst.write(dst_off + done, &buf[..n])?;
            done += n as u64;
        }
        Ok(())
    }
}

/// The address of `len` bytes of `mem` at `at`, when they lie inside it.
fn mem_span(mem: &HostMem, at: u64, len: u64) -> Result<*mut u8> {
    match at.checked_add(len) {
        Some(end) if end <= mem.len() as u64 => Ok(mem.as_ptr().wrapping_add(at as usize)),
        _ => Err(Error::inval(format!("host range {at}+{len} outside {} bytes", mem.len()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(bufs: &mut [Vec<u8>]) -> IovList {
        let s: Vec<(*mut u8, usize)> = bufs.iter_mut().map(|b| (b.as_mut_ptr(), b.len())).collect();
        // SAFETY: the vectors outlive the list in each test.
        unsafe { IovList::from_slices(&s).unwrap() }
    }

    #[test]
    fn read_write_across_entries() {
        let mut bufs = vec![vec![0u8; 3], vec![], vec![0u8; 5], vec![0u8; 2]];
        let l = list(&mut bufs);
        assert_eq!(l.total(), 10);
        assert_eq!(l.len(), 3);
        l.write(1, &[1, 2, 3, 4, 5, 6, 7, 8, 9]).unwrap();
        let mut out = [0u8; 10];
        l.read(0, &mut out).unwrap();
        assert_eq!(out, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert!(l.read(5, &mut [0u8; 6]).is_err());
        assert!(l.write(u64::MAX, &[1]).is_err());
        assert!(l.contiguous(3, 5).is_some());
        assert!(l.contiguous(2, 2).is_none());
    }

    #[test]
    fn null_entry_rejected() {
        let raw = [libc::iovec { iov_base: std::ptr::null_mut(), iov_len: 4 }];
        // SAFETY: the array is valid; the entry is rejected before use.
        assert!(unsafe { IovList::from_raw(raw.as_ptr(), 1) }.is_err());
        // SAFETY: NULL with a non-zero count is rejected without a read.
        assert!(unsafe { IovList::from_raw(std::ptr::null(), 3) }.is_err());
    }
}
