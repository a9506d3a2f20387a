//! Fences. A fence is signalled when the work submitted before it is done: immediately on
//! the CPU backend (every operation completes before its call returns), when the GL
//! backend's sync point (an EGL fence sync after that work) has signalled on the GL
//! backend. Signalled fences retire in creation order and are delivered the way the VMM
//! asked: from `virgl_renderer_poll` (default), with an eventfd that becomes readable
//! (`THREAD_SYNC`), or from our own thread (`THREAD_SYNC | ASYNC_FENCE_CB`).

use crate::backend::SyncPoint;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::Arc;

/// A signalled fence waiting to be reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retired {
    /// ctx-0 fence: `write_fence(cookie, id)`.
    Global(u32),
    /// Per-context fence: `write_context_fence(cookie, ctx, ring_idx, id)`.
    Context { ctx_id: u32, ring_idx: u32, fence_id: u64, mergeable: bool },
}

/// One fence and, on backends whose work can still be running, the point it waits for.
struct Pending {
    fence: Retired,
    sync: Option<Arc<dyn SyncPoint>>,
}

/// Fences created and not yet reported, in creation order.
#[derive(Default)]
pub struct FenceQueue {
    pending: Vec<Pending>,
}

impl FenceQueue {
    /// Queues a fence; `sync` is `None` when its work is already done.
    pub fn push(&mut self, fence: Retired, sync: Option<Arc<dyn SyncPoint>>) {
        self.pending.push(Pending { fence, sync });
    }

    pub fn clear_context(&mut self, ctx_id: u32) {
        self.pending
            .retain(|p| !matches!(p.fence, Retired::Context { ctx_id: c, .. } if c == ctx_id));
    }

    /// The sync point of the oldest fence whose work is not done yet (for a thread to wait
    /// on without holding the renderer lock).
    pub fn first_unsignaled(&self) -> Option<Arc<dyn SyncPoint>> {
        self.pending.iter().filter_map(|p| p.sync.as_ref()).find(|s| !s.wait(0)).cloned()
    }

    /// True when at least one fence could be retired now.
    pub fn any_ready(&self) -> bool {
        self.pending.first().is_some_and(|p| p.sync.as_ref().is_none_or(|s| s.wait(0)))
    }

    pub fn clear(&mut self) {
        self.pending.clear();
    }

    /// Takes the fences to report (all, or one context's), applying merging: of ctx-0
    /// fences only the newest is reported (they are mergeable, as upstream's); of a
    /// context's fences on one ring, a mergeable fence followed by a newer one on the same
    /// context and ring is skipped.
    ///
    /// Only signalled fences are taken, in order: the first fence whose work is still
    /// running holds back every later one (all work runs in submission order).
    pub fn take(&mut self, only_ctx: Option<u32>) -> Vec<Retired> {
        let mut blocked = false;
        let mut taken = Vec::new();
        let mut kept = Vec::new();
        for p in self.pending.drain(..) {
            let wanted = match p.fence {
                Retired::Global(_) => only_ctx.is_none(),
                Retired::Context { ctx_id, .. } => only_ctx.is_none_or(|c| c == ctx_id),
            };
            if !blocked && !p.sync.as_ref().is_none_or(|s| s.wait(0)) {
                blocked = true;
            }
            if wanted && !blocked {
                taken.push(p.fence);
            } else {
                kept.push(p);
            }
        }
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
        q.push(Retired::Global(1), None);
        q.push(Retired::Context { ctx_id: 1, ring_idx: 0, fence_id: 10, mergeable: true }, None);
        q.push(Retired::Global(2), None);
        q.push(Retired::Context { ctx_id: 1, ring_idx: 0, fence_id: 11, mergeable: true }, None);
        q.push(Retired::Context { ctx_id: 1, ring_idx: 1, fence_id: 12, mergeable: false }, None);
        q.push(Retired::Context { ctx_id: 2, ring_idx: 0, fence_id: 5, mergeable: true }, None);
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

    struct Flag(std::sync::atomic::AtomicBool);
    impl SyncPoint for Flag {
        fn wait(&self, _timeout_ns: u64) -> bool {
            self.0.load(std::sync::atomic::Ordering::SeqCst)
        }
    }

    #[test]
    fn unsignaled_work_holds_back_later_fences() {
        let flag = Arc::new(Flag(false.into()));
        let mut q = FenceQueue::default();
        q.push(Retired::Global(1), None);
        q.push(Retired::Global(2), Some(flag.clone()));
        q.push(Retired::Context { ctx_id: 1, ring_idx: 0, fence_id: 7, mergeable: false }, None);
        assert!(q.any_ready());
        assert_eq!(q.take(None), vec![Retired::Global(1)]);
        assert!(!q.any_ready());
        assert!(q.first_unsignaled().is_some());
        assert!(q.take(Some(1)).is_empty(), "ctx fence behind unfinished work");
        flag.0.store(true, std::sync::atomic::Ordering::SeqCst);
        assert!(q.first_unsignaled().is_none());
        assert_eq!(
            q.take(None),
            vec![
                Retired::Global(2),
                Retired::Context { ctx_id: 1, ring_idx: 0, fence_id: 7, mergeable: false }
            ]
        );
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
