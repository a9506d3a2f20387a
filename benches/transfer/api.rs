//! The C API as function pointers: virgl-shim's own exports (linked from our rlib) or
//! Debian's `libvirglrenderer.so.1` opened with dlopen, and the renderer a child process runs.

use crate::{
    BIND_RENDER_TARGET, FB_H, FB_W, FLAG_Y_0_TOP, PIPE_TEXTURE_2D, UPSTREAM_PATH, USE_EGL,
    USE_SURFACELESS, VIRGL_FORMAT_B8G8R8A8_UNORM,
};
use std::ffi::{c_int, c_uint, c_void};
use virglrenderer::ffi::{
    iovec, virgl_box, virgl_renderer_callbacks, virgl_renderer_resource_create_args,
    virgl_renderer_resource_create_coherent_args,
};

pub(crate) type InitFn =
    unsafe extern "C" fn(*mut c_void, c_int, *mut virgl_renderer_callbacks) -> c_int;
pub(crate) type CleanupFn = unsafe extern "C" fn(*mut c_void);
pub(crate) type CreateFn =
    unsafe extern "C" fn(*mut virgl_renderer_resource_create_args, *mut iovec, u32) -> c_int;
pub(crate) type UnrefFn = unsafe extern "C" fn(u32);
pub(crate) type AttachFn = unsafe extern "C" fn(c_int, *mut iovec, c_int) -> c_int;
pub(crate) type DetachFn = unsafe extern "C" fn(c_int, *mut *mut iovec, *mut c_int);
pub(crate) type WriteFn = unsafe extern "C" fn(
    u32,
    u32,
    c_int,
    u32,
    u32,
    *mut virgl_box,
    u64,
    *mut iovec,
    c_uint,
) -> c_int;
pub(crate) type ReadFn =
    unsafe extern "C" fn(u32, u32, u32, u32, u32, *mut virgl_box, u64, *mut iovec, c_int) -> c_int;
pub(crate) type CoherentFn =
    unsafe extern "C" fn(*const virgl_renderer_resource_create_coherent_args) -> c_int;
pub(crate) type MapFn = unsafe extern "C" fn(u32, *mut *mut c_void, *mut u64) -> c_int;
pub(crate) type UnmapFn = extern "C" fn(u32) -> c_int;

/// The entry points the workloads use, from our rlib or from upstream's dlopen'd library.
#[derive(Clone, Copy)]
pub(crate) struct Api {
    pub(crate) init: InitFn,
    pub(crate) cleanup: CleanupFn,
    pub(crate) create: CreateFn,
    pub(crate) unref: UnrefFn,
    pub(crate) attach: AttachFn,
    pub(crate) detach: DetachFn,
    pub(crate) write: WriteFn,
    pub(crate) read: ReadFn,
    /// virgl-shim only (upstream 0.10.4 has no coherent resources).
    pub(crate) coherent: Option<(CoherentFn, MapFn, UnmapFn)>,
}

pub(crate) fn shim_api() -> Api {
    use virglrenderer::ffi as f;
    let cleanup: extern "C" fn(*mut c_void) = f::virgl_renderer_cleanup;
    let unref: extern "C" fn(u32) = f::virgl_renderer_resource_unref;
    Api {
        init: f::virgl_renderer_init,
        cleanup,
        create: f::virgl_renderer_resource_create,
        unref,
        attach: f::virgl_renderer_resource_attach_iov,
        detach: f::virgl_renderer_resource_detach_iov,
        write: f::virgl_renderer_transfer_write_iov,
        read: f::virgl_renderer_transfer_read_iov,
        coherent: Some((
            f::virgl_renderer_resource_create_coherent,
            f::virgl_renderer_resource_map,
            f::virgl_renderer_resource_unmap,
        )),
    }
}

pub(crate) fn upstream_api() -> Result<Api, String> {
    let flags = libc::RTLD_NOW | libc::RTLD_LOCAL | libc::RTLD_DEEPBIND;
    // SAFETY: loading Debian's virglrenderer runs its (trusted) initialisers; DEEPBIND keeps
    // its own symbols ahead of the identically named ones our binary carries.
    let lib = unsafe { libloading::os::unix::Library::open(Some(UPSTREAM_PATH), flags) }
        .map_err(|e| format!("dlopen {UPSTREAM_PATH}: {e}"))?;
    macro_rules! sym {
        ($name:literal) => {
            // SAFETY: the symbol is the 0.10.4 function whose C prototype the target type
            // spells (virglrenderer.h); the library is never unloaded (forgotten below).
            *unsafe { lib.get(concat!($name, "\0").as_bytes()) }
                .map_err(|e| format!("dlsym {}: {e}", $name))?
        };
    }
    let api = Api {
        init: sym!("virgl_renderer_init"),
        cleanup: sym!("virgl_renderer_cleanup"),
        create: sym!("virgl_renderer_resource_create"),
        unref: sym!("virgl_renderer_resource_unref"),
        attach: sym!("virgl_renderer_resource_attach_iov"),
        detach: sym!("virgl_renderer_resource_detach_iov"),
        write: sym!("virgl_renderer_transfer_write_iov"),
        read: sym!("virgl_renderer_transfer_read_iov"),
        coherent: None,
    };
    // The function really is upstream's (not our identically named export).
    // SAFETY: Dl_info is plain data (pointers and integers): all-zero is a valid value.
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    // SAFETY: dladdr only reads the address and fills `info`.
    let found = unsafe { libc::dladdr(api.init as *const c_void, &mut info) };
    let file = if found != 0 && !info.dli_fname.is_null() {
        // SAFETY: dladdr returned a NUL-terminated path owned by the loader.
        unsafe { std::ffi::CStr::from_ptr(info.dli_fname) }.to_string_lossy().into_owned()
    } else {
        String::new()
    };
    if !file.contains("libvirglrenderer.so") {
        return Err(format!("virgl_renderer_init resolved to {file:?}, not {UPSTREAM_PATH}"));
    }
    std::mem::forget(lib);
    Ok(api)
}

pub(crate) extern "C" fn no_fence(_cookie: *mut c_void, _fence: u32) {}

/// A renderer initialised for the whole child process (never cleaned up while workloads run).
pub(crate) struct Lib {
    pub(crate) api: Api,
    pub(crate) cookie: *mut c_void,
}

impl Lib {
    pub(crate) fn init(api: Api) -> Result<Lib, String> {
        let cbs = Box::leak(Box::new(virgl_renderer_callbacks {
            version: 1,
            write_fence: Some(no_fence),
            create_gl_context: None,
            destroy_gl_context: None,
            make_current: None,
            get_drm_fd: None,
            write_context_fence: None,
            get_server_fd: None,
            get_egl_display: None,
        }));
        let cookie = Box::leak(Box::new(0u64)) as *mut u64 as *mut c_void;
        // SAFETY: non-NULL cookie and a version-1 callbacks struct that live for the process.
        let rc = unsafe { (api.init)(cookie, USE_EGL | USE_SURFACELESS, cbs) };
        if rc != 0 {
            return Err(format!("virgl_renderer_init: {rc}"));
        }
        Ok(Lib { api, cookie })
    }

    #[allow(clippy::too_many_arguments)] // the fields of the C args struct
    pub(crate) fn create(
        &self,
        handle: u32,
        target: u32,
        format: u32,
        bind: u32,
        w: u32,
        h: u32,
        fl: u32,
    ) -> R {
        let mut a = virgl_renderer_resource_create_args {
            handle,
            target,
            format,
            bind,
            width: w,
            height: h,
            depth: 1,
            array_size: 1,
            last_level: 0,
            nr_samples: 0,
            flags: fl,
        };
        // SAFETY: a valid args struct; no iovecs.
        rc("resource_create", unsafe { (self.api.create)(&mut a, std::ptr::null_mut(), 0) })
    }

    pub(crate) fn frame(&self, handle: u32) -> R {
        let bind = BIND_RENDER_TARGET;
        self.create(
            handle,
            PIPE_TEXTURE_2D,
            VIRGL_FORMAT_B8G8R8A8_UNORM,
            bind,
            FB_W,
            FB_H,
            FLAG_Y_0_TOP,
        )
    }

    /// Attaches `iovs`, which must stay alive and mapped until detached.
    pub(crate) fn attach(&self, handle: u32, iovs: &mut [iovec]) -> R {
        // SAFETY: the iovecs point to live buffers the caller keeps until detach/unref.
        rc("attach_iov", unsafe {
            (self.api.attach)(handle as c_int, iovs.as_mut_ptr(), iovs.len() as c_int)
        })
    }

    pub(crate) fn detach(&self, handle: u32) {
        let mut p = std::ptr::null_mut();
        let mut n = 0;
        // SAFETY: valid out-pointers.
        unsafe { (self.api.detach)(handle as c_int, &mut p, &mut n) };
    }

    pub(crate) fn unref(&self, handle: u32) {
        // SAFETY: plain value arguments.
        unsafe { (self.api.unref)(handle) };
    }

    /// TRANSFER_TO_HOST of `bx` from the attached backing at `offset` (stride 0: the level's).
    pub(crate) fn write(&self, handle: u32, bx: virgl_box, offset: u64) -> R {
        let mut bx = bx;
        // SAFETY: valid box; NULL iovecs select the attached backing.
        rc("transfer_write_iov", unsafe {
            (self.api.write)(handle, 0, 0, 0, 0, &mut bx, offset, std::ptr::null_mut(), 0)
        })
    }

    /// TRANSFER_FROM_HOST of `bx` into the attached backing at `offset`.
    pub(crate) fn read(&self, handle: u32, bx: virgl_box, offset: u64) -> R {
        let mut bx = bx;
        // SAFETY: as in `write`.
        rc("transfer_read_iov", unsafe {
            (self.api.read)(handle, 0, 0, 0, 0, &mut bx, offset, std::ptr::null_mut(), 0)
        })
    }

    /// TRANSFER_FROM_HOST into the caller's iovecs.
    pub(crate) fn read_into(&self, handle: u32, bx: virgl_box, iovs: &mut [iovec]) -> R {
        let mut bx = bx;
        // SAFETY: valid box and live iovecs for the duration of the call.
        rc("transfer_read_iov", unsafe {
            (self.api.read)(handle, 0, 0, 0, 0, &mut bx, 0, iovs.as_mut_ptr(), iovs.len() as c_int)
        })
    }

    /// TRANSFER_TO_HOST from the caller's iovecs.
    pub(crate) fn write_from(&self, handle: u32, bx: virgl_box, iovs: &mut [iovec]) -> R {
        let mut bx = bx;
        // SAFETY: as in `read_into`.
        rc("transfer_write_iov", unsafe {
            (self.api.write)(
                handle,
                0,
                0,
                0,
                0,
                &mut bx,
                0,
                iovs.as_mut_ptr(),
                iovs.len() as c_uint,
            )
        })
    }
}

impl Drop for Lib {
    fn drop(&mut self) {
        // SAFETY: the cookie given to init.
        unsafe { (self.api.cleanup)(self.cookie) };
    }
}

pub(crate) type R = Result<(), String>;

pub(crate) fn rc(what: &str, v: c_int) -> R {
    if v == 0 {
        Ok(())
    } else {
        Err(format!("{what} returned {v}"))
    }
}

pub(crate) fn bx(x: u32, y: u32, w: u32, h: u32) -> virgl_box {
    virgl_box { x, y, z: 0, w, h, d: 1 }
}

pub(crate) fn iov_of(b: &mut [u8]) -> iovec {
    iovec { iov_base: b.as_mut_ptr().cast(), iov_len: b.len() }
}
