//! The host side of zero-copy resources (`VIRGL_RENDERER_RESOURCE_FLAG_ZEROCOPY`): no host
//! copy, the resource's bytes are the guest pages of its backing in its linear layout. The
//! renderer's part (creation, attach/detach, the semantics) is in `renderer::zerocopy`.

use super::{Backend, Storage};
use crate::error::{Error, Result};
use crate::model::format;
use crate::model::resource::{flags, Backing, ResourceDesc, Target};
use crate::model::transfer::{self, LevelLayout, Plan};
use crate::sys::dmabuf::{self, CpuAccess, DmabufLayout, ImportedTexture};
use crate::sys::iov::IovList;
use std::os::fd::{AsFd, OwnedFd};

/// The host side of a zero-copy resource: its linear layout over the backing, and the
/// dma-buf / GL import of the pages where the backend needs one.
pub struct ZeroCopyStorage {
    /// Linear levels over the backing's gather.
    pub levels: Vec<LevelLayout>,
    /// Bytes of the linear layout (the backing must hold at least this).
    pub size: u64,
    /// The udmabuf over the backing pages (GL backend, or built on first export).
    pub dmabuf: Option<OwnedFd>,
    /// The dma-buf imported as a GL texture (GL backend, 2D textures).
    pub import: Option<ImportedTexture>,
}

/// The dma-buf layout of a zero-copy (or linear) resource: one plane, linear, level 0.
pub fn linear_dmabuf_layout(desc: &ResourceDesc, levels: &[LevelLayout]) -> Result<DmabufLayout> {
    let l0 = levels.first().ok_or_else(|| Error::inval("no levels"))?;
    let (fourcc, width, height) = if desc.target == Target::Buffer {
        (dmabuf::DRM_FORMAT_R8, desc.width, 1)
    } else {
        (desc.format.drm_fourcc, desc.width, desc.height)
    };
    if fourcc == 0 {
        return Err(Error::notsup(format!("format {} has no DRM fourcc", desc.format.name)));
    }
    let stride =
        u32::try_from(if desc.target == Target::Buffer { desc.width as u64 } else { l0.stride })
            .map_err(|_| Error::notsup("stride does not fit 32 bits"))?;
    Ok(DmabufLayout {
        fourcc,
        modifier: dmabuf::DRM_FORMAT_MOD_LINEAR,
        width,
        height,
        stride,
        offset: 0,
    })
}

/// What the GL backend can import: 2D single-level single-sample textures with a fourcc,
/// and buffers (kept as a udmabuf only).
pub fn gl_importable(desc: &ResourceDesc) -> Result<()> {
    match desc.target {
        Target::Buffer => Ok(()),
        Target::Tex2D | Target::Rect
            if desc.last_level == 0 && desc.nr_samples <= 1 && desc.format.drm_fourcc != 0 =>
        {
            Ok(())
        }
        _ => Err(Error::notsup(format!(
            "GL zero-copy needs a single-level 2D texture with a DRM fourcc ({:?} {} levels {})",
            desc.target,
            desc.format.name,
            desc.last_level + 1
        ))),
    }
}

/// A host-side write (command decoder) of `plan`'s box from `src` into the guest pages of
/// a zero-copy resource (`st`, `backing`).
pub fn host_write(
    desc: &ResourceDesc,
    st: &Storage,
    backing: Option<&Backing>,
    plan: &Plan,
    src: &IovList,
) -> Result<()> {
    let Storage::ZeroCopy(st) = st else {
        return Err(Error::inval(format!("resource {} is not zero-copy", desc.handle)));
    };
    let pages = &backing
        .ok_or_else(|| Error::inval(format!("zero-copy resource {} has no backing", desc.handle)))?
        .iovs;
    if plan.is_empty() {
        return Ok(());
    }
    let lvl = st
        .levels
        .get(plan.level as usize)
        .ok_or_else(|| Error::inval(format!("level {} not in resource", plan.level)))?;
    let host = transfer::linear_layout(desc.texel_format(), lvl, &plan.bx);
    // The pages may be imported by the GPU: bracket the CPU writes (cache maintenance where
    // the device is not coherent).
    let _access = st
        .dmabuf
        .as_ref()
        .map(|f| CpuAccess::begin(f.as_fd(), dmabuf::DMA_BUF_SYNC_WRITE))
        .transpose()?;
    let mut res = Ok(());
    transfer::for_each_run(plan, &plan.guest, &host, |g, h, n| {
        if res.is_ok() {
            res = src.copy_to(g, pages, h, n);
        }
    });
    res
}

/// A transfer on a zero-copy resource (`explicit`: the caller named iovecs other than the
/// backing). Called with a validated plan.
#[allow(clippy::too_many_arguments)]
pub fn transfer(
    backend: &mut dyn Backend,
    desc: &ResourceDesc,
    st: &ZeroCopyStorage,
    backing: Option<&Backing>,
    to_host: bool,
    explicit: bool,
    plan: &Plan,
    dst: &IovList,
) -> Result<()> {
    if to_host || !explicit {
        return Ok(());
    }
    let pages = &backing
        .ok_or_else(|| Error::inval(format!("zero-copy resource {} has no backing", desc.handle)))?
        .iovs;
    // GL reads give the guest's bytes back only for fourccs whose GL channel order is the
    // memory order with real alpha; the others read the pages directly.
    let byte_exact = matches!(desc.format.id, format::R8G8B8A8_UNORM | format::R8_UNORM);
    if let (Some(imp), true) = (&st.import, byte_exact) {
        // Read through GL: the texture is the imported dma-buf of the pages, rows in memory
        // order (never stored flipped).
        let mut d = *desc;
        d.flags &= !flags::Y_0_TOP;
        return backend.read_import(&d, imp, plan, dst);
    }
    let lvl = st
        .levels
        .get(plan.level as usize)
        .ok_or_else(|| Error::inval(format!("level {} not in resource", plan.level)))?;
    let host = transfer::linear_layout(desc.texel_format(), lvl, &plan.bx);
    let _access = st
        .dmabuf
        .as_ref()
        .map(|f| CpuAccess::begin(f.as_fd(), dmabuf::DMA_BUF_SYNC_READ))
        .transpose()?;
    let mut res = Ok(());
    transfer::for_each_run(plan, &plan.guest, &host, |g, h, n| {
        if res.is_ok() {
            res = pages.copy_to(h, dst, g, n);
        }
    });
    res
}
