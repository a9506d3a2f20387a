//! Host storage behind one trait. A backend creates the host side of a resource and moves
//! texels between it and guest memory along a validated [`Plan`](crate::model::transfer::Plan).
//!
//! - [`cpu`]: linear host memory; needs no GL; the oracle the GL backend is tested against.
//! - [`gl`]: EGL + OpenGL textures and buffers (glow).

pub mod cpu;
pub mod gl;
pub mod linear;

pub mod zerocopy;

use crate::error::Result;
pub use crate::model::resource::MaxSizes;
use crate::model::resource::ResourceDesc;
use crate::model::transfer::Plan;
use crate::sys::dmabuf::{Dmabuf, DmabufLayout, ImportedTexture};
use crate::sys::iov::IovList;

/// The host side of one resource.
pub enum Storage {
    /// Linear memory (CPU backend; shadows of other kinds).
    Linear(linear::LinearStorage),
    /// A GL texture or buffer.
    Gl(gl::GlStorage),
    /// No host copy: a guest-only blob, whose data lives only in its iovecs.
    GuestOnly,
    /// No host copy: a zero-copy resource over its guest pages (see [`zerocopy`]).
    ZeroCopy(zerocopy::ZeroCopyStorage),
}

/// A point in a backend's work: done when everything submitted before it is.
pub trait SyncPoint: Send + Sync {
    /// Waits up to `timeout_ns` (0: just checks); true when the work is done.
    fn wait(&self, timeout_ns: u64) -> bool;
}

/// Host storage for resources.
pub trait Backend: Send {
    /// Short name for logs ("cpu", "gl").
    fn name(&self) -> &'static str;
    /// Real maximum sizes, used by validation and the capsets.
    fn limits(&self) -> MaxSizes;
    /// Fails (EINVAL, with the reason) when this backend cannot hold `desc`.
    fn check_supported(&self, desc: &ResourceDesc) -> Result<()>;
    /// Allocates zero-filled storage for a validated description.
    fn create(&mut self, desc: &ResourceDesc) -> Result<Storage>;
    /// Frees storage made by `create` for `desc` (or keeps it for reuse).
    fn destroy(&mut self, desc: &ResourceDesc, storage: Storage);
    /// TRANSFER_TO_HOST: guest `src` → storage.
    fn write(
        &mut self,
        desc: &ResourceDesc,
        st: &mut Storage,
        plan: &Plan,
        src: &IovList,
    ) -> Result<()>;
    /// TRANSFER_FROM_HOST: storage → guest `dst`.
    fn read(
        &mut self,
        desc: &ResourceDesc,
        st: &mut Storage,
        plan: &Plan,
        dst: &IovList,
    ) -> Result<()>;
    /// `virgl_renderer_force_ctx_0`: the VMM may have made its own GL context current; make
    /// ours current again now (as upstream does). Nothing by default.
    fn force_ctx_0(&mut self) {}
    /// The VMM may have changed the current GL context (poll, reset): check again before
    /// the next GL call. Nothing by default.
    fn forget_current(&mut self) {}
    /// Frees whatever the backend keeps for reuse (reset, cleanup). Nothing by default.
    fn trim(&mut self) {}
    /// Readies `st` for a user outside the library (the VMM gets its `tex_id` or a dma-buf):
    /// its contents must be defined, and the object must not be reused after the resource
    /// is gone. Nothing to do by default.
    fn expose(&mut self, _desc: &ResourceDesc, _st: &mut Storage) -> Result<()> {
        Ok(())
    }
    /// GL texture (or buffer) name for `get_info`; 0 when there is none.
    fn tex_id(&self, _st: &Storage) -> u32 {
        0
    }
    /// A sync point after all work submitted so far, for fences; `None` when that work is
    /// already done (every operation of the CPU backend completes before it returns).
    fn sync_point(&mut self) -> Result<Option<std::sync::Arc<dyn SyncPoint>>> {
        Ok(None)
    }
    /// True when zero-copy resources need their pages as an imported dma-buf (GL).
    fn zero_copy_needs_dmabuf(&self) -> bool {
        false
    }
    /// Imports a single-plane dma-buf as a texture for `desc` (EOPNOTSUPP by default).
    fn import_dmabuf(
        &mut self,
        _desc: &ResourceDesc,
        _layout: &DmabufLayout,
        _fd: &std::os::fd::OwnedFd,
    ) -> Result<ImportedTexture> {
        Err(crate::error::Error::notsup(format!("the {} backend imports no dma-bufs", self.name())))
    }
    /// Frees a texture made by `import_dmabuf`.
    fn release_import(&mut self, _imp: ImportedTexture) {}
    /// TRANSFER_FROM_HOST from a texture made by `import_dmabuf` (EOPNOTSUPP by default).
    fn read_import(
        &mut self,
        _desc: &ResourceDesc,
        _imp: &ImportedTexture,
        _plan: &Plan,
        _dst: &IovList,
    ) -> Result<()> {
        Err(crate::error::Error::notsup(format!("the {} backend imports no dma-bufs", self.name())))
    }
    /// The GL backend, for executing the guest's 3D (`None`: this backend executes none).
    fn gl_mut(&mut self) -> Option<&mut gl::GlBackend> {
        None
    }
    /// Exports a backend texture as a dma-buf (EOPNOTSUPP by default).
    fn export_texture(&mut self, _desc: &ResourceDesc, _name: u32, _target: u32) -> Result<Dmabuf> {
        Err(crate::error::Error::notsup(format!("the {} backend exports no dma-bufs", self.name())))
    }
}
