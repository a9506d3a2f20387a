//! Transfer-geometry fuzzer: `transfer::plan` and `for_each_run` against a reference
//! model. For any description that validates and any box/level/strides/offset/gather
//! size: `plan` never panics and fails only with EINVAL; an accepted plan's box lies in the
//! level; every run lies inside [offset, offset + span) of the gather and inside the
//! level's bytes of the host storage; the runs are exactly the box's rows, in order.
#![no_main]

use arbitrary::Arbitrary;
use fuzz_common::Num;
use libfuzzer_sys::fuzz_target;
use virglrenderer::internal::backend::MaxSizes as Limits;
use virglrenderer::internal::resource::{CreateArgs, ResourceDesc};
use virglrenderer::internal::transfer::{self, RawBox};

#[derive(Debug, Arbitrary)]
struct Input {
    target: u8,
    format: u16,
    bind_sel: u8,
    w: Num,
    h: Num,
    d: Num,
    array_size: Num,
    last_level: Num,
    level: Num,
    stride: Num,
    layer_stride: Num,
    bx: [Num; 6],
    offset: u64,
    offset_small: bool,
    iov_size: u64,
}

/// Most rows the reference model enumerates (bigger boxes are checked for bounds only).
const MAX_ROWS: u64 = 1 << 16;

fn run(i: Input) {
    let binds = [0u32, 1 << 1, (1 << 3) | (1 << 1), 1 << 4, 1 << 16, 1 << 0];
    let args = CreateArgs {
        handle: 1,
        target: (i.target % 9) as u32,
        format: i.format as u32 % 500,
        bind: binds[i.bind_sel as usize % binds.len()],
        width: i.w.0,
        height: i.h.0,
        depth: i.d.0,
        array_size: i.array_size.0,
        last_level: i.last_level.0,
        nr_samples: 0,
        flags: 0,
    };
    let Ok(desc) = ResourceDesc::validate(&args, &Limits::default()) else { return };
    let raw = RawBox {
        x: i.bx[0].0,
        y: i.bx[1].0,
        z: i.bx[2].0,
        w: i.bx[3].0,
        h: i.bx[4].0,
        d: i.bx[5].0,
    };
    let offset = if i.offset_small { i.offset % 65536 } else { i.offset };
    let iov_size = if i.offset_small { i.iov_size % (1 << 32) } else { i.iov_size };
    let plan =
        match transfer::plan(&desc, i.level.0, i.stride.0, i.layer_stride.0, raw, offset, iov_size)
        {
            Ok(p) => p,
            Err(e) => {
                assert_eq!(e.errno, libc::EINVAL, "plan failed with {e}");
                return;
            }
        };
    let fmt = desc.texel_format();
    let (lw, lh, ld) = transfer::level_extent(&desc, plan.level);
    let bx = plan.bx;
    assert!(bx.x as u64 + bx.w as u64 <= lw as u64, "box x beyond the level");
    assert!(bx.y as u64 + bx.h as u64 <= lh as u64, "box y beyond the level");
    assert!(bx.z as u64 + bx.d as u64 <= ld as u64, "box z beyond the level");
    assert!(bx.x <= i32::MAX as u32 && bx.w <= i32::MAX as u32, "negative box accepted");
    let end = offset.checked_add(plan.guest_span).expect("offset + span overflows");
    assert!(
        end <= iov_size,
        "span {} at {offset} past the {iov_size}-byte gather",
        plan.guest_span
    );
    if plan.is_empty() {
        return;
    }

    let (levels, total) = transfer::linear_levels(&desc).expect("validated desc has a size");
    let lvl = levels[plan.level as usize];
    let lvl_end = lvl.offset + lvl.layer_stride * lvl.layers;
    assert!(lvl_end <= total);
    let host = transfer::linear_layout(fmt, &lvl, &bx);

    if plan.rows.saturating_mul(plan.layers) > MAX_ROWS {
        return;
    }
    // Reference: one entry per row of blocks, computed directly from the box.
    let bpp = fmt.block_bytes as u64;
    let mut expect = Vec::new();
    for l in 0..plan.layers {
        for r in 0..plan.rows {
            let g = offset + l * plan.guest.layer_stride + r * plan.guest.stride;
            let h = lvl.offset
                + (bx.z as u64 + l) * lvl.layer_stride
                + (bx.y / fmt.block_height) as u64 * lvl.stride
                + r * lvl.stride
                + (bx.x / fmt.block_width) as u64 * bpp;
            expect.push((g, h));
        }
    }
    let rb = plan.row_bytes;
    let mut next = 0usize;
    transfer::for_each_run(&plan, &plan.guest, &host, |g, h, n| {
        assert!(n > 0 && n % rb == 0, "run of {n} bytes, rows of {rb}");
        assert!(g >= offset && g + n <= end, "guest run {g}+{n} outside [{offset}, {end})");
        assert!(h >= lvl.offset && h + n <= lvl_end, "host run {h}+{n} outside the level");
        let (mut g, mut h, mut n) = (g, h, n);
        while n > 0 {
            let (eg, eh) = expect[next];
            assert_eq!((g, h), (eg, eh), "run does not match row {next}");
            next += 1;
            g += rb;
            h += rb;
            n -= rb;
        }
    });
    assert_eq!(next, expect.len(), "runs cover {next} of {} rows", expect.len());
    assert_eq!(rb * next as u64, plan.packed_size());
}

fuzz_target!(|input: Input| run(input));
