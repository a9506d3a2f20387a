//! HOST3D blobs: `virgl_renderer_resource_create_blob` with `BLOB_MEM_HOST3D` or
//! `BLOB_MEM_HOST3D_GUEST` turns a pipe resource that the context's command stream
//! described (VIRGL_CCMD_PIPE_RESOURCE_CREATE, keyed by blob id) into a resource.
//!
//! Storage: with `BLOB_FLAG_USE_MAPPABLE` a zeroed memfd counted against the coherent
//! budget (so `resource_map` works, exactly like a coherent resource). `HOST3D_GUEST`
//! without MAPPABLE is a zero-copy resource on the guest's iovecs where the backend can use
//! guest pages (always on the CPU backend; GL needs registered guest memory and udmabuf),
//! else the backend's storage with the iovecs attached as backing (a log line says so).
//! `HOST3D`: the backend's storage.

use crate::error::{Error, Result};
use crate::model::resource::Backing;
use crate::renderer::{Renderer, Resource};

/// What `create_blob` passes for a HOST3D blob.
#[derive(Debug)]
pub struct Host3dArgs {
    pub res_handle: u32,
    pub ctx_id: u32,
    /// `VIRGL_RENDERER_BLOB_FLAG_USE_MAPPABLE`: the VMM maps it into the guest.
    pub mappable: bool,
    pub blob_id: u64,
    pub size: u64,
}

impl Renderer {
    /// Creates resource `a.res_handle` from the pipe resource the context stored under
    /// `a.blob_id` (which is consumed) and attaches it to the context. `EINVAL`: handle 0
    /// or in use, size 0, unknown context or blob id; `ENOSPC`: coherent budget exhausted
    /// (nothing allocated, the blob id stays valid).
    pub fn create_host3d_blob(&mut self, a: &Host3dArgs, backing: Option<Backing>) -> Result<()> {
        if a.res_handle == 0 || a.size == 0 {
            return Err(Error::inval(format!("handle {} size {}", a.res_handle, a.size)));
        }
        if self.handle_in_use(a.res_handle) {
            return Err(Error::inval(format!(
                "resource {} is in use (live, or unreferenced but still mapped)",
                a.res_handle
            )));
        }
        let mut desc = *self.context(a.ctx_id)?.blobs.get(&a.blob_id).ok_or_else(|| {
            Error::inval(format!(
                "context {} has no pipe resource for blob {}",
                a.ctx_id, a.blob_id
            ))
        })?;
        desc.handle = a.res_handle;
        self.check_new_resource()?;
        let (_, bytes) = crate::model::transfer::linear_levels(&desc)?;
        let mappable = a.mappable;
        if backing.is_some() && !mappable {
            // HOST3D_GUEST: no host copy where the backend can use the guest pages.
            match self.create_zerocopy(desc, backing.clone()) {
                Ok(()) => {
                    if let Some(r) = self.resources.get_mut(&a.res_handle) {
                        r.new_api = true;
                    }
                    self.finish_host3d(a);
                    return Ok(());
                }
                Err(e) if e.errno == libc::EOPNOTSUPP => log::info!(
                    "HOST3D_GUEST blob {} keeps a host copy ({}): transfers copy",
                    a.res_handle,
                    e.msg
                ),
                Err(e) => return Err(e),
            }
        }
        let mut res = if mappable {
            let (storage, size) = self.alloc_coherent(&desc)?;
            let mut res = Resource::new(desc, storage, backing);
            self.charge_coherent(&mut res, size);
            res
        } else {
            crate::config::limits().check_host_memory(self.host_bytes, bytes)?;
            self.backend.check_supported(&desc)?;
            let storage = self.backend.create(&desc)?;
            let mut res = Resource::new(desc, storage, backing);
            res.host_bytes = bytes;
            self.host_bytes += bytes;
            res
        };
        res.new_api = true;
        self.resources.insert(a.res_handle, res);
        self.finish_host3d(a);
        Ok(())
    }

    /// Consumes the blob id and attaches the new resource to its context.
    fn finish_host3d(&mut self, a: &Host3dArgs) {
        if let Some(c) = self.contexts.get_mut(&a.ctx_id) {
            c.blobs.remove(&a.blob_id);
            c.resources.insert(a.res_handle);
        }
    }
}
