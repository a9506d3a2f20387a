//! Staging between guest memory and GL: the reused staging buffer, the box in GL's
//! coordinates (flipped resources), bands of rows, and the gather/scatter of packed rows.

use super::{usize_of, GlBackend};
use crate::error::{Error, Result};
use crate::model::resource::{flags, ResourceDesc, Target};
use crate::model::transfer::{self, Box3, Layout, Plan};
use crate::sys::iov::IovList;

/// A zeroed buffer, ENOMEM instead of an abort when memory runs out.
pub(super) fn zeroed(len: u64) -> Result<Vec<u8>> {
    let mut v = Vec::new();
    grow(&mut v, len)?;
    Ok(v)
}

/// Makes `v` at least `len` bytes long; only the new bytes are zeroed (once, when it grows),
/// so a reused buffer keeps earlier contents: callers overwrite what they use.
fn grow(v: &mut Vec<u8>, len: u64) -> Result<()> {
    let len = usize_of(len, "staging buffer")?;
    if v.len() < len {
        v.try_reserve_exact(len - v.len())
            .map_err(|_| Error::nomem(format!("cannot allocate {len} staging bytes")))?;
        v.resize(len, 0);
    }
    Ok(())
}

/// Staging buffers up to this size (a 4K BGRA frame fits) are kept for the next transfer;
/// larger ones are freed.
const KEEP_STAGING: usize = 32 << 20;

/// Gathered 2D uploads go in bands of rows of at most this many bytes, so that the upload
/// reads from the CPU cache what the gather just wrote (see `GlBackend::write_texture`).
const BAND_BYTES: u64 = 128 << 10;

/// Rows stored bottom-up (Y_0_TOP on an uncompressed 2D/RECT texture).
pub(super) fn flipped(desc: &ResourceDesc) -> bool {
    desc.flags & flags::Y_0_TOP != 0
        && !desc.format.is_compressed()
        && matches!(desc.target, Target::Tex2D | Target::Rect)
}

/// `plan` in bands of at most [`BAND_BYTES`] of rows for 2D textures, whole otherwise.
pub(super) fn bands(desc: &ResourceDesc, plan: &Plan) -> impl Iterator<Item = Plan> {
    let max = match desc.target {
        Target::Tex2D | Target::Rect => BAND_BYTES,
        _ => u64::MAX,
    };
    transfer::row_bands(plan, desc.format.block_height, max)
}

/// The box in GL's coordinates (y mirrored for flipped resources).
pub(super) fn gl_box(desc: &ResourceDesc, plan: &Plan) -> Box3 {
    let mut b = plan.bx;
    if flipped(desc) {
        let (_, lh, _) = transfer::level_extent(desc, plan.level);
        b.y = lh - b.y - b.h; // box inside the level: cannot underflow
    }
    b
}

/// Gathers the box from the guest into packed rows (bottom-up when `flip`); `buf` holds
/// exactly the packed box, and every byte of it is overwritten.
pub(super) fn gather(plan: &Plan, flip: bool, src: &IovList, buf: &mut [u8]) -> Result<()> {
    if buf.len() as u64 != plan.packed_size() {
        return Err(Error::inval("staging buffer does not match the box"));
    }
    let packed = plan.packed_layout();
    let mut res = Ok(());
    if flip {
        for l in 0..plan.layers {
            for r in 0..plan.rows {
                let g = plan.guest.row_offset(l, r);
                let h = packed.row_offset(l, plan.rows - 1 - r) as usize;
                res = res.and_then(|_| src.read(g, &mut buf[h..h + plan.row_bytes as usize]));
            }
        }
    } else {
        transfer::for_each_run(plan, &plan.guest, &packed, |g, h, n| {
            if res.is_ok() {
                res = src.read(g, &mut buf[h as usize..(h + n) as usize]);
            }
        });
    }
    res
}

/// Scatters the box from `buf` (rows at `host`, bottom-up when `flip`) to the guest.
pub(super) fn scatter(
    plan: &Plan,
    host: &Layout,
    flip: bool,
    buf: &[u8],
    dst: &IovList,
) -> Result<()> {
    let mut res = Ok(());
    let slice = |h: u64, n: u64| {
        buf.get(h as usize..(h + n) as usize)
            .ok_or_else(|| Error::inval("readback staging shorter than the box"))
    };
    if flip {
        for l in 0..plan.layers {
            for r in 0..plan.rows {
                let g = plan.guest.row_offset(l, r);
                let h = host.row_offset(l, plan.rows - 1 - r);
                res = res.and_then(|_| dst.write(g, slice(h, plan.row_bytes)?));
            }
        }
    } else {
        transfer::for_each_run(plan, &plan.guest, host, |g, h, n| {
            if res.is_ok() {
                res = slice(h, n).and_then(|s| dst.write(g, s));
            }
        });
    }
    res
}

/// Texel rows for an upload: `ptr` holds `len` readable bytes laid out with GL unpack
/// `row_len` (texels, 0 = packed) and `image_h` (rows, 0 = packed); cube faces are
/// `face_pitch` bytes apart.
pub(super) struct Src {
    pub(super) ptr: *const u8,
    pub(super) len: usize,
    pub(super) row_len: i32,
    pub(super) image_h: i32,
    pub(super) face_pitch: usize,
}

impl GlBackend {
    /// Takes the reusable staging buffer, at least `len` bytes long. Its bytes past those
    /// zeroed at growth may hold an earlier transfer's data: callers use only what they
    /// overwrite, then hand it back with [`Self::put_staging`].
    pub(super) fn take_staging(&mut self, len: u64) -> Result<Vec<u8>> {
        let mut v = std::mem::take(&mut self.staging);
        grow(&mut v, len)?;
        Ok(v)
    }

    /// Keeps `v` for the next transfer unless it is very large.
    pub(super) fn put_staging(&mut self, v: Vec<u8>) {
        if v.capacity() <= KEEP_STAGING {
            self.staging = v;
        }
    }
}
