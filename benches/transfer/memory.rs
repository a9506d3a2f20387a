//! Guest memory: deterministic data, the shuffled 4 KiB pages of a scattered guest buffer,
//! and copies the optimiser cannot drop.

use crate::api::iov_of;
use crate::{FB_H, FB_W, FRAME, PAGE, RECT, RECTS};
use std::hint::black_box;
use virglrenderer::ffi::iovec;

/// xorshift64*: deterministic shuffles and positions.
pub(crate) struct Rng(pub(crate) u64);
impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A frame in guest RAM as scattered 4 KiB pages, in shuffled order, out of a pool twice the
/// frame's size (so the pages are neither contiguous nor in address order).
pub(crate) struct Scattered {
    pub(crate) _pool: Vec<u8>,
    pub(crate) iovs: Vec<iovec>,
}

impl Scattered {
    pub(crate) fn new(seed: u64) -> Scattered {
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
    pub(crate) fn clear(&mut self) {
        for v in &self.iovs {
            // SAFETY: each iovec is one live page of the pool, not otherwise borrowed now.
            unsafe { std::ptr::write_bytes(v.iov_base as *mut u8, 0, PAGE) };
        }
    }

    /// Copies `dst.len()` bytes of the frame from offset `off` (guest order) into `dst`.
    pub(crate) fn read_at(&self, mut off: usize, dst: &mut [u8]) {
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
    pub(crate) fn gather(&self) -> Vec<u8> {
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

pub(crate) fn fill(b: &mut [u8], seed: u64) {
    let mut r = Rng(seed | 1);
    for c in b.chunks_mut(8) {
        let v = r.next().to_le_bytes();
        c.copy_from_slice(&v[..c.len()]);
    }
}

/// 64 rectangle origins inside the frame, deterministic.
pub(crate) fn rects() -> Vec<(u32, u32)> {
    let mut r = Rng(0x5eed);
    (0..RECTS)
        .map(|_| {
            (r.below((FB_W - RECT + 1) as u64) as u32, r.below((FB_H - RECT + 1) as u64) as u32)
        })
        .collect()
}

/// `dst.copy_from_slice(src)` that the optimiser cannot drop or hoist out of a loop.
pub(crate) fn copy(dst: &mut [u8], src: &[u8]) {
    let n = dst.len().min(src.len());
    let d = black_box(dst.as_mut_ptr());
    let s = black_box(src.as_ptr());
    // SAFETY: both pointers come from live slices of at least `n` bytes that do not overlap
    // (one is borrowed mutably, the other shared).
    unsafe { std::ptr::copy_nonoverlapping(s, d, n) };
}

pub(crate) fn checksum(b: &[u8]) -> u64 {
    b.chunks_exact(8)
        .fold(0u64, |a, c| a.wrapping_add(u64::from_le_bytes(c.try_into().unwrap_or([0; 8]))))
}
