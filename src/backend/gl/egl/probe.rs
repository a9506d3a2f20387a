//! One display on trial: initialise it, create our desktop GL core context (or OpenGL ES
//! 3.x context with [`super::Api::Gles`]), make it
//! current, ask for `GL_RENDERER` and classify the driver ([`Rank`]).

use super::{cstr_has, Api, Egl, Platform};
use crate::error::{Error, Result};
use khronos_egl as egl;
use std::ffi::{c_void, CStr};

const CONTEXT_MAJOR_VERSION: egl::Int = 0x3098;
const CONTEXT_MINOR_VERSION: egl::Int = 0x30FB;
const CONTEXT_OPENGL_PROFILE_MASK: egl::Int = 0x30FD;
const CONTEXT_OPENGL_CORE_PROFILE_BIT: egl::Int = 1;

type DriverName = unsafe extern "system" fn(*mut c_void) -> *const std::ffi::c_char;
type GetString = unsafe extern "system" fn(u32) -> *const u8;
const GL_RENDERER: u32 = 0x1F01;

/// How good a display is for us, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Rank {
    /// A hardware driver.
    Hardware,
    /// Software rendering without a DRM node (Mesa's `swrast`, llvmpipe).
    Software,
    /// Mesa's `kms_swrast`: llvmpipe on a DRM node whose own driver failed.
    KmsSwrast,
}

/// A display that gave a working context (not current anywhere).
pub(super) struct Candidate {
    pub(super) name: &'static str,
    display: egl::Display,
    config: Option<egl::Config>,
    attribs: Vec<egl::Int>,
    ctx: egl::Context,
    /// Initialised by us: terminated when passed over.
    owned: bool,
    pub(super) driver: String,
    pub(super) renderer: String,
    pub(super) rank: Rank,
    /// The GBM device behind a GBM-platform display (outlives the display).
    pub(super) gbm: Option<crate::backend::gl::gbm::Device>,
}

impl Candidate {
    /// Undoes the probe: destroys the context, terminates the display if we initialised it.
    pub(super) fn release(self, egl: &Egl) {
        if egl.get_current_context().map(|c| c.as_ptr()) == Some(self.ctx.as_ptr()) {
            let _ = egl.make_current(self.display, None, None, None);
        }
        let _ = egl.destroy_context(self.display, self.ctx);
        if self.owned || self.gbm.is_some() {
            let _ = egl.terminate(self.display);
        }
        drop(self.gbm);
    }

    pub(super) fn into_parts(self) -> Chosen {
        log::info!("EGL platform {}: driver {}, {}", self.name, self.driver, self.renderer);
        (self.name, self.display, self.config, self.attribs, self.ctx, self.gbm)
    }
}

/// A chosen own platform: name, display, config, context attributes, context, GBM device.
pub(super) type Chosen = (
    &'static str,
    egl::Display,
    Option<egl::Config>,
    Vec<egl::Int>,
    egl::Context,
    Option<crate::backend::gl::gbm::Device>,
);

impl Platform {
    /// Initialises `display`, creates our context, makes it current and asks for
    /// `GL_RENDERER`; classifies the display by its driver. Everything made here is
    /// undone on failure (the display terminated when this call initialised it).
    pub(super) fn probe(
        egl: &Egl,
        name: &'static str,
        display: egl::Display,
        software_device: bool,
        api: Api,
    ) -> Result<Candidate> {
        // A display someone else (the VMM) already initialised is shared: never terminate it.
        let owned = egl.query_string(Some(display), egl::VERSION).is_err();
        let (config, attribs, ctx) = match Self::own_context(egl, display, api) {
            Ok(x) => x,
            Err(e) => {
                if owned {
                    let _ = egl.terminate(display);
                }
                return Err(e);
            }
        };
        let mut cand = Candidate {
            name,
            display,
            config,
            attribs,
            ctx,
            owned,
            driver: String::from("?"),
            renderer: String::new(),
            rank: Rank::Hardware,
            gbm: None,
        };
        if let Err(e) = egl.make_current(display, None, None, Some(ctx)) {
            cand.release(egl);
            return Err(Error::notsup(format!("eglMakeCurrent: {e}")));
        }
        let renderer = egl
            .get_proc_address("glGetString")
            // SAFETY: glGetString's documented signature.
            .map(|f| unsafe { std::mem::transmute::<extern "system" fn(), GetString>(f) })
            .and_then(|get| {
                // SAFETY: our context is current; GL_RENDERER is a valid name; GL returns
                // NULL or a static NUL-terminated string.
                let s = unsafe { get(GL_RENDERER) };
                // SAFETY: as above.
                (!s.is_null()).then(|| unsafe { CStr::from_ptr(s.cast()) })
            })
            .map(|s| s.to_string_lossy().into_owned());
        let _ = egl.make_current(display, None, None, None);
        let Some(renderer) = renderer else {
            cand.release(egl);
            return Err(Error::notsup("glGetString(GL_RENDERER) failed"));
        };
        let exts = egl
            .query_string(Some(display), egl::EXTENSIONS)
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let driver = if cstr_has(&exts, "EGL_MESA_query_driver") {
            egl.get_proc_address("eglGetDisplayDriverName")
                // SAFETY: EGL_MESA_query_driver's documented signature.
                .map(|f| unsafe { std::mem::transmute::<extern "system" fn(), DriverName>(f) })
                .and_then(|get| {
                    // SAFETY: an initialised display; EGL returns NULL or a string owned by
                    // the display.
                    let s = unsafe { get(display.as_ptr()) };
                    // SAFETY: as above.
                    (!s.is_null()).then(|| unsafe { CStr::from_ptr(s) })
                })
                .map(|s| s.to_string_lossy().into_owned())
        } else {
            None
        };
        let software_renderer =
            ["llvmpipe", "softpipe", "SwiftShader"].iter().any(|r| renderer.contains(r));
        cand.rank = match driver.as_deref() {
            Some("kms_swrast") => Rank::KmsSwrast,
            Some("swrast") => Rank::Software,
            _ if software_device || software_renderer => Rank::Software,
            _ => Rank::Hardware,
        };
        cand.driver = driver.unwrap_or_else(|| String::from("?"));
        cand.renderer = renderer;
        Ok(cand)
    }

    /// Initialises `display` and creates a desktop GL core context (4.x, else 3.3), or
    /// with [`Api::Gles`] an OpenGL ES 3.x context (3.2, else 3.1, else 3.0).
    fn own_context(
        egl: &Egl,
        display: egl::Display,
        api: Api,
    ) -> Result<(Option<egl::Config>, Vec<egl::Int>, egl::Context)> {
        let (major, minor) =
            egl.initialize(display).map_err(|e| Error::notsup(format!("eglInitialize: {e}")))?;
        let exts = egl
            .query_string(Some(display), egl::EXTENSIONS)
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let has = |e: &str| cstr_has(&exts, e);
        if !has("EGL_KHR_create_context") && (major, minor) < (1, 5) {
            return Err(Error::notsup("EGL_KHR_create_context missing"));
        }
        if !has("EGL_KHR_surfaceless_context") {
            return Err(Error::notsup("EGL_KHR_surfaceless_context missing"));
        }
        egl.bind_api(api.egl_api())
            .map_err(|e| Error::notsup(format!("eglBindAPI({}): {e}", api.name())))?;
        let config = if has("EGL_KHR_no_config_context") || has("EGL_MESA_configless_context") {
            None
        } else {
            let bit = match api {
                Api::Gl => egl::OPENGL_BIT,
                Api::Gles => egl::OPENGL_ES3_BIT,
            };
            let attrs = [egl::RENDERABLE_TYPE, bit, egl::NONE];
            let c = egl
                .choose_first_config(display, &attrs)
                .map_err(|e| Error::notsup(format!("eglChooseConfig: {e}")))?
                .ok_or_else(|| Error::notsup(format!("no EGL config for {}", api.name())))?;
            Some(c)
        };
        let mut last = String::new();
        for &(maj, min) in api.versions() {
            let mut attribs = vec![CONTEXT_MAJOR_VERSION, maj, CONTEXT_MINOR_VERSION, min];
            if api == Api::Gl {
                attribs.extend([CONTEXT_OPENGL_PROFILE_MASK, CONTEXT_OPENGL_CORE_PROFILE_BIT]);
            }
            attribs.push(egl::NONE);
            match Self::create_ctx(egl, display, config, None, &attribs) {
                Ok(ctx) => return Ok((config, attribs, ctx)),
                Err(e) => last = format!("{} {maj}.{min}: {}", api.name(), e.msg),
            }
        }
        Err(Error::notsup(format!("eglCreateContext failed ({last})")))
    }

    pub(super) fn create_ctx(
        egl: &Egl,
        display: egl::Display,
        config: Option<egl::Config>,
        share: Option<egl::Context>,
        attribs: &[egl::Int],
    ) -> Result<egl::Context> {
        // SAFETY: EGL_NO_CONFIG_KHR (NULL) is valid with KHR_no_config_context.
        let config =
            config.unwrap_or_else(|| unsafe { egl::Config::from_ptr(std::ptr::null_mut()) });
        egl.create_context(display, config, share, attribs)
            .map_err(|e| Error::notsup(format!("eglCreateContext: {e}")))
    }
}
