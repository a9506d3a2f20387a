//! GBM: buffer objects on a DRM node, for the EGL GBM platform and for textures that are
//! scanned out or shared (`bind` SCANOUT / SHARED).
//!
//! libgbm is loaded at run time (`dlopen("libgbm.so.1")`), so the library still loads on a
//! host without it; GBM is then simply not used. DRM ioctls go through `libc::ioctl` with
//! the uAPI structs defined here (no libdrm).
//!
//! Two users, possibly on different devices:
//! - the **EGL platform** ([`super::egl`]): a `gbm_device` on the VMM's DRM fd (callbacks
//!   ≥ v2 `get_drm_fd`; the library owns and closes that fd) or on `/dev/dri/renderD*`,
//!   passed to `eglGetPlatformDisplay(EGL_PLATFORM_GBM_KHR, …)`;
//! - the **allocator** ([`GbmAllocator`]): the first node (the VMM's fd, `renderD*`, then
//!   `card*`) where a test bo can be created, exported and imported into the EGL display the
//!   backend renders with. The allocating device and the importing display may differ
//!   (e.g. dumb bos on a 2D virtio-gpu `card0` imported by Mesa's software EGL device).
//!
//! Every bo is exported once as a read-write dma-buf (`DRM_IOCTL_PRIME_HANDLE_TO_FD` with
//! `DRM_RDWR | DRM_CLOEXEC`, before any `gbm_bo_get_fd`, which would give a read-only one on
//! some drivers); that fd is what GL imports and what `export_dmabuf` hands out (dup'd).
//!
//! `VIRGL_SHIM_GBM=0` disables GBM entirely: no GBM EGL platform and no bo allocation
//! (textures are then plain GL textures and export through EGL where it can).

use crate::error::{Error, Result};
use crate::sys::dmabuf::{DRM_FORMAT_MOD_INVALID, DRM_FORMAT_MOD_LINEAR};
use std::ffi::{c_int, c_void};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::{Arc, OnceLock};

/// `GBM_BO_USE_SCANOUT`.
pub const BO_USE_SCANOUT: u32 = 1 << 0;
/// `GBM_BO_USE_RENDERING`.
pub const BO_USE_RENDERING: u32 = 1 << 2;
/// `GBM_BO_USE_LINEAR`.
pub const BO_USE_LINEAR: u32 = 1 << 4;

/// `struct drm_prime_handle` (include/uapi/drm/drm.h).
#[repr(C)]
struct DrmPrimeHandle {
    handle: u32,
    flags: u32,
    fd: i32,
}

/// `DRM_IOCTL_PRIME_HANDLE_TO_FD`: `_IOWR('d', 0x2d, struct drm_prime_handle)`.
const DRM_IOCTL_PRIME_HANDLE_TO_FD: u64 =
    (3 << 30) | ((std::mem::size_of::<DrmPrimeHandle>() as u64) << 16) | (0x64 << 8) | 0x2d;
/// `DRM_RDWR` (= `O_RDWR`) and `DRM_CLOEXEC` (= `O_CLOEXEC`).
const DRM_RDWR: u32 = libc::O_RDWR as u32;
const DRM_CLOEXEC: u32 = libc::O_CLOEXEC as u32;

type Dev = *mut c_void;
type BoPtr = *mut c_void;

/// The libgbm entry points we use (optional ones are newer additions).
struct GbmFns {
    create_device: unsafe extern "C" fn(c_int) -> Dev,
    device_destroy: unsafe extern "C" fn(Dev),
    is_format_supported: unsafe extern "C" fn(Dev, u32, u32) -> c_int,
    bo_create: unsafe extern "C" fn(Dev, u32, u32, u32, u32) -> BoPtr,
    bo_create_with_modifiers2:
        Option<unsafe extern "C" fn(Dev, u32, u32, u32, *const u64, u32, u32) -> BoPtr>,
    bo_create_with_modifiers:
        Option<unsafe extern "C" fn(Dev, u32, u32, u32, *const u64, u32) -> BoPtr>,
    bo_get_fd: unsafe extern "C" fn(BoPtr) -> c_int,
    /// Returns `union gbm_bo_handle` (8 bytes, returned in a register); we read `u32`.
    bo_get_handle: unsafe extern "C" fn(BoPtr) -> u64,
    bo_get_handle_for_plane: Option<unsafe extern "C" fn(BoPtr, c_int) -> u64>,
    bo_get_stride_for_plane: unsafe extern "C" fn(BoPtr, c_int) -> u32,
    bo_get_offset: unsafe extern "C" fn(BoPtr, c_int) -> u32,
    bo_get_modifier: unsafe extern "C" fn(BoPtr) -> u64,
    bo_get_plane_count: unsafe extern "C" fn(BoPtr) -> c_int,
    bo_destroy: unsafe extern "C" fn(BoPtr),
    /// Keeps the library loaded for the process lifetime.
    _lib: libloading::Library,
}

fn load() -> std::result::Result<GbmFns, String> {
    // SAFETY: loading the system's libgbm runs only its initialisers.
    let lib = unsafe { libloading::Library::new("libgbm.so.1") }.map_err(|e| e.to_string())?;
    macro_rules! req {
        ($name:literal) => {{
            // SAFETY: the field's type is libgbm's documented signature of `$name`
            // (gbm.h); the library stays loaded as long as the table (`_lib`).
            *unsafe { lib.get(concat!($name, "\0").as_bytes()) }
                .map_err(|e| format!("{}: {e}", $name))?
        }};
    }
    macro_rules! opt {
        ($name:literal) => {{
            // SAFETY: as in `req!`.
            unsafe { lib.get(concat!($name, "\0").as_bytes()) }.ok().map(|s| *s)
        }};
    }
    Ok(GbmFns {
        create_device: req!("gbm_create_device"),
        device_destroy: req!("gbm_device_destroy"),
        is_format_supported: req!("gbm_device_is_format_supported"),
        bo_create: req!("gbm_bo_create"),
        bo_create_with_modifiers2: opt!("gbm_bo_create_with_modifiers2"),
        bo_create_with_modifiers: opt!("gbm_bo_create_with_modifiers"),
        bo_get_fd: req!("gbm_bo_get_fd"),
        bo_get_handle: req!("gbm_bo_get_handle"),
        bo_get_handle_for_plane: opt!("gbm_bo_get_handle_for_plane"),
        bo_get_stride_for_plane: req!("gbm_bo_get_stride_for_plane"),
        bo_get_offset: req!("gbm_bo_get_offset"),
        bo_get_modifier: req!("gbm_bo_get_modifier"),
        bo_get_plane_count: req!("gbm_bo_get_plane_count"),
        bo_destroy: req!("gbm_bo_destroy"),
        _lib: lib,
    })
}

/// The libgbm table, loaded on first use; `None` (logged once) without libgbm.
fn fns() -> Option<&'static GbmFns> {
    static FNS: OnceLock<Option<GbmFns>> = OnceLock::new();
    FNS.get_or_init(|| match load() {
        Ok(f) => Some(f),
        Err(e) => {
            log::info!("GBM unavailable: cannot load libgbm.so.1 ({e})");
            None
        }
    })
    .as_ref()
}

/// False when `VIRGL_SHIM_GBM=0` turns GBM off.
pub fn enabled() -> bool {
    crate::config::get().gbm
}

/// A `gbm_device` on a DRM fd it owns (both closed on drop).
pub(crate) struct Device {
    ptr: NonNull<c_void>,
    fd: OwnedFd,
    fns: &'static GbmFns,
    /// Where the fd came from (for logs).
    pub label: String,
}

// SAFETY: the device is only used by the GL backend, whose calls the renderer serialises
// behind one lock; libgbm devices are not tied to a thread.
unsafe impl Send for Device {}
// SAFETY: as above: never used from two threads at once.
unsafe impl Sync for Device {}

impl Device {
    /// Creates a GBM device on `fd` (owned from now on).
    pub fn open(fd: OwnedFd, label: String) -> Result<Device> {
        let fns = fns().ok_or_else(|| Error::notsup("no libgbm.so.1"))?;
        // SAFETY: `fd` is an open DRM fd that outlives the device (dropped after it).
        let p = unsafe { (fns.create_device)(fd.as_raw_fd()) };
        let ptr = NonNull::new(p)
            .ok_or_else(|| Error::notsup(format!("{label}: gbm_create_device failed")))?;
        Ok(Device { ptr, fd, fns, label })
    }

    /// The `struct gbm_device *` (the native display of the GBM EGL platform).
    pub fn as_ptr(&self) -> *mut c_void {
        self.ptr.as_ptr()
    }

    /// True when the device can make `fourcc` bos with `usage`.
    pub fn supports(&self, fourcc: u32, usage: u32) -> bool {
        // SAFETY: a live device; plain query.
        unsafe { (self.fns.is_format_supported)(self.as_ptr(), fourcc, usage) != 0 }
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        // SAFETY: the device made in `open`, destroyed once; every bo holds an `Arc` to its
        // device, so none is left. The fd closes after this.
        unsafe { (self.fns.device_destroy)(self.as_ptr()) };
    }
}

/// `/dev/dri/<prefix>N` nodes in numeric order.
pub(crate) fn drm_nodes(prefix: &str) -> Vec<std::path::PathBuf> {
    let Ok(dir) = std::fs::read_dir("/dev/dri") else {
        return Vec::new();
    };
    let mut v: Vec<(u32, std::path::PathBuf)> = dir
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().strip_prefix(prefix)?.parse().ok()?;
            Some((n, e.path()))
        })
        .collect();
    v.sort();
    v.into_iter().map(|(_, p)| p).collect()
}

/// Opens a DRM node read-write, close-on-exec.
pub(crate) fn open_node(path: &std::path::Path) -> Option<OwnedFd> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| log::debug!("GBM: cannot open {}: {e}", path.display()))
        .ok()
        .map(OwnedFd::from)
}

/// A GBM buffer object and its read-write dma-buf.
pub(crate) struct Bo {
    ptr: NonNull<c_void>,
    dev: Arc<Device>,
    /// The dma-buf of every plane (planes of one bo share one GEM object).
    pub fd: OwnedFd,
    /// DRM fourcc the bo was allocated with.
    pub fourcc: u32,
    /// The bo's modifier (LINEAR for a linear bo GBM reports as INVALID).
    pub modifier: u64,
    /// Number of planes (1..=4).
    pub planes: u32,
    /// Per-plane strides and offsets (unused entries 0).
    pub strides: [u32; 4],
    /// Per-plane offsets.
    pub offsets: [u32; 4],
    /// Size of the dma-buf in bytes.
    pub size: u64,
}

// SAFETY: see `Device`: used only under the renderer lock.
unsafe impl Send for Bo {}

impl Drop for Bo {
    fn drop(&mut self) {
        // SAFETY: the bo created by `GbmAllocator::alloc`, destroyed once, before its device
        // (held by `self.dev`).
        unsafe { (self.dev.fns.bo_destroy)(self.ptr.as_ptr()) };
    }
}

/// Where scanout/shared textures are allocated (see the module docs).
pub(crate) struct GbmAllocator {
    dev: Arc<Device>,
}

impl GbmAllocator {
    /// An allocator on `dev`.
    pub fn new(dev: Device) -> Self {
        GbmAllocator { dev: Arc::new(dev) }
    }

    /// The node it allocates on.
    pub fn label(&self) -> &str {
        &self.dev.label
    }

    /// The DRM fds to try, in order: a dup of the VMM's fd, `renderD*`, then `card*`.
    pub fn candidates(vmm_fd: Option<&OwnedFd>) -> Vec<(String, OwnedFd)> {
        let mut out = Vec::new();
        if let Some(fd) = vmm_fd.and_then(|f| f.try_clone().ok()) {
            out.push(("VMM DRM fd".to_string(), fd));
        }
        for prefix in ["renderD", "card"] {
            for p in drm_nodes(prefix) {
                if let Some(fd) = open_node(&p) {
                    out.push((p.display().to_string(), fd));
                }
            }
        }
        out
    }

    /// Allocates a `w`×`h` `fourcc` bo: with `modifiers` (the importer's, when it named
    /// any) first, else linear/scanout fallbacks; exports it as a read-write dma-buf.
    pub fn alloc(&self, w: u32, h: u32, fourcc: u32, modifiers: &[u64]) -> Result<Bo> {
        if w == 0 || h == 0 {
            return Err(Error::inval("GBM bo of size 0"));
        }
        let f = self.dev.fns;
        let dev = self.dev.as_ptr();
        let mut bo: BoPtr = std::ptr::null_mut();
        // GBM reports DRM_FORMAT_MOD_INVALID for bos it made without an explicit modifier;
        // one made LINEAR (by flag, or from a list holding only LINEAR) is linear.
        let mut linear_flag = false;
        let n = u32::try_from(modifiers.len()).map_err(|_| Error::inval("too many modifiers"))?;
        if n > 0 {
            if let Some(c2) = f.bo_create_with_modifiers2 {
                // SAFETY: live device; `modifiers` holds `n` entries read during the call.
                bo = unsafe {
                    c2(dev, w, h, fourcc, modifiers.as_ptr(), n, BO_USE_SCANOUT | BO_USE_RENDERING)
                };
                if bo.is_null() {
                    // SAFETY: as above.
                    bo = unsafe { c2(dev, w, h, fourcc, modifiers.as_ptr(), n, BO_USE_RENDERING) };
                }
            } else if let Some(c1) = f.bo_create_with_modifiers {
                // SAFETY: as above.
                bo = unsafe { c1(dev, w, h, fourcc, modifiers.as_ptr(), n) };
            }
            linear_flag = modifiers.iter().all(|&m| m == DRM_FORMAT_MOD_LINEAR);
        }
        if bo.is_null() {
            for usage in [
                BO_USE_SCANOUT | BO_USE_RENDERING | BO_USE_LINEAR,
                BO_USE_LINEAR,
                BO_USE_SCANOUT | BO_USE_RENDERING,
            ] {
                // SAFETY: live device, plain arguments.
                bo = unsafe { (f.bo_create)(dev, w, h, fourcc, usage) };
                if !bo.is_null() {
                    linear_flag = usage & BO_USE_LINEAR != 0;
                    break;
                }
            }
        }
        let ptr = NonNull::new(bo).ok_or_else(|| {
            Error::notsup(format!("{}: cannot allocate a {w}x{h} {fourcc:#x} bo", self.dev.label))
        })?;
        // From here the bo is destroyed by `Bo::drop` on every path; `fd` is a placeholder
        // until the real dma-buf replaces it.
        let placeholder = self.dev.fd.try_clone().map_err(|e| Error::notsup(e.to_string()))?;
        let mut b = Bo {
            ptr,
            dev: self.dev.clone(),
            fd: placeholder,
            fourcc,
            modifier: DRM_FORMAT_MOD_INVALID,
            planes: 1,
            strides: [0; 4],
            offsets: [0; 4],
            size: 0,
        };
        // SAFETY: live bo; plain queries.
        let (planes, modifier, handle) = unsafe {
            ((f.bo_get_plane_count)(bo), (f.bo_get_modifier)(bo), (f.bo_get_handle)(bo) as u32)
        };
        if !(1..=4).contains(&planes) {
            return Err(Error::notsup(format!("GBM bo with {planes} planes")));
        }
        for p in 0..planes {
            if p > 0 {
                if let Some(hp) = f.bo_get_handle_for_plane {
                    // SAFETY: live bo, plane < plane count.
                    if unsafe { hp(bo, p) } as u32 != handle {
                        return Err(Error::notsup("GBM bo planes in separate GEM objects"));
                    }
                }
            }
            // SAFETY: live bo, plane < plane count.
            unsafe {
                b.strides[p as usize] = (f.bo_get_stride_for_plane)(bo, p);
                b.offsets[p as usize] = (f.bo_get_offset)(bo, p);
            }
        }
        b.planes = planes as u32;
        b.modifier = match modifier {
            DRM_FORMAT_MOD_INVALID if linear_flag => DRM_FORMAT_MOD_LINEAR,
            m => m,
        };
        b.fd = self.export_fd(bo, handle)?;
        // SAFETY: lseek on our own dma-buf fd (only its offset changes, which nobody uses).
        let end = unsafe { libc::lseek(b.fd.as_raw_fd(), 0, libc::SEEK_END) };
        // SAFETY: as above; restore the offset.
        unsafe { libc::lseek(b.fd.as_raw_fd(), 0, libc::SEEK_SET) };
        b.size = u64::try_from(end).unwrap_or(0);
        Ok(b)
    }

    /// The bo's dma-buf: PRIME export read-write, else `gbm_bo_get_fd` (maybe read-only).
    fn export_fd(&self, bo: BoPtr, handle: u32) -> Result<OwnedFd> {
        let mut req = DrmPrimeHandle { handle, flags: DRM_RDWR | DRM_CLOEXEC, fd: -1 };
        // SAFETY: DRM_IOCTL_PRIME_HANDLE_TO_FD on the device's DRM fd with a valid
        // `struct drm_prime_handle` the kernel reads and writes.
        let rc = unsafe {
            libc::ioctl(
                self.dev.fd.as_raw_fd(),
                DRM_IOCTL_PRIME_HANDLE_TO_FD as _,
                &mut req as *mut DrmPrimeHandle,
            )
        };
        if rc == 0 && req.fd >= 0 {
            // SAFETY: the kernel gave us a new fd.
            return Ok(unsafe { OwnedFd::from_raw_fd(req.fd) });
        }
        let err = std::io::Error::last_os_error();
        log::debug!("{}: PRIME export read-write failed ({err}); gbm_bo_get_fd", self.dev.label);
        // SAFETY: live bo; returns a new fd or -1.
        let fd = unsafe { (self.dev.fns.bo_get_fd)(bo) };
        if fd < 0 {
            return Err(Error::notsup(format!("{}: bo cannot be exported", self.dev.label)));
        }
        // SAFETY: gbm_bo_get_fd hands the caller a new fd.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }

    /// True when the device can make `fourcc` bos for rendering.
    pub fn supports(&self, fourcc: u32) -> bool {
        self.dev.supports(fourcc, BO_USE_RENDERING)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prime_ioctl_number_matches_the_uapi() {
        assert_eq!(DRM_IOCTL_PRIME_HANDLE_TO_FD, 0xC00C_642D);
        assert_eq!(std::mem::size_of::<DrmPrimeHandle>(), 12);
        assert_eq!((DRM_RDWR, DRM_CLOEXEC), (2, 0o2000000));
    }
}
