//! Fence sync points of the GL backend: an EGL fence sync (EGL_KHR_fence_sync) after the
//! work submitted so far, waited on by the renderer's fence thread or checked by `poll`
//! without a current context. Where EGL syncs are not available (the VMM's own GL
//! contexts, a display without the extension), `glFinish` makes the work done before the
//! fence is queued instead.

use super::egl::Egl;
use crate::backend::SyncPoint;
use std::ffi::c_void;

const EGL_SYNC_FENCE_KHR: u32 = 0x30F9;
const EGL_CONDITION_SATISFIED_KHR: i32 = 0x30F6;
const EGL_NO_SYNC_KHR: *mut c_void = std::ptr::null_mut();

type CreateSync = unsafe extern "system" fn(*mut c_void, u32, *const i32) -> *mut c_void;
type ClientWaitSync = unsafe extern "system" fn(*mut c_void, *mut c_void, i32, u64) -> i32;
type DestroySync = unsafe extern "system" fn(*mut c_void, *mut c_void) -> u32;

/// The EGL_KHR_fence_sync entry points and the display they work on.
#[derive(Clone, Copy)]
pub(super) struct SyncFns {
    display: usize,
    create: CreateSync,
    wait: ClientWaitSync,
    destroy: DestroySync,
}

impl SyncFns {
    /// The entry points for `display`, `None` when the display lacks EGL_KHR_fence_sync.
    pub(super) fn load(egl: &Egl, display: khronos_egl::Display) -> Option<Self> {
        let exts = egl.query_string(Some(display), khronos_egl::EXTENSIONS).ok()?;
        if !exts.to_string_lossy().split(' ').any(|e| e == "EGL_KHR_fence_sync") {
            return None;
        }
        let get = |n: &str| egl.get_proc_address(n).map(|f| f as *const c_void);
        let (c, w, d) =
            (get("eglCreateSyncKHR")?, get("eglClientWaitSyncKHR")?, get("eglDestroySyncKHR")?);
        // SAFETY: the addresses come from eglGetProcAddress for exactly these names, whose
        // prototypes the types above spell out (EGL_KHR_fence_sync).
        unsafe {
            Some(SyncFns {
                display: display.as_ptr() as usize,
                create: std::mem::transmute::<*const c_void, CreateSync>(c),
                wait: std::mem::transmute::<*const c_void, ClientWaitSync>(w),
                destroy: std::mem::transmute::<*const c_void, DestroySync>(d),
            })
        }
    }

    /// A fence sync after the commands of the context current on this thread (the caller
    /// flushes them); `None` when EGL refuses.
    pub(super) fn fence(&self) -> Option<EglSync> {
        // SAFETY: valid display; a fence sync with no attributes in the current context.
        let sync = unsafe {
            (self.create)(self.display as *mut c_void, EGL_SYNC_FENCE_KHR, std::ptr::null())
        };
        (sync != EGL_NO_SYNC_KHR).then_some(EglSync { fns: *self, sync: sync as usize })
    }
}

/// One EGL fence sync; destroyed on drop.
pub(super) struct EglSync {
    fns: SyncFns,
    sync: usize,
}

// SAFETY: EGL sync objects may be waited on and destroyed from any thread (flags 0 needs no
// current context); the display outlives every sync (the renderer drops its fences before
// its backend).
unsafe impl Send for EglSync {}
// SAFETY: as above; `wait` takes no mutable state.
unsafe impl Sync for EglSync {}

impl SyncPoint for EglSync {
    fn wait(&self, timeout_ns: u64) -> bool {
        // SAFETY: our live sync on its display; flags 0 (no flush: the creator flushed).
        let r = unsafe {
            (self.fns.wait)(
                self.fns.display as *mut c_void,
                self.sync as *mut c_void,
                0,
                timeout_ns,
            )
        };
        r == EGL_CONDITION_SATISFIED_KHR
    }
}

impl Drop for EglSync {
    fn drop(&mut self) {
        // SAFETY: destroying our own sync once.
        unsafe { (self.fns.destroy)(self.fns.display as *mut c_void, self.sync as *mut c_void) };
    }
}
