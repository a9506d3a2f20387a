//! Blob resources, mapping, export/import and virgl-shim's coherent / zero-copy / dma-buf
//! calls. All return 0 or a negative errno. What is not implemented yet returns
//! -EOPNOTSUPP and logs once.

use super::types::*;
use super::{boundary, neg, not_implemented, read_arg, report, write_arg};
use crate::error::Error;
use crate::iov::IovList;
use crate::renderer;
use std::ffi::{c_int, c_void};
use std::os::fd::IntoRawFd;

macro_rules! unimplemented_neg {
    ($name:literal, $($arg:expr),*) => {
        boundary($name, -libc::EINVAL, || {
            let _ = ($($arg,)*);
            report($name, &not_implemented($name), true)
        })
    };
}

/// Creates a blob resource. `BLOB_MEM_GUEST`: the data lives only in the given iovecs (at
/// least `size` bytes; no host copy; map info CACHED). `HOST3D`/`HOST3D_GUEST` need a blob
/// from the command stream and are not implemented yet (-EOPNOTSUPP). -EINVAL for a NULL
/// args, handle 0 or in use, size 0, unknown blob_mem, iovecs shorter than size.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_resource_create_blob(
    args: *const virgl_renderer_resource_create_blob_args,
) -> c_int {
    const NAME: &str = "virgl_renderer_resource_create_blob";
    boundary(NAME, -libc::EINVAL, || {
        // SAFETY: a non-NULL pointer is the caller's struct.
        let Some(a) = (unsafe { read_arg(args) }) else {
            return report(NAME, &Error::inval("NULL args"), true);
        };
        let r = (|| {
            if a.res_handle == 0 || a.size == 0 {
                return Err(Error::inval(format!("handle {} size {}", a.res_handle, a.size)));
            }
            match a.blob_mem {
                VIRGL_RENDERER_BLOB_MEM_GUEST => {}
                VIRGL_RENDERER_BLOB_MEM_HOST3D | VIRGL_RENDERER_BLOB_MEM_HOST3D_GUEST => {
                    if a.blob_mem == VIRGL_RENDERER_BLOB_MEM_HOST3D && a.num_iovs != 0 {
                        return Err(Error::inval("HOST3D blob with iovecs"));
                    }
                    return Err(not_implemented(
                        "HOST3D blobs (virgl_renderer_resource_create_blob)",
                    ));
                }
                m => return Err(Error::inval(format!("blob_mem {m}"))),
            }
            // SAFETY: the VMM's iovecs for this blob.
            let iovs = unsafe { IovList::from_raw(a.iovecs, a.num_iovs as usize) }?;
            renderer::with(|r| {
                if r.resources.contains_key(&a.res_handle) {
                    return Err(Error::inval(format!("resource {} already exists", a.res_handle)));
                }
                r.create_guest_blob(
                    a.res_handle,
                    a.size,
                    iovs,
                    (a.iovecs as usize, a.num_iovs as i32),
                )
            })
        })();
        neg(NAME, r)
    })
}

/// Maps a coherent resource: `*map` receives a page-aligned address, `*out_size` a
/// multiple of the page size; stable until `unmap`, also across `unref`. -EINVAL for an
/// unknown, unmappable or already mapped resource or NULL out-pointers.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_resource_map(
    res_handle: u32,
    map: *mut *mut c_void,
    out_size: *mut u64,
) -> c_int {
    const NAME: &str = "virgl_renderer_resource_map";
    boundary(NAME, -libc::EINVAL, || {
        if map.is_null() || out_size.is_null() {
            return report(NAME, &Error::inval("NULL out-pointer"), true);
        }
        match renderer::with(|r| r.map(res_handle)) {
            Ok((p, len)) => {
                // SAFETY: both out-pointers checked non-NULL.
                unsafe {
                    write_arg(map, p.cast::<c_void>());
                    write_arg(out_size, len);
                }
                0
            }
            Err(e) => report(NAME, &e, true),
        }
    })
}

/// Ends a mapping made by `resource_map`; frees the memory of a resource unreferenced while
/// mapped. -EINVAL when the resource is not mapped.
#[no_mangle]
pub extern "C" fn virgl_renderer_resource_unmap(res_handle: u32) -> c_int {
    const NAME: &str = "virgl_renderer_resource_unmap";
    boundary(NAME, -libc::EINVAL, || neg(NAME, renderer::with(|r| r.unmap(res_handle))))
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

/// Cache type of a mappable resource (`VIRGL_RENDERER_MAP_CACHE_*`): CACHED for coherent
/// memory and guest blobs. -EINVAL for unknown or unmappable resources or NULL.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_resource_get_map_info(
    res_handle: u32,
    map_info: *mut u32,
) -> c_int {
    const NAME: &str = "virgl_renderer_resource_get_map_info";
    boundary(NAME, -libc::EINVAL, || {
        if map_info.is_null() {
            return report(NAME, &Error::inval("NULL map_info"), true);
        }
        match renderer::with(|r| r.map_info(res_handle)) {
            Ok(v) => {
                // SAFETY: checked non-NULL.
                unsafe { write_arg(map_info, v) };
                0
            }
            Err(e) => report(NAME, &e, true),
        }
    })
}

/// Exports a resource as an fd the caller owns: coherent memory as its memfd
/// (`VIRGL_RENDERER_BLOB_FD_TYPE_SHM`). dma-buf export is not implemented yet. -EINVAL
/// for resources without exportable memory or NULL out-pointers.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_resource_export_blob(
    res_id: u32,
    fd_type: *mut u32,
    fd: *mut c_int,
) -> c_int {
    const NAME: &str = "virgl_renderer_resource_export_blob";
    boundary(NAME, -libc::EINVAL, || {
        if fd_type.is_null() || fd.is_null() {
            return report(NAME, &Error::inval("NULL out-pointer"), true);
        }
        match renderer::with(|r| r.export_blob(res_id)) {
            Ok((t, owned)) => {
                // SAFETY: both out-pointers checked non-NULL; the fd's ownership passes to
                // the caller.
                unsafe {
                    write_arg(fd_type, t);
                    write_arg(fd, owned.into_raw_fd());
                }
                0
            }
            Err(e) => report(NAME, &e, true),
        }
    })
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

/// virgl-shim: creates a coherent resource — zeroed, page-aligned host memory (a memfd)
/// that `resource_map` hands to the VMM for the guest's BAR and that transfers read and
/// write in place — counted against the coherent budget. Returns 0, -ENOSPC when the
/// budget would be passed (nothing allocated), -EINVAL for bad arguments (NULL, handle 0 or
/// in use, target not BUFFER/TEXTURE_2D, flags ≠ 0, unknown ctx_id, invalid sizes).
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_resource_create_coherent(
    args: *const virgl_renderer_resource_create_coherent_args,
) -> c_int {
    const NAME: &str = "virgl_renderer_resource_create_coherent";
    boundary(NAME, -libc::EINVAL, || {
        // SAFETY: a non-NULL pointer is the caller's struct.
        let Some(a) = (unsafe { read_arg(args) }) else {
            return report(NAME, &Error::inval("NULL args"), true);
        };
        neg(NAME, renderer::with(|r| r.create_coherent(&a)))
    })
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

/// virgl-shim: sets the coherent budget in bytes (default 256 MiB or
/// `VIRGL_SHIM_COHERENT_LIMIT`). Lowering it below the current use frees nothing; new
/// allocations fail until use drops. Returns 0 or -EINVAL (not initialised).
#[no_mangle]
pub extern "C" fn virgl_renderer_set_coherent_limit(bytes: u64) -> c_int {
    const NAME: &str = "virgl_renderer_set_coherent_limit";
    boundary(NAME, -libc::EINVAL, || {
        neg(
            NAME,
            renderer::with(|r| {
                r.coherent_limit = bytes;
                Ok(())
            }),
        )
    })
}

/// virgl-shim: coherent bytes in use (including memory kept for mappings of unreferenced
/// resources) and the budget; each out-pointer may be NULL. Returns 0 or -EINVAL.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_get_coherent_usage(
    used: *mut u64,
    limit: *mut u64,
) -> c_int {
    const NAME: &str = "virgl_renderer_get_coherent_usage";
    boundary(NAME, -libc::EINVAL, || {
        match renderer::with(|r| Ok((r.coherent_used, r.coherent_limit))) {
            Ok((u, l)) => {
                // SAFETY: optional out-pointers of the caller.
                unsafe {
                    write_arg(used, u);
                    write_arg(limit, l);
                }
                0
            }
            Err(e) => report(NAME, &e, true),
        }
    })
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
