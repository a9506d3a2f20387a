//! Resource limits against a hostile guest: how much the guest can make the host hold.
//!
//! Every limit is read once at `virgl_renderer_init` from the environment (so a VMM can
//! tune it per VM without an API change) and applies until cleanup. Exhausting one is a
//! clean error on the request that would pass it, and nothing already created is lost:
//!
//! | variable | default | what it bounds | error |
//! |---|---|---|---|
//! | `VIRGL_SHIM_MAX_RESOURCES` | 2²⁰ | live resources of every kind | `ENOMEM` (create: positive) |
//! | `VIRGL_SHIM_MAX_HOST_MEMORY` | 4 GiB | host storage of classic (`resource_create`) resources | `ENOMEM` (positive) |
//! | `VIRGL_SHIM_MAX_IOVS` | 2²⁰ ([`crate::iov::MAX_IOVS`]) | iovecs in one list (attach, create, transfer, blob) | `EINVAL` |
//! | `VIRGL_SHIM_MAX_CMD_SIZE` | 16 MiB | bytes in one `submit_cmd` buffer | `EINVAL` |
//!
//! Sizes take `K`/`M`/`G` suffixes (binary units). A value that does not parse is logged
//! and the default used. Coherent memory has its own budget (`VIRGL_SHIM_COHERENT_LIMIT`,
//! see [`crate::blob`]).

use crate::error::{Error, Result};
use std::sync::atomic::{AtomicU64, Ordering};

/// Default most live resources.
pub const DEFAULT_MAX_RESOURCES: u64 = 1 << 20;
/// Default most host bytes held by classic resources: 4 GiB.
pub const DEFAULT_MAX_HOST_MEMORY: u64 = 4 << 30;
/// Default most iovecs in one list.
pub const DEFAULT_MAX_IOVS: u64 = crate::iov::MAX_IOVS as u64;
/// Default most bytes in one command buffer: 16 MiB.
pub const DEFAULT_MAX_CMD_SIZE: u64 = crate::ffi::context::MAX_SUBMIT_DWORDS as u64 * 4;
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
        Ok(v) => match crate::blob::parse_size(&v) {
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

// The limits in force, readable without the renderer lock (iovec lists and command buffers
// are checked before it is taken). Written by `install` at init.
static MAX_RESOURCES: AtomicU64 = AtomicU64::new(DEFAULT_MAX_RESOURCES);
static MAX_HOST_MEMORY: AtomicU64 = AtomicU64::new(DEFAULT_MAX_HOST_MEMORY);
static MAX_IOVS: AtomicU64 = AtomicU64::new(DEFAULT_MAX_IOVS);
static MAX_CMD_SIZE: AtomicU64 = AtomicU64::new(DEFAULT_MAX_CMD_SIZE);

/// Makes `l` the limits in force (called by `virgl_renderer_init`).
pub fn install(l: Limits) {
    MAX_RESOURCES.store(l.max_resources, Ordering::Relaxed);
    MAX_HOST_MEMORY.store(l.max_host_memory, Ordering::Relaxed);
    MAX_IOVS.store(l.max_iovs, Ordering::Relaxed);
    MAX_CMD_SIZE.store(l.max_cmd_size, Ordering::Relaxed);
}

/// The limits in force (the defaults before the first init).
pub fn current() -> Limits {
    Limits {
        max_resources: MAX_RESOURCES.load(Ordering::Relaxed),
        max_host_memory: MAX_HOST_MEMORY.load(Ordering::Relaxed),
        max_iovs: MAX_IOVS.load(Ordering::Relaxed),
        max_cmd_size: MAX_CMD_SIZE.load(Ordering::Relaxed),
    }
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
    fn defaults() {
        let d = Limits::default();
        assert_eq!(d.max_resources, 1 << 20);
        assert_eq!(d.max_host_memory, 4 << 30);
        assert_eq!(d.max_iovs, crate::iov::MAX_IOVS as u64);
        assert_eq!(d.max_cmd_dwords(), 4 << 20);
    }
}
