//! The platform order for our own contexts (platforms 3–7 of [`super`]): GBM devices,
//! EGL devices, surfaceless, Mesa's software device, each display tried through
//! [`super::probe`] and ranked by its driver.

use super::probe::{Candidate, Chosen, Rank};
use super::{cstr_has, Api, Egl, Platform};
use crate::error::{Error, Result};
use khronos_egl as egl;
use std::ffi::{c_void, CStr};

const PLATFORM_DEVICE_EXT: egl::Enum = 0x313F;
const PLATFORM_SURFACELESS_MESA: egl::Enum = 0x31DD;
/// `EGL_PLATFORM_GBM_KHR` (= `EGL_PLATFORM_GBM_MESA`).
const PLATFORM_GBM_KHR: egl::Enum = 0x31D7;

type GetPlatformDisplayExt =
    unsafe extern "system" fn(egl::Enum, *mut c_void, *const egl::Int) -> *mut c_void;
type QueryDevicesExt = unsafe extern "system" fn(egl::Int, *mut *mut c_void, *mut egl::Int) -> u32;
type QueryDeviceStringExt = unsafe extern "system" fn(*mut c_void, egl::Int) -> *const i8;
/// `EGL_DRM_DEVICE_FILE_EXT` (EGL_EXT_device_drm).
const DRM_DEVICE_FILE_EXT: egl::Int = 0x3233;

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

impl Platform {
    /// Platforms 3–7: the first display, in this order, whose EGL initialises, gives a GL
    /// core context that can be made current and answers `GL_RENDERER`:
    /// GBM on a DRM node with a hardware driver, a hardware EGL device (a real driver, not
    /// Mesa's `kms_swrast` fallback), then EGL surfaceless unless it too fell back to
    /// `kms_swrast`, then Mesa's software device (pure llvmpipe); a `kms_swrast` display only
    /// when nothing else works.
    ///
    /// `kms_swrast` is what Mesa loads on a DRM node whose own driver fails (virtio-gpu
    /// without 3D, vgem, …): llvmpipe rendering into the node's dumb buffers, with dma-buf
    /// import through that node's PRIME import, which e.g. a 2D virtio-gpu refuses for
    /// foreign (udmabuf) buffers. The software device gives the same llvmpipe without a
    /// DRM node and imports any dma-buf it can mmap.
    ///
    /// `VIRGL_SHIM_EGL_DEVICE=software` tries Mesa's software device first.
    pub(super) fn own_platform(
        egl: &Egl,
        drm_fd: Option<&std::os::fd::OwnedFd>,
        api: Api,
    ) -> Result<Chosen> {
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
        let software_first = crate::config::get().egl_software_first;
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
            let cand = match Self::probe(egl, name, display, dev.is_some_and(|d| d.software), api) {
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
    ) -> Vec<crate::backend::gl::gbm::Device> {
        use crate::backend::gl::gbm;
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
}
