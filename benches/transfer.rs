//! Side-by-side transfer benchmark: virgl-shim's GL backend, virgl-shim's CPU backend,
//! Debian's `libvirglrenderer.so.1` (0.10.4, loaded with dlopen) and plain memcpy of the same
//! bytes, on the same workloads, in one run.
//!
//! Usage: `cargo bench --bench transfer [-- --quick] [--reps N] [--only a,b] [--focus W6]`.
//!
//! The C API has global state (one renderer per process), so the parent re-executes this
//! binary once per implementation and repetition (`--child NAME`); each child prints
//! `RESULT <key> <value> <unit>` lines that the parent collects into the table. Our rlib exports
//! the same C symbols as Debian's library, so upstream is opened with
//! `RTLD_LOCAL | RTLD_DEEPBIND` and called only through the function pointers dlsym returns.
//!
//! `--quick` (CI) runs every workload a few times and checks results and data, never timings.

use std::ffi::{c_int, c_uint, c_void};
use std::hint::black_box;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};
use virglrenderer::ffi::{
    iovec, virgl_box, virgl_renderer_callbacks, virgl_renderer_resource_create_args,
    virgl_renderer_resource_create_coherent_args,
};

const UPSTREAM_PATH: &str = "/usr/lib/x86_64-linux-gnu/libvirglrenderer.so.1";

const FB_W: u32 = 1920;
const FB_H: u32 = 1080;
const BPP: usize = 4;
const STRIDE: usize = FB_W as usize * BPP;
const FRAME: usize = STRIDE * FB_H as usize;
const PAGE: usize = 4096;
const BUF_BYTES: usize = 1 << 20;
const RECTS: usize = 64;
const RECT: u32 = 128;
const SMALL: u32 = 64;

const PIPE_BUFFER: u32 = 0;
const PIPE_TEXTURE_2D: u32 = 2;
const VIRGL_FORMAT_B8G8R8A8_UNORM: u32 = 1;
const VIRGL_FORMAT_R8_UNORM: u32 = 64;
const BIND_RENDER_TARGET: u32 = 1 << 1;
const BIND_VERTEX_BUFFER: u32 = 1 << 4;
/// What QEMU's RESOURCE_CREATE_2D passes (VIRTIO_GPU_RESOURCE_FLAG_Y_0_TOP): the default
/// flags of the 2D resources; `--res-flags N` overrides them (for analysis).
const FLAG_Y_0_TOP: u32 = 1;
static RES_FLAGS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(FLAG_Y_0_TOP);

fn res_flags() -> u32 {
    RES_FLAGS.load(std::sync::atomic::Ordering::Relaxed)
}
const USE_EGL: c_int = 1;
const USE_SURFACELESS: c_int = 1 << 3;

/// Implementations, in table order.
const IMPLS: [&str; 4] = ["memcpy", "shim-gl", "shim-cpu", "upstream"];
/// Workloads, in table order, with their unit.
const WORKLOADS: [(&str, &str, &str); 10] = [
    ("W1", "MB/s", "full frame write, 1 contiguous iovec"),
    ("W2", "MB/s", "full frame write, shuffled 4 KiB iovecs"),
    ("W3", "MB/s", "64 dirty 128x128 rects per frame"),
    ("W3s", "MB/s", "W3 on W2's shuffled 4 KiB pages"),
    ("W4", "MB/s", "1 MiB buffer write"),
    ("W5", "MB/s", "full frame read_iov"),
    ("W5s", "MB/s", "W5 into W2's shuffled 4 KiB pages"),
    ("W6", "ops/s", "create+attach+detach+unref 64x64 (1 op = 4 calls)"),
    ("W6v", "ops/s", "W6 cycling through 64 sizes (no storage reuse possible)"),
    ("W7", "MB/s", "coherent frame: guest writes in place, host reads"),
];

// ---- the C API as function pointers --------------------------------------------------------

type InitFn = unsafe extern "C" fn(*mut c_void, c_int, *mut virgl_renderer_callbacks) -> c_int;
type CleanupFn = unsafe extern "C" fn(*mut c_void);
type CreateFn =
    unsafe extern "C" fn(*mut virgl_renderer_resource_create_args, *mut iovec, u32) -> c_int;
type UnrefFn = unsafe extern "C" fn(u32);
type AttachFn = unsafe extern "C" fn(c_int, *mut iovec, c_int) -> c_int;
type DetachFn = unsafe extern "C" fn(c_int, *mut *mut iovec, *mut c_int);
type WriteFn = unsafe extern "C" fn(
    u32,
    u32,
    c_int,
    u32,
    u32,
    *mut virgl_box,
    u64,
    *mut iovec,
    c_uint,
) -> c_int;
type ReadFn =
    unsafe extern "C" fn(u32, u32, u32, u32, u32, *mut virgl_box, u64, *mut iovec, c_int) -> c_int;
type CoherentFn =
    unsafe extern "C" fn(*const virgl_renderer_resource_create_coherent_args) -> c_int;
type MapFn = unsafe extern "C" fn(u32, *mut *mut c_void, *mut u64) -> c_int;
type UnmapFn = extern "C" fn(u32) -> c_int;

/// The entry points the workloads use, from our rlib or from upstream's dlopen'd library.
#[derive(Clone, Copy)]
struct Api {
    init: InitFn,
    cleanup: CleanupFn,
    create: CreateFn,
    unref: UnrefFn,
    attach: AttachFn,
    detach: DetachFn,
    write: WriteFn,
    read: ReadFn,
    /// virgl-shim only (upstream 0.10.4 has no coherent resources).
    coherent: Option<(CoherentFn, MapFn, UnmapFn)>,
}

fn shim_api() -> Api {
    use virglrenderer::ffi as f;
    let cleanup: extern "C" fn(*mut c_void) = f::virgl_renderer_cleanup;
    let unref: extern "C" fn(u32) = f::virgl_renderer_resource_unref;
    Api {
        init: f::virgl_renderer_init,
        cleanup,
        create: f::virgl_renderer_resource_create,
        unref,
        attach: f::virgl_renderer_resource_attach_iov,
        detach: f::virgl_renderer_resource_detach_iov,
        write: f::virgl_renderer_transfer_write_iov,
        read: f::virgl_renderer_transfer_read_iov,
        coherent: Some((
            f::virgl_renderer_resource_create_coherent,
            f::virgl_renderer_resource_map,
            f::virgl_renderer_resource_unmap,
        )),
    }
}

fn upstream_api() -> Result<Api, String> {
    let flags = libc::RTLD_NOW | libc::RTLD_LOCAL | libc::RTLD_DEEPBIND;
    // SAFETY: loading Debian's virglrenderer runs its (trusted) initialisers; DEEPBIND keeps
    // its own symbols ahead of the identically named ones our binary carries.
    let lib = unsafe { libloading::os::unix::Library::open(Some(UPSTREAM_PATH), flags) }
        .map_err(|e| format!("dlopen {UPSTREAM_PATH}: {e}"))?;
    macro_rules! sym {
        ($name:literal) => {
            // SAFETY: the symbol is the 0.10.4 function whose C prototype the target type
            // spells (virglrenderer.h); the library is never unloaded (forgotten below).
            *unsafe { lib.get(concat!($name, "\0").as_bytes()) }
                .map_err(|e| format!("dlsym {}: {e}", $name))?
        };
    }
    let api = Api {
        init: sym!("virgl_renderer_init"),
        cleanup: sym!("virgl_renderer_cleanup"),
        create: sym!("virgl_renderer_resource_create"),
        unref: sym!("virgl_renderer_resource_unref"),
        attach: sym!("virgl_renderer_resource_attach_iov"),
        detach: sym!("virgl_renderer_resource_detach_iov"),
        write: sym!("virgl_renderer_transfer_write_iov"),
        read: sym!("virgl_renderer_transfer_read_iov"),
        coherent: None,
    };
    // The function really is upstream's (not our identically named export).
    // SAFETY: Dl_info is plain data (pointers and integers): all-zero is a valid value.
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    // SAFETY: dladdr only reads the address and fills `info`.
    let found = unsafe { libc::dladdr(api.init as *const c_void, &mut info) };
    let file = if found != 0 && !info.dli_fname.is_null() {
        // SAFETY: dladdr returned a NUL-terminated path owned by the loader.
        unsafe { std::ffi::CStr::from_ptr(info.dli_fname) }.to_string_lossy().into_owned()
    } else {
        String::new()
    };
    if !file.contains("libvirglrenderer.so") {
        return Err(format!("virgl_renderer_init resolved to {file:?}, not {UPSTREAM_PATH}"));
    }
    std::mem::forget(lib);
    Ok(api)
}

extern "C" fn no_fence(_cookie: *mut c_void, _fence: u32) {}

/// A renderer initialised for the whole child process (never cleaned up while workloads run).
struct Lib {
    api: Api,
    cookie: *mut c_void,
}

impl Lib {
    fn init(api: Api) -> Result<Lib, String> {
        let cbs = Box::leak(Box::new(virgl_renderer_callbacks {
            version: 1,
            write_fence: Some(no_fence),
            create_gl_context: None,
            destroy_gl_context: None,
            make_current: None,
            get_drm_fd: None,
            write_context_fence: None,
            get_server_fd: None,
            get_egl_display: None,
        }));
        let cookie = Box::leak(Box::new(0u64)) as *mut u64 as *mut c_void;
        // SAFETY: non-NULL cookie and a version-1 callbacks struct that live for the process.
        let rc = unsafe { (api.init)(cookie, USE_EGL | USE_SURFACELESS, cbs) };
        if rc != 0 {
            return Err(format!("virgl_renderer_init: {rc}"));
        }
        Ok(Lib { api, cookie })
    }

    #[allow(clippy::too_many_arguments)] // the fields of the C args struct
    fn create(
        &self,
        handle: u32,
        target: u32,
        format: u32,
        bind: u32,
        w: u32,
        h: u32,
        fl: u32,
    ) -> R {
        let mut a = virgl_renderer_resource_create_args {
            handle,
            target,
            format,
            bind,
            width: w,
            height: h,
            depth: 1,
            array_size: 1,
            last_level: 0,
            nr_samples: 0,
            flags: fl,
        };
        // SAFETY: a valid args struct; no iovecs.
        rc("resource_create", unsafe { (self.api.create)(&mut a, std::ptr::null_mut(), 0) })
    }

    fn frame(&self, handle: u32) -> R {
        let bind = BIND_RENDER_TARGET;
        self.create(
            handle,
            PIPE_TEXTURE_2D,
            VIRGL_FORMAT_B8G8R8A8_UNORM,
            bind,
            FB_W,
            FB_H,
            FLAG_Y_0_TOP,
        )
    }

    /// Attaches `iovs`, which must stay alive and mapped until detached.
    fn attach(&self, handle: u32, iovs: &mut [iovec]) -> R {
        // SAFETY: the iovecs point to live buffers the caller keeps until detach/unref.
        rc("attach_iov", unsafe {
            (self.api.attach)(handle as c_int, iovs.as_mut_ptr(), iovs.len() as c_int)
        })
    }

    fn detach(&self, handle: u32) {
        let mut p = std::ptr::null_mut();
        let mut n = 0;
        // SAFETY: valid out-pointers.
        unsafe { (self.api.detach)(handle as c_int, &mut p, &mut n) };
    }

    fn unref(&self, handle: u32) {
        // SAFETY: plain value arguments.
        unsafe { (self.api.unref)(handle) };
    }

    /// TRANSFER_TO_HOST of `bx` from the attached backing at `offset` (stride 0: the level's).
    fn write(&self, handle: u32, bx: virgl_box, offset: u64) -> R {
        let mut bx = bx;
        // SAFETY: valid box; NULL iovecs select the attached backing.
        rc("transfer_write_iov", unsafe {
            (self.api.write)(handle, 0, 0, 0, 0, &mut bx, offset, std::ptr::null_mut(), 0)
        })
    }

    /// TRANSFER_FROM_HOST of `bx` into the attached backing at `offset`.
    fn read(&self, handle: u32, bx: virgl_box, offset: u64) -> R {
        let mut bx = bx;
        // SAFETY: as in `write`.
        rc("transfer_read_iov", unsafe {
            (self.api.read)(handle, 0, 0, 0, 0, &mut bx, offset, std::ptr::null_mut(), 0)
        })
    }

    /// TRANSFER_FROM_HOST into the caller's iovecs.
    fn read_into(&self, handle: u32, bx: virgl_box, iovs: &mut [iovec]) -> R {
        let mut bx = bx;
        // SAFETY: valid box and live iovecs for the duration of the call.
        rc("transfer_read_iov", unsafe {
            (self.api.read)(handle, 0, 0, 0, 0, &mut bx, 0, iovs.as_mut_ptr(), iovs.len() as c_int)
        })
    }

    /// TRANSFER_TO_HOST from the caller's iovecs.
    fn write_from(&self, handle: u32, bx: virgl_box, iovs: &mut [iovec]) -> R {
        let mut bx = bx;
        // SAFETY: as in `read_into`.
        rc("transfer_write_iov", unsafe {
            (self.api.write)(
                handle,
                0,
                0,
                0,
                0,
                &mut bx,
                0,
                iovs.as_mut_ptr(),
                iovs.len() as c_uint,
            )
        })
    }
}

impl Drop for Lib {
    fn drop(&mut self) {
        // SAFETY: the cookie given to init.
        unsafe { (self.api.cleanup)(self.cookie) };
    }
}

type R = Result<(), String>;

fn rc(what: &str, v: c_int) -> R {
    if v == 0 {
        Ok(())
    } else {
        Err(format!("{what} returned {v}"))
    }
}

fn bx(x: u32, y: u32, w: u32, h: u32) -> virgl_box {
    virgl_box { x, y, z: 0, w, h, d: 1 }
}

fn iov_of(b: &mut [u8]) -> iovec {
    iovec { iov_base: b.as_mut_ptr().cast(), iov_len: b.len() }
}

// ---- guest memory ---------------------------------------------------------------------------

/// xorshift64*: deterministic shuffles and positions.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A frame in guest RAM as scattered 4 KiB pages, in shuffled order, out of a pool twice the
/// frame's size (so the pages are neither contiguous nor in address order).
struct Scattered {
    _pool: Vec<u8>,
    iovs: Vec<iovec>,
}

impl Scattered {
    fn new(seed: u64) -> Scattered {
        let pages = FRAME / PAGE;
        let mut pool = vec![0u8; (2 * pages + 1) * PAGE];
        let base = pool.as_mut_ptr() as usize;
        let first = base.div_ceil(PAGE) * PAGE - base;
        let mut slots: Vec<usize> = (0..2 * pages).collect();
        let mut rng = Rng(seed);
        for i in (1..slots.len()).rev() {
            slots.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let iovs = slots[..pages]
            .iter()
            .enumerate()
            .map(|(i, &s)| {
                let page = &mut pool[first + s * PAGE..first + (s + 1) * PAGE];
                fill(page, seed.wrapping_add(i as u64));
                iov_of(page)
            })
            .collect();
        Scattered { _pool: pool, iovs }
    }

    /// Zeroes every page of the frame.
    fn clear(&mut self) {
        for v in &self.iovs {
            // SAFETY: each iovec is one live page of the pool, not otherwise borrowed now.
            unsafe { std::ptr::write_bytes(v.iov_base as *mut u8, 0, PAGE) };
        }
    }

    /// Copies `dst.len()` bytes of the frame from offset `off` (guest order) into `dst`.
    fn read_at(&self, mut off: usize, dst: &mut [u8]) {
        let mut done = 0;
        while done < dst.len() {
            let (page, within) = (off / PAGE, off % PAGE);
            let n = (PAGE - within).min(dst.len() - done);
            // SAFETY: each iovec is one live page of the pool; [within, within + n) is in it.
            let src = unsafe {
                std::slice::from_raw_parts((self.iovs[page].iov_base as *const u8).add(within), n)
            };
            copy(&mut dst[done..done + n], src);
            done += n;
            off += n;
        }
    }

    /// The frame's bytes in guest order.
    fn gather(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(FRAME);
        for v in &self.iovs {
            // SAFETY: each iovec points into `_pool`, alive as long as `self`.
            out.extend_from_slice(unsafe {
                std::slice::from_raw_parts(v.iov_base as *const u8, v.iov_len)
            });
        }
        out
    }
}

fn fill(b: &mut [u8], seed: u64) {
    let mut r = Rng(seed | 1);
    for c in b.chunks_mut(8) {
        let v = r.next().to_le_bytes();
        c.copy_from_slice(&v[..c.len()]);
    }
}

/// 64 rectangle origins inside the frame, deterministic.
fn rects() -> Vec<(u32, u32)> {
    let mut r = Rng(0x5eed);
    (0..RECTS)
        .map(|_| {
            (r.below((FB_W - RECT + 1) as u64) as u32, r.below((FB_H - RECT + 1) as u64) as u32)
        })
        .collect()
}

/// `dst.copy_from_slice(src)` that the optimiser cannot drop or hoist out of a loop.
fn copy(dst: &mut [u8], src: &[u8]) {
    let n = dst.len().min(src.len());
    let d = black_box(dst.as_mut_ptr());
    let s = black_box(src.as_ptr());
    // SAFETY: both pointers come from live slices of at least `n` bytes that do not overlap
    // (one is borrowed mutably, the other shared).
    unsafe { std::ptr::copy_nonoverlapping(s, d, n) };
}

fn checksum(b: &[u8]) -> u64 {
    b.chunks_exact(8)
        .fold(0u64, |a, c| a.wrapping_add(u64::from_le_bytes(c.try_into().unwrap_or([0; 8]))))
}

// ---- timing ---------------------------------------------------------------------------------

#[derive(Clone, Copy)]
struct Cfg {
    quick: bool,
    budget: Duration,
    /// `--focus W`: only workload W runs for the budget, the others as in quick mode (for
    /// profiling one workload with perf).
    focus: Option<&'static str>,
}

impl Cfg {
    /// The settings for workload `w`.
    fn on(self, w: &str) -> Cfg {
        if self.focus.is_some_and(|f| f != w) {
            Cfg { quick: true, ..self }
        } else {
            self
        }
    }
}

/// Runs `f` once to warm up, then until the budget is spent (at least 3 times, at most 10000
/// in full mode; 2 times in quick mode) and returns `units` divided by the median time.
fn rate(cfg: Cfg, units: f64, mut f: impl FnMut() -> R) -> Result<f64, String> {
    f()?;
    let (min, max) = if cfg.quick { (2, 2) } else { (3, 10_000) };
    let mut times = Vec::new();
    let start = Instant::now();
    while times.len() < min || (times.len() < max && start.elapsed() < cfg.budget) {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok(units / times[times.len() / 2].max(1e-9))
}

fn emit(key: &str, v: f64, unit: &str) {
    println!("RESULT {key} {v} {unit}");
}

const MB: f64 = 1e6;

// ---- the children ---------------------------------------------------------------------------

/// W1–W7 against a library (ours or upstream's). `prefix` names the keys ("" or "alive.").
fn library_workloads(lib: &Lib, cfg: Cfg, prefix: &str, with_w6_w7: bool) -> R {
    let (hf, hs, hb, hr) = (1u32, 2u32, 3u32, 4u32);
    // W1: contiguous guest frame.
    let mut src = vec![0u8; FRAME];
    fill(&mut src, 1);
    let mut src_iov = [iov_of(&mut src)];
    lib.frame(hf)?;
    lib.attach(hf, &mut src_iov)?;
    let full = bx(0, 0, FB_W, FB_H);
    emit(
        &format!("{prefix}W1"),
        rate(cfg.on("W1"), FRAME as f64 / MB, || lib.write(hf, full, 0))?,
        "MB/s",
    );
    // The data really arrived: read it back into a separate buffer.
    let mut back = vec![0u8; FRAME];
    lib.read_into(hf, full, &mut [iov_of(&mut back)])?;
    if back != src {
        return Err("W1: frame read back differs from the frame written".into());
    }

    // W2: scattered guest pages.
    let mut sc = Scattered::new(2);
    lib.frame(hs)?;
    lib.attach(hs, &mut sc.iovs)?;
    emit(
        &format!("{prefix}W2"),
        rate(cfg.on("W2"), FRAME as f64 / MB, || lib.write(hs, full, 0))?,
        "MB/s",
    );
    lib.read_into(hs, full, &mut [iov_of(&mut back)])?;
    if back != sc.gather() {
        return Err("W2: frame read back differs from the scattered frame written".into());
    }

    // W3: 64 dirty rectangles, each its own transfer, offset at the rectangle's first texel.
    let rs = rects();
    let rect_bytes = (RECTS * (RECT * RECT) as usize * BPP) as f64;
    let w3 = rate(cfg.on("W3"), rect_bytes / MB, || {
        for &(x, y) in &rs {
            let off = y as u64 * STRIDE as u64 + x as u64 * BPP as u64;
            lib.write(hf, bx(x, y, RECT, RECT), off)?;
        }
        Ok(())
    })?;
    emit(&format!("{prefix}W3"), w3, "MB/s");
    // W3s: the same rectangles of the frame in W2's scattered pages (guest RAM).
    let w3s = rate(cfg.on("W3s"), rect_bytes / MB, || {
        for &(x, y) in &rs {
            let off = y as u64 * STRIDE as u64 + x as u64 * BPP as u64;
            lib.write(hs, bx(x, y, RECT, RECT), off)?;
        }
        Ok(())
    })?;
    emit(&format!("{prefix}W3s"), w3s, "MB/s");

    // W4: 1 MiB buffer.
    let mut bsrc = vec![0u8; BUF_BYTES];
    fill(&mut bsrc, 4);
    let mut b_iov = [iov_of(&mut bsrc)];
    lib.create(hb, PIPE_BUFFER, VIRGL_FORMAT_R8_UNORM, BIND_VERTEX_BUFFER, BUF_BYTES as u32, 1, 0)?;
    lib.attach(hb, &mut b_iov)?;
    let bbox = bx(0, 0, BUF_BYTES as u32, 1);
    emit(
        &format!("{prefix}W4"),
        rate(cfg.on("W4"), BUF_BYTES as f64 / MB, || lib.write(hb, bbox, 0))?,
        "MB/s",
    );
    let mut bback = vec![0u8; BUF_BYTES];
    lib.read_into(hb, bbox, &mut [iov_of(&mut bback)])?;
    if bback != bsrc {
        return Err("W4: buffer read back differs".into());
    }

    // W5: full-frame read into a contiguous guest buffer (attached backing).
    let mut dst = vec![0u8; FRAME];
    let mut dst_iov = [iov_of(&mut dst)];
    lib.frame(hr)?;
    lib.attach(hr, &mut dst_iov)?;
    lib.write_from(hr, full, &mut [iov_of(&mut src)])?;
    emit(
        &format!("{prefix}W5"),
        rate(cfg.on("W5"), FRAME as f64 / MB, || lib.read(hr, full, 0))?,
        "MB/s",
    );
    if dst != src {
        return Err("W5: frame read differs from the frame written".into());
    }
    // W5s: the same into the scattered pages of W2's resource (which holds W2's frame),
    // cleared first so that the check below sees the read.
    let sc_frame = sc.gather();
    sc.clear();
    emit(
        &format!("{prefix}W5s"),
        rate(cfg.on("W5s"), FRAME as f64 / MB, || lib.read(hs, full, 0))?,
        "MB/s",
    );
    if sc.gather() != sc_frame {
        return Err("W5s: the pages do not hold the frame after reading it back".into());
    }

    if with_w6_w7 {
        w6(lib, cfg, prefix)?;
        w7(lib, cfg, prefix)?;
    }
    for h in [hf, hs, hb, hr] {
        lib.detach(h);
        lib.unref(h);
    }
    Ok(())
}

fn w6(lib: &Lib, cfg: Cfg, prefix: &str) -> R {
    // W6: 64x64 every time. W6v: the height cycles through 64 values, so that a library
    // that keeps destroyed storage for reuse (ours keeps up to 8 objects) never finds one of
    // the right size.
    for (key, sizes) in [("W6", 1u32), ("W6v", 64)] {
        const BATCH: u32 = 256;
        let mut mem = vec![0u8; (SMALL * SMALL) as usize * BPP];
        let mut iov = [iov_of(&mut mem)];
        let base = 1000u32;
        let mut n = 0u32;
        let ops = rate(cfg.on(key), BATCH as f64, || {
            for i in 0..BATCH {
                let h = base + i;
                let height = SMALL - n % sizes;
                n = n.wrapping_add(1);
                lib.create(
                    h,
                    PIPE_TEXTURE_2D,
                    VIRGL_FORMAT_B8G8R8A8_UNORM,
                    BIND_RENDER_TARGET,
                    SMALL,
                    height,
                    res_flags(),
                )?;
                lib.attach(h, &mut iov)?;
                lib.detach(h);
                lib.unref(h);
            }
            Ok(())
        })?;
        emit(&format!("{prefix}{key}"), ops, "ops/s");
    }
    Ok(())
}

/// W7: a coherent frame. The guest writes the frame through the mapping, the host reads the
/// same memory through its pointer: no library call, so no byte copied by the library, per
/// frame. Checked once: what the guest wrote is what a transfer reads, and what a transfer
/// writes is what the mapping shows (the mapping is the resource's storage).
fn w7(lib: &Lib, cfg: Cfg, prefix: &str) -> R {
    let Some((create, map, unmap)) = lib.api.coherent else {
        return Ok(());
    };
    let h = 7u32;
    let a = virgl_renderer_resource_create_coherent_args {
        res_handle: h,
        ctx_id: 0,
        target: PIPE_TEXTURE_2D,
        format: VIRGL_FORMAT_B8G8R8A8_UNORM,
        bind: BIND_RENDER_TARGET,
        width: FB_W,
        height: FB_H,
        flags: 0,
    };
    // SAFETY: a valid args struct.
    rc("resource_create_coherent", unsafe { create(&a) })?;
    let mut p: *mut c_void = std::ptr::null_mut();
    let mut len = 0u64;
    // SAFETY: valid out-pointers.
    rc("resource_map", unsafe { map(h, &mut p, &mut len) })?;
    if p.is_null() || (len as usize) < FRAME {
        return Err(format!("resource_map gave {p:?} / {len} bytes"));
    }
    // SAFETY: the mapping is `len` bytes of host memory, valid until unmap below; nothing
    // else accesses it while this slice lives (no library call touches it meanwhile).
    let mapped = unsafe { std::slice::from_raw_parts_mut(p.cast::<u8>(), FRAME) };
    let mut guest = vec![0u8; FRAME];
    fill(&mut guest, 7);
    let lib_bytes = 0u64; // library calls per frame: none.
    let fps = rate(cfg.on("W7"), 1.0, || {
        copy(mapped, &guest); // the guest's writes into its BAR
        black_box(checksum(black_box(&*mapped))); // the host (display) reads the same pages
        Ok(())
    })?;
    emit(&format!("{prefix}W7"), fps * FRAME as f64 / MB, "MB/s");
    emit(&format!("{prefix}W7.lib_bytes_per_frame"), lib_bytes as f64, "bytes");
    // Coherence checks (outside the timed loop).
    let mut back = vec![0u8; FRAME];
    lib.read_into(h, bx(0, 0, FB_W, FB_H), &mut [iov_of(&mut back)])?;
    if back != guest {
        return Err("W7: transfer_read_iov does not see the guest's writes through the map".into());
    }
    let mut row = vec![0xA5u8; STRIDE];
    lib.write_from(h, bx(0, 5, FB_W, 1), &mut [iov_of(&mut row)])?;
    if mapped[5 * STRIDE..6 * STRIDE] != row[..] {
        return Err("W7: a transfer_write_iov is not visible through the mapping".into());
    }
    rc("resource_unmap", unmap(h))?;
    lib.unref(h);
    Ok(())
}

/// The same bytes moved with plain copies: the physical limit.
fn memcpy_workloads(cfg: Cfg) -> R {
    let mut src = vec![0u8; FRAME];
    fill(&mut src, 1);
    let mut host = vec![0u8; FRAME];
    let mb = FRAME as f64 / MB;
    emit(
        "W1",
        rate(cfg, mb, || {
            copy(&mut host, &src);
            Ok(())
        })?,
        "MB/s",
    );
    let sc = Scattered::new(2);
    emit(
        "W2",
        rate(cfg, mb, || {
            for (i, v) in sc.iovs.iter().enumerate() {
                // SAFETY: each iovec is one live page of `sc`.
                let page = unsafe { std::slice::from_raw_parts(v.iov_base as *const u8, PAGE) };
                copy(&mut host[i * PAGE..(i + 1) * PAGE], page);
            }
            black_box(&host);
            Ok(())
        })?,
        "MB/s",
    );
    let rs = rects();
    let rect_bytes = (RECTS * (RECT * RECT) as usize * BPP) as f64;
    emit(
        "W3",
        rate(cfg, rect_bytes / MB, || {
            for &(x, y) in &rs {
                for row in y as usize..(y + RECT) as usize {
                    let o = row * STRIDE + x as usize * BPP;
                    let n = RECT as usize * BPP;
                    copy(&mut host[o..o + n], &src[o..o + n]);
                }
            }
            black_box(&host);
            Ok(())
        })?,
        "MB/s",
    );
    emit(
        "W3s",
        rate(cfg, rect_bytes / MB, || {
            for &(x, y) in &rs {
                for row in y as usize..(y + RECT) as usize {
                    let o = row * STRIDE + x as usize * BPP;
                    let n = RECT as usize * BPP;
                    sc.read_at(o, &mut host[o..o + n]);
                }
            }
            black_box(&host);
            Ok(())
        })?,
        "MB/s",
    );
    let mut bsrc = vec![0u8; BUF_BYTES];
    fill(&mut bsrc, 4);
    let mut bdst = vec![0u8; BUF_BYTES];
    emit(
        "W4",
        rate(cfg, BUF_BYTES as f64 / MB, || {
            copy(&mut bdst, &bsrc);
            Ok(())
        })?,
        "MB/s",
    );
    let mut guest = vec![0u8; FRAME];
    emit(
        "W5",
        rate(cfg, mb, || {
            copy(&mut guest, &host);
            Ok(())
        })?,
        "MB/s",
    );
    let mut mapped = vec![0u8; FRAME];
    let fps = rate(cfg, 1.0, || {
        copy(&mut mapped, &src);
        black_box(checksum(black_box(&mapped)));
        Ok(())
    })?;
    emit("W7", fps * mb, "MB/s");
    Ok(())
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    // SAFETY: sysconf has no memory-safety preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(1) as u64;
    pages * page
}

/// Bytes malloc has handed out and not got back (glibc's mallinfo2).
fn malloc_in_use() -> u64 {
    // SAFETY: mallinfo2 has no preconditions; it returns a plain struct.
    let m = unsafe { libc::mallinfo2() };
    (m.uordblks + m.hblkhd) as u64
}

/// Scale: many live 1-byte buffers on the CPU backend: host overhead per resource (measured
/// first, in a fresh process), lookup time, and W1–W5 with them alive vs without.
fn scale(lib: &Lib, cfg: Cfg, count: u32) -> R {
    const FIRST: u32 = 100_000;
    let mut one = [0x5Au8; 1];
    let mut one_iov = [iov_of(&mut one)];
    let mut rng = Rng(99);
    // Lookup: a 1-byte write to a random live resource (one live before, `count` after).
    let mut lookup = |lib: &Lib, n: u32, rng: &mut Rng| -> Result<f64, String> {
        const OPS: u32 = 4096;
        let handles: Vec<u32> = (0..OPS).map(|_| FIRST + rng.below(n as u64) as u32).collect();
        let per_s = rate(cfg, OPS as f64, || {
            for &h in &handles {
                lib.write_from(h, bx(0, 0, 1, 1), &mut one_iov)?;
            }
            Ok(())
        })?;
        Ok(1e9 / per_s)
    };
    let small = |h| lib.create(h, PIPE_BUFFER, VIRGL_FORMAT_R8_UNORM, BIND_VERTEX_BUFFER, 1, 1, 0);
    small(FIRST)?;
    emit("scale.lookup_ns.1", lookup(lib, 1, &mut rng)?, "ns");
    let (rss0, heap0) = (rss_bytes(), malloc_in_use());
    for i in 1..count {
        small(FIRST + i)?;
    }
    let (rss1, heap1) = (rss_bytes(), malloc_in_use());
    let n = (count - 1) as f64;
    emit("scale.count", count as f64, "resources");
    emit("scale.rss_bytes_per_resource", (rss1 as f64 - rss0 as f64 - n) / n, "bytes");
    emit("scale.heap_bytes_per_resource", (heap1 as f64 - heap0 as f64 - n) / n, "bytes");
    emit(&format!("scale.lookup_ns.{count}"), lookup(lib, count, &mut rng)?, "ns");
    library_workloads(lib, cfg, "alive.", false)?;
    for i in 0..count {
        lib.unref(FIRST + i);
    }
    library_workloads(lib, cfg, "", false)
}

fn child(name: &str, cfg: Cfg, scale_count: u32) -> R {
    match name {
        "memcpy" => memcpy_workloads(cfg),
        "shim-gl" | "shim-cpu" => {
            let lib = Lib::init(shim_api())?;
            library_workloads(&lib, cfg, "", true)
        }
        "upstream" => {
            let lib = Lib::init(upstream_api()?)?;
            library_workloads(&lib, cfg, "", true)
        }
        "scale" => {
            let lib = Lib::init(shim_api())?;
            scale(&lib, cfg, scale_count)
        }
        other => Err(format!("unknown implementation {other}")),
    }
}

// ---- the parent -----------------------------------------------------------------------------

type Samples = std::collections::BTreeMap<(String, String), Vec<f64>>;

fn run_child(name: &str, quick: bool, scale_count: u32, out: &mut Samples) -> R {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let mut cmd = Command::new(exe);
    cmd.args(["--child", name, "--scale-count", &scale_count.to_string()]);
    if quick {
        cmd.arg("--quick");
    }
    cmd.args(["--res-flags", &res_flags().to_string()]);
    let args: Vec<String> = std::env::args().collect();
    for opt in ["--budget-ms", "--focus"] {
        if let Some(v) = args.iter().position(|a| a == opt).and_then(|i| args.get(i + 1)) {
            cmd.args([opt, v]);
        }
    }
    match name {
        "shim-gl" => {
            cmd.env("VIRGL_SHIM_BACKEND", "gl");
        }
        "shim-cpu" | "scale" => {
            cmd.env("VIRGL_SHIM_BACKEND", "cpu");
        }
        _ => {}
    }
    let o = cmd.output().map_err(|e| format!("spawn {name}: {e}"))?;
    let stdout = String::from_utf8_lossy(&o.stdout);
    if !o.status.success() {
        return Err(format!(
            "child {name} failed ({}):\n{stdout}{}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    for line in stdout.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if let ["RESULT", key, v, _unit] = f[..] {
            if let Ok(v) = v.parse::<f64>() {
                out.entry((name.to_string(), key.to_string())).or_default().push(v);
            }
        }
    }
    Ok(())
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

/// Half the min–max range, in % of the median.
fn spread(v: &[f64]) -> f64 {
    let (lo, hi) = v.iter().fold((f64::MAX, f64::MIN), |(l, h), &x| (l.min(x), h.max(x)));
    let m = median(v);
    if v.len() < 2 || m == 0.0 {
        0.0
    } else {
        (hi - lo) / 2.0 / m * 100.0
    }
}

fn fmt_num(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let nproc = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let sh = |c: &str| {
        Command::new("sh")
            .args(["-c", c])
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "unknown".into())
    };
    let mesa = sh("dpkg-query -W -f='${Version}' libgl1-mesa-dri 2>/dev/null");
    let upstream = sh("dpkg-query -W -f='${Version}' libvirglrenderer1 2>/dev/null");
    let date = sh("date -u '+%Y-%m-%d %H:%M UTC'");
    let kernel = sh("uname -r");
    format!(
        "- date: {date}\n- CPU: {cpu}, nproc {nproc}\n- kernel: {kernel}\n- Mesa (libgl1-mesa-dri): \
         {mesa}, llvmpipe, EGL surfaceless\n- upstream: libvirglrenderer1 {upstream} ({UPSTREAM_PATH})"
    )
}

fn report(s: &Samples, impls: &[&str], reps: usize, quick: bool, scale_count: u32) {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    println!("\n## virgl-shim transfer benchmark\n");
    println!("command: `cargo bench --bench transfer -- {}`", args.join(" "));
    println!("{}", machine());
    println!(
        "- {reps} run(s) per implementation, each its own process; cell = median over runs \
         ± half the min–max range in % of it; MB = 10^6 bytes; 2D resources: bind \
         RENDER_TARGET, flags {:#x}{}\n",
        res_flags(),
        if quick { "; QUICK MODE: timings are not meaningful" } else { "" }
    );
    let get = |imp: &str, key: &str| s.get(&(imp.to_string(), key.to_string()));
    let med = |imp: &str, key: &str| get(imp, key).map(|v| median(v));
    print!("| workload | unit |");
    for i in impls {
        print!(" {i} |");
    }
    println!(" gl/upstream | cpu/upstream | gl/memcpy | cpu/memcpy |");
    println!("|{}", "---|".repeat(2 + impls.len() + 4));
    for (w, unit, what) in WORKLOADS {
        print!("| {w} {what} | {unit} |");
        for i in impls {
            match get(i, w) {
                Some(v) => print!(" {} ±{:.0}% |", fmt_num(median(v)), spread(v)),
                None => print!(" n/a |"),
            }
        }
        let ratio = |a: &str, b: &str| match (med(a, w), med(b, w)) {
            (Some(x), Some(y)) if y > 0.0 => format!("{x:.2}x", x = x / y),
            _ => "n/a".into(),
        };
        println!(
            " {} | {} | {} | {} |",
            ratio("shim-gl", "upstream"),
            ratio("shim-cpu", "upstream"),
            ratio("shim-gl", "memcpy"),
            ratio("shim-cpu", "memcpy")
        );
    }
    if let Some(v) = med("shim-gl", "W7.lib_bytes_per_frame") {
        println!(
            "\nW7 bytes copied by the library per frame: shim-gl {v:.0}, shim-cpu {:.0}; \
                  upstream 0.10.4 has no coherent resources (n/a).",
            med("shim-cpu", "W7.lib_bytes_per_frame").unwrap_or(f64::NAN)
        );
    }

    // Targets (informational: never asserted).
    println!("\n### Targets (same run)\n");
    let check = |label: &str, got: Option<f64>, want: f64| match got {
        Some(g) => println!(
            "- {label}: {g:.2} (target ≥ {want}) — {}",
            if g >= want { "met" } else { "MISSED" }
        ),
        None => println!("- {label}: n/a"),
    };
    let r = |a: &str, b: &str, w: &str| match (med(a, w), med(b, w)) {
        (Some(x), Some(y)) if y > 0.0 => Some(x / y),
        _ => None,
    };
    for w in ["W1", "W2", "W4", "W5"] {
        check(&format!("{w} gl/upstream"), r("shim-gl", "upstream", w), 2.0);
    }
    check("W3 gl/upstream", r("shim-gl", "upstream", "W3"), 10.0);
    check("W3s gl/upstream (W3 on guest pages)", r("shim-gl", "upstream", "W3s"), 10.0);
    check("W6 gl/upstream (at least as fast)", r("shim-gl", "upstream", "W6"), 1.0);
    for w in ["W1", "W2", "W5"] {
        check(&format!("{w} cpu/memcpy"), r("shim-cpu", "memcpy", w), 0.8);
    }
    check("W6 cpu ops/s (millions)", med("shim-cpu", "W6").map(|v| v / 1e6), 1.0);
    for i in ["shim-gl", "shim-cpu"] {
        if let Some(b) = med(i, "W7.lib_bytes_per_frame") {
            println!(
                "- W7 {i}: {b:.0} bytes copied by the library per frame (target 0) — {}",
                if b == 0.0 { "met" } else { "MISSED" }
            );
        }
    }

    if s.keys().any(|(i, _)| i == "scale") {
        println!("\n### Scale: {scale_count} live 1-byte buffers, CPU backend\n");
        let m = |k: &str| med("scale", k).map(fmt_num).unwrap_or_else(|| "n/a".into());
        println!(
            "- host overhead per resource, data (1 byte) subtracted: RSS delta / count {} bytes, \
             malloc in-use delta / count {} bytes",
            m("scale.rss_bytes_per_resource"),
            m("scale.heap_bytes_per_resource")
        );
        println!("- 1-byte transfer to a random live resource: {} ns with 1 alive, {} ns with {scale_count} alive",
                 m("scale.lookup_ns.1"), m(&format!("scale.lookup_ns.{scale_count}")));
        println!("\n| workload | without | with {scale_count} alive | ratio |\n|---|---|---|---|");
        for w in ["W1", "W2", "W3", "W4", "W5"] {
            let (a, b) = (med("scale", w), med("scale", &format!("alive.{w}")));
            let ratio = match (a, b) {
                (Some(a), Some(b)) if a > 0.0 => format!("{:.2}", b / a),
                _ => "n/a".into(),
            };
            println!(
                "| {w} MB/s | {} | {} | {ratio} |",
                a.map(fmt_num).unwrap_or_default(),
                b.map(fmt_num).unwrap_or_default()
            );
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    let value = |f: &str| args.iter().position(|a| a == f).and_then(|i| args.get(i + 1)).cloned();
    let quick = flag("--quick");
    let scale_count: u32 = value("--scale-count")
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 10_000 } else { 100_000 })
        .max(2);
    let cfg = Cfg {
        quick,
        budget: Duration::from_millis(
            value("--budget-ms").and_then(|v| v.parse().ok()).unwrap_or(500),
        ),
        focus: value("--focus").map(|v| &*v.leak()),
    };
    if let Some(f) = value("--res-flags").and_then(|v| v.parse().ok()) {
        RES_FLAGS.store(f, std::sync::atomic::Ordering::Relaxed);
    }
    if let Some(name) = value("--child") {
        return match child(&name, cfg, scale_count) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("transfer bench [{name}]: {e}");
                ExitCode::FAILURE
            }
        };
    }

    let reps: usize =
        value("--reps").and_then(|v| v.parse().ok()).unwrap_or(if quick { 1 } else { 5 }).max(1);
    let only = value("--only");
    let mut impls: Vec<&str> = IMPLS
        .iter()
        .copied()
        .filter(|i| only.as_deref().is_none_or(|o| o.split(',').any(|x| x == *i)))
        .collect();
    if impls.contains(&"upstream") && !std::path::Path::new(UPSTREAM_PATH).exists() {
        eprintln!("transfer bench: {UPSTREAM_PATH} not found (apt install libvirglrenderer1): upstream skipped");
        impls.retain(|i| *i != "upstream");
    }
    let do_scale = only.as_deref().is_none_or(|o| o.split(',').any(|x| x == "scale"));
    let mut samples = Samples::new();
    let mut failed = false;
    let t0 = Instant::now();
    // Round-robin so that drift on the machine spreads over every implementation.
    for rep in 0..reps {
        for imp in &impls {
            eprintln!("transfer bench: run {}/{reps} {imp}", rep + 1);
            if let Err(e) = run_child(imp, quick, scale_count, &mut samples) {
                eprintln!("transfer bench: {e}");
                failed = true;
            }
        }
    }
    if do_scale {
        eprintln!("transfer bench: scale ({scale_count} resources)");
        if let Err(e) = run_child("scale", quick, scale_count, &mut samples) {
            eprintln!("transfer bench: {e}");
            failed = true;
        }
    }
    report(&samples, &impls, reps, quick, scale_count);
    eprintln!("transfer bench: done in {:.1} s", t0.elapsed().as_secs_f64());
    if failed {
        eprintln!("transfer bench: FAILED (see above)");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
