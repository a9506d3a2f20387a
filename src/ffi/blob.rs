//! Blob resources, mapping, export/import and virgl-shim's coherent / zero-copy / dma-buf
//! calls. Not implemented yet: each returns -EOPNOTSUPP (blob API's negative convention) and
//! logs once.

use super::types::*;
use super::{boundary, not_implemented, report};
use std::ffi::{c_int, c_void};

macro_rules! unimplemented_neg {
    ($name:literal, $($arg:expr),*) => {
        boundary($name, -libc::EINVAL, || {
            let _ = ($($arg,)*);
            report($name, &not_implemented($name), true)
        })
    };
}

/// Creates a blob resource (GUEST, HOST3D, HOST3D_GUEST). Not implemented yet: -EOPNOTSUPP.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_resource_create_blob(
    args: *const virgl_renderer_resource_create_blob_args,
) -> c_int {
    unimplemented_neg!("virgl_renderer_resource_create_blob", args)
}

/// Maps a resource's host memory; `*map`/`*out_size` receive address and size.
/// Not implemented yet: -EOPNOTSUPP.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_resource_map(
    res_handle: u32,
    map: *mut *mut c_void,
    out_size: *mut u64,
) -> c_int {
    unimplemented_neg!("virgl_renderer_resource_map", res_handle, map, out_size)
}

/// Unmaps what `resource_map` mapped. Not implemented yet: -EOPNOTSUPP.
#[no_mangle]
pub extern "C" fn virgl_renderer_resource_unmap(res_handle: u32) -> c_int {
    unimplemented_neg!("virgl_renderer_resource_unmap", res_handle)
}

/// Maps a resource at a caller-chosen address (MAP_FIXED). Not supported: -EOPNOTSUPP, on
/// which callers fall back to `resource_map` (upstream's documented contract).
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_resource_map_fixed(
    res_handle: u32,
    addr: *mut c_void,
) -> c_int {
    unimplemented_neg!("virgl_renderer_resource_map_fixed", res_handle, addr)
}

/// Cache type of a mappable resource (`VIRGL_RENDERER_MAP_CACHE_*`). Not implemented yet:
/// -EOPNOTSUPP.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_resource_get_map_info(
    res_handle: u32,
    map_info: *mut u32,
) -> c_int {
    unimplemented_neg!("virgl_renderer_resource_get_map_info", res_handle, map_info)
}

/// Exports a resource as an fd (`VIRGL_RENDERER_BLOB_FD_TYPE_*`). Not implemented yet:
/// -EOPNOTSUPP.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_resource_export_blob(
    res_id: u32,
    fd_type: *mut u32,
    fd: *mut c_int,
) -> c_int {
    unimplemented_neg!("virgl_renderer_resource_export_blob", res_id, fd_type, fd)
}

/// Creates a resource from an fd. Not implemented yet: -EOPNOTSUPP.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_resource_import_blob(
    args: *const virgl_renderer_resource_import_blob_args,
) -> c_int {
    unimplemented_neg!("virgl_renderer_resource_import_blob", args)
}

/// Runs a structure command (EXPORT_QUERY, SUPPORTED_STRUCTURES). Not implemented yet:
/// -EOPNOTSUPP.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_execute(
    execute_args: *mut c_void,
    execute_size: u32,
) -> c_int {
    unimplemented_neg!("virgl_renderer_execute", execute_args, execute_size)
}

/// virgl-shim: creates a coherent resource (host memory the VMM maps into the guest's BAR),
/// counted against the coherent budget. Not implemented yet: -EOPNOTSUPP.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_resource_create_coherent(
    args: *const virgl_renderer_resource_create_coherent_args,
) -> c_int {
    unimplemented_neg!("virgl_renderer_resource_create_coherent", args)
}

/// virgl-shim: exports a resource as a dma-buf with its plane layout. Not implemented yet:
/// -EOPNOTSUPP.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_resource_export_dmabuf(
    res_handle: u32,
    out: *mut virgl_renderer_dmabuf,
) -> c_int {
    unimplemented_neg!("virgl_renderer_resource_export_dmabuf", res_handle, out)
}

/// virgl-shim: sets the coherent memory budget in bytes. Not implemented yet: -EOPNOTSUPP.
#[no_mangle]
pub extern "C" fn virgl_renderer_set_coherent_limit(bytes: u64) -> c_int {
    unimplemented_neg!("virgl_renderer_set_coherent_limit", bytes)
}

/// virgl-shim: coherent bytes in use and the budget. Not implemented yet: -EOPNOTSUPP.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_get_coherent_usage(
    used: *mut u64,
    limit: *mut u64,
) -> c_int {
    unimplemented_neg!("virgl_renderer_get_coherent_usage", used, limit)
}

/// virgl-shim: tells the library that `size` bytes of guest RAM at `hva` are backed by `fd`
/// at `fd_offset` (for zero-copy dma-bufs). Not implemented yet: -EOPNOTSUPP.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_register_guest_memory(
    hva: *mut c_void,
    size: u64,
    fd: c_int,
    fd_offset: u64,
) -> c_int {
    unimplemented_neg!("virgl_renderer_register_guest_memory", hva, size, fd, fd_offset)
}

/// virgl-shim: forgets a range registered with `register_guest_memory`. Not implemented
/// yet: -EOPNOTSUPP.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_unregister_guest_memory(hva: *mut c_void) -> c_int {
    unimplemented_neg!("virgl_renderer_unregister_guest_memory", hva)
}
