//! Fences. A fence is signalled when the work submitted before it is done: immediately on
//! the CPU backend (every operation completes before its call returns), when the GL
//! backend's sync point (an EGL fence sync after that work) has signalled on the GL
//! backend. Signalled fences retire in creation order and are delivered the way the VMM
//! asked: from `virgl_renderer_poll` (default), with an eventfd that becomes readable
//! (`THREAD_SYNC`), or from our own thread (`THREAD_SYNC | ASYNC_FENCE_CB`).

use crate::backend::SyncPoint;
use crate::renderer::lock;
use std::sync::{Arc, Condvar, Mutex};

/// The VMM's fence callbacks (`write_fence`, `write_context_fence`), as `ffi/` wraps them.
/// Called without the renderer lock, from the VMM's thread (`poll`) or ours
/// (`ASYNC_FENCE_CB`); a callback the VMM did not give does nothing.
pub trait VmmFences: Send + Sync {
    /// A ctx-0 fence signalled.
    fn write_fence(&self, fence_id: u32);
    /// A per-context fence signalled.
    fn write_context_fence(&self, ctx_id: u32, ring_idx: u32, fence_id: u64);
}

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

/// The thread behind `THREAD_SYNC`: it waits for the backend's sync points and then
/// reports the fences itself (`ASYNC_FENCE_CB`) or makes the poll fd readable.
pub struct FenceThread {
    wake: Arc<(Mutex<(bool, bool)>, Condvar)>,
    handle: Option<std::thread::JoinHandle<()>>,
}

/// How long the fence thread waits on one sync point before looking again (it also wakes
/// on every new fence and on stop).
const SYNC_WAIT_NS: u64 = 50_000_000;

impl FenceThread {
    pub(super) fn start(deliver: bool) -> std::io::Result<Self> {
        let wake: Arc<(Mutex<(bool, bool)>, Condvar)> = Arc::default();
        let w = Arc::clone(&wake);
        let handle =
            std::thread::Builder::new().name("virgl-shim-fence".into()).spawn(move || loop {
                {
                    let (m, cv) = &*w;
                    let mut g = m.lock().unwrap_or_else(|e| e.into_inner());
                    while !g.0 && !g.1 {
                        g = cv.wait(g).unwrap_or_else(|e| e.into_inner());
                    }
                    if g.1 {
                        return;
                    }
                    g.0 = false;
                }
                // Wait, without the renderer lock, until no queued work is running.
                loop {
                    let next = lock().as_ref().and_then(|r| r.fences.first_unsignaled());
                    let Some(sync) = next else { break };
                    sync.wait(SYNC_WAIT_NS);
                    if w.0.lock().unwrap_or_else(|e| e.into_inner()).1 {
                        return;
                    }
                }
                if deliver {
                    retire_fences(None, true);
                } else if let Some(r) = lock().as_ref() {
                    if let Some(fd) = r.poll_fd.as_ref().filter(|_| r.fences.any_ready()) {
                        fd.signal();
                    }
                }
            })?;
        Ok(FenceThread { wake, handle: Some(handle) })
    }

    pub(super) fn notify(&self) {
        let (m, cv) = &*self.wake;
        m.lock().unwrap_or_else(|e| e.into_inner()).0 = true;
        cv.notify_one();
    }

    /// Stops and joins the thread (call without holding the renderer lock).
    pub fn stop(mut self) {
        let (m, cv) = &*self.wake;
        m.lock().unwrap_or_else(|e| e.into_inner()).1 = true;
        cv.notify_one();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Reports signalled fences to the VMM: takes them under the lock, calls back without it
/// (the VMM may call into the library from its callback). `from_thread` marks the call from
/// the ASYNC_FENCE_CB thread; `virgl_renderer_poll` leaves fences to that thread.
pub fn retire_fences(only_ctx: Option<u32>, from_thread: bool) {
    let (fences, vmm) = {
        let mut state = lock();
        let Some(r) = state.as_mut() else { return };
        // With ASYNC_FENCE_CB only our thread reports fences.
        if r.delivers_async != from_thread {
            return;
        }
        if let Some(fd) = &r.poll_fd {
            fd.drain();
        }
        let taken = r.fences.take(only_ctx);
        // Readable again if more are ready (the thread signals those that finish later).
        if let Some(fd) = r.poll_fd.as_ref().filter(|_| r.fences.any_ready()) {
            fd.signal();
        }
        (taken, Arc::clone(&r.vmm))
    };
    for f in fences {
        match f {
            Retired::Global(id) => vmm.write_fence(id),
            Retired::Context { ctx_id, ring_idx, fence_id, .. } => {
                vmm.write_context_fence(ctx_id, ring_idx, fence_id)
            }
        }
    }
    if !from_thread {
        // The VMM (before polling, or in its fence callbacks) may have made its own GL
        // context current on this thread: check again before the next GL call.
        if let Some(r) = lock().as_mut() {
            r.backend.forget_current();
        }
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
}
