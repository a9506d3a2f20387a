//! The renderer as the server drives it: init and cleanup (the calls `ffi/` makes for a
//! VMM, through `virglrenderer::internal::server`), implicit fences for
//! RESOURCE_BUSY_WAIT, the render node of `--rendernode`, and the capsets.

use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use virglrenderer::internal::error::{Error, Result};
use virglrenderer::internal::server::{
    capset_host, capset_info, config, fill_caps, lock, retire_fences, submit, with, InitFlags,
    InitKey, Renderer, Retired, VmmFences, VmmGl,
};

/// The implicit fences: one after every SUBMIT_CMD (upstream's scheme); a client's work is
/// busy while the newest one has not retired.
#[derive(Default)]
pub struct Fences {
    submitted: AtomicU32,
    completed: AtomicU32,
}

impl VmmFences for Fences {
    fn write_fence(&self, fence_id: u32) {
        self.completed.store(fence_id, Ordering::SeqCst);
    }
    fn write_context_fence(&self, _ctx_id: u32, _ring_idx: u32, _fence_id: u64) {}
}

/// `--rendernode DEV`: the DRM node the GL backend opens first (the VMM's `get_drm_fd`).
struct RenderNode(Option<String>);

impl VmmGl for RenderNode {
    fn has_gl_contexts(&self) -> bool {
        false
    }
    fn create_context(&self, _: u32, _: bool, _: i32, _: i32) -> Option<usize> {
        None
    }
    fn destroy_context(&self, _: usize) {}
    fn make_current(&self, _: u32, _: usize) -> Option<i32> {
        None
    }
    fn egl_display(&self) -> Option<usize> {
        None
    }
    fn take_drm_fd(&self) -> Option<OwnedFd> {
        let path = self.0.as_ref()?;
        match std::fs::OpenOptions::new().read(true).write(true).open(path) {
            Ok(f) => Some(f.into()),
            Err(e) => {
                log::warn!("--rendernode {path}: {e}; the library searches the nodes itself");
                None
            }
        }
    }
}

/// The renderer of this process (one per process, as the library's state is global).
pub struct Render {
    fences: Arc<Fences>,
}

impl Render {
    /// Initialises the renderer (the GL backend, or the CPU backend where GL cannot start).
    /// `use_gles`: an OpenGL ES context (`--use-gles`, upstream's `VIRGL_RENDERER_USE_GLES`).
    pub fn init(rendernode: Option<String>, use_gles: bool) -> Result<Render> {
        let fences = Arc::new(Fences::default());
        let mut g = lock();
        if g.is_some() {
            return Err(Error::inval("renderer already initialised in this process"));
        }
        let flags = InitFlags {
            use_egl: true,
            use_gles,
            thread_sync: false,
            async_fence_cb: false,
            no_virgl: false,
        };
        let key = InitKey { cookie: 1, flags: 0, cbs: 0 };
        let gl: Box<dyn VmmGl> = Box::new(RenderNode(rendernode));
        let vmm: Arc<dyn VmmFences> = fences.clone();
        *g = Some(Renderer::new(key, flags, vmm, Some(gl))?);
        Ok(Render { fences })
    }

    /// Executes a command buffer in context `ctx` and queues the implicit fence behind it,
    /// under one hold of the renderer lock (no other client's work between the two), then
    /// retires the fences whose work is done. Retiring here, not only in BUSY_WAIT, keeps
    /// the renderer's list of pending fences as short as the work in flight: a client that
    /// submits without ever waiting (most fuzz inputs; a hostile client) grew it by one
    /// entry per SUBMIT_CMD for the life of the process.
    ///
    /// A command stream the library rejects is not a server failure: the outer `Ok` holds
    /// the library's verdict (logged by the caller), and the fence is queued all the same,
    /// so that the client's next RESOURCE_BUSY_WAIT or SYNC wait returns. Upstream's server
    /// and QEMU ignore a rejected stream in the same way (the vtest protocol has no reply to
    /// SUBMIT_CMD; the library keeps the context's error state). `Err` is the server's own
    /// failure to queue the fence.
    pub fn submit(&self, ctx: u32, words: &[u32]) -> Result<Result<()>> {
        let verdict = with(|r| {
            let verdict = submit(r, ctx, words);
            // Counted once queued: a fence that failed to queue would leave the client busy.
            let id = self.fences.submitted.load(Ordering::SeqCst).wrapping_add(1);
            r.push_fence(Retired::Global(id))?;
            self.fences.submitted.store(id, Ordering::SeqCst);
            Ok(verdict)
        })?;
        retire_fences(None, false);
        Ok(verdict)
    }

    /// Whether submitted work is still running; with `wait`, waits until it is done.
    pub fn busy(&self, wait: bool) -> bool {
        loop {
            retire_fences(None, false);
            let busy = self.fences.completed.load(Ordering::SeqCst)
                != self.fences.submitted.load(Ordering::SeqCst);
            if !busy || !wait {
                return busy;
            }
            let point = lock().as_ref().and_then(|r| r.fences.first_unsignaled());
            match point {
                // Waits without the renderer lock; the next retire reports the fence.
                Some(p) => {
                    p.wait(10_000_000);
                }
                None => std::thread::sleep(Duration::from_micros(200)),
            }
        }
    }
}

impl Drop for Render {
    /// Destroys every context and resource and uninitialises the renderer.
    fn drop(&mut self) {
        let taken = lock().take();
        if let Some(mut r) = taken {
            if let Some(t) = r.fence_thread.take() {
                t.stop();
            }
            r.destroy_all();
        }
    }
}

/// Capset `id` at `version` (`None`: not served, or version above the highest), built
/// from the live backend's limits.
pub fn capset(id: u32, version: u32) -> Option<Vec<u8>> {
    let (serves, limits) = capset_host();
    let (max_version, size) = capset_info(id, serves);
    if (max_version == 0 && size == 0) || version > max_version {
        return None;
    }
    fill_caps(id, version, limits.as_ref(), config().caps_level)
}
