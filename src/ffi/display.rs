//! Display helpers QEMU uses for scanout and the cursor.

use super::types::*;
use super::{boundary, report};
use crate::error::Error;
use crate::model::transfer::RawBox;
use crate::renderer::{self, Direction};
use crate::sys::iov::IovList;
use std::ffi::{c_int, c_uint, c_void};

/// Largest cursor image returned (upstream's limit).
const MAX_CURSOR: u32 = 128;

/// The cursor image of a resource: `width × height` 32-bit pixels, top row first, in a
/// `malloc`ed buffer the caller `free`s. NULL for an unknown resource, a resource larger
/// than 128×128 or not 4 bytes per pixel, or NULL out-pointers.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_get_cursor_data(
    resource_id: u32,
    width: *mut u32,
    height: *mut u32,
) -> *mut c_void {
    const NAME: &str = "virgl_renderer_get_cursor_data";
    boundary(NAME, std::ptr::null_mut(), || {
        if width.is_null() || height.is_null() {
            report(NAME, &Error::inval("NULL width/height"), false);
            return std::ptr::null_mut();
        }
        let got = renderer::with(|r| {
            let d = r.resource(resource_id)?.desc;
            if d.texel_format().block_bytes != 4 || d.width > MAX_CURSOR || d.height > MAX_CURSOR {
                return Err(Error::inval(format!(
                    "resource {resource_id} ({}x{} {}) cannot be a cursor",
                    d.width, d.height, d.format.name
                )));
            }
            let (mut bytes, w, h) = r.read_level0(resource_id)?;
            // Upstream hands back rows flipped relative to GL storage, which holds Y_0_TOP
            // resources upside down: top-first for Y_0_TOP, bottom-first otherwise.
            if d.flags & crate::model::resource::flags::Y_0_TOP == 0 {
                let row = w as usize * 4;
                let rows: Vec<Vec<u8>> = bytes.chunks(row).map(|c| c.to_vec()).collect();
                for (i, src) in rows.iter().rev().enumerate() {
                    bytes[i * row..(i + 1) * row].copy_from_slice(src);
                }
            }
            Ok((bytes, w, h))
        });
        match got {
            Ok((bytes, w, h)) => {
                // SAFETY: plain malloc; the caller frees with free() as upstream documents.
                let p = unsafe { libc::malloc(bytes.len().max(1)) }.cast::<u8>();
                if p.is_null() {
                    report(NAME, &Error::nomem("malloc failed"), false);
                    return std::ptr::null_mut();
                }
                // SAFETY: p has bytes.len() bytes; out-pointers checked non-NULL above.
                unsafe {
                    std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len());
                    *width = w;
                    *height = h;
                }
                p.cast()
            }
            Err(e) => {
                report(NAME, &e, false);
                std::ptr::null_mut()
            }
        }
    })
}

/// Reads the rectangle (x, y, width, height) of level 0 into `iov` at `offset`, rows at the
/// resource's level-0 stride (upstream's display readback helper). Errors are logged.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn virgl_renderer_get_rect(
    resource_id: c_int,
    iov: *mut iovec,
    num_iovs: c_uint,
    offset: u32,
    x: c_int,
    y: c_int,
    width: c_int,
    height: c_int,
) {
    const NAME: &str = "virgl_renderer_get_rect";
    boundary(NAME, (), || {
        // SAFETY: the caller's iovecs.
        let r = unsafe { IovList::from_raw(iov, num_iovs as usize) }.and_then(|iovs| {
            renderer::with(|r| {
                let d = r.resource(resource_id as u32)?.desc;
                let stride = u32::try_from(d.texel_format().stride(d.width))
                    .map_err(|_| Error::inval("stride does not fit 32 bits"))?;
                let bx = RawBox {
                    x: x as u32,
                    y: y as u32,
                    z: 0,
                    w: width as u32,
                    h: height as u32,
                    d: 1,
                };
                r.transfer(
                    Direction::FromHost,
                    resource_id as u32,
                    0,
                    0,
                    stride,
                    0,
                    bx,
                    offset as u64,
                    Some(iovs),
                )
            })
        });
        super::void(NAME, r)
    })
}

/// Exports the resource whose GL texture is `tex_id` (see
/// `virgl_renderer_resource_export_dmabuf`) and returns its dma-buf fd, plane 0 stride and
/// offset.
fn fd_for_texture(name: &'static str, tex_id: u32) -> Result<(c_int, c_int, c_int), Error> {
    let d = renderer::with(|r| r.fd_for_texture(tex_id))?;
    let stride = c_int::try_from(d.strides[0]).map_err(|_| Error::inval("stride"))?;
    let offset = c_int::try_from(d.offsets[0]).map_err(|_| Error::inval("offset"))?;
    let _ = name;
    Ok((std::os::fd::IntoRawFd::into_raw_fd(d.fd), stride, offset))
}

/// A dma-buf fd (the caller's) for a GL texture name of a resource: zero-copy textures give
/// their udmabuf, GL textures what EGL_MESA_image_dma_buf_export gives. Returns 0,
/// -EINVAL for texture 0, an unknown texture or NULL `fd`, -EOPNOTSUPP where the host cannot
/// export.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_get_fd_for_texture(tex_id: u32, fd: *mut c_int) -> c_int {
    const NAME: &str = "virgl_renderer_get_fd_for_texture";
    boundary(NAME, -libc::EINVAL, || {
        if fd.is_null() {
            return report(NAME, &Error::inval("NULL fd"), true);
        }
        match fd_for_texture(NAME, tex_id) {
            Ok((f, _, _)) => {
                // SAFETY: checked non-NULL.
                unsafe { *fd = f };
                0
            }
            Err(e) => report(NAME, &e, true),
        }
    })
}

/// Like `virgl_renderer_get_fd_for_texture`, with plane 0's stride and offset (each
/// out-pointer but `fd` may be NULL).
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_get_fd_for_texture2(
    tex_id: u32,
    fd: *mut c_int,
    stride: *mut c_int,
    offset: *mut c_int,
) -> c_int {
    const NAME: &str = "virgl_renderer_get_fd_for_texture2";
    boundary(NAME, -libc::EINVAL, || {
        if fd.is_null() {
            return report(NAME, &Error::inval("NULL fd"), true);
        }
        match fd_for_texture(NAME, tex_id) {
            Ok((f, s, o)) => {
                // SAFETY: `fd` checked non-NULL; the others are written only when non-NULL.
                unsafe {
                    *fd = f;
                    if !stride.is_null() {
                        *stride = s;
                    }
                    if !offset.is_null() {
                        *offset = o;
                    }
                }
                0
            }
            Err(e) => report(NAME, &e, true),
        }
    })
}
