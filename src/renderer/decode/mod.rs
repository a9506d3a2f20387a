//! The virgl command-stream decoder (`virgl_renderer_submit_cmd`): the resource part of
//! the protocol.
//!
//! Executed: sub-contexts, RESOURCE_INLINE_WRITE, TRANSFER3D, COPY_TRANSFER3D,
//! RESOURCE_COPY_REGION, BLIT (same format, nearest scaling, 8-bit UNORM RGBA order
//! conversion, mirroring), CLEAR_TEXTURE, SURFACE objects, SET_FRAMEBUFFER_STATE, CLEAR and
//! PIPE_RESOURCE_CREATE. Start-up no-ops (SET_TWEAKS, queries, markers …) are accepted and
//! ignored. Everything else (draws, shaders, state objects) is skipped with one log line
//! per command type and marks the context with [`ERROR_CTX_UNSUPPORTED_FUNCTION`].
//!
//! Backend-independent: copies, blits and clears read boxes into host staging buffers
//! through the backend's transfer path, work on the CPU ([`crate::model::pixel`]) and write the
//! boxes back, so the result is the same on every backend.
//!
//! Errors: a command shorter than its fixed fields, or one that fails (unknown or not
//! attached resource, box out of bounds …), stops the buffer with `EINVAL` and records an
//! upstream `VIRGL_ERROR_CTX_*` in the context; commands before it have run.

use crate::error::{Error, Result};
use crate::model::format::{self, FormatInfo, Kind};
use crate::model::pixel;
use crate::model::resource::{flags, ResourceDesc, Target};
use crate::model::transfer::{self, RawBox};
use crate::renderer::context::{
    split_commands, CmdHeader, Surface, ERROR_CTX_ILLEGAL_CMD_BUFFER, ERROR_CTX_ILLEGAL_HANDLE,
    ERROR_CTX_ILLEGAL_RESOURCE, ERROR_CTX_ILLEGAL_SURFACE, ERROR_CTX_UNSUPPORTED_FUNCTION,
    MAX_PENDING_BLOBS, MAX_SURFACES,
};
use crate::renderer::{Direction, Renderer};
mod blit;
use blit::blit;
use std::collections::HashSet;
use std::sync::Mutex;

/// `enum virgl_context_cmd` (virgl_protocol.h).
pub mod cmd {
    pub const NOP: u8 = 0;
    pub const CREATE_OBJECT: u8 = 1;
    pub const BIND_OBJECT: u8 = 2;
    pub const DESTROY_OBJECT: u8 = 3;
    pub const SET_FRAMEBUFFER_STATE: u8 = 5;
    pub const CLEAR: u8 = 7;
    pub const RESOURCE_INLINE_WRITE: u8 = 9;
    pub const BLIT: u8 = 16;
    pub const RESOURCE_COPY_REGION: u8 = 17;
    pub const BEGIN_QUERY: u8 = 19;
    pub const END_QUERY: u8 = 20;
    pub const GET_QUERY_RESULT: u8 = 21;
    pub const SET_SUB_CTX: u8 = 28;
    pub const CREATE_SUB_CTX: u8 = 29;
    pub const DESTROY_SUB_CTX: u8 = 30;
    pub const MEMORY_BARRIER: u8 = 36;
    pub const TEXTURE_BARRIER: u8 = 39;
    pub const SET_DEBUG_FLAGS: u8 = 41;
    pub const GET_QUERY_RESULT_QBO: u8 = 42;
    pub const TRANSFER3D: u8 = 43;
    pub const END_TRANSFERS: u8 = 44;
    pub const COPY_TRANSFER3D: u8 = 45;
    pub const SET_TWEAKS: u8 = 46;
    pub const CLEAR_TEXTURE: u8 = 47;
    pub const PIPE_RESOURCE_CREATE: u8 = 48;
    pub const GET_MEMORY_INFO: u8 = 50;
    pub const SEND_STRING_MARKER: u8 = 51;
}

/// `enum virgl_object_type`.
pub mod obj {
    pub const SURFACE: u8 = 8;
    pub const MSAA_SURFACE: u8 = 11;
    /// `VIRGL_MAX_OBJECTS`: object types at or above are invalid.
    pub const MAX: u8 = 12;
}

/// `VIRGL_TRANSFER_TO_HOST` / `VIRGL_TRANSFER_FROM_HOST`.
pub const TRANSFER_TO_HOST: u32 = 1;
pub const TRANSFER_FROM_HOST: u32 = 2;
/// `VIRGL_COPY_TRANSFER3D_FLAGS_READ_FROM_HOST`.
pub const COPY_TRANSFER3D_READ_FROM_HOST: u32 = 1 << 1;

/// `PIPE_CLEAR_*` bits of CLEAR.
pub const CLEAR_DEPTH: u32 = 1 << 0;
pub const CLEAR_STENCIL: u32 = 1 << 1;
pub const CLEAR_COLOR0: u32 = 1 << 2;

/// `PIPE_MASK_*` bits of BLIT.
pub const MASK_RGBA: u32 = 0xf;
pub const MASK_Z: u32 = 1 << 4;
pub const MASK_S: u32 = 1 << 5;

/// A failed command: the errno the submit returns and the context error it records.
#[derive(Debug)]
struct Fail {
    code: u32,
    err: Error,
}

impl From<Error> for Fail {
    fn from(err: Error) -> Self {
        Fail { code: ERROR_CTX_ILLEGAL_CMD_BUFFER, err }
    }
}

type CmdResult = std::result::Result<(), Fail>;

fn fail(code: u32, msg: impl Into<String>) -> Fail {
    Fail { code, err: Error::inval(msg) }
}

/// `EINVAL` unless the payload has `n` dwords (`exact`) or at least `n`.
fn need(name: &str, p: &[u32], n: usize, exact: bool) -> CmdResult {
    if p.len() < n || (exact && p.len() != n) {
        let rel = if exact { "" } else { "at least " };
        return Err(fail(
            ERROR_CTX_ILLEGAL_CMD_BUFFER,
            format!("{name}: {} payload dwords, want {rel}{n}", p.len()),
        ));
    }
    Ok(())
}

/// Field `i` in upstream's numbering (1 = first dword after the header); 0 past the end
/// (callers check the length first).
fn f(p: &[u32], i: usize) -> u32 {
    i.checked_sub(1).and_then(|i| p.get(i)).copied().unwrap_or(0)
}

fn raw_box(p: &[u32], first: usize) -> RawBox {
    RawBox {
        x: f(p, first),
        y: f(p, first + 1),
        z: f(p, first + 2),
        w: f(p, first + 3),
        h: f(p, first + 4),
        d: f(p, first + 5),
    }
}

static LOGGED: Mutex<Option<HashSet<(u8, u8)>>> = Mutex::new(None);

/// Logs `what` once per `key` for the process.
fn log_once(key: (u8, u8), what: &str) {
    let mut logged = LOGGED.lock().unwrap_or_else(|e| e.into_inner());
    if logged.get_or_insert_with(HashSet::new).insert(key) {
        log::warn!("virgl_renderer_submit_cmd: {what}");
    }
}

/// Records `ERROR_CTX_UNSUPPORTED_FUNCTION` for a command or variant that is not executed (logged
/// once per `key`); the buffer goes on.
fn skip(r: &mut Renderer, ctx_id: u32, key: (u8, u8), what: &str) {
    log_once(key, &format!("{what} is not implemented; skipped"));
    if let Some(c) = r.contexts.get_mut(&ctx_id) {
        c.error = ERROR_CTX_UNSUPPORTED_FUNCTION;
    }
}

/// Executes the command buffer `words` in context `ctx_id`. `EINVAL` for an unknown
/// context, a buffer whose framing is broken (nothing runs then) or a failing command (the
/// commands before it have run).
pub fn submit(r: &mut Renderer, ctx_id: u32, words: &[u32]) -> Result<()> {
    r.context(ctx_id)?;
    let cmds = split_commands(words)?;
    for (h, payload) in cmds {
        if let Err(Fail { code, err }) = execute(r, ctx_id, h, payload) {
            if let Some(c) = r.contexts.get_mut(&ctx_id) {
                c.error = code;
            }
            return Err(Error::new(err.errno, format!("command {}: {}", h.cmd, err.msg)));
        }
    }
    Ok(())
}

fn execute(r: &mut Renderer, ctx_id: u32, h: CmdHeader, p: &[u32]) -> CmdResult {
    match h.cmd {
        cmd::NOP | cmd::END_TRANSFERS => Ok(()),
        cmd::CREATE_SUB_CTX | cmd::SET_SUB_CTX | cmd::DESTROY_SUB_CTX => {
            need("sub-context", p, 1, true)?;
            let id = f(p, 1);
            let c = r.context(ctx_id)?;
            match h.cmd {
                cmd::CREATE_SUB_CTX => c.create_sub(id)?,
                cmd::SET_SUB_CTX => c.set_sub(id),
                _ => c.destroy_sub(id),
            }
            Ok(())
        }
        cmd::SET_TWEAKS => need("SET_TWEAKS", p, 2, false),
        cmd::SET_DEBUG_FLAGS | cmd::SEND_STRING_MARKER => need("marker", p, 1, false),
        cmd::GET_MEMORY_INFO | cmd::BEGIN_QUERY | cmd::END_QUERY => need("query", p, 1, true),
        cmd::GET_QUERY_RESULT => need("GET_QUERY_RESULT", p, 2, true),
        cmd::GET_QUERY_RESULT_QBO => need("GET_QUERY_RESULT_QBO", p, 6, true),
        cmd::MEMORY_BARRIER | cmd::TEXTURE_BARRIER => need("barrier", p, 1, true),
        cmd::CREATE_OBJECT => create_object(r, ctx_id, h, p),
        cmd::DESTROY_OBJECT => {
            need("DESTROY_OBJECT", p, 1, true)?;
            // Objects other than surfaces were never created: nothing to free.
            r.context(ctx_id)?.sub().surfaces.remove(&f(p, 1));
            Ok(())
        }
        cmd::SET_FRAMEBUFFER_STATE => set_framebuffer(r, ctx_id, p),
        cmd::CLEAR => clear(r, ctx_id, p),
        cmd::RESOURCE_INLINE_WRITE => inline_write(r, ctx_id, p),
        cmd::TRANSFER3D => transfer3d(r, ctx_id, p),
        cmd::COPY_TRANSFER3D => copy_transfer3d(r, ctx_id, p),
        cmd::RESOURCE_COPY_REGION => copy_region(r, ctx_id, p),
        cmd::BLIT => blit(r, ctx_id, p),
        cmd::CLEAR_TEXTURE => clear_texture(r, ctx_id, p),
        cmd::PIPE_RESOURCE_CREATE => pipe_resource_create(r, ctx_id, p),
        cmd::BIND_OBJECT => {
            skip(r, ctx_id, (h.cmd, h.obj_type), &format!("BIND_OBJECT type {}", h.obj_type));
            Ok(())
        }
        other => {
            skip(r, ctx_id, (other, 0), &format!("command {other}"));
            Ok(())
        }
    }
}

// ---- resources ------------------------------------------------------------------------

/// `ERROR_CTX_ILLEGAL_RESOURCE` unless `handle` exists and is attached to the context.
fn attached(r: &Renderer, ctx_id: u32, handle: u32) -> CmdResult {
    let ok = r.resources.contains_key(&handle)
        && r.contexts.get(&ctx_id).is_some_and(|c| c.resources.contains(&handle));
    if ok {
        Ok(())
    } else {
        Err(fail(
            ERROR_CTX_ILLEGAL_RESOURCE,
            format!("resource {handle} is unknown or not attached to context {ctx_id}"),
        ))
    }
}

fn desc(r: &Renderer, handle: u32) -> std::result::Result<ResourceDesc, Fail> {
    r.resources
        .get(&handle)
        .map(|res| res.desc)
        .ok_or_else(|| fail(ERROR_CTX_ILLEGAL_RESOURCE, format!("unknown resource {handle}")))
}

/// A validated box of `handle`'s `level` and its packed strides.
struct Staged {
    raw: RawBox,
    level: u32,
    stride: u32,
    layer_stride: u32,
    len: usize,
}

fn stage(r: &Renderer, handle: u32, level: u32, raw: RawBox) -> std::result::Result<Staged, Fail> {
    let d = desc(r, handle)?;
    let plan = transfer::plan(&d, level, 0, 0, raw, 0, u64::MAX)?;
    let too_big = || Error::nomem(format!("box of resource {handle} too large to stage"));
    let stride = u32::try_from(plan.row_bytes).map_err(|_| too_big())?;
    let layer_stride = u32::try_from(plan.row_bytes * plan.rows).map_err(|_| too_big())?;
    let len = usize::try_from(plan.packed_size()).map_err(|_| too_big())?;
    Ok(Staged { raw, level, stride, layer_stride, len })
}

/// A zeroed buffer of `len` bytes; ENOMEM instead of an abort.
fn alloc(len: usize) -> std::result::Result<Vec<u8>, Fail> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| Error::nomem(format!("staging buffer of {len} bytes")))?;
    v.resize(len, 0);
    Ok(v)
}

/// Reads the box packed (rows of blocks back to back, layers back to back).
fn read_box(r: &mut Renderer, handle: u32, s: &Staged) -> std::result::Result<Vec<u8>, Fail> {
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
fn write_box(r: &mut Renderer, handle: u32, s: &Staged, buf: &mut [u8]) -> CmdResult {
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
fn fill(len: usize, texel: &[u8]) -> std::result::Result<Vec<u8>, Fail> {
    let mut buf = alloc(len)?;
    if !texel.is_empty() {
        for chunk in buf.chunks_mut(texel.len()) {
            chunk.copy_from_slice(&texel[..chunk.len()]);
        }
    }
    Ok(buf)
}

// ---- transfers ------------------------------------------------------------------------

fn inline_write(r: &mut Renderer, ctx_id: u32, p: &[u32]) -> CmdResult {
    need("RESOURCE_INLINE_WRITE", p, 11, false)?;
    let handle = f(p, 1);
    attached(r, ctx_id, handle)?;
    let mut data: Vec<u8> = p[11..].iter().flat_map(|w| w.to_le_bytes()).collect();
    r.transfer_host(
        Direction::ToHost,
        handle,
        ctx_id,
        f(p, 2),
        f(p, 4),
        f(p, 5),
        raw_box(p, 6),
        &mut data,
    )?;
    Ok(())
}

fn transfer3d(r: &mut Renderer, ctx_id: u32, p: &[u32]) -> CmdResult {
    need("TRANSFER3D", p, 13, false)?;
    let handle = f(p, 1);
    let dir = match f(p, 13) {
        TRANSFER_TO_HOST => Direction::ToHost,
        TRANSFER_FROM_HOST => Direction::FromHost,
        d => return Err(fail(ERROR_CTX_ILLEGAL_CMD_BUFFER, format!("transfer direction {d}"))),
    };
    attached(r, ctx_id, handle)?;
    let offset = f(p, 12) as u64;
    r.transfer(dir, handle, ctx_id, f(p, 2), f(p, 4), f(p, 5), raw_box(p, 6), offset, None)?;
    Ok(())
}

/// COPY_TRANSFER3D: between a resource box and the backing of a staging resource (field
/// 12) at an offset (field 13), laid out with the command's strides; flags (field 14,
/// absent from older guests) select the direction.
fn copy_transfer3d(r: &mut Renderer, ctx_id: u32, p: &[u32]) -> CmdResult {
    need("COPY_TRANSFER3D", p, 13, false)?;
    let (handle, staging) = (f(p, 1), f(p, 12));
    let dir = if f(p, 14) & COPY_TRANSFER3D_READ_FROM_HOST != 0 {
        Direction::FromHost
    } else {
        Direction::ToHost
    };
    attached(r, ctx_id, handle)?;
    attached(r, ctx_id, staging)?;
    let iov = r
        .resources
        .get(&staging)
        .and_then(|s| s.backing.as_ref())
        .map(|b| b.iovs.clone())
        .ok_or_else(|| {
            fail(ERROR_CTX_ILLEGAL_RESOURCE, format!("staging resource {staging} has no backing"))
        })?;
    let offset = f(p, 13) as u64;
    r.transfer(dir, handle, ctx_id, f(p, 2), f(p, 4), f(p, 5), raw_box(p, 6), offset, Some(iov))?;
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

fn copy_region(r: &mut Renderer, ctx_id: u32, p: &[u32]) -> CmdResult {
    need("RESOURCE_COPY_REGION", p, 13, true)?;
    let (dst, src) = (f(p, 1), f(p, 6));
    attached(r, ctx_id, dst)?;
    attached(r, ctx_id, src)?;
    let (dd, sd) = (desc(r, dst)?, desc(r, src)?);
    if !copy_compatible(&dd, &sd) {
        return Err(fail(
            ERROR_CTX_ILLEGAL_CMD_BUFFER,
            format!("copy between {} and {}: block sizes differ", sd.format.name, dd.format.name),
        ));
    }
    let sbox = raw_box(p, 8);
    let dbox = RawBox { x: f(p, 3), y: f(p, 4), z: f(p, 5), ..sbox };
    let s = stage(r, src, f(p, 7), sbox)?;
    let d = stage(r, dst, f(p, 2), dbox)?;
    let mut buf = read_box(r, src, &s)?;
    write_box(r, dst, &d, &mut buf)
}

fn clear_texture(r: &mut Renderer, ctx_id: u32, p: &[u32]) -> CmdResult {
    need("CLEAR_TEXTURE", p, 12, true)?;
    let handle = f(p, 1);
    attached(r, ctx_id, handle)?;
    let fmt = desc(r, handle)?.texel_format();
    let data: Vec<u8> = (9..=12).flat_map(|i| f(p, i).to_le_bytes()).collect();
    let Some(texel) = data.get(..fmt.block_bytes as usize) else {
        skip(r, ctx_id, (cmd::CLEAR_TEXTURE, 0), &format!("CLEAR_TEXTURE of {}", fmt.name));
        return Ok(());
    };
    let s = stage(r, handle, f(p, 2), raw_box(p, 3))?;
    let mut buf = fill(s.len, texel)?;
    write_box(r, handle, &s, &mut buf)
}

// ---- objects, framebuffer, clear ------------------------------------------------------

fn create_object(r: &mut Renderer, ctx_id: u32, h: CmdHeader, p: &[u32]) -> CmdResult {
    need("CREATE_OBJECT", p, 1, false)?;
    let handle = f(p, 1);
    if handle == 0 {
        return Err(fail(ERROR_CTX_ILLEGAL_HANDLE, "object handle 0"));
    }
    match h.obj_type {
        obj::SURFACE | obj::MSAA_SURFACE => {
            let len = if h.obj_type == obj::SURFACE { 5 } else { 6 };
            need("CREATE_OBJECT(SURFACE)", p, len, true)?;
            create_surface(r, ctx_id, handle, p)
        }
        t if t >= obj::MAX || t == 0 => {
            Err(fail(ERROR_CTX_ILLEGAL_CMD_BUFFER, format!("object type {t}")))
        }
        t => {
            skip(r, ctx_id, (cmd::CREATE_OBJECT, t), &format!("CREATE_OBJECT type {t}"));
            Ok(())
        }
    }
}

fn create_surface(r: &mut Renderer, ctx_id: u32, handle: u32, p: &[u32]) -> CmdResult {
    let res = f(p, 2);
    attached(r, ctx_id, res)?;
    let format = f(p, 3);
    if format::lookup(format).is_none() {
        return Err(fail(ERROR_CTX_ILLEGAL_SURFACE, format!("surface format {format}")));
    }
    let layers = f(p, 5);
    let (first_layer, last_layer) = (layers & 0xffff, layers >> 16);
    if last_layer < first_layer {
        return Err(fail(
            ERROR_CTX_ILLEGAL_SURFACE,
            format!("surface layers {first_layer}..={last_layer}"),
        ));
    }
    let surface = Surface { res, format, level: f(p, 4), first_layer, last_layer };
    let sub = r.context(ctx_id)?.sub();
    if sub.surfaces.len() >= MAX_SURFACES && !sub.surfaces.contains_key(&handle) {
        return Err(Fail {
            code: ERROR_CTX_ILLEGAL_HANDLE,
            err: Error::nomem("too many surfaces"),
        });
    }
    sub.surfaces.insert(handle, surface);
    Ok(())
}

fn set_framebuffer(r: &mut Renderer, ctx_id: u32, p: &[u32]) -> CmdResult {
    need("SET_FRAMEBUFFER_STATE", p, 2, false)?;
    let nr_cbufs = f(p, 1);
    if nr_cbufs > 8 || p.len() != 2 + nr_cbufs as usize {
        return Err(fail(
            ERROR_CTX_ILLEGAL_CMD_BUFFER,
            format!("{nr_cbufs} colour buffers in {} dwords", p.len()),
        ));
    }
    let sub = r.context(ctx_id)?.sub();
    let lookup = |h: u32| -> std::result::Result<Option<Surface>, Fail> {
        if h == 0 {
            return Ok(None);
        }
        sub.surfaces
            .get(&h)
            .copied()
            .map(Some)
            .ok_or_else(|| fail(ERROR_CTX_ILLEGAL_SURFACE, format!("unknown surface {h}")))
    };
    let zsurf = lookup(f(p, 2))?;
    let cbufs = (0..nr_cbufs as usize)
        .map(|i| lookup(f(p, 3 + i)))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    sub.fb.cbufs = cbufs;
    sub.fb.zsurf = zsurf;
    Ok(())
}

/// The box a surface covers: its level, all of it, its layers.
fn surface_stage(
    r: &Renderer,
    s: &Surface,
) -> std::result::Result<(Staged, &'static FormatInfo), Fail> {
    let d = desc(r, s.res)?;
    if d.target == Target::Buffer {
        return Err(fail(ERROR_CTX_ILLEGAL_SURFACE, "clear of a buffer surface"));
    }
    let view = format::lookup(s.format)
        .ok_or_else(|| fail(ERROR_CTX_ILLEGAL_SURFACE, format!("surface format {}", s.format)))?;
    if view.block_bytes != d.format.block_bytes || view.is_compressed() || d.format.is_compressed()
    {
        return Err(fail(
            ERROR_CTX_ILLEGAL_SURFACE,
            format!("surface format {} on a {} resource", view.name, d.format.name),
        ));
    }
    let (w, h, _) = transfer::level_extent(&d, s.level.min(31));
    let raw = RawBox { x: 0, y: 0, z: s.first_layer, w, h, d: s.last_layer - s.first_layer + 1 };
    Ok((stage(r, s.res, s.level, raw)?, view))
}

fn clear(r: &mut Renderer, ctx_id: u32, p: &[u32]) -> CmdResult {
    need("CLEAR", p, 8, true)?;
    let buffers = f(p, 1);
    let color = [f(p, 2), f(p, 3), f(p, 4), f(p, 5)];
    let depth = f64::from_bits(f(p, 6) as u64 | (f(p, 7) as u64) << 32);
    let stencil = f(p, 8) as u8;
    let fb = r.context(ctx_id)?.sub().fb.clone();
    for (i, cbuf) in fb.cbufs.iter().enumerate() {
        let Some(s) = cbuf else { continue };
        if buffers & (CLEAR_COLOR0 << i) == 0 {
            continue;
        }
        attached(r, ctx_id, s.res)?;
        let (st, view) = surface_stage(r, s)?;
        let Some(texel) = pixel::pack_color(view.id, color) else {
            skip(r, ctx_id, (cmd::CLEAR, 1), &format!("CLEAR of a {} surface", view.name));
            continue;
        };
        let mut buf = fill(st.len, &texel)?;
        write_box(r, s.res, &st, &mut buf)?;
    }
    if let (Some(s), true) = (&fb.zsurf, buffers & (CLEAR_DEPTH | CLEAR_STENCIL) != 0) {
        attached(r, ctx_id, s.res)?;
        let (st, view) = surface_stage(r, s)?;
        let Some((has_z, has_s)) = pixel::depth_stencil_parts(view.id) else {
            skip(r, ctx_id, (cmd::CLEAR, 2), &format!("CLEAR of a {} surface", view.name));
            return Ok(());
        };
        let z = (has_z && buffers & CLEAR_DEPTH != 0).then_some(depth);
        let sv = (has_s && buffers & CLEAR_STENCIL != 0).then_some(stencil);
        if z.is_none() && sv.is_none() {
            return Ok(());
        }
        // Keep the other component of a combined format: read, modify, write.
        let partial = (has_z && z.is_none()) || (has_s && sv.is_none());
        let bb = view.block_bytes as usize;
        let mut buf = if partial {
            read_box(r, s.res, &st)?
        } else {
            let mut t = vec![0u8; bb];
            pixel::write_depth_stencil(view.id, &mut t, z, sv);
            fill(st.len, &t)?
        };
        if partial {
            for px in buf.chunks_mut(bb) {
                pixel::write_depth_stencil(view.id, px, z, sv);
            }
        }
        write_box(r, s.res, &st, &mut buf)?;
    }
    Ok(())
}

// ---- pipe resources for blobs ---------------------------------------------------------

fn pipe_resource_create(r: &mut Renderer, ctx_id: u32, p: &[u32]) -> CmdResult {
    need("PIPE_RESOURCE_CREATE", p, 11, false)?;
    let blob_id = f(p, 11) as u64;
    if blob_id == 0 {
        return Err(fail(ERROR_CTX_ILLEGAL_CMD_BUFFER, "blob id 0"));
    }
    let args = crate::model::resource::CreateArgs {
        handle: 0,
        target: f(p, 1),
        format: f(p, 2),
        bind: f(p, 3),
        width: f(p, 4),
        height: f(p, 5),
        depth: f(p, 6),
        array_size: f(p, 7),
        last_level: f(p, 8),
        nr_samples: f(p, 9),
        flags: f(p, 10),
    };
    let d = ResourceDesc::validate(&args, &r.backend.limits())?;
    if d.flags & flags::ZEROCOPY != 0 {
        return Err(fail(ERROR_CTX_ILLEGAL_CMD_BUFFER, "ZEROCOPY flag on a pipe resource"));
    }
    r.backend.check_supported(&d)?;
    let c = r.context(ctx_id)?;
    if c.blobs.len() >= MAX_PENDING_BLOBS && !c.blobs.contains_key(&blob_id) {
        return Err(Fail {
            code: ERROR_CTX_ILLEGAL_CMD_BUFFER,
            err: Error::nomem(format!("more than {MAX_PENDING_BLOBS} pipe resources waiting")),
        });
    }
    c.blobs.insert(blob_id, d);
    Ok(())
}
