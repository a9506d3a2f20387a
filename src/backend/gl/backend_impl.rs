//! [`Backend`] for [`GlBackend`]: each operation makes the context current, settles lazy
//! zero-fill and dispatches to the storage, upload, readback and dma-buf code.

use super::gbm_texture::gbm_fourccs;
use super::storage::GlStorage;
use super::GlBackend;
use crate::backend::{Backend, MaxSizes, Storage};
use crate::error::{Error, Result};
use crate::model::resource::{ResourceDesc, Target};
use crate::model::transfer::Plan;
use crate::sys::iov::IovList;
use glow::HasContext;

fn gl_storage(st: &mut Storage) -> Result<&mut GlStorage> {
    match st {
        Storage::Gl(g) => Ok(g),
        _ => Err(Error::inval("resource storage does not belong to the GL backend")),
    }
}

impl Backend for GlBackend {
    fn name(&self) -> &'static str {
        "gl"
    }

    fn limits(&self) -> MaxSizes {
        self.limits
    }

    fn check_supported(&self, desc: &ResourceDesc) -> Result<()> {
        if desc.target == Target::Buffer {
            return Ok(());
        }
        if desc.format.gl.is_none() {
            return Err(Error::inval(format!(
                "format {} ({}) cannot be stored in a GL texture",
                desc.format.name, desc.format.id
            )));
        }
        if self.limits.unstored.contains(desc.format.id) {
            return Err(Error::inval(format!(
                "format {} cannot be stored on this OpenGL ES host",
                desc.format.name
            )));
        }
        if self.is_es() && matches!(desc.target, Target::Tex1D | Target::Tex1DArray | Target::Rect)
        {
            return Err(Error::inval(format!(
                "{:?} textures do not exist on an OpenGL ES host",
                desc.target
            )));
        }
        if desc.nr_samples > 1
            && desc.target == Target::Tex2DArray
            && self.raw.tex_storage_3d_multisample.is_none()
        {
            return Err(Error::inval("multisample 2D arrays need GL 4.3"));
        }
        Ok(())
    }

    fn create(&mut self, desc: &ResourceDesc) -> Result<Storage> {
        self.check_supported(desc)?;
        let gbm = gbm_fourccs(desc).filter(|_| self.gbm.is_some());
        if gbm.is_none() {
            if let Some(st) = self.reuse(desc) {
                return Ok(Storage::Gl(st));
            }
        }
        self.begin()?;
        let st = if desc.target == Target::Buffer {
            self.create_buffer(desc)?
        } else if let Some((alloc, import)) = gbm {
            match self.create_gbm_texture(desc, alloc, import) {
                Ok(st) => st,
                Err(e) => {
                    log::debug!(
                        "{} {}x{}: no GBM bo ({}); plain texture",
                        desc.format.name,
                        desc.width,
                        desc.height,
                        e.msg
                    );
                    self.drain_errors();
                    self.create_texture(desc)?
                }
            }
        } else {
            self.create_texture(desc)?
        };
        self.finish_if_shared();
        Ok(Storage::Gl(st))
    }

    fn destroy(&mut self, desc: &ResourceDesc, storage: Storage) {
        self.draw.forget_attachments();
        if let Storage::ZeroCopy(z) = storage {
            if let Some(imp) = z.import {
                self.release_import(imp);
            }
            return;
        }
        let Storage::Gl(st) = storage else {
            return;
        };
        self.recycle(desc, st);
    }

    fn write(
        &mut self,
        desc: &ResourceDesc,
        st: &mut Storage,
        plan: &Plan,
        src: &IovList,
    ) -> Result<()> {
        let st = gl_storage(st)?;
        if plan.is_empty() {
            return Ok(());
        }
        // A write changes this resource only: an index scan of another buffer stays (the
        // bindings the draws kept do not: uploads bind their object).
        let scan = self.draw.index_scan;
        self.begin()?;
        self.draw.index_scan = scan;
        if st.target == 0 {
            self.forget_index_scan(st.name);
        }
        if st.clear_pending && Self::covers_all(desc, plan) {
            // Every byte is about to be replaced; if the write fails half-way the object is
            // still marked and gets cleared before anything reads it.
        } else {
            self.settle(desc, st)?;
        }
        if st.target == 0 {
            self.write_buffer(st, plan, src)?;
        } else {
            self.write_texture(desc, st, plan, src)?;
        }
        st.clear_pending = false;
        self.finish_if_shared();
        Ok(())
    }

    fn read(
        &mut self,
        desc: &ResourceDesc,
        st: &mut Storage,
        plan: &Plan,
        dst: &IovList,
    ) -> Result<()> {
        let st = gl_storage(st)?;
        if plan.is_empty() {
            return Ok(());
        }
        self.begin()?;
        self.settle(desc, st)?;
        if st.target == 0 {
            self.read_buffer(st, plan, dst)
        } else {
            self.read_texture(desc, st, plan, dst)
        }
    }

    fn sync_point(&mut self) -> Result<Option<std::sync::Arc<dyn crate::backend::SyncPoint>>> {
        self.begin()?;
        if let Some(fence) = self.sync.as_ref().and_then(|s| s.fence()) {
            // SAFETY: context current; the flush makes the fence reachable for waiters
            // that have no context.
            unsafe { self.gl.flush() };
            return Ok(Some(std::sync::Arc::new(fence)));
        }
        // SAFETY: context current.
        unsafe { self.gl.finish() };
        Ok(None)
    }

    fn force_ctx_0(&mut self) {
        self.platform.forget_current();
        if let Err(e) = self.begin() {
            log::warn!("virgl_renderer_force_ctx_0: {}", e.msg);
        }
    }

    fn forget_current(&mut self) {
        self.platform.forget_current();
    }

    fn trim(&mut self) {
        if self.recycled.is_empty() {
            return;
        }
        if let Err(e) = self.begin() {
            log::warn!("kept GL objects not deleted: {}", e.msg);
            return;
        }
        while let Some(r) = self.recycled.pop_front() {
            self.delete_object(r.st);
        }
        self.recycled_bytes = 0;
    }

    fn expose(&mut self, desc: &ResourceDesc, st: &mut Storage) -> Result<()> {
        let Storage::Gl(g) = st else {
            return Ok(());
        };
        if g.clear_pending {
            self.begin()?;
            self.settle(desc, g)?;
            self.finish_if_shared();
        }
        g.exposed = true;
        self.exposures = self.exposures.wrapping_add(1);
        Ok(())
    }

    fn gl_mut(&mut self) -> Option<&mut GlBackend> {
        Some(self)
    }

    fn tex_id(&self, st: &Storage) -> u32 {
        match st {
            Storage::Gl(g) => g.name,
            Storage::ZeroCopy(z) => z.import.as_ref().map_or(0, |i| i.name),
            _ => 0,
        }
    }

    fn zero_copy_needs_dmabuf(&self) -> bool {
        true
    }

    fn import_dmabuf(
        &mut self,
        desc: &ResourceDesc,
        layout: &crate::sys::dmabuf::DmabufLayout,
        fd: &std::os::fd::OwnedFd,
    ) -> Result<crate::sys::dmabuf::ImportedTexture> {
        self.import_dmabuf_texture(desc, layout, fd)
    }

    fn release_import(&mut self, imp: crate::sys::dmabuf::ImportedTexture) {
        self.release_dmabuf_texture(imp)
    }

    fn read_import(
        &mut self,
        desc: &ResourceDesc,
        imp: &crate::sys::dmabuf::ImportedTexture,
        plan: &Plan,
        dst: &IovList,
    ) -> Result<()> {
        let mut st = Storage::Gl(GlStorage::new(imp.name, imp.target));
        self.read(desc, &mut st, plan, dst)
    }

    fn export_texture(
        &mut self,
        desc: &ResourceDesc,
        name: u32,
        target: u32,
    ) -> Result<crate::sys::dmabuf::Dmabuf> {
        if target == glow::TEXTURE_2D && self.gbm_textures.contains_key(&name) {
            self.begin()?;
            // SAFETY: context current; GL writes must land before another user reads.
            unsafe { self.gl.finish() };
            let bo = &self.gbm_textures[&name].bo;
            let fd = bo.fd.try_clone().map_err(|e| {
                Error::new(e.raw_os_error().unwrap_or(libc::EMFILE), format!("dup dma-buf: {e}"))
            })?;
            return Ok(crate::sys::dmabuf::Dmabuf {
                fd,
                fourcc: bo.fourcc,
                modifier: bo.modifier,
                size: bo.size,
                num_planes: bo.planes,
                strides: bo.strides,
                offsets: bo.offsets,
            });
        }
        self.export_dmabuf_texture(desc, name, target)
    }
}
