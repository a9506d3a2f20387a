//! Zero-copy resources (`VIRGL_RENDERER_RESOURCE_FLAG_ZEROCOPY`) and the registry of guest
//! RAM ranges the VMM backs with memfds (`virgl_renderer_register_guest_memory`).
//!
//! A zero-copy resource keeps no host copy: its bytes are the guest pages of its backing, in
//! the resource's linear layout (every level packed, rows at their natural stride, as
//! [`transfer::linear_levels`] defines). Semantics chosen:
//!
//! - `TRANSFER_TO_HOST` validates its box and returns 0; nothing is copied, whatever
//!   iovecs it names (data in iovecs other than the backing is *not* taken).
//! - `TRANSFER_FROM_HOST` into the backing (no explicit iovecs) validates and returns 0.
//! - Every host reader — `TRANSFER_FROM_HOST` into other iovecs, `get_rect`, cursor data,
//!   exports — sees the guest pages as they are at the time of the call.
//!
//! On the CPU backend this always works. On the GL backend the pages must become a dma-buf
//! (udmabuf over the registered memfds) imported into GL; readers then read the GL texture
//! (2D textures) or the pages (buffers). When that is impossible, creation fails with
//! EOPNOTSUPP and a log line — the guest falls back to classic resources; nothing is ever
//! copied silently. Where the pages are such a dma-buf, the library's own CPU reads and
//! writes of them (command-stream writes, direct reads) are bracketed with
//! `DMA_BUF_IOCTL_SYNC` ([`memory::CpuAccess`]) for devices that are not cache-coherent.

use crate::backend::zerocopy::{gl_importable, linear_dmabuf_layout, ZeroCopyStorage};
use crate::backend::Storage;
use crate::error::{Error, Result};
use crate::model::resource::{Backing, ResourceDesc, Target};
use crate::model::transfer;
use crate::renderer::{Renderer, Resource};
use crate::sys::dmabuf;
use crate::sys::guest_memory::{any_registered, udmabuf_for_gather};
use crate::sys::iov::IovList;

impl Renderer {
    /// `resource_create` with `ZEROCOPY` (after validation): see the module docs.
    pub fn create_zerocopy(&mut self, desc: ResourceDesc, backing: Option<Backing>) -> Result<()> {
        let (levels, size) = transfer::linear_levels(&desc)?;
        let mut st = ZeroCopyStorage { levels, size, dmabuf: None, import: None };
        if self.backend.zero_copy_needs_dmabuf() {
            let ok = gl_importable(&desc).and_then(|_| {
                if !dmabuf::udmabuf_available() {
                    return Err(Error::notsup(format!(
                        "{} does not exist",
                        dmabuf::udmabuf_path()
                    )));
                }
                if !any_registered() {
                    return Err(Error::notsup("no guest memory registered"));
                }
                Ok(())
            });
            if let Err(e) = ok {
                log::warn!(
                    "zero-copy resource {} refused on the {} backend: {}; use a classic resource",
                    desc.handle,
                    self.backend.name(),
                    e.msg
                );
                return Err(Error::notsup(e.msg));
            }
        }
        if let Some(b) = &backing {
            self.zerocopy_bind(&desc, &mut st, &b.iovs)?;
        }
        self.resources.insert(desc.handle, Resource::new(desc, Storage::ZeroCopy(st), backing));
        Ok(())
    }

    /// Checks the backing of a zero-copy resource and, on GL, builds its dma-buf + import.
    fn zerocopy_bind(
        &mut self,
        desc: &ResourceDesc,
        st: &mut ZeroCopyStorage,
        iovs: &IovList,
    ) -> Result<()> {
        if iovs.total() < st.size {
            return Err(Error::inval(format!(
                "zero-copy resource {} needs {} bytes of backing, iovecs hold {}",
                desc.handle,
                st.size,
                iovs.total()
            )));
        }
        if !self.backend.zero_copy_needs_dmabuf() {
            return Ok(());
        }
        let built = udmabuf_for_gather(iovs, st.size).and_then(|fd| {
            if desc.target == Target::Buffer {
                return Ok((fd, None));
            }
            let layout = linear_dmabuf_layout(desc, &st.levels)?;
            let imp = self.backend.import_dmabuf(desc, &layout, &fd)?;
            Ok((fd, Some(imp)))
        });
        match built {
            Ok((fd, imp)) => {
                st.dmabuf = Some(fd);
                st.import = imp;
                Ok(())
            }
            Err(e) => {
                log::warn!(
                    "zero-copy resource {}: {}; refused (EOPNOTSUPP), use a classic resource",
                    desc.handle,
                    e.msg
                );
                Err(Error::new(
                    if e.errno == libc::EINVAL { libc::EINVAL } else { libc::EOPNOTSUPP },
                    e.msg,
                ))
            }
        }
    }

    /// `attach_iov` on a zero-copy resource: the pages become the resource (GL: imported).
    pub fn zerocopy_attach(&mut self, handle: u32, backing: Backing) -> Result<()> {
        let r = self.resource(handle)?;
        if r.backing.is_some() {
            return Err(Error::inval(format!("resource {handle} already has backing")));
        }
        let desc = r.desc;
        let Storage::ZeroCopy(mut st) = std::mem::replace(&mut r.storage, Storage::GuestOnly)
        else {
            return Err(Error::inval(format!("resource {handle} is not zero-copy")));
        };
        let res = self.zerocopy_bind(&desc, &mut st, &backing.iovs);
        let r = self.resource(handle)?;
        r.storage = Storage::ZeroCopy(st);
        res?;
        r.backing = Some(backing);
        Ok(())
    }

    /// `detach_iov` on a zero-copy resource: drops the dma-buf and GL import with the pages.
    pub fn zerocopy_detach(&mut self, handle: u32) {
        let Renderer { resources, backend, .. } = self;
        if let Some(Resource { storage: Storage::ZeroCopy(st), .. }) = resources.get_mut(&handle) {
            st.dmabuf = None;
            if let Some(imp) = st.import.take() {
                backend.release_import(imp);
            }
        }
    }
}
