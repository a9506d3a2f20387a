//! Capability sets.
//!
//! A renderer that executes 3D (the GL backend) serves VIRGL and VIRGL2 with the level-1
//! contents built from its GL limits; one that cannot (the CPU backend) reports both absent
//! — 0/0, nothing filled — so that a guest's Mesa falls back to llvmpipe instead of creating
//! a virgl screen that cannot draw (see `model::caps`).

use super::{boundary, write_arg};
use std::ffi::c_void;

/// Highest version and size in bytes of capset `set` (VIRGL = 1, VIRGL2 = 2); 0/0 for a set
/// this library does not serve (any set with the CPU backend, see the module documentation).
/// Works before `virgl_renderer_init` (the configured backend decides then). NULL
/// out-pointers are skipped.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_get_cap_set(
    set: u32,
    max_ver: *mut u32,
    max_size: *mut u32,
) {
    boundary("virgl_renderer_get_cap_set", (), || {
        let (serves, _) = crate::renderer::capset_host();
        let (v, s) = crate::model::caps::info(set, serves);
        // SAFETY: optional out-pointers of the caller.
        unsafe {
            write_arg(max_ver, v);
            write_arg(max_size, s);
        }
    })
}

/// Writes capset `set` at `version` into `caps` (which must hold the size `get_cap_set`
/// reported), built from the live backend's limits. Nothing is written before
/// `virgl_renderer_init`, with a backend that executes no 3D, for an unknown set, a
/// version above the maximum or NULL.
#[no_mangle]
pub unsafe extern "C" fn virgl_renderer_fill_caps(set: u32, version: u32, caps: *mut c_void) {
    const NAME: &str = "virgl_renderer_fill_caps";
    boundary(NAME, (), || {
        if caps.is_null() {
            log::error!("{NAME}: NULL caps");
            return;
        }
        let (_, limits) = crate::renderer::capset_host();
        let Some(bytes) = crate::model::caps::fill(
            set,
            version,
            limits.as_ref(),
            crate::config::get().caps_level,
        ) else {
            log::error!("{NAME}: capset {set} version {version} not served");
            return;
        };
        // SAFETY: the caller provides the size get_cap_set reported for `set`, which is
        // bytes.len() by construction.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), caps.cast::<u8>(), bytes.len()) };
    })
}
