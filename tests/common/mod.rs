//! Shared helpers for the integration tests that drive the C ABI: a per-test session
//! (init with a recording cookie, cleanup on drop), scattered iovec buffers, a tiny
//! deterministic PRNG and thin wrappers over the exported functions.
//!
//! The C API is global (one renderer per process): run these tests with `cargo nextest`
//! (a process per test). Under plain `cargo test` a process-wide lock serialises them.
//!
//! # What a test may require: one policy
//!
//! - **What every CI host has is a hard requirement.** GL (Mesa llvmpipe through EGL
//!   surfaceless, installed by `scripts/install-deps.sh`) is one: a GL test fails when GL
//!   does not start ([`gl_required`], [`gl_session`]); it never skips.
//! - **A device CI hosts lack** (`/dev/udmabuf`, a DRM node under `/dev/dri`) marks each
//!   test that needs it `#[ignore = "needs /dev/udmabuf: run by tests/vm/run.sh"]` or
//!   `#[ignore = "needs a DRM node (/dev/dri): run by tests/vm/run.sh"]` (names start with
//!   `udmabuf_` / `drm_`), so `cargo nextest run` reports it SKIPPED, and the test's first
//!   line is [`require`]`(Device::…)`: where the test is run anyway (`cargo nextest run
//!   --run-ignored all`, libtest `--include-ignored`; the VM tier `tests/vm/run.sh` does so)
//!   a missing device is a failure, never a silent pass.
//! - No test prints "SKIP" and returns. A test that runs everywhere may adapt its
//!   expectations to what the host has (e.g. EOPNOTSUPP without `/dev/udmabuf`).
//! - Unit tests under src/ follow the same policy (the VM tier runs the library's ignored
//!   unit tests too); `scripts/skipped-tests.sh` lists what a host skips, with the reasons.
//! - `VIRGL_SHIM_TEST_VM=1` ([`in_test_vm`], set by `tests/vm/guest-tests.sh`) only adds
//!   assertions about the test VM's own devices (linear GBM bos, DRM nodes with only
//!   `kms_swrast`); it never decides whether a test runs.
#![allow(dead_code)]

pub mod fake_vmm;
pub mod stream;

use std::ffi::c_void;
use std::sync::{Mutex, MutexGuard};
use virglrenderer::ffi::context::virgl_renderer_create_fence;
use virglrenderer::ffi::init::{virgl_renderer_cleanup, virgl_renderer_init, virgl_renderer_poll};
use virglrenderer::ffi::resource::*;
use virglrenderer::ffi::types::*;

// ---- requirements (see the module docs) ------------------------------------------------

/// Why a GL failure fails a test.
pub const GL_REQUIRED: &str = "GL is required on every host (Mesa llvmpipe, EGL surfaceless: \
     scripts/install-deps.sh installs it)";

/// The value of a GL start-up (a `Session::start("gl")`, a `GlBackend::new`): GL failing
/// to start is a test failure.
#[track_caller]
pub fn gl_required<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("the GL backend did not start ({e}): {GL_REQUIRED}"))
}

/// An initialised renderer on the GL backend; panics when GL does not start.
#[track_caller]
pub fn gl_session() -> Session {
    gl_required(Session::start("gl"))
}

/// A device CI hosts lack; tests needing it are `#[ignore = "needs …: run by
/// tests/vm/run.sh"]` and call [`require`] first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    /// `/dev/udmabuf` (dma-bufs over memfd pages).
    Udmabuf,
    /// A DRM node: `/dev/dri/renderD*` or `/dev/dri/card*` (GBM allocation).
    Drm,
}

impl Device {
    pub fn present(self) -> bool {
        match self {
            Device::Udmabuf => std::path::Path::new("/dev/udmabuf").exists(),
            Device::Drm => !drm_nodes().is_empty(),
        }
    }
}

/// First line of a test ignored for lack of `dev`: fails it when it is run (`--run-ignored`,
/// `--include-ignored`) where `dev` is missing.
#[track_caller]
pub fn require(dev: Device) {
    let what = match dev {
        Device::Udmabuf => "/dev/udmabuf does not exist",
        Device::Drm => "/dev/dri has no renderD*/card* node",
    };
    assert!(
        dev.present(),
        "{what}: this test needs the device and was run anyway (ignored tests run with \
         --run-ignored / --include-ignored); run it with tests/vm/run.sh"
    );
}

/// `/dev/dri` nodes (`card*`, `renderD*`), sorted; empty without DRM.
pub fn drm_nodes() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir("/dev/dri")
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    v.retain(|n| n.starts_with("card") || n.starts_with("renderD"));
    v.sort();
    v
}

/// True inside the VM tier's guest (`VIRGL_SHIM_TEST_VM=1`): assertions about its known
/// devices apply. Never used to skip.
pub fn in_test_vm() -> bool {
    std::env::var("VIRGL_SHIM_TEST_VM").as_deref() == Ok("1")
}

// ---- PRNG ------------------------------------------------------------------------------

/// splitmix64: small, deterministic, good enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform-ish in `0..n` (0 when `n == 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
    /// Uniform-ish in `lo..=hi`.
    pub fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(hi as u64 - lo as u64 + 1) as u32
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn fill(&mut self, buf: &mut [u8]) {
        for c in buf.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            c.copy_from_slice(&v[..c.len()]);
        }
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut v = vec![0u8; n];
        self.fill(&mut v);
        v
    }
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            v.swap(i, j);
        }
    }
}

// ---- scattered guest memory ------------------------------------------------------------

/// Canary byte of the gap memory at `pos` (gaps must never be written).
fn canary(pos: usize) -> u8 {
    (pos as u8).wrapping_mul(31) ^ 0xA5
}

/// A logical gather of `total` bytes split into chunks that live in one allocation in a
/// shuffled order with canary-filled gaps between them; `iovs` lists the chunks in gather
/// order. Only raw-pointer copies touch the memory (the library writes into it too).
pub struct ScatterBuf {
    base: *mut u8,
    mem_len: usize,
    /// (offset in the allocation, length) of each chunk, in gather order.
    chunks: Vec<(usize, usize)>,
    pub iovs: Vec<libc::iovec>,
    total: usize,
}

impl ScatterBuf {
    /// `total` bytes in at most `max_chunks` chunks (some possibly empty), shuffled.
    pub fn new(rng: &mut Rng, total: usize, max_chunks: usize) -> Self {
        let n = if total == 0 { 0 } else { 1 + rng.below(max_chunks.max(1) as u64) as usize };
        // Cut points.
        let mut cuts: Vec<usize> =
            (0..n.saturating_sub(1)).map(|_| rng.below(total as u64 + 1) as usize).collect();
        cuts.push(0);
        cuts.push(total);
        cuts.sort_unstable();
        let lens: Vec<usize> =
            if n == 0 { vec![] } else { cuts.windows(2).map(|w| w[1] - w[0]).collect() };
        let mut order: Vec<usize> = (0..lens.len()).collect();
        rng.shuffle(&mut order);
        let gaps: Vec<usize> = (0..=lens.len()).map(|_| 1 + rng.below(16) as usize).collect();
        let mut chunks = vec![(0usize, 0usize); lens.len()];
        let mut pos = 0usize;
        for (slot, &i) in order.iter().enumerate() {
            pos += gaps[slot];
            chunks[i] = (pos, lens[i]);
            pos += lens[i];
        }
        pos += gaps[lens.len()];
        Self::build(pos, chunks, total)
    }

    /// One contiguous chunk of `total` bytes (with guard gaps around it).
    pub fn contiguous(total: usize) -> Self {
        Self::build(total + 32, vec![(16, total)], total)
    }

    fn build(mem_len: usize, chunks: Vec<(usize, usize)>, total: usize) -> Self {
        let mem: Box<[u8]> = (0..mem_len).map(canary).collect();
        let base = Box::into_raw(mem).cast::<u8>();
        let iovs = chunks
            .iter()
            // SAFETY: every chunk lies inside the allocation of `mem_len` bytes.
            .map(|&(o, l)| libc::iovec { iov_base: unsafe { base.add(o) }.cast(), iov_len: l })
            .collect();
        ScatterBuf { base, mem_len, chunks, iovs, total }
    }

    pub fn total(&self) -> usize {
        self.total
    }
    pub fn iov_ptr(&mut self) -> *mut libc::iovec {
        self.iovs.as_mut_ptr()
    }
    pub fn iov_count(&self) -> usize {
        self.iovs.len()
    }

    /// Writes `data` at gather offset `off`.
    pub fn write_at(&self, off: usize, data: &[u8]) {
        assert!(off + data.len() <= self.total);
        let mut pos = 0usize;
        for &(mo, len) in &self.chunks {
            let (s, e) = (pos.max(off), (pos + len).min(off + data.len()));
            if s < e {
                // SAFETY: [mo + s - pos, +e-s) lies inside chunk; source slice in range.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        data.as_ptr().add(s - off),
                        self.base.add(mo + s - pos),
                        e - s,
                    )
                };
            }
            pos += len;
        }
    }

    pub fn write_all(&self, data: &[u8]) {
        assert_eq!(data.len(), self.total);
        self.write_at(0, data);
    }

    /// The whole gather, in order.
    pub fn read_all(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.total);
        for &(mo, len) in &self.chunks {
            let mut tmp = vec![0u8; len];
            // SAFETY: the chunk lies inside the allocation.
            unsafe { std::ptr::copy_nonoverlapping(self.base.add(mo), tmp.as_mut_ptr(), len) };
            out.extend_from_slice(&tmp);
        }
        out
    }

    /// True when no byte outside the chunks was modified.
    pub fn gaps_intact(&self) -> bool {
        let mut inside = vec![false; self.mem_len];
        for &(mo, len) in &self.chunks {
            inside[mo..mo + len].iter_mut().for_each(|b| *b = true);
        }
        (0..self.mem_len).all(|p| {
            // SAFETY: p < mem_len.
            inside[p] || unsafe { *self.base.add(p) } == canary(p)
        })
    }
}

impl Drop for ScatterBuf {
    fn drop(&mut self) {
        let slice = std::ptr::slice_from_raw_parts_mut(self.base, self.mem_len);
        // SAFETY: `base`/`mem_len` came from Box::into_raw of a boxed slice in `build`.
        drop(unsafe { Box::from_raw(slice) });
    }
}

// ---- session ---------------------------------------------------------------------------

/// What the callbacks saw.
#[derive(Default)]
pub struct Recorder {
    pub fences: Mutex<Vec<u32>>,
}

unsafe extern "C" fn record_fence(cookie: *mut c_void, fence: u32) {
    // SAFETY: the cookie is always a leaked `Recorder` (see `new_cookie`).
    let rec = unsafe { &*(cookie as *const Recorder) };
    rec.fences.lock().unwrap().push(fence);
}

/// A fresh, leaked recorder usable as the init cookie.
pub fn new_cookie() -> &'static Recorder {
    Box::leak(Box::default())
}

/// Leaked callbacks struct with `version` and the recording `write_fence`.
pub fn new_callbacks(version: i32) -> *mut virgl_renderer_callbacks {
    Box::leak(Box::new(virgl_renderer_callbacks {
        version,
        write_fence: Some(record_fence),
        create_gl_context: None,
        destroy_gl_context: None,
        make_current: None,
        get_drm_fd: None,
        write_context_fence: None,
        get_server_fd: None,
        get_egl_display: None,
    }))
}

static PROCESS: Mutex<()> = Mutex::new(());

/// Serialises tests of one process (only matters under `cargo test`) and starts from an
/// uninitialised renderer.
pub fn lock_process() -> MutexGuard<'static, ()> {
    let g = PROCESS.lock().unwrap_or_else(|e| e.into_inner());
    virgl_renderer_cleanup(std::ptr::null_mut());
    g
}

/// The backend the tests run on: `VIRGL_SHIM_TEST_BACKEND` (default `cpu`).
pub fn test_backend() -> String {
    std::env::var("VIRGL_SHIM_TEST_BACKEND").unwrap_or_else(|_| "cpu".into())
}

/// An initialised renderer; cleaned up on drop.
pub struct Session {
    _lock: MutexGuard<'static, ()>,
    pub rec: &'static Recorder,
    pub cbs: *mut virgl_renderer_callbacks,
    pub backend: String,
}

impl Session {
    /// Initialises on `backend` ("cpu" or "gl"); Err(init's return value) on failure.
    pub fn start(backend: &str) -> Result<Session, i32> {
        Session::start_flags(backend, 0)
    }

    /// [`Session::start`] with `virgl_renderer_init` flags `flags`.
    pub fn start_flags(backend: &str, flags: i32) -> Result<Session, i32> {
        let lock = lock_process();
        std::env::set_var("VIRGL_SHIM_BACKEND", backend);
        let rec = new_cookie();
        let cbs = new_callbacks(1);
        // SAFETY: leaked cookie and callbacks, valid for the process lifetime.
        let r = unsafe { virgl_renderer_init(rec as *const Recorder as *mut c_void, flags, cbs) };
        if r != 0 {
            return Err(r);
        }
        Ok(Session { _lock: lock, rec, cbs, backend: backend.into() })
    }

    /// Initialises on the test backend; panics when that fails.
    pub fn new() -> Session {
        let b = test_backend();
        Session::start(&b).unwrap_or_else(|e| panic!("virgl_renderer_init on {b} returned {e}"))
    }

    pub fn cookie(&self) -> *mut c_void {
        self.rec as *const Recorder as *mut c_void
    }

    pub fn fences(&self) -> Vec<u32> {
        self.rec.fences.lock().unwrap().clone()
    }

    pub fn is_cpu(&self) -> bool {
        self.backend == "cpu"
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        virgl_renderer_cleanup(self.cookie());
    }
}

// ---- API wrappers ----------------------------------------------------------------------

pub const BUFFER: u32 = 0;
pub const TEX_1D: u32 = 1;
pub const TEX_2D: u32 = 2;
pub const TEX_3D: u32 = 3;
pub const CUBE: u32 = 4;
pub const RECT: u32 = 5;
pub const TEX_1D_ARRAY: u32 = 6;
pub const TEX_2D_ARRAY: u32 = 7;
pub const CUBE_ARRAY: u32 = 8;

pub const BIND_DEPTH_STENCIL: u32 = 1;
pub const BIND_RENDER_TARGET: u32 = 1 << 1;
pub const BIND_SAMPLER_VIEW: u32 = 1 << 3;
pub const BIND_VERTEX_BUFFER: u32 = 1 << 4;
pub const BIND_CURSOR: u32 = 1 << 16;
pub const BIND_SCANOUT: u32 = 1 << 18;
pub const Y_0_TOP: u32 = 1;

/// Create arguments for a texture (`bind` SAMPLER_VIEW|RENDER_TARGET) or a buffer.
#[allow(clippy::too_many_arguments)]
pub fn args(
    handle: u32,
    target: u32,
    format: u32,
    w: u32,
    h: u32,
    d: u32,
    array_size: u32,
    last_level: u32,
) -> virgl_renderer_resource_create_args {
    virgl_renderer_resource_create_args {
        handle,
        target,
        format,
        bind: if target == BUFFER {
            BIND_VERTEX_BUFFER
        } else {
            BIND_SAMPLER_VIEW | BIND_RENDER_TARGET
        },
        width: w,
        height: h,
        depth: d,
        array_size,
        last_level,
        nr_samples: 0,
        flags: 0,
    }
}

pub fn create(a: virgl_renderer_resource_create_args) -> i32 {
    let mut a = a;
    // SAFETY: valid args, no iovecs.
    unsafe { virgl_renderer_resource_create(&mut a, std::ptr::null_mut(), 0) }
}

/// A transfer's parameters (box as six u32: x, y, z, w, h, d).
#[derive(Clone, Copy, Debug, Default)]
pub struct Xfer {
    pub level: u32,
    pub stride: u32,
    pub layer_stride: u32,
    pub bx: [u32; 6],
    pub offset: u64,
}

impl Xfer {
    pub fn boxed(bx: [u32; 6]) -> Self {
        Xfer { bx, ..Default::default() }
    }
}

fn vbox(b: [u32; 6]) -> virgl_box {
    virgl_box { x: b[0], y: b[1], z: b[2], w: b[3], h: b[4], d: b[5] }
}

/// transfer_write_iov with explicit iovecs (`None`: the attached backing).
pub fn write(handle: u32, t: Xfer, iov: Option<&mut ScatterBuf>) -> i32 {
    let mut b = vbox(t.bx);
    let (p, n) = match iov {
        Some(s) => (s.iov_ptr(), s.iov_count() as u32),
        None => (std::ptr::null_mut(), 0),
    };
    // SAFETY: the iovecs point into a live ScatterBuf.
    unsafe {
        virgl_renderer_transfer_write_iov(
            handle,
            0,
            t.level as i32,
            t.stride,
            t.layer_stride,
            &mut b,
            t.offset,
            p,
            n,
        )
    }
}

/// transfer_read_iov with explicit iovecs (`None`: the attached backing).
pub fn read(handle: u32, t: Xfer, iov: Option<&mut ScatterBuf>) -> i32 {
    let mut b = vbox(t.bx);
    let (p, n) = match iov {
        Some(s) => (s.iov_ptr(), s.iov_count() as i32),
        None => (std::ptr::null_mut(), 0),
    };
    // SAFETY: the iovecs point into a live ScatterBuf.
    unsafe {
        virgl_renderer_transfer_read_iov(
            handle,
            0,
            t.level,
            t.stride,
            t.layer_stride,
            &mut b,
            t.offset,
            p,
            n,
        )
    }
}

/// The `fd` field is pre-set to this sentinel: classic resources leave it untouched (a
/// 0.10.4 caller's struct ends before it).
pub const INFO_FD_SENTINEL: i32 = -77;

pub fn info(handle: u32) -> Result<virgl_renderer_resource_info, i32> {
    let mut i = virgl_renderer_resource_info { fd: INFO_FD_SENTINEL, ..Default::default() };
    // SAFETY: valid out-pointer.
    let r = unsafe { virgl_renderer_resource_get_info(handle as i32, &mut i) };
    if r == 0 {
        Ok(i)
    } else {
        Err(r)
    }
}

/// attach_iov of a ScatterBuf (which must outlive the attachment).
pub fn attach(handle: u32, s: &mut ScatterBuf) -> i32 {
    // SAFETY: the iovecs point into a live ScatterBuf.
    unsafe { virgl_renderer_resource_attach_iov(handle as i32, s.iov_ptr(), s.iov_count() as i32) }
}

/// detach_iov: the pointer and count handed back.
pub fn detach(handle: u32) -> (*mut libc::iovec, i32) {
    let mut p: *mut libc::iovec = std::ptr::null_mut();
    let mut n: i32 = -7;
    // SAFETY: valid out-pointers.
    unsafe { virgl_renderer_resource_detach_iov(handle as i32, &mut p, &mut n) };
    (p, n)
}

pub fn create_fence(id: u32) -> i32 {
    virgl_renderer_create_fence(id as i32, 0)
}

/// `virgl_renderer_poll` until the renderer holds no fence (at most 10 s): the GL backend's
/// fences signal once the host GL has finished the work before them, and the poll checks
/// them without waiting (as upstream's does), so one poll under load may report nothing yet.
/// Where our thread reports fences (ASYNC_FENCE_CB) this waits for it the same way.
pub fn poll() {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        virgl_renderer_poll();
        let left = virglrenderer::internal::renderer::with(|r| Ok(!r.fences.is_empty()));
        if !left.unwrap_or(false) || std::time::Instant::now() > deadline {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// Geometry of one mip level in the tests' linear model (levels independent, rows of
/// blocks at the natural stride, layers packed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LevelGeom {
    /// Size in pixels.
    pub w: u32,
    pub h: u32,
    /// Depth for 3D, layers for arrays/cubes, else 1.
    pub layers: u32,
    /// Bytes per block.
    pub bpp: u32,
    /// Block size in pixels (1x1 unless compressed).
    pub bw: u32,
    pub bh: u32,
}

impl LevelGeom {
    pub fn of(a: &virgl_renderer_resource_create_args, level: u32) -> LevelGeom {
        let m = |v: u32| (v >> level).max(1);
        let (bw, bh, bpp) = if a.target == BUFFER {
            (1, 1, 1)
        } else {
            let f = virglrenderer::internal::format::lookup(a.format).expect("format in the table");
            (f.block_width, f.block_height, f.block_bytes)
        };
        let (w, h, layers) = match a.target {
            BUFFER => (a.width, 1, 1),
            TEX_1D => (m(a.width), 1, 1),
            TEX_2D | RECT => (m(a.width), m(a.height), 1),
            TEX_3D => (m(a.width), m(a.height), m(a.depth)),
            TEX_1D_ARRAY => (m(a.width), 1, a.array_size),
            _ => (m(a.width), m(a.height), a.array_size),
        };
        LevelGeom { w, h, layers, bpp, bw, bh }
    }
    /// Blocks across `w` pixels.
    pub fn nbx(&self, w: u32) -> usize {
        w.div_ceil(self.bw) as usize
    }
    /// Block rows down `h` pixels.
    pub fn nby(&self, h: u32) -> usize {
        h.div_ceil(self.bh) as usize
    }
    pub fn stride(&self) -> usize {
        self.nbx(self.w) * self.bpp as usize
    }
    pub fn layer_size(&self) -> usize {
        self.stride() * self.nby(self.h)
    }
    pub fn size(&self) -> usize {
        self.layer_size() * self.layers as usize
    }
    /// The box covering the whole level.
    pub fn full_box(&self) -> [u32; 6] {
        [0, 0, 0, self.w, self.h, self.layers]
    }
}

/// Reads a whole level into fresh scattered iovecs; `Err(ret)` on failure.
pub fn read_level(
    rng: &mut Rng,
    handle: u32,
    a: &virgl_renderer_resource_create_args,
    level: u32,
) -> Result<Vec<u8>, i32> {
    let g = LevelGeom::of(a, level);
    let mut s = ScatterBuf::new(rng, g.size(), 7);
    let r = read(handle, Xfer { level, ..Xfer::boxed(g.full_box()) }, Some(&mut s));
    assert!(s.gaps_intact(), "read_level wrote outside its iovecs");
    if r == 0 {
        Ok(s.read_all())
    } else {
        Err(r)
    }
}

/// Row runs (rows of blocks) of box `bx` of a level: (gather offset, offset in the level's
/// linear bytes, length), with `stride` / `layer_stride` 0 meaning the level's own.
pub fn box_rows(
    g: &LevelGeom,
    bx: [u32; 6],
    stride: u32,
    layer_stride: u32,
    offset: u64,
) -> Vec<(usize, usize, usize)> {
    let bpp = g.bpp as usize;
    let st = if stride == 0 { g.stride() } else { stride as usize };
    let ls = if layer_stride == 0 { st * g.nby(g.h) } else { layer_stride as usize };
    let mut v = vec![];
    for l in 0..bx[5] as usize {
        for r in 0..g.nby(bx[4]) {
            let guest = offset as usize + l * ls + r * st;
            let model = (bx[2] as usize + l) * g.layer_size()
                + (bx[1] / g.bh) as usize * g.stride()
                + r * g.stride()
                + (bx[0] / g.bw) as usize * bpp;
            v.push((guest, model, g.nbx(bx[3]) * bpp));
        }
    }
    v
}

/// Gather bytes a transfer of `bx` needs: offset + span (w/h/d of 0 count as 1).
pub fn box_need(g: &LevelGeom, bx: [u32; 6], stride: u32, layer_stride: u32, offset: u64) -> usize {
    let bpp = g.bpp as usize;
    let st = if stride == 0 { g.stride() } else { stride as usize };
    let ls = if layer_stride == 0 { st * g.nby(g.h) } else { layer_stride as usize };
    offset as usize
        + (bx[5].max(1) as usize - 1) * ls
        + (g.nby(bx[4]).max(1) - 1) * st
        + g.nbx(bx[3].max(1)) * bpp
}
