//! The scale child: many live 1-byte buffers on the CPU backend.

use crate::api::{bx, iov_of, Lib, R};
use crate::memory::Rng;
use crate::workloads::{emit, library_workloads, rate, Cfg};
use crate::{BIND_VERTEX_BUFFER, PIPE_BUFFER, VIRGL_FORMAT_R8_UNORM};

pub(crate) fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    // SAFETY: sysconf has no memory-safety preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(1) as u64;
    pages * page
}

/// Bytes malloc has handed out and not got back (glibc's mallinfo2).
pub(crate) fn malloc_in_use() -> u64 {
    // SAFETY: mallinfo2 has no preconditions; it returns a plain struct.
    let m = unsafe { libc::mallinfo2() };
    (m.uordblks + m.hblkhd) as u64
}

/// Scale: many live 1-byte buffers on the CPU backend: host overhead per resource (measured
/// first, in a fresh process), lookup time, and W1–W5 with them alive vs without.
pub(crate) fn scale(lib: &Lib, cfg: Cfg, count: u32) -> R {
    const FIRST: u32 = 100_000;
    let mut one = [0x5Au8; 1];
    let mut one_iov = [iov_of(&mut one)];
    let mut rng = Rng(99);
    // Lookup: a 1-byte write to a random live resource (one live before, `count` after).
    let mut lookup = |lib: &Lib, n: u32, rng: &mut Rng| -> Result<f64, String> {
        const OPS: u32 = 4096;
        let handles: Vec<u32> = (0..OPS).map(|_| FIRST + rng.below(n as u64) as u32).collect();
        let per_s = rate(cfg, OPS as f64, || {
            for &h in &handles {
                lib.write_from(h, bx(0, 0, 1, 1), &mut one_iov)?;
            }
            Ok(())
        })?;
        Ok(1e9 / per_s)
    };
    let small = |h| lib.create(h, PIPE_BUFFER, VIRGL_FORMAT_R8_UNORM, BIND_VERTEX_BUFFER, 1, 1, 0);
    small(FIRST)?;
    emit("scale.lookup_ns.1", lookup(lib, 1, &mut rng)?, "ns");
    let (rss0, heap0) = (rss_bytes(), malloc_in_use());
    for i in 1..count {
        small(FIRST + i)?;
    }
    let (rss1, heap1) = (rss_bytes(), malloc_in_use());
    let n = (count - 1) as f64;
    emit("scale.count", count as f64, "resources");
    emit("scale.rss_bytes_per_resource", (rss1 as f64 - rss0 as f64 - n) / n, "bytes");
    emit("scale.heap_bytes_per_resource", (heap1 as f64 - heap0 as f64 - n) / n, "bytes");
    emit(&format!("scale.lookup_ns.{count}"), lookup(lib, count, &mut rng)?, "ns");
    library_workloads(lib, cfg, "alive.", false)?;
    for i in 0..count {
        lib.unref(FIRST + i);
    }
    library_workloads(lib, cfg, "", false)
}
