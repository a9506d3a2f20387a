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

use crate::backend::{linear::LinearStorage, Storage};
use crate::error::{Error, Result};
use crate::ffi::types::{
    virgl_renderer_export_query, VIRGL_RENDERER_BLOB_FD_TYPE_DMABUF,
    VIRGL_RENDERER_BLOB_FD_TYPE_SHM,
};
use crate::memory::{self, HostMem, MemfdRange};
use crate::renderer::{Renderer, Resource};
use crate::resource::Target;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, IntoRawFd, OwnedFd};

/// `DRM_FORMAT_MOD_LINEAR`.
pub const DRM_FORMAT_MOD_LINEAR: u64 = 0;
/// `DRM_FORMAT_MOD_INVALID`.
pub const DRM_FORMAT_MOD_INVALID: u64 = 0x00ff_ffff_ffff_ffff;
/// `DRM_FORMAT_R8` (`'R8  '`).
pub const DRM_FORMAT_R8: u32 = u32::from_le_bytes(*b"R8  ");

/// Plane layout of a single-plane dma-buf to import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DmabufLayout {
    pub fourcc: u32,
    pub modifier: u64,
    pub width: u32,
    pub height: u32,
    pub stride: u32,
    pub offset: u32,
}

/// An exported dma-buf with its layout.
#[derive(Debug)]
pub struct Dmabuf {
    pub fd: OwnedFd,
    pub fourcc: u32,
    pub modifier: u64,
    pub size: u64,
    pub num_planes: u32,
    pub strides: [u32; 4],
    pub offsets: [u32; 4],
}

/// A dma-buf imported into the backend as a texture (GL: texture name + EGLImage).
#[derive(Debug)]
pub struct ImportedTexture {
    /// GL texture name.
    pub name: u32,
    /// GL texture target.
    pub target: u32,
    /// The EGLImage behind it (an address; destroyed with the texture).
    pub image: usize,
}

fn dup(fd: BorrowedFd<'_>) -> Result<OwnedFd> {
    fd.try_clone_to_owned()
        .map_err(|e| Error::new(e.raw_os_error().unwrap_or(libc::EMFILE), format!("dup fd: {e}")))
}

/// Size of a dma-buf or file (`lseek(SEEK_END)`, which dma-bufs support, else fstat).
fn fd_len(fd: BorrowedFd<'_>) -> Result<u64> {
    // SAFETY: lseek on a valid fd; the offset of a dma-buf has no other user here.
    let end = unsafe { libc::lseek(fd.as_raw_fd(), 0, libc::SEEK_END) };
    if end > 0 {
        // SAFETY: as above; restore the offset.
        unsafe { libc::lseek(fd.as_raw_fd(), 0, libc::SEEK_SET) };
        return Ok(end as u64);
    }
    memory::fd_size(fd.as_raw_fd())
}

/// True when `fd` is a dma-buf (its /proc link names the dmabuf anon inode).
pub fn is_dmabuf(fd: BorrowedFd<'_>) -> bool {
    std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
        .map(|p| {
            let s = p.to_string_lossy();
            s.starts_with("/dmabuf:") || s.starts_with("anon_inode:dmabuf")
        })
        .unwrap_or(false)
}

fn one_plane(fd: OwnedFd, l: &DmabufLayout, size: u64) -> Dmabuf {
    let mut strides = [0; 4];
    let mut offsets = [0; 4];
    strides[0] = l.stride;
    offsets[0] = l.offset;
    Dmabuf { fd, fourcc: l.fourcc, modifier: l.modifier, size, num_planes: 1, strides, offsets }
}

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
                let layout = crate::zerocopy::linear_dmabuf_layout(&desc, &z.levels)?;
                let fd = match &z.dmabuf {
                    Some(f) => dup(f.as_fd())?,
                    None => {
                        let b = r.backing.as_ref().ok_or_else(|| {
                            Error::notsup(format!("zero-copy resource {handle} has no backing"))
                        })?;
                        let f = crate::zerocopy::udmabuf_for_gather(&b.iovs, z.size)?;
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
                let layout = crate::zerocopy::linear_dmabuf_layout(&desc, &l.levels)?;
                let size = l.mem.len() as u64;
                if is_dmabuf(mfd.as_fd()) {
                    return Ok(one_plane(dup(mfd.as_fd())?, &layout, size));
                }
                if !memory::udmabuf_available() {
                    return Err(Error::notsup(format!(
                        "no {}: memfd of resource {handle} cannot become a dma-buf",
                        memory::udmabuf_path()
                    )));
                }
                // udmabuf needs the memfd sealed against shrinking; ours never shrinks.
                // SAFETY: F_ADD_SEALS on our own memfd (created with MFD_ALLOW_SEALING).
                unsafe { libc::fcntl(mfd.as_raw_fd(), libc::F_ADD_SEALS, libc::F_SEAL_SHRINK) };
                let fd =
                    memory::create_udmabuf(&[MemfdRange { fd: mfd.as_raw_fd(), offset: 0, size }])
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
                let fd = crate::zerocopy::udmabuf_for_gather(&b.iovs, size)?;
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
        fd_type: u32,
        fd: BorrowedFd<'_>,
        size: u64,
    ) -> Result<()> {
        if handle == 0 || self.handle_in_use(handle) {
            return Err(Error::inval(format!("resource handle {handle} is 0 or in use")));
        }
        if size == 0 {
            return Err(Error::inval("size 0"));
        }
        match fd_type {
            VIRGL_RENDERER_BLOB_FD_TYPE_SHM | VIRGL_RENDERER_BLOB_FD_TYPE_DMABUF => {}
            crate::ffi::types::VIRGL_RENDERER_BLOB_FD_TYPE_OPAQUE => {
                return Err(Error::notsup("OPAQUE fds (Vulkan memory) cannot be imported"))
            }
            t => return Err(Error::inval(format!("fd type {t}"))),
        }
        let len = fd_len(fd)?;
        if len < size {
            return Err(Error::inval(format!("fd holds {len} bytes, {size} requested")));
        }
        let desc = self.byte_buffer_desc(handle, size)?;
        let map_len = self.reserve_coherent(size)?;
        let owned = dup(fd)?;
        let mem = HostMem::from_fd(owned, map_len).map_err(|e| {
            if fd_type == VIRGL_RENDERER_BLOB_FD_TYPE_DMABUF {
                Error::notsup(format!("dma-buf is not mappable: {}", e.msg))
            } else {
                e
            }
        })?;
        let (levels, _) = crate::transfer::linear_levels(&desc)?;
        let mut res = Resource::new(desc, Storage::Linear(LinearStorage { mem, levels }), None);
        res.new_api = true;
        self.charge_coherent(&mut res, map_len);
        self.resources.insert(handle, res);
        Ok(())
    }

    /// `execute(EXPORT_QUERY)`: fills the layout of an exportable resource (and fds when
    /// asked); non-exportable ones answer 0 fds, fourcc 0, modifier INVALID — or EINVAL when
    /// fds were asked for.
    pub fn export_query(&mut self, q: &mut virgl_renderer_export_query) -> Result<()> {
        if !self.resources.contains_key(&q.in_resource_id) {
            return Err(Error::inval(format!("unknown resource {}", q.in_resource_id)));
        }
        match self.export_dmabuf(q.in_resource_id) {
            Ok(d) => {
                q.out_fourcc = d.fourcc;
                q.out_modifier = d.modifier;
                q.out_num_fds = d.num_planes;
                q.out_strides = d.strides;
                q.out_offsets = d.offsets;
                q.out_fds = [-1; 4];
                if q.in_export_fds != 0 {
                    for i in 0..d.num_planes.min(4) as usize {
                        q.out_fds[i] = dup(d.fd.as_fd())?.into_raw_fd();
                    }
                }
                Ok(())
            }
            Err(e) if e.errno == libc::EOPNOTSUPP => {
                q.out_num_fds = 0;
                q.out_fourcc = 0;
                q.out_modifier = DRM_FORMAT_MOD_INVALID;
                if q.in_export_fds != 0 {
                    return Err(Error::inval(format!(
                        "resource {} cannot be exported: {}",
                        q.in_resource_id, e.msg
                    )));
                }
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}
