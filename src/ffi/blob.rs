//! Blob resources, mapping, export/import and virgl-shim's coherent / zero-copy / dma-buf
//! calls. All return 0 or a negative errno. What is not implemented yet returns
//! -EOPNOTSUPP and logs once.

use super::types::*;
use super::{boundary, neg, not_implemented, read_arg, report, write_arg};
use crate::error::{Error, Result};
use crate::renderer;
use crate::renderer::blob::BlobFd;
use crate::sys::dmabuf::{dup, Dmabuf, DRM_FORMAT_MOD_INVALID};
use crate::sys::iov::IovList;
use std::ffi::{c_int, c_void};
use std::os::fd::{AsFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd};

/// `VIRGL_RENDERER_BLOB_FD_TYPE_*` of an fd kind.
fn blob_fd_type(k: BlobFd) -> u32 {
    match k {
        BlobFd::Dmabuf => VIRGL_RENDERER_BLOB_FD_TYPE_DMABUF,
        BlobFd::Opaque => VIRGL_RENDERER_BLOB_FD_TYPE_OPAQUE,
        BlobFd::Shm => VIRGL_RENDERER_BLOB_FD_TYPE_SHM,
    }
}

/// Fills an EXPORT_QUERY from the export (or why there is none): a non-exportable resource
/// answers 0 fds, fourcc 0, modifier INVALID — and EINVAL when fds were asked for. The
/// outputs are written in both cases (as upstream does before failing).
fn fill_export_query(
    q: &mut virgl_renderer_export_query,
    d: std::result::Result<Dmabuf, Error>,
) -> Result<()> {
    match d {
        Ok(d) => {
            q.out_fourcc = d.fourcc;
            q.out_modifier = d.modifier;
            q.out_num_fds = d.num_planes;
            q.out_strides = d.strides;
            q.out_offsets = d.offsets;
            q.out_fds = [-1; 4];
            if q.in_export_fds != 0 {
                for i in 0..d.num_planes.min(4) as usize {
                    q.out_fds[i] = dup(d.fd.as_fd())?.into_raw_fd();
                }
            }
            Ok(())
        }
        Err(e) => {
            q.out_num_fds = 0;
            q.out_fourcc = 0;
            q.out_modifier = DRM_FORMAT_MOD_INVALID;
            if q.in_export_fds != 0 {
                return Err(Error::inval(format!(
                    "resource {} cannot be exported: {}",
                    q.in_resource_id, e.msg
                )));
            }
            Ok(())
        }
    }
}

macro_rules! unimplemented_neg {
    ($name:literal, $($arg:expr),*) => {
        boundary($name, -libc::EINVAL, || {
            let _ = ($($arg,)*);
            report($name, &not_implemented($name), true)
        })
    };
}

/// Creates a blob resource. `BLOB_MEM_GUEST`: the data lives only in the given iovecs (at
/// least `size` bytes; no host copy; map info CACHED). `HOST3D`/`HOST3D_GUEST`: the pipe
/// resource context `ctx_id` described under `blob_id` (PIPE_RESOURCE_CREATE), attached to
/// the context; `BLOB_FLAG_USE_MAPPABLE` makes it mappable memory within the coherent
/// budget (-ENOSPC past it); HOST3D_GUEST also attaches the iovecs. -EINVAL for a NULL
/// args, handle 0 or in use, size 0, unknown blob_mem, iovecs shorter than size, unknown
/// context or blob id, HOST3D with iovecs.
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
                    let backing = if a.blob_mem == VIRGL_RENDERER_BLOB_MEM_HOST3D_GUEST {
                        // SAFETY: the VMM's iovecs for this blob.
                        let iovs = unsafe { IovList::from_raw(a.iovecs, a.num_iovs as usize) }?;
                        let raw = (a.iovecs as usize, a.num_iovs as i32);
                        Some(crate::model::resource::Backing {
                            raw_iov: raw.0,
                            raw_count: raw.1,
                            iovs,
                        })
                    } else {
                        None
                    };
                    let h = crate::renderer::host3d::Host3dArgs {
                        res_handle: a.res_handle,
                        ctx_id: a.ctx_id,
                        mappable: a.blob_flags & VIRGL_RENDERER_BLOB_FLAG_USE_MAPPABLE != 0,
                        blob_id: a.blob_id,
                        size: a.size,
                    };
                    return renderer::with(|r| r.create_host3d_blob(&h, backing));
                }
                m => return Err(Error::inval(format!("blob_mem {m}"))),
            }
            // SAFETY: the VMM's iovecs for this blob.
            let iovs = unsafe { IovList::from_raw(a.iovecs, a.num_iovs as usize) }?;
            renderer::with(|r| {
                if r.handle_in_use(a.res_handle) {
                    return Err(Error::inval(format!(
                        "resource {} is in use (live, or unreferenced but still mapped)",
                        a.res_handle
                    )));
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
            Ok(()) => {
                // SAFETY: checked non-NULL.
                unsafe { write_arg(map_info, VIRGL_RENDERER_MAP_CACHE_CACHED) };
                0
            }
            Err(e) => report(NAME, &e, true),
        }
    })
}

/// Exports a resource as an fd the caller owns: a dma-buf (`VIRGL_RENDERER_BLOB_FD_TYPE_DMABUF`)
/// where the host can make one (see `virgl_renderer_resource_export_dmabuf`), else coherent
/// memory as its memfd (`VIRGL_RENDERER_BLOB_FD_TYPE_SHM`). -EOPNOTSUPP when neither is
/// possible, -EINVAL for an unknown resource or NULL out-pointers.
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
                    write_arg(fd_type, blob_fd_type(t));
                    write_arg(fd, owned.into_raw_fd());
                }
                0
            }
            Err(e) => report(NAME, &e, true),
        }
    })
}

/// Creates a resource from an fd: `VIRGL_RENDERER_BLOB_FD_TYPE_SHM`, or a `DMABUF` that can
/// be mmap'd, becomes a mappable byte buffer of `size` bytes (counted against the coherent
/// budget; `resource_map` works on it). On success the library owns `fd` (closed with the
/// resource); on failure the caller keeps it. -EINVAL for NULL, handle 0 or in use, size 0
/// or larger than the fd, a bad fd or unknown type; -EOPNOTSUPP for OPAQUE fds and
/// dma-bufs that cannot be mapped; -ENOSPC past the budget.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_resource_import_blob(
    args: *const virgl_renderer_resource_import_blob_args,
) -> c_int {
    const NAME: &str = "virgl_renderer_resource_import_blob";
    boundary(NAME, -libc::EINVAL, || {
        // SAFETY: a non-NULL pointer is the caller's struct.
        let Some(a) = (unsafe { read_arg(args) }) else {
            return report(NAME, &Error::inval("NULL args"), true);
        };
        if a.fd < 0 {
            return report(NAME, &Error::inval(format!("fd {}", a.fd)), true);
        }
        // SAFETY: the caller's open fd, borrowed for the call.
        let fd = unsafe { BorrowedFd::borrow_raw(a.fd) };
        let kind = match a.fd_type {
            VIRGL_RENDERER_BLOB_FD_TYPE_DMABUF => BlobFd::Dmabuf,
            VIRGL_RENDERER_BLOB_FD_TYPE_OPAQUE => BlobFd::Opaque,
            VIRGL_RENDERER_BLOB_FD_TYPE_SHM => BlobFd::Shm,
            t => return report(NAME, &Error::inval(format!("fd type {t}")), true),
        };
        let r = renderer::with(|r| r.import_blob(a.res_handle, kind, fd, a.size));
        if r.is_ok() {
            // The resource holds its own duplicate; ownership of the caller's fd passed to us.
            // SAFETY: the fd is the caller's, whose ownership the API transfers on success.
            drop(unsafe { OwnedFd::from_raw_fd(a.fd) });
        }
        neg(NAME, r)
    })
}

/// Runs a structure command. `SUPPORTED_STRUCTURES` (stype_version 0): the mask of
/// EXPORT_QUERY | SUPPORTED_STRUCTURES for `in_stype_version` 0, else 0. `EXPORT_QUERY`:
/// the dma-buf layout of an exportable resource (fds when `in_export_fds`); others get 0
/// fds, fourcc 0 and modifier INVALID, or -EINVAL when fds were asked for. -EINVAL for NULL,
/// a size that is not the structure's, stype_version ≠ 0, an unknown stype or resource.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_execute(
    execute_args: *mut c_void,
    execute_size: u32,
) -> c_int {
    const NAME: &str = "virgl_renderer_execute";
    boundary(NAME, -libc::EINVAL, || {
        let hdr_size = std::mem::size_of::<virgl_renderer_hdr>();
        if execute_args.is_null() || (execute_size as usize) < hdr_size {
            return report(NAME, &Error::inval(format!("args NULL or {execute_size} bytes")), true);
        }
        // SAFETY: non-NULL and at least a header long (the caller's buffer).
        let hdr = unsafe { std::ptr::read_unaligned(execute_args.cast::<virgl_renderer_hdr>()) };
        if hdr.stype_version != 0 {
            return report(
                NAME,
                &Error::inval(format!("stype_version {}", hdr.stype_version)),
                true,
            );
        }
        const SUPPORTED: u32 =
            virgl_renderer_structure_type_v0::VIRGL_RENDERER_STRUCTURE_TYPE_SUPPORTED_STRUCTURES
                as u32;
        const QUERY: u32 =
            virgl_renderer_structure_type_v0::VIRGL_RENDERER_STRUCTURE_TYPE_EXPORT_QUERY as u32;
        match hdr.stype {
            SUPPORTED => {
                let p = execute_args.cast::<virgl_renderer_supported_structures>();
                if execute_size as usize
                    != std::mem::size_of::<virgl_renderer_supported_structures>()
                {
                    return report(NAME, &Error::inval(format!("size {execute_size}")), true);
                }
                // SAFETY: the caller's buffer holds exactly this struct (size checked).
                let mut s = unsafe { std::ptr::read_unaligned(p) };
                s.out_supported_structures_mask =
                    if s.in_stype_version == 0 { QUERY | SUPPORTED } else { 0 };
                // SAFETY: as above.
                unsafe { std::ptr::write_unaligned(p, s) };
                0
            }
            QUERY => {
                let size = std::mem::size_of::<virgl_renderer_export_query>();
                if execute_size as usize != size || hdr.size as usize != size {
                    return report(
                        NAME,
                        &Error::inval(format!("size {execute_size} / hdr.size {}", hdr.size)),
                        true,
                    );
                }
                let p = execute_args.cast::<virgl_renderer_export_query>();
                // SAFETY: the caller's buffer holds exactly this struct (size checked).
                let mut q = unsafe { std::ptr::read_unaligned(p) };
                let r = renderer::with(|r| r.export_query(q.in_resource_id))
                    .and_then(|d| fill_export_query(&mut q, d));
                // SAFETY: as above; written back also on failure (upstream fills the outputs
                // before failing).
                unsafe { std::ptr::write_unaligned(p, q) };
                neg(NAME, r)
            }
            t => report(NAME, &Error::inval(format!("structure type {t}")), true),
        }
    })
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
        neg(NAME, renderer::with(|r| r.create_coherent(&(&a).into())))
    })
}

/// virgl-shim: exports a resource as a dma-buf with its plane layout; `out->fd` is the
/// caller's. Zero-copy resources give the udmabuf over their guest pages, coherent
/// resources a udmabuf over their memfd, GL 2D textures what EGL_MESA_image_dma_buf_export
/// gives. -EOPNOTSUPP where the host has no way (no /dev/udmabuf, no EGL export, other
/// kinds), -EINVAL for an unknown resource or NULL `out`.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_resource_export_dmabuf(
    res_handle: u32,
    out: *mut virgl_renderer_dmabuf,
) -> c_int {
    const NAME: &str = "virgl_renderer_resource_export_dmabuf";
    boundary(NAME, -libc::EINVAL, || {
        if out.is_null() {
            return report(NAME, &Error::inval("NULL out"), true);
        }
        match renderer::with(|r| r.export_dmabuf(res_handle)) {
            Ok(d) => {
                let v = virgl_renderer_dmabuf {
                    fd: d.fd.into_raw_fd(),
                    fourcc: d.fourcc,
                    modifier: d.modifier,
                    size: d.size,
                    num_planes: d.num_planes,
                    reserved: 0,
                    strides: d.strides,
                    offsets: d.offsets,
                };
                // SAFETY: checked non-NULL; the fd's ownership passes to the caller.
                unsafe { write_arg(out, v) };
                0
            }
            Err(e) => report(NAME, &e, true),
        }
    })
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
/// at `fd_offset`, so zero-copy resources on those pages can become dma-bufs (udmabuf).
/// `hva`, `size`, `fd_offset` page-aligned, `fd` a memfd sealed with F_SEAL_SHRINK (not
/// F_SEAL_WRITE) covering the range; the library keeps a duplicate of `fd`. Works before
/// `virgl_renderer_init` and survives reset/cleanup. 0, -EINVAL for bad arguments,
/// -EEXIST when the range overlaps a registered one.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_register_guest_memory(
    hva: *mut c_void,
    size: u64,
    fd: c_int,
    fd_offset: u64,
) -> c_int {
    const NAME: &str = "virgl_renderer_register_guest_memory";
    boundary(NAME, -libc::EINVAL, || {
        neg(
            NAME,
            crate::sys::guest_memory::register_guest_memory(hva as usize, size, fd, fd_offset),
        )
    })
}

/// virgl-shim: forgets the range registered at `hva` (its start). Resources already built on
/// it keep working. 0, or -EINVAL when no range starts at `hva`.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_unregister_guest_memory(hva: *mut c_void) -> c_int {
    const NAME: &str = "virgl_renderer_unregister_guest_memory";
    boundary(NAME, -libc::EINVAL, || {
        neg(NAME, crate::sys::guest_memory::unregister_guest_memory(hva as usize))
    })
}
