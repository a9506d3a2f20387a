//! Resource commands: transfers (inline, TRANSFER3D, COPY_TRANSFER3D), RESOURCE_COPY_REGION,
//! CLEAR_TEXTURE, PIPE_RESOURCE_CREATE, and the host staging helpers copies, blits and
//! clears share.

use super::{attached, fail, skip, CmdResult, Fail};
use crate::error::Error;
use crate::model::protocol::{
    ccmd, BoxRaw, ClearTexture, CopyRegion, PipeResourceCreate, PipeResourceSetType, Transfer,
    TransferDirection,
};
use crate::model::resource::{flags, CreateArgs, ResourceDesc, Target};
use crate::model::transfer::{self, RawBox};
use crate::renderer::context::{
    ERROR_CTX_ILLEGAL_CMD_BUFFER, ERROR_CTX_ILLEGAL_RESOURCE, MAX_PENDING_BLOBS,
};
use crate::renderer::{Direction, Renderer};

pub(super) fn raw(b: BoxRaw) -> RawBox {
    RawBox { x: b.x, y: b.y, z: b.z, w: b.w, h: b.h, d: b.d }
}

pub(super) fn desc(r: &Renderer, handle: u32) -> std::result::Result<ResourceDesc, Fail> {
    r.resources
        .get(&handle)
        .map(|res| res.desc)
        .ok_or_else(|| fail(ERROR_CTX_ILLEGAL_RESOURCE, format!("unknown resource {handle}")))
}

/// A validated box of `handle`'s `level` and its packed strides.
pub(super) struct Staged {
    pub raw: RawBox,
    pub level: u32,
    pub stride: u32,
    pub layer_stride: u32,
    pub len: usize,
}

pub(super) fn stage(
    r: &Renderer,
    handle: u32,
    level: u32,
    raw: RawBox,
) -> std::result::Result<Staged, Fail> {
    let d = desc(r, handle)?;
    let plan = transfer::plan(&d, level, 0, 0, raw, 0, u64::MAX)?;
    let too_big = || Error::nomem(format!("box of resource {handle} too large to stage"));
    let stride = u32::try_from(plan.row_bytes).map_err(|_| too_big())?;
    let layer_stride = u32::try_from(plan.row_bytes * plan.rows).map_err(|_| too_big())?;
    let len = usize::try_from(plan.packed_size()).map_err(|_| too_big())?;
    Ok(Staged { raw, level, stride, layer_stride, len })
}

/// A zeroed buffer of `len` bytes; ENOMEM instead of an abort.
pub(super) fn alloc(len: usize) -> std::result::Result<Vec<u8>, Fail> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| Error::nomem(format!("staging buffer of {len} bytes")))?;
    v.resize(len, 0);
    Ok(v)
}

/// Reads the box packed (rows of blocks back to back, layers back to back).
pub(super) fn read_box(
    r: &mut Renderer,
    handle: u32,
    s: &Staged,
) -> std::result::Result<Vec<u8>, Fail> {
    let mut buf = alloc(s.len)?;
    if s.len > 0 {
        r.transfer_host(
            Direction::FromHost,
            handle,
            0,
            s.level,
            s.stride,
            s.layer_stride,
            s.raw,
            &mut buf,
        )?;
    }
    Ok(buf)
}

/// Writes a packed box (see [`read_box`]).
pub(super) fn write_box(r: &mut Renderer, handle: u32, s: &Staged, buf: &mut [u8]) -> CmdResult {
    if s.len > 0 {
        r.transfer_host(
            Direction::ToHost,
            handle,
            0,
            s.level,
            s.stride,
            s.layer_stride,
            s.raw,
            buf,
        )?;
    }
    Ok(())
}

/// `buf` filled with copies of `texel`.
pub(super) fn fill(len: usize, texel: &[u8]) -> std::result::Result<Vec<u8>, Fail> {
    let mut buf = alloc(len)?;
    if !texel.is_empty() {
        for chunk in buf.chunks_mut(texel.len()) {
            chunk.copy_from_slice(&texel[..chunk.len()]);
        }
    }
    Ok(buf)
}

// ---- transfers ------------------------------------------------------------------------

pub(super) fn inline_write(r: &mut Renderer, ctx_id: u32, t: &Transfer, data: &[u32]) -> CmdResult {
    attached(r, ctx_id, t.res_handle)?;
    let mut bytes = crate::model::protocol::words_to_bytes(data);
    r.transfer_host(
        Direction::ToHost,
        t.res_handle,
        ctx_id,
        t.level,
        t.stride,
        t.layer_stride,
        raw(t.bx),
        &mut bytes,
    )?;
    Ok(())
}

fn direction(d: TransferDirection) -> Direction {
    match d {
        TransferDirection::ToHost => Direction::ToHost,
        TransferDirection::FromHost => Direction::FromHost,
    }
}

pub(super) fn transfer3d(
    r: &mut Renderer,
    ctx_id: u32,
    t: &Transfer,
    offset: u32,
    dir: TransferDirection,
) -> CmdResult {
    attached(r, ctx_id, t.res_handle)?;
    r.transfer(
        direction(dir),
        t.res_handle,
        ctx_id,
        t.level,
        t.stride,
        t.layer_stride,
        raw(t.bx),
        u64::from(offset),
        None,
    )?;
    Ok(())
}

/// COPY_TRANSFER3D: between a resource box and the backing of a staging resource at an
/// offset, laid out with the command's strides. A staging resource without backing is
/// EINVAL (ILLEGAL_RESOURCE), as upstream's test_virgl_transfer checks.
pub(super) fn copy_transfer3d(
    r: &mut Renderer,
    ctx_id: u32,
    t: &Transfer,
    staging: u32,
    staging_offset: u32,
    read_from_host: bool,
) -> CmdResult {
    let dir = if read_from_host { Direction::FromHost } else { Direction::ToHost };
    attached(r, ctx_id, t.res_handle)?;
    attached(r, ctx_id, staging)?;
    let iov = r
        .resources
        .get(&staging)
        .and_then(|s| s.backing.as_ref())
        .map(|b| b.iovs.clone())
        .ok_or_else(|| {
            fail(ERROR_CTX_ILLEGAL_RESOURCE, format!("staging resource {staging} has no backing"))
        })?;
    r.transfer(
        dir,
        t.res_handle,
        ctx_id,
        t.level,
        t.stride,
        t.layer_stride,
        raw(t.bx),
        u64::from(staging_offset),
        Some(iov),
    )?;
    Ok(())
}

/// Same texel block geometry (bytes and size), and both buffers or both textures.
fn copy_compatible(a: &ResourceDesc, b: &ResourceDesc) -> bool {
    let (fa, fb) = (a.texel_format(), b.texel_format());
    (a.target == Target::Buffer) == (b.target == Target::Buffer)
        && fa.block_bytes == fb.block_bytes
        && fa.block_width == fb.block_width
        && fa.block_height == fb.block_height
}

pub(super) fn copy_region(r: &mut Renderer, ctx_id: u32, c: &CopyRegion) -> CmdResult {
    let (dst, src) = (c.dst_handle, c.src_handle);
    attached(r, ctx_id, dst)?;
    attached(r, ctx_id, src)?;
    let (dd, sd) = (desc(r, dst)?, desc(r, src)?);
    if !copy_compatible(&dd, &sd) {
        return Err(fail(
            ERROR_CTX_ILLEGAL_CMD_BUFFER,
            format!("copy between {} and {}: block sizes differ", sd.format.name, dd.format.name),
        ));
    }
    let sbox = raw(c.src_box);
    let dbox = RawBox { x: c.dst_x, y: c.dst_y, z: c.dst_z, ..sbox };
    let s = stage(r, src, c.src_level, sbox)?;
    let d = stage(r, dst, c.dst_level, dbox)?;
    let mut buf = read_box(r, src, &s)?;
    write_box(r, dst, &d, &mut buf)
}

pub(super) fn clear_texture(r: &mut Renderer, ctx_id: u32, c: &ClearTexture) -> CmdResult {
    let handle = c.res_handle;
    attached(r, ctx_id, handle)?;
    let fmt = desc(r, handle)?.texel_format();
    let data = crate::model::protocol::words_to_bytes(&c.data);
    let Some(texel) = data.get(..fmt.block_bytes as usize) else {
        skip(r, ctx_id, (ccmd::CLEAR_TEXTURE, 0), &format!("CLEAR_TEXTURE of {}", fmt.name));
        return Ok(());
    };
    let s = stage(r, handle, c.level, raw(c.bx))?;
    let mut buf = fill(s.len, texel)?;
    write_box(r, handle, &s, &mut buf)
}

// ---- pipe resources for blobs ---------------------------------------------------------

/// PIPE_RESOURCE_SET_TYPE (Mesa sends it from `host_feature_check_version` 18 on, for a
/// blob resource it imported): a guest-only blob becomes a one-level 2-D texture of the
/// given format, bind and size backed by the blob's memory; the modifier, usage and plane
/// layout only matter to upstream's dma-buf imports and are not used. A resource that has
/// a type already is left alone and the command succeeds, as upstream; one that is unknown
/// or not attached to the context fails (EINVAL), as upstream.
pub(super) fn set_type(r: &mut Renderer, ctx_id: u32, t: &PipeResourceSetType) -> CmdResult {
    attached(r, ctx_id, t.res_handle)?;
    let args = CreateArgs {
        handle: t.res_handle,
        target: Target::Tex2D as u32,
        format: t.format,
        bind: t.bind,
        width: t.width,
        height: t.height,
        depth: 1,
        array_size: 1,
        last_level: 0,
        nr_samples: 0,
        flags: 0,
    };
    if !r.type_guest_blob(&args)? {
        log::debug!("PIPE_RESOURCE_SET_TYPE: resource {} has a type already", t.res_handle);
    }
    Ok(())
}

pub(super) fn pipe_resource_create(
    r: &mut Renderer,
    ctx_id: u32,
    p: &PipeResourceCreate,
) -> CmdResult {
    let blob_id = u64::from(p.blob_id);
    if blob_id == 0 {
        return Err(fail(ERROR_CTX_ILLEGAL_CMD_BUFFER, "blob id 0"));
    }
    let args = CreateArgs {
        handle: 0,
        target: p.target,
        format: p.format,
        bind: p.bind,
        width: p.width,
        height: p.height,
        depth: p.depth,
        array_size: p.array_size,
        last_level: p.last_level,
        nr_samples: p.nr_samples,
        flags: p.flags,
    };
    let d = ResourceDesc::validate(&args, &r.backend.limits())?;
    if d.flags & flags::ZEROCOPY != 0 {
        return Err(fail(ERROR_CTX_ILLEGAL_CMD_BUFFER, "ZEROCOPY flag on a pipe resource"));
    }
    r.backend.check_supported(&d)?;
    let c = r.context(ctx_id)?;
    if c.blobs.len() >= MAX_PENDING_BLOBS && !c.blobs.contains_key(&blob_id) {
        return Err(Fail {
            code: Some(ERROR_CTX_ILLEGAL_CMD_BUFFER),
            err: Error::nomem(format!("more than {MAX_PENDING_BLOBS} pipe resources waiting")),
        });
    }
    c.blobs.insert(blob_id, d);
    Ok(())
}
