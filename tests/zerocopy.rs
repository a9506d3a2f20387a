//! Zero-copy resources, guest-memory registration, dma-buf export/import, SHM import and
//! `execute` (EXPORT_QUERY / SUPPORTED_STRUCTURES), through the C ABI (a process per test:
//! cargo nextest).
//!
//! Tests that need `/dev/udmabuf` (`udmabuf_*`) are `#[ignore]`d with that reason: the VM
//! tier (tests/vm/run.sh) runs them, and fails them where the device is missing. GL must
//! work everywhere (see tests/common/mod.rs for the policy).

mod common;

use common::*;
use std::ffi::c_void;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use virglrenderer::ffi::*;

const ZEROCOPY: u32 = VIRGL_RENDERER_RESOURCE_FLAG_ZEROCOPY;
const RGBA8: u32 = 67; // R8G8B8A8_UNORM: byte-identical through GL
const BGRA8: u32 = 1; // B8G8R8A8_UNORM
const PAGE: usize = 4096;

fn tex_args(
    handle: u32,
    format: u32,
    w: u32,
    h: u32,
    flags: u32,
) -> virgl_renderer_resource_create_args {
    virgl_renderer_resource_create_args {
        handle,
        target: TEX_2D,
        format,
        bind: BIND_SAMPLER_VIEW | BIND_RENDER_TARGET | BIND_CURSOR,
        width: w,
        height: h,
        depth: 1,
        array_size: 1,
        last_level: 0,
        nr_samples: 0,
        flags,
    }
}

/// resource_create with iovecs (positive errno).
fn create_with(a: virgl_renderer_resource_create_args, iovs: &mut [libc::iovec]) -> i32 {
    let mut a = a;
    // SAFETY: the iovecs point into memory the test keeps alive.
    unsafe { virgl_renderer_resource_create(&mut a, iovs.as_mut_ptr(), iovs.len() as u32) }
}

/// A memfd of `len` bytes sealed against shrinking, mapped shared: stands in for guest RAM.
struct GuestRam {
    fd: OwnedFd,
    base: *mut u8,
    len: usize,
}

impl GuestRam {
    fn new(len: usize, seal: bool) -> GuestRam {
        // SAFETY: plain syscalls with valid arguments; results checked.
        unsafe {
            let fd = libc::memfd_create(
                c"guest-ram".as_ptr(),
                libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING,
            );
            assert!(fd >= 0);
            assert_eq!(libc::ftruncate(fd, len as i64), 0);
            if seal {
                assert_eq!(libc::fcntl(fd, libc::F_ADD_SEALS, libc::F_SEAL_SHRINK), 0);
            }
            let p = libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd,
                0,
            );
            assert_ne!(p, libc::MAP_FAILED);
            GuestRam { fd: OwnedFd::from_raw_fd(fd), base: p.cast(), len }
        }
    }
    fn register(&self) -> i32 {
        // SAFETY: the range is our live mapping of the memfd.
        unsafe {
            virgl_renderer_register_guest_memory(
                self.base.cast(),
                self.len as u64,
                self.fd.as_raw_fd(),
                0,
            )
        }
    }
    fn write(&self, off: usize, data: &[u8]) {
        assert!(off + data.len() <= self.len);
        // SAFETY: inside the mapping.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.base.add(off), data.len()) };
    }
    fn read(&self, off: usize, n: usize) -> Vec<u8> {
        let mut v = vec![0u8; n];
        // SAFETY: inside the mapping.
        unsafe { std::ptr::copy_nonoverlapping(self.base.add(off), v.as_mut_ptr(), n) };
        v
    }
    /// iovecs over pages `pages` (in that order), `per` bytes each.
    fn iovs(&self, pages: &[usize]) -> Vec<libc::iovec> {
        pages
            .iter()
            // SAFETY: pages inside the mapping.
            .map(|&p| libc::iovec {
                iov_base: unsafe { self.base.add(p * PAGE) }.cast(),
                iov_len: PAGE,
            })
            .collect()
    }
}

impl Drop for GuestRam {
    fn drop(&mut self) {
        // SAFETY: our mapping.
        unsafe { libc::munmap(self.base.cast(), self.len) };
    }
}

/// Writes the gather (page list order) of `ram` with `data`.
fn write_gather(ram: &GuestRam, pages: &[usize], data: &[u8]) {
    for (i, c) in data.chunks(PAGE).enumerate() {
        ram.write(pages[i] * PAGE, c);
    }
}

fn read_box(handle: u32, w: u32, h: u32, bpp: u32) -> (i32, Vec<u8>) {
    let mut s = ScatterBuf::new(&mut Rng::new(handle as u64), (w * h * bpp) as usize, 5);
    let r = read(handle, Xfer::boxed([0, 0, 0, w, h, 1]), Some(&mut s));
    assert!(s.gaps_intact());
    (r, s.read_all())
}

fn get_rect(handle: u32, w: u32, h: u32, bpp: u32) -> Vec<u8> {
    let mut out = vec![0u8; (w * h * bpp) as usize];
    let mut iov = libc::iovec { iov_base: out.as_mut_ptr().cast(), iov_len: out.len() };
    // SAFETY: one valid iovec.
    unsafe { virgl_renderer_get_rect(handle as i32, &mut iov, 1, 0, 0, 0, w as i32, h as i32) };
    out
}

fn export(handle: u32) -> Result<virgl_renderer_dmabuf, i32> {
    let mut d = virgl_renderer_dmabuf::default();
    // SAFETY: valid out-pointer.
    match unsafe { virgl_renderer_resource_export_dmabuf(handle, &mut d) } {
        0 => Ok(d),
        e => Err(e),
    }
}

fn mmap_fd(fd: i32, len: usize) -> Vec<u8> {
    // SAFETY: read-only shared mapping, copied out and unmapped.
    unsafe {
        let p = libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_SHARED, fd, 0);
        assert_ne!(p, libc::MAP_FAILED, "mmap of dma-buf: {}", std::io::Error::last_os_error());
        let v = std::slice::from_raw_parts(p.cast::<u8>(), len).to_vec();
        libc::munmap(p, len);
        v
    }
}

fn map(handle: u32) -> Result<(*mut u8, u64), i32> {
    let (mut p, mut s) = (std::ptr::null_mut::<c_void>(), 0u64);
    // SAFETY: valid out-pointers.
    match unsafe { virgl_renderer_resource_map(handle, &mut p, &mut s) } {
        0 => Ok((p.cast(), s)),
        e => Err(e),
    }
}

fn import(handle: u32, fd_type: u32, fd: i32, size: u64) -> i32 {
    let a = virgl_renderer_resource_import_blob_args {
        res_handle: handle,
        blob_mem: VIRGL_RENDERER_BLOB_MEM_HOST3D,
        fd_type,
        fd,
        size,
    };
    // SAFETY: valid args.
    unsafe { virgl_renderer_resource_import_blob(&a) }
}

fn coherent(handle: u32, w: u32, h: u32) -> i32 {
    let a = virgl_renderer_resource_create_coherent_args {
        res_handle: handle,
        ctx_id: 0,
        target: TEX_2D,
        format: RGBA8,
        bind: BIND_SAMPLER_VIEW,
        width: w,
        height: h,
        flags: 0,
    };
    // SAFETY: valid args.
    unsafe { virgl_renderer_resource_create_coherent(&a) }
}

fn query(handle: u32, fds: bool) -> (i32, virgl_renderer_export_query) {
    let mut q = virgl_renderer_export_query {
        hdr: virgl_renderer_hdr {
            stype: 1,
            stype_version: 0,
            size: std::mem::size_of::<virgl_renderer_export_query>() as u32,
        },
        in_resource_id: handle,
        in_export_fds: fds as u32,
        out_fourcc: 0xdead,
        out_num_fds: 9,
        ..Default::default()
    };
    // SAFETY: a valid EXPORT_QUERY struct of its own size.
    let r = unsafe {
        virgl_renderer_execute(
            (&mut q as *mut virgl_renderer_export_query).cast(),
            std::mem::size_of_val(&q) as u32,
        )
    };
    (r, q)
}

fn fd_is_open(fd: i32) -> bool {
    // SAFETY: F_GETFD only inspects the descriptor table.
    unsafe { libc::fcntl(fd, libc::F_GETFD) >= 0 }
}

// ---- CPU backend: always works ---------------------------------------------------------

#[test]
fn cpu_zerocopy_readers_see_guest_pages_and_transfers_copy_nothing() {
    let _s = Session::start("cpu").unwrap();
    let (w, h) = (16u32, 8u32);
    let size = (w * h * 4) as usize;
    let mut rng = Rng::new(7);
    let mut pages = ScatterBuf::new(&mut rng, size, 6);
    let a = tex_args(1, BGRA8, w, h, ZEROCOPY);
    let n = pages.iov_count();
    assert_eq!(create_with(a, &mut pages.iovs[..n]), 0);
    let v1 = rng.bytes(size);
    pages.write_all(&v1);
    // Host readers see the guest bytes, with no transfer first.
    assert_eq!(read_box(1, w, h, 4), (0, v1.clone()));
    assert_eq!(get_rect(1, w, h, 4), v1);
    // Guest writes show up at once.
    let v2 = rng.bytes(size);
    pages.write_all(&v2);
    assert_eq!(read_box(1, w, h, 4).1, v2);
    // A sub-box reads the right rows.
    let mut sub = ScatterBuf::contiguous(4 * 4 * 2);
    assert_eq!(read(1, Xfer { stride: 16, ..Xfer::boxed([3, 2, 0, 4, 2, 1]) }, Some(&mut sub)), 0);
    let want: Vec<u8> =
        (2..4).flat_map(|y| v2[(y * 16 + 3) * 4..(y * 16 + 7) * 4].to_vec()).collect();
    assert_eq!(sub.read_all(), want);
    // TRANSFER_TO_HOST from other iovecs returns 0 and copies nothing.
    let mut other = ScatterBuf::contiguous(size);
    other.write_all(&rng.bytes(size));
    assert_eq!(write(1, Xfer::boxed([0, 0, 0, w, h, 1]), Some(&mut other)), 0);
    assert_eq!(pages.read_all(), v2, "a transfer_write changed the guest pages");
    assert_eq!(read_box(1, w, h, 4).1, v2, "a transfer_write changed what readers see");
    // Transfers against the backing itself are no-ops in both directions.
    assert_eq!(write(1, Xfer::boxed([0, 0, 0, w, h, 1]), None), 0);
    assert_eq!(read(1, Xfer::boxed([0, 0, 0, w, h, 1]), None), 0);
    assert_eq!(pages.read_all(), v2);
    assert!(pages.gaps_intact());
    // Boxes are still validated.
    assert_eq!(read(1, Xfer::boxed([0, 0, 0, w + 1, h, 1]), Some(&mut other)), libc::EINVAL);
    assert_eq!(write(1, Xfer::boxed([0, 0, 0, w + 1, h, 1]), None), libc::EINVAL);
    // Cursor data: the guest bytes, bottom row first (no Y_0_TOP, like classic resources).
    let (mut cw, mut ch) = (0u32, 0u32);
    // SAFETY: valid out-pointers; the result is malloc'd and freed below.
    let p = unsafe { virgl_renderer_get_cursor_data(1, &mut cw, &mut ch) };
    assert!(!p.is_null());
    // SAFETY: the library returned w*h*4 bytes.
    let cur = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), size) }.to_vec();
    // SAFETY: malloc'd by the library.
    unsafe { libc::free(p) };
    assert_eq!((cw, ch), (w, h));
    let row = (w * 4) as usize;
    let flipped: Vec<u8> = v2.chunks(row).rev().flatten().copied().collect();
    assert_eq!(cur, flipped);
}

#[test]
fn cpu_zerocopy_backing_at_attach_and_detach() {
    let _s = Session::start("cpu").unwrap();
    let a = tex_args(2, BGRA8, 8, 8, ZEROCOPY);
    assert_eq!(create(a), 0);
    let mut out = ScatterBuf::contiguous(256);
    // No pages yet: readers fail.
    assert_eq!(read(2, Xfer::boxed([0, 0, 0, 8, 8, 1]), Some(&mut out)), libc::EINVAL);
    // Too short a backing is refused.
    let mut short = ScatterBuf::contiguous(255);
    assert_eq!(attach(2, &mut short), libc::EINVAL);
    let mut pages = ScatterBuf::new(&mut Rng::new(3), 256, 4);
    assert_eq!(attach(2, &mut pages), 0);
    let v = Rng::new(4).bytes(256);
    pages.write_all(&v);
    assert_eq!(read(2, Xfer::boxed([0, 0, 0, 8, 8, 1]), Some(&mut out)), 0);
    assert_eq!(out.read_all(), v);
    let (p, n) = detach(2);
    assert_eq!((p, n), (pages.iov_ptr(), pages.iov_count() as i32));
    assert_eq!(read(2, Xfer::boxed([0, 0, 0, 8, 8, 1]), Some(&mut out)), libc::EINVAL);
    // Short backing at create: EINVAL.
    assert_eq!(create_with(tex_args(3, BGRA8, 8, 8, ZEROCOPY), &mut short.iovs), libc::EINVAL);
}

#[test]
fn cpu_zerocopy_buffer_and_mip_levels_use_the_linear_layout() {
    let _s = Session::start("cpu").unwrap();
    // A buffer of 1000 bytes.
    let mut pages = ScatterBuf::new(&mut Rng::new(5), 1000, 5);
    let mut a = args(4, BUFFER, 64, 1000, 1, 1, 1, 0);
    a.flags = ZEROCOPY;
    let n = pages.iov_count();
    assert_eq!(create_with(a, &mut pages.iovs[..n]), 0);
    let v = Rng::new(6).bytes(1000);
    pages.write_all(&v);
    let mut out = ScatterBuf::contiguous(100);
    assert_eq!(read(4, Xfer::boxed([900, 0, 0, 100, 1, 1]), Some(&mut out)), 0);
    assert_eq!(out.read_all(), v[900..]);
    // A mipmapped texture: level 1 follows level 0 in the pages.
    let mut t = args(5, TEX_2D, BGRA8, 8, 4, 1, 1, 1);
    t.flags = ZEROCOPY;
    let total = 8 * 4 * 4 + 4 * 2 * 4;
    let mut tp = ScatterBuf::new(&mut Rng::new(8), total, 3);
    let n = tp.iov_count();
    assert_eq!(create_with(t, &mut tp.iovs[..n]), 0);
    let tv = Rng::new(9).bytes(total);
    tp.write_all(&tv);
    let mut l1 = ScatterBuf::contiguous(32);
    assert_eq!(read(5, Xfer { level: 1, ..Xfer::boxed([0, 0, 0, 4, 2, 1]) }, Some(&mut l1)), 0);
    assert_eq!(l1.read_all(), tv[128..]);
}

// ---- GL without udmabuf ------------------------------------------------------------------

#[test]
fn gl_zerocopy_refused_without_udmabuf_or_registration() {
    let _s = gl_session();
    let ram = GuestRam::new(16 * PAGE, true);
    let mut iovs = ram.iovs(&[0, 1]);
    // Nothing registered: EOPNOTSUPP (positive: resource_create's convention).
    assert_eq!(create_with(tex_args(1, RGBA8, 32, 32, ZEROCOPY), &mut iovs), libc::EOPNOTSUPP);
    assert_eq!(create(tex_args(2, RGBA8, 32, 32, ZEROCOPY)), libc::EOPNOTSUPP);
    assert_eq!(ram.register(), 0);
    let want = if Device::Udmabuf.present() { 0 } else { libc::EOPNOTSUPP };
    assert_eq!(create_with(tex_args(3, RGBA8, 32, 32, ZEROCOPY), &mut iovs), want);
    // Unsupported shapes are refused whatever the host has.
    let mut t = args(4, TEX_3D, RGBA8, 4, 4, 4, 1, 0);
    t.flags = ZEROCOPY;
    assert_eq!(create_with(t, &mut iovs), libc::EOPNOTSUPP);
    // Nothing was left behind by the refusals.
    assert_eq!(info(1).unwrap_err(), libc::EINVAL);
    assert_eq!(info(4).unwrap_err(), libc::EINVAL);
    // Classic resources still work.
    assert_eq!(create(tex_args(5, RGBA8, 32, 32, 0)), 0);
}

// ---- registration ------------------------------------------------------------------------

#[test]
fn register_unregister_rules() {
    let ram = GuestRam::new(8 * PAGE, true);
    let fd = ram.fd.as_raw_fd();
    let b = ram.base.cast::<c_void>();
    let reg = |p: *mut c_void, size: u64, fd: i32, off: u64| {
        // SAFETY: arguments are only checked and recorded.
        unsafe { virgl_renderer_register_guest_memory(p, size, fd, off) }
    };
    // SAFETY: pointer arithmetic inside the mapping (never dereferenced by the library).
    let at = |pages: usize| unsafe { ram.base.add(pages * PAGE) }.cast::<c_void>();
    assert_eq!(reg(std::ptr::null_mut(), 4096, fd, 0), -libc::EINVAL);
    assert_eq!(reg(b, 0, fd, 0), -libc::EINVAL);
    assert_eq!(reg(b, 4096, -1, 0), -libc::EINVAL);
    assert_eq!(reg(b, 100, fd, 0), -libc::EINVAL, "size not page-aligned");
    // SAFETY: as above.
    assert_eq!(reg(unsafe { ram.base.add(8) }.cast(), 4096, fd, 0), -libc::EINVAL, "hva unaligned");
    assert_eq!(reg(b, 4096, fd, 1), -libc::EINVAL, "offset unaligned");
    assert_eq!(reg(b, 9 * 4096, fd, 0), -libc::EINVAL, "past the memfd's end");
    assert_eq!(reg(b, 4096, fd, u64::MAX - 4095), -libc::EINVAL, "offset overflow");
    // Not a memfd, and a memfd without F_SEAL_SHRINK.
    let mut pipe = [0i32; 2];
    // SAFETY: valid out-array.
    assert_eq!(unsafe { libc::pipe(pipe.as_mut_ptr()) }, 0);
    assert_eq!(reg(b, 4096, pipe[0], 0), -libc::EINVAL);
    let unsealed = GuestRam::new(PAGE, false);
    assert_eq!(reg(unsealed.base.cast(), 4096, unsealed.fd.as_raw_fd(), 0), -libc::EINVAL);
    // Works before init; overlaps are refused; the fd is duplicated.
    assert_eq!(reg(b, 4 * 4096, fd, 0), 0);
    assert_eq!(reg(at(2), 4 * 4096, fd, 2 * 4096), -libc::EEXIST);
    assert_eq!(reg(at(4), 4 * 4096, fd, 4 * 4096), 0, "adjacent ranges are fine");
    // SAFETY: unregistering by address.
    unsafe {
        assert_eq!(virgl_renderer_unregister_guest_memory(at(1)), -libc::EINVAL, "not a start");
        assert_eq!(virgl_renderer_unregister_guest_memory(b), 0);
        assert_eq!(virgl_renderer_unregister_guest_memory(b), -libc::EINVAL, "already gone");
    }
    assert_eq!(reg(at(2), 2 * 4096, fd, 2 * 4096), 0, "free again after unregister");
    // SAFETY: as above.
    unsafe {
        assert_eq!(virgl_renderer_unregister_guest_memory(at(4)), 0);
        assert_eq!(virgl_renderer_unregister_guest_memory(at(2)), 0);
        libc::close(pipe[0]);
        libc::close(pipe[1]);
    }
}

// ---- export / import / query without udmabuf ---------------------------------------------

#[test]
fn export_dmabuf_errors_and_not_supported_kinds() {
    let _s = Session::start("cpu").unwrap();
    assert_eq!(export(99).unwrap_err(), -libc::EINVAL);
    // SAFETY: NULL out is checked.
    assert_eq!(
        unsafe { virgl_renderer_resource_export_dmabuf(1, std::ptr::null_mut()) },
        -libc::EINVAL
    );
    // Classic CPU resources live in private memory: never exportable.
    assert_eq!(create(tex_args(1, RGBA8, 4, 4, 0)), 0);
    assert_eq!(export(1).unwrap_err(), -libc::EOPNOTSUPP);
    if Device::Udmabuf.present() {
        return;
    }
    // No udmabuf: coherent and zero-copy resources cannot become dma-bufs either.
    assert_eq!(coherent(2, 16, 16), 0);
    assert_eq!(export(2).unwrap_err(), -libc::EOPNOTSUPP);
    let mut pages = ScatterBuf::contiguous(64);
    assert_eq!(create_with(tex_args(3, RGBA8, 4, 4, ZEROCOPY), &mut pages.iovs), 0);
    assert_eq!(export(3).unwrap_err(), -libc::EOPNOTSUPP);
    let mut fd = -5;
    // SAFETY: valid out-pointer.
    assert_eq!(unsafe { virgl_renderer_get_fd_for_texture(0, &mut fd) }, -libc::EINVAL);
    assert_eq!(fd, -5);
}

#[test]
fn shm_import_round_trip() {
    let _s = Session::start("cpu").unwrap();
    let ram = GuestRam::new(3 * PAGE, false);
    let data = Rng::new(11).bytes(3 * PAGE);
    ram.write(0, &data);
    // Bad imports leave the caller's fd open.
    let fd = ram.fd.as_raw_fd();
    assert_eq!(import(1, VIRGL_RENDERER_BLOB_FD_TYPE_SHM, fd, 4 * PAGE as u64), -libc::EINVAL);
    assert_eq!(import(1, VIRGL_RENDERER_BLOB_FD_TYPE_OPAQUE, fd, PAGE as u64), -libc::EOPNOTSUPP);
    assert_eq!(import(1, 77, fd, PAGE as u64), -libc::EINVAL);
    assert_eq!(import(0, VIRGL_RENDERER_BLOB_FD_TYPE_SHM, fd, PAGE as u64), -libc::EINVAL);
    assert_eq!(import(1, VIRGL_RENDERER_BLOB_FD_TYPE_SHM, fd, 0), -libc::EINVAL);
    assert_eq!(import(1, VIRGL_RENDERER_BLOB_FD_TYPE_SHM, -1, PAGE as u64), -libc::EINVAL);
    // SAFETY: NULL is checked.
    assert_eq!(unsafe { virgl_renderer_resource_import_blob(std::ptr::null()) }, -libc::EINVAL);
    assert!(fd_is_open(fd));
    // Success: the library owns (and closed) the fd it was given.
    // SAFETY: dup of our fd, handed over.
    let given = unsafe { libc::dup(fd) };
    let (mut used0, mut limit) = (0u64, 0u64);
    // SAFETY: valid out-pointers.
    unsafe { virgl_renderer_get_coherent_usage(&mut used0, &mut limit) };
    assert_eq!(import(1, VIRGL_RENDERER_BLOB_FD_TYPE_SHM, given, 2 * PAGE as u64 + 10), 0);
    assert!(!fd_is_open(given), "the imported fd was not taken over");
    let mut used = 0u64;
    // SAFETY: valid out-pointers.
    unsafe { virgl_renderer_get_coherent_usage(&mut used, std::ptr::null_mut()) };
    assert_eq!(used - used0, 3 * PAGE as u64, "imported memory counts page-rounded");
    assert_eq!(
        import(1, VIRGL_RENDERER_BLOB_FD_TYPE_SHM, fd, PAGE as u64),
        -libc::EINVAL,
        "handle in use"
    );
    // The mapping is the same memory, both ways.
    let (p, len) = map(1).unwrap();
    assert_eq!(len, 3 * PAGE as u64);
    // SAFETY: the mapping holds len bytes.
    let seen = unsafe { std::slice::from_raw_parts(p, 2 * PAGE + 10) }.to_vec();
    assert_eq!(seen, data[..2 * PAGE + 10]);
    // SAFETY: writing inside the mapping.
    unsafe { *p.add(5) = 0x5a };
    assert_eq!(ram.read(5, 1), [0x5a]);
    ram.write(PAGE, &[1, 2, 3]);
    let mut out = ScatterBuf::contiguous(3);
    assert_eq!(read(1, Xfer::boxed([PAGE as u32, 0, 0, 3, 1, 1]), Some(&mut out)), 0);
    assert_eq!(out.read_all(), [1, 2, 3]);
    assert_eq!(virgl_renderer_resource_unmap(1), 0);
    virgl_renderer_resource_unref(1);
    // SAFETY: valid out-pointer.
    unsafe { virgl_renderer_get_coherent_usage(&mut used, std::ptr::null_mut()) };
    assert_eq!(used, used0);
}

#[test]
fn execute_supported_structures_and_export_query() {
    let _s = Session::start("cpu").unwrap();
    let mut s = virgl_renderer_supported_structures {
        hdr: virgl_renderer_hdr { stype: 2, stype_version: 0, size: 20 },
        in_stype_version: 0,
        out_supported_structures_mask: 0,
    };
    let sz = std::mem::size_of_val(&s) as u32;
    let sp: *mut virgl_renderer_supported_structures = &mut s;
    let p = sp.cast::<c_void>();
    // SAFETY: `sp` points to a live struct of `sz` bytes throughout; all access goes through it.
    unsafe {
        assert_eq!(virgl_renderer_execute(p, sz), 0);
        assert_eq!((*sp).out_supported_structures_mask, 3);
        (*sp).in_stype_version = 1;
        assert_eq!(virgl_renderer_execute(p, sz), 0);
        assert_eq!((*sp).out_supported_structures_mask, 0);
        assert_eq!(virgl_renderer_execute(p, sz - 4), -libc::EINVAL);
        assert_eq!(virgl_renderer_execute(p, 4), -libc::EINVAL);
        assert_eq!(virgl_renderer_execute(std::ptr::null_mut(), sz), -libc::EINVAL);
        (*sp).hdr.stype_version = 1;
        assert_eq!(virgl_renderer_execute(p, sz), -libc::EINVAL);
        (*sp).hdr.stype_version = 0;
        (*sp).hdr.stype = 4;
        assert_eq!(virgl_renderer_execute(p, sz), -libc::EINVAL);
    }
    // EXPORT_QUERY on a non-exportable resource: zeros, modifier INVALID; fds: EINVAL.
    assert_eq!(create(tex_args(1, RGBA8, 4, 4, 0)), 0);
    let (r, q) = query(1, false);
    assert_eq!(r, 0);
    assert_eq!((q.out_num_fds, q.out_fourcc, q.out_modifier), (0, 0, 0x00ff_ffff_ffff_ffff));
    assert_eq!(query(1, true).0, -libc::EINVAL);
    assert_eq!(query(42, false).0, -libc::EINVAL);
    let mut q = query(1, false).1;
    q.hdr.size = 8;
    // SAFETY: a valid struct whose header lies about its size.
    let r = unsafe {
        virgl_renderer_execute(
            (&mut q as *mut virgl_renderer_export_query).cast(),
            std::mem::size_of_val(&q) as u32,
        )
    };
    assert_eq!(r, -libc::EINVAL);
}

// ---- real dma-bufs (udmabuf: the VM tier) --------------------------------------------------

/// Zero-copy on `backend` over registered memfd pages: readers see guest writes with no
/// transfer (GL: through the imported texture), export gives a dma-buf of the same pages
/// (checked by mmap and by re-import).
fn zerocopy_dmabuf_on(backend: &str) {
    require(Device::Udmabuf);
    let _s = if backend == "gl" { gl_session() } else { Session::start("cpu").unwrap() };
    let ram = GuestRam::new(16 * PAGE, true);
    assert_eq!(ram.register(), 0);
    let (w, h) = (64u32, 32u32); // 8 KiB: two pages, gathered in reverse order
    let pages = [9usize, 3];
    let mut iovs = ram.iovs(&pages);
    assert_eq!(
        create_with(tex_args(1, RGBA8, w, h, ZEROCOPY), &mut iovs),
        0,
        "{backend} zero-copy create"
    );
    let size = (w * h * 4) as usize;
    let v1 = Rng::new(1).bytes(size);
    write_gather(&ram, &pages, &v1);
    assert_eq!(get_rect(1, w, h, 4), v1, "get_rect sees the guest pages");
    let v2 = Rng::new(2).bytes(size);
    write_gather(&ram, &pages, &v2);
    assert_eq!(read_box(1, w, h, 4), (0, v2.clone()), "readback sees the guest write, no transfer");
    let i = info(1).unwrap();
    if backend == "gl" {
        assert_ne!(i.tex_id, 0, "the import is a GL texture");
    }
    // Export: the same pages as a dma-buf.
    let d = export(1).expect("export of a zero-copy resource");
    assert_eq!((d.fourcc, d.modifier, d.num_planes), (u32::from_le_bytes(*b"AB24"), 0, 1));
    assert_eq!((d.strides[0], d.offsets[0], d.size), (w * 4, 0, size as u64));
    assert_eq!(mmap_fd(d.fd, size), v2, "the dma-buf holds the guest pages");
    let v3 = Rng::new(3).bytes(size);
    write_gather(&ram, &pages, &v3);
    assert_eq!(mmap_fd(d.fd, size), v3, "the dma-buf is the pages, not a copy");
    // Re-import as a mappable blob.
    assert_eq!(import(2, VIRGL_RENDERER_BLOB_FD_TYPE_DMABUF, d.fd, size as u64), 0);
    let (p, _) = map(2).unwrap();
    // SAFETY: the mapping holds `size` bytes.
    assert_eq!(unsafe { std::slice::from_raw_parts(p, size) }, &v3[..]);
    // EXPORT_QUERY agrees and hands out fds.
    let (r, q) = query(1, true);
    assert_eq!(r, 0);
    assert_eq!((q.out_num_fds, q.out_fourcc, q.out_strides[0]), (1, d.fourcc, w * 4));
    assert!(q.out_fds[0] >= 0);
    assert_eq!(mmap_fd(q.out_fds[0], size), v3);
    // get_fd_for_texture2 on GL gives the same pages.
    if backend == "gl" {
        let (mut fd, mut stride, mut off) = (-1, 0, -1);
        // SAFETY: valid out-pointers.
        assert_eq!(
            unsafe { virgl_renderer_get_fd_for_texture2(i.tex_id, &mut fd, &mut stride, &mut off) },
            0
        );
        assert_eq!((stride, off), ((w * 4) as i32, 0));
        assert_eq!(mmap_fd(fd, size), v3);
    }
}

#[test]
#[ignore = "needs /dev/udmabuf: run by tests/vm/run.sh"]
fn udmabuf_zerocopy_gl_import_sees_guest_pages() {
    zerocopy_dmabuf_on("gl");
}

#[test]
#[ignore = "needs /dev/udmabuf: run by tests/vm/run.sh"]
fn udmabuf_zerocopy_cpu_export() {
    zerocopy_dmabuf_on("cpu");
}

#[test]
#[ignore = "needs /dev/udmabuf: run by tests/vm/run.sh"]
fn udmabuf_coherent_export_and_reimport() {
    require(Device::Udmabuf);
    let _s = Session::start("cpu").unwrap();
    assert_eq!(coherent(1, 32, 32), 0);
    let (p, len) = map(1).unwrap();
    let v = Rng::new(5).bytes(len as usize);
    // SAFETY: writing the mapping's `len` bytes.
    unsafe { std::ptr::copy_nonoverlapping(v.as_ptr(), p, v.len()) };
    let d = export(1).expect("coherent export");
    assert_eq!((d.fourcc, d.strides[0], d.size), (u32::from_le_bytes(*b"AB24"), 128, len));
    assert_eq!(mmap_fd(d.fd, len as usize), v);
    // SAFETY: a byte inside the mapping.
    unsafe { *p = !v[0] };
    assert_eq!(mmap_fd(d.fd, 1), [!v[0]], "the dma-buf shares the coherent memory");
    assert_eq!(import(2, VIRGL_RENDERER_BLOB_FD_TYPE_DMABUF, d.fd, len), 0);
    let mut out = ScatterBuf::contiguous(16);
    assert_eq!(read(2, Xfer::boxed([0, 0, 0, 16, 1, 1]), Some(&mut out)), 0);
    let mut want = v[..16].to_vec();
    want[0] = !v[0];
    assert_eq!(out.read_all(), want);
}

#[test]
fn gl_texture_export_where_egl_can() {
    let _s = gl_session();
    assert_eq!(create(tex_args(1, RGBA8, 16, 16, 0)), 0);
    let v = Rng::new(6).bytes(16 * 16 * 4);
    let mut src = ScatterBuf::contiguous(v.len());
    src.write_all(&v);
    assert_eq!(write(1, Xfer::boxed([0, 0, 0, 16, 16, 1]), Some(&mut src)), 0);
    match export(1) {
        Ok(d) => {
            assert_eq!(d.num_planes, 1);
            assert!(d.strides[0] >= 64);
            if d.modifier == 0 {
                let st = d.strides[0] as usize;
                let m = mmap_fd(d.fd, st * 16);
                for y in 0..16 {
                    assert_eq!(m[y * st..y * st + 64], v[y * 64..y * 64 + 64], "row {y}");
                }
            }
            println!("EGL exported the texture: fourcc {:#x} modifier {:#x}", d.fourcc, d.modifier);
        }
        Err(e) => {
            assert_eq!(e, -libc::EOPNOTSUPP);
            println!("NOTE: this EGL cannot export textures as dma-bufs (EOPNOTSUPP)");
        }
    }
}

/// Host-side writes of the command stream (here RESOURCE_INLINE_WRITE) into a zero-copy
/// resource land in its guest pages: the pages are the resource, so there is nowhere else
/// for them to go (a guest TRANSFER_TO_HOST from other iovecs, by contrast, copies nothing).
#[test]
fn cpu_zerocopy_command_stream_writes_reach_the_guest_pages() {
    let _s = Session::start("cpu").unwrap();
    let (w, h) = (8u32, 4u32);
    let size = (w * h * 4) as usize;
    let mut rng = Rng::new(11);
    let mut pages = ScatterBuf::new(&mut rng, size, 4);
    let n = pages.iov_count();
    assert_eq!(create_with(tex_args(1, BGRA8, w, h, ZEROCOPY), &mut pages.iovs[..n]), 0);
    let before = rng.bytes(size);
    pages.write_all(&before);
    // SAFETY: a 4-byte name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"test".as_ptr()) }, 0);
    virgl_renderer_ctx_attach_resource(1, 1);
    // INLINE_WRITE (cmd 9): handle, level, usage, stride, layer_stride, box x,y,z,w,h,d,
    // then the texels: one pixel at (2, 1).
    let px = 0x1122_3344u32;
    let mut cmd = [9 | (12 << 16), 1, 0, 0, 0, 0, 2, 1, 0, 1, 1, 1, px];
    // SAFETY: `cmd` holds 13 aligned dwords.
    assert_eq!(unsafe { virgl_renderer_submit_cmd(cmd.as_mut_ptr().cast(), 1, 13) }, 0);
    let mut want = before.clone();
    let at = ((w + 2) * 4) as usize;
    want[at..at + 4].copy_from_slice(&px.to_le_bytes());
    assert_eq!(pages.read_all(), want, "the inline write is in the guest pages");
    assert_eq!(read_box(1, w, h, 4).1, want);
    assert!(pages.gaps_intact());
}

/// GL backend with udmabuf (VM tier): command-stream writes into a zero-copy resource whose
/// pages are imported as a GL texture land in the pages (bracketed with DMA_BUF_IOCTL_SYNC)
/// and GL reads of the import see them; B8G8R8A8 reads the pages directly (also bracketed).
#[test]
#[ignore = "needs /dev/udmabuf: run by tests/vm/run.sh"]
fn udmabuf_gl_zerocopy_command_stream_writes_reach_the_import() {
    require(Device::Udmabuf);
    let _s = gl_session();
    let ram = GuestRam::new(8 * PAGE, true);
    assert_eq!(ram.register(), 0);
    // SAFETY: a 4-byte name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"test".as_ptr()) }, 0);
    for (handle, fmt) in [(1u32, RGBA8), (2, BGRA8)] {
        let (w, h) = (32u32, 32u32); // 4 KiB: one page
        let pages = [handle as usize * 2];
        let mut iovs = ram.iovs(&pages);
        assert_eq!(create_with(tex_args(handle, fmt, w, h, ZEROCOPY), &mut iovs), 0);
        let size = (w * h * 4) as usize;
        let before = Rng::new(u64::from(handle)).bytes(size);
        write_gather(&ram, &pages, &before);
        virgl_renderer_ctx_attach_resource(1, handle as i32);
        // INLINE_WRITE (cmd 9) of one texel at (3, 2).
        let px = 0x5566_7788u32;
        let mut cmd = [9 | (12 << 16), handle, 0, 0, 0, 0, 3, 2, 0, 1, 1, 1, px];
        // SAFETY: `cmd` holds 13 aligned dwords.
        assert_eq!(unsafe { virgl_renderer_submit_cmd(cmd.as_mut_ptr().cast(), 1, 13) }, 0);
        let mut want = before.clone();
        let at = ((2 * w + 3) * 4) as usize;
        want[at..at + 4].copy_from_slice(&px.to_le_bytes());
        assert_eq!(ram.read(pages[0] * PAGE, size), want, "format {fmt}: pages");
        assert_eq!(read_box(handle, w, h, 4), (0, want), "format {fmt}: readback");
    }
}
