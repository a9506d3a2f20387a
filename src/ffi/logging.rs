//! Log delivery: the `log` crate's records go to the VMM's `virgl_set_log_callback` sink,
//! else its deprecated `virgl_set_debug_callback`, else stderr filtered by `VIRGL_SHIM_LOG`.
use super::types::{
    virgl_debug_callback_type, virgl_free_data_callback_type, virgl_log_callback_type,
    virgl_log_level_flags,
};
use std::ffi::{c_char, c_void, CString};
use std::io::Write;
use std::sync::{Once, RwLock};

extern "C" {
    fn virgl_shim_call_debug_cb(
        cb: unsafe extern "C" fn(*const c_char, super::types::VaListArg),
        line: *const c_char,
    );
}

#[derive(Clone, Copy)]
enum Sink {
    Stderr,
    Log {
        cb: unsafe extern "C" fn(virgl_log_level_flags, *const c_char, *mut c_void),
        user_data: *mut c_void,
        free: virgl_free_data_callback_type,
    },
    Debug(unsafe extern "C" fn(*const c_char, super::types::VaListArg)),
}

// SAFETY: the pointers are the VMM's; the API contract lets us call its callbacks from any
// thread, and we never dereference `user_data` ourselves.
unsafe impl Send for Sink {}
// SAFETY: as above; the sink is only read to make calls.
unsafe impl Sync for Sink {}

static SINK: RwLock<Sink> = RwLock::new(Sink::Stderr);
static INIT: Once = Once::new();

struct Logger;
static LOGGER: Logger = Logger;

fn env_level() -> log::LevelFilter {
    crate::config::get().log_level.unwrap_or(log::LevelFilter::Warn)
}

/// Installs the logger once (called at every API boundary; cheap after the first time).
pub fn ensure_init() {
    INIT.call_once(|| {
        if log::set_logger(&LOGGER).is_ok() {
            log::set_max_level(env_level());
        }
    });
}

impl log::Log for Logger {
    fn enabled(&self, m: &log::Metadata) -> bool {
        m.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let text = format!("virgl-shim: {}\n", record.args());
        let sink = SINK.read().unwrap_or_else(|e| e.into_inner());
        match *sink {
            Sink::Stderr => {
                let _ = std::io::stderr().write_all(text.as_bytes());
            }
            Sink::Log { cb, user_data, .. } => {
                let level = match record.level() {
                    log::Level::Error => virgl_log_level_flags::VIRGL_LOG_LEVEL_ERROR,
                    log::Level::Warn => virgl_log_level_flags::VIRGL_LOG_LEVEL_WARNING,
                    log::Level::Info => virgl_log_level_flags::VIRGL_LOG_LEVEL_INFO,
                    _ => virgl_log_level_flags::VIRGL_LOG_LEVEL_DEBUG,
                };
                let line = CString::new(text.replace('\0', " ")).unwrap_or_default();
                // SAFETY: `cb` is the VMM's log callback, called with a valid C string that
                // outlives the call and the user_data it registered.
                unsafe { cb(level, line.as_ptr(), user_data) };
            }
            Sink::Debug(cb) => {
                let line = CString::new(text.replace('\0', " ")).unwrap_or_default();
                // SAFETY: the C helper builds a va_list for "%s" + `line`, valid for the call.
                unsafe { virgl_shim_call_debug_cb(cb, line.as_ptr()) };
            }
        }
    }

    fn flush(&self) {}
}

/// Sets (or clears, with `None`: back to stderr) the log callback; frees the previous user
/// data with its free callback. With a NULL callback the new user data is not kept.
pub fn set_log_callback(
    cb: virgl_log_callback_type,
    user_data: *mut c_void,
    free: virgl_free_data_callback_type,
) {
    ensure_init();
    let new = match cb {
        Some(cb) => Sink::Log { cb, user_data, free },
        None => Sink::Stderr,
    };
    let old = std::mem::replace(&mut *SINK.write().unwrap_or_else(|e| e.into_inner()), new);
    if let Sink::Log { user_data, free: Some(free), .. } = old {
        // SAFETY: the VMM asked us to call `free` on its user data when it is replaced.
        unsafe { free(user_data) };
    }
}

/// Sets the deprecated debug callback; returns the previous one (NULL if none).
pub fn set_debug_callback(cb: virgl_debug_callback_type) -> virgl_debug_callback_type {
    ensure_init();
    let mut sink = SINK.write().unwrap_or_else(|e| e.into_inner());
    let prev = match *sink {
        Sink::Debug(p) => Some(p),
        _ => None,
    };
    *sink = match cb {
        Some(cb) => Sink::Debug(cb),
        None => Sink::Stderr,
    };
    prev
}
