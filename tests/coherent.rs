//! Coherent resources, the budget, map/unmap/unref rules, SHM export and guest blobs,
//! through the C ABI (a process per test: cargo nextest).

use std::ffi::c_void;
use virglrenderer::ffi::*;

static mut COOKIE: u8 = 0;
static mut CBS: virgl_renderer_callbacks = virgl_renderer_callbacks {
    version: 1,
    write_fence: None,
    create_gl_context: None,
    destroy_gl_context: None,
    make_current: None,
    get_drm_fd: None,
    write_context_fence: None,
    get_server_fd: None,
    get_egl_display: None,
};

fn init() {
    if std::env::var_os("VIRGL_SHIM_BACKEND").is_none() {
        std::env::set_var("VIRGL_SHIM_BACKEND", "cpu");
    }
    // SAFETY: static cookie and callbacks outlive the renderer.
    let rc = unsafe {
        virgl_renderer_init(std::ptr::addr_of_mut!(COOKIE).cast(), 0, std::ptr::addr_of_mut!(CBS))
    };
    assert_eq!(rc, 0);
}

fn coherent(handle: u32, target: u32, format: u32, w: u32, h: u32) -> i32 {
    let a = virgl_renderer_resource_create_coherent_args {
        res_handle: handle,
        ctx_id: 0,
        target,
        format,
        bind: if target == 0 { 0 } else { VIRGL_RES_BIND_SAMPLER_VIEW },
        width: w,
        height: h,
        flags: 0,
    };
    // SAFETY: valid args.
    unsafe { virgl_renderer_resource_create_coherent(&a) }
}

fn map(handle: u32) -> Result<(*mut u8, u64), i32> {
    let (mut p, mut s) = (std::ptr::null_mut::<c_void>(), 0u64);
    // SAFETY: valid out-pointers.
    match unsafe { virgl_renderer_resource_map(handle, &mut p, &mut s) } {
        0 => Ok((p.cast(), s)),
        e => Err(e),
    }
}

fn usage() -> (u64, u64) {
    let (mut u, mut l) = (0, 0);
    // SAFETY: valid out-pointers.
    assert_eq!(unsafe { virgl_renderer_get_coherent_usage(&mut u, &mut l) }, 0);
    (u, l)
}

fn xfer(write: bool, handle: u32, bx: [u32; 6], stride: u32, data: &mut [u8]) -> i32 {
    let mut b = virgl_box { x: bx[0], y: bx[1], z: bx[2], w: bx[3], h: bx[4], d: bx[5] };
    let mut iov = libc::iovec { iov_base: data.as_mut_ptr().cast(), iov_len: data.len() };
    // SAFETY: valid box and iovec.
    unsafe {
        if write {
            virgl_renderer_transfer_write_iov(handle, 0, 0, stride, 0, &mut b, 0, &mut iov, 1)
        } else {
            virgl_renderer_transfer_read_iov(handle, 0, 0, stride, 0, &mut b, 0, &mut iov, 1)
        }
    }
}

#[test]
fn coherence_both_directions_buffer_and_texture() {
    init();
    assert_eq!(coherent(1, 0, 64, 10000, 1), 0);
    let (p, size) = map(1).unwrap();
    let page = 4096u64;
    assert_eq!(p as u64 % page, 0, "page-aligned mapping");
    assert_eq!(size % page, 0);
    assert!(size >= 10000);
    // SAFETY: the mapping is `size` bytes and stays valid until unmap.
    let m = unsafe { std::slice::from_raw_parts_mut(p, size as usize) };
    assert!(m.iter().all(|&b| b == 0), "zeroed before the guest can read it");
    m[100..104].copy_from_slice(&[1, 2, 3, 4]);
    let mut out = [0u8; 4];
    assert_eq!(xfer(false, 1, [100, 0, 0, 4, 1, 1], 0, &mut out), 0);
    assert_eq!(out, [1, 2, 3, 4], "guest write through the mapping seen by the host");
    let mut inp = [9u8, 8, 7];
    assert_eq!(xfer(true, 1, [5000, 0, 0, 3, 1, 1], 0, &mut inp), 0);
    assert_eq!(&m[5000..5003], &[9, 8, 7], "host write seen through the mapping");

    // 2D B8G8R8A8 64x8: rows at 256 bytes.
    assert_eq!(coherent(2, 2, 1, 64, 8), 0);
    let (p2, _) = map(2).unwrap();
    // SAFETY: 64*8*4 bytes are inside the mapping.
    let t = unsafe { std::slice::from_raw_parts_mut(p2, 64 * 8 * 4) };
    t[3 * 256 + 8..3 * 256 + 16].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
    let mut px = [0u8; 8];
    assert_eq!(xfer(false, 2, [2, 3, 0, 2, 1, 1], 0, &mut px), 0);
    assert_eq!(px, [1, 2, 3, 4, 5, 6, 7, 8]);
    let mut info = 0;
    // SAFETY: valid out-pointer.
    assert_eq!(unsafe { virgl_renderer_resource_get_map_info(2, &mut info) }, 0);
    assert_eq!(info, VIRGL_RENDERER_MAP_CACHE_CACHED);
}

#[test]
fn budget_exhaustion_and_recovery() {
    init();
    assert_eq!(usage(), (0, 256 << 20), "default budget 256 MiB");
    assert_eq!(virgl_renderer_set_coherent_limit(3 * 4096), 0);
    assert_eq!(coherent(1, 0, 64, 8192, 1), 0);
    assert_eq!(usage().0, 8192);
    assert_eq!(coherent(2, 0, 64, 8192, 1), -libc::ENOSPC, "would pass the budget");
    assert_eq!(usage().0, 8192, "nothing allocated on failure");
    assert_eq!(coherent(2, 0, 64, 100, 1), 0, "one page still fits");
    assert_eq!(usage().0, 3 * 4096);
    assert_eq!(virgl_renderer_set_coherent_limit(4096), 0);
    assert!(map(1).is_ok(), "lowering the limit breaks nothing");
    assert_eq!(coherent(3, 0, 64, 1, 1), -libc::ENOSPC);
    virgl_renderer_resource_unref(2);
    assert_eq!(usage().0, 8192);
    assert_eq!(virgl_renderer_set_coherent_limit(1 << 20), 0);
    assert_eq!(coherent(3, 0, 64, 1, 1), 0, "recovered after release");
    assert_eq!(coherent(3, 0, 64, 1, 1), -libc::EINVAL, "duplicate handle");
    assert_eq!(coherent(4, 3, 64, 1, 1), -libc::EINVAL, "3D target not allowed");
    assert_eq!(coherent(0, 0, 64, 1, 1), -libc::EINVAL);
    // SAFETY: NULL is rejected without a read.
    assert_eq!(unsafe { virgl_renderer_resource_create_coherent(std::ptr::null()) }, -libc::EINVAL);
}

#[test]
fn map_unmap_unref_rules() {
    init();
    assert_eq!(coherent(1, 0, 64, 4096, 1), 0);
    assert_eq!(virgl_renderer_resource_unmap(1), -libc::EINVAL, "not mapped");
    let (p, size) = map(1).unwrap();
    assert_eq!(map(1).unwrap_err(), -libc::EINVAL, "map twice");
    virgl_renderer_resource_unref(1);
    // The guest's BAR may still point at it: the memory stays valid until unmap.
    // SAFETY: the mapping stays valid until unmap (the property under test).
    unsafe {
        p.add(10).write(0x5a);
        assert_eq!(p.add(10).read(), 0x5a);
    }
    assert_eq!(usage().0, size, "budget held until the final release");
    // The handle stays taken until unmap: unmap(1) must not become ambiguous (found by the
    // api_sequence fuzzer: map, unref, re-create, map again).
    assert_eq!(coherent(1, 0, 64, 4096, 1), -libc::EINVAL, "handle of a still-mapped resource");
    let mut a1 = virgl_renderer_resource_create_args {
        handle: 1,
        target: 0,
        format: 64,
        bind: 0,
        width: 64,
        height: 1,
        depth: 1,
        array_size: 1,
        ..Default::default()
    };
    // SAFETY: valid args.
    assert_eq!(
        unsafe { virgl_renderer_resource_create(&mut a1, std::ptr::null_mut(), 0) },
        -libc::EINVAL
    );
    assert_eq!(virgl_renderer_resource_unmap(1), 0);
    assert_eq!(coherent(1, 0, 64, 4096, 1), 0, "free again after unmap");
    virgl_renderer_resource_unref(1);
    assert_eq!(usage().0, 0, "budget back after unmap");
    assert_eq!(virgl_renderer_resource_unmap(1), -libc::EINVAL);
    // Classic resources are not mappable.
    let mut a = virgl_renderer_resource_create_args {
        handle: 5,
        target: 0,
        format: 64,
        bind: 0,
        width: 64,
        height: 1,
        depth: 1,
        array_size: 1,
        ..Default::default()
    };
    // SAFETY: valid args.
    assert_eq!(unsafe { virgl_renderer_resource_create(&mut a, std::ptr::null_mut(), 0) }, 0);
    assert_eq!(map(5).unwrap_err(), -libc::EINVAL);
    assert_eq!(map(77).unwrap_err(), -libc::EINVAL, "unknown resource");
}

#[test]
fn shm_export_shares_the_memory() {
    init();
    assert_eq!(coherent(1, 0, 64, 4096, 1), 0);
    let mut data = *b"hello, coherent";
    assert_eq!(xfer(true, 1, [0, 0, 0, data.len() as u32, 1, 1], 0, &mut data), 0);
    let (mut ty, mut fd) = (0u32, -1);
    // SAFETY: valid out-pointers.
    assert_eq!(unsafe { virgl_renderer_resource_export_blob(1, &mut ty, &mut fd) }, 0);
    assert_eq!(ty, VIRGL_RENDERER_BLOB_FD_TYPE_SHM);
    // SAFETY: mapping a memfd we own; unmapped below.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            fd,
            0,
        )
    };
    assert_ne!(p, libc::MAP_FAILED);
    // SAFETY: 4096 mapped bytes.
    let m = unsafe { std::slice::from_raw_parts_mut(p.cast::<u8>(), 4096) };
    assert_eq!(&m[..data.len()], b"hello, coherent");
    m[0] = b'J';
    let mut back = [0u8; 5];
    assert_eq!(xfer(false, 1, [0, 0, 0, 5, 1, 1], 0, &mut back), 0);
    assert_eq!(&back, b"Jello", "a write through the exported fd is the resource");
    // SAFETY: our mapping and our fd.
    unsafe {
        libc::munmap(p, 4096);
        libc::close(fd);
    }
}

#[test]
fn guest_blob_and_honest_gaps() {
    init();
    let mut page = vec![0u8; 8192];
    let iov = libc::iovec { iov_base: page.as_mut_ptr().cast(), iov_len: page.len() };
    let mut a = virgl_renderer_resource_create_blob_args {
        res_handle: 3,
        ctx_id: 0,
        blob_mem: VIRGL_RENDERER_BLOB_MEM_GUEST,
        blob_flags: VIRGL_RENDERER_BLOB_FLAG_USE_MAPPABLE,
        blob_id: 0,
        size: 8192,
        iovecs: &iov,
        num_iovs: 1,
    };
    // SAFETY: valid args and iovecs for every call below.
    unsafe {
        assert_eq!(virgl_renderer_resource_create_blob(&a), 0);
        assert_eq!(virgl_renderer_resource_create_blob(&a), -libc::EINVAL, "duplicate");
        let mut info = 0;
        assert_eq!(virgl_renderer_resource_get_map_info(3, &mut info), 0);
        assert_eq!(info, VIRGL_RENDERER_MAP_CACHE_CACHED);
        a.res_handle = 4;
        a.size = 8193;
        assert_eq!(
            virgl_renderer_resource_create_blob(&a),
            -libc::EINVAL,
            "iovecs shorter than size"
        );
        a.size = 0;
        assert_eq!(virgl_renderer_resource_create_blob(&a), -libc::EINVAL, "size 0");
        a.size = 4096;
        a.blob_mem = 9;
        assert_eq!(virgl_renderer_resource_create_blob(&a), -libc::EINVAL, "unknown blob_mem");
        a.blob_mem = VIRGL_RENDERER_BLOB_MEM_HOST3D;
        a.num_iovs = 0;
        assert_eq!(
            virgl_renderer_resource_create_blob(&a),
            -libc::EINVAL,
            "HOST3D without a context pipe resource (tests/decode.rs covers HOST3D)"
        );
        let mut out = virgl_renderer_dmabuf::default();
        assert_eq!(
            virgl_renderer_resource_export_dmabuf(3, &mut out),
            -libc::EOPNOTSUPP,
            "known gap"
        );
    }
    let mut buf = [0u8; 4];
    assert_eq!(
        xfer(false, 3, [0, 0, 0, 4, 1, 1], 0, &mut buf),
        libc::EINVAL,
        "no host storage, ctx 0"
    );
}
