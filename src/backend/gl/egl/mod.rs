//! Where the GL context comes from, and keeping it current.
//!
//! Platforms, tried in this order:
//! 1. the VMM's EGL display (callbacks v4 `get_egl_display`) with the VMM's GL contexts;
//! 2. the VMM's GL contexts (`create_gl_context`/`make_current`, no `USE_EGL` flag), which is
//!    how QEMU with `-display sdl,gl=on` drives the library;
//! 3. GBM on a DRM node (`EGL_PLATFORM_GBM_KHR` with a `gbm_device`, see [`super::gbm`]):
//!    the VMM's `get_drm_fd` (callbacks ≥ v2; the library owns and closes that fd), else
//!    `/dev/dri/renderD*` in order; taken only with a hardware driver (a `kms_swrast` GBM
//!    display ranks with the other `kms_swrast` displays, as a last resort);
//! 4. an EGL device (`EGL_EXT_platform_device`) with a hardware driver;
//! 5. EGL surfaceless (`EGL_MESA_platform_surfaceless`), unless Mesa fell back to
//!    `kms_swrast` on a DRM node there;
//! 6. Mesa's software EGL device (`EGL_MESA_device_software`: llvmpipe, no DRM node);
//! 7. as a last resort, a `kms_swrast` display from 4 or 5.
//!
//! Each display is only taken once eglInitialize, context creation, eglMakeCurrent and a
//! `GL_RENDERER` query succeed on it; displays passed over are terminated when we were the
//! ones who initialised them. `VIRGL_SHIM_EGL_DEVICE=software` moves 6 to the front.
//! Platforms 4–7 make our own desktop GL core-profile context, or with [`Api::Gles`]
//! (`VIRGL_RENDERER_USE_GLES`) an OpenGL ES 3.x context (3.2, else 3.1, else 3.0); the
//! VMM's contexts (1, 2) are asked for at the same versions.
//!
//! Our own contexts are made current on whichever thread calls (a thread that finds the
//! main context current on another thread gets a context sharing its objects); the VMM's
//! context is made current through its callback when the VMM may have switched to its own
//! (`force_ctx_0`, poll, reset). Each virgl sub-context has a context of its own in the
//! same share group ([`subctx`]); every context has a slot number, and [`Want`] says which
//! one a GL call needs (a sub-context's, or any for resource work).
//!
//! The code is split by concern: [`platforms`] walks the platform order, [`probe`] tries
//! one display (initialise, context, `GL_RENDERER`, driver class), [`vmm`] takes the VMM's
//! contexts through the [`VmmGl`] trait (implemented over the C callbacks in `ffi::vmm`),
//! [`current`] keeps the context a call needs current on the calling thread, [`subctx`]
//! makes and destroys the sub-contexts' contexts, and [`epoxy`] has a host's
//! libepoxy resolve the entry points the host calls without a context (QEMU's reset).

mod current;
mod epoxy;
mod platforms;
mod probe;
mod subctx;
mod vmm;

pub use current::Want;

pub use vmm::VmmGl;

use crate::error::{Error, Result};
use khronos_egl as egl;
use std::ffi::c_void;
use std::thread::ThreadId;

/// The dynamically loaded libEGL.
pub(crate) type Egl = egl::DynamicInstance<egl::EGL1_4>;

/// Desktop GL versions asked for, best first (drivers return the newest compatible one).
const GL_VERSIONS: [(i32, i32); 4] = [(4, 5), (4, 3), (4, 0), (3, 3)];
/// OpenGL ES versions asked for with [`Api::Gles`], best first.
const GLES_VERSIONS: [(i32, i32); 3] = [(3, 2), (3, 1), (3, 0)];

/// Which client API our context speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Api {
    /// Desktop OpenGL, core profile (3.3 or newer).
    #[default]
    Gl,
    /// OpenGL ES 3.x (`VIRGL_RENDERER_USE_GLES`).
    Gles,
}

impl Api {
    /// The context versions asked for, best first.
    pub(crate) fn versions(self) -> &'static [(i32, i32)] {
        match self {
            Api::Gl => &GL_VERSIONS,
            Api::Gles => &GLES_VERSIONS,
        }
    }

    /// The EGL client API (`eglBindAPI`).
    pub(crate) fn egl_api(self) -> egl::Enum {
        match self {
            Api::Gl => egl::OPENGL_API,
            Api::Gles => egl::OPENGL_ES_API,
        }
    }

    /// For logs and errors.
    pub fn name(self) -> &'static str {
        match self {
            Api::Gl => "OpenGL",
            Api::Gles => "OpenGL ES",
        }
    }
}

enum Kind {
    /// Our own EGL context(s) on `display`; `contexts[0]` is the main one, the others share
    /// its objects. Each entry names the thread it was last made current on, and its slot
    /// (see [`Platform::active_slot`]; the main one's is [`MAIN_SLOT`]).
    Own {
        display: egl::Display,
        config: Option<egl::Config>,
        attribs: Vec<egl::Int>,
        /// The client API of `attribs` (bound per thread before a shared context is made).
        api: Api,
        contexts: Vec<(Option<ThreadId>, egl::Context, u32)>,
        /// The GBM device of a GBM-platform display: the display is terminated before it
        /// is destroyed.
        gbm: Option<super::gbm::Device>,
    },
    /// A context the VMM created for us, of GL `version` (asked for again for the
    /// sub-contexts' contexts).
    Vmm { vmm: Box<dyn VmmGl>, ctx: usize, version: (i32, i32) },
}

/// The slot of the main context (the VMM's first one, or our own `contexts[0]`).
pub const MAIN_SLOT: u32 = 0;

/// The EGL side of the GL backend: the platform, its context(s) and the GL loader.
pub(crate) struct Platform {
    /// Short platform name for logs.
    pub name: &'static str,
    egl: Option<Egl>,
    kind: Kind,
    gl_lib: Option<libloading::Library>,
    /// [`current::thread_token`] of the thread where our context was last made (or found) current,
    /// 0 when unknown. Like upstream, we assume our context stays current there until the
    /// VMM says otherwise with `virgl_renderer_force_ctx_0` (QEMU calls it before every
    /// command and after its own GL work), or until poll/reset ([`Self::forget_current`]).
    known_current: u64,
    /// The slot of the context made current last (on `known_current`'s thread while that
    /// is not 0): [`MAIN_SLOT`], a thread's shared context, or a sub-context's.
    active: u32,
    /// The contexts made for virgl sub-contexts ([`subctx`]), sharing the main one's objects.
    subs: Vec<subctx::SubGl>,
    /// The last slot handed out.
    last_slot: u32,
}

fn cstr_has(list: &str, ext: &str) -> bool {
    list.split_ascii_whitespace().any(|e| e == ext)
}

impl Platform {
    /// Picks a platform and makes its context current on the calling thread. `use_egl`
    /// passes over the VMM's contexts unless it gave its EGL display; `drm_fd` is the VMM's
    /// DRM fd ([`VmmGl::take_drm_fd`]), tried instead of the render nodes for GBM; `api`
    /// the client API of the contexts made or asked for.
    pub fn new(
        use_egl: bool,
        api: Api,
        vmm: Option<Box<dyn VmmGl>>,
        drm_fd: Option<&std::os::fd::OwnedFd>,
    ) -> Result<Self> {
        // SAFETY: loading libEGL.so.1 runs its initialisers; it is the system's EGL.
        let egl = match unsafe { Egl::load_required() } {
            Ok(e) => Some(e),
            Err(e) => {
                log::info!("cannot load libEGL.so.1: {e}");
                None
            }
        };
        if let Some(vmm) = vmm {
            match Self::vmm_platform(use_egl, api, &*vmm) {
                Ok(Some((name, ctx, version))) => {
                    let p = Platform {
                        name,
                        egl,
                        kind: Kind::Vmm { vmm, ctx, version },
                        gl_lib: None,
                        known_current: 0,
                        active: MAIN_SLOT,
                        subs: Vec::new(),
                        last_slot: MAIN_SLOT,
                    };
                    p.resolve_host_epoxy();
                    return Ok(p);
                }
                Ok(None) => {}
                Err(e) => log::warn!("VMM GL context unusable ({}); trying EGL", e.msg),
            }
        }
        let Some(egl) = egl else {
            return Err(Error::notsup("no libEGL.so.1 and no VMM GL context callbacks"));
        };
        let (name, display, config, attribs, ctx, gbm) = Self::own_platform(&egl, drm_fd, api)?;
        let contexts = vec![(None, ctx, MAIN_SLOT)];
        let kind = Kind::Own { display, config, attribs, api, contexts, gbm };
        let mut p = Platform {
            name,
            egl: Some(egl),
            kind,
            gl_lib: None,
            known_current: 0,
            active: MAIN_SLOT,
            subs: Vec::new(),
            last_slot: MAIN_SLOT,
        };
        p.make_current()?;
        p.resolve_host_epoxy();
        Ok(p)
    }

    /// For a renderer that makes no GL context of its own (the CPU backend) in a host whose
    /// UI draws through libepoxy (QEMU's GL displays): takes a context for a moment (the
    /// VMM's when it gives context callbacks, else our own EGL one), has libepoxy resolve
    /// the entry points of [`epoxy`] on it, and gives the context back. Nothing when
    /// libepoxy is not in the process (nothing is loaded then, not even libEGL). Without
    /// this, QEMU's reset can make libepoxy's first, context-less call and abort
    /// (docs/qemu-hostmem.md). A failure is logged and changes nothing else.
    pub fn prime_host_epoxy(use_egl: bool, vmm: Option<Box<dyn VmmGl>>) {
        if !epoxy::loaded(epoxy::LIBEPOXY) {
            return;
        }
        match Self::new(use_egl, Api::Gl, vmm, None) {
            // `new` resolved them with the context current; dropping it destroys the
            // context (the VMM's through its destroy callback).
            Ok(p) => drop(p),
            Err(e) => log::info!("host libepoxy left unresolved: no GL context ({})", e.msg),
        }
    }

    /// With our context current: has the host's libepoxy, when the process has one,
    /// resolve the GL entry points its context-less calls need ([`epoxy`]).
    fn resolve_host_epoxy(&self) {
        match epoxy::resolve_shared_entry_points(epoxy::LIBEPOXY, self.egl.as_ref()) {
            epoxy::Outcome::NotLoaded => {}
            o => log::debug!("host libepoxy: {o:?} on {}", self.name),
        }
    }

    /// Our EGL instance, display and the context current on this thread (own platforms
    /// only; the VMM's contexts come without an EGL display we could use).
    pub(crate) fn egl_handles(&self) -> Option<(&Egl, egl::Display, Option<egl::Context>)> {
        match (&self.kind, self.egl.as_ref()) {
            (Kind::Own { display, .. }, Some(e)) => Some((e, *display, e.get_current_context())),
            _ => None,
        }
    }

    /// True when several of our contexts share the objects (writes must then be finished
    /// before another thread reads).
    pub fn is_shared(&self) -> bool {
        matches!(&self.kind, Kind::Own { contexts, .. } if contexts.len() > 1)
    }

    /// Address of GL entry point `name`: eglGetProcAddress, else dlsym in libGL/libOpenGL.
    pub fn proc_address(&mut self, name: &str) -> *const c_void {
        if let Some(f) = self.egl.as_ref().and_then(|e| e.get_proc_address(name)) {
            return f as *const c_void;
        }
        if self.gl_lib.is_none() {
            for lib in ["libGL.so.1", "libOpenGL.so.0"] {
                // SAFETY: loading the system GL library runs its initialisers only.
                if let Ok(l) = unsafe { libloading::Library::new(lib) } {
                    self.gl_lib = Some(l);
                    break;
                }
            }
        }
        let Some(lib) = self.gl_lib.as_ref() else {
            return std::ptr::null();
        };
        let mut sym = name.as_bytes().to_vec();
        sym.push(0);
        // SAFETY: the symbol is only used as an opaque address here; the caller casts it to
        // the entry point's signature.
        match unsafe { lib.get::<*const c_void>(&sym) } {
            Ok(s) => *s,
            Err(_) => std::ptr::null(),
        }
    }
}

impl Drop for Platform {
    fn drop(&mut self) {
        self.destroy_all_subs();
        match &self.kind {
            // The context the VMM created for us, destroyed once.
            Kind::Vmm { vmm, ctx, .. } => vmm.destroy_context(*ctx),
            Kind::Own { display, contexts, gbm, .. } => {
                if let Some(egl) = self.egl.as_ref() {
                    // Release ours on this thread; contexts current elsewhere are freed by
                    // EGL when released there. The display is shared process-wide (other
                    // users may hold it), so it is not terminated.
                    let current = egl.get_current_context().map(|c| c.as_ptr());
                    if contexts.iter().any(|(_, c, _)| Some(c.as_ptr()) == current) {
                        let _ = egl.make_current(*display, None, None, None);
                    }
                    for (_, ctx, _) in contexts {
                        let _ = egl.destroy_context(*display, *ctx);
                    }
                    // A GBM display is ours alone and must not outlive its gbm_device.
                    if gbm.is_some() {
                        let _ = egl.terminate(*display);
                    }
                }
            }
        }
    }
}
