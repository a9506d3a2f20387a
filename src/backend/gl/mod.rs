//! The GL backend: EGL + OpenGL (glow). Not wired yet: [`GlBackend::new`] reports that GL is
//! unavailable so the renderer falls back to the CPU backend.

use super::{Backend, Limits, Storage};
use crate::error::{Error, Result};
use crate::iov::IovList;
use crate::resource::ResourceDesc;
use crate::transfer::Plan;

/// A GL texture or buffer.
pub struct GlStorage {
    pub name: u32,
}

/// EGL display, context and GL function table.
pub struct GlBackend {}

impl GlBackend {
    pub fn new() -> Result<Self> {
        Err(Error::notsup("the GL backend is not implemented yet"))
    }
}

impl Backend for GlBackend {
    fn name(&self) -> &'static str {
        "gl"
    }
    fn limits(&self) -> Limits {
        Limits::default()
    }
    fn check_supported(&self, _desc: &ResourceDesc) -> Result<()> {
        Err(Error::notsup("GL backend not implemented"))
    }
    fn create(&mut self, _desc: &ResourceDesc) -> Result<Storage> {
        Err(Error::notsup("GL backend not implemented"))
    }
    fn destroy(&mut self, _storage: Storage) {}
    fn write(
        &mut self,
        _d: &ResourceDesc,
        _s: &mut Storage,
        _p: &Plan,
        _i: &IovList,
    ) -> Result<()> {
        Err(Error::notsup("GL backend not implemented"))
    }
    fn read(&mut self, _d: &ResourceDesc, _s: &mut Storage, _p: &Plan, _i: &IovList) -> Result<()> {
        Err(Error::notsup("GL backend not implemented"))
    }
}
