//! Resource entry points: create, unref, backing, transfers, info, private data.

use super::types::*;
use super::{boundary, pos, read_arg, report, void, write_arg};
use crate::error::{Error, Result};
use crate::model::resource::Backing;
use crate::model::transfer::RawBox;
use crate::renderer::{self, Direction};
use crate::sys::iov::IovList;
use std::ffi::{c_int, c_uint, c_void};

/// Turns the caller's iovec array into a checked list.
///
/// # Safety
/// `iov` must point to `count` iovecs whose ranges stay mapped while the list is used
/// (the VMM's contract for guest memory).
unsafe fn iov_list(iov: *const iovec, count: i64) -> Result<IovList> {
    let n = usize::try_from(count).map_err(|_| Error::inval(format!("iovec count {count}")))?;
    // SAFETY: forwarded contract.
    unsafe { IovList::from_raw(iov, n) }
}

/// Creates a resource (virtio-gpu RESOURCE_CREATE_2D/3D). `iov`/`num_iovs` optionally attach
/// backing at once. Returns 0; positive EINVAL for handle 0, invalid arguments or an
/// uninitialised renderer; -EINVAL when the handle exists (the existing resource is left
/// untouched); a positive errno when host storage cannot be allocated.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_resource_create(
    args: *mut virgl_renderer_resource_create_args,
    iov: *mut iovec,
    num_iovs: u32,
) -> c_int {
    const NAME: &str = "virgl_renderer_resource_create";
    boundary(NAME, libc::EINVAL, || {
        // SAFETY: a non-NULL pointer is the caller's struct.
        let Some(a) = (unsafe { read_arg(args) }) else {
            return report(NAME, &Error::inval("NULL args"), false);
        };
        if a.handle == 0 {
            return report(NAME, &Error::inval("resource handle 0"), false);
        }
        let backing = if num_iovs > 0 {
            // SAFETY: the VMM's iovecs for this resource.
            match unsafe { iov_list(iov, num_iovs as i64) } {
                Ok(iovs) => {
                    Some(Backing { raw_iov: iov as usize, raw_count: num_iovs as i32, iovs })
                }
                Err(e) => return report(NAME, &e, false),
            }
        } else {
            None
        };
        let mut state = renderer::lock();
        let Some(r) = state.as_mut() else {
            return report(NAME, &Error::inval("renderer not initialized"), false);
        };
        if r.handle_in_use(a.handle) {
            let e = Error::inval(format!(
                "resource {} is in use (live, or unreferenced but still mapped)",
                a.handle
            ));
            return report(NAME, &e, true);
        }
        pos(
            NAME,
            r.create_resource(&(&a).into(), backing)
                .map_err(|e| Error::new(e.errno, format!("resource {}: {}", a.handle, e.msg))),
        )
    })
}

/// Creates a resource around an EGLImage. Not supported by virgl-shim: returns EINVAL.
#[no_mangle]
pub extern "C" fn virgl_renderer_resource_import_eglimage(
    _args: *mut virgl_renderer_resource_create_args,
    _image: *mut c_void,
) -> c_int {
    const NAME: &str = "virgl_renderer_resource_import_eglimage";
    boundary(NAME, libc::EINVAL, || {
        let e = super::not_implemented(NAME);
        report(NAME, &Error::inval(e.msg), false)
    })
}

/// Destroys a resource (its backing, if still attached, is simply forgotten: the caller
/// owns the iovec array).
#[no_mangle]
pub extern "C" fn virgl_renderer_resource_unref(res_handle: u32) {
    const NAME: &str = "virgl_renderer_resource_unref";
    boundary(NAME, (), || void(NAME, renderer::with(|r| r.unref(res_handle))))
}

/// Stores an opaque pointer with a resource.
#[no_mangle]
pub extern "C" fn virgl_renderer_resource_set_priv(res_handle: u32, priv_: *mut c_void) {
    const NAME: &str = "virgl_renderer_resource_set_priv";
    boundary(NAME, (), || {
        void(
            NAME,
            renderer::with(|r| {
                r.resource(res_handle)?.priv_data = priv_ as usize;
                Ok(())
            }),
        )
    })
}

/// The pointer stored by `set_priv`; NULL for an unknown resource.
#[no_mangle]
pub extern "C" fn virgl_renderer_resource_get_priv(res_handle: u32) -> *mut c_void {
    const NAME: &str = "virgl_renderer_resource_get_priv";
    boundary(NAME, std::ptr::null_mut(), || {
        match renderer::with(|r| Ok(r.resource(res_handle)?.priv_data)) {
            Ok(p) => p as *mut c_void,
            Err(e) => {
                report(NAME, &e, false);
                std::ptr::null_mut()
            }
        }
    })
}

/// Attaches guest memory to a resource. The caller keeps ownership of the iovec array (it
/// gets the pointer back from `detach_iov`). Returns 0, or positive EINVAL for an unknown
/// resource, a resource that already has backing, or a bad array.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_resource_attach_iov(
    res_handle: c_int,
    iov: *mut iovec,
    num_iovs: c_int,
) -> c_int {
    const NAME: &str = "virgl_renderer_resource_attach_iov";
    boundary(NAME, libc::EINVAL, || {
        // SAFETY: the VMM's iovecs.
        let r = unsafe { iov_list(iov, num_iovs as i64) }.and_then(|iovs| {
            let b = Backing { raw_iov: iov as usize, raw_count: num_iovs, iovs };
            renderer::with(|r| r.attach_backing(res_handle as u32, b))
        });
        pos(NAME, r)
    })
}

/// Detaches guest memory; `*iov` / `*num_iovs` (each optional) receive the array given to
/// attach (NULL / 0 when none was attached).
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_resource_detach_iov(
    res_handle: c_int,
    iov: *mut *mut iovec,
    num_iovs: *mut c_int,
) {
    const NAME: &str = "virgl_renderer_resource_detach_iov";
    boundary(NAME, (), || {
        let (p, n) = match renderer::with(|r| r.detach_backing(res_handle as u32)) {
            Ok(v) => v,
            Err(e) => {
                report(NAME, &e, false);
                (0, 0)
            }
        };
        // SAFETY: optional out-pointers of the caller.
        unsafe {
            write_arg(iov, p as *mut iovec);
            write_arg(num_iovs, n);
        }
    })
}

fn read_box(b: *const c_void) -> Result<RawBox> {
    // SAFETY: a non-NULL box is the caller's six u32 (struct virgl_box).
    unsafe { read_arg(b.cast::<[u32; 6]>()) }
        .map(|[x, y, z, w, h, d]| RawBox { x, y, z, w, h, d })
        .ok_or_else(|| Error::inval("NULL box"))
}

#[allow(clippy::too_many_arguments)]
unsafe fn transfer(
    dir: Direction,
    handle: u32,
    ctx_id: u32,
    level: u32,
    stride: u32,
    layer_stride: u32,
    bx: *const c_void,
    offset: u64,
    iov: *const iovec,
    count: i64,
) -> Result<()> {
    let bx = read_box(bx)?;
    let iovs = if iov.is_null() || count == 0 {
        None
    } else {
        // SAFETY: the VMM's iovecs.
        Some(unsafe { iov_list(iov, count) }?)
    };
    renderer::with(|r| {
        r.transfer(dir, handle, ctx_id, level, stride, layer_stride, bx, offset, iovs)
    })
}

/// TRANSFER_FROM_HOST: copies the `box` of mip `level` into guest memory (`iov`, or the
/// attached backing when `iov` is NULL / `iovec_cnt` 0). `offset` is where the box's first
/// texel goes; `stride`/`layer_stride` 0 mean the level's own. Returns 0 or positive EINVAL.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_transfer_read_iov(
    handle: u32,
    ctx_id: u32,
    level: u32,
    stride: u32,
    layer_stride: u32,
    box_: *mut virgl_box,
    offset: u64,
    iov: *mut iovec,
    iovec_cnt: c_int,
) -> c_int {
    const NAME: &str = "virgl_renderer_transfer_read_iov";
    boundary(NAME, libc::EINVAL, || {
        // SAFETY: caller's pointers, checked inside.
        let r = unsafe {
            transfer(
                Direction::FromHost,
                handle,
                ctx_id,
                level,
                stride,
                layer_stride,
                box_.cast(),
                offset,
                iov,
                iovec_cnt as i64,
            )
        };
        pos(NAME, r)
    })
}

/// TRANSFER_TO_HOST: copies the `box` of mip `level` from guest memory into the resource.
/// Arguments as for `transfer_read_iov`. Returns 0 or positive EINVAL.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_transfer_write_iov(
    handle: u32,
    ctx_id: u32,
    level: c_int,
    stride: u32,
    layer_stride: u32,
    box_: *mut virgl_box,
    offset: u64,
    iovec: *mut iovec,
    iovec_cnt: c_uint,
) -> c_int {
    const NAME: &str = "virgl_renderer_transfer_write_iov";
    boundary(NAME, libc::EINVAL, || {
        // SAFETY: caller's pointers, checked inside. A negative level becomes a huge one
        // and fails the level check.
        let r = unsafe {
            transfer(
                Direction::ToHost,
                handle,
                ctx_id,
                level as u32,
                stride,
                layer_stride,
                box_.cast(),
                offset,
                iovec,
                iovec_cnt as i64,
            )
        };
        pos(NAME, r)
    })
}

/// Fills `info` for a resource. Returns 0, or positive EINVAL (unknown resource, NULL info).
///
/// virglrenderer 0.10.4's struct (what Debian's QEMU 10 is built against) ends before `fd`;
/// 1.x appended it. Writing all 40 bytes into a 36-byte struct would corrupt the caller's
/// stack, so `fd` is written only for resources made by calls that exist only in ≥ 1.0
/// headers (blob and coherent resources), whose callers have the longer struct.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_resource_get_info(
    res_handle: c_int,
    info: *mut virgl_renderer_resource_info,
) -> c_int {
    const NAME: &str = "virgl_renderer_resource_get_info";
    boundary(NAME, libc::EINVAL, || {
        if info.is_null() {
            return report(NAME, &Error::inval("NULL info"), false);
        }
        let got = renderer::with(|r| {
            let i = r.info(res_handle as u32)?;
            Ok((i, r.resource(res_handle as u32)?.new_api))
        });
        match got {
            Ok((i, whole)) => {
                let i = virgl_renderer_resource_info::from(i);
                let len = if whole {
                    std::mem::size_of::<virgl_renderer_resource_info>()
                } else {
                    std::mem::offset_of!(virgl_renderer_resource_info, fd)
                };
                // SAFETY: `info` is non-NULL and the caller's struct holds at least `len`
                // bytes (see above); `i` is a plain-data struct of at least `len` bytes.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        (&i as *const virgl_renderer_resource_info).cast::<u8>(),
                        info.cast::<u8>(),
                        len,
                    )
                };
                0
            }
            Err(e) => report(NAME, &e, false),
        }
    })
}

/// Fills `info` (version 0) for a resource. Returns 0, or positive EINVAL.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_resource_get_info_ext(
    res_handle: c_int,
    info: *mut virgl_renderer_resource_info_ext,
) -> c_int {
    const NAME: &str = "virgl_renderer_resource_get_info_ext";
    boundary(NAME, libc::EINVAL, || {
        if info.is_null() {
            return report(NAME, &Error::inval("NULL info"), false);
        }
        match renderer::with(|r| r.info(res_handle as u32)) {
            Ok(base) => {
                let ext = virgl_renderer_resource_info_ext {
                    version: VIRGL_RENDERER_RESOURCE_INFO_EXT_VERSION,
                    base: base.into(),
                    has_dmabuf_export: false,
                    planes: 0,
                    modifiers: 0,
                    d3d_tex2d: std::ptr::null_mut(),
                };
                // SAFETY: non-NULL out-pointer of the caller.
                unsafe { write_arg(info, ext) };
                0
            }
            Err(e) => report(NAME, &e, false),
        }
    })
}
