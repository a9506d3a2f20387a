//! GBM: the GBM EGL platform, GBM-allocated SCANOUT/SHARED textures and their dma-buf
//! export (a process per test: cargo nextest).
//!
//! Tests that need a DRM node (`drm_*`) are `#[ignore]`d with that reason: the VM tier
//! (tests/vm/run.sh) runs them, and fails them where `/dev/dri` has no node. GL must work
//! everywhere; `VIRGL_SHIM_TEST_VM=1` adds what the test VM's devices are known to do (see
//! tests/common/mod.rs for the policy).

mod common;

use common::*;
use std::ffi::c_void;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicI32, Ordering};
use virglrenderer::ffi::types::virgl_renderer_resource_create_args;
use virglrenderer::ffi::*;
use virglrenderer::internal::backend::cpu::CpuBackend;
use virglrenderer::internal::backend::gl::{GlBackend, GlFlags};
use virglrenderer::internal::backend::{Backend, Storage};
use virglrenderer::internal::iov::IovList;
use virglrenderer::internal::resource::{bind, ResourceDesc};
use virglrenderer::internal::transfer::{self, RawBox};
use virglrenderer::internal::vmm::VmmCallbacks;

const BGRA8: u32 = 1; // B8G8R8A8_UNORM: DRM AR24
const AR24: u32 = u32::from_le_bytes(*b"AR24");

/// A GL backend with a GBM allocator (for tests that `require(Device::Drm)`): a failure
/// when GL does not start or no DRM node allocates.
fn gbm_backend() -> GlBackend {
    let gl = gl_required(GlBackend::new(GlFlags::default(), None));
    println!("NOTE: EGL platform {}, GBM node {:?}", gl.platform_name(), gl.gbm_node());
    assert!(gl.gbm_node().is_some(), "no DRM node where GBM allocation works ({:?})", drm_nodes());
    gl
}

fn desc(be: &dyn Backend, w: u32, h: u32, bind_flags: u32) -> ResourceDesc {
    let a = virgl_renderer_resource_create_args {
        handle: 1,
        target: TEX_2D,
        format: BGRA8,
        bind: bind_flags,
        width: w,
        height: h,
        depth: 1,
        array_size: 1,
        last_level: 0,
        nr_samples: 0,
        flags: 0,
    };
    ResourceDesc::validate(&(&a).into(), &be.limits()).unwrap()
}

fn iov(buf: &mut [u8]) -> IovList {
    // SAFETY: the buffer outlives the list (callers drop the list first).
    unsafe { IovList::from_slices(&[(buf.as_mut_ptr(), buf.len())]).unwrap() }
}

fn full_plan(d: &ResourceDesc) -> transfer::Plan {
    let raw = RawBox { x: 0, y: 0, z: 0, w: d.width, h: d.height, d: 1 };
    let size = d.width as u64 * d.height as u64 * 4;
    transfer::plan(d, 0, 0, 0, raw, 0, size).unwrap()
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

/// The exporter name the kernel reports for a dma-buf fd (`exp_name:` in fdinfo).
fn exporter(fd: i32) -> String {
    std::fs::read_to_string(format!("/proc/self/fdinfo/{fd}"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("exp_name:").map(|s| s.trim().to_string()))
        .unwrap_or_default()
}

/// Rows of `w*4` bytes at `stride` in `m` equal the packed rows of `v`.
fn assert_rows(m: &[u8], stride: usize, v: &[u8], w: usize, h: usize) {
    for y in 0..h {
        assert_eq!(m[y * stride..y * stride + w * 4], v[y * w * 4..(y + 1) * w * 4], "row {y}");
    }
}

/// A SCANOUT texture is a GBM bo; transfers equal the CPU backend byte for byte; the
/// export is the bo (AR24, one plane, its stride/offset/modifier) and its mmap shows the
/// guest's bytes at that stride. A texture without SCANOUT/SHARED stays a plain texture.
#[test]
#[ignore = "needs a DRM node (/dev/dri): run by tests/vm/run.sh"]
fn drm_scanout_texture_is_a_gbm_bo_matching_cpu_and_exports_it() {
    require(Device::Drm);
    let mut gl = gbm_backend();
    let mut cpu = CpuBackend::new();
    for (w, h, b) in [(61u32, 37u32, bind::SCANOUT), (64, 16, bind::SHARED)] {
        let d = desc(&gl, w, h, b | bind::SAMPLER_VIEW | bind::RENDER_TARGET);
        let mut st = gl.create(&d).unwrap();
        assert!(gl.is_gbm(&st), "{w}x{h} bind {b:#x} not a GBM bo");
        let mut st_cpu = cpu.create(&d).unwrap();
        let p = full_plan(&d);
        let n = (w * h * 4) as usize;
        // A fresh bo reads back as zeros.
        let mut z = vec![0xAAu8; n];
        let l = iov(&mut z);
        gl.read(&d, &mut st, &p, &l).unwrap();
        drop(l);
        assert!(z.iter().all(|&x| x == 0), "fresh GBM texture not zero");
        let mut v = Rng::new(w as u64).bytes(n);
        let l = iov(&mut v);
        gl.write(&d, &mut st, &p, &l).unwrap();
        cpu.write(&d, &mut st_cpu, &p, &l).unwrap();
        drop(l);
        let (mut a, mut c) = (vec![0u8; n], vec![0u8; n]);
        let l = iov(&mut a);
        gl.read(&d, &mut st, &p, &l).unwrap();
        drop(l);
        let l = iov(&mut c);
        cpu.read(&d, &mut st_cpu, &p, &l).unwrap();
        drop(l);
        assert!(a == c && a == v, "{w}x{h}: GL GBM readback differs from the CPU backend");
        let Storage::Gl(g) = &st else { panic!("not GL storage") };
        let x = gl.export_texture(&d, g.name, g.target).expect("export of a GBM texture");
        assert_eq!((x.fourcc, x.num_planes, x.offsets[0]), (AR24, 1, 0));
        assert!(x.strides[0] >= w * 4, "stride {}", x.strides[0]);
        assert!(x.size >= x.strides[0] as u64 * h as u64, "size {}", x.size);
        println!(
            "NOTE: GBM bo {w}x{h}: modifier {:#x} stride {} size {} exporter {}",
            x.modifier,
            x.strides[0],
            x.size,
            exporter(x.fd.as_raw_fd())
        );
        assert!(x.modifier == 0 || !in_test_vm(), "GBM bos in the test VM are linear");
        if x.modifier == 0 {
            let m = mmap_fd(x.fd.as_raw_fd(), x.size as usize);
            assert_rows(&m, x.strides[0] as usize, &v, w as usize, h as usize);
        }
        gl.destroy(&d, st);
        cpu.destroy(&d, st_cpu);
    }
    let d = desc(&gl, 32, 32, bind::SAMPLER_VIEW | bind::RENDER_TARGET);
    let st = gl.create(&d).unwrap();
    assert!(!gl.is_gbm(&st), "a texture without SCANOUT/SHARED became a GBM bo");
    gl.destroy(&d, st);
}

/// `VIRGL_SHIM_GBM=0`: no allocator, SCANOUT textures are plain textures that still work.
#[test]
fn gbm_disabled_by_env_gives_plain_textures() {
    std::env::set_var("VIRGL_SHIM_GBM", "0");
    let mut gl = gl_required(GlBackend::new(GlFlags::default(), None));
    assert_eq!(gl.gbm_node(), None);
    assert_ne!(gl.platform_name(), "egl-gbm");
    let d = desc(&gl, 8, 8, bind::SCANOUT | bind::SAMPLER_VIEW);
    let mut st = gl.create(&d).unwrap();
    assert!(!gl.is_gbm(&st));
    let mut v = Rng::new(3).bytes(8 * 8 * 4);
    let want = v.clone();
    let p = full_plan(&d);
    let l = iov(&mut v);
    gl.write(&d, &mut st, &p, &l).unwrap();
    drop(l);
    let mut a = vec![0u8; want.len()];
    let l = iov(&mut a);
    gl.read(&d, &mut st, &p, &l).unwrap();
    drop(l);
    assert_eq!(a, want);
    gl.destroy(&d, st);
}

/// Through the C ABI: a SCANOUT resource exports its GBM dma-buf (not a udmabuf), whose
/// mmap shows the texels written, and importing that dma-buf with import_blob sees them.
#[test]
#[ignore = "needs a DRM node (/dev/dri): run by tests/vm/run.sh"]
fn drm_c_api_scanout_export_mmap_and_reimport() {
    require(Device::Drm);
    let _s = gl_session();
    let (w, h) = (50u32, 20u32);
    let mut a = virgl_renderer_resource_create_args {
        handle: 1,
        target: TEX_2D,
        format: BGRA8,
        bind: BIND_SAMPLER_VIEW | BIND_RENDER_TARGET | (1 << 18),
        width: w,
        height: h,
        depth: 1,
        array_size: 1,
        last_level: 0,
        nr_samples: 0,
        flags: 0,
    };
    // SAFETY: valid args, no iovecs.
    assert_eq!(unsafe { virgl_renderer_resource_create(&mut a, std::ptr::null_mut(), 0) }, 0);
    let v = Rng::new(11).bytes((w * h * 4) as usize);
    let mut src = ScatterBuf::contiguous(v.len());
    src.write_all(&v);
    assert_eq!(write(1, Xfer::boxed([0, 0, 0, w, h, 1]), Some(&mut src)), 0);
    let mut d = virgl_renderer_dmabuf::default();
    // SAFETY: valid out-pointer.
    let r = unsafe { virgl_renderer_resource_export_dmabuf(1, &mut d) };
    assert_eq!(r, 0, "export_dmabuf of a SCANOUT resource (a GBM bo)");
    let exp = exporter(d.fd);
    println!(
        "NOTE: exported fourcc {:#x} modifier {:#x} stride {} exporter {exp}",
        d.fourcc, d.modifier, d.strides[0]
    );
    assert_eq!((d.fourcc, d.num_planes), (AR24, 1));
    assert_ne!(exp, "udmabuf", "the export is not a GBM bo");
    assert!(d.modifier == 0 || !in_test_vm(), "GBM bos in the test VM are linear");
    // The byte checks read rows at the stride: a linear bo's layout.
    if d.modifier == 0 {
        let stride = d.strides[0] as usize;
        let len = stride * h as usize;
        assert_rows(&mmap_fd(d.fd, len), stride, &v, w as usize, h as usize);
        let ia = virgl_renderer_resource_import_blob_args {
            res_handle: 2,
            blob_mem: VIRGL_RENDERER_BLOB_MEM_HOST3D,
            fd_type: VIRGL_RENDERER_BLOB_FD_TYPE_DMABUF,
            fd: d.fd,
            size: len as u64,
        };
        // SAFETY: valid args.
        assert_eq!(unsafe { virgl_renderer_resource_import_blob(&ia) }, 0);
        let mut out = ScatterBuf::contiguous(len);
        assert_eq!(read(2, Xfer::boxed([0, 0, 0, len as u32, 1, 1]), Some(&mut out)), 0);
        assert_rows(&out.read_all(), stride, &v, w as usize, h as usize);
    }
    // SAFETY: closing the fd export handed us.
    unsafe { libc::close(d.fd) };
}

static DRM_FD: AtomicI32 = AtomicI32::new(-1);

unsafe extern "C" fn give_drm_fd(_cookie: *mut c_void) -> i32 {
    let fd = DRM_FD.swap(-1, Ordering::SeqCst);
    assert!(fd >= 0, "get_drm_fd called twice");
    fd
}

/// (st_dev, st_ino) of an open fd.
fn identity(fd: i32) -> Option<(u64, u64)> {
    // SAFETY: fstat into a zeroed struct.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        (libc::fstat(fd, &mut st) == 0).then_some((st.st_dev, st.st_ino))
    }
}

/// Opens the node the VMM would hand over: the first card* (where GBM allocates in the
/// test VM), else /dev/null on a host without DRM nodes (ownership is still checked).
fn open_vmm_fd() -> (i32, String) {
    let path = drm_nodes()
        .iter()
        .find(|n| n.starts_with("card"))
        .map(|n| format!("/dev/dri/{n}"))
        .unwrap_or_else(|| "/dev/null".into());
    let c = std::ffi::CString::new(path.clone()).unwrap();
    // SAFETY: a valid path string.
    let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) };
    assert!(fd >= 0, "open {path}");
    (fd, path)
}

/// The VMM's `get_drm_fd` (callbacks v2) is called once, its fd is used for GBM (in the
/// VM: the allocator sits on it) and closed by the library when the backend goes away.
#[test]
fn get_drm_fd_is_used_and_closed_by_the_library() {
    let (fd, path) = open_vmm_fd();
    let id = identity(fd);
    DRM_FD.store(fd, Ordering::SeqCst);
    let cbs = new_callbacks(2);
    // SAFETY: leaked callbacks, ours.
    unsafe { (*cbs).get_drm_fd = Some(give_drm_fd) };
    // SAFETY: copying the leaked struct.
    let vmm = VmmCallbacks { cbs: unsafe { *cbs }, cookie: new_cookie() as *const _ as usize };
    let gl = gl_required(GlBackend::new(GlFlags::default(), Some(Box::new(vmm))));
    println!("NOTE: {path}: platform {}, GBM node {:?}", gl.platform_name(), gl.gbm_node());
    if in_test_vm() {
        assert_eq!(gl.gbm_node(), Some("VMM DRM fd"), "GBM should allocate on {path}");
        // The test VM's DRM nodes only have kms_swrast: passed over for llvmpipe.
        assert_ne!(gl.platform_name(), "egl-gbm");
    }
    drop(gl);
    assert_eq!(DRM_FD.load(Ordering::SeqCst), -1, "get_drm_fd was not called");
    assert!(identity(fd) != id || id.is_none(), "the VMM's DRM fd {fd} is still open");
}

/// The same through virgl_renderer_init / cleanup.
#[test]
fn c_api_get_drm_fd_closed_after_cleanup() {
    let _g = lock_process();
    std::env::set_var("VIRGL_SHIM_BACKEND", "gl");
    let (fd, _) = open_vmm_fd();
    let id = identity(fd);
    DRM_FD.store(fd, Ordering::SeqCst);
    let cbs = new_callbacks(2);
    // SAFETY: leaked callbacks, ours.
    unsafe { (*cbs).get_drm_fd = Some(give_drm_fd) };
    let cookie = new_cookie() as *const _ as *mut c_void;
    // SAFETY: leaked cookie and callbacks.
    let r = unsafe { virgl_renderer_init(cookie, 0, cbs) };
    assert_eq!(r, 0, "virgl_renderer_init on GL: {GL_REQUIRED}");
    assert_eq!(DRM_FD.load(Ordering::SeqCst), -1, "get_drm_fd was not called");
    virgl_renderer_cleanup(cookie);
    assert!(identity(fd) != id, "the VMM's DRM fd {fd} is open after cleanup");
}
