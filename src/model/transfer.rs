//! Transfer geometry: pure code, no GL, shared by every backend.
//!
//! A transfer moves the texels of a box of one mip level between the guest's iovec gather
//! and the host storage. [`plan`] validates the request exactly as upstream does (box inside
//! the level, strides large enough, the gather long enough; all arithmetic checked in u64)
//! and returns a [`Plan`]; [`Layout`] places rows in a linear byte space (the guest gather,
//! or a backend's linear storage) and [`for_each_run`] walks matching byte runs of two
//! layouts, merging rows and layers when both sides are dense.

use crate::error::{Error, Result};
use crate::model::format::FormatInfo;
use crate::model::resource::{ResourceDesc, Target};
use libc::EINVAL;

/// The box of a transfer as the guest sent it (`struct virgl_box`: six u32).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RawBox {
    pub x: u32,
    pub y: u32,
    pub z: u32,
    pub w: u32,
    pub h: u32,
    pub d: u32,
}

/// A validated box inside one level (all values non-negative and in bounds).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Box3 {
    pub x: u32,
    pub y: u32,
    pub z: u32,
    pub w: u32,
    pub h: u32,
    pub d: u32,
}

/// Where rows live in a linear byte space: the first texel of the box is at `offset`; row
/// `r` of layer `l` starts at `offset + l * layer_stride + r * stride`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    pub offset: u64,
    pub stride: u64,
    pub layer_stride: u64,
}

impl Layout {
    /// Byte offset of `row` (in block rows) of `layer`. Cannot overflow for a layout that
    /// came out of [`plan`] or [`linear_layout`] (their extents were checked).
    #[inline]
    pub fn row_offset(&self, layer: u64, row: u64) -> u64 {
        self.offset + layer * self.layer_stride + row * self.stride
    }
}

/// A validated transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    pub level: u32,
    pub bx: Box3,
    /// Bytes in one row of blocks of the box.
    pub row_bytes: u64,
    /// Rows of blocks in the box.
    pub rows: u64,
    /// Layers (3D slices, array layers, cube faces) in the box.
    pub layers: u64,
    /// The box in the guest gather.
    pub guest: Layout,
    /// Bytes from `guest.offset` to the end of the box's last row in the gather.
    pub guest_span: u64,
}

impl Plan {
    /// True when the box holds no texel (a zero width, height or depth): nothing to copy.
    pub fn is_empty(&self) -> bool {
        self.row_bytes == 0 || self.rows == 0 || self.layers == 0
    }
    /// Bytes the box holds, packed.
    pub fn packed_size(&self) -> u64 {
        self.row_bytes * self.rows * self.layers
    }
    /// Layout of the box packed tightly (rows of `row_bytes`), starting at 0.
    pub fn packed_layout(&self) -> Layout {
        Layout { offset: 0, stride: self.row_bytes, layer_stride: self.row_bytes * self.rows }
    }
}

/// Width, height and depth (layers for arrays and cubes) of `level` for bounds checks.
pub fn level_extent(desc: &ResourceDesc, level: u32) -> (u32, u32, u32) {
    let minify = |v: u32| (v >> level.min(31)).max(1);
    match desc.target {
        Target::Buffer => (desc.width, 1, 1),
        Target::Tex1D => (minify(desc.width), 1, 1),
        Target::Tex1DArray => (minify(desc.width), 1, desc.array_size),
        Target::Tex2D | Target::Rect => (minify(desc.width), minify(desc.height), 1),
        Target::Tex2DArray | Target::Cube | Target::CubeArray => {
            (minify(desc.width), minify(desc.height), desc.array_size)
        }
        Target::Tex3D => (minify(desc.width), minify(desc.height), minify(desc.depth)),
    }
}

/// Validates a transfer of `raw` at `level` against `desc` and a gather of `iov_size` bytes.
///
/// Upstream's rules: `level <= last_level`; the box (reinterpreted as signed, so values
/// ≥ 2³¹ are negative and rejected) lies inside the level; a non-zero `stride` is at least a
/// row of the box and a non-zero `layer_stride` at least `stride × rows`, zero meaning the
/// level's own; the gather holds `offset + span` bytes. Every failure is `EINVAL`.
pub fn plan(
    desc: &ResourceDesc,
    level: u32,
    stride: u32,
    layer_stride: u32,
    raw: RawBox,
    offset: u64,
    iov_size: u64,
) -> Result<Plan> {
    let fmt = desc.texel_format();
    if level > desc.last_level {
        return Err(Error::inval(format!("level {level} past last_level {}", desc.last_level)));
    }
    if desc.nr_samples > 1 {
        return Err(Error::inval("transfers to multisample resources are not supported"));
    }
    let (lw, lh, ld) = level_extent(desc, level);
    let bx = check_box(raw, lw, lh, ld)?;
    check_block_alignment(fmt, &bx, lw, lh)?;

    let row_bytes = fmt.stride(bx.w);
    let rows = fmt.nblocksy(bx.h);
    let layers = bx.d as u64;

    let stride = if stride != 0 {
        let stride = stride as u64;
        if stride < row_bytes {
            return Err(Error::inval(format!("stride {stride} < row size {row_bytes}")));
        }
        stride
    } else {
        fmt.stride(lw)
    };
    let layer_stride = if layer_stride != 0 {
        let ls = layer_stride as u64;
        let need = crate::error::mul(stride, rows, "layer size")?;
        if ls < need {
            return Err(Error::inval(format!("layer_stride {ls} < layer size {need}")));
        }
        ls
    } else {
        crate::error::mul(stride, fmt.nblocksy(lh), "layer size")?
    };

    // Span of the box in the gather (w/h/d of zero count as one, like upstream).
    let span = (layers.max(1) - 1) as u128 * layer_stride as u128
        + (rows.max(1) - 1) as u128 * stride as u128
        + fmt.stride(bx.w.max(1)) as u128;
    let end = offset as u128 + span;
    if end > iov_size as u128 {
        return Err(Error::new(
            EINVAL,
            format!("iovecs hold {iov_size} bytes, transfer needs offset {offset} + {span}"),
        ));
    }
    Ok(Plan {
        level,
        bx,
        row_bytes,
        rows,
        layers,
        guest: Layout { offset, stride, layer_stride },
        guest_span: span as u64,
    })
}

fn check_box(raw: RawBox, lw: u32, lh: u32, ld: u32) -> Result<Box3> {
    let (x, y, z) = (raw.x as i32 as i64, raw.y as i32 as i64, raw.z as i32 as i64);
    let (w, h, d) = (raw.w as i32 as i64, raw.h as i32 as i64, raw.d as i32 as i64);
    let ok = |o: i64, s: i64, bound: u32| o >= 0 && s >= 0 && o + s <= bound as i64;
    if !(ok(x, w, lw) && ok(y, h, lh) && ok(z, d, ld)) {
        return Err(Error::inval(format!(
            "box {{x {}, y {}, z {}, w {}, h {}, d {}}} outside level {lw}x{lh}x{ld}",
            x, y, z, w, h, d
        )));
    }
    Ok(Box3 { x: raw.x, y: raw.y, z: raw.z, w: raw.w, h: raw.h, d: raw.d })
}

fn check_block_alignment(fmt: &FormatInfo, bx: &Box3, lw: u32, lh: u32) -> Result<()> {
    let (bw, bh) = (fmt.block_width, fmt.block_height);
    if bw == 1 && bh == 1 {
        return Ok(());
    }
    let aligned = |o: u32, s: u32, b: u32, bound: u32| o % b == 0 && (s % b == 0 || o + s == bound);
    if !(aligned(bx.x, bx.w, bw, lw) && aligned(bx.y, bx.h, bh, lh)) {
        return Err(Error::inval(format!(
            "box not aligned to the {bw}x{bh} blocks of {}",
            fmt.name
        )));
    }
    Ok(())
}

/// Geometry of one level in a linear storage that packs levels one after another, each
/// level's layers one after another, rows at the level's natural stride.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LevelLayout {
    pub offset: u64,
    pub stride: u64,
    pub layer_stride: u64,
    pub layers: u64,
}

/// Byte layout of every level of `desc` in linear storage, and the total size. Checked:
/// fails with `EINVAL` when the size does not fit u64 (never for validated descriptions).
pub fn linear_levels(desc: &ResourceDesc) -> Result<(Vec<LevelLayout>, u64)> {
    let fmt = desc.texel_format();
    let mut levels = Vec::with_capacity(desc.last_level as usize + 1);
    let mut total: u64 = 0;
    for level in 0..=desc.last_level {
        let (w, h, d) = level_extent(desc, level);
        let stride = fmt.stride(w);
        let layer_stride = crate::error::mul(stride, fmt.nblocksy(h), "layer size")?;
        let size = crate::error::mul(layer_stride, d as u64, "level size")?;
        levels.push(LevelLayout { offset: total, stride, layer_stride, layers: d as u64 });
        total = crate::error::add(total, size, "resource size")?;
    }
    Ok((levels, total))
}

/// Layout of `plan`'s box inside linear storage whose level is `lvl`.
pub fn linear_layout(fmt: &FormatInfo, lvl: &LevelLayout, bx: &Box3) -> Layout {
    let bx_x = (bx.x / fmt.block_width) as u64 * fmt.block_bytes as u64;
    let bx_y = (bx.y / fmt.block_height) as u64;
    Layout {
        offset: lvl.offset + bx.z as u64 * lvl.layer_stride + bx_y * lvl.stride + bx_x,
        stride: lvl.stride,
        layer_stride: lvl.layer_stride,
    }
}

/// Splits a single-layer box of texel rows (block height 1) into bands of consecutive rows
/// of at most `max_bytes` packed bytes each (at least one row per band), top to bottom; each
/// band is a plan of its own (its box, rows, guest offset and span), so the bands together
/// move exactly the bytes `plan` moves. Any other plan comes back whole, as one band.
/// Backends use it to keep a gather and the upload that follows within the CPU cache.
pub fn row_bands(plan: &Plan, block_height: u32, max_bytes: u64) -> impl Iterator<Item = Plan> {
    let whole = plan.is_empty() || plan.layers != 1 || block_height != 1;
    let per_band = if whole {
        plan.rows.max(1)
    } else {
        (max_bytes / plan.row_bytes.max(1)).clamp(1, plan.rows)
    };
    let p = *plan;
    let bands = if plan.is_empty() { 1 } else { plan.rows.div_ceil(per_band) };
    (0..bands).map(move |i| {
        if whole {
            return p;
        }
        let r0 = i * per_band;
        let n = per_band.min(p.rows - r0);
        // r0 + n <= rows <= the box height (u32), and the offsets lie inside the checked span.
        Plan {
            bx: Box3 { y: p.bx.y + r0 as u32, h: n as u32, ..p.bx },
            rows: n,
            guest: Layout { offset: p.guest.row_offset(0, r0), ..p.guest },
            guest_span: (n - 1) * p.guest.stride + p.row_bytes,
            ..p
        }
    })
}

/// Calls `f(a_offset, b_offset, len)` for every run of bytes the box occupies in layouts `a`
/// and `b`, in increasing order; rows (and layers) that are contiguous on both sides are
/// merged into one run.
pub fn for_each_run(plan: &Plan, a: &Layout, b: &Layout, mut f: impl FnMut(u64, u64, u64)) {
    if plan.is_empty() {
        return;
    }
    let rb = plan.row_bytes;
    let rows_dense = a.stride == rb && b.stride == rb;
    if rows_dense {
        let layer_bytes = rb * plan.rows;
        if (a.layer_stride == layer_bytes && b.layer_stride == layer_bytes) || plan.layers == 1 {
            f(a.offset, b.offset, layer_bytes * plan.layers);
            return;
        }
        for l in 0..plan.layers {
            f(a.row_offset(l, 0), b.row_offset(l, 0), layer_bytes);
        }
        return;
    }
    for l in 0..plan.layers {
        for r in 0..plan.rows {
            f(a.row_offset(l, r), b.row_offset(l, r), rb);
        }
    }
}
