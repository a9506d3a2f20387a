//! C types and constants of the public API. These declarations *are* the header: cbindgen
//! turns them into `include/virglrenderer.h`. Names, values and layouts follow upstream
//! virglrenderer 1.2 exactly; virgl-shim's own additions are marked as such.
#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_int, c_void};

/// `struct iovec` from `<sys/uio.h>` (declared, not defined, by the header).
pub type iovec = libc::iovec;

/// Stand-in for C's `va_list` in the deprecated debug callback type (the header says `va_list`).
pub type VaListArg = *mut c_void;

/// `struct virgl_box` (upstream's virgl_hw.h): only declared by the header, callers such as
/// QEMU pass their own layout-identical six `uint32_t` x, y, z, w, h, d.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct virgl_box {
    pub x: u32,
    pub y: u32,
    pub z: u32,
    pub w: u32,
    pub h: u32,
    pub d: u32,
}

/// An opaque GL context handle owned by the caller.
pub type virgl_renderer_gl_context = *mut c_void;

/// Parameters of a GL context the library asks the VMM to create.
#[repr(C)]
pub struct virgl_renderer_gl_ctx_param {
    pub version: c_int,
    pub shared: bool,
    pub major_ver: c_int,
    pub minor_ver: c_int,
    pub compat_ctx: c_int,
}

/// Version of `struct virgl_renderer_callbacks` this library understands.
pub const VIRGL_RENDERER_CALLBACKS_VERSION: i32 = 4;

/// Callbacks the VMM gives `virgl_renderer_init`. Fields past `version`'s level are ignored.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct virgl_renderer_callbacks {
    pub version: c_int,
    /// Called when a ctx-0 fence retires.
    pub write_fence: Option<unsafe extern "C" fn(cookie: *mut c_void, fence: u32)>,
    /// Create a GL/GLES context (the VMM's own windowing system).
    pub create_gl_context: Option<
        unsafe extern "C" fn(
            cookie: *mut c_void,
            scanout_idx: c_int,
            param: *mut virgl_renderer_gl_ctx_param,
        ) -> virgl_renderer_gl_context,
    >,
    /// Destroy a context made by `create_gl_context`.
    pub destroy_gl_context:
        Option<unsafe extern "C" fn(cookie: *mut c_void, ctx: virgl_renderer_gl_context)>,
    /// Make a context current; 0 on success, a negative errno on failure.
    pub make_current: Option<
        unsafe extern "C" fn(
            cookie: *mut c_void,
            scanout_idx: c_int,
            ctx: virgl_renderer_gl_context,
        ) -> c_int,
    >,
    /// v2: a DRM fd the library takes ownership of.
    pub get_drm_fd: Option<unsafe extern "C" fn(cookie: *mut c_void) -> c_int>,
    /// v3: called when a per-context fence retires.
    pub write_context_fence: Option<
        unsafe extern "C" fn(cookie: *mut c_void, ctx_id: u32, ring_idx: u32, fence_id: u64),
    >,
    /// v3: a connected SOCK_SEQPACKET to an externally started render server.
    pub get_server_fd: Option<unsafe extern "C" fn(cookie: *mut c_void, version: u32) -> c_int>,
    /// v4: the caller's EGLDisplay (requires the three GL context callbacks).
    pub get_egl_display: Option<unsafe extern "C" fn(cookie: *mut c_void) -> *mut c_void>,
}

/// Init flag: use EGL (virtio-gpu compatible interface).
pub const VIRGL_RENDERER_USE_EGL: i32 = 1;
/// Init flag: wait for sync objects in a thread; see `virgl_renderer_get_poll_fd`.
pub const VIRGL_RENDERER_THREAD_SYNC: i32 = 2;
pub const VIRGL_RENDERER_USE_GLX: i32 = 1 << 2;
pub const VIRGL_RENDERER_USE_SURFACELESS: i32 = 1 << 3;
pub const VIRGL_RENDERER_USE_GLES: i32 = 1 << 4;
pub const VIRGL_RENDERER_USE_EXTERNAL_BLOB: i32 = 1 << 5;
pub const VIRGL_RENDERER_VENUS: i32 = 1 << 6;
pub const VIRGL_RENDERER_NO_VIRGL: i32 = 1 << 7;
/// With THREAD_SYNC: fence callbacks run on the library's own thread.
pub const VIRGL_RENDERER_ASYNC_FENCE_CB: i32 = 1 << 8;
pub const VIRGL_RENDERER_RENDER_SERVER: i32 = 1 << 9;
pub const VIRGL_RENDERER_DRM: i32 = 1 << 10;
#[cfg(virgl_unstable_apis)]
pub const VIRGL_RENDERER_USE_VIDEO: i32 = 1 << 11;
pub const VIRGL_RENDERER_D3D11_SHARE_TEXTURE: i32 = 1 << 12;
pub const VIRGL_RENDERER_COMPAT_PROFILE: i32 = 1 << 13;
pub const VIRGL_RENDERER_USE_GUEST_VRAM: i32 = 1 << 14;

pub const VIRGL_RES_BIND_DEPTH_STENCIL: u32 = 1 << 0;
pub const VIRGL_RES_BIND_RENDER_TARGET: u32 = 1 << 1;
pub const VIRGL_RES_BIND_SAMPLER_VIEW: u32 = 1 << 3;
pub const VIRGL_RES_BIND_VERTEX_BUFFER: u32 = 1 << 4;
pub const VIRGL_RES_BIND_INDEX_BUFFER: u32 = 1 << 5;
pub const VIRGL_RES_BIND_CONSTANT_BUFFER: u32 = 1 << 6;
pub const VIRGL_RES_BIND_STREAM_OUTPUT: u32 = 1 << 11;
pub const VIRGL_RES_BIND_CURSOR: u32 = 1 << 16;
pub const VIRGL_RES_BIND_CUSTOM: u32 = 1 << 17;
pub const VIRGL_RES_BIND_SCANOUT: u32 = 1 << 18;
pub const VIRGL_RES_BIND_SHARED: u32 = 1 << 20;

/// Structure types for `virgl_renderer_execute`.
#[repr(C)]
pub enum virgl_renderer_structure_type_v0 {
    VIRGL_RENDERER_STRUCTURE_TYPE_NONE = 0,
    VIRGL_RENDERER_STRUCTURE_TYPE_EXPORT_QUERY = 1 << 0,
    VIRGL_RENDERER_STRUCTURE_TYPE_SUPPORTED_STRUCTURES = 1 << 1,
}

/// Arguments of `virgl_renderer_resource_create` (virtio-gpu RESOURCE_CREATE_3D).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct virgl_renderer_resource_create_args {
    pub handle: u32,
    pub target: u32,
    pub format: u32,
    pub bind: u32,
    pub width: u32,
    pub height: u32,
    pub depth: u32,
    pub array_size: u32,
    pub last_level: u32,
    pub nr_samples: u32,
    pub flags: u32,
}

/// Common header of the structures passed to `virgl_renderer_execute`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct virgl_renderer_hdr {
    pub stype: u32,
    pub stype_version: u32,
    pub size: u32,
}

/// EXPORT_QUERY: how a resource could be exported. `out_num_fds` or `out_fourcc` zero means
/// not exportable; fds are filled only when `in_export_fds` is non-zero.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct virgl_renderer_export_query {
    pub hdr: virgl_renderer_hdr,
    pub in_resource_id: u32,
    pub out_num_fds: u32,
    pub in_export_fds: u32,
    pub out_fourcc: u32,
    pub pad: u32,
    pub out_fds: [i32; 4],
    pub out_strides: [u32; 4],
    pub out_offsets: [u32; 4],
    pub out_modifier: u64,
}

/// SUPPORTED_STRUCTURES: which structure types are understood for `in_stype_version`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct virgl_renderer_supported_structures {
    pub hdr: virgl_renderer_hdr,
    pub in_stype_version: u32,
    pub out_supported_structures_mask: u32,
}

/// Deprecated log sink: a printf format and its arguments.
pub type virgl_debug_callback_type =
    Option<unsafe extern "C" fn(fmt: *const c_char, ap: VaListArg)>;

/// Log levels of `virgl_log_callback_type`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum virgl_log_level_flags {
    VIRGL_LOG_LEVEL_DEBUG,
    VIRGL_LOG_LEVEL_INFO,
    VIRGL_LOG_LEVEL_WARNING,
    VIRGL_LOG_LEVEL_ERROR,
    /// Highest value; never used as the level of a message.
    VIRGL_LOG_LEVEL_SILENT,
}

/// Frees the `user_data` of a log callback when it is replaced.
pub type virgl_free_data_callback_type = Option<unsafe extern "C" fn(user_data: *mut c_void)>;
/// Receives every log line of the library.
pub type virgl_log_callback_type = Option<
    unsafe extern "C" fn(
        log_level: virgl_log_level_flags,
        message: *const c_char,
        user_data: *mut c_void,
    ),
>;

/// Information about a resource (`virgl_renderer_resource_get_info`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct virgl_renderer_resource_info {
    pub handle: u32,
    pub virgl_format: u32,
    pub width: u32,
    pub height: u32,
    pub depth: u32,
    pub flags: u32,
    pub tex_id: u32,
    pub stride: u32,
    pub drm_fourcc: c_int,
    pub fd: c_int,
}

pub const VIRGL_RENDERER_RESOURCE_INFO_EXT_VERSION: i32 = 0;

/// Extended resource information (`virgl_renderer_resource_get_info_ext`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct virgl_renderer_resource_info_ext {
    pub version: c_int,
    pub base: virgl_renderer_resource_info,
    pub has_dmabuf_export: bool,
    pub planes: c_int,
    pub modifiers: u64,
    pub d3d_tex2d: *mut c_void,
}

/// Mask of the capset id in `virgl_renderer_context_create_with_flags`' flags.
pub const VIRGL_RENDERER_CONTEXT_FLAG_CAPSET_ID_MASK: u32 = 0xff;

pub const VIRGL_RENDERER_BLOB_MEM_GUEST: u32 = 0x0001;
pub const VIRGL_RENDERER_BLOB_MEM_HOST3D: u32 = 0x0002;
pub const VIRGL_RENDERER_BLOB_MEM_HOST3D_GUEST: u32 = 0x0003;
pub const VIRGL_RENDERER_BLOB_MEM_GUEST_VRAM: u32 = 0x0004;

pub const VIRGL_RENDERER_BLOB_FLAG_USE_MAPPABLE: u32 = 0x0001;
pub const VIRGL_RENDERER_BLOB_FLAG_USE_SHAREABLE: u32 = 0x0002;
pub const VIRGL_RENDERER_BLOB_FLAG_USE_CROSS_DEVICE: u32 = 0x0004;

/// Arguments of `virgl_renderer_resource_create_blob`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct virgl_renderer_resource_create_blob_args {
    pub res_handle: u32,
    pub ctx_id: u32,
    pub blob_mem: u32,
    pub blob_flags: u32,
    pub blob_id: u64,
    pub size: u64,
    pub iovecs: *const iovec,
    pub num_iovs: u32,
}

pub const VIRGL_RENDERER_MAP_CACHE_MASK: u32 = 0x0f;
pub const VIRGL_RENDERER_MAP_CACHE_NONE: u32 = 0x00;
pub const VIRGL_RENDERER_MAP_CACHE_CACHED: u32 = 0x01;
pub const VIRGL_RENDERER_MAP_CACHE_UNCACHED: u32 = 0x02;
pub const VIRGL_RENDERER_MAP_CACHE_WC: u32 = 0x03;

pub const VIRGL_RENDERER_BLOB_FD_TYPE_DMABUF: u32 = 0x0001;
pub const VIRGL_RENDERER_BLOB_FD_TYPE_OPAQUE: u32 = 0x0002;
pub const VIRGL_RENDERER_BLOB_FD_TYPE_SHM: u32 = 0x0003;

/// Arguments of `virgl_renderer_resource_import_blob`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct virgl_renderer_resource_import_blob_args {
    pub res_handle: u32,
    pub blob_mem: u32,
    pub fd_type: u32,
    pub fd: c_int,
    pub size: u64,
}

/// Fence flag: the fence's callback may be skipped when a later fence of the same
/// context/ring retires first.
pub const VIRGL_RENDERER_FENCE_FLAG_MERGEABLE: u32 = 1 << 0;

// ---- virgl-shim additions ------------------------------------------------------------------

/// virgl-shim: `resource_create_args.flags` bit: the host keeps no copy; it uses the guest
/// pages in place.
pub const VIRGL_RENDERER_RESOURCE_FLAG_ZEROCOPY: u32 = 1 << 8;

/// virgl-shim: arguments of `virgl_renderer_resource_create_coherent`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct virgl_renderer_resource_create_coherent_args {
    pub res_handle: u32,
    /// 0, or a context the resource is attached to.
    pub ctx_id: u32,
    /// PIPE_BUFFER (0) or PIPE_TEXTURE_2D (2).
    pub target: u32,
    /// virgl format; R8_UNORM for buffers.
    pub format: u32,
    pub bind: u32,
    /// Buffers: size in bytes.
    pub width: u32,
    /// Buffers: 1.
    pub height: u32,
    /// Must be 0.
    pub flags: u32,
}

/// virgl-shim: a dma-buf export of a resource with its plane layout.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct virgl_renderer_dmabuf {
    /// The caller owns it.
    pub fd: i32,
    /// DRM_FORMAT_*.
    pub fourcc: u32,
    /// DRM_FORMAT_MOD_*.
    pub modifier: u64,
    /// Bytes of the exported object.
    pub size: u64,
    pub num_planes: u32,
    pub reserved: u32,
    pub strides: [u32; 4],
    pub offsets: [u32; 4],
}
