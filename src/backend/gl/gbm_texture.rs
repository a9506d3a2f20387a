//! SCANOUT/SHARED 2D textures whose storage is a GBM bo imported as an EGLImage, and the
//! probe for a DRM node where such bos work with our EGL display.

use super::{gbm, GlBackend, GlStorage};
use crate::backend::Storage;
use crate::error::{Error, Result};
use crate::model::resource::{ResourceDesc, Target};
use glow::HasContext;

/// A texture whose storage is a GBM bo.
pub(super) struct GbmTexture {
    pub(super) bo: gbm::Bo,
    pub(super) image: usize,
}

/// (fourcc the bo is allocated with, fourcc GL imports it as) for a SCANOUT/SHARED 2D
/// texture GBM can hold; `None` otherwise. GL stores the guest's bytes unchanged (format
/// table); a format stored as RGBA8 bytes with a sampling swizzle is imported as
/// `ABGR8888` (bytes R,G,B,A = the guest's bytes), so the dma-buf holds exactly the guest's
/// bytes, which is what the format's own fourcc describes.
pub(super) fn gbm_fourccs(desc: &ResourceDesc) -> Option<(u32, u32)> {
    const ABGR8888: u32 = u32::from_le_bytes(*b"AB24");
    if desc.target != Target::Tex2D
        || desc.last_level != 0
        || desc.nr_samples > 1
        || desc.array_size != 1
        || desc.bind
            & (crate::model::resource::bind::SCANOUT | crate::model::resource::bind::SHARED)
            == 0
        || desc.format.drm_fourcc == 0
        || desc.format.is_compressed()
    {
        return None;
    }
    let f = desc.format.gl?;
    let import = match f.swizzle {
        None => desc.format.drm_fourcc,
        Some(_)
            if f.internal == glow::RGBA8
                && f.format == glow::RGBA
                && f.ty == glow::UNSIGNED_BYTE =>
        {
            ABGR8888
        }
        Some(_) => return None,
    };
    Some((desc.format.drm_fourcc, import))
}

impl GlBackend {
    /// The first DRM node (the VMM's fd, `renderD*`, `card*`) where a test bo can be
    /// allocated, exported and imported into our EGL display; `None` (logged) otherwise.
    pub(super) fn probe_gbm(
        &mut self,
        drm_fd: Option<&std::os::fd::OwnedFd>,
    ) -> Option<gbm::GbmAllocator> {
        if !gbm::enabled() {
            log::info!("GBM allocation disabled (VIRGL_SHIM_GBM=0)");
            return None;
        }
        if self.platform.egl_handles().is_none() {
            log::debug!(
                "GBM allocation: platform {} has no EGL display to import into",
                self.platform.name
            );
            return None;
        }
        let argb = u32::from_le_bytes(*b"AR24");
        let abgr = u32::from_le_bytes(*b"AB24");
        let mods = self.dmabuf_modifiers(abgr);
        let mut why = Vec::new();
        for (label, fd) in gbm::GbmAllocator::candidates(drm_fd) {
            let alloc = match gbm::Device::open(fd, label.clone()) {
                Ok(d) => gbm::GbmAllocator::new(d),
                Err(e) => {
                    why.push(e.msg);
                    continue;
                }
            };
            let res = alloc.alloc(16, 16, argb, &mods).and_then(|bo| {
                let (tex, image) = self.import_gbm_bo(&bo, 16, 16, abgr)?;
                // SAFETY: context current; deleting the probe texture made just now.
                unsafe { self.gl.delete_texture(tex) };
                self.destroy_egl_image(image);
                Ok(bo.modifier)
            });
            match res {
                Ok(m) => {
                    log::info!("GBM allocation on {label} (test bo modifier {m:#x})");
                    return Some(alloc);
                }
                Err(e) => why.push(format!("{label}: {}", e.msg)),
            }
        }
        if why.is_empty() {
            log::debug!("GBM allocation: no DRM node");
        } else {
            log::info!("GBM allocation unavailable: {}", why.join("; "));
        }
        None
    }

    /// The DRM node scanout/shared textures are allocated on as GBM bos, if any.
    pub fn gbm_node(&self) -> Option<&str> {
        self.gbm.as_ref().map(|g| g.label())
    }

    /// True when `st` is a texture whose storage is a GBM bo.
    pub fn is_gbm(&self, st: &Storage) -> bool {
        matches!(st, Storage::Gl(g) if self.gbm_textures.contains_key(&g.name))
    }

    /// A SCANOUT/SHARED texture as a GBM bo imported through an EGLImage, zero-filled.
    pub(super) fn create_gbm_texture(
        &mut self,
        desc: &ResourceDesc,
        alloc_fourcc: u32,
        import_fourcc: u32,
    ) -> Result<GlStorage> {
        let Some(gbm) = self.gbm.as_ref() else {
            return Err(Error::notsup("no GBM allocator"));
        };
        if !gbm.supports(alloc_fourcc) {
            return Err(Error::notsup(format!("{} has no {alloc_fourcc:#x} bos", gbm.label())));
        }
        let mods = self.dmabuf_modifiers(import_fourcc);
        let bo = gbm.alloc(desc.width, desc.height, alloc_fourcc, &mods)?;
        let (tex, image) = self.import_gbm_bo(&bo, desc.width, desc.height, import_fourcc)?;
        let st = GlStorage::new(tex.0.get(), glow::TEXTURE_2D);
        let init = Self::glfmt(desc).and_then(|f| {
            if let Some(sw) = f.swizzle {
                let sw = sw.map(|c| c as i32);
                // SAFETY: context current, texture ours.
                unsafe {
                    self.gl.bind_texture(glow::TEXTURE_2D, Some(tex));
                    self.gl.tex_parameter_i32_slice(
                        glow::TEXTURE_2D,
                        glow::TEXTURE_SWIZZLE_RGBA,
                        &sw,
                    );
                    self.gl.bind_texture(glow::TEXTURE_2D, None);
                }
                self.check("texture swizzle")?;
            }
            self.clear_texture(desc, &st, &f)
        });
        if let Err(e) = init {
            // SAFETY: context current; deleting the texture made above.
            unsafe { self.gl.delete_texture(tex) };
            self.destroy_egl_image(image);
            return Err(e);
        }
        self.gbm_textures.insert(st.name, GbmTexture { bo, image });
        Ok(st)
    }
}
