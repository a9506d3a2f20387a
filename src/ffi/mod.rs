//! The C ABI: the only `extern "C"` code of the library.
//!
//! Rules every export follows:
//! - it runs inside [`boundary`]: a panic never unwinds into the VMM, it becomes the entry
//!   point's error value and one log line;
//! - every raw pointer is checked (NULL → the documented error) and turned into a safe Rust
//!   value before anything else happens;
//! - it returns upstream's error convention for that entry point (positive errno in the
//!   legacy paths, negative in blob/map/duplicate-handle paths), and every rejection logs
//!   exactly one line.
//!
//! The declarations here are also the source of `include/virglrenderer.h` (cbindgen).
//!
//! # Safety
//! Every export shares one contract, the C API's: each pointer argument is NULL (where the
//! entry point documents what NULL means) or valid for the access its documentation
//! describes, and iovecs describe memory that stays mapped while it is attached or used.
//! The per-function docs therefore carry no separate `# Safety` section.
#![allow(clippy::missing_safety_doc)]

pub mod blob;
pub mod caps;
pub mod context;
mod convert;
pub mod display;
pub mod init;
pub mod logging;
pub mod resource;
pub mod types;
pub(crate) mod vmm;

pub use blob::*;
pub use caps::*;
pub use context::*;
pub use display::*;
pub use init::*;
pub use resource::*;
pub use types::*;

use crate::error::{Error, Result};
use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

/// Runs `f` as the body of the export `name`; a panic yields `on_panic` and a log line.
pub(crate) fn boundary<R>(name: &'static str, on_panic: R, f: impl FnOnce() -> R) -> R {
    logging::ensure_init();
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            log::error!("{name}: internal error (panic: {what}); request rejected");
            on_panic
        }
    }
}

/// Logs a rejected request once and returns its errno with the sign `negative` selects.
pub(crate) fn report(name: &str, e: &Error, negative: bool) -> i32 {
    if e.errno == libc::EOPNOTSUPP || e.errno == libc::ENOSYS {
        log::warn!("{name}: {}", e.msg);
    } else {
        log::error!("{name}: {}", e.msg);
    }
    if negative {
        e.neg()
    } else {
        e.pos()
    }
}

/// 0 on success, else a positive errno (upstream's legacy entry points).
pub(crate) fn pos(name: &str, r: Result<()>) -> i32 {
    match r {
        Ok(()) => 0,
        Err(e) => report(name, &e, false),
    }
}

/// 0 on success, else a negative errno (blob, map, and virgl-shim's new entry points).
pub(crate) fn neg(name: &str, r: Result<()>) -> i32 {
    match r {
        Ok(()) => 0,
        Err(e) => report(name, &e, true),
    }
}

/// Logs a failure of an entry point that has no way to return it (void in the C API).
pub(crate) fn void(name: &str, r: Result<()>) {
    if let Err(e) = r {
        report(name, &e, false);
    }
}

static NOT_IMPLEMENTED_LOGGED: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);

/// The honest error of an entry point whose feature is not implemented yet: logs once per
/// entry point and returns an `EOPNOTSUPP` error (the caller picks the sign).
pub(crate) fn not_implemented(name: &'static str) -> Error {
    let mut set = NOT_IMPLEMENTED_LOGGED.lock().unwrap_or_else(|e| e.into_inner());
    if set.get_or_insert_with(HashSet::new).insert(name) {
        log::warn!("{name}: not implemented by virgl-shim yet");
    }
    Error::new(libc::EOPNOTSUPP, format!("{name}: not implemented"))
}

/// Reads a `*const T` argument, `None` for NULL.
///
/// # Safety
/// A non-NULL `p` must point to a valid, readable `T` (the VMM's side of the contract).
pub(crate) unsafe fn read_arg<T: Copy>(p: *const T) -> Option<T> {
    if p.is_null() {
        None
    } else {
        // SAFETY: non-NULL and valid per the caller's contract; read_unaligned tolerates a
        // caller that packed the struct.
        Some(unsafe { std::ptr::read_unaligned(p) })
    }
}

/// Writes a `*mut T` out-argument if it is non-NULL; returns whether it was written.
///
/// # Safety
/// A non-NULL `p` must point to writable memory for a `T`.
pub(crate) unsafe fn write_arg<T>(p: *mut T, v: T) -> bool {
    if p.is_null() {
        false
    } else {
        // SAFETY: non-NULL and writable per the caller's contract.
        unsafe { std::ptr::write_unaligned(p, v) };
        true
    }
}
