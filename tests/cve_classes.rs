//! Regression tests for every security bug class of REFERENCE §6 (upstream CVEs in the
//! resource/transfer/command paths, and the extra classes listed there), plus the resource
//! limits of `src/config.rs`. Where `tests/resource_api.rs` or `tests/coherent.rs` already
//! covers a class, the test here names that test and adds only what it does not cover.
//! One renderer per process: run with `cargo nextest run --test cve_classes`.

mod common;

use common::*;
use std::ffi::c_void;
use std::ptr::null_mut;
use virglrenderer::ffi::*;
use virglrenderer::internal::format::{
    B8G8R8A8_UNORM, R32G32B32A32_FLOAT, R8G8B8A8_UNORM, R8_UNORM,
};

const EINVAL: i32 = libc::EINVAL;
const ENOMEM: i32 = libc::ENOMEM;

/// One resource per target (small, mips where allowed).
fn every_target(first: u32) -> Vec<virgl_renderer_resource_create_args> {
    vec![
        args(first, BUFFER, R8_UNORM, 1000, 1, 1, 1, 0),
        args(first + 1, TEX_1D, B8G8R8A8_UNORM, 16, 1, 1, 1, 2),
        args(first + 2, TEX_2D, B8G8R8A8_UNORM, 16, 8, 1, 1, 2),
        args(first + 3, TEX_3D, B8G8R8A8_UNORM, 8, 8, 4, 1, 1),
        args(first + 4, CUBE, B8G8R8A8_UNORM, 8, 8, 1, 6, 1),
        args(first + 5, RECT, B8G8R8A8_UNORM, 12, 5, 1, 1, 0),
        args(first + 6, TEX_1D_ARRAY, B8G8R8A8_UNORM, 16, 1, 1, 3, 1),
        args(first + 7, TEX_2D_ARRAY, B8G8R8A8_UNORM, 8, 8, 1, 3, 1),
        args(first + 8, CUBE_ARRAY, B8G8R8A8_UNORM, 8, 8, 1, 12, 1),
    ]
}

/// Every level of `a`, read through fresh iovecs.
fn levels(rng: &mut Rng, a: &virgl_renderer_resource_create_args) -> Vec<Vec<u8>> {
    (0..=a.last_level).map(|l| read_level(rng, a.handle, a, l).expect("read level")).collect()
}

/// Fills every level of `a` with random bytes; returns them.
fn fill(rng: &mut Rng, a: &virgl_renderer_resource_create_args) -> Vec<Vec<u8>> {
    (0..=a.last_level)
        .map(|l| {
            let g = LevelGeom::of(a, l);
            let data = rng.bytes(g.size());
            let mut s = ScatterBuf::new(rng, data.len(), 5);
            s.write_all(&data);
            assert_eq!(
                write(a.handle, Xfer { level: l, ..Xfer::boxed(g.full_box()) }, Some(&mut s)),
                0
            );
            data
        })
        .collect()
}

/// A transfer (both directions) that must fail with EINVAL, touching neither the guest
/// buffer nor the resource.
fn rejected(rng: &mut Rng, a: &virgl_renderer_resource_create_args, t: Xfer, iov_len: usize) {
    let before = levels(rng, a);
    for dir_write in [false, true] {
        let mut s = ScatterBuf::new(rng, iov_len, 3);
        let pattern = rng.bytes(iov_len);
        s.write_all(&pattern);
        let r = if dir_write {
            write(a.handle, t, Some(&mut s))
        } else {
            read(a.handle, t, Some(&mut s))
        };
        assert_eq!(r, EINVAL, "write={dir_write} {t:?} on {a:?}");
        assert_eq!(s.read_all(), pattern, "guest buffer touched by a rejected transfer");
        assert!(s.gaps_intact());
    }
    assert_eq!(levels(rng, a), before, "resource changed by a rejected transfer");
}

/// CVE-2019-18388 (inconsistent create arguments → NULL deref / later OOB). The argument
/// matrix is `resource_api::create_validation_failures_are_positive_einval`; this adds that
/// a rejected handle stays unusable by every later call (no half-created resource) and
/// free for a valid create.
#[test]
fn cve_2019_18388_rejected_create_leaves_nothing() {
    let _s = Session::new();
    let mut rng = Rng::new(1);
    let bad = [
        args(5, CUBE, B8G8R8A8_UNORM, 16, 8, 1, 6, 0),
        args(5, TEX_2D, B8G8R8A8_UNORM, 16, 16, 2, 1, 0),
        args(5, TEX_2D, B8G8R8A8_UNORM, 1 << 20, 1 << 20, 1, 1, 0),
        args(5, TEX_3D, B8G8R8A8_UNORM, 1 << 16, 1 << 16, 1 << 16, 1, 0),
        args(5, TEX_2D_ARRAY, B8G8R8A8_UNORM, 16, 16, 1, u32::MAX, 0),
        args(5, BUFFER, R8_UNORM, 64, 2, 1, 1, 0),
    ];
    for a in bad {
        assert_eq!(create(a), EINVAL, "{a:?}");
        assert_eq!(info(5), Err(EINVAL));
        let mut s = ScatterBuf::contiguous(64);
        assert_eq!(read(5, Xfer::boxed([0, 0, 0, 1, 1, 1]), Some(&mut s)), EINVAL);
        assert_eq!(attach(5, &mut s), EINVAL);
        assert_eq!(detach(5), (null_mut(), 0));
        virgl_renderer_resource_unref(5);
    }
    let a = args(5, TEX_2D, B8G8R8A8_UNORM, 4, 4, 1, 1, 0);
    assert_eq!(create(a), 0);
    let data = fill(&mut rng, &a);
    assert_eq!(levels(&mut rng, &a), data);
}

/// CVE-2019-18389 (box values ≥ 2³¹ are negative and passed the bounds check). The 2D case
/// is in `resource_api::rejected_transfers_leave_resource_intact`; this runs every field
/// of every target, at level 0 and the last level.
#[test]
fn cve_2019_18389_negative_box_every_target() {
    let _s = Session::new();
    let mut rng = Rng::new(2);
    for a in every_target(10) {
        assert_eq!(create(a), 0, "{a:?}");
        fill(&mut rng, &a);
        for level in [0, a.last_level] {
            for field in 0..6 {
                for v in [1u32 << 31, u32::MAX, 0xffff_fff0] {
                    let mut bx = [0, 0, 0, 1, 1, 1];
                    bx[field] = v;
                    rejected(&mut rng, &a, Xfer { level, ..Xfer::boxed(bx) }, 1 << 16);
                }
            }
        }
    }
}

/// CVE-2019-18391 (iovecs smaller than the box → heap overflow in the upload). The explicit
/// iovec case is in `resource_api::rejected_transfers_leave_resource_intact`; this covers
/// the attached backing one byte short, on every target.
#[test]
fn cve_2019_18391_attached_backing_shorter_than_box() {
    let _s = Session::new();
    let mut rng = Rng::new(3);
    for a in every_target(20) {
        assert_eq!(create(a), 0);
        let before = fill(&mut rng, &a);
        let g = LevelGeom::of(&a, 0);
        let mut short = ScatterBuf::new(&mut rng, g.size() - 1, 4);
        assert_eq!(attach(a.handle, &mut short), 0);
        let pattern = rng.bytes(g.size() - 1);
        short.write_all(&pattern);
        let t = Xfer::boxed(g.full_box());
        assert_eq!(write(a.handle, t, None), EINVAL, "{a:?}");
        assert_eq!(read(a.handle, t, None), EINVAL, "{a:?}");
        assert_eq!(short.read_all(), pattern);
        assert!(short.gaps_intact());
        assert_eq!(detach(a.handle).1, short.iov_count() as i32);
        assert_eq!(levels(&mut rng, &a), before);
    }
}

/// Upstream ab3640c0 (no CVE): a non-zero stride smaller than a row, or layer_stride
/// smaller than a layer. 2D and 2D-array cases are in
/// `resource_api::rejected_transfers_leave_resource_intact`; this covers 3D, cube and 1D
/// arrays (where "layer" is a slice, a face, a row).
#[test]
fn small_strides_on_3d_cube_and_1d_array() {
    let _s = Session::new();
    let mut rng = Rng::new(4);
    let t = every_target(30);
    for a in [t[3], t[4], t[6]] {
        assert_eq!(create(a), 0);
        fill(&mut rng, &a);
        let g = LevelGeom::of(&a, 0);
        let row = g.stride() as u32;
        let bx = [0, 0, 0, g.w, g.h, 2];
        rejected(&mut rng, &a, Xfer { stride: row - 1, ..Xfer::boxed(bx) }, 1 << 16);
        let ls = row * g.h - 1;
        rejected(&mut rng, &a, Xfer { stride: row, layer_stride: ls, ..Xfer::boxed(bx) }, 1 << 16);
    }
}

/// CVE-2022-0135 (box.d > 1 on a non-3D/array target wrote past the temp buffer), and the
/// same for h > 1 on 1D targets. The plain 2D case is in
/// `resource_api::rejected_transfers_leave_resource_intact`; this covers RECT, 1D, 1D array
/// (h), buffers, with scattered iovecs (upstream's temp-buffer path) and attached backing.
#[test]
fn cve_2022_0135_depth_on_2d_like_targets() {
    let _s = Session::new();
    let mut rng = Rng::new(5);
    let t = every_target(40);
    for (a, bx) in [
        (t[5], [0, 0, 0, 4, 4, 2]),
        (t[2], [0, 0, 0, 16, 8, 2]),
        (t[1], [0, 0, 0, 4, 1, 2]),
        (t[1], [0, 0, 0, 4, 2, 1]),
        (t[6], [0, 0, 0, 4, 2, 1]),
        (t[0], [0, 0, 0, 10, 1, 2]),
        (t[0], [0, 0, 0, 10, 2, 1]),
    ] {
        if info(a.handle).is_err() {
            assert_eq!(create(a), 0);
            fill(&mut rng, &a);
        }
        rejected(&mut rng, &a, Xfer::boxed(bx), 1 << 16);
    }
}

/// Upstream 6f9357ca / e173d696 (no CVE): z past the layers and x/y/z + w/h/d end-point
/// overflow; now checked in 64 bits.
#[test]
fn z_index_and_end_overflow() {
    let _s = Session::new();
    let mut rng = Rng::new(6);
    let t = every_target(50);
    for a in [t[3], t[4], t[7], t[8]] {
        assert_eq!(create(a), 0);
        fill(&mut rng, &a);
        let g = LevelGeom::of(&a, 0);
        let n = g.layers;
        for bx in [
            [0, 0, n, 1, 1, 1],
            [0, 0, n - 1, 1, 1, 2],
            [0, 0, 1, 1, 1, 0x7fff_ffff],
            [0, 0, 0x7fff_ffff, 1, 1, 1],
            [0, 0x7fff_ffff, 0, 1, 0x7fff_ffff, 1],
            [0x7fff_fff0, 0, 0, 0x20, 1, 1],
        ] {
            rejected(&mut rng, &a, Xfer::boxed(bx), 1 << 16);
        }
    }
}

/// Upstream 6c3bc571 / df40c8fd (no CVE): 32-bit overflow in size computations. A 4 GiB
/// texture (16384² RGBA32F, CPU backend: lazily backed memory) reads and writes its last
/// row at the right place; a stride·height or layer_stride·depth product past 2³² is never
/// truncated into an accepted transfer.
#[test]
fn u32_overflow_in_sizes() {
    // 4 GiB is exactly the default host memory limit: raise it for the small ones after.
    let _s = session_with(&[("VIRGL_SHIM_MAX_HOST_MEMORY", "5G")]);
    let mut rng = Rng::new(7);
    let a = args(60, TEX_2D, R32G32B32A32_FLOAT, 16384, 16384, 1, 1, 0);
    assert_eq!(create(a), 0);
    let row = 16384 * 16;
    let data = rng.bytes(row);
    let mut s = ScatterBuf::new(&mut rng, row, 8);
    s.write_all(&data);
    let last = Xfer::boxed([0, 16383, 0, 16384, 1, 1]);
    assert_eq!(write(60, last, Some(&mut s)), 0);
    let mut back = ScatterBuf::new(&mut rng, row, 3);
    assert_eq!(read(60, last, Some(&mut back)), 0);
    assert_eq!(back.read_all(), data);
    // Row 16383 mod 2^32 / row would be row 0 if the offset were truncated: row 0 is zero.
    let mut first = ScatterBuf::contiguous(row);
    assert_eq!(read(60, Xfer::boxed([0, 0, 0, 16384, 1, 1]), Some(&mut first)), 0);
    assert!(first.read_all().iter().all(|&b| b == 0));
    // stride 2^28 × 17 rows = 4 GiB + 2^28: a 1 MiB gather must not be enough.
    let b = args(61, TEX_2D, B8G8R8A8_UNORM, 64, 64, 1, 1, 0);
    assert_eq!(create(b), 0);
    rejected(&mut rng, &b, Xfer { stride: 1 << 28, ..Xfer::boxed([0, 0, 0, 1, 17, 1]) }, 1 << 20);
    let c = args(62, TEX_2D_ARRAY, B8G8R8A8_UNORM, 4, 4, 1, 8, 0);
    assert_eq!(create(c), 0);
    rejected(
        &mut rng,
        &c,
        Xfer { layer_stride: 0x8000_0000, ..Xfer::boxed([0, 0, 0, 1, 1, 3]) },
        1 << 20,
    );
}

/// 4 GiB iovec sums (upstream sums iovec lengths in a 32-bit GLuint). The >4 GiB gather is
/// `resource_api::gather_larger_than_4gib`; this adds iovecs whose lengths wrap the address
/// space or overflow the sum: rejected at attach / transfer before any byte is touched.
#[test]
fn iovec_sum_and_wrap() {
    let _s = Session::new();
    let a = args(70, BUFFER, R8_UNORM, 64, 1, 1, 1, 0);
    assert_eq!(create(a), 0);
    let mut buf = [0u8; 64];
    let p = buf.as_mut_ptr().cast::<c_void>();
    for mut iovs in [
        vec![libc::iovec { iov_base: p, iov_len: usize::MAX }],
        vec![libc::iovec { iov_base: p, iov_len: usize::MAX - (p as usize) + 1 }],
        vec![libc::iovec { iov_base: null_mut(), iov_len: 64 }],
    ] {
        let n = iovs.len();
        // SAFETY: rejected before any entry is dereferenced (the property under test).
        let r = unsafe { virgl_renderer_resource_attach_iov(70, iovs.as_mut_ptr(), n as i32) };
        assert_eq!(r, EINVAL);
        let mut b = virgl_box { x: 0, y: 0, z: 0, w: 64, h: 1, d: 1 };
        // SAFETY: as above.
        let r = unsafe {
            virgl_renderer_transfer_read_iov(70, 0, 0, 0, 0, &mut b, 0, iovs.as_mut_ptr(), n as i32)
        };
        assert_eq!(r, EINVAL);
    }
    assert!(buf.iter().all(|&b| b == 0));
    assert_eq!(detach(70), (null_mut(), 0), "a rejected attach attached nothing");
}

/// Reads every level of a fresh resource of every target and checks zeros; also a handle
/// reused after its resource held data, and a fresh coherent mapping.
fn fresh_storage_is_zero(backend: &str) {
    let _s = if backend == "gl" { gl_session() } else { Session::start(backend).unwrap() };
    let mut rng = Rng::new(8);
    let mut all = every_target(80);
    let mut custom = args(99, BUFFER, R8_UNORM, 4096, 1, 1, 1, 0);
    custom.bind = 1 << 17; // VIRGL_BIND_CUSTOM: CVE-2022-0175's malloc'd buffer
    all.push(custom);
    all.push(args(98, TEX_2D, R8G8B8A8_UNORM, 333, 77, 1, 1, 0));
    for a in &all {
        assert_eq!(create(*a), 0, "{backend}: {a:?}");
        for (l, bytes) in levels(&mut rng, a).iter().enumerate() {
            assert!(bytes.iter().all(|&b| b == 0), "{backend}: level {l} of {a:?} not zeroed");
        }
    }
    // Reuse: the storage of a resource that held data is never what a new one shows.
    for a in &all {
        fill(&mut rng, a);
        virgl_renderer_resource_unref(a.handle);
    }
    for a in &all {
        assert_eq!(create(*a), 0);
        for bytes in levels(&mut rng, a) {
            assert!(bytes.iter().all(|&b| b == 0), "{backend}: recreated {a:?} not zeroed");
        }
    }
    let c = virgl_renderer_resource_create_coherent_args {
        res_handle: 200,
        target: BUFFER,
        format: R8_UNORM,
        bind: 0,
        width: 8192,
        height: 1,
        ..Default::default()
    };
    // SAFETY: valid args.
    assert_eq!(unsafe { virgl_renderer_resource_create_coherent(&c) }, 0);
    let (mut p, mut size) = (null_mut(), 0u64);
    // SAFETY: valid out-pointers.
    assert_eq!(unsafe { virgl_renderer_resource_map(200, &mut p, &mut size) }, 0);
    // SAFETY: the mapping holds `size` bytes until unmap.
    let m = unsafe { std::slice::from_raw_parts(p as *const u8, size as usize) };
    assert!(m.iter().all(|&b| b == 0), "{backend}: coherent memory not zeroed");
    assert_eq!(virgl_renderer_resource_unmap(200), 0);
}

/// CVE-2022-0175 (host storage from malloc: the guest read uninitialised host heap), CPU
/// backend.
#[test]
fn cve_2022_0175_fresh_storage_zero_cpu() {
    fresh_storage_is_zero("cpu");
}

/// CVE-2022-0175 on the GL backend (textures and buffers are initialised before the guest
/// can read them). Skipped only when EGL cannot start.
#[test]
fn cve_2022_0175_fresh_storage_zero_gl() {
    fresh_storage_is_zero("gl");
}

/// Address-space size of this process in bytes (from /proc/self/statm).
fn vm_size() -> u64 {
    let s = std::fs::read_to_string("/proc/self/statm").expect("statm");
    let pages: u64 = s.split_whitespace().next().unwrap().parse().unwrap();
    // SAFETY: sysconf has no preconditions.
    pages * unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64
}

/// CVE-2020-8003 (a texture allocation failure double-freed the resource). Storage
/// allocation is made to fail for real (RLIMIT_AS): the create fails with ENOMEM, leaves
/// no resource, and the handle is reusable; the same through the host memory limit.
#[test]
fn cve_2020_8003_failed_allocation_leaves_no_resource() {
    let _s = Session::start("cpu").expect("cpu backend");
    let mut rng = Rng::new(9);
    let keep = args(1, TEX_2D, B8G8R8A8_UNORM, 8, 8, 1, 1, 0);
    assert_eq!(create(keep), 0);
    let data = fill(&mut rng, &keep);
    let mut old = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: valid out-pointer.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut old) }, 0);
    let lim = libc::rlimit { rlim_cur: vm_size() + (256 << 20), rlim_max: old.rlim_max };
    // SAFETY: lowers this process's soft limit only.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_AS, &lim) }, 0);
    // 1 GiB of storage: fits the 4 GiB host limit, not the address space.
    let big = args(2, TEX_2D, R32G32B32A32_FLOAT, 8192, 8192, 1, 1, 0);
    let r = create(big);
    // SAFETY: restores the previous limit.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_AS, &old) }, 0);
    assert_eq!(r, ENOMEM, "allocation failure must be a clean ENOMEM");
    assert_eq!(info(2), Err(EINVAL), "failed create left a resource");
    virgl_renderer_resource_unref(2);
    virgl_renderer_resource_unref(2);
    let small = args(2, TEX_2D, B8G8R8A8_UNORM, 4, 4, 1, 1, 0);
    assert_eq!(create(small), 0, "handle not reusable after a failed create");
    assert_eq!(levels(&mut rng, &keep), data);
    // Through the limit: 3D 2048³ RGBA8 = 32 GiB > 4 GiB.
    let huge = args(3, TEX_3D, B8G8R8A8_UNORM, 2048, 2048, 2048, 1, 0);
    assert_eq!(create(huge), ENOMEM);
    assert_eq!(info(3), Err(EINVAL));
    assert_eq!(create(args(3, TEX_2D, B8G8R8A8_UNORM, 4, 4, 1, 1, 0)), 0);
}

fn coherent(handle: u32, width: u32) -> i32 {
    let c = virgl_renderer_resource_create_coherent_args {
        res_handle: handle,
        target: BUFFER,
        format: R8_UNORM,
        bind: 0,
        width,
        height: 1,
        ..Default::default()
    };
    // SAFETY: valid args.
    unsafe { virgl_renderer_resource_create_coherent(&c) }
}

fn map(handle: u32) -> Result<(*mut u8, u64), i32> {
    let (mut p, mut size) = (null_mut(), 0u64);
    // SAFETY: valid out-pointers.
    match unsafe { virgl_renderer_resource_map(handle, &mut p, &mut size) } {
        0 => Ok((p.cast(), size)),
        e => Err(e),
    }
}

/// Map twice and unref while mapped are `coherent::map_unmap_unref_rules`. This adds detach
/// while mapped (the mapping stays valid and coherent with transfers), and handle reuse after
/// unref-while-mapped: the handle stays taken until unmap (else `unmap(handle)` would be
/// ambiguous), the old mapping stays valid until then, and nothing is freed twice.
#[test]
fn detach_while_mapped_and_handle_reuse_after_unref_while_mapped() {
    let _s = Session::new();
    assert_eq!(coherent(1, 4096), 0);
    let (p, size) = map(1).unwrap();
    assert_eq!(map(1), Err(-EINVAL), "map twice");
    let mut backing = ScatterBuf::contiguous(4096);
    assert_eq!(attach(1, &mut backing), 0);
    assert_eq!(detach(1).1, 1);
    assert_eq!(detach(1), (null_mut(), 0), "detach twice");
    // SAFETY: mapped until unmap.
    unsafe { p.add(5).write(0x77) };
    let mut out = ScatterBuf::contiguous(16);
    assert_eq!(read(1, Xfer::boxed([0, 0, 0, 16, 1, 1]), Some(&mut out)), 0);
    assert_eq!(out.read_all()[5], 0x77);
    virgl_renderer_resource_unref(1);
    // The old memory is still mapped, and its handle still taken.
    assert_eq!(create(args(1, TEX_2D, B8G8R8A8_UNORM, 4, 4, 1, 1, 0)), -EINVAL);
    // SAFETY: mapped until unmap (the property under test).
    unsafe {
        p.add(size as usize - 1).write(0x11);
        assert_eq!(p.add(5).read(), 0x77);
    }
    assert_eq!(virgl_renderer_resource_unmap(1), 0, "unmap of the orphaned mapping");
    assert_eq!(virgl_renderer_resource_unmap(1), -EINVAL);
    assert_eq!(create(args(1, TEX_2D, B8G8R8A8_UNORM, 4, 4, 1, 1, 0)), 0, "free after unmap");
    let (mut used, mut limit) = (1u64, 0u64);
    // SAFETY: valid out-pointers.
    assert_eq!(unsafe { virgl_renderer_get_coherent_usage(&mut used, &mut limit) }, 0);
    assert_eq!(used, 0, "budget returned");
    assert!(info(1).is_ok(), "the new resource");
}

fn submit(ctx: u32, words: &mut [u32]) -> i32 {
    // SAFETY: `words` holds `len` aligned dwords.
    unsafe { virgl_renderer_submit_cmd(words.as_mut_ptr().cast(), ctx as i32, words.len() as i32) }
}

fn hdr(cmd: u32, len: u32) -> u32 {
    cmd | (len << 16)
}

/// A context with two attached 8x8 B8G8R8A8 textures (1, 2) filled with random data.
fn ctx_with_textures(rng: &mut Rng) -> [virgl_renderer_resource_create_args; 2] {
    // SAFETY: a 4-byte name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"test".as_ptr()) }, 0);
    let t = [
        args(1, TEX_2D, B8G8R8A8_UNORM, 8, 8, 1, 1, 0),
        args(2, TEX_2D, B8G8R8A8_UNORM, 8, 8, 1, 1, 0),
    ];
    for a in &t {
        assert_eq!(create(*a), 0);
        fill(rng, a);
        virgl_renderer_ctx_attach_resource(1, a.handle as i32);
    }
    t
}

/// CVE-2019-18390 (BLIT with an out-of-range format index → OOB read), CVE-2019-18391's
/// INLINE_WRITE form (a box larger than the inline data) and CVE-2020-8002 (LAUNCH_GRID
/// without a compute shader → NULL deref), through submit_cmd: each fails cleanly
/// (0 with a context error, or a positive errno), whether or not the decoder implements
/// the command, and leaves both resources unchanged.
#[test]
fn cve_2019_18390_18391_2020_8002_malformed_commands() {
    let _s = Session::new();
    let mut rng = Rng::new(10);
    let t = ctx_with_textures(&mut rng);
    let mut before: Vec<_> = t.iter().map(|a| levels(&mut rng, a)).collect();
    let blit = |dst_fmt: u32, src_fmt: u32, src_box: [u32; 6]| {
        let mut v = vec![hdr(16, 21), 0xf, 0, 0, 1, 0, dst_fmt, 0, 0, 0, 8, 8, 1, 2, 0, src_fmt];
        v.extend_from_slice(&src_box);
        v
    };
    let inline = |bx: [u32; 6], data: usize| {
        let mut v = vec![hdr(9, 11 + data as u32), 1, 0, 0, 0, 0];
        v.extend_from_slice(&bx);
        v.extend(std::iter::repeat_n(0xdead_beef, data));
        v
    };
    let cases: Vec<(&str, Vec<u32>)> = vec![
        ("blit dst format 0xffff", blit(0xffff, B8G8R8A8_UNORM, [0, 0, 0, 8, 8, 1])),
        ("blit src format u32::MAX", blit(B8G8R8A8_UNORM, u32::MAX, [0, 0, 0, 8, 8, 1])),
        ("blit format 481", blit(481, 481, [0, 0, 0, 8, 8, 1])),
        ("blit negative src box", blit(B8G8R8A8_UNORM, B8G8R8A8_UNORM, [1 << 31, 0, 0, 8, 8, 1])),
        ("blit src box past the level", blit(B8G8R8A8_UNORM, B8G8R8A8_UNORM, [4, 4, 0, 8, 8, 1])),
        ("blit short", vec![hdr(16, 5), 0xf, 0, 0, 1, 0]),
        ("inline box 8x8, 4 dwords of data", inline([0, 0, 0, 8, 8, 1], 4)),
        ("inline box 8x8, 63 dwords", inline([0, 0, 0, 8, 8, 1], 63)),
        ("inline negative box", inline([0, 1 << 31, 0, 1, 1, 1], 1)),
        ("inline depth 2 on 2D", inline([0, 0, 0, 8, 8, 2], 128)),
        ("inline header only", vec![hdr(9, 3), 1, 0, 0]),
        ("launch_grid without compute shader", vec![hdr(37, 8), 1, 1, 1, 1, 1, 1, 0, 0]),
        ("launch_grid short", vec![hdr(37, 1), 1]),
        ("length past the buffer", vec![hdr(9, 100), 1, 0]),
    ];
    for (what, mut words) in cases {
        let r = submit(1, &mut words);
        assert!(r >= 0, "{what}: returned {r}");
        if what == "blit src box past the level" && test_backend() == "gl" {
            // The GL backend blits with glBlitFramebuffer, which clips the boxes to both
            // levels (as upstream's GL path does): the destination's covered part changes,
            // nothing is read or written outside a level. Start the next case afresh.
            before = t.iter().map(|a| levels(&mut rng, a)).collect();
            continue;
        }
        for (a, b) in t.iter().zip(&before) {
            assert_eq!(&levels(&mut rng, a), b, "{what}: resource {} changed", a.handle);
        }
    }
    // A context that does not exist, and a misaligned buffer (EFAULT), and a negative length.
    assert_eq!(submit(9, &mut [hdr(0, 0)]), EINVAL);
    let mut bytes = [0u8; 12];
    // SAFETY: 2 dwords at an odd address inside `bytes` (rejected before any read).
    let r = unsafe { virgl_renderer_submit_cmd(bytes.as_mut_ptr().add(1).cast(), 1, 2) };
    assert_eq!(r, libc::EFAULT);
    // SAFETY: a negative length is rejected before the buffer is read.
    assert_eq!(unsafe { virgl_renderer_submit_cmd(bytes.as_mut_ptr().cast(), 1, -1) }, EINVAL);
}

/// 82e6987c (a multi-plane query wrote past a scalar) and QEMU's CVE-2021-3546 (get_capset
/// wrote past a guest-sized buffer): out-structs and capset buffers are written exactly to
/// their size; a capset version above the maximum writes nothing.
#[test]
fn out_parameters_written_within_their_size() {
    let _s = Session::new();
    assert_eq!(create(args(1, TEX_2D, B8G8R8A8_UNORM, 4, 4, 1, 1, 0)), 0);
    const GUARD: usize = 64;
    let n = std::mem::size_of::<virgl_renderer_resource_info_ext>();
    let mut buf = vec![0xccu8; n + GUARD];
    // SAFETY: `buf` holds a (suitably aligned via read/write_unaligned) struct and a guard.
    let r = unsafe { virgl_renderer_resource_get_info_ext(1, buf.as_mut_ptr().cast()) };
    assert_eq!(r, 0);
    assert!(buf[n..].iter().all(|&b| b == 0xcc), "get_info_ext wrote past the struct");
    let n = std::mem::size_of::<virgl_renderer_dmabuf>();
    let mut buf = vec![0xccu8; n + GUARD];
    // SAFETY: as above.
    let r = unsafe { virgl_renderer_resource_export_dmabuf(1, buf.as_mut_ptr().cast()) };
    assert!(r <= 0);
    assert!(buf[n..].iter().all(|&b| b == 0xcc), "export_dmabuf wrote past the struct");
    if r == 0 {
        // SAFETY: the fd field was written; it is ours to close.
        let fd = unsafe { std::ptr::read_unaligned(buf.as_ptr().cast::<i32>()) };
        // SAFETY: closing our fd.
        unsafe { libc::close(fd) };
    }
    for set in [0u32, 1, 2, 3, 4, 5, 6, 99, u32::MAX] {
        let (mut ver, mut size) = (0u32, 0u32);
        // SAFETY: valid out-pointers.
        unsafe { virgl_renderer_get_cap_set(set, &mut ver, &mut size) };
        for v in [0, ver, ver + 1, u32::MAX] {
            let mut buf = vec![0xccu8; size as usize + GUARD];
            // SAFETY: `size` bytes plus a guard.
            unsafe { virgl_renderer_fill_caps(set, v, buf.as_mut_ptr().cast()) };
            assert!(buf[size as usize..].iter().all(|&b| b == 0xcc), "set {set} v{v}");
            if v > ver {
                assert!(buf.iter().all(|&b| b == 0xcc), "set {set}: version {v} > max wrote");
            }
        }
    }
}

/// The guest-blob class "blob size > Σiov" is `coherent::guest_blob_and_honest_gaps`; this
/// adds the boundary (Σiov == size accepted, size − 1 short rejected) and a failed blob
/// create leaving the handle free.
#[test]
fn guest_blob_size_against_iovecs() {
    let _s = Session::new();
    let mut s = ScatterBuf::contiguous(4096);
    let blob = |handle: u32, size: u64, s: &mut ScatterBuf| {
        let a = virgl_renderer_resource_create_blob_args {
            res_handle: handle,
            ctx_id: 0,
            blob_mem: VIRGL_RENDERER_BLOB_MEM_GUEST,
            blob_flags: 0,
            blob_id: 0,
            size,
            iovecs: s.iov_ptr(),
            num_iovs: s.iov_count() as u32,
        };
        // SAFETY: valid args; the iovecs outlive the resource.
        unsafe { virgl_renderer_resource_create_blob(&a) }
    };
    assert_eq!(blob(1, 4097, &mut s), -EINVAL);
    assert_eq!(blob(1, u64::MAX, &mut s), -EINVAL);
    assert_eq!(info(1), Err(EINVAL));
    assert_eq!(blob(1, 4096, &mut s), 0);
    virgl_renderer_resource_unref(1);
}

// ---- limits (src/config.rs) -------------------------------------------------------------

/// Starts a CPU session with the given limit variables (read at init, then removed).
fn session_with(vars: &[(&str, &str)]) -> Session {
    for (k, v) in vars {
        std::env::set_var(k, v);
    }
    let s = Session::start("cpu").expect("cpu backend");
    for (k, _) in vars {
        std::env::remove_var(k);
    }
    s
}

/// VIRGL_SHIM_MAX_RESOURCES: the create past the limit fails with positive ENOMEM, nothing
/// existing is lost, and an unref makes room again.
#[test]
fn limit_resource_count() {
    let _s = session_with(&[("VIRGL_SHIM_MAX_RESOURCES", "3")]);
    let mut rng = Rng::new(11);
    let a: Vec<_> = (1..=4).map(|h| args(h, TEX_2D, B8G8R8A8_UNORM, 4, 4, 1, 1, 0)).collect();
    let mut data = vec![];
    for x in &a[..3] {
        assert_eq!(create(*x), 0);
        data.push(fill(&mut rng, x));
    }
    assert_eq!(create(a[3]), ENOMEM);
    assert_eq!(info(4), Err(EINVAL));
    for (x, d) in a[..3].iter().zip(&data) {
        assert_eq!(&levels(&mut rng, x), d);
    }
    virgl_renderer_resource_unref(2);
    assert_eq!(create(a[3]), 0);
    assert_eq!(create(a[1]), ENOMEM);
}

/// VIRGL_SHIM_MAX_HOST_MEMORY: classic host storage past the limit fails with positive
/// ENOMEM; unref returns the bytes; reset returns everything.
#[test]
fn limit_host_memory() {
    let _s = session_with(&[("VIRGL_SHIM_MAX_HOST_MEMORY", "1M")]);
    let mut rng = Rng::new(12);
    // 256x256 RGBA = 256 KiB each: four fit exactly, the fifth does not.
    let a: Vec<_> = (1..=5).map(|h| args(h, TEX_2D, B8G8R8A8_UNORM, 256, 256, 1, 1, 0)).collect();
    for x in &a[..4] {
        assert_eq!(create(*x), 0);
    }
    let d = fill(&mut rng, &a[0]);
    assert_eq!(create(a[4]), ENOMEM);
    assert_eq!(create(args(9, BUFFER, R8_UNORM, 1, 1, 1, 1, 0)), ENOMEM, "not one byte more");
    assert_eq!(levels(&mut rng, &a[0]), d);
    virgl_renderer_resource_unref(3);
    assert_eq!(create(a[4]), 0);
    virgl_renderer_reset();
    for x in &a[..4] {
        assert_eq!(create(*x), 0, "reset returned the bytes");
    }
}

/// VIRGL_SHIM_MAX_IOVS: more iovecs than the limit is EINVAL for attach and transfers; the
/// limit itself is accepted.
#[test]
fn limit_iovecs() {
    let _s = session_with(&[("VIRGL_SHIM_MAX_IOVS", "4")]);
    let a = args(1, BUFFER, R8_UNORM, 64, 1, 1, 1, 0);
    assert_eq!(create(a), 0);
    let mut buf = [0u8; 64];
    let mut iovs: Vec<libc::iovec> = buf
        .chunks_mut(8)
        .map(|c| libc::iovec { iov_base: c.as_mut_ptr().cast(), iov_len: c.len() })
        .collect();
    // SAFETY: 8 valid iovecs over `buf`, which outlives the attachment.
    assert_eq!(unsafe { virgl_renderer_resource_attach_iov(1, iovs.as_mut_ptr(), 5) }, EINVAL);
    let mut b = virgl_box { x: 0, y: 0, z: 0, w: 8, h: 1, d: 1 };
    // SAFETY: as above.
    let r =
        unsafe { virgl_renderer_transfer_read_iov(1, 0, 0, 0, 0, &mut b, 0, iovs.as_mut_ptr(), 5) };
    assert_eq!(r, EINVAL);
    // SAFETY: as above.
    assert_eq!(unsafe { virgl_renderer_resource_attach_iov(1, iovs.as_mut_ptr(), 4) }, 0);
    assert_eq!(read(1, Xfer::boxed([0, 0, 0, 32, 1, 1]), None), 0);
}

/// VIRGL_SHIM_MAX_CMD_SIZE: a command buffer longer than the limit is EINVAL before any
/// command runs; one at the limit is accepted.
#[test]
fn limit_command_buffer_size() {
    let _s = session_with(&[("VIRGL_SHIM_MAX_CMD_SIZE", "64")]);
    // SAFETY: a 1-byte name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 1, c"c".as_ptr()) }, 0);
    assert_eq!(submit(1, &mut [hdr(0, 0); 16]), 0, "16 NOPs = 64 bytes");
    assert_eq!(submit(1, &mut [hdr(0, 0); 17]), EINVAL);
}

/// The default command buffer limit is 16 MiB.
#[test]
fn limit_command_buffer_default() {
    let _s = Session::start("cpu").expect("cpu backend");
    // SAFETY: a 1-byte name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 1, c"c".as_ptr()) }, 0);
    let mut words = vec![hdr(0, 0); (16 << 20) / 4 + 1];
    assert_eq!(submit(1, &mut words), EINVAL);
    assert_eq!(submit(1, &mut words[..(16 << 20) / 4]), 0);
}

/// The GL name the VMM gets (get_info's `tex_id`) never shows host memory the guest did not
/// write: fresh textures, and textures kept from a destroyed resource and reused, are
/// zero-filled before `get_info` returns. Read here with GL directly, as a VMM's display
/// samples it (the library leaves its context current on this thread, as upstream does).
#[test]
fn gl_tex_id_given_to_the_vmm_is_zero_filled() {
    let _s = gl_session();
    // SAFETY: the system libEGL, already loaded by the library.
    let egl = unsafe { khronos_egl::DynamicInstance::<khronos_egl::EGL1_4>::load_required() }
        .expect("libEGL");
    // SAFETY: entry points of the GL implementation whose context is current here.
    let gl = unsafe {
        glow::Context::from_loader_function(|n| {
            egl.get_proc_address(n).map_or(std::ptr::null(), |f| f as *const c_void)
        })
    };
    use glow::HasContext;
    let (w, h) = (64u32, 32u32);
    let read_texture = |tex: u32| -> Vec<u8> {
        let mut v = vec![0xEEu8; (w * h * 4) as usize];
        // SAFETY: our context is current; the buffer holds a packed w x h RGBA8 image
        // (pack state set for that and restored after, so the library's cached state holds).
        unsafe {
            let saved = [glow::PACK_ROW_LENGTH, glow::PACK_ALIGNMENT, glow::PACK_SKIP_ROWS]
                .map(|p| (p, gl.get_parameter_i32(p)));
            gl.pixel_store_i32(glow::PACK_ROW_LENGTH, 0);
            gl.pixel_store_i32(glow::PACK_ALIGNMENT, 1);
            gl.pixel_store_i32(glow::PACK_SKIP_ROWS, 0);
            gl.bind_buffer(glow::PIXEL_PACK_BUFFER, None);
            gl.bind_texture(
                glow::TEXTURE_2D,
                std::num::NonZeroU32::new(tex).map(glow::NativeTexture),
            );
            gl.get_tex_image(
                glow::TEXTURE_2D,
                0,
                glow::RGBA,
                glow::UNSIGNED_BYTE,
                glow::PixelPackData::Slice(Some(&mut v)),
            );
            assert_eq!(gl.get_error(), glow::NO_ERROR);
            for (p, val) in saved {
                gl.pixel_store_i32(p, val);
            }
        }
        v
    };
    let a = |handle| args(handle, TEX_2D, B8G8R8A8_UNORM, w, h, 1, 1, 0);
    // A fresh texture.
    assert_eq!(create(a(1)), 0);
    let i = info(1).unwrap();
    assert_ne!(i.tex_id, 0);
    assert!(read_texture(i.tex_id).iter().all(|&b| b == 0), "fresh tex_id not zero");
    // A texture that held the guest's data, kept after unref and reused for the next
    // resource of the same shape.
    let mut rng = Rng::new(21);
    assert_eq!(create(a(2)), 0);
    fill(&mut rng, &a(2));
    virgl_renderer_resource_unref(2);
    assert_eq!(create(a(3)), 0);
    let i = info(3).unwrap();
    assert!(read_texture(i.tex_id).iter().all(|&b| b == 0), "reused tex_id shows old data");
}
