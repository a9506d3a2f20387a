//! Property test through the C ABI: random resources, random valid transfers with random
//! scattered iovecs, checked after every operation against a plain linear model (one
//! `Vec<u8>` per level). Each backend must equal the model, so GL == CPU == reference.
//! `VIRGL_SHIM_PROPS_SEED` / `VIRGL_SHIM_PROPS_ITERS` override the seed and length.

mod common;

use common::*;
use virglrenderer::ffi::resource::virgl_renderer_resource_unref;
use virglrenderer::ffi::types::virgl_renderer_resource_create_args;
use virglrenderer::internal::format;

struct Res {
    a: virgl_renderer_resource_create_args,
    model: Vec<Vec<u8>>,
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Random create arguments of a valid resource (small, so that each op is fast).
fn random_args(rng: &mut Rng, handle: u32) -> virgl_renderer_resource_create_args {
    let fmts = format::all();
    let f = fmts[rng.below(fmts.len() as u64) as usize].id;
    let target = rng.range(0, 8);
    let dim = |rng: &mut Rng| rng.range(1, 17);
    let (w, h, d, layers) = match target {
        BUFFER => (rng.range(1, 600), 1, 1, 1),
        TEX_1D => (dim(rng), 1, 1, 1),
        TEX_2D | RECT => (dim(rng), dim(rng), 1, 1),
        TEX_3D => (dim(rng), dim(rng), rng.range(1, 6), 1),
        CUBE => {
            let s = dim(rng);
            (s, s, 1, 6)
        }
        TEX_1D_ARRAY => (dim(rng), 1, 1, rng.range(1, 5)),
        TEX_2D_ARRAY => (dim(rng), dim(rng), 1, rng.range(1, 5)),
        _ => {
            let s = rng.range(1, 8);
            (s, s, 1, 6 * rng.range(1, 2))
        }
    };
    let max_dim = w.max(h).max(if target == TEX_3D { d } else { 1 });
    let max_level = 31 - max_dim.leading_zeros();
    let last_level = if target == BUFFER || target == RECT { 0 } else { rng.range(0, max_level) };
    let mut a = args(handle, target, f, w, h, d, layers, last_level);
    let info = format::lookup(f).unwrap();
    if target != BUFFER {
        a.bind = if info.is_depth_or_stencil() {
            BIND_SAMPLER_VIEW | BIND_DEPTH_STENCIL
        } else if info.is_compressed() {
            BIND_SAMPLER_VIEW
        } else {
            BIND_SAMPLER_VIEW | BIND_RENDER_TARGET
        };
    }
    a
}

/// A random valid transfer of `g` (a level) with random strides and offset; compressed
/// boxes start on a block and end on a block or at the level's edge.
fn random_xfer(rng: &mut Rng, level: u32, g: &LevelGeom) -> Xfer {
    let span = |rng: &mut Rng, n: u32, b: u32| {
        let blocks = n.div_ceil(b);
        let o = b * rng.range(0, blocks - 1);
        // Mostly non-empty; sometimes empty boxes.
        let len = if rng.chance(3) { 0 } else { (b * rng.range(1, blocks - o / b)).min(n - o) };
        (o, len)
    };
    let (x, w) = span(rng, g.w, g.bw);
    let (y, h) = span(rng, g.h, g.bh);
    let (z, d) = span(rng, g.layers, 1);
    let row = (g.nbx(w) * g.bpp as usize) as u32;
    let stride = match rng.below(3) {
        0 => 0,
        1 => row,
        _ => row + rng.range(1, 9),
    };
    // An explicit 0 would mean "the level's": only use explicit values when non-zero.
    let stride = if row == 0 { 0 } else { stride };
    let res_stride = if stride == 0 { g.stride() as u32 } else { stride };
    let layer = res_stride * g.nby(h) as u32;
    let layer_stride = match rng.below(3) {
        0 => 0,
        1 => layer,
        _ => layer + rng.range(1, 17),
    };
    let layer_stride = if layer == 0 { 0 } else { layer_stride };
    Xfer { level, stride, layer_stride, bx: [x, y, z, w, h, d], offset: rng.below(40) }
}

/// Whether a GL backend may legitimately refuse `a` (no GL storage for the format, a GL
/// extension it needs, or a format GL cannot hold on that target: compressed formats on
/// 1D/3D/RECT, depth formats on 1D/3D).
fn gl_may_lack(a: &virgl_renderer_resource_create_args) -> bool {
    if a.target == BUFFER {
        return false;
    }
    let f = format::lookup(a.format).unwrap();
    let special = f.is_compressed() || f.is_depth_or_stencil();
    f.gl.is_none()
        || f.required_gl_extension().is_some()
        || special && matches!(a.target, TEX_1D | TEX_1D_ARRAY | TEX_3D)
        || f.is_compressed() && a.target == RECT
}

/// Whether the GL backend keeps only valid values of `a`'s format (float depth, shared
/// exponent): random bytes would not round-trip, so the GL run leaves such textures out
/// (tests/gl_backend.rs checks them with valid values).
fn gl_keeps_valid_values_only(a: &virgl_renderer_resource_create_args) -> bool {
    let f = format::lookup(a.format).unwrap();
    a.target != BUFFER && f.gl.is_some() && !f.gl_transfer_is_exact()
}

fn props(backend: &str) {
    let seed = env_u64("VIRGL_SHIM_PROPS_SEED", 0x5eed_0001);
    let iters = env_u64("VIRGL_SHIM_PROPS_ITERS", 300);
    eprintln!("transfer_props on {backend}: seed {seed:#x}, {iters} iterations");
    let session = match Session::start(backend) {
        Ok(s) => s,
        Err(e) => {
            panic!("virgl_renderer_init on the {backend} backend returned {e} (seed {seed:#x})")
        }
    };
    let mut rng = Rng::new(seed);
    let mut live: Vec<Res> = vec![];
    let mut next_handle = 1u32;
    let mut ops = 0u64;
    let mut skipped = 0u64;
    for it in 0..iters {
        let ctx = format!("seed {seed:#x} iteration {it}");
        // New resource (or replace one) now and then.
        if live.is_empty() || rng.chance(8) {
            if live.len() >= 4 {
                let old = live.swap_remove(rng.below(live.len() as u64) as usize);
                virgl_renderer_resource_unref(old.a.handle);
                assert!(info(old.a.handle).is_err(), "{ctx}: unref left the resource");
            }
            let a = random_args(&mut rng, next_handle);
            next_handle += 1;
            if backend == "gl" && gl_keeps_valid_values_only(&a) {
                skipped += 1;
                continue;
            }
            let r = create(a);
            if r != 0 {
                // Only a GL backend that cannot hold this format may refuse it.
                if backend == "gl" && r == libc::EINVAL && gl_may_lack(&a) {
                    skipped += 1;
                    continue;
                }
                panic!("{ctx}: create {a:?} returned {r}");
            }
            let model =
                (0..=a.last_level).map(|l| vec![0u8; LevelGeom::of(&a, l).size()]).collect();
            live.push(Res { a, model });
        }
        let ri = rng.below(live.len() as u64) as usize;
        let res = &mut live[ri];
        let a = res.a;
        let level = rng.range(0, a.last_level);
        let g = LevelGeom::of(&a, level);
        let t = random_xfer(&mut rng, level, &g);
        let need = box_need(&g, t.bx, t.stride, t.layer_stride, t.offset);
        let total = need + rng.below(24) as usize;
        let guest = rng.bytes(total);
        let mut s = ScatterBuf::new(&mut rng, total, 8);
        s.write_all(&guest);
        let via_backing = rng.chance(30);
        let rows = box_rows(&g, t.bx, t.stride, t.layer_stride, t.offset);
        if rng.chance(70) {
            // Write.
            let r = if via_backing {
                assert_eq!(attach(a.handle, &mut s), 0, "{ctx}");
                let r = write(a.handle, t, None);
                assert_eq!(detach(a.handle).1, s.iov_count() as i32, "{ctx}");
                r
            } else {
                write(a.handle, t, Some(&mut s))
            };
            assert_eq!(r, 0, "{ctx}: write {a:?} {t:?} ({total} bytes)");
            for &(gofs, mofs, n) in &rows {
                res.model[level as usize][mofs..mofs + n].copy_from_slice(&guest[gofs..gofs + n]);
            }
            assert_eq!(s.read_all(), guest, "{ctx}: write modified guest memory");
        } else {
            // Read a box: the box bytes come from the model, the rest is untouched.
            let r = read(a.handle, t, Some(&mut s));
            assert_eq!(r, 0, "{ctx}: read {a:?} {t:?} ({total} bytes)");
            let mut want = guest.clone();
            for &(gofs, mofs, n) in &rows {
                want[gofs..gofs + n].copy_from_slice(&res.model[level as usize][mofs..mofs + n]);
            }
            assert!(s.read_all() == want, "{ctx}: read of {a:?} {t:?} differs from the model");
        }
        assert!(s.gaps_intact(), "{ctx}: wrote outside the iovecs ({a:?} {t:?})");
        ops += 1;
        // After every op: the whole level (and on a few ops all levels) equal the model.
        let check_levels: Vec<u32> =
            if it % 16 == 0 { (0..=a.last_level).collect() } else { vec![level] };
        for l in check_levels {
            let got = read_level(&mut rng, a.handle, &a, l)
                .unwrap_or_else(|e| panic!("{ctx}: read level {l}: {e}"));
            assert!(
                got == res.model[l as usize],
                "{ctx}: level {l} of {a:?} differs from the model after {t:?}"
            );
        }
    }
    eprintln!("{ops} operations, {} resources, {skipped} creates refused", next_handle - 1);
    assert!(ops > iters / 2, "only {ops} operations ran");
    drop(session);
}

#[test]
fn props_cpu() {
    props("cpu");
}

#[test]
fn props_gl() {
    props("gl");
}
