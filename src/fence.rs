//! Fences. Every operation of the current backends completes before its API call returns,
//! so a fence is signalled as soon as it is created; what remains is delivering it the way
//! the VMM asked: from `virgl_renderer_poll` (default), with an eventfd that becomes
//! readable (`THREAD_SYNC`), or from our own thread (`THREAD_SYNC | ASYNC_FENCE_CB`).

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// A signalled fence waiting to be reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retired {
    /// ctx-0 fence: `write_fence(cookie, id)`.
    Global(u32),
    /// Per-context fence: `write_context_fence(cookie, ctx, ring_idx, id)`.
    Context { ctx_id: u32, ring_idx: u32, fence_id: u64, mergeable: bool },
}

/// Fences created and not yet reported, in creation order.
#[derive(Default)]
pub struct FenceQueue {
    pending: Vec<Retired>,
}

impl FenceQueue {
    pub fn push(&mut self, f: Retired) {
        self.pending.push(f);
    }

    pub fn clear_context(&mut self, ctx_id: u32) {
        self.pending.retain(|f| !matches!(f, Retired::Context { ctx_id: c, .. } if *c == ctx_id));
    }

    pub fn clear(&mut self) {
        self.pending.clear();
    }

    /// Takes the fences to report (all, or one context's), applying merging: of ctx-0
    /// fences only the newest is reported (they are mergeable, as upstream's); of a
    /// context's fences on one ring, a mergeable fence followed by a newer one on the same
    /// context and ring is skipped.
    pub fn take(&mut self, only_ctx: Option<u32>) -> Vec<Retired> {
        let (taken, kept): (Vec<_>, Vec<_>) = self.pending.drain(..).partition(|f| match f {
            Retired::Global(_) => only_ctx.is_none(),
            Retired::Context { ctx_id, .. } => only_ctx.is_none_or(|c| c == *ctx_id),
        });
        self.pending = kept;
        let mut out: Vec<Retired> = Vec::with_capacity(taken.len());
        if let Some(last) = taken.iter().rev().find(|f| matches!(f, Retired::Global(_))) {
            out.push(*last);
        }
        let ctx: Vec<Retired> =
            taken.into_iter().filter(|f| !matches!(f, Retired::Global(_))).collect();
        for (i, f) in ctx.iter().enumerate() {
            if let Retired::Context { ctx_id, ring_idx, mergeable: true, .. } = f {
                let newer_same_ring = ctx[i + 1..].iter().any(|g| {
                    matches!(g, Retired::Context { ctx_id: c, ring_idx: r, .. } if c == ctx_id && r == ring_idx)
                });
                if newer_same_ring {
                    continue;
                }
            }
            out.push(*f);
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

/// An eventfd that is readable while fences wait to be retired.
pub struct EventFd(OwnedFd);

impl EventFd {
    pub fn new() -> std::io::Result<Self> {
        // SAFETY: plain syscall with constant flags.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: fd was just created and is owned by nobody else.
        Ok(EventFd(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    pub fn raw(&self) -> i32 {
        self.0.as_raw_fd()
    }

    /// Makes the fd readable.
    pub fn signal(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a valid u64 to our eventfd.
        unsafe { libc::write(self.0.as_raw_fd(), (&one as *const u64).cast(), 8) };
    }

    /// Consumes the readiness (non-blocking).
    pub fn drain(&self) {
        let mut v: u64 = 0;
        // SAFETY: reads 8 bytes into a valid u64 from our non-blocking eventfd.
        unsafe { libc::read(self.0.as_raw_fd(), (&mut v as *mut u64).cast(), 8) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging() {
        let mut q = FenceQueue::default();
        q.push(Retired::Global(1));
        q.push(Retired::Context { ctx_id: 1, ring_idx: 0, fence_id: 10, mergeable: true });
        q.push(Retired::Global(2));
        q.push(Retired::Context { ctx_id: 1, ring_idx: 0, fence_id: 11, mergeable: true });
        q.push(Retired::Context { ctx_id: 1, ring_idx: 1, fence_id: 12, mergeable: false });
        q.push(Retired::Context { ctx_id: 2, ring_idx: 0, fence_id: 5, mergeable: true });
        let only2 = q.take(Some(2));
        assert_eq!(
            only2,
            vec![Retired::Context { ctx_id: 2, ring_idx: 0, fence_id: 5, mergeable: true }]
        );
        let all = q.take(None);
        assert_eq!(
            all,
            vec![
                Retired::Global(2),
                Retired::Context { ctx_id: 1, ring_idx: 0, fence_id: 11, mergeable: true },
                Retired::Context { ctx_id: 1, ring_idx: 1, fence_id: 12, mergeable: false },
            ]
        );
        assert!(q.is_empty());
    }

    #[test]
    fn eventfd_readiness() {
        let e = EventFd::new().unwrap();
        let mut p = libc::pollfd { fd: e.raw(), events: libc::POLLIN, revents: 0 };
        // SAFETY: one valid pollfd.
        assert_eq!(unsafe { libc::poll(&mut p, 1, 0) }, 0);
        e.signal();
        // SAFETY: as above.
        assert_eq!(unsafe { libc::poll(&mut p, 1, 0) }, 1);
        e.drain();
        p.revents = 0;
        // SAFETY: as above.
        assert_eq!(unsafe { libc::poll(&mut p, 1, 0) }, 0);
    }
}
