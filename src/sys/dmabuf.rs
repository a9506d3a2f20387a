//! dma-buf plumbing: the values that describe a dma-buf (layout, export, import), udmabuf
//! creation over memfd ranges, `DMA_BUF_IOCTL_SYNC` bracketing of CPU access, and small fd
//! helpers. No renderer or backend types here.

use crate::error::{Error, Result};
use crate::sys::memory::{self, host_page_size};
use rustix::fs::SeekFrom;
use rustix::io::Errno;
use rustix::ioctl::{opcode, Ioctl, IoctlOutput, Opcode, Setter};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// `DRM_FORMAT_MOD_LINEAR`: `drm_fourcc::DrmModifier::Linear`, whose `u64` conversion is
/// not `const` (the value is used in patterns), so a test checks the number against it.
pub const DRM_FORMAT_MOD_LINEAR: u64 = 0;
/// `DRM_FORMAT_MOD_INVALID`: `drm_fourcc::DrmModifier::Invalid`, checked the same way.
pub const DRM_FORMAT_MOD_INVALID: u64 = 0x00ff_ffff_ffff_ffff;
/// `DRM_FORMAT_R8` (`'R8  '`).
pub const DRM_FORMAT_R8: u32 = drm_fourcc::DrmFourcc::R8 as u32;

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
    // The offset of a dma-buf has no other user here; it is put back at 0.
    if let Ok(end @ 1..) = rustix::fs::seek(fd, SeekFrom::End(0)) {
        let _ = rustix::fs::seek(fd, SeekFrom::Start(0));
        return Ok(end);
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

/// `struct udmabuf_create_list` (linux/udmabuf.h) without its flexible array: the header
/// the ioctl number names; `count` items follow it.
#[repr(C)]
struct UdmabufCreateList {
    flags: u32,
    count: u32,
}

/// `struct udmabuf_create_item` (linux/udmabuf.h).
#[repr(C)]
struct UdmabufCreateItem {
    memfd: u32,
    pad: u32,
    offset: u64,
    size: u64,
}

// The C layouts: the list is written field by field, in declaration order, with no padding.
const _: () = {
    assert!(std::mem::size_of::<UdmabufCreateList>() == 8);
    assert!(std::mem::size_of::<UdmabufCreateItem>() == 24);
    assert!(std::mem::offset_of!(UdmabufCreateItem, offset) == 8);
    assert!(std::mem::offset_of!(UdmabufCreateItem, size) == 16);
};

impl UdmabufCreateList {
    fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.flags.to_ne_bytes());
        out.extend_from_slice(&self.count.to_ne_bytes());
    }
}

impl UdmabufCreateItem {
    fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.memfd.to_ne_bytes());
        out.extend_from_slice(&self.pad.to_ne_bytes());
        out.extend_from_slice(&self.offset.to_ne_bytes());
        out.extend_from_slice(&self.size.to_ne_bytes());
    }
}

/// `UDMABUF_CREATE_LIST` = `_IOW('u', 0x43, struct udmabuf_create_list)`.
const UDMABUF_CREATE_LIST: Opcode = opcode::write::<UdmabufCreateList>(b'u', 0x43);
const _: () = assert!(UDMABUF_CREATE_LIST as u64 == 0x4008_7543);
const UDMABUF_FLAGS_CLOEXEC: u32 = 0x01;

/// The kernel's default `list_limit` module parameter.
pub const UDMABUF_MAX_RANGES: usize = 1024;

/// A `UDMABUF_CREATE_LIST` call: the header and its items, contiguous as the kernel reads
/// them. Not a [`Setter`]: the list is longer than the header the opcode names, and the
/// ioctl's return value is the new dma-buf's fd.
struct CreateList(Vec<u8>);

impl CreateList {
    /// The list of `ranges`, in order (ENOMEM when it cannot be allocated).
    fn new(ranges: &[MemfdRange]) -> Result<Self> {
        let count = u32::try_from(ranges.len())
            .map_err(|_| Error::inval(format!("udmabuf of {} ranges", ranges.len())))?;
        let bytes = std::mem::size_of::<UdmabufCreateList>()
            + ranges.len() * std::mem::size_of::<UdmabufCreateItem>();
        let mut buf: Vec<u8> = Vec::new();
        buf.try_reserve_exact(bytes).map_err(|_| Error::nomem("udmabuf list"))?;
        UdmabufCreateList { flags: UDMABUF_FLAGS_CLOEXEC, count }.write_to(&mut buf);
        for r in ranges {
            let memfd = r.fd as u32;
            UdmabufCreateItem { memfd, pad: 0, offset: r.offset, size: r.size }.write_to(&mut buf);
        }
        debug_assert_eq!(buf.len(), bytes);
        Ok(CreateList(buf))
    }
}

// SAFETY: the opcode is UDMABUF_CREATE_LIST and `as_ptr` points at a complete
// udmabuf_create_list (the header, then exactly `count` items: `CreateList::new` is the only
// way to build one), alive for the call and only read by the kernel (not mutating); a
// successful call returns a new fd.
unsafe impl Ioctl for CreateList {
    type Output = OwnedFd;

    const IS_MUTATING: bool = false;

    fn opcode(&self) -> Opcode {
        UDMABUF_CREATE_LIST
    }

    fn as_ptr(&mut self) -> *mut std::ffi::c_void {
        self.0.as_mut_ptr().cast()
    }

    unsafe fn output_from_ptr(
        out: IoctlOutput,
        _: *mut std::ffi::c_void,
    ) -> rustix::io::Result<OwnedFd> {
        // SAFETY: the ioctl succeeded, so `out` is a new fd that nobody else owns.
        Ok(unsafe { OwnedFd::from_raw_fd(out) })
    }
}

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
    let list = CreateList::new(ranges)?;
    // SAFETY: `list` is a complete udmabuf_create_list (see `CreateList`).
    unsafe { rustix::ioctl::ioctl(&dev, list) }.map_err(|e| {
        Error::new(e.raw_os_error(), format!("UDMABUF_CREATE_LIST of {} ranges: {e}", ranges.len()))
    })
}

/// `struct dma_buf_sync` flags (linux/dma-buf.h): the CPU reads …
pub const DMA_BUF_SYNC_READ: u64 = 1;
/// … or writes the memory; …
pub const DMA_BUF_SYNC_WRITE: u64 = 2;
/// … and the end of the access (start is 0).
const DMA_BUF_SYNC_END: u64 = 4;

/// `struct dma_buf_sync` (linux/dma-buf.h).
#[repr(C)]
struct DmaBufSync {
    flags: u64,
}

/// `DMA_BUF_IOCTL_SYNC` = `_IOW('b', 0, struct dma_buf_sync)`.
const DMA_BUF_IOCTL_SYNC: Opcode = opcode::write::<DmaBufSync>(b'b', 0);
const _: () = assert!(DMA_BUF_IOCTL_SYNC as u64 == 0x4008_6200);

/// `DMA_BUF_IOCTL_SYNC` of `flags` on `fd`, retried on EINTR/EAGAIN.
fn dmabuf_sync(fd: BorrowedFd<'_>, flags: u64) -> Result<()> {
    loop {
        // SAFETY: DMA_BUF_IOCTL_SYNC takes a struct dma_buf_sync, which the kernel only
        // reads; a non-dma-buf fd gives ENOTTY.
        let r = unsafe {
            rustix::ioctl::ioctl(
                fd,
                Setter::<DMA_BUF_IOCTL_SYNC, DmaBufSync>::new(DmaBufSync { flags }),
            )
        };
        match r {
            Ok(()) => return Ok(()),
            Err(Errno::INTR | Errno::AGAIN) => continue,
            Err(e) => {
                return Err(Error::new(
                    e.raw_os_error(),
                    format!("DMA_BUF_IOCTL_SYNC {flags:#x}: {e}"),
                ))
            }
        }
    }
}

/// CPU access to a dma-buf's memory while a device may use it (a GPU import of the guest
/// pages): begins with `DMA_BUF_IOCTL_SYNC` START and ends with END when dropped, so that
/// caches are maintained where the device is not coherent with the CPU (a no-op on most
/// x86 hosts).
pub struct CpuAccess<'a> {
    fd: BorrowedFd<'a>,
    dir: u64,
}

impl<'a> CpuAccess<'a> {
    /// Starts an access in direction `dir` ([`DMA_BUF_SYNC_READ`], [`DMA_BUF_SYNC_WRITE`]
    /// or both).
    pub fn begin(fd: BorrowedFd<'a>, dir: u64) -> Result<Self> {
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

    /// `fd_len` seeks to the end and back (the offset stays 0), or falls back on fstat.
    #[test]
    fn fd_len_of_memfd_and_empty_file() {
        let m = HostMem::shared(3 * 4096, "n").unwrap();
        let fd = m.fd().unwrap().as_fd();
        assert_eq!(fd_len(fd).unwrap(), 3 * 4096);
        assert_eq!(rustix::fs::seek(fd, SeekFrom::Current(0)).unwrap(), 0);
        let empty = HostMem::shared(0, "e").unwrap();
        assert_eq!(fd_len(empty.fd().unwrap().as_fd()).unwrap(), 0);
    }

    /// The DRM constants are drm-fourcc's.
    #[test]
    fn drm_constants_are_the_crates() {
        use drm_fourcc::{DrmFourcc, DrmModifier};
        assert_eq!(DRM_FORMAT_MOD_LINEAR, u64::from(DrmModifier::Linear));
        assert_eq!(DRM_FORMAT_MOD_INVALID, u64::from(DrmModifier::Invalid));
        assert_eq!(DRM_FORMAT_R8, u32::from_le_bytes(*b"R8  "));
        assert_eq!(DrmFourcc::try_from(DRM_FORMAT_R8).unwrap(), DrmFourcc::R8);
    }

    /// The list the kernel reads: header (flags, count), then each item's memfd, pad, offset
    /// and size, in the C layout.
    #[test]
    fn udmabuf_list_layout() {
        let r = |fd, offset, size| MemfdRange { fd, offset, size };
        let list = CreateList::new(&[r(7, 0, 4096), r(9, 8192, 1 << 33)]).unwrap();
        let mut want = Vec::new();
        for w in [UDMABUF_FLAGS_CLOEXEC, 2, 7, 0] {
            want.extend_from_slice(&w.to_ne_bytes());
        }
        want.extend_from_slice(&0u64.to_ne_bytes());
        want.extend_from_slice(&4096u64.to_ne_bytes());
        want.extend_from_slice(&9u32.to_ne_bytes());
        want.extend_from_slice(&0u32.to_ne_bytes());
        want.extend_from_slice(&8192u64.to_ne_bytes());
        want.extend_from_slice(&(1u64 << 33).to_ne_bytes());
        assert_eq!(list.0, want);
        assert_eq!(UDMABUF_CREATE_LIST as u64, 0x4008_7543);
        assert_eq!(DMA_BUF_IOCTL_SYNC as u64, 0x4008_6200);
    }

    /// UDMABUF_CREATE_LIST on a file that is not the udmabuf device: the kernel's errno, and
    /// no fd.
    #[test]
    fn udmabuf_list_on_other_files_is_enotty() {
        let m = HostMem::shared(4096, "l").unwrap();
        let fd = m.fd().unwrap();
        let list = CreateList::new(&[MemfdRange { fd: fd.as_raw_fd(), offset: 0, size: 4096 }]);
        // SAFETY: a complete list; a memfd refuses unknown ioctls without reading it.
        let r = unsafe { rustix::ioctl::ioctl(fd, list.unwrap()) };
        assert_eq!(r.unwrap_err(), Errno::NOTTY);
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
        // udmabuf needs F_SEAL_SHRINK.
        rustix::fs::fcntl_add_seals(fd, rustix::fs::SealFlags::SHRINK).unwrap();
        let r = MemfdRange { fd: fd.as_raw_fd(), offset: 0, size: 8192 };
        let d = create_udmabuf(&[r]).unwrap();
        for dir in [DMA_BUF_SYNC_READ, DMA_BUF_SYNC_WRITE, DMA_BUF_SYNC_READ | DMA_BUF_SYNC_WRITE] {
            let a = CpuAccess::begin(d.as_fd(), dir).unwrap();
            drop(a);
        }
    }
}
