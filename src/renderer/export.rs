//! dma-buf export and import: `virgl_renderer_resource_export_dmabuf`, `import_blob`,
//! `execute(EXPORT_QUERY)` and `get_fd_for_texture(2)`.
//!
//! What can become a dma-buf:
//! - zero-copy resources: the udmabuf over their guest pages (built on first export on
//!   the CPU backend);
//! - coherent (memfd) resources: a udmabuf over the memfd;
//! - GL textures: `EGL_MESA_image_dma_buf_export`, where the driver can;
//!
//! everything else, and every case where the host lacks udmabuf or the EGL extension, is
//! EOPNOTSUPP.

use crate::backend::zerocopy::linear_dmabuf_layout;
use crate::backend::{linear::LinearStorage, Storage};
use crate::error::{Error, Result};
use crate::model::resource::Target;
use crate::renderer::blob::BlobFd;
use crate::renderer::{Renderer, Resource};
use crate::sys::dmabuf::{
    self, dup, fd_len, is_dmabuf, one_plane, Dmabuf, DmabufLayout, MemfdRange,
    DRM_FORMAT_MOD_LINEAR, DRM_FORMAT_R8,
};
use crate::sys::guest_memory::udmabuf_for_gather;
use crate::sys::memory::{self, HostMem};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

impl Renderer {
    /// `virgl_renderer_resource_export_dmabuf`: see the module docs.
    pub fn export_dmabuf(&mut self, handle: u32) -> Result<Dmabuf> {
        let Renderer { resources, backend, .. } = self;
        let r = resources
            .get_mut(&handle)
            .ok_or_else(|| Error::inval(format!("unknown resource {handle}")))?;
        let desc = r.desc;
        match &mut r.storage {
            Storage::ZeroCopy(z) => {
                let layout = linear_dmabuf_layout(&desc, &z.levels)?;
                let fd = match &z.dmabuf {
                    Some(f) => dup(f.as_fd())?,
                    None => {
                        let b = r.backing.as_ref().ok_or_else(|| {
                            Error::notsup(format!("zero-copy resource {handle} has no backing"))
                        })?;
                        let f = udmabuf_for_gather(&b.iovs, z.size)?;
                        let d = dup(f.as_fd())?;
                        z.dmabuf = Some(f);
                        d
                    }
                };
                let size = memory::page_align(z.size).unwrap_or(z.size);
                Ok(one_plane(fd, &layout, size))
            }
            Storage::Linear(l) => {
                let Some(mfd) = l.mem.fd() else {
                    return Err(Error::notsup(format!(
                        "resource {handle} lives in private host memory (no fd to export)"
                    )));
                };
                let layout = linear_dmabuf_layout(&desc, &l.levels)?;
                let size = l.mem.len() as u64;
                if is_dmabuf(mfd.as_fd()) {
                    return Ok(one_plane(dup(mfd.as_fd())?, &layout, size));
                }
                if !dmabuf::udmabuf_available() {
                    return Err(Error::notsup(format!(
                        "no {}: memfd of resource {handle} cannot become a dma-buf",
                        dmabuf::udmabuf_path()
                    )));
                }
                // udmabuf needs the memfd sealed against shrinking; ours never shrinks.
                memory::seal_shrink(mfd.as_fd()).map_err(|e| Error::notsup(e.msg))?;
                let fd =
                    dmabuf::create_udmabuf(&[MemfdRange { fd: mfd.as_raw_fd(), offset: 0, size }])
                        .map_err(|e| Error::notsup(e.msg))?;
                Ok(one_plane(fd, &layout, size))
            }
            Storage::Gl(g) => {
                if desc.target != Target::Tex2D || desc.last_level != 0 || desc.nr_samples > 1 {
                    return Err(Error::notsup(format!(
                        "resource {handle}: only single-level 2D textures export as dma-bufs"
                    )));
                }
                let (name, target) = (g.name, g.target);
                backend.expose(&desc, &mut r.storage)?;
                backend.export_texture(&desc, name, target)
            }
            Storage::GuestOnly => {
                let b = r.backing.as_ref().ok_or_else(|| Error::notsup("no backing"))?;
                let size = b.iovs.total();
                let fd = udmabuf_for_gather(&b.iovs, size)?;
                let w = u32::try_from(size).map_err(|_| Error::notsup("blob too large"))?;
                let l = DmabufLayout {
                    fourcc: DRM_FORMAT_R8,
                    modifier: DRM_FORMAT_MOD_LINEAR,
                    width: w,
                    height: 1,
                    stride: w,
                    offset: 0,
                };
                Ok(one_plane(fd, &l, memory::page_align(size).unwrap_or(size)))
            }
        }
    }

    /// `virgl_renderer_get_fd_for_texture(2)`: the dma-buf of the resource whose GL texture
    /// is `tex_id`.
    pub fn fd_for_texture(&mut self, tex_id: u32) -> Result<Dmabuf> {
        if tex_id == 0 {
            return Err(Error::inval("texture 0"));
        }
        let handle = self
            .resources
            .iter()
            .find(|(_, r)| self.backend.tex_id(&r.storage) == tex_id)
            .map(|(h, _)| *h)
            .ok_or_else(|| Error::inval(format!("no resource has GL texture {tex_id}")))?;
        self.export_dmabuf(handle)
    }

    /// `virgl_renderer_resource_import_blob`: an SHM or mappable dma-buf fd of at least
    /// `size` bytes becomes a mappable (coherent-style) byte buffer resource, counted
    /// against the coherent budget. Takes ownership of `fd` on success only.
    pub fn import_blob(
        &mut self,
        handle: u32,
        fd_type: BlobFd,
        fd: BorrowedFd<'_>,
        size: u64,
    ) -> Result<()> {
        if handle == 0 || self.handle_in_use(handle) {
            return Err(Error::inval(format!("resource handle {handle} is 0 or in use")));
        }
        if size == 0 {
            return Err(Error::inval("size 0"));
        }
        if fd_type == BlobFd::Opaque {
            return Err(Error::notsup("OPAQUE fds (Vulkan memory) cannot be imported"));
        }
        let len = fd_len(fd)?;
        if len < size {
            return Err(Error::inval(format!("fd holds {len} bytes, {size} requested")));
        }
        let desc = self.byte_buffer_desc(handle, size)?;
        let map_len = self.reserve_coherent(size)?;
        let owned = dup(fd)?;
        let mem = HostMem::from_fd(owned, map_len).map_err(|e| {
            if fd_type == BlobFd::Dmabuf {
                Error::notsup(format!("dma-buf is not mappable: {}", e.msg))
            } else {
                e
            }
        })?;
        let (levels, _) = crate::model::transfer::linear_levels(&desc)?;
        let mut res = Resource::new(desc, Storage::Linear(LinearStorage { mem, levels }), None);
        res.new_api = true;
        self.charge_coherent(&mut res, map_len);
        self.resources.insert(handle, res);
        Ok(())
    }

    /// `execute(EXPORT_QUERY)`: the dma-buf of an exportable resource (`Ok(Ok)`), or why it
    /// cannot be exported (`Ok(Err)`, EOPNOTSUPP); `ffi/` fills the query from it.
    pub fn export_query(&mut self, handle: u32) -> Result<std::result::Result<Dmabuf, Error>> {
        if !self.resources.contains_key(&handle) {
            return Err(Error::inval(format!("unknown resource {handle}")));
        }
        match self.export_dmabuf(handle) {
            Ok(d) => Ok(Ok(d)),
            Err(e) if e.errno == libc::EOPNOTSUPP => Ok(Err(e)),
            Err(e) => Err(e),
        }
    }
}
