//! Capability sets.
//!
//! While the library executes no 3D (`model::caps::virgl_3d_executed()` is false), VIRGL
//! and VIRGL2 are reported absent — 0/0 here, nothing filled — so that a guest's Mesa falls
//! back to llvmpipe instead of creating a virgl screen that cannot draw (see
//! `model::caps`). They come back when 3D execution lands, by flipping that one switch.

use super::{boundary, write_arg};
use std::ffi::c_void;

/// Highest version and size in bytes of capset `set` (VIRGL = 1, VIRGL2 = 2); 0/0 for a set
/// this library does not serve (today every set: no 3D is executed, see the module
/// documentation). Works before `virgl_renderer_init`. NULL out-pointers are skipped.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_get_cap_set(
    set: u32,
    max_ver: *mut u32,
    max_size: *mut u32,
) {
    boundary("virgl_renderer_get_cap_set", (), || {
        let (v, s) = crate::model::caps::info(set);
        // SAFETY: optional out-pointers of the caller.
        unsafe {
            write_arg(max_ver, v);
            write_arg(max_size, s);
        }
    })
}

/// Writes capset `set` at `version` into `caps` (which must hold the size `get_cap_set`
/// reported). Nothing is written for an unknown set, a version above the maximum or NULL.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_fill_caps(set: u32, version: u32, caps: *mut c_void) {
    const NAME: &str = "virgl_renderer_fill_caps";
    boundary(NAME, (), || {
        if caps.is_null() {
            log::error!("{NAME}: NULL caps");
            return;
        }
        let Some(bytes) = crate::model::caps::fill(set, version) else {
            log::error!("{NAME}: capset {set} version {version} not served");
            return;
        };
        // SAFETY: the caller provides the size get_cap_set reported for `set`, which is
        // bytes.len() by construction.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), caps.cast::<u8>(), bytes.len()) };
    })
}
