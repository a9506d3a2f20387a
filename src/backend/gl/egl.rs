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
//! Platforms 4–7 make our own desktop GL core-profile context.
//!
//! Our own contexts are made current on whichever thread calls (a thread that finds the
//! main context current on another thread gets a context sharing its objects); the VMM's
//! context is made current through its callback before every backend operation, since the
//! VMM switches to its own contexts between our calls.

use crate::error::{Error, Result};
use crate::ffi::types::{virgl_renderer_callbacks, virgl_renderer_gl_ctx_param};
use khronos_egl as egl;
use std::ffi::{c_void, CStr};
use std::thread::ThreadId;

/// The dynamically loaded libEGL.
pub(crate) type Egl = egl::DynamicInstance<egl::EGL1_4>;

const PLATFORM_DEVICE_EXT: egl::Enum = 0x313F;
const PLATFORM_SURFACELESS_MESA: egl::Enum = 0x31DD;
/// `EGL_PLATFORM_GBM_KHR` (= `EGL_PLATFORM_GBM_MESA`).
const PLATFORM_GBM_KHR: egl::Enum = 0x31D7;
const CONTEXT_MAJOR_VERSION: egl::Int = 0x3098;
const CONTEXT_MINOR_VERSION: egl::Int = 0x30FB;
const CONTEXT_OPENGL_PROFILE_MASK: egl::Int = 0x30FD;
const CONTEXT_OPENGL_CORE_PROFILE_BIT: egl::Int = 1;
/// Desktop GL versions asked for, best first (drivers return the newest compatible one).
const GL_VERSIONS: [(i32, i32); 4] = [(4, 5), (4, 3), (4, 0), (3, 3)];

type GetPlatformDisplayExt =
    unsafe extern "system" fn(egl::Enum, *mut c_void, *const egl::Int) -> *mut c_void;
type QueryDevicesExt = unsafe extern "system" fn(egl::Int, *mut *mut c_void, *mut egl::Int) -> u32;
type QueryDeviceStringExt = unsafe extern "system" fn(*mut c_void, egl::Int) -> *const i8;
type DriverName = unsafe extern "system" fn(*mut c_void) -> *const std::ffi::c_char;
type GetString = unsafe extern "system" fn(u32) -> *const u8;
/// `EGL_DRM_DEVICE_FILE_EXT` (EGL_EXT_device_drm).
const DRM_DEVICE_FILE_EXT: egl::Int = 0x3233;
const GL_RENDERER: u32 = 0x1F01;

/// How good a display is for us, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    /// A hardware driver.
    Hardware,
    /// Software rendering without a DRM node (Mesa's `swrast`, llvmpipe).
    Software,
    /// Mesa's `kms_swrast`: llvmpipe on a DRM node whose own driver failed.
    KmsSwrast,
}

/// Which step of the platform order a display is tried at.
#[derive(Clone, Copy)]
enum Step {
    Gbm,
    Hardware,
    Surfaceless,
    Software,
}

/// An EGL device from `eglQueryDevicesEXT`.
struct Device {
    handle: *mut c_void,
    software: bool,
    label: String,
}

/// A display that gave a working context (not current anywhere).
struct Candidate {
    name: &'static str,
    display: egl::Display,
    config: Option<egl::Config>,
    attribs: Vec<egl::Int>,
    ctx: egl::Context,
    /// Initialised by us: terminated when passed over.
    owned: bool,
    driver: String,
    renderer: String,
    rank: Rank,
    /// The GBM device behind a GBM-platform display (outlives the display).
    gbm: Option<super::gbm::Device>,
}

impl Candidate {
    /// Undoes the probe: destroys the context, terminates the display if we initialised it.
    fn release(self, egl: &Egl) {
        if egl.get_current_context().map(|c| c.as_ptr()) == Some(self.ctx.as_ptr()) {
            let _ = egl.make_current(self.display, None, None, None);
        }
        let _ = egl.destroy_context(self.display, self.ctx);
        if self.owned || self.gbm.is_some() {
            let _ = egl.terminate(self.display);
        }
        drop(self.gbm);
    }

    fn into_parts(self) -> Chosen {
        log::info!("EGL platform {}: driver {}, {}", self.name, self.driver, self.renderer);
        (self.name, self.display, self.config, self.attribs, self.ctx, self.gbm)
    }
}

/// The VMM's callbacks and cookie, for platforms 1 and 2.
#[derive(Clone, Copy)]
pub struct VmmCallbacks {
    /// The callbacks as given to `virgl_renderer_init`.
    pub cbs: virgl_renderer_callbacks,
    /// The cookie passed back to every callback.
    pub cookie: usize,
}

/// A chosen own platform: name, display, config, context attributes, context, GBM device.
type Chosen = (
    &'static str,
    egl::Display,
    Option<egl::Config>,
    Vec<egl::Int>,
    egl::Context,
    Option<super::gbm::Device>,
);

enum Kind {
    /// Our own EGL context(s) on `display`; `contexts[0]` is the main one, the others share
    /// its objects. Each entry names the thread it was last made current on.
    Own {
        display: egl::Display,
        config: Option<egl::Config>,
        attribs: Vec<egl::Int>,
        contexts: Vec<(Option<ThreadId>, egl::Context)>,
        /// The GBM device of a GBM-platform display: the display is terminated before it
        /// is destroyed.
        gbm: Option<super::gbm::Device>,
    },
    /// A context the VMM created for us.
    Vmm { vmm: VmmCallbacks, ctx: *mut c_void },
}

/// The EGL side of the GL backend: the platform, its context(s) and the GL loader.
pub(crate) struct Platform {
    /// Short platform name for logs.
    pub name: &'static str,
    egl: Option<Egl>,
    kind: Kind,
    gl_lib: Option<libloading::Library>,
    /// [`thread_token`] of the thread where our context was last made (or found) current,
    /// 0 when unknown. Like upstream, we assume our context stays current there until the
    /// VMM says otherwise with `virgl_renderer_force_ctx_0` (QEMU calls it before every
    /// command and after its own GL work), or until poll/reset ([`Self::forget_current`]).
    known_current: u64,
}

/// A number for the calling thread, unique for the life of the process (unlike `ThreadId`
/// it costs no reference count, and unlike a TLS address it is never reused), never 0.
fn thread_token() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    thread_local! {
        static TOKEN: u64 = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    TOKEN.with(|t| *t)
}

fn cstr_has(list: &str, ext: &str) -> bool {
    list.split_ascii_whitespace().any(|e| e == ext)
}

impl Platform {
    /// Picks a platform and makes its context current on the calling thread. `drm_fd` is
    /// the VMM's DRM fd (`get_drm_fd`), tried instead of the render nodes for GBM.
    pub fn new(
        flags: i32,
        vmm: Option<VmmCallbacks>,
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
            match Self::vmm_platform(flags, vmm) {
                Ok(Some((name, ctx))) => {
                    let p = Platform {
                        name,
                        egl,
                        kind: Kind::Vmm { vmm, ctx },
                        gl_lib: None,
                        known_current: 0,
                    };
                    return Ok(p);
                }
                Ok(None) => {}
                Err(e) => log::warn!("VMM GL context unusable ({}); trying EGL", e.msg),
            }
        }
        let Some(egl) = egl else {
            return Err(Error::notsup("no libEGL.so.1 and no VMM GL context callbacks"));
        };
        let (name, display, config, attribs, ctx, gbm) = Self::own_platform(&egl, drm_fd)?;
        let kind = Kind::Own { display, config, attribs, contexts: vec![(None, ctx)], gbm };
        let mut p = Platform { name, egl: Some(egl), kind, gl_lib: None, known_current: 0 };
        p.make_current()?;
        Ok(p)
    }

    /// Platforms 1 and 2: `Ok(None)` when the VMM gave no context callbacks (or asked for
    /// our own EGL context with `USE_EGL`).
    fn vmm_platform(flags: i32, vmm: VmmCallbacks) -> Result<Option<(&'static str, *mut c_void)>> {
        let cbs = &vmm.cbs;
        let (Some(create), Some(_), Some(make_current)) =
            (cbs.create_gl_context, cbs.destroy_gl_context, cbs.make_current)
        else {
            return Ok(None);
        };
        let cookie = vmm.cookie as *mut c_void;
        let mut name = "vmm-gl-context";
        if cbs.version >= 4 {
            if let Some(get_display) = cbs.get_egl_display {
                // SAFETY: a VMM callback called with its own cookie, as the API specifies.
                let d = unsafe { get_display(cookie) };
                if !d.is_null() {
                    name = "vmm-egl-display";
                }
            }
        }
        if name == "vmm-gl-context" && flags & crate::ffi::types::VIRGL_RENDERER_USE_EGL != 0 {
            return Ok(None);
        }
        for (major, minor) in GL_VERSIONS {
            let mut param = virgl_renderer_gl_ctx_param {
                version: 1,
                shared: false,
                major_ver: major,
                minor_ver: minor,
                compat_ctx: 0,
            };
            // SAFETY: VMM callback with its cookie and a valid parameter block.
            let ctx = unsafe { create(cookie, 0, &mut param) };
            if ctx.is_null() {
                continue;
            }
            // SAFETY: as above; `ctx` is the context the VMM just returned.
            let rc = unsafe { make_current(cookie, 0, ctx) };
            if rc != 0 {
                if let Some(destroy) = cbs.destroy_gl_context {
                    // SAFETY: destroying the context the VMM created for us.
                    unsafe { destroy(cookie, ctx) };
                }
                return Err(Error::notsup(format!("VMM make_current failed ({rc})")));
            }
            log::debug!("VMM created a GL {major}.{minor} context");
            return Ok(Some((name, ctx)));
        }
        Err(Error::notsup("VMM create_gl_context returned NULL for GL 4.x and 3.3"))
    }

    /// Platforms 3–7: the first display, in this order, whose EGL initialises, gives a GL
    /// core context that can be made current and answers `GL_RENDERER`:
    /// GBM on a DRM node with a hardware driver, a hardware EGL device (a real driver, not Mesa's `kms_swrast` fallback), then EGL
    /// surfaceless unless it too fell back to `kms_swrast`, then Mesa's software device
    /// (pure llvmpipe); a `kms_swrast` display only when nothing else works.
    ///
    /// `kms_swrast` is what Mesa loads on a DRM node whose own driver fails (virtio-gpu
    /// without 3D, vgem, …): llvmpipe rendering into the node's dumb buffers, with dma-buf
    /// import through that node's PRIME import, which e.g. a 2D virtio-gpu refuses for
    /// foreign (udmabuf) buffers. The software device gives the same llvmpipe without a
    /// DRM node and imports any dma-buf it can mmap.
    ///
    /// `VIRGL_SHIM_EGL_DEVICE=software` tries Mesa's software device first.
    fn own_platform(egl: &Egl, drm_fd: Option<&std::os::fd::OwnedFd>) -> Result<Chosen> {
        let client = egl
            .query_string(None, egl::EXTENSIONS)
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let get_platform_display: Option<GetPlatformDisplayExt> =
            if cstr_has(&client, "EGL_EXT_platform_base") {
                // SAFETY: the extension is advertised, so the entry point has this signature.
                egl.get_proc_address("eglGetPlatformDisplayEXT")
                    .map(|f| unsafe { std::mem::transmute::<extern "system" fn(), _>(f) })
            } else {
                None
            };
        let Some(gpd) = get_platform_display else {
            return Err(Error::notsup("EGL lacks EGL_EXT_platform_base"));
        };
        let mut errors = Vec::new();
        let gbm_devices = Self::gbm_devices(&client, drm_fd, &mut errors);
        let devices = if cstr_has(&client, "EGL_EXT_platform_device") {
            Self::devices(egl, &client).unwrap_or_else(|e| {
                errors.push(format!("device: {}", e.msg));
                Vec::new()
            })
        } else {
            Vec::new()
        };
        let device_display = |dev: &Device| {
            // SAFETY: valid platform enum and a device handle EGL returned, no attributes.
            let d = unsafe { gpd(PLATFORM_DEVICE_EXT, dev.handle, std::ptr::null()) };
            (!d.is_null()).then_some(d)
        };
        let software_first = std::env::var("VIRGL_SHIM_EGL_DEVICE").as_deref() == Ok("software");
        // Software devices go after surfaceless (which may find a hardware driver the
        // device list lacks), unless asked for first.
        let mut order: Vec<(Step, &Device)> = Vec::new();
        if software_first {
            order.extend(devices.iter().filter(|d| d.software).map(|d| (Step::Software, d)));
        }
        order.extend(devices.iter().filter(|d| !d.software).map(|d| (Step::Hardware, d)));
        let mut best: Option<Candidate> = None;
        let mut steps: Vec<(Step, Option<&Device>)> = Vec::new();
        if !software_first {
            steps.extend(gbm_devices.iter().map(|_| (Step::Gbm, None)));
        }
        steps.extend(order.into_iter().map(|(s, d)| (s, Some(d))));
        steps.push((Step::Surfaceless, None));
        if !software_first {
            steps.extend(devices.iter().filter(|d| d.software).map(|d| (Step::Software, Some(d))));
        } else {
            steps.extend(gbm_devices.iter().map(|_| (Step::Gbm, None)));
        }
        let mut gbm_devices = gbm_devices.into_iter();
        for (step, dev) in steps {
            let mut gbm = None;
            let (name, label, raw) = match dev {
                Some(dev) => ("egl-device", dev.label.clone(), device_display(dev)),
                None if matches!(step, Step::Gbm) => {
                    let Some(g) = gbm_devices.next() else { continue };
                    // SAFETY: valid platform enum and a live gbm_device as native display
                    // (kept alive with the candidate), no attributes.
                    let d = unsafe { gpd(PLATFORM_GBM_KHR, g.as_ptr(), std::ptr::null()) };
                    let label = format!("gbm ({})", g.label);
                    gbm = Some(g);
                    ("egl-gbm", label, (!d.is_null()).then_some(d))
                }
                None if cstr_has(&client, "EGL_MESA_platform_surfaceless") => {
                    // SAFETY: valid platform enum, EGL_DEFAULT_DISPLAY, no attributes.
                    let d = unsafe {
                        gpd(PLATFORM_SURFACELESS_MESA, std::ptr::null_mut(), std::ptr::null())
                    };
                    ("egl-surfaceless", "surfaceless".to_string(), (!d.is_null()).then_some(d))
                }
                None => {
                    errors.push("EGL_MESA_platform_surfaceless not supported".to_string());
                    continue;
                }
            };
            let Some(raw) = raw else {
                errors.push(format!("{label}: no display"));
                continue;
            };
            // SAFETY: a display handle EGL just returned.
            let display = unsafe { egl::Display::from_ptr(raw) };
            let cand = match Self::probe(egl, name, display, dev.is_some_and(|d| d.software)) {
                Ok(mut c) => {
                    c.gbm = gbm;
                    c
                }
                Err(e) => {
                    log::debug!("EGL {label}: {}", e.msg);
                    errors.push(format!("{label}: {}", e.msg));
                    continue;
                }
            };
            log::debug!(
                "EGL {label}: driver {}, renderer {} ({:?})",
                cand.driver,
                cand.renderer,
                cand.rank
            );
            let good_enough = match step {
                Step::Gbm | Step::Hardware => cand.rank == Rank::Hardware,
                Step::Surfaceless | Step::Software => cand.rank != Rank::KmsSwrast,
            };
            if good_enough {
                if let Some(b) = best.take() {
                    b.release(egl);
                }
                return Ok(cand.into_parts());
            }
            errors.push(format!("{label}: {} ({:?}) passed over", cand.driver, cand.rank));
            match &best {
                Some(b) if b.rank <= cand.rank => cand.release(egl),
                _ => {
                    if let Some(b) = best.replace(cand) {
                        b.release(egl);
                    }
                }
            }
        }
        if let Some(b) = best {
            log::warn!(
                "EGL: only {} ({}) works; dma-buf import may be refused ({})",
                b.driver,
                b.name,
                errors.join("; ")
            );
            return Ok(b.into_parts());
        }
        Err(Error::notsup(format!("no EGL platform works: {}", errors.join("; "))))
    }

    /// GBM devices for the GBM platform: on the VMM's DRM fd when it gave one, else on each
    /// `/dev/dri/renderD*` in order. Empty when EGL lacks the platform, libgbm is missing or
    /// `VIRGL_SHIM_GBM=0`.
    fn gbm_devices(
        client: &str,
        drm_fd: Option<&std::os::fd::OwnedFd>,
        errors: &mut Vec<String>,
    ) -> Vec<super::gbm::Device> {
        use super::gbm;
        if !gbm::enabled() {
            log::debug!("GBM platform disabled (VIRGL_SHIM_GBM=0)");
            return Vec::new();
        }
        if !cstr_has(client, "EGL_KHR_platform_gbm") && !cstr_has(client, "EGL_MESA_platform_gbm") {
            errors.push("gbm: EGL has no GBM platform".to_string());
            return Vec::new();
        }
        let fds: Vec<(String, std::os::fd::OwnedFd)> = match drm_fd {
            Some(fd) => match fd.try_clone() {
                Ok(f) => vec![("VMM DRM fd".to_string(), f)],
                Err(e) => {
                    errors.push(format!("gbm: cannot dup the VMM DRM fd: {e}"));
                    Vec::new()
                }
            },
            None => gbm::drm_nodes("renderD")
                .iter()
                .filter_map(|p| Some((p.display().to_string(), gbm::open_node(p)?)))
                .collect(),
        };
        if fds.is_empty() && drm_fd.is_none() {
            errors.push("gbm: no DRM render node".to_string());
        }
        fds.into_iter()
            .filter_map(|(label, fd)| match gbm::Device::open(fd, label) {
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push(e.msg.clone());
                    None
                }
            })
            .collect()
    }

    /// The EGL devices, each marked software (`EGL_MESA_device_software`) or not.
    fn devices(egl: &Egl, client: &str) -> Result<Vec<Device>> {
        let query: Option<QueryDevicesExt> = egl
            .get_proc_address("eglQueryDevicesEXT")
            // SAFETY: EGL_EXT_device_enumeration's documented signature.
            .map(|f| unsafe { std::mem::transmute::<extern "system" fn(), _>(f) });
        let Some(query) = query.filter(|_| {
            cstr_has(client, "EGL_EXT_device_enumeration")
                || cstr_has(client, "EGL_EXT_device_base")
        }) else {
            return Err(Error::notsup("no eglQueryDevicesEXT"));
        };
        let dev_string: Option<QueryDeviceStringExt> = egl
            .get_proc_address("eglQueryDeviceStringEXT")
            // SAFETY: EGL_EXT_device_query's documented signature.
            .map(|f| unsafe { std::mem::transmute::<extern "system" fn(), _>(f) });
        let mut devs = [std::ptr::null_mut::<c_void>(); 16];
        let mut n: egl::Int = 0;
        // SAFETY: the array holds 16 entries, `n` receives the count written.
        if unsafe { query(devs.len() as egl::Int, devs.as_mut_ptr(), &mut n) } == 0 {
            return Err(Error::notsup("eglQueryDevicesEXT failed"));
        }
        let string = |dev: *mut c_void, name: egl::Int| -> Option<String> {
            let qs = dev_string?;
            // SAFETY: a device handle EGL returned; EGL returns NULL for unknown names.
            let s = unsafe { qs(dev, name) };
            // SAFETY: EGL returns a NUL-terminated string that outlives the device.
            (!s.is_null()).then(|| unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned())
        };
        let mut out = Vec::new();
        for (i, &dev) in devs.iter().take(n.clamp(0, 16) as usize).enumerate() {
            let exts = string(dev, egl::EXTENSIONS).unwrap_or_default();
            let software = cstr_has(&exts, "EGL_MESA_device_software");
            let file = if cstr_has(&exts, "EGL_EXT_device_drm") {
                string(dev, DRM_DEVICE_FILE_EXT)
            } else {
                None
            };
            let label = match (&file, software) {
                (Some(f), _) => format!("device {i} ({f})"),
                (None, true) => format!("device {i} (software)"),
                (None, false) => format!("device {i}"),
            };
            out.push(Device { handle: dev, software, label });
        }
        Ok(out)
    }

    /// Initialises `display`, creates our context, makes it current and asks for
    /// `GL_RENDERER`; classifies the display by its driver. Everything made here is
    /// undone on failure (the display terminated when this call initialised it).
    fn probe(
        egl: &Egl,
        name: &'static str,
        display: egl::Display,
        software_device: bool,
    ) -> Result<Candidate> {
        // A display someone else (the VMM) already initialised is shared: never terminate it.
        let owned = egl.query_string(Some(display), egl::VERSION).is_err();
        let (config, attribs, ctx) = match Self::own_context(egl, display) {
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

    /// Initialises `display` and creates a desktop GL core context (4.x, else 3.3).
    fn own_context(
        egl: &Egl,
        display: egl::Display,
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
        egl.bind_api(egl::OPENGL_API)
            .map_err(|e| Error::notsup(format!("eglBindAPI(OpenGL): {e}")))?;
        let config = if has("EGL_KHR_no_config_context") || has("EGL_MESA_configless_context") {
            None
        } else {
            let attrs = [egl::RENDERABLE_TYPE, egl::OPENGL_BIT, egl::NONE];
            let c = egl
                .choose_first_config(display, &attrs)
                .map_err(|e| Error::notsup(format!("eglChooseConfig: {e}")))?
                .ok_or_else(|| Error::notsup("no EGL config for desktop OpenGL"))?;
            Some(c)
        };
        let mut last = String::new();
        for (maj, min) in GL_VERSIONS {
            let attribs = vec![
                CONTEXT_MAJOR_VERSION,
                maj,
                CONTEXT_MINOR_VERSION,
                min,
                CONTEXT_OPENGL_PROFILE_MASK,
                CONTEXT_OPENGL_CORE_PROFILE_BIT,
                egl::NONE,
            ];
            match Self::create_ctx(egl, display, config, None, &attribs) {
                Ok(ctx) => return Ok((config, attribs, ctx)),
                Err(e) => last = format!("GL {maj}.{min} core: {}", e.msg),
            }
        }
        Err(Error::notsup(format!("eglCreateContext failed ({last})")))
    }

    fn create_ctx(
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

    /// Forgets which thread has our context current: the next [`Self::make_current`] asks
    /// EGL (or calls the VMM's make_current) again. For `virgl_renderer_force_ctx_0`, poll
    /// and reset, after which the VMM may have made its own context current.
    pub fn forget_current(&mut self) {
        self.known_current = 0;
    }

    /// Makes our context current on the calling thread unless it is known to be (see
    /// [`Self::known_current`]).
    pub fn make_current(&mut self) -> Result<()> {
        let me = thread_token();
        if self.known_current == me {
            return Ok(());
        }
        self.known_current = 0;
        self.make_current_now()?;
        self.known_current = me;
        Ok(())
    }

    fn make_current_now(&mut self) -> Result<()> {
        match &mut self.kind {
            Kind::Vmm { vmm, ctx } => {
                let Some(mc) = vmm.cbs.make_current else {
                    return Err(Error::inval("VMM make_current callback vanished"));
                };
                // SAFETY: VMM callback with its cookie and the context it created for us.
                let rc = unsafe { mc(vmm.cookie as *mut c_void, 0, *ctx) };
                if rc != 0 {
                    return Err(Error::inval(format!("VMM make_current failed ({rc})")));
                }
                Ok(())
            }
            Kind::Own { display, config, attribs, contexts, .. } => {
                let Some(egl) = self.egl.as_ref() else {
                    return Err(Error::inval("EGL not loaded"));
                };
                let tid = std::thread::current().id();
                let idx = contexts.iter().position(|(t, _)| *t == Some(tid));
                let current = egl.get_current_context().map(|c| c.as_ptr());
                if let Some(i) = idx {
                    let ctx = contexts[i].1;
                    if current == Some(ctx.as_ptr()) {
                        return Ok(());
                    }
                    return egl
                        .make_current(*display, None, None, Some(ctx))
                        .map_err(|e| Error::inval(format!("eglMakeCurrent: {e}")));
                }
                // A new thread: take the main context if it is free, else a shared one.
                let main = contexts[0].1;
                if egl.make_current(*display, None, None, Some(main)).is_ok() {
                    contexts[0].0 = Some(tid);
                    return Ok(());
                }
                // The bound client API is per thread (OpenGL ES by default).
                egl.bind_api(egl::OPENGL_API)
                    .map_err(|e| Error::inval(format!("eglBindAPI(OpenGL): {e}")))?;
                let ctx = Self::create_ctx(egl, *display, *config, Some(main), attribs)?;
                if let Err(e) = egl.make_current(*display, None, None, Some(ctx)) {
                    let _ = egl.destroy_context(*display, ctx);
                    return Err(Error::inval(format!("eglMakeCurrent (shared context): {e}")));
                }
                log::debug!("thread {tid:?}: created a shared GL context");
                contexts.push((Some(tid), ctx));
                Ok(())
            }
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
        match &self.kind {
            Kind::Vmm { vmm, ctx } => {
                if let Some(destroy) = vmm.cbs.destroy_gl_context {
                    // SAFETY: the context the VMM created for us, destroyed once.
                    unsafe { destroy(vmm.cookie as *mut c_void, *ctx) };
                }
            }
            Kind::Own { display, contexts, gbm, .. } => {
                if let Some(egl) = self.egl.as_ref() {
                    // Release ours on this thread; contexts current elsewhere are freed by
                    // EGL when released there. The display is shared process-wide (other
                    // users may hold it), so it is not terminated.
                    let current = egl.get_current_context().map(|c| c.as_ptr());
                    if contexts.iter().any(|(_, c)| Some(c.as_ptr()) == current) {
                        let _ = egl.make_current(*display, None, None, None);
                    }
                    for (_, ctx) in contexts {
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
