//! Regressions from the cargo-fuzz targets in fuzz/ (see docs/SECURITY.md for the runs).
//!
//! Every crash a fuzz target finds becomes a test here, named after the target and the
//! finding, with the minimised input written out as API calls (runs and findings in
//! docs/SECURITY.md). It also holds the fuzzers' oracles run deterministically, so that CI
//! without cargo-fuzz (or a nightly toolchain) still checks them: the transfer-geometry
//! reference model of `fuzz_targets/transfer_plan.rs` over a seeded sweep of edge-biased
//! descriptions, boxes, strides and offsets.

mod common;

use common::Rng;
use virglrenderer::internal::backend::MaxSizes as Limits;
use virglrenderer::internal::resource::{CreateArgs, ResourceDesc};
use virglrenderer::internal::transfer::{self, RawBox};

/// A u32 biased towards small and edge values (as `fuzz_common::Num`).
fn num(rng: &mut Rng) -> u32 {
    match rng.below(8) {
        0..=3 => rng.below(17) as u32,
        4 => rng.below(301) as u32,
        5 => {
            let edges =
                [0x7fff_ffff, 0x8000_0000, u32::MAX, u32::MAX - 1, 16384, 16385, 2048, 4096];
            edges[rng.below(edges.len() as u64) as usize]
        }
        _ => rng.next_u64() as u32,
    }
}

/// Mostly 0..=8, else [`num`].
fn small(rng: &mut Rng) -> u32 {
    if rng.chance(70) {
        rng.below(9) as u32
    } else {
        num(rng)
    }
}

/// The transfer_plan target's oracle for one input; returns whether the plan was accepted.
fn check_plan(rng: &mut Rng) -> bool {
    let binds = [0u32, 1 << 1, (1 << 3) | (1 << 1), 1 << 4, 1 << 16, 1];
    let args = CreateArgs {
        handle: 1,
        target: rng.below(9) as u32,
        format: if rng.chance(50) {
            [1, 2, 31, 64, 65, 67, 94, 105, 226, 255, 279, 306][rng.below(12) as usize]
        } else {
            rng.below(500) as u32
        },
        bind: binds[rng.below(binds.len() as u64) as usize],
        width: small(rng),
        height: small(rng),
        depth: if rng.chance(70) { 1 } else { small(rng) },
        array_size: [1, 1, 6, 12, 3, 0][rng.below(6) as usize],
        last_level: rng.below(4) as u32,
        nr_samples: 0,
        flags: 0,
    };
    let Ok(desc) = ResourceDesc::validate(&args, &Limits::default()) else { return false };
    let level = rng.below(3) as u32;
    let stride = if rng.chance(50) { 0 } else { num(rng).wrapping_mul(4) };
    let layer_stride = if rng.chance(60) { 0 } else { num(rng).wrapping_mul(64) };
    // Mostly a box inside the level (so runs are exercised), else edge values.
    let (lw, lh, ld) = transfer::level_extent(&desc, level.min(desc.last_level));
    let inside = |rng: &mut Rng, bound: u32| {
        if rng.chance(80) {
            let o = rng.below(bound as u64 + 1) as u32;
            (o, rng.below((bound - o) as u64 + 1) as u32)
        } else {
            (small(rng), small(rng))
        }
    };
    let ((x, w), (y, h), (z, d)) = (inside(rng, lw), inside(rng, lh), inside(rng, ld));
    let raw = RawBox { x, y, z, w, h, d };
    let offset = if rng.chance(80) { rng.below(65536) } else { rng.next_u64() };
    let iov_size = if rng.chance(80) { rng.below(1 << 40) } else { rng.next_u64() };
    let plan = match transfer::plan(&desc, level, stride, layer_stride, raw, offset, iov_size) {
        Ok(p) => p,
        Err(e) => {
            assert_eq!(e.errno, libc::EINVAL);
            return false;
        }
    };
    let fmt = desc.texel_format();
    let (lw, lh, ld) = transfer::level_extent(&desc, plan.level);
    let bx = plan.bx;
    assert!(bx.x as u64 + bx.w as u64 <= lw as u64);
    assert!(bx.y as u64 + bx.h as u64 <= lh as u64);
    assert!(bx.z as u64 + bx.d as u64 <= ld as u64);
    let end = offset.checked_add(plan.guest_span).expect("offset + span overflows");
    assert!(end <= iov_size);
    if plan.is_empty() || plan.rows * plan.layers > 1 << 14 {
        return true;
    }
    let (levels, total) = transfer::linear_levels(&desc).unwrap();
    let lvl = levels[plan.level as usize];
    let lvl_end = lvl.offset + lvl.layer_stride * lvl.layers;
    assert!(lvl_end <= total);
    let host = transfer::linear_layout(fmt, &lvl, &bx);
    let mut expect = vec![];
    for l in 0..plan.layers {
        for r in 0..plan.rows {
            let g = offset + l * plan.guest.layer_stride + r * plan.guest.stride;
            let h = lvl.offset
                + (bx.z as u64 + l) * lvl.layer_stride
                + ((bx.y / fmt.block_height) as u64 + r) * lvl.stride
                + (bx.x / fmt.block_width) as u64 * fmt.block_bytes as u64;
            expect.push((g, h));
        }
    }
    let rb = plan.row_bytes;
    let mut next = 0usize;
    transfer::for_each_run(&plan, &plan.guest, &host, |g, h, n| {
        assert!(n > 0 && n % rb == 0);
        assert!(g >= offset && g + n <= end, "guest run outside [offset, offset+span)");
        assert!(h >= lvl.offset && h + n <= lvl_end, "host run outside the level");
        let (mut g, mut h, mut n) = (g, h, n);
        while n > 0 {
            assert_eq!((g, h), expect[next], "run {next} differs from the reference");
            next += 1;
            g += rb;
            h += rb;
            n -= rb;
        }
    });
    assert_eq!(next, expect.len());
    true
}

/// The transfer_plan oracle over 200 000 seeded inputs; enough of them must be accepted for
/// the run-level checks to mean something.
#[test]
fn transfer_plan_oracle_sweep() {
    let mut rng = Rng::new(0xf022);
    let accepted = (0..200_000).filter(|_| check_plan(&mut rng)).count();
    assert!(accepted > 1000, "only {accepted} plans accepted: the sweep is not exercising runs");
}

/// Found by the `api_sequence` fuzzer (the input is kept as
/// `fuzz/seeds/api_sequence/regression-map-unref-recreate`, replayed by every fuzz run),
/// minimised: create coherent 1, map it, unref it (its memory stays mapped for the guest's
/// BAR), create coherent 1 again, map again. The library accepted the new resource, so a
/// later `unmap(1)` could not tell the two mappings apart; the handle now stays taken until
/// unmap.
#[test]
fn api_sequence_map_unref_recreate_map() {
    use std::ffi::c_void;
    use virglrenderer::ffi::*;
    let _s = common::Session::new();
    let coherent = |handle| {
        let a = virgl_renderer_resource_create_coherent_args {
            res_handle: handle,
            target: 0,
            format: 64,
            width: 6,
            height: 1,
            ..Default::default()
        };
        // SAFETY: valid args.
        unsafe { virgl_renderer_resource_create_coherent(&a) }
    };
    let map = |handle| {
        let (mut p, mut n) = (std::ptr::null_mut::<c_void>(), 0u64);
        // SAFETY: valid out-pointers.
        unsafe { virgl_renderer_resource_map(handle, &mut p, &mut n) }
    };
    assert_eq!(coherent(1), 0);
    assert_eq!(map(1), 0);
    virgl_renderer_resource_unref(1);
    assert_eq!(coherent(1), -libc::EINVAL, "handle 1 is still mapped");
    assert_eq!(map(1), -libc::EINVAL, "nothing new to map");
    assert_eq!(virgl_renderer_resource_unmap(1), 0);
    assert_eq!(virgl_renderer_resource_unmap(1), -libc::EINVAL);
    assert_eq!(coherent(1), 0, "free after unmap");
}
