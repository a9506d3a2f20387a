//! The resource workflow through the C ABI: create / attach / transfer / read back / detach /
//! unref, every rejection's return value (REFERENCE §2.1, §2.4) with the resource left
//! intact, init rules and fences. One renderer per process: run with `cargo nextest`.
//! The backend is `VIRGL_SHIM_TEST_BACKEND` (default cpu); every test also holds on GL.

mod common;

use common::*;
use std::ffi::c_void;
use std::ptr::null_mut;
use virglrenderer::ffi::display::{virgl_renderer_get_cursor_data, virgl_renderer_get_rect};
use virglrenderer::ffi::init::*;
use virglrenderer::ffi::resource::*;
use virglrenderer::ffi::types::*;
use virglrenderer::internal::format::{B8G8R8A8_UNORM, R8G8B8A8_UNORM, R8_UNORM};

const EINVAL: i32 = libc::EINVAL;

/// Snapshot of a resource: its info and every level's bytes.
fn snapshot(
    rng: &mut Rng,
    h: u32,
    a: &virgl_renderer_resource_create_args,
) -> (virgl_renderer_resource_info, Vec<Vec<u8>>) {
    let i = info(h).expect("get_info");
    let levels =
        (0..=a.last_level).map(|l| read_level(rng, h, a, l).expect("read level")).collect();
    (i, levels)
}

/// Creates `a`, fills every level with random bytes through explicit iovecs; returns the
/// bytes written per level.
fn create_filled(rng: &mut Rng, a: &virgl_renderer_resource_create_args) -> Vec<Vec<u8>> {
    assert_eq!(create(*a), 0, "create {a:?}");
    (0..=a.last_level)
        .map(|l| {
            let g = LevelGeom::of(a, l);
            let data = rng.bytes(g.size());
            let mut s = ScatterBuf::new(rng, data.len(), 5);
            s.write_all(&data);
            let t = Xfer { level: l, ..Xfer::boxed(g.full_box()) };
            assert_eq!(write(a.handle, t, Some(&mut s)), 0, "fill level {l} of {a:?}");
            data
        })
        .collect()
}

#[test]
fn calls_before_init_fail_with_positive_einval() {
    let _g = lock_process();
    assert_eq!(create(args(1, TEX_2D, B8G8R8A8_UNORM, 4, 4, 1, 1, 0)), EINVAL);
    assert_eq!(info(1), Err(EINVAL));
    let mut s = ScatterBuf::contiguous(64);
    assert_eq!(write(1, Xfer::boxed([0, 0, 0, 1, 1, 1]), Some(&mut s)), EINVAL);
    assert_eq!(read(1, Xfer::boxed([0, 0, 0, 1, 1, 1]), Some(&mut s)), EINVAL);
    assert_eq!(attach(1, &mut s), EINVAL);
    assert_eq!(create_fence(1), EINVAL);
}

#[test]
fn init_rules() {
    let _g = lock_process();
    std::env::set_var("VIRGL_SHIM_BACKEND", test_backend());
    let rec = new_cookie();
    let cookie = rec as *const Recorder as *mut c_void;
    let cbs = new_callbacks(1);
    // SAFETY (all calls below): leaked cookies and callbacks, or NULL where tested.
    unsafe {
        assert_eq!(virgl_renderer_init(null_mut(), 0, cbs), -1);
        assert_eq!(virgl_renderer_init(cookie, 0, null_mut()), -1);
        assert_eq!(virgl_renderer_init(cookie, 0, new_callbacks(0)), -1);
        assert_eq!(virgl_renderer_init(cookie, 0, new_callbacks(5)), -1);
        // The failures left the renderer uninitialised.
        assert_eq!(create(args(1, TEX_2D, B8G8R8A8_UNORM, 4, 4, 1, 1, 0)), EINVAL);

        assert_eq!(virgl_renderer_init(cookie, 0, cbs), 0);
        assert_eq!(virgl_renderer_init(cookie, 0, cbs), 0);
        let other = new_cookie() as *const Recorder as *mut c_void;
        assert_eq!(virgl_renderer_init(other, 0, cbs), -libc::EBUSY);
        assert_eq!(virgl_renderer_init(cookie, 0, new_callbacks(1)), -libc::EBUSY);
        assert_eq!(virgl_renderer_init(cookie, VIRGL_RENDERER_THREAD_SYNC, cbs), -libc::EBUSY);
        // Still the first renderer: resources work, fences go to the first cookie.
        assert_eq!(create(args(1, TEX_2D, B8G8R8A8_UNORM, 4, 4, 1, 1, 0)), 0);
        assert_eq!(create_fence(9), 0);
        poll();
        assert_eq!(*rec.fences.lock().unwrap(), vec![9]);

        // cleanup, then init again (other arguments are fine now): the old resource is gone.
        virgl_renderer_cleanup(cookie);
        assert_eq!(info(1), Err(EINVAL));
        assert_eq!(create(args(1, TEX_2D, B8G8R8A8_UNORM, 4, 4, 1, 1, 0)), EINVAL);
        let rec2 = new_cookie();
        let cookie2 = rec2 as *const Recorder as *mut c_void;
        assert_eq!(virgl_renderer_init(cookie2, 0, new_callbacks(4)), 0);
        assert_eq!(info(1), Err(EINVAL));
        assert_eq!(create(args(1, TEX_2D, B8G8R8A8_UNORM, 4, 4, 1, 1, 0)), 0);
        assert_eq!(info(1).unwrap().width, 4);
        assert_eq!(create_fence(3), 0);
        poll();
        assert_eq!(*rec2.fences.lock().unwrap(), vec![3]);
        assert_eq!(*rec.fences.lock().unwrap(), vec![9]);
        virgl_renderer_cleanup(cookie2);
    }
}

#[test]
fn reset_destroys_resources() {
    let s = Session::new();
    let mut rng = Rng::new(11);
    let a = args(7, TEX_2D, B8G8R8A8_UNORM, 8, 8, 1, 1, 0);
    create_filled(&mut rng, &a);
    assert!(info(7).is_ok());
    virgl_renderer_reset();
    assert_eq!(info(7), Err(EINVAL));
    let mut buf = ScatterBuf::contiguous(256);
    assert_eq!(read(7, Xfer::boxed([0, 0, 0, 1, 1, 1]), Some(&mut buf)), EINVAL);
    // Still initialised: the handle can be reused and starts zeroed.
    assert_eq!(create(a), 0);
    assert_eq!(read_level(&mut rng, 7, &a, 0).unwrap(), vec![0u8; 256]);
    drop(s);
}

#[test]
fn fences_report_newest_id_once() {
    let s = Session::new();
    assert_eq!(create_fence(1), 0);
    assert_eq!(create_fence(2), 0);
    assert_eq!(create_fence(5), 0);
    assert!(s.fences().is_empty(), "write_fence before poll");
    poll();
    assert_eq!(s.fences(), vec![5]);
    poll();
    assert_eq!(s.fences(), vec![5], "a poll without new fences reported again");
    assert_eq!(create_fence(6), 0);
    poll();
    assert_eq!(s.fences(), vec![5, 6]);
}

#[test]
fn duplicate_handle_keeps_original() {
    let _s = Session::new();
    let mut rng = Rng::new(1);
    let a = args(5, TEX_2D, B8G8R8A8_UNORM, 8, 4, 1, 1, 1);
    create_filled(&mut rng, &a);
    let before = snapshot(&mut rng, 5, &a);
    for dup in
        [a, args(5, TEX_2D, R8_UNORM, 16, 16, 1, 1, 0), args(5, BUFFER, R8_UNORM, 64, 1, 1, 1, 0)]
    {
        assert_eq!(create(dup), -EINVAL, "duplicate {dup:?}");
        // With iovecs too: they must not become the backing.
        let mut s = ScatterBuf::contiguous(4096);
        let mut d = dup;
        // SAFETY: valid args and iovecs.
        let r = unsafe { virgl_renderer_resource_create(&mut d, s.iov_ptr(), 1) };
        assert_eq!(r, -EINVAL);
        assert_eq!(detach(5), (null_mut(), 0), "duplicate create attached its iovecs");
    }
    assert_eq!(snapshot(&mut rng, 5, &a), before);
}

#[test]
fn handle_zero_and_unknown_handles() {
    let _s = Session::new();
    assert_eq!(create(args(0, TEX_2D, B8G8R8A8_UNORM, 4, 4, 1, 1, 0)), EINVAL);
    assert_eq!(info(0), Err(EINVAL));
    let mut s = ScatterBuf::contiguous(64);
    for h in [0u32, 1, 77, u32::MAX] {
        assert_eq!(write(h, Xfer::boxed([0, 0, 0, 1, 1, 1]), Some(&mut s)), EINVAL);
        assert_eq!(read(h, Xfer::boxed([0, 0, 0, 1, 1, 1]), Some(&mut s)), EINVAL);
        assert_eq!(attach(h, &mut s), EINVAL);
        assert_eq!(info(h), Err(EINVAL));
        assert_eq!(detach(h), (null_mut(), 0));
        virgl_renderer_resource_unref(h); // no effect, no crash
    }
}

/// Every rejected transfer returns positive EINVAL, writes nothing into the guest buffer
/// and leaves the resource (info and all levels) unchanged.
fn expect_rejected(
    rng: &mut Rng,
    h: u32,
    a: &virgl_renderer_resource_create_args,
    t: Xfer,
    iov_len: usize,
) {
    let before = snapshot(rng, h, a);
    let fill = rng.bytes(iov_len);
    let mut s = ScatterBuf::new(rng, iov_len, 4);
    s.write_all(&fill);
    assert_eq!(write(h, t, Some(&mut s)), EINVAL, "write {t:?} with {iov_len} bytes");
    assert_eq!(read(h, t, Some(&mut s)), EINVAL, "read {t:?} with {iov_len} bytes");
    assert_eq!(s.read_all(), fill, "rejected read wrote guest memory: {t:?}");
    assert!(s.gaps_intact());
    assert_eq!(snapshot(rng, h, a), before, "rejected transfer changed the resource: {t:?}");
}

#[test]
fn rejected_transfers_leave_resource_intact() {
    let _s = Session::new();
    let mut rng = Rng::new(2);
    // 2D, 8x6, two levels.
    let a = args(3, TEX_2D, B8G8R8A8_UNORM, 8, 6, 1, 1, 1);
    create_filled(&mut rng, &a);
    let big = 1 << 20;
    let ok = Xfer::boxed([0, 0, 0, 8, 6, 1]);
    // Sanity: the reference transfer is accepted with the exact size.
    let mut s = ScatterBuf::contiguous(8 * 6 * 4);
    assert_eq!(read(3, ok, Some(&mut s)), 0);

    // Box outside the level.
    for bx in [
        [7, 0, 0, 2, 1, 1],
        [0, 5, 0, 1, 2, 1],
        [8, 0, 0, 1, 1, 1],
        [0, 0, 1, 1, 1, 1],
        [0, 0, 0, 9, 1, 1],
    ] {
        expect_rejected(&mut rng, 3, &a, Xfer::boxed(bx), big);
    }
    // Values >= 2^31 in every field, and x + w wrapping.
    for field in 0..6 {
        for v in [1u32 << 31, u32::MAX, 0x8000_0001] {
            let mut bx = [0, 0, 0, 1, 1, 1];
            bx[field] = v;
            expect_rejected(&mut rng, 3, &a, Xfer::boxed(bx), big);
        }
    }
    expect_rejected(&mut rng, 3, &a, Xfer::boxed([1, 0, 0, u32::MAX, 1, 1]), big);
    expect_rejected(&mut rng, 3, &a, Xfer::boxed([0x7fff_ffff, 0, 0, 0x7fff_ffff, 1, 1]), big);
    // Level 1 is 4x3: a box valid for level 0 is outside it.
    expect_rejected(&mut rng, 3, &a, Xfer { level: 1, ..Xfer::boxed([0, 0, 0, 5, 1, 1]) }, big);
    // Level past last_level (and "negative" levels through the c_int).
    for level in [2u32, 3, 31, u32::MAX, 1 << 31] {
        expect_rejected(&mut rng, 3, &a, Xfer { level, ..Xfer::boxed([0, 0, 0, 1, 1, 1]) }, big);
    }
    // box.d > 1 on a 2D target.
    expect_rejected(&mut rng, 3, &a, Xfer::boxed([0, 0, 0, 1, 1, 2]), big);
    // Stride smaller than a row of the box.
    expect_rejected(
        &mut rng,
        3,
        &a,
        Xfer { stride: 4 * 4 - 1, ..Xfer::boxed([0, 0, 0, 4, 2, 1]) },
        big,
    );
    // Gather one byte short of offset + data, for several offsets / strides.
    let g0 = LevelGeom::of(&a, 0);
    for t in [
        ok,
        Xfer { offset: 100, ..ok },
        Xfer { stride: 40, offset: 3, ..Xfer::boxed([1, 1, 0, 5, 4, 1]) },
        Xfer { level: 1, offset: 7, ..Xfer::boxed([0, 0, 0, 4, 3, 1]) },
    ] {
        let g = if t.level == 0 { g0 } else { LevelGeom::of(&a, 1) };
        let need = box_need(&g, t.bx, t.stride, t.layer_stride, t.offset);
        expect_rejected(&mut rng, 3, &a, t, need - 1);
        let mut s = ScatterBuf::new(&mut rng, need, 4);
        assert_eq!(read(3, t, Some(&mut s)), 0, "exact size rejected: {t:?}");
    }
    // Offset past the gather / near u64::MAX.
    expect_rejected(&mut rng, 3, &a, Xfer { offset: u64::MAX, ..ok }, big);
    expect_rejected(
        &mut rng,
        3,
        &a,
        Xfer { offset: u64::MAX - 10, ..Xfer::boxed([0, 0, 0, 1, 1, 1]) },
        big,
    );
    expect_rejected(
        &mut rng,
        3,
        &a,
        Xfer { offset: big as u64, ..Xfer::boxed([0, 0, 0, 1, 1, 1]) },
        big,
    );

    // A 2D array: layer_stride smaller than a layer of the box; d past the layers.
    let b = args(4, TEX_2D_ARRAY, B8G8R8A8_UNORM, 4, 4, 1, 3, 0);
    create_filled(&mut rng, &b);
    expect_rejected(
        &mut rng,
        4,
        &b,
        Xfer { layer_stride: 4 * 4 * 2 - 1, ..Xfer::boxed([0, 0, 0, 4, 2, 2]) },
        big,
    );
    expect_rejected(
        &mut rng,
        4,
        &b,
        Xfer { stride: 20, layer_stride: 20 * 4 - 1, ..Xfer::boxed([0, 0, 0, 4, 4, 2]) },
        big,
    );
    expect_rejected(&mut rng, 4, &b, Xfer::boxed([0, 0, 1, 1, 1, 3]), big);
    expect_rejected(&mut rng, 4, &b, Xfer::boxed([0, 0, 3, 1, 1, 1]), big);
    // The exact layer stride is fine.
    let mut s = ScatterBuf::contiguous(2 * 32);
    assert_eq!(
        read(4, Xfer { layer_stride: 32, ..Xfer::boxed([0, 0, 0, 4, 2, 2]) }, Some(&mut s)),
        0
    );
}

/// Anonymous NORESERVE mappings (virtual only) of `len` bytes each.
struct Maps(Vec<(*mut u8, usize)>);

impl Maps {
    fn new(n: usize, len: usize) -> Option<Maps> {
        let mut v = vec![];
        for _ in 0..n {
            // SAFETY: fresh private anonymous mapping.
            let p = unsafe {
                libc::mmap(
                    null_mut(),
                    len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                    -1,
                    0,
                )
            };
            if p == libc::MAP_FAILED {
                return None;
            }
            v.push((p.cast::<u8>(), len));
        }
        Some(Maps(v))
    }
    fn iovs(&self) -> Vec<libc::iovec> {
        self.0.iter().map(|&(p, l)| libc::iovec { iov_base: p.cast(), iov_len: l }).collect()
    }
}

impl Drop for Maps {
    fn drop(&mut self) {
        for &(p, l) in &self.0 {
            // SAFETY: our own mappings.
            unsafe { libc::munmap(p.cast(), l) };
        }
    }
}

#[test]
fn gather_larger_than_4gib() {
    let _s = Session::new();
    const GIB: usize = 1 << 30;
    let Some(maps) = Maps::new(5, GIB) else {
        panic!("cannot reserve 5 GiB of address space with MAP_NORESERVE");
    };
    let mut iovs = maps.iovs();
    let a = args(9, BUFFER, R8_UNORM, 4096, 1, 1, 1, 0);
    assert_eq!(create(a), 0);
    // SAFETY: the mappings outlive the attachment (detached below).
    assert_eq!(unsafe { virgl_renderer_resource_attach_iov(9, iovs.as_mut_ptr(), 5) }, 0);
    let mut rng = Rng::new(3);
    let data = rng.bytes(4096);
    // Data straddling the 4th/5th mapping boundary, past 4 GiB.
    let off = 4 * GIB as u64 - 1000;
    for (i, b) in data.iter().enumerate() {
        let pos = off as usize + i;
        // SAFETY: inside mapping pos / GIB.
        unsafe { *maps.0[pos / GIB].0.add(pos % GIB) = *b };
    }
    let bx = [0, 0, 0, 4096, 1, 1];
    assert_eq!(write(9, Xfer { offset: off, ..Xfer::boxed(bx) }, None), 0);
    assert_eq!(read_level(&mut rng, 9, &a, 0).unwrap(), data);
    // Read back to the very end of the 5 GiB gather.
    let end = 5 * GIB as u64 - 4096;
    assert_eq!(read(9, Xfer { offset: end, ..Xfer::boxed(bx) }, None), 0);
    // SAFETY: last 4096 bytes of the last mapping.
    let tail = unsafe { std::slice::from_raw_parts(maps.0[4].0.add(GIB - 4096), 4096) };
    assert_eq!(tail, &data[..]);
    // One byte more than the gather; offsets that would fit if truncated to 32 bits.
    for offset in
        [end + 1, 5 * GIB as u64, 5 * GIB as u64 + (1 << 32), 1 << 32 | 8 << 30, u64::MAX - 100]
    {
        assert_eq!(write(9, Xfer { offset, ..Xfer::boxed(bx) }, None), EINVAL, "offset {offset}");
        assert_eq!(read(9, Xfer { offset, ..Xfer::boxed(bx) }, None), EINVAL, "offset {offset}");
    }
    assert_eq!(read_level(&mut rng, 9, &a, 0).unwrap(), data);
    // The same through explicit iovecs.
    let mut iov2 = maps.iovs();
    let mut b = virgl_box { x: 0, y: 0, z: 0, w: 4096, h: 1, d: 1 };
    // SAFETY: valid mappings.
    let r = unsafe {
        virgl_renderer_transfer_read_iov(9, 0, 0, 0, 0, &mut b, end + 1, iov2.as_mut_ptr(), 5)
    };
    assert_eq!(r, EINVAL);
    // SAFETY: as above.
    let r = unsafe {
        virgl_renderer_transfer_read_iov(9, 0, 0, 0, 0, &mut b, end, iov2.as_mut_ptr(), 5)
    };
    assert_eq!(r, 0);
    assert_eq!(detach(9), (iovs.as_mut_ptr(), 5));
}

#[test]
fn transfer_without_backing_and_after_unref() {
    let _s = Session::new();
    let mut rng = Rng::new(4);
    let a = args(2, TEX_2D, R8G8B8A8_UNORM, 4, 4, 1, 1, 0);
    assert_eq!(create(a), 0);
    let full = Xfer::boxed([0, 0, 0, 4, 4, 1]);
    assert_eq!(write(2, full, None), EINVAL);
    assert_eq!(read(2, full, None), EINVAL);
    // Explicit iovecs with no attached backing work.
    let data = rng.bytes(64);
    let mut s = ScatterBuf::new(&mut rng, 64, 6);
    s.write_all(&data);
    assert_eq!(write(2, full, Some(&mut s)), 0);
    assert_eq!(read_level(&mut rng, 2, &a, 0).unwrap(), data);
    // After unref: everything is EINVAL.
    virgl_renderer_resource_unref(2);
    assert_eq!(write(2, full, Some(&mut s)), EINVAL);
    assert_eq!(read(2, full, Some(&mut s)), EINVAL);
    assert_eq!(info(2), Err(EINVAL));
    assert_eq!(attach(2, &mut s), EINVAL);
    assert_eq!(s.read_all(), data);
}

#[test]
fn attach_twice_keeps_first_backing() {
    let _s = Session::new();
    let mut rng = Rng::new(5);
    let a = args(6, TEX_2D, B8G8R8A8_UNORM, 4, 2, 1, 1, 0);
    assert_eq!(create(a), 0);
    let (d1, d2) = (rng.bytes(32), rng.bytes(32));
    let mut s1 = ScatterBuf::new(&mut rng, 32, 4);
    let mut s2 = ScatterBuf::new(&mut rng, 32, 4);
    s1.write_all(&d1);
    s2.write_all(&d2);
    assert_eq!(attach(6, &mut s1), 0);
    assert_eq!(attach(6, &mut s2), EINVAL);
    let full = Xfer::boxed([0, 0, 0, 4, 2, 1]);
    assert_eq!(write(6, full, None), 0);
    assert_eq!(read_level(&mut rng, 6, &a, 0).unwrap(), d1);
    assert_eq!(detach(6), (s1.iov_ptr(), s1.iov_count() as i32));
    assert_eq!(detach(6), (null_mut(), 0));
    assert_eq!(write(6, full, None), EINVAL);
    // Now the second one can be attached.
    assert_eq!(attach(6, &mut s2), 0);
    assert_eq!(write(6, full, None), 0);
    assert_eq!(read_level(&mut rng, 6, &a, 0).unwrap(), d2);
    assert_eq!(detach(6), (s2.iov_ptr(), s2.iov_count() as i32));
}

#[test]
fn create_with_iovecs_attaches_them() {
    let _s = Session::new();
    let mut rng = Rng::new(6);
    let mut a = args(8, TEX_2D, B8G8R8A8_UNORM, 4, 4, 1, 1, 0);
    let data = rng.bytes(64);
    let mut s = ScatterBuf::new(&mut rng, 64, 5);
    s.write_all(&data);
    // SAFETY: valid args and iovecs that outlive the resource.
    assert_eq!(
        unsafe { virgl_renderer_resource_create(&mut a, s.iov_ptr(), s.iov_count() as u32) },
        0
    );
    assert_eq!(write(8, Xfer::boxed([0, 0, 0, 4, 4, 1]), None), 0);
    assert_eq!(read_level(&mut rng, 8, &a, 0).unwrap(), data);
    assert_eq!(detach(8), (s.iov_ptr(), s.iov_count() as i32));
}

/// One resource per target with mips where allowed.
fn every_target() -> Vec<virgl_renderer_resource_create_args> {
    vec![
        args(10, BUFFER, R8_UNORM, 300, 1, 1, 1, 0),
        args(11, TEX_1D, B8G8R8A8_UNORM, 13, 1, 1, 1, 2),
        args(12, TEX_2D, R8G8B8A8_UNORM, 9, 7, 1, 1, 3),
        args(13, TEX_3D, B8G8R8A8_UNORM, 6, 5, 4, 1, 2),
        args(14, CUBE, R8_UNORM, 8, 8, 1, 6, 3),
        args(15, RECT, B8G8R8A8_UNORM, 7, 5, 1, 1, 0),
        args(16, TEX_1D_ARRAY, R8G8B8A8_UNORM, 10, 1, 1, 4, 1),
        args(17, TEX_2D_ARRAY, B8G8R8A8_UNORM, 6, 6, 1, 3, 2),
        args(18, CUBE_ARRAY, R8G8B8A8_UNORM, 4, 4, 1, 12, 1),
    ]
}

#[test]
fn every_target_round_trips() {
    let _s = Session::new();
    let mut rng = Rng::new(7);
    for a in every_target() {
        assert_eq!(create(a), 0, "{a:?}");
        let levels: Vec<LevelGeom> = (0..=a.last_level).map(|l| LevelGeom::of(&a, l)).collect();
        // Backing big enough for any level at offset < 64 with default strides.
        let back_len = levels[0].size() + 64;
        let mut back = ScatterBuf::new(&mut rng, back_len, 9);
        assert_eq!(attach(a.handle, &mut back), 0);
        let mut model: Vec<Vec<u8>> = levels.iter().map(|g| vec![0u8; g.size()]).collect();
        for (l, g) in levels.iter().enumerate() {
            // A box inside the level: x/y/z at 1 where possible, up to the far edge.
            let o = |n: u32| if n > 1 { 1 } else { 0 };
            let bx =
                [o(g.w), o(g.h), o(g.layers), g.w - o(g.w), g.h - o(g.h), g.layers - o(g.layers)];
            let offset = rng.below(64);
            let t = Xfer { level: l as u32, offset, ..Xfer::boxed(bx) };
            let guest = rng.bytes(back_len);
            back.write_all(&guest);
            assert_eq!(write(a.handle, t, None), 0, "write {a:?} {t:?}");
            for (gofs, mofs, n) in box_rows(g, bx, 0, 0, offset) {
                model[l][mofs..mofs + n].copy_from_slice(&guest[gofs..gofs + n]);
            }
            // The same box into fresh iovecs with explicit iov; bytes outside untouched.
            let need = box_need(g, bx, 0, 0, offset);
            let pre = rng.bytes(need + 5);
            let mut fresh = ScatterBuf::new(&mut rng, need + 5, 6);
            fresh.write_all(&pre);
            assert_eq!(read(a.handle, t, Some(&mut fresh)), 0, "read {a:?} {t:?}");
            let got = fresh.read_all();
            let mut want = pre.clone();
            for (gofs, _, n) in box_rows(g, bx, 0, 0, offset) {
                want[gofs..gofs + n].copy_from_slice(&guest[gofs..gofs + n]);
            }
            assert_eq!(got, want, "read back of {a:?} level {l}");
            assert!(fresh.gaps_intact());
        }
        // Every level equals the model (other levels untouched by each write).
        for l in 0..=a.last_level {
            assert_eq!(
                read_level(&mut rng, a.handle, &a, l).unwrap(),
                model[l as usize],
                "{a:?} level {l}"
            );
        }
        assert!(back.gaps_intact());
        assert_eq!(detach(a.handle), (back.iov_ptr(), back.iov_count() as i32));
        virgl_renderer_resource_unref(a.handle);
        assert_eq!(info(a.handle), Err(EINVAL));
    }
}

#[test]
fn get_info_fields() {
    let s = Session::new();
    for a in every_target() {
        assert_eq!(create(a), 0);
        let i = info(a.handle).unwrap();
        let f = virglrenderer::internal::format::lookup(a.format).unwrap();
        assert_eq!(i.handle, a.handle);
        assert_eq!(i.virgl_format, a.format);
        assert_eq!((i.width, i.height, i.depth), (a.width, a.height, a.depth));
        assert_eq!(i.flags, a.flags);
        let bpp = if a.target == BUFFER { 1 } else { f.block_bytes };
        assert_eq!(i.stride, a.width * bpp, "{a:?}");
        assert_eq!(i.drm_fourcc as u32, f.drm_fourcc);
        assert_eq!(i.fd, INFO_FD_SENTINEL, "fd not written: 0.10.4 callers' struct ends before it");
        if s.is_cpu() {
            assert_eq!(i.tex_id, 0);
        }
        // SAFETY: all-zero is a valid info_ext (integers, bools, a NULL pointer).
        let mut ext: virgl_renderer_resource_info_ext = unsafe { std::mem::zeroed() };
        // SAFETY: valid out-pointer.
        assert_eq!(unsafe { virgl_renderer_resource_get_info_ext(a.handle as i32, &mut ext) }, 0);
        assert_eq!(ext.base.fd, -1, "get_info_ext (a 1.x-only call) writes fd");
        assert_eq!(virgl_renderer_resource_info { fd: INFO_FD_SENTINEL, ..ext.base }, i);
    }
    // Y_0_TOP is reported in flags.
    let mut a = args(40, TEX_2D, B8G8R8A8_UNORM, 64, 32, 1, 1, 0);
    a.flags = Y_0_TOP;
    a.bind = BIND_RENDER_TARGET;
    assert_eq!(create(a), 0);
    assert_eq!(info(40).unwrap().flags, Y_0_TOP);
    assert_eq!(info(40).unwrap().stride, 256);
    // NULL info pointer.
    // SAFETY: NULL is checked.
    assert_eq!(unsafe { virgl_renderer_resource_get_info(40, null_mut()) }, EINVAL);
}

#[test]
fn priv_data() {
    let _s = Session::new();
    assert_eq!(create(args(3, TEX_2D, B8G8R8A8_UNORM, 4, 4, 1, 1, 0)), 0);
    assert!(virgl_renderer_resource_get_priv(3).is_null());
    let p = 0x1234_5678usize as *mut c_void;
    virgl_renderer_resource_set_priv(3, p);
    assert_eq!(virgl_renderer_resource_get_priv(3), p);
    virgl_renderer_resource_set_priv(4, p); // unknown: ignored
    assert!(virgl_renderer_resource_get_priv(4).is_null());
    virgl_renderer_resource_unref(3);
    assert!(virgl_renderer_resource_get_priv(3).is_null());
}

#[test]
fn get_rect_reads_rows_at_level_stride() {
    let _s = Session::new();
    let mut rng = Rng::new(8);
    let a = args(3, TEX_2D, B8G8R8A8_UNORM, 10, 6, 1, 1, 0);
    let data = create_filled(&mut rng, &a).remove(0);
    let (x, y, w, h, offset) = (2usize, 1usize, 5usize, 3usize, 17usize);
    let stride = 40usize;
    let len = offset + (h - 1) * stride + w * 4;
    let pre = rng.bytes(len);
    let mut s = ScatterBuf::new(&mut rng, len, 5);
    s.write_all(&pre);
    // SAFETY: valid iovecs.
    unsafe {
        virgl_renderer_get_rect(
            3,
            s.iov_ptr(),
            s.iov_count() as u32,
            offset as u32,
            x as i32,
            y as i32,
            w as i32,
            h as i32,
        )
    };
    let mut want = pre.clone();
    for r in 0..h {
        let src = (y + r) * stride + x * 4;
        want[offset + r * stride..offset + r * stride + w * 4]
            .copy_from_slice(&data[src..src + w * 4]);
    }
    assert_eq!(s.read_all(), want);
    // Out of bounds: nothing written.
    let mut s2 = ScatterBuf::new(&mut rng, len, 5);
    s2.write_all(&pre);
    // SAFETY: valid iovecs.
    unsafe { virgl_renderer_get_rect(3, s2.iov_ptr(), s2.iov_count() as u32, 0, 8, 0, 5, 1) };
    // SAFETY: valid iovecs.
    unsafe { virgl_renderer_get_rect(3, s2.iov_ptr(), s2.iov_count() as u32, 0, -1, 0, 1, 1) };
    assert_eq!(s2.read_all(), pre);
}

fn cursor(handle: u32) -> Option<(Vec<u8>, u32, u32)> {
    let (mut w, mut h) = (0u32, 0u32);
    // SAFETY: valid out-pointers.
    let p = unsafe { virgl_renderer_get_cursor_data(handle, &mut w, &mut h) };
    if p.is_null() {
        return None;
    }
    let n = w as usize * h as usize * 4;
    // SAFETY: the library returns w*h*4 malloc'd bytes.
    let v = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), n) }.to_vec();
    // SAFETY: the caller frees with free(), as documented.
    unsafe { libc::free(p) };
    Some((v, w, h))
}

#[test]
fn cursor_data_row_order() {
    let _s = Session::new();
    let mut rng = Rng::new(9);
    for (handle, flags) in [(20u32, Y_0_TOP), (21, 0)] {
        let mut a = args(handle, TEX_2D, B8G8R8A8_UNORM, 64, 64, 1, 1, 0);
        a.bind = BIND_CURSOR | BIND_SAMPLER_VIEW;
        a.flags = flags;
        let data = create_filled(&mut rng, &a).remove(0);
        let (got, w, h) = cursor(handle).expect("cursor data");
        assert_eq!((w, h), (64, 64));
        let want: Vec<u8> = if flags & Y_0_TOP != 0 {
            data.clone()
        } else {
            data.chunks(256).rev().flatten().copied().collect()
        };
        assert_eq!(got, want, "flags {flags}");
    }
    // Not a cursor: too large, or not 4 bytes per pixel, or unknown.
    assert_eq!(create(args(22, TEX_2D, B8G8R8A8_UNORM, 256, 64, 1, 1, 0)), 0);
    assert!(cursor(22).is_none());
    assert_eq!(create(args(23, TEX_2D, R8_UNORM, 64, 64, 1, 1, 0)), 0);
    assert!(cursor(23).is_none());
    assert!(cursor(99).is_none());
}

#[test]
fn create_validation_failures_are_positive_einval() {
    let _s = Session::new();
    let base = args(30, TEX_2D, B8G8R8A8_UNORM, 16, 16, 1, 1, 0);
    let bad: Vec<(&str, virgl_renderer_resource_create_args)> = vec![
        ("cube w != h", args(30, CUBE, B8G8R8A8_UNORM, 16, 8, 1, 6, 0)),
        ("cube array_size 1", args(30, CUBE, B8G8R8A8_UNORM, 16, 16, 1, 1, 0)),
        ("cube array_size 12", args(30, CUBE, B8G8R8A8_UNORM, 16, 16, 1, 12, 0)),
        ("cube array 7 layers", args(30, CUBE_ARRAY, B8G8R8A8_UNORM, 16, 16, 1, 7, 0)),
        ("depth 2 on 2D", args(30, TEX_2D, B8G8R8A8_UNORM, 16, 16, 2, 1, 0)),
        ("depth 2 on 2D array", args(30, TEX_2D_ARRAY, B8G8R8A8_UNORM, 16, 16, 2, 2, 0)),
        ("height 2 on 1D", args(30, TEX_1D, B8G8R8A8_UNORM, 16, 2, 1, 1, 0)),
        ("array_size 2 on 2D", args(30, TEX_2D, B8G8R8A8_UNORM, 16, 16, 1, 2, 0)),
        ("target 9", args(30, 9, B8G8R8A8_UNORM, 16, 16, 1, 1, 0)),
        ("target u32::MAX", args(30, u32::MAX, B8G8R8A8_UNORM, 16, 16, 1, 1, 0)),
        ("format 481", args(30, TEX_2D, 481, 16, 16, 1, 1, 0)),
        ("format u32::MAX", args(30, TEX_2D, u32::MAX, 16, 16, 1, 1, 0)),
        ("last_level 6 on 16x16", args(30, TEX_2D, B8G8R8A8_UNORM, 16, 16, 1, 1, 6)),
        ("last_level on a buffer", args(30, BUFFER, R8_UNORM, 16, 1, 1, 1, 1)),
        ("last_level on RECT", args(30, RECT, B8G8R8A8_UNORM, 16, 16, 1, 1, 1)),
        ("width 0", args(30, TEX_2D, B8G8R8A8_UNORM, 0, 16, 1, 1, 0)),
        ("height 0", args(30, TEX_2D, B8G8R8A8_UNORM, 16, 0, 1, 1, 0)),
        ("buffer height 2", args(30, BUFFER, R8_UNORM, 16, 2, 1, 1, 0)),
        ("huge 2D", args(30, TEX_2D, B8G8R8A8_UNORM, 1 << 20, 1 << 20, 1, 1, 0)),
        ("huge 3D", args(30, TEX_3D, B8G8R8A8_UNORM, 1 << 16, 1 << 16, 1 << 16, 1, 0)),
    ];
    let mut bad = bad;
    let mut b = base;
    b.bind = BIND_VERTEX_BUFFER;
    bad.push(("buffer bind on a texture", b));
    b.bind = 0;
    bad.push(("bind 0 on a texture", b));
    b.bind = BIND_SCANOUT;
    bad.push(("texture binds missing", b));
    let mut b = base;
    b.flags = 1 << 5;
    bad.push(("unknown flag", b));
    b.flags = 1 << 31;
    bad.push(("unknown flag 31", b));
    let mut b = args(30, TEX_3D, B8G8R8A8_UNORM, 4, 4, 4, 1, 0);
    b.flags = Y_0_TOP;
    bad.push(("Y_0_TOP on 3D", b));
    let mut b = base;
    b.nr_samples = 4;
    b.last_level = 1;
    bad.push(("multisample with mips", b));
    for (what, a) in bad {
        assert_eq!(create(a), EINVAL, "{what}: {a:?}");
        assert_eq!(info(30), Err(EINVAL), "{what}: created anyway");
    }
    // The base and the boundary cases are accepted.
    for a in [
        base,
        args(31, TEX_2D, B8G8R8A8_UNORM, 16, 16, 1, 1, 4),
        args(32, CUBE_ARRAY, R8_UNORM, 4, 4, 1, 12, 2),
    ] {
        assert_eq!(create(a), 0, "{a:?}");
    }
}

/// Buffers are byte arrays whatever format they name: box.x / box.w are bytes, the gather
/// needs `w` bytes, the storage `width` bytes (regression: the 4-byte format of a buffer
/// was used for the row size and the storage size).
#[test]
fn buffer_with_a_4_byte_format_is_bytes() {
    let _s = Session::new();
    let mut rng = Rng::new(12);
    let a = args(50, BUFFER, B8G8R8A8_UNORM, 16, 1, 1, 1, 0);
    assert_eq!(create(a), 0);
    assert_eq!(info(50).unwrap().stride, 16);
    let data = rng.bytes(4);
    let mut s = ScatterBuf::new(&mut rng, 4, 3);
    s.write_all(&data);
    assert_eq!(write(50, Xfer::boxed([4, 0, 0, 4, 1, 1]), Some(&mut s)), 0);
    let mut want = vec![0u8; 16];
    want[4..8].copy_from_slice(&data);
    assert_eq!(read_level(&mut rng, 50, &a, 0).unwrap(), want);
    let mut s3 = ScatterBuf::contiguous(3);
    assert_eq!(write(50, Xfer::boxed([4, 0, 0, 4, 1, 1]), Some(&mut s3)), EINVAL);
    assert_eq!(write(50, Xfer::boxed([13, 0, 0, 4, 1, 1]), Some(&mut s)), EINVAL);
    assert_eq!(read_level(&mut rng, 50, &a, 0).unwrap(), want);
}
