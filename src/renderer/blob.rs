//! Coherent resources (host memory the VMM maps into the guest's BAR, within a budget),
//! guest-only blobs, mapping and fd export.
//!
//! Coherent memory is a memfd under every backend: the host resource *is* the mapped
//! memory, so a guest write through the BAR is what the next transfer or readback sees and
//! a transfer into the resource is what the guest sees, with no copy in between.

use crate::backend::{linear::LinearStorage, Storage};
use crate::error::{Error, Result};
use crate::model::resource::{Backing, CreateArgs, ResourceDesc, Target};
use crate::renderer::{Renderer, Resource};
use crate::sys::iov::IovList;
use std::os::fd::{AsRawFd, OwnedFd};

/// What `virgl_renderer_resource_create_coherent` asks for (the C struct's fields).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CoherentArgs {
    pub res_handle: u32,
    /// 0, or a context the resource is attached to.
    pub ctx_id: u32,
    /// PIPE_BUFFER (0) or PIPE_TEXTURE_2D (2).
    pub target: u32,
    pub format: u32,
    pub bind: u32,
    pub width: u32,
    pub height: u32,
    /// Must be 0.
    pub flags: u32,
}

/// The kind of an fd that carries a blob's memory (`VIRGL_RENDERER_BLOB_FD_TYPE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlobFd {
    Dmabuf,
    /// Vulkan memory: never importable here.
    Opaque,
    /// A memfd (or other mappable file).
    Shm,
}

impl Renderer {
    /// Page-rounds `bytes` and checks it fits the coherent budget (-ENOSPC, nothing
    /// changed, when it does not). The caller charges it with [`Renderer::charge_coherent`]
    /// once the memory exists.
    pub(crate) fn reserve_coherent(&self, bytes: u64) -> Result<u64> {
        let size = crate::sys::memory::page_align(bytes.max(1))
            .ok_or_else(|| Error::inval(format!("coherent size {bytes} overflows")))?;
        if self.coherent_used.saturating_add(size) > self.coherent_limit {
            return Err(Error::new(
                libc::ENOSPC,
                format!(
                    "coherent budget: {} of {} bytes used, {size} more requested",
                    self.coherent_used, self.coherent_limit
                ),
            ));
        }
        Ok(size)
    }

    /// Marks `res` as holding `size` coherent bytes (from [`Renderer::reserve_coherent`]).
    pub(crate) fn charge_coherent(&mut self, res: &mut Resource, size: u64) {
        res.coherent_bytes = size;
        self.coherent_used += size;
    }

    /// A zeroed memfd-backed linear storage for `desc` and its budget size, reserved.
    pub(crate) fn alloc_coherent(&self, desc: &ResourceDesc) -> Result<(Storage, u64)> {
        let (_, bytes) = crate::model::transfer::linear_levels(desc)?;
        let size = self.reserve_coherent(bytes)?;
        Ok((Storage::Linear(LinearStorage::shared(desc)?), size))
    }

    /// The description of a blob that is plain bytes: an R8 buffer `size` bytes wide.
    pub(crate) fn byte_buffer_desc(&self, handle: u32, size: u64) -> Result<ResourceDesc> {
        let w = u32::try_from(size).map_err(|_| Error::inval(format!("blob of {size} bytes")))?;
        let args = CreateArgs {
            handle,
            target: 0,
            format: crate::model::format::R8_UNORM,
            bind: 0,
            width: w,
            height: 1,
            depth: 1,
            array_size: 1,
            ..Default::default()
        };
        ResourceDesc::validate(&args, &self.backend.limits())
    }

    /// `virgl_renderer_resource_create_coherent`: a zeroed memfd-backed BUFFER or 2D
    /// texture counted against the budget (-ENOSPC, nothing allocated, when it would pass).
    pub fn create_coherent(&mut self, a: &CoherentArgs) -> Result<()> {
        if a.res_handle == 0 {
            return Err(Error::inval("resource handle 0"));
        }
        if self.handle_in_use(a.res_handle) {
            return Err(Error::inval(format!(
                "resource {} is in use (live, or unreferenced but still mapped)",
                a.res_handle
            )));
        }
        if a.flags != 0 {
            return Err(Error::inval(format!("flags {:#x} must be 0", a.flags)));
        }
        self.check_new_resource()?;
        if a.target != Target::Buffer as u32 && a.target != Target::Tex2D as u32 {
            return Err(Error::inval(format!("target {} is not BUFFER or TEXTURE_2D", a.target)));
        }
        if a.ctx_id != 0 {
            self.context(a.ctx_id)?;
        }
        let args = CreateArgs {
            handle: a.res_handle,
            target: a.target,
            format: a.format,
            bind: a.bind,
            width: a.width,
            height: a.height,
            depth: 1,
            array_size: 1,
            last_level: 0,
            nr_samples: 0,
            flags: 0,
        };
        let desc = ResourceDesc::validate(&args, &self.backend.limits())?;
        let (storage, size) = self.alloc_coherent(&desc)?;
        let mut res = Resource::new(desc, storage, None);
        res.new_api = true;
        self.charge_coherent(&mut res, size);
        self.resources.insert(a.res_handle, res);
        if a.ctx_id != 0 {
            self.context(a.ctx_id)?.resources.insert(a.res_handle);
        }
        Ok(())
    }

    /// `virgl_renderer_resource_create_blob` for `BLOB_MEM_GUEST`: the data lives only in
    /// the guest's iovecs (no host copy).
    pub fn create_guest_blob(
        &mut self,
        handle: u32,
        size: u64,
        iovs: IovList,
        raw: (usize, i32),
    ) -> Result<()> {
        if iovs.total() < size {
            return Err(Error::inval(format!(
                "blob of {size} bytes, iovecs hold {}",
                iovs.total()
            )));
        }
        let desc = self.byte_buffer_desc(handle, size)?;
        self.check_new_resource()?;
        let backing = Backing { raw_iov: raw.0, raw_count: raw.1, iovs };
        let mut res = Resource::new(desc, Storage::GuestOnly, Some(backing));
        res.new_api = true;
        self.resources.insert(handle, res);
        Ok(())
    }

    /// PIPE_RESOURCE_SET_TYPE of a guest-only blob: the resource becomes the texture
    /// `args` describes (host storage allocated and accounted as for a classic resource)
    /// and keeps the blob's iovecs as its backing, so transfers move data between the two.
    /// `Ok(false)`: the resource has a type already and is left as it is (upstream answers
    /// such a call with success too).
    pub fn type_guest_blob(&mut self, args: &CreateArgs) -> Result<bool> {
        if !matches!(self.resource(args.handle)?.storage, Storage::GuestOnly) {
            return Ok(false);
        }
        let desc = ResourceDesc::validate(args, &self.backend.limits())?;
        self.backend.check_supported(&desc)?;
        let (_, bytes) = crate::model::transfer::linear_levels(&desc)?;
        crate::config::limits().check_host_memory(self.host_bytes, bytes)?;
        let storage = self.backend.create(&desc)?;
        let res = self.resource(args.handle)?;
        res.desc = desc;
        res.storage = storage;
        res.host_bytes = bytes;
        self.host_bytes += bytes;
        Ok(true)
    }

    fn coherent_mem(&mut self, handle: u32) -> Result<&mut Resource> {
        let r = self.resource(handle)?;
        if r.coherent_bytes == 0 {
            return Err(Error::inval(format!("resource {handle} is not mappable")));
        }
        Ok(r)
    }

    /// `virgl_renderer_resource_map`: (address, size) of the resource's memory, page-aligned
    /// and stable until `unmap`.
    pub fn map(&mut self, handle: u32) -> Result<(*mut u8, u64)> {
        let r = self.coherent_mem(handle)?;
        if r.mapped {
            return Err(Error::inval(format!("resource {handle} is already mapped")));
        }
        let Storage::Linear(l) = &r.storage else {
            return Err(Error::inval(format!("resource {handle} has no host memory")));
        };
        let (p, len) = (l.mem.as_ptr(), l.mem.len() as u64);
        r.mapped = true;
        Ok((p, len))
    }

    /// `virgl_renderer_resource_unmap`: ends a mapping; memory of a resource unreferenced
    /// while mapped is freed now and its budget returned.
    pub fn unmap(&mut self, handle: u32) -> Result<()> {
        if let Some(r) = self.resources.get_mut(&handle) {
            if r.mapped {
                r.mapped = false;
                return Ok(());
            }
        }
        if let Some(i) = self.orphans.iter().position(|(h, ..)| *h == handle) {
            let (_, desc, storage, bytes) = self.orphans.swap_remove(i);
            self.coherent_used -= bytes;
            self.backend.destroy(&desc, storage);
            return Ok(());
        }
        Err(Error::inval(format!("resource {handle} is not mapped")))
    }

    /// `virgl_renderer_resource_get_map_info`: Ok when the resource is mappable; its memory
    /// is then always ordinary cached RAM (`VIRGL_RENDERER_MAP_CACHE_CACHED`).
    pub fn map_info(&mut self, handle: u32) -> Result<()> {
        let r = self.resource(handle)?;
        if r.coherent_bytes != 0 || matches!(r.storage, Storage::GuestOnly) {
            // Ordinary cached host (or guest) RAM.
            Ok(())
        } else {
            Err(Error::inval(format!("resource {handle} is not mappable")))
        }
    }

    /// `virgl_renderer_resource_export_blob`: coherent memory as its memfd (SHM).
    pub fn export_blob(&mut self, handle: u32) -> Result<(BlobFd, OwnedFd)> {
        // A dma-buf where the host can make one (zero-copy pages, udmabuf over a memfd,
        // EGL texture export, imported dma-bufs): it is what a multi-process VMM can use.
        let dmabuf_err = match self.export_dmabuf(handle) {
            Ok(d) => return Ok((BlobFd::Dmabuf, d.fd)),
            Err(e) => e,
        };
        // Else coherent memory as its memfd.
        let r = self.resource(handle)?;
        let fd = match (&r.storage, r.coherent_bytes) {
            (Storage::Linear(l), n) if n > 0 => l.mem.fd(),
            _ => None,
        };
        let Some(fd) = fd else {
            return Err(Error::new(
                dmabuf_err.errno,
                format!("resource {handle} cannot be exported: {}", dmabuf_err.msg),
            ));
        };
        let dup = fd.try_clone().map_err(|e| {
            Error::new(
                e.raw_os_error().unwrap_or(libc::EMFILE),
                format!("dup fd {}: {e}", fd.as_raw_fd()),
            )
        })?;
        Ok((BlobFd::Shm, dup))
    }
}
