//! Exhaustive tests of the pure transfer geometry (`virglrenderer::transfer`) against a
//! naive per-block reference model: every small box, stride, layer stride and offset of
//! several formats and targets is planned both ways, and the byte pairs `for_each_run`
//! visits are compared with the reference's.

use virglrenderer::internal::format::{self, FormatInfo, Kind};
use virglrenderer::internal::resource::{ResourceDesc, Target};
use virglrenderer::internal::transfer::{self, Box3, Layout, Plan, RawBox};

const fn fmt(id: u32, name: &'static str, bw: u32, bh: u32, bytes: u32, kind: Kind) -> FormatInfo {
    FormatInfo {
        id,
        name,
        kind,
        block_width: bw,
        block_height: bh,
        block_bytes: bytes,
        drm_fourcc: 0,
        gl: None,
    }
}

// Stand-ins used only when the table lacks a format of that block geometry (`plan` is
// generic over the geometry; numbers outside the table).
static F2: FormatInfo = fmt(9002, "TEST_16BPP", 1, 1, 2, Kind::Color);
static F8: FormatInfo = fmt(9008, "TEST_64BPP", 1, 1, 8, Kind::Color);
static F16: FormatInfo = fmt(9016, "TEST_128BPP", 1, 1, 16, Kind::Color);
static BC8: FormatInfo = fmt(9108, "TEST_BC1_4x4x8", 4, 4, 8, Kind::Compressed);
static BC16: FormatInfo = fmt(9116, "TEST_BC3_4x4x16", 4, 4, 16, Kind::Compressed);

/// The table's first format with this block geometry, else `fallback`.
fn pick(bw: u32, bh: u32, bytes: u32, fallback: &'static FormatInfo) -> &'static FormatInfo {
    format::all()
        .iter()
        .find(|f| (f.block_width, f.block_height, f.block_bytes) == (bw, bh, bytes))
        .unwrap_or(fallback)
}

fn r8() -> &'static FormatInfo {
    format::lookup(format::R8_UNORM).unwrap()
}
fn bgra() -> &'static FormatInfo {
    format::lookup(format::B8G8R8A8_UNORM).unwrap()
}

/// 1, 2, 4, 8 and 16 bytes per texel, plus every other uncompressed size in the table.
fn uncompressed() -> Vec<&'static FormatInfo> {
    let mut v = vec![r8(), pick(1, 1, 2, &F2), bgra(), pick(1, 1, 8, &F8), pick(1, 1, 16, &F16)];
    for f in format::all() {
        if f.block_width == 1
            && f.block_height == 1
            && !v.iter().any(|g| g.block_bytes == f.block_bytes)
        {
            v.push(f);
        }
    }
    v
}

/// 4x4 blocks of 8 and 16 bytes, plus every other block geometry in the table.
fn compressed() -> Vec<&'static FormatInfo> {
    let mut v = vec![pick(4, 4, 8, &BC8), pick(4, 4, 16, &BC16)];
    for f in format::all() {
        let geom = |g: &FormatInfo| (g.block_width, g.block_height, g.block_bytes);
        if (f.block_width, f.block_height) != (1, 1) && !v.iter().any(|g| geom(g) == geom(f)) {
            v.push(f);
        }
    }
    v
}

#[allow(clippy::too_many_arguments)]
fn desc(
    target: Target,
    f: &'static FormatInfo,
    w: u32,
    h: u32,
    d: u32,
    array_size: u32,
    last_level: u32,
) -> ResourceDesc {
    ResourceDesc {
        handle: 1,
        target,
        format: f,
        bind: 0,
        width: w,
        height: h,
        depth: d,
        array_size,
        last_level,
        nr_samples: 0,
        flags: 0,
    }
}

// ---- reference model -------------------------------------------------------------------

/// The texel geometry of `d`: buffers are bytes whatever format they name.
fn ref_fmt(d: &ResourceDesc) -> (u64, u64, u64) {
    if d.target == Target::Buffer {
        (1, 1, 1)
    } else {
        (d.format.block_width as u64, d.format.block_height as u64, d.format.block_bytes as u64)
    }
}

fn ref_extent(d: &ResourceDesc, level: u32) -> (u64, u64, u64) {
    let m = |v: u32| if level >= 32 { 1 } else { ((v as u64) >> level).max(1) };
    match d.target {
        Target::Buffer => (d.width as u64, 1, 1),
        Target::Tex1D => (m(d.width), 1, 1),
        Target::Tex2D | Target::Rect => (m(d.width), m(d.height), 1),
        Target::Tex3D => (m(d.width), m(d.height), m(d.depth)),
        Target::Tex1DArray => (m(d.width), 1, d.array_size as u64),
        Target::Tex2DArray | Target::Cube | Target::CubeArray => {
            (m(d.width), m(d.height), d.array_size as u64)
        }
    }
}

fn div_up(a: u64, b: u64) -> u64 {
    a.div_ceil(b)
}

/// (offset, stride, layer_stride) of each level in packed linear storage, and the total.
fn ref_levels(d: &ResourceDesc) -> (Vec<(u64, u64, u64, u64)>, u64) {
    let (bw, bh, bb) = ref_fmt(d);
    let mut off = 0u64;
    let mut v = vec![];
    for l in 0..=d.last_level {
        let (w, h, n) = ref_extent(d, l);
        let stride = div_up(w, bw) * bb;
        let ls = stride * div_up(h, bh);
        v.push((off, stride, ls, n));
        off += ls * n;
    }
    (v, off)
}

#[derive(Clone, Copy, Debug)]
struct Case {
    level: u32,
    stride: u32,
    layer_stride: u32,
    raw: RawBox,
    offset: u64,
    iov_size: u64,
}

/// The plan upstream's rules give, or None when the transfer must be rejected.
fn ref_plan(d: &ResourceDesc, c: &Case) -> Option<Plan> {
    if c.level > d.last_level || d.nr_samples > 1 {
        return None;
    }
    let (lw, lh, ld) = ref_extent(d, c.level);
    let s = |v: u32| v as i32 as i64;
    let inside = |o: u32, n: u32, bound: u64| s(o) >= 0 && s(n) >= 0 && s(o) + s(n) <= bound as i64;
    let b = c.raw;
    if !(inside(b.x, b.w, lw) && inside(b.y, b.h, lh) && inside(b.z, b.d, ld)) {
        return None;
    }
    let (bw, bh, bb) = ref_fmt(d);
    let edge_ok = |o: u32, n: u32, blk: u64, bound: u64| {
        o as u64 % blk == 0 && (n as u64 % blk == 0 || (o + n) as u64 == bound)
    };
    if !(edge_ok(b.x, b.w, bw, lw) && edge_ok(b.y, b.h, bh, lh)) {
        return None;
    }
    let row_bytes = div_up(b.w as u64, bw) * bb;
    let rows = div_up(b.h as u64, bh);
    let layers = b.d as u64;
    let stride = if c.stride == 0 { div_up(lw, bw) * bb } else { c.stride as u64 };
    if stride < row_bytes {
        return None;
    }
    let layer_stride =
        if c.layer_stride == 0 { stride * div_up(lh, bh) } else { c.layer_stride as u64 };
    if layer_stride < stride * rows {
        return None;
    }
    let span = (layers.max(1) - 1) as u128 * layer_stride as u128
        + (rows.max(1) - 1) as u128 * stride as u128
        + (div_up(b.w.max(1) as u64, bw) * bb) as u128;
    if c.offset as u128 + span > c.iov_size as u128 {
        return None;
    }
    Some(Plan {
        level: c.level,
        bx: Box3 { x: b.x, y: b.y, z: b.z, w: b.w, h: b.h, d: b.d },
        row_bytes,
        rows,
        layers,
        guest: Layout { offset: c.offset, stride, layer_stride },
        guest_span: span as u64,
    })
}

/// Merges sorted (guest, host, len) runs that continue each other on both sides.
fn merge(runs: &[(u64, u64, u64)]) -> Vec<(u64, u64, u64)> {
    let mut out: Vec<(u64, u64, u64)> = vec![];
    for &(g, h, n) in runs {
        match out.last_mut() {
            Some(last) if last.0 + last.2 == g && last.1 + last.2 == h => last.2 += n,
            _ => out.push((g, h, n)),
        }
    }
    out
}

/// Byte runs of every block of the box: guest byte of block (bx, by, layer) is
/// `offset + layer*layer_stride + by*stride + bx*bpp`, host byte from the linear levels.
fn ref_runs(d: &ResourceDesc, p: &Plan) -> Vec<(u64, u64, u64)> {
    let (bw, bh, bb) = ref_fmt(d);
    let (lvls, _) = ref_levels(d);
    let (loff, lstride, lls, _) = lvls[p.level as usize];
    let b = p.bx;
    let mut runs = vec![];
    for layer in 0..b.d as u64 {
        for by in 0..div_up(b.h as u64, bh) {
            for bx in 0..div_up(b.w as u64, bw) {
                let g =
                    p.guest.offset + layer * p.guest.layer_stride + by * p.guest.stride + bx * bb;
                let h = loff
                    + (b.z as u64 + layer) * lls
                    + (b.y as u64 / bh + by) * lstride
                    + (b.x as u64 / bw + bx) * bb;
                runs.push((g, h, bb));
            }
        }
    }
    merge(&runs)
}

/// Runs `for_each_run` visits; checks they are non-empty and strictly increasing and
/// non-overlapping on both sides (so merged runs equal the set of byte pairs).
fn lib_runs(d: &ResourceDesc, p: &Plan) -> Vec<(u64, u64, u64)> {
    let (lvls, total) = transfer::linear_levels(d).expect("linear_levels");
    let host = transfer::linear_layout(d.texel_format(), &lvls[p.level as usize], &p.bx);
    let mut runs = vec![];
    transfer::for_each_run(p, &p.guest, &host, |g, h, n| runs.push((g, h, n)));
    for w in runs.windows(2) {
        assert!(w[0].0 + w[0].2 <= w[1].0, "guest runs overlap or go backwards: {runs:?}");
        assert!(w[0].1 + w[0].2 <= w[1].1, "host runs overlap or go backwards: {runs:?}");
    }
    for r in &runs {
        assert!(r.2 > 0, "empty run {r:?}");
        assert!(r.1 + r.2 <= total, "host run {r:?} past storage of {total} bytes");
        assert!(r.0 + r.2 <= p.guest.offset + p.guest_span, "guest run {r:?} past the span");
    }
    merge(&runs)
}

/// Checks `plan` against the reference for `c`; returns whether it was accepted.
fn check(d: &ResourceDesc, c: &Case, compare_runs: bool) -> bool {
    let want = ref_plan(d, c);
    let got = transfer::plan(d, c.level, c.stride, c.layer_stride, c.raw, c.offset, c.iov_size);
    match (&want, &got) {
        (None, Err(e)) => {
            assert_eq!(e.errno, libc::EINVAL, "{d:?} {c:?}: wrong errno");
            false
        }
        (Some(w), Ok(g)) => {
            assert_eq!(w, g, "{:?} {c:?}: plan differs", d.target);
            assert_eq!(g.is_empty(), c.raw.w == 0 || c.raw.h == 0 || c.raw.d == 0);
            if compare_runs {
                let (rr, lr) = (ref_runs(d, g), lib_runs(d, g));
                assert_eq!(rr, lr, "{:?} fmt {} {c:?}: byte runs differ", d.target, d.format.name);
            }
            true
        }
        (None, Ok(g)) => {
            panic!("{:?} fmt {} {c:?}: accepted, want rejection: {g:?}", d.target, d.format.name)
        }
        (Some(_), Err(e)) => panic!(
            "{:?} fmt {} {c:?}: rejected ({}), want acceptance",
            d.target, d.format.name, e.msg
        ),
    }
}

/// Every box with each coordinate and size in `0..=bound+1` at every level (and one past
/// the last), with 0 / exact / larger / too-small strides and layer strides, two offsets,
/// and iov sizes exact, one short and larger. Returns (valid boxes, all boxes).
fn exhaust(d: &ResourceDesc) -> (u64, u64) {
    let (bw, bh, bb) = ref_fmt(d);
    let (mut acc, mut total) = (0u64, 0u64);
    let mut k = 0u64;
    for level in 0..=d.last_level + 1 {
        let (lw, lh, ld) = ref_extent(d, level.min(d.last_level));
        let r =
            |b: u64| (0..=b as u32 + 1).flat_map(move |o| (0..=b as u32 + 1).map(move |n| (o, n)));
        for (x, w) in r(lw) {
            for (y, h) in r(lh) {
                for (z, dd) in r(ld) {
                    let raw = RawBox { x, y, z, w, h, d: dd };
                    let base = Case {
                        level,
                        stride: 0,
                        layer_stride: 0,
                        raw,
                        offset: 0,
                        iov_size: u64::MAX,
                    };
                    total += 1;
                    k += 1;
                    if ref_plan(d, &base).is_none() {
                        // Rejected whatever the strides: one check.
                        assert!(!check(d, &base, false));
                        continue;
                    }
                    acc += 1;
                    let row = div_up(w as u64, bw) * bb;
                    let rows = div_up(h as u64, bh);
                    let mut strides = vec![0u64, row, row + 3];
                    if row > 0 {
                        strides.push(row - 1);
                    }
                    for &st in &strides {
                        let res_st = if st == 0 { div_up(lw, bw) * bb } else { st };
                        let exact = res_st * rows;
                        let mut lss = vec![0u64, exact, exact + 7];
                        if exact > 0 {
                            lss.push(exact - 1);
                        }
                        for &ls in &lss {
                            for offset in [0u64, 13] {
                                let mut c = Case {
                                    level,
                                    stride: st as u32,
                                    layer_stride: ls as u32,
                                    raw,
                                    offset,
                                    iov_size: u64::MAX,
                                };
                                let Some(p) = ref_plan(d, &c) else {
                                    assert!(!check(d, &c, false));
                                    continue;
                                };
                                let need = offset + p.guest_span;
                                c.iov_size = need;
                                k += 1;
                                // Byte runs for a rotating subset (they do not depend on
                                // the iov size), plans for all.
                                assert!(check(d, &c, k % 3 == 0 || offset == 0 && ls == 0));
                                c.iov_size = need - 1;
                                assert!(!check(d, &c, false), "one byte short accepted");
                                c.iov_size = need + 100;
                                assert!(check(d, &c, false));
                            }
                        }
                    }
                }
            }
        }
    }
    (acc, total)
}

fn check_levels(d: &ResourceDesc) {
    let (want, wtotal) = ref_levels(d);
    let (got, gtotal) = transfer::linear_levels(d).unwrap();
    assert_eq!(wtotal, gtotal, "{d:?}");
    let got: Vec<_> = got.iter().map(|l| (l.offset, l.stride, l.layer_stride, l.layers)).collect();
    assert_eq!(want, got, "{d:?}");
}

fn run_all(descs: &[ResourceDesc]) {
    for d in descs {
        check_levels(d);
        let (acc, total) = exhaust(d);
        assert!(acc > 0 && total > acc, "{d:?}: {acc} accepted of {total} boxes");
    }
}

#[test]
fn buffers() {
    let mut v = vec![];
    for f in [r8(), bgra(), pick(1, 1, 16, &F16)] {
        for w in [1, 5, 9] {
            v.push(desc(Target::Buffer, f, w, 1, 1, 1, 0));
        }
    }
    run_all(&v);
}

#[test]
fn tex_1d_and_1d_array() {
    let mut v = vec![];
    for f in uncompressed() {
        v.push(desc(Target::Tex1D, f, 5, 1, 1, 1, 1));
        v.push(desc(Target::Tex1D, f, 1, 1, 1, 1, 0));
        v.push(desc(Target::Tex1DArray, f, 5, 1, 1, 3, 1));
    }
    run_all(&v);
}

#[test]
fn tex_2d_and_rect() {
    let mut v = vec![];
    for f in uncompressed() {
        v.push(desc(Target::Tex2D, f, 5, 5, 1, 1, 1));
        v.push(desc(Target::Tex2D, f, 3, 2, 1, 1, 1));
        v.push(desc(Target::Tex2D, f, 1, 1, 1, 1, 0));
        v.push(desc(Target::Rect, f, 4, 3, 1, 1, 0));
    }
    run_all(&v);
}

#[test]
fn tex_3d() {
    let mut v = vec![];
    for f in uncompressed() {
        v.push(desc(Target::Tex3D, f, 5, 3, 3, 1, 1));
        v.push(desc(Target::Tex3D, f, 2, 2, 2, 1, 1));
    }
    run_all(&v);
}

#[test]
fn cubes_and_2d_arrays() {
    let mut v = vec![];
    for f in uncompressed() {
        v.push(desc(Target::Cube, f, 3, 3, 1, 6, 1));
        v.push(desc(Target::Tex2DArray, f, 4, 3, 1, 3, 1));
        v.push(desc(Target::CubeArray, f, 2, 2, 1, 12, 1));
    }
    run_all(&v);
}

#[test]
fn compressed_blocks() {
    let mut v = vec![];
    let fmts = compressed();
    eprintln!("compressed geometries: {:?}", fmts.iter().map(|f| f.name).collect::<Vec<_>>());
    for f in fmts {
        v.push(desc(Target::Tex2D, f, 8, 8, 1, 1, 1));
        v.push(desc(Target::Tex2D, f, 6, 5, 1, 1, 1));
        v.push(desc(Target::Tex2DArray, f, 4, 6, 1, 2, 1));
        v.push(desc(Target::Tex3D, f, 5, 4, 2, 1, 1));
    }
    run_all(&v);
}

#[test]
fn multisample_rejected() {
    let mut d = desc(Target::Tex2D, bgra(), 4, 4, 1, 1, 0);
    d.nr_samples = 4;
    let bx = RawBox { x: 0, y: 0, z: 0, w: 1, h: 1, d: 1 };
    assert!(transfer::plan(&d, 0, 0, 0, bx, 0, 1 << 20).is_err());
    d.nr_samples = 1;
    assert!(transfer::plan(&d, 0, 0, 0, bx, 0, 1 << 20).is_ok());
}

fn plan_err(d: &ResourceDesc, level: u32, st: u32, ls: u32, b: [u32; 6], off: u64, iov: u64) {
    let raw = RawBox { x: b[0], y: b[1], z: b[2], w: b[3], h: b[4], d: b[5] };
    let r = transfer::plan(d, level, st, ls, raw, off, iov);
    assert_eq!(
        r.map_err(|e| e.errno),
        Err(libc::EINVAL),
        "{b:?} level {level} st {st} ls {ls} off {off} iov {iov}"
    );
}

#[test]
fn huge_box_values_rejected() {
    let d = desc(Target::Tex3D, bgra(), 8, 8, 8, 1, 0);
    let big = [1u32 << 31, (1 << 31) + 1, u32::MAX - 1, u32::MAX, i32::MAX as u32];
    for field in 0..6 {
        for &v in &big {
            let mut b = [0, 0, 0, 1, 1, 1];
            b[field] = v;
            plan_err(&d, 0, 0, 0, b, 0, u64::MAX);
        }
    }
    // x + w wrapping u32 / i32, and the sum just past the bound.
    plan_err(&d, 0, 0, 0, [1, 0, 0, u32::MAX, 1, 1], 0, u64::MAX);
    plan_err(&d, 0, 0, 0, [i32::MAX as u32, 0, 0, i32::MAX as u32, 1, 1], 0, u64::MAX);
    plan_err(&d, 0, 0, 0, [0, 7, 0, 1, 2, 1], 0, u64::MAX);
    plan_err(&d, 0, 0, 0, [0, 0, 8, 1, 1, 1], 0, u64::MAX);
    // level past last_level, including "negative" levels.
    for level in [1, 2, 31, 32, u32::MAX, 1 << 31] {
        plan_err(&d, level, 0, 0, [0, 0, 0, 1, 1, 1], 0, u64::MAX);
    }
    // d > 1 on 2D-ish targets.
    for t in [Target::Tex2D, Target::Rect, Target::Tex1D] {
        let d2 = desc(t, bgra(), 4, if t == Target::Tex1D { 1 } else { 4 }, 1, 1, 0);
        plan_err(&d2, 0, 0, 0, [0, 0, 0, 1, 1, 2], 0, u64::MAX);
        plan_err(&d2, 0, 0, 0, [0, 0, 1, 1, 1, 1], 0, u64::MAX);
    }
    // Buffers: y/z must stay in the single row.
    let b = desc(Target::Buffer, r8(), 64, 1, 1, 1, 0);
    plan_err(&b, 0, 0, 0, [0, 1, 0, 1, 1, 1], 0, u64::MAX);
    plan_err(&b, 0, 0, 0, [0, 0, 0, 1, 2, 1], 0, u64::MAX);
    plan_err(&b, 0, 0, 0, [60, 0, 0, 5, 1, 1], 0, u64::MAX);
}

#[test]
fn big_strides_use_64_bit_sizes() {
    // A 16384x16384 RGBA32F-sized 2D array with 2048 layers: level 0 is 8 TiB.
    let d = desc(Target::Tex2DArray, &F16, 16384, 16384, 1, 2048, 0);
    check_levels(&d);
    let full = RawBox { x: 0, y: 0, z: 0, w: 16384, h: 16384, d: 2048 };
    let p = transfer::plan(&d, 0, 0, 0, full, 0, u64::MAX).unwrap();
    let want_span = 16384u64 * 16 * 16384 * 2048;
    assert_eq!(p.guest_span, want_span);
    assert_eq!(p.guest.layer_stride, 16384 * 16 * 16384); // 4 GiB: beyond u32
    plan_err(&d, 0, 0, 0, [0, 0, 0, 16384, 16384, 2048], 0, want_span - 1);
    plan_err(&d, 0, 0, 0, [0, 0, 0, 16384, 16384, 2048], 1, want_span);
    // Any explicit (u32) layer stride is smaller than a 4 GiB layer.
    plan_err(&d, 0, 0, u32::MAX, [0, 0, 0, 16384, 16384, 2], 0, u64::MAX);

    // stride * rows past u32 and layer_stride * d past u32, exact in u64.
    let b = RawBox { x: 0, y: 0, z: 0, w: 16384, h: 16384, d: 3 };
    let p = transfer::plan(&d, 0, u32::MAX, 0, b, 0, u64::MAX).unwrap();
    let ls = u32::MAX as u64 * 16384;
    assert_eq!(p.guest.layer_stride, ls);
    let span = 2 * ls + 16383 * u32::MAX as u64 + 16384 * 16;
    assert_eq!(p.guest_span, span);
    // Offset near u64::MAX: exact end accepted, one more rejected, no wrap.
    let off = u64::MAX - span;
    let p = transfer::plan(&d, 0, u32::MAX, 0, b, off, u64::MAX).unwrap();
    assert_eq!(p.guest.offset, off);
    let mut last = 0u64;
    let mut n = 0u64;
    // for_each_run on such a plan must not overflow (rows at the far end of u64).
    let host = Layout { offset: 0, stride: 16384 * 16, layer_stride: 16384 * 16 * 16384 };
    let one_row = RawBox { x: 0, y: 16383, z: 2, w: 16384, h: 1, d: 1 };
    let p1 = transfer::plan(&d, 0, u32::MAX, 0, one_row, u64::MAX - 16384 * 16, u64::MAX).unwrap();
    transfer::for_each_run(&p1, &p1.guest, &host, |g, _, len| {
        last = g + len;
        n += 1;
    });
    assert_eq!((n, last), (1, u64::MAX));
    plan_err(&d, 0, u32::MAX, 0, [0, 0, 0, 16384, 16384, 3], off + 1, u64::MAX);
    plan_err(&d, 0, u32::MAX, 0, [0, 0, 0, 16384, 16384, 3], u64::MAX, u64::MAX);
    plan_err(&d, 0, 0, 0, [0, 0, 0, 1, 1, 1], u64::MAX, u64::MAX);
    // Layer stride u32::MAX times d: explicit strides that are large enough.
    let small = desc(Target::Tex2DArray, &F16, 4, 4, 1, 2048, 0);
    let b = RawBox { x: 0, y: 0, z: 0, w: 4, h: 4, d: 2048 };
    let p = transfer::plan(&small, 0, 0, u32::MAX, b, 0, u64::MAX).unwrap();
    assert_eq!(p.guest_span, 2047 * u32::MAX as u64 + 3 * 64 + 64);
    plan_err(&small, 0, 0, u32::MAX, [0, 0, 0, 4, 4, 2048], 0, p.guest_span - 1);
}

#[test]
fn zero_size_boxes_are_empty_plans() {
    let d = desc(Target::Tex3D, bgra(), 4, 4, 4, 1, 0);
    for b in [[0, 0, 0, 0, 1, 1], [1, 1, 1, 1, 0, 1], [4, 4, 4, 0, 0, 0], [0, 0, 0, 4, 4, 0]] {
        let raw = RawBox { x: b[0], y: b[1], z: b[2], w: b[3], h: b[4], d: b[5] };
        let p = transfer::plan(&d, 0, 0, 0, raw, 0, 1 << 20).unwrap();
        assert!(p.is_empty());
        assert_eq!(p.packed_size(), 0);
        let mut called = false;
        transfer::for_each_run(&p, &p.guest, &p.packed_layout(), |_, _, _| called = true);
        assert!(!called);
    }
    // Upstream still wants one texel of gather for an empty box (w/h/d of 0 count as 1).
    plan_err(&d, 0, 0, 0, [0, 0, 0, 0, 0, 0], 0, 3);
}

/// `row_bands` partitions a box's rows into bands that move exactly the bytes the whole plan
/// moves (same guest/host byte pairs), each within the byte bound, top to bottom; plans it
/// does not split (several layers, block rows, empty) come back whole.
#[test]
fn row_bands_partition_the_box() {
    let mut checked = 0u64;
    for f in [r8(), bgra(), pick(1, 1, 16, &F16)] {
        let d = desc(Target::Tex2D, f, 7, 9, 1, 1, 0);
        let bpp = f.block_bytes;
        for (x, y, w, h) in [(0, 0, 7, 9), (1, 2, 3, 5), (6, 8, 1, 1), (2, 0, 5, 9), (0, 3, 7, 1)] {
            for stride in [0, w * bpp, w * bpp + 3, 7 * bpp, 64] {
                for offset in [0u64, 5, 100] {
                    let raw = RawBox { x, y, z: 0, w, h, d: 1 };
                    let Ok(p) = transfer::plan(&d, 0, stride, 0, raw, offset, 4096) else {
                        continue;
                    };
                    let whole = lib_runs(&d, &p);
                    for max in [0u64, 1, p.row_bytes, p.row_bytes * 2 + 1, p.row_bytes * 4, 1 << 20]
                    {
                        let bands: Vec<Plan> = transfer::row_bands(&p, 1, max).collect();
                        let mut runs = vec![];
                        let mut next_y = p.bx.y;
                        for b in &bands {
                            assert_eq!((b.bx.y, b.bx.x, b.bx.w), (next_y, p.bx.x, p.bx.w));
                            assert_eq!(b.rows, b.bx.h as u64);
                            assert!(b.rows >= 1 && b.layers == 1 && b.level == p.level);
                            assert!(b.packed_size() <= max.max(p.row_bytes), "{b:?} > {max}");
                            assert_eq!(b.guest.stride, p.guest.stride);
                            assert_eq!(b.guest_span, (b.rows - 1) * b.guest.stride + b.row_bytes);
                            assert!(b.guest.offset + b.guest_span <= p.guest.offset + p.guest_span);
                            next_y += b.bx.h;
                            runs.extend(lib_runs(&d, b));
                        }
                        assert_eq!(next_y, p.bx.y + p.bx.h, "bands do not cover the box");
                        assert_eq!(merge(&runs), whole, "{p:?} in bands of {max} bytes");
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 200, "only {checked} cases");
    // Not split: several layers, block rows, an empty box.
    let d = desc(Target::Tex2DArray, bgra(), 4, 4, 1, 3, 0);
    let raw = RawBox { x: 0, y: 0, z: 0, w: 4, h: 4, d: 3 };
    let p = transfer::plan(&d, 0, 0, 0, raw, 0, 4096).unwrap();
    assert_eq!(transfer::row_bands(&p, 1, 1).collect::<Vec<_>>(), vec![p]);
    let d = desc(Target::Tex2D, bgra(), 4, 8, 1, 1, 0);
    let raw = RawBox { x: 0, y: 0, z: 0, w: 4, h: 8, d: 1 };
    let p = transfer::plan(&d, 0, 0, 0, raw, 0, 4096).unwrap();
    assert_eq!(transfer::row_bands(&p, 4, 1).collect::<Vec<_>>(), vec![p]);
    let raw = RawBox { x: 0, y: 0, z: 0, w: 0, h: 8, d: 1 };
    let p = transfer::plan(&d, 0, 0, 0, raw, 0, 4096).unwrap();
    assert_eq!(transfer::row_bands(&p, 1, 1).collect::<Vec<_>>(), vec![p]);
}
