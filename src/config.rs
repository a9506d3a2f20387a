//! L0: the library's configuration. Every `VIRGL_SHIM_*` variable is read here, once, when
//! `virgl_renderer_init` installs a fresh [`Config`] (or at the first use before any init),
//! and applies until the next init: a VMM can tune it per VM without an API change.
//!
//! | variable | default | effect |
//! |---|---|---|
//! | `VIRGL_SHIM_BACKEND` | automatic | `cpu` or `gl` host storage (automatic: GL when EGL works) |
//! | `VIRGL_SHIM_LOG` | `warn` | stderr log level when the VMM set no log callback |
//! | `VIRGL_SHIM_EGL_DEVICE` | — | `software`: try Mesa's software EGL device before hardware |
//! | `VIRGL_SHIM_GBM` | `1` | `0`: never use GBM (no render-node EGL, no GBM scanout textures) |
//! | `VIRGL_SHIM_UDMABUF_DEV` | `/dev/udmabuf` | the udmabuf device |
//! | `VIRGL_SHIM_COHERENT_LIMIT` | 256 MiB | coherent memory budget |
//! | `VIRGL_SHIM_MAX_RESOURCES` | 2²⁰ | live resources of every kind (`ENOMEM`) |
//! | `VIRGL_SHIM_MAX_HOST_MEMORY` | 4 GiB | host storage of classic resources (`ENOMEM`) |
//! | `VIRGL_SHIM_MAX_IOVS` | 2²⁰ | iovecs in one list (`EINVAL`) |
//! | `VIRGL_SHIM_3D_LEVEL` | `2` | capset level: `2` GL 3.3 / GLES 3.0 guests, `1` GL 2.1 / GLES 2.0 guests (issues #13, #14) |
//! | `VIRGL_SHIM_MAX_CMD_SIZE` | 16 MiB | bytes in one `submit_cmd` buffer (`EINVAL`) |
//!
//! Sizes take `K`/`M`/`G` suffixes (binary units). A value that does not parse is logged
//! and the default used. Exhausting a limit is a clean error on the request that would pass
//! it, and nothing already created is lost.

use crate::error::{Error, Result};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Default most live resources.
pub const DEFAULT_MAX_RESOURCES: u64 = 1 << 20;
/// Default most host bytes held by classic resources: 4 GiB.
pub const DEFAULT_MAX_HOST_MEMORY: u64 = 4 << 30;
/// Default most iovecs in one list.
pub const DEFAULT_MAX_IOVS: u64 = 1 << 20;
/// Default most bytes in one command buffer: 16 MiB.
pub const DEFAULT_MAX_CMD_SIZE: u64 = 16 << 20;
/// Hard ceiling on the iovec limit whatever the environment says (the checked list costs
/// 24 bytes per entry, allocated before the entries are looked at).
pub const HARD_MAX_IOVS: u64 = 1 << 24;
/// Hard ceiling on the command buffer limit (`submit_cmd` takes an `int` of dwords).
pub const HARD_MAX_CMD_SIZE: u64 = (i32::MAX as u64) * 4;

/// The limits in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most live resources (classic, blob and coherent together).
    pub max_resources: u64,
    /// Most bytes of host storage held by classic resources.
    pub max_host_memory: u64,
    /// Most iovecs in one list.
    pub max_iovs: u64,
    /// Most bytes in one command buffer.
    pub max_cmd_size: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_resources: DEFAULT_MAX_RESOURCES,
            max_host_memory: DEFAULT_MAX_HOST_MEMORY,
            max_iovs: DEFAULT_MAX_IOVS,
            max_cmd_size: DEFAULT_MAX_CMD_SIZE,
        }
    }
}

fn env_size(var: &str, default: u64, ceiling: u64) -> u64 {
    match std::env::var(var) {
        Ok(v) => match parse_size(&v) {
            Some(n) if n > ceiling => {
                log::warn!("{var}={v} is above the ceiling {ceiling}; using {ceiling}");
                ceiling
            }
            Some(n) => n,
            None => {
                log::warn!("{var}={v} is not a number; using {default}");
                default
            }
        },
        Err(_) => default,
    }
}

impl Limits {
    /// The limits the environment asks for (defaults for unset or unparsable variables).
    pub fn from_env() -> Self {
        Limits {
            max_resources: env_size("VIRGL_SHIM_MAX_RESOURCES", DEFAULT_MAX_RESOURCES, u64::MAX),
            max_host_memory: env_size(
                "VIRGL_SHIM_MAX_HOST_MEMORY",
                DEFAULT_MAX_HOST_MEMORY,
                u64::MAX,
            ),
            max_iovs: env_size("VIRGL_SHIM_MAX_IOVS", DEFAULT_MAX_IOVS, HARD_MAX_IOVS),
            max_cmd_size: env_size(
                "VIRGL_SHIM_MAX_CMD_SIZE",
                DEFAULT_MAX_CMD_SIZE,
                HARD_MAX_CMD_SIZE,
            ),
        }
    }

    /// Most dwords in one command buffer.
    pub fn max_cmd_dwords(&self) -> u64 {
        self.max_cmd_size / 4
    }

    /// `EINVAL` when a list of `count` iovecs is over the limit.
    pub fn check_iovs(&self, count: u64) -> Result<()> {
        if count > self.max_iovs {
            return Err(Error::inval(format!(
                "{count} iovecs > limit {} (VIRGL_SHIM_MAX_IOVS)",
                self.max_iovs
            )));
        }
        Ok(())
    }

    /// `EINVAL` when a command buffer of `ndw` dwords is over the limit.
    pub fn check_cmd_dwords(&self, ndw: u64) -> Result<()> {
        if ndw > self.max_cmd_dwords() {
            return Err(Error::inval(format!(
                "command buffer of {ndw} dwords > limit {} bytes (VIRGL_SHIM_MAX_CMD_SIZE)",
                self.max_cmd_size
            )));
        }
        Ok(())
    }

    /// `ENOMEM` when one more resource would pass the count limit (`live` exist now).
    pub fn check_resources(&self, live: u64) -> Result<()> {
        if live >= self.max_resources {
            return Err(Error::nomem(format!(
                "{live} resources exist, limit {} (VIRGL_SHIM_MAX_RESOURCES)",
                self.max_resources
            )));
        }
        Ok(())
    }

    /// `ENOMEM` when `more` bytes of classic host storage on top of `used` would pass the
    /// host memory limit.
    pub fn check_host_memory(&self, used: u64, more: u64) -> Result<()> {
        match used.checked_add(more) {
            Some(total) if total <= self.max_host_memory => Ok(()),
            _ => Err(Error::nomem(format!(
                "host storage: {used} bytes held, {more} more requested, limit {} \
                 (VIRGL_SHIM_MAX_HOST_MEMORY)",
                self.max_host_memory
            ))),
        }
    }
}

// The limits in force (also in the installed Config), readable without the renderer lock (iovec lists and command buffers
// are checked before it is taken). Written by `install` at init.
static MAX_RESOURCES: AtomicU64 = AtomicU64::new(DEFAULT_MAX_RESOURCES);
static MAX_HOST_MEMORY: AtomicU64 = AtomicU64::new(DEFAULT_MAX_HOST_MEMORY);
static MAX_IOVS: AtomicU64 = AtomicU64::new(DEFAULT_MAX_IOVS);
static MAX_CMD_SIZE: AtomicU64 = AtomicU64::new(DEFAULT_MAX_CMD_SIZE);

/// Makes `l` the limits in force.
fn install_limits(l: Limits) {
    MAX_RESOURCES.store(l.max_resources, Ordering::Relaxed);
    MAX_HOST_MEMORY.store(l.max_host_memory, Ordering::Relaxed);
    MAX_IOVS.store(l.max_iovs, Ordering::Relaxed);
    MAX_CMD_SIZE.store(l.max_cmd_size, Ordering::Relaxed);
}

/// The limits in force (the defaults before the first init), without a lock: iovec lists
/// and command buffers are checked before the renderer lock is taken.
pub fn limits() -> Limits {
    Limits {
        max_resources: MAX_RESOURCES.load(Ordering::Relaxed),
        max_host_memory: MAX_HOST_MEMORY.load(Ordering::Relaxed),
        max_iovs: MAX_IOVS.load(Ordering::Relaxed),
        max_cmd_size: MAX_CMD_SIZE.load(Ordering::Relaxed),
    }
}

/// Default coherent budget: 256 MiB.
pub const DEFAULT_COHERENT_LIMIT: u64 = 256 << 20;

/// Parses `123`, `64K`, `256M`, `1G` (binary units).
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, shift) = match s.chars().last()? {
        'k' | 'K' => (&s[..s.len() - 1], 10),
        'm' | 'M' => (&s[..s.len() - 1], 20),
        'g' | 'G' => (&s[..s.len() - 1], 30),
        _ => (s, 0),
    };
    num.parse::<u64>().ok()?.checked_mul(1u64 << shift)
}

/// The `VIRGL_RENDERER_*` flags of `virgl_renderer_init` that the library acts on, decoded
/// by `ffi/`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InitFlags {
    /// `VIRGL_RENDERER_USE_EGL`: make our own EGL context even when the VMM offers its GL
    /// contexts.
    pub use_egl: bool,
    /// `VIRGL_RENDERER_USE_GLES`: an OpenGL ES 3.x context instead of desktop GL; when the
    /// GL backend cannot start on one, init fails (no CPU fallback).
    pub use_gles: bool,
    /// `VIRGL_RENDERER_THREAD_SYNC`.
    pub thread_sync: bool,
    /// `VIRGL_RENDERER_ASYNC_FENCE_CB`.
    pub async_fence_cb: bool,
    /// `VIRGL_RENDERER_NO_VIRGL`.
    pub no_virgl: bool,
}

/// Which host storage `VIRGL_SHIM_BACKEND` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendChoice {
    /// GL when EGL works, else CPU (also CPU with `VIRGL_RENDERER_NO_VIRGL`).
    Auto,
    Cpu,
    Gl,
}

/// Every knob of the library (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub backend: BackendChoice,
    /// `VIRGL_SHIM_LOG`; `None`: the default (`warn`).
    pub log_level: Option<log::LevelFilter>,
    /// `VIRGL_SHIM_EGL_DEVICE=software`.
    pub egl_software_first: bool,
    /// `VIRGL_SHIM_GBM` is not `0`.
    pub gbm: bool,
    pub udmabuf_dev: String,
    pub coherent_limit: u64,
    /// `VIRGL_SHIM_3D_LEVEL`: capset content level (2 by default; 1 on request).
    pub caps_level: u8,
    pub limits: Limits,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            backend: BackendChoice::Auto,
            log_level: None,
            egl_software_first: false,
            gbm: true,
            udmabuf_dev: "/dev/udmabuf".into(),
            coherent_limit: DEFAULT_COHERENT_LIMIT,
            caps_level: 2,
            limits: Limits::default(),
        }
    }
}

impl Config {
    /// The configuration the environment asks for.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok();
        let backend = match var("VIRGL_SHIM_BACKEND").as_deref() {
            None | Some("") => BackendChoice::Auto,
            Some("cpu") => BackendChoice::Cpu,
            Some("gl") => BackendChoice::Gl,
            Some(other) => {
                log::warn!("VIRGL_SHIM_BACKEND={other} is not cpu or gl; choosing automatically");
                BackendChoice::Auto
            }
        };
        let log_level = match var("VIRGL_SHIM_LOG").as_deref() {
            Some("error") => Some(log::LevelFilter::Error),
            Some("warn") => Some(log::LevelFilter::Warn),
            Some("info") => Some(log::LevelFilter::Info),
            Some("debug") => Some(log::LevelFilter::Debug),
            Some("trace") => Some(log::LevelFilter::Trace),
            Some("off") => Some(log::LevelFilter::Off),
            _ => None,
        };
        Config {
            backend,
            log_level,
            egl_software_first: var("VIRGL_SHIM_EGL_DEVICE").as_deref() == Some("software"),
            gbm: var("VIRGL_SHIM_GBM").as_deref() != Some("0"),
            udmabuf_dev: var("VIRGL_SHIM_UDMABUF_DEV").unwrap_or_else(|| "/dev/udmabuf".into()),
            coherent_limit: env_size("VIRGL_SHIM_COHERENT_LIMIT", DEFAULT_COHERENT_LIMIT, u64::MAX),
            caps_level: match var("VIRGL_SHIM_3D_LEVEL").as_deref() {
                Some("1") => 1,
                None | Some("") | Some("2") => 2,
                Some(other) => {
                    log::warn!("VIRGL_SHIM_3D_LEVEL={other} is not 1 or 2; serving level 2");
                    2
                }
            },
            limits: Limits::from_env(),
        }
    }
}

static CONFIG: RwLock<Option<Arc<Config>>> = RwLock::new(None);

/// Makes `c` the configuration in force (`virgl_renderer_init`), limits included.
pub fn install(c: Config) {
    install_limits(c.limits);
    *CONFIG.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(c));
}

/// The configuration in force; before the first init, the environment's (read once).
pub fn get() -> Arc<Config> {
    if let Some(c) = CONFIG.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
        return Arc::clone(c);
    }
    let mut g = CONFIG.write().unwrap_or_else(|e| e.into_inner());
    let c = g.get_or_insert_with(|| {
        let c = Config::from_env();
        install_limits(c.limits);
        Arc::new(c)
    });
    Arc::clone(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks() {
        let l = Limits { max_resources: 2, max_host_memory: 100, max_iovs: 3, max_cmd_size: 16 };
        assert!(l.check_resources(1).is_ok());
        assert_eq!(l.check_resources(2).unwrap_err().errno, libc::ENOMEM);
        assert!(l.check_host_memory(40, 60).is_ok());
        assert_eq!(l.check_host_memory(40, 61).unwrap_err().errno, libc::ENOMEM);
        assert_eq!(l.check_host_memory(1, u64::MAX).unwrap_err().errno, libc::ENOMEM);
        assert!(l.check_iovs(3).is_ok());
        assert_eq!(l.check_iovs(4).unwrap_err().errno, libc::EINVAL);
        assert!(l.check_cmd_dwords(4).is_ok());
        assert_eq!(l.check_cmd_dwords(5).unwrap_err().errno, libc::EINVAL);
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("123"), Some(123));
        assert_eq!(parse_size(" 64K"), Some(64 << 10));
        assert_eq!(parse_size("256m"), Some(256 << 20));
        assert_eq!(parse_size("1G"), Some(1 << 30));
        assert_eq!(parse_size("x"), None);
        assert_eq!(parse_size(""), None);
        assert_eq!(parse_size("99999999999999999999G"), None);
        assert_eq!(parse_size("17179869184G"), None);
    }

    #[test]
    fn defaults() {
        let d = Limits::default();
        assert_eq!(d.max_resources, 1 << 20);
        assert_eq!(d.max_host_memory, 4 << 30);
        assert_eq!(d.max_iovs, 1 << 20);
        assert_eq!(d.max_cmd_dwords(), 4 << 20);
    }
}
