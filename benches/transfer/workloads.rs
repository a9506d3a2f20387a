//! The workloads W1–W7 a child runs (against a library, or plain memcpy) and their timing.

use crate::api::{bx, iov_of, rc, Lib, R};
use crate::memory::{checksum, copy, fill, rects, Scattered};
use crate::{
    res_flags, BIND_RENDER_TARGET, BIND_VERTEX_BUFFER, BPP, BUF_BYTES, FB_H, FB_W, FRAME, PAGE,
    PIPE_BUFFER, PIPE_TEXTURE_2D, RECT, RECTS, SMALL, STRIDE, VIRGL_FORMAT_B8G8R8A8_UNORM,
    VIRGL_FORMAT_R8_UNORM,
};
use std::ffi::c_void;
use std::hint::black_box;
use std::time::{Duration, Instant};
use virglrenderer::ffi::virgl_renderer_resource_create_coherent_args;

#[derive(Clone, Copy)]
pub(crate) struct Cfg {
    pub(crate) quick: bool,
    pub(crate) budget: Duration,
    /// `--focus W`: only workload W runs for the budget, the others as in quick mode (for
    /// profiling one workload with perf).
    pub(crate) focus: Option<&'static str>,
}

impl Cfg {
    /// The settings for workload `w`.
    pub(crate) fn on(self, w: &str) -> Cfg {
        if self.focus.is_some_and(|f| f != w) {
            Cfg { quick: true, ..self }
        } else {
            self
        }
    }
}

/// Runs `f` once to warm up, then until the budget is spent (at least 3 times, at most 10000
/// in full mode; 2 times in quick mode) and returns `units` divided by the median time.
pub(crate) fn rate(cfg: Cfg, units: f64, mut f: impl FnMut() -> R) -> Result<f64, String> {
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

pub(crate) fn emit(key: &str, v: f64, unit: &str) {
    println!("RESULT {key} {v} {unit}");
}

pub(crate) const MB: f64 = 1e6;

// ---- the children ---------------------------------------------------------------------------

/// W1–W7 against a library (ours or upstream's). `prefix` names the keys ("" or "alive.").
pub(crate) fn library_workloads(lib: &Lib, cfg: Cfg, prefix: &str, with_w6_w7: bool) -> R {
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

pub(crate) fn w6(lib: &Lib, cfg: Cfg, prefix: &str) -> R {
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
pub(crate) fn w7(lib: &Lib, cfg: Cfg, prefix: &str) -> R {
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
pub(crate) fn memcpy_workloads(cfg: Cfg) -> R {
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
