//! The GL backend against the CPU backend (the oracle): random bytes written through both
//! must read back identically through both, for many targets, boxes, strides, offsets and
//! iovec splits, on every readback path.
//!
//! EGL must work (CI has llvmpipe): a GL that does not start fails these tests (the policy:
//! tests/common/mod.rs).

mod common;

use std::ffi::c_void;
use std::time::Instant;
use virglrenderer::ffi::types::{virgl_renderer_callbacks, virgl_renderer_gl_ctx_param};
use virglrenderer::internal::backend::cpu::CpuBackend;
use virglrenderer::internal::backend::gl::{GlBackend, GlFlags, Readback};
use virglrenderer::internal::backend::{Backend, MaxSizes as Limits, Storage};
use virglrenderer::internal::format;
use virglrenderer::internal::iov::IovList;
use virglrenderer::internal::resource::{bind, flags, CreateArgs, ResourceDesc};
use virglrenderer::internal::transfer::{self, Plan, RawBox};
use virglrenderer::internal::vmm::VmmCallbacks;

use common::fake_vmm::{fake_vmm, vmm_create, vmm_destroy, vmm_make_current, FakeVmm};
use common::gl_required;

fn gl_backend() -> GlBackend {
    gl_required(GlBackend::new(GlFlags::default(), None))
}

/// xorshift64*: reproducible bytes without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn fill(&mut self, b: &mut [u8]) {
        for c in b.chunks_mut(8) {
            let v = self.next().to_le_bytes();
            c.copy_from_slice(&v[..c.len()]);
        }
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Guest memory: one arena cut into iovecs, either one entry or ~4 KiB pieces whose gather
/// order is a shuffle of their address order.
struct Guest {
    arena: Vec<u8>,
    /// (arena offset, len) in gather order.
    pieces: Vec<(usize, usize)>,
}

impl Guest {
    fn new(size: usize, scattered: bool, rng: &mut Rng) -> Self {
        let mut arena = vec![0u8; size.max(1)];
        rng.fill(&mut arena);
        let mut pieces = Vec::new();
        if scattered {
            let mut off = 0;
            while off < size {
                let n = (3900 + rng.below(400) as usize).min(size - off);
                pieces.push(n);
                off += n;
            }
            // Lay the pieces out in the arena in shuffled order.
            let mut order: Vec<usize> = (0..pieces.len()).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, rng.below(i as u64 + 1) as usize);
            }
            let mut at = vec![0usize; pieces.len()];
            let mut off = 0;
            for &i in &order {
                at[i] = off;
                off += pieces[i];
            }
            let pieces = pieces.iter().enumerate().map(|(i, &n)| (at[i], n)).collect();
            Guest { arena, pieces }
        } else {
            Guest { arena, pieces: vec![(0, size)] }
        }
    }

    fn zeroed_like(&self) -> Self {
        Guest { arena: vec![0u8; self.arena.len()], pieces: self.pieces.clone() }
    }

    fn iov(&mut self) -> IovList {
        let base = self.arena.as_mut_ptr();
        let s: Vec<(*mut u8, usize)> =
            // SAFETY: every piece lies inside the arena.
            self.pieces.iter().map(|&(o, n)| (unsafe { base.add(o) }, n)).collect();
        // SAFETY: the arena outlives the list (lists are dropped before the guest).
        unsafe { IovList::from_slices(&s).unwrap() }
    }

    /// The gather as one linear byte string.
    fn linear(&self) -> Vec<u8> {
        self.pieces.iter().flat_map(|&(o, n)| self.arena[o..o + n].iter().copied()).collect()
    }

    /// Applies `fix` to each `n`-byte chunk of the gather (in linear order).
    fn fix_chunks(&mut self, n: usize, fix: &dyn Fn(&mut [u8])) {
        let mut lin = self.linear();
        lin.chunks_exact_mut(n).for_each(fix);
        let mut at = 0;
        for &(o, len) in &self.pieces {
            self.arena[o..o + len].copy_from_slice(&lin[at..at + len]);
            at += len;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn args(
    target: u32,
    fmt: u32,
    bind: u32,
    w: u32,
    h: u32,
    depth: u32,
    array_size: u32,
    last_level: u32,
    flags: u32,
) -> CreateArgs {
    CreateArgs {
        handle: 1,
        target,
        format: fmt,
        bind,
        width: w,
        height: h,
        depth,
        array_size,
        last_level,
        nr_samples: 0,
        flags,
    }
}

const TEX: u32 = bind::SAMPLER_VIEW | bind::RENDER_TARGET;

/// One transfer: level, box, strides (0 = natural), offset into the gather.
#[derive(Clone, Copy, Debug)]
struct Xfer {
    level: u32,
    bx: RawBox,
    stride: u32,
    layer_stride: u32,
    offset: u64,
}

fn xf(level: u32, b: [u32; 6], stride: u32, layer_stride: u32, offset: u64) -> Xfer {
    let bx = RawBox { x: b[0], y: b[1], z: b[2], w: b[3], h: b[4], d: b[5] };
    Xfer { level, bx, stride, layer_stride, offset }
}

fn plan_for(desc: &ResourceDesc, t: &Xfer) -> (Plan, u64) {
    // Size the gather for the transfer plus some slack after it.
    let probe = transfer::plan(desc, t.level, t.stride, t.layer_stride, t.bx, t.offset, u64::MAX)
        .expect("test transfer must be valid");
    let size = t.offset + probe.guest_span + 37;
    let plan =
        transfer::plan(desc, t.level, t.stride, t.layer_stride, t.bx, t.offset, size).unwrap();
    (plan, size)
}

/// Bytes of the box inside a linear gather, in order.
fn box_bytes(plan: &Plan, lin: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    transfer::for_each_run(plan, &plan.guest, &plan.guest, |g, _, n| {
        out.extend_from_slice(&lin[g as usize..(g + n) as usize])
    });
    out
}

fn read_into(
    be: &mut dyn Backend,
    desc: &ResourceDesc,
    st: &mut Storage,
    plan: &Plan,
    g: &mut Guest,
) -> Vec<u8> {
    let iov = g.iov();
    be.read(desc, st, plan, &iov).unwrap_or_else(|e| panic!("{} read: {e}", be.name()));
    drop(iov);
    g.linear()
}

/// Writes each transfer through both backends, reads it back through both (every readback
/// path of GL) and compares; finally compares every whole level.
fn check_case(gl: &mut GlBackend, name: &str, a: CreateArgs, xfers: &[Xfer]) {
    check_valid_case(gl, name, a, xfers, &|_| ())
}

/// [`check_case`] with guest data made of valid texels: `fix` is applied to every texel of
/// the gather (transfers must then start at offset 0 with whole-texel strides).
fn check_valid_case(
    gl: &mut GlBackend,
    name: &str,
    a: CreateArgs,
    xfers: &[Xfer],
    fix: &dyn Fn(&mut [u8]),
) {
    let limits: Limits = gl.limits();
    let desc = ResourceDesc::validate(&a, &limits).unwrap_or_else(|e| panic!("{name}: {e}"));
    gl.check_supported(&desc).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut cpu = CpuBackend::new();
    let mut st_cpu = cpu.create(&desc).unwrap();
    let mut st_gl = gl.create(&desc).unwrap_or_else(|e| panic!("{name}: create: {e}"));
    assert_ne!(gl.tex_id(&st_gl), 0, "{name}: tex_id");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (name.len() as u64 * 7919));
    for (i, t) in xfers.iter().enumerate() {
        for scattered in [false, true] {
            let (plan, size) = plan_for(&desc, t);
            let mut src = Guest::new(size as usize, scattered, &mut rng);
            src.fix_chunks(desc.format.block_bytes as usize, fix);
            let iov = src.iov();
            cpu.write(&desc, &mut st_cpu, &plan, &iov).unwrap();
            gl.write(&desc, &mut st_gl, &plan, &iov)
                .unwrap_or_else(|e| panic!("{name} #{i} {t:?}: GL write: {e}"));
            drop(iov);
            let written = box_bytes(&plan, &src.linear());
            // Read back into the other split, so direct and staged paths meet.
            let dst = Guest::new(size as usize, !scattered, &mut rng).zeroed_like();
            let want = read_into(&mut cpu, &desc, &mut st_cpu, &plan, &mut dst.zeroed_like());
            assert_eq!(box_bytes(&plan, &want), written, "{name} #{i}: CPU round trip");
            for path in [
                Readback::Auto,
                Readback::ReadPixels,
                Readback::TextureSubImage,
                Readback::WholeLevel,
            ] {
                gl.set_readback(path);
                let got = read_into(gl, &desc, &mut st_gl, &plan, &mut dst.zeroed_like());
                assert!(
                    got == want,
                    "{name} #{i} {t:?} scattered={scattered} {path:?}: GL readback differs from CPU \
                     (first difference at byte {:?})",
                    got.iter().zip(&want).position(|(a, b)| a != b)
                );
            }
            gl.set_readback(Readback::Auto);
        }
    }
    // Whole levels (also checks zero-initialisation and that nothing landed outside boxes).
    for level in 0..=desc.last_level {
        let (w, h, d) = transfer::level_extent(&desc, level);
        let t = xf(level, [0, 0, 0, w, h, d], 0, 0, 0);
        let (plan, size) = plan_for(&desc, &t);
        let g = Guest::new(size as usize, false, &mut rng).zeroed_like();
        let want = read_into(&mut cpu, &desc, &mut st_cpu, &plan, &mut g.zeroed_like());
        for path in
            [Readback::Auto, Readback::ReadPixels, Readback::TextureSubImage, Readback::WholeLevel]
        {
            gl.set_readback(path);
            let got = read_into(gl, &desc, &mut st_gl, &plan, &mut g.zeroed_like());
            assert!(got == want, "{name}: level {level} differs from CPU ({path:?})");
        }
        gl.set_readback(Readback::Auto);
    }
    cpu.destroy(&desc, st_cpu);
    gl.destroy(&desc, st_gl);
}

use format::{B8G8R8A8_UNORM as BGRA, R8G8B8A8_UNORM as RGBA, R8_UNORM as R8};
const BUFFER: u32 = 0;
const T1D: u32 = 1;
const T2D: u32 = 2;
const T3D: u32 = 3;
const CUBE: u32 = 4;
const RECT: u32 = 5;
const T1DA: u32 = 6;
const T2DA: u32 = 7;
const CUBEA: u32 = 8;

#[test]
fn textures_2d_match_cpu() {
    let mut gl = gl_backend();
    let boxes = |w: u32, h: u32| {
        vec![
            xf(0, [0, 0, 0, w, h, 1], 0, 0, 0),
            xf(0, [3, 5, 0, 17, 9, 1], 0, 0, 100),
            // Stride a whole number of texels larger than the row.
            xf(0, [1, 2, 0, 11, 7, 1], 11 * 4 + 16, 0, 8),
            // Stride not a whole number of texels: gathered.
            xf(0, [0, h - 4, 0, w, 4, 1], w * 4 + 6, 0, 3),
            xf(0, [w - 1, h - 1, 0, 1, 1, 1], 0, 0, 5),
        ]
    };
    for f in [0, flags::Y_0_TOP] {
        let name = format!("2D BGRA8 flags {f}");
        check_case(&mut gl, &name, args(T2D, BGRA, TEX, 64, 48, 1, 1, 0, f), &boxes(64, 48));
        let name = format!("RECT BGRA8 flags {f}");
        check_case(&mut gl, &name, args(RECT, BGRA, TEX, 30, 20, 1, 1, 0, f), &boxes(30, 20));
    }
    // R8 with odd sizes (alignment 1), big enough to span several 4 KiB iovecs.
    let r8 = vec![
        xf(0, [0, 0, 0, 133, 61, 1], 0, 0, 0),
        xf(0, [7, 3, 0, 100, 50, 1], 141, 0, 2),
        xf(0, [1, 1, 0, 5, 5, 1], 0, 0, 0),
    ];
    check_case(&mut gl, "2D R8", args(T2D, R8, TEX, 133, 61, 1, 1, 0, 0), &r8);
    check_case(&mut gl, "2D R8 Y_0_TOP", args(T2D, R8, TEX, 133, 61, 1, 1, 0, flags::Y_0_TOP), &r8);
}

#[test]
fn mipmaps_match_cpu() {
    let mut gl = gl_backend();
    let x = vec![
        xf(0, [0, 0, 0, 64, 64, 1], 0, 0, 0),
        xf(1, [0, 0, 0, 32, 32, 1], 0, 0, 12),
        xf(1, [5, 6, 0, 20, 10, 1], 32 * 4 + 8, 0, 4),
        xf(2, [0, 0, 0, 16, 16, 1], 0, 0, 0),
        xf(2, [15, 15, 0, 1, 1, 1], 0, 0, 1),
    ];
    check_case(&mut gl, "2D RGBA8 mips", args(T2D, RGBA, TEX, 64, 64, 1, 1, 2, 0), &x);
    let x1 = vec![xf(0, [3, 0, 0, 50, 1, 1], 0, 0, 0), xf(3, [0, 0, 0, 8, 1, 1], 0, 0, 0)];
    check_case(&mut gl, "1D RGBA8 mips", args(T1D, RGBA, TEX, 64, 1, 1, 1, 3, 0), &x1);
}

#[test]
fn layered_targets_match_cpu() {
    let mut gl = gl_backend();
    // 3D: slices, custom layer strides (whole rows, and not whole rows → gathered).
    let x3 = vec![
        xf(0, [0, 0, 0, 16, 8, 6], 0, 0, 0),
        xf(0, [2, 1, 1, 10, 5, 3], 0, 16 * 4 * 8 + 64 * 2, 20),
        xf(0, [2, 1, 1, 10, 5, 3], 48, 48 * 5 + 7, 0),
        xf(1, [0, 0, 0, 8, 4, 3], 0, 0, 0),
    ];
    check_case(&mut gl, "3D RGBA8", args(T3D, RGBA, TEX, 16, 8, 6, 1, 1, 0), &x3);
    // Cube: z selects the face.
    let xc = vec![
        xf(0, [0, 0, 0, 16, 16, 6], 0, 0, 0),
        xf(0, [3, 4, 2, 9, 7, 3], 0, 0, 9),
        xf(0, [0, 0, 5, 16, 16, 1], 16 * 4 + 4, 0, 0),
        xf(1, [0, 0, 1, 8, 8, 4], 0, 0, 0),
    ];
    check_case(&mut gl, "CUBE BGRA8", args(CUBE, BGRA, TEX, 16, 16, 1, 6, 1, 0), &xc);
    let xa = vec![
        xf(0, [0, 0, 0, 20, 12, 5], 0, 0, 0),
        xf(0, [1, 2, 1, 15, 9, 3], 0, 0, 3),
        xf(0, [1, 2, 1, 15, 9, 3], 70, 70 * 10, 0),
    ];
    check_case(&mut gl, "2D_ARRAY BGRA8", args(T2DA, BGRA, TEX, 20, 12, 1, 5, 0, 0), &xa);
    let x1a = vec![
        xf(0, [0, 0, 0, 40, 1, 7], 0, 0, 0),
        xf(0, [5, 0, 2, 30, 1, 4], 0, 200, 1),
        xf(0, [5, 0, 2, 30, 1, 4], 0, 203, 0),
    ];
    check_case(&mut gl, "1D_ARRAY BGRA8", args(T1DA, BGRA, TEX, 40, 1, 1, 7, 0, 0), &x1a);
    let xca = vec![xf(0, [0, 0, 0, 8, 8, 12], 0, 0, 0), xf(0, [1, 1, 4, 6, 6, 5], 0, 0, 0)];
    check_case(&mut gl, "CUBE_ARRAY RGBA8", args(CUBEA, RGBA, TEX, 8, 8, 1, 12, 0, 0), &xca);
}

#[test]
fn buffers_match_cpu() {
    let mut gl = gl_backend();
    let x = vec![
        xf(0, [0, 0, 0, 10000, 1, 1], 0, 0, 0),
        xf(0, [100, 0, 0, 5000, 1, 1], 0, 0, 33),
        xf(0, [9999, 0, 0, 1, 1, 1], 0, 0, 0),
    ];
    let a = args(BUFFER, R8, bind::VERTEX_BUFFER, 10000, 1, 1, 1, 0, 0);
    check_case(&mut gl, "BUFFER", a, &x);
    let a = args(BUFFER, BGRA, bind::CONSTANT_BUFFER, 4096 * 3 + 5, 1, 1, 1, 0, 0);
    check_case(&mut gl, "BUFFER 3 pages", a, &[xf(0, [7, 0, 0, 4096 * 3 - 2, 1, 1], 0, 0, 0)]);
}

#[test]
fn compressed_dxt1_matches_cpu() {
    let mut gl = gl_backend();
    let dxt1 = format::all()
        .iter()
        .find(|f| f.name == "DXT1_RGB" && f.gl.is_some())
        .expect("DXT1_RGB has GL storage in the format table");
    let x = vec![
        xf(0, [0, 0, 0, 32, 32, 1], 0, 0, 0),
        xf(0, [4, 8, 0, 16, 8, 1], 0, 0, 8),
        xf(1, [0, 0, 0, 16, 16, 1], 0, 0, 0),
        // Level 3 is 4x4 → one block; level 4 is 2x2, a partial block.
        xf(4, [0, 0, 0, 2, 2, 1], 0, 0, 0),
    ];
    check_case(&mut gl, "2D DXT1", args(T2D, dxt1.id, bind::SAMPLER_VIEW, 32, 32, 1, 1, 4, 0), &x);
}

#[test]
fn unsupported_and_bad_requests_fail_cleanly() {
    let mut gl = gl_backend();
    let limits = gl.limits();
    assert!(limits.max_texture_2d >= 4096, "{limits:?}");
    assert!(limits.max_array_layers >= 256, "{limits:?}");
    if let Some(f) = format::all().iter().find(|f| f.gl.is_none()) {
        let a = args(T2D, f.id, TEX, 4, 4, 1, 1, 0, 0);
        if let Ok(desc) = ResourceDesc::validate(&a, &limits) {
            let e = gl.check_supported(&desc).unwrap_err();
            assert_eq!(e.errno, libc::EINVAL);
            assert!(e.msg.contains(f.name), "{}", e.msg);
            assert!(gl.create(&desc).is_err());
        }
    }
    // Storage of the wrong backend is rejected, not misused.
    let desc = ResourceDesc::validate(&args(T2D, BGRA, TEX, 8, 8, 1, 1, 0, 0), &limits).unwrap();
    let mut cpu_st = CpuBackend::new().create(&desc).unwrap();
    let (plan, size) = plan_for(&desc, &xf(0, [0, 0, 0, 8, 8, 1], 0, 0, 0));
    let mut g = Guest::new(size as usize, false, &mut Rng(1));
    let iov = g.iov();
    assert!(gl.write(&desc, &mut cpu_st, &plan, &iov).is_err());
    assert!(gl.read(&desc, &mut cpu_st, &plan, &iov).is_err());
    // Many create/destroy cycles do not leak failures.
    for _ in 0..50 {
        let st = gl.create(&desc).unwrap();
        gl.destroy(&desc, st);
    }
}

#[test]
fn other_threads_get_a_current_context() {
    let mut gl = gl_backend();
    let limits = gl.limits();
    let desc = ResourceDesc::validate(&args(T2D, BGRA, TEX, 32, 32, 1, 1, 0, 0), &limits).unwrap();
    let mut st = gl.create(&desc).unwrap();
    let (plan, size) = plan_for(&desc, &xf(0, [0, 0, 0, 32, 32, 1], 0, 0, 0));
    let mut src = Guest::new(size as usize, true, &mut Rng(5));
    let iov = src.iov();
    gl.write(&desc, &mut st, &plan, &iov).unwrap();
    drop(iov);
    let want = box_bytes(&plan, &src.linear());
    // Read on another thread while this one still holds the main context, then write there.
    let mut src2 = Guest::new(size as usize, false, &mut Rng(6));
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut dst = Guest::new(size as usize, false, &mut Rng(7)).zeroed_like();
            let got = read_into(&mut gl, &desc, &mut st, &plan, &mut dst);
            assert_eq!(box_bytes(&plan, &got), want, "read on a second thread");
            let iov = src2.iov();
            gl.write(&desc, &mut st, &plan, &iov).unwrap();
        })
        .join()
        .unwrap();
    });
    let mut dst = Guest::new(size as usize, false, &mut Rng(8)).zeroed_like();
    let got = read_into(&mut gl, &desc, &mut st, &plan, &mut dst);
    assert_eq!(box_bytes(&plan, &got), box_bytes(&plan, &src2.linear()), "back on the first");
    gl.destroy(&desc, st);
}

// ---- the VMM's GL contexts (QEMU -display sdl,gl=on) ------------------------------------

#[test]
fn vmm_gl_context_callbacks_are_used() {
    let vmm = fake_vmm();
    let cbs = virgl_renderer_callbacks {
        version: 1,
        write_fence: None,
        create_gl_context: Some(vmm_create),
        destroy_gl_context: Some(vmm_destroy),
        make_current: Some(vmm_make_current),
        get_drm_fd: None,
        write_context_fence: None,
        get_server_fd: None,
        get_egl_display: None,
    };
    let cookie = &*vmm as *const FakeVmm as usize;
    let mut gl = gl_required(GlBackend::new(
        GlFlags::default(),
        Some(Box::new(VmmCallbacks { cbs, cookie })),
    ));
    assert_eq!(gl.platform_name(), "vmm-gl-context");
    assert_eq!(vmm.created.load(std::sync::atomic::Ordering::SeqCst), 1);
    let made = || vmm.made_current.load(std::sync::atomic::Ordering::SeqCst);
    let x = vec![xf(0, [0, 0, 0, 24, 16, 1], 0, 0, 0), xf(0, [2, 3, 0, 9, 8, 1], 0, 0, 4)];
    let case = args(T2D, BGRA, TEX, 24, 16, 1, 1, 0, 0);
    check_case(&mut gl, "VMM ctx 2D BGRA8", case, &x);
    // Like upstream, our context is assumed to stay current between calls: no callback.
    let n = made();
    check_case(&mut gl, "VMM ctx 2D BGRA8, again", case, &x);
    assert_eq!(made(), n, "make_current called although nothing changed");
    // The VMM switches contexts (its display), then says so with force_ctx_0: ours is made
    // current again at once, and calls work.
    let _ = vmm.egl.make_current(vmm.display, None, None, None);
    gl.force_ctx_0();
    assert_eq!(made(), n + 1);
    assert!(vmm.egl.get_current_context().is_some(), "force_ctx_0 left no context current");
    check_case(&mut gl, "VMM ctx 2D BGRA8 after force_ctx_0", case, &x);
    // After poll/reset (forget_current) the next call makes it current again.
    let _ = vmm.egl.make_current(vmm.display, None, None, None);
    gl.forget_current();
    check_case(&mut gl, "VMM ctx 2D BGRA8 after forget_current", case, &x);
    assert_eq!(made(), n + 2);
    drop(gl);
    assert_eq!(vmm.destroyed.load(std::sync::atomic::Ordering::SeqCst), 1);
    // With USE_EGL the library makes its own context instead.
    let own = gl_required(GlBackend::new(
        GlFlags { use_egl: true, use_gles: false },
        Some(Box::new(VmmCallbacks { cbs, cookie })),
    ));
    assert_ne!(own.platform_name(), "vmm-gl-context");
    drop(own);
    assert_eq!(vmm.created.load(std::sync::atomic::Ordering::SeqCst), 1);
}

/// Our own EGL context: after the VMM made another context current on the thread,
/// force_ctx_0 makes ours current again (as upstream's does) and calls work.
#[test]
fn force_ctx_0_restores_our_own_context() {
    let vmm = fake_vmm();
    let mut gl = gl_backend();
    let case = args(T2D, BGRA, TEX, 16, 8, 1, 1, 0, flags::Y_0_TOP);
    let x = vec![xf(0, [0, 0, 0, 16, 8, 1], 0, 0, 0)];
    check_case(&mut gl, "own ctx", case, &x);
    let ours = vmm.egl.get_current_context().expect("our context is current").as_ptr();
    // The "VMM" makes a context of its own current, as QEMU's display does.
    let p = virgl_renderer_gl_ctx_param {
        version: 1,
        shared: false,
        major_ver: 3,
        minor_ver: 3,
        compat_ctx: 0,
    };
    let cookie = &*vmm as *const FakeVmm as *mut c_void;
    // SAFETY: the fake VMM's callbacks with its own cookie and a valid param.
    let theirs = unsafe { vmm_create(cookie, 0, &p as *const _ as *mut _) };
    assert!(!theirs.is_null());
    // SAFETY: as above.
    assert_eq!(unsafe { vmm_make_current(cookie, 0, theirs) }, 0);
    gl.force_ctx_0();
    let now = vmm.egl.get_current_context().map(|c| c.as_ptr());
    assert_eq!(now, Some(ours), "force_ctx_0 did not make our context current");
    check_case(&mut gl, "own ctx after force_ctx_0", case, &x);
    // SAFETY: as above; the context is not current any more on this thread.
    unsafe { vmm_destroy(cookie, theirs) };
    // vmm_destroy released the current context: forget_current (poll, reset) recovers too.
    gl.forget_current();
    check_case(&mut gl, "own ctx after forget_current", case, &x);
}

// ---- timing -------------------------------------------------------------------------------

#[test]
fn upload_1080p_bgra_timing() {
    let mut gl = gl_backend();
    let limits = gl.limits();
    let (w, h) = (1920u32, 1080u32);
    for (label, fl, scattered) in [
        ("one iovec (direct)", 0, false),
        ("4 KiB iovecs (gathered)", 0, true),
        ("Y_0_TOP one iovec (gathered, flipped)", flags::Y_0_TOP, false),
        ("Y_0_TOP 4 KiB iovecs", flags::Y_0_TOP, true),
    ] {
        let desc = ResourceDesc::validate(
            &args(T2D, BGRA, TEX | bind::SCANOUT, w, h, 1, 1, 0, fl),
            &limits,
        )
        .unwrap();
        let mut st = gl.create(&desc).unwrap();
        let (plan, size) = plan_for(&desc, &xf(0, [0, 0, 0, w, h, 1], 0, 0, 0));
        let mut src = Guest::new(size as usize, scattered, &mut Rng(11));
        let iov = src.iov();
        gl.write(&desc, &mut st, &plan, &iov).unwrap(); // warm-up
        let n = 10;
        let t0 = Instant::now();
        for _ in 0..n {
            gl.write(&desc, &mut st, &plan, &iov).unwrap();
        }
        let up = t0.elapsed() / n;
        drop(iov);
        let mut dst = Guest::new(size as usize, false, &mut Rng(12)).zeroed_like();
        let t0 = Instant::now();
        let got = read_into(&mut gl, &desc, &mut st, &plan, &mut dst);
        let down = t0.elapsed();
        assert_eq!(box_bytes(&plan, &got), box_bytes(&plan, &src.linear()), "{label}");
        eprintln!(
            "1920x1080 BGRA upload, {label}: {:.2} ms ({:.0} MB/s); readback {:.2} ms",
            up.as_secs_f64() * 1e3,
            (w * h * 4) as f64 / up.as_secs_f64() / 1e6,
            down.as_secs_f64() * 1e3
        );
        gl.destroy(&desc, st);
    }
}

#[test]
fn every_gl_format_round_trips() {
    let mut gl = gl_backend();
    let limits = gl.limits();
    let mut failures = Vec::new();
    let mut tested = 0;
    for f in format::all().iter().filter(|f| f.gl_transfer_is_exact()) {
        let (w, h) = (16 * f.block_width, 8 * f.block_height);
        let bind = if f.is_depth_or_stencil() { bind::DEPTH_STENCIL } else { bind::SAMPLER_VIEW };
        let a = args(T2D, f.id, bind | bind::SAMPLER_VIEW, w, h, 1, 1, 0, 0);
        let Ok(desc) = ResourceDesc::validate(&a, &limits) else { continue };
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let bw = f.block_width;
            let x = vec![
                xf(0, [0, 0, 0, w, h, 1], 0, 0, 0),
                xf(0, [bw, f.block_height, 0, 4 * bw, 2 * f.block_height, 1], 0, 0, 3),
            ];
            check_case(&mut gl, f.name, a, &x)
        }));
        tested += 1;
        if let Err(e) = r {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!(
                "{} ({:?}): {}",
                f.name,
                desc.format.kind,
                msg.lines().next().unwrap_or("")
            ));
        }
    }
    eprintln!("{tested} GL formats tested, {} failed", failures.len());
    for f in &failures {
        eprintln!("  {f}");
    }
    assert!(failures.is_empty(), "{} of {tested} formats do not round-trip", failures.len());
}

/// The formats whose GL storage keeps valid values only: float depth in [0, 1], stencil
/// with zero padding, shared-exponent texels in canonical form round-trip exactly.
#[test]
fn valid_values_of_inexact_formats_round_trip() {
    let mut gl = gl_backend();
    let fix = |id: u32| {
        move |t: &mut [u8]| {
            let v = u32::from_le_bytes(t[..4].try_into().unwrap());
            let v = if id == format::R9G9B9E5_FLOAT {
                // Exponent 0 (any mantissas) or a largest mantissa of at least 256.
                if v >> 27 == 0 {
                    v
                } else {
                    v | 1 << 8
                }
            } else {
                (v as f32 / u32::MAX as f32).to_bits()
            };
            t[..4].copy_from_slice(&v.to_le_bytes());
            t.iter_mut().skip(5).for_each(|b| *b = 0); // Z32F_S8X24: the padding
        }
    };
    for id in [format::Z32_FLOAT, format::R9G9B9E5_FLOAT, format::Z32_FLOAT_S8X24_UINT] {
        let f = format::lookup(id).unwrap();
        assert!(f.gl.is_some() && !f.gl_transfer_is_exact(), "{}", f.name);
        let bind = if f.is_depth_or_stencil() { bind::DEPTH_STENCIL } else { TEX };
        let a = args(T2D, id, bind | bind::SAMPLER_VIEW, 16, 8, 1, 1, 1, 0);
        let x = [xf(0, [0, 0, 0, 16, 8, 1], 0, 0, 0), xf(1, [2, 1, 0, 5, 3, 1], 0, 0, 0)];
        check_valid_case(&mut gl, f.name, a, &x, &fix(id));
    }
}

#[test]
fn multisample_storage_is_created_and_freed() {
    let mut gl = gl_backend();
    let limits = gl.limits();
    eprintln!("platform {}, limits {limits:?}", gl.platform_name());
    assert!(limits.max_samples >= 2, "the driver reports no multisampling (llvmpipe has 4x/8x)");
    let s = limits.max_samples.min(4);
    for (target, array) in [(T2D, 1), (T2DA, 3)] {
        let mut a = args(target, RGBA, TEX, 16, 16, 1, array, 0, 0);
        a.nr_samples = s;
        let desc = ResourceDesc::validate(&a, &limits).unwrap();
        let st = gl.create(&desc).unwrap_or_else(|e| panic!("{s}x MS target {target}: {e}"));
        assert_ne!(gl.tex_id(&st), 0);
        // Transfers to multisample resources are refused by validation, never reach GL.
        assert!(transfer::plan(
            &desc,
            0,
            0,
            0,
            RawBox { w: 1, h: 1, d: 1, ..Default::default() },
            0,
            1 << 20
        )
        .is_err());
        gl.destroy(&desc, st);
    }
}

/// The GL context's drawing limits make the level-1 capset contents (capped at what the
/// executor supports); the CPU backend's make the contents that claim no 3D.
#[test]
fn gl_limits_make_level1_capsets() {
    use virglrenderer::internal::caps::{self, level1};
    let lim = gl_backend().limits();
    let d = lim.draw;
    eprintln!("GL draw limits: {d:?}");
    assert!(level1::host_can_draw(&d), "{d:?}");
    assert!(d.max_draw_buffers >= 8 && d.max_vertex_attribs >= 16, "GL 3.3 minimums: {d:?}");
    assert!(d.point_size_range[1] >= 1.0 && d.max_texture_lod_bias >= 2.0, "{d:?}");
    let c = level1::caps_v2(level1::caps_v1(2, &lim), &lim);
    assert_eq!((c.v1.glsl_level, c.host_feature_check_version), (130, 23));
    assert!(c.v1.max_render_targets <= 8 && c.max_vertex_attribs <= 32);
    assert!(c.max_texture_samplers >= 1 && c.max_texture_samplers <= 16);
    assert_eq!(caps::build(caps::CAPSET_VIRGL2, 2, &lim), Some(c.to_bytes()));
    let cpu = virglrenderer::internal::backend::cpu::CpuBackend::new().limits();
    assert!(!level1::host_can_draw(&cpu.draw));
}
