//! The virgl command stream (`virgl_renderer_submit_cmd`): [`protocol::decode`]'s typed
//! commands executed against the renderer. No word of the buffer is read here: the pure
//! decoder (L2) splits, length-checks and types every command, this module runs them.
//!
//! Executed: sub-contexts, RESOURCE_INLINE_WRITE, TRANSFER3D, COPY_TRANSFER3D,
//! RESOURCE_COPY_REGION, BLIT (same format, nearest scaling, 8-bit UNORM RGBA order
//! conversion, mirroring), CLEAR_TEXTURE, SURFACE/MSAA_SURFACE objects, DESTROY_OBJECT,
//! SET_FRAMEBUFFER_STATE, CLEAR, PIPE_RESOURCE_CREATE and PIPE_RESOURCE_SET_TYPE (typing a
//! guest-only blob) on every backend — copies, blits
//! and clears of the CPU paths read boxes into host staging through the backend's transfer
//! path, work on the CPU ([`crate::model::pixel`]) and write the boxes back. On the GL
//! backend, level-1 3D ([`state`], [`draw`]): the state objects (blend, DSA, rasterizer,
//! vertex elements, sampler views and states, shaders, queries), BIND_OBJECT, BIND_SHADER,
//! the SET_* state commands, DRAW_VBO, CLEAR on GL, BEGIN/END_QUERY and GET_QUERY_RESULT,
//! SET_UNIFORM_BUFFER and buffer sampler views ([`buffers`]), GET_QUERY_RESULT_QBO
//! ([`qbo`]), SET_RENDER_CONDITION ([`cond`]: DRAW_VBO, CLEAR and BLITs that ask for it are skipped
//! when the query's result says so), stream output ([`streamout`]: STREAMOUT_TARGET objects,
//! SET_STREAMOUT_TARGETS, capturing draws and draws from a capture), CLEAR_SURFACE
//! ([`clear_surface`]: a rectangle of one surface, render condition respected when asked)
//! and LINK_SHADER (accepted: programs link at the first draw).
//!
//! GL contexts: every sub-context runs its commands in a GL context of its own, sharing
//! the main context's objects ([`crate::renderer::subctx_gl`]); its state also lives in
//! the sub-context ([`crate::renderer::state::Bound`]) and is applied at every draw.
//!
//! # What a submit returns, class by class
//!
//! Upstream references are virglrenderer 1.2's `vrend_decode_ctx_submit_cmd`,
//! `vrend_draw_vbo` and `vrend_object.c`; `../shared/3D.md` §3 lists the codes its tests
//! check.
//!
//! | class | submit returns | context | the rest of the buffer |
//! |---|---|---|---|
//! | executed command, success | 0 | — | runs |
//! | command byte ≥ the protocol's count (63) | EINVAL | unchanged (upstream returns before reporting anything) | not run; earlier commands have run |
//! | header length past the end of the buffer | 0 | ILLEGAL_CMD_BUFFER, in error | not run; earlier commands have run (upstream reports the buffer error and stops without failing) |
//! | malformed command (length, count, range: [`protocol::DecodeError`]) | EINVAL | its `VIRGL_ERROR_CTX_*`, in error | not run |
//! | executed command that fails (resource unknown or not attached, box out of bounds, COPY_TRANSFER3D staging without backing, unknown surface, …) | EINVAL | the specific error, in error | not run |
//! | object limit ([`crate::renderer::objects::MAX_OBJECTS`]) | ENOMEM | unchanged (upstream: a failed insert is ENOMEM) | not run |
//! | CREATE_SUB_CTX whose GL context the host cannot give (the VMM's `create_gl_context` returns NULL: ENOMEM; it or EGL cannot make it current: EINVAL) | ENOMEM / EINVAL | unchanged, the sub-context not created (upstream creates nothing and reports nothing) | not run |
//! | DRAW_VBO in a context in error | ENOTRECOVERABLE (131) | unchanged (upstream checks `in_error` first and reports nothing) | not run |
//! | video command (CREATE_VIDEO_CODEC … END_FRAME) | EINVAL | ILLEGAL_CMD_BUFFER, in error (upstream built without video: `vrend_unsupported`; the capsets advertise no video) | not run |
//! | known command not executed (the 3D commands on the CPU backend; level-2 ones everywhere: indirect draws, quads/polygons, patches and tessellation shaders on a host without GL 4.0, compute shaders, query types other than occlusion/time/primitives-generated/primitives-emitted, SSBO/image/atomic bindings, …) | 0 | UNSUPPORTED_FUNCTION, *not* in error; one log line per command type | runs |
//! | a draw the GL backend refuses (a vertex or index range past its buffer, an unbound vertex buffer the program reads, an incomplete framebuffer, a program that does not translate or link) | EINVAL | its error, in error | not run |
//! | start-up no-ops (NOP, END_TRANSFERS, SET_TWEAKS, SET_DEBUG_FLAGS, SEND_STRING_MARKER, GET_MEMORY_INFO, MEMORY/TEXTURE_BARRIER, LINK_SHADER) | 0 | — | runs |
//!
//! Why the refusal does not put the context in error: upstream executes those commands,
//! so for a well-formed stream it would never be in error; a guest whose draws are refused
//! must keep a live context (vtest drops a client whose submit fails).
//!
//! Objects: CREATE_OBJECT stores every kind in the sub-context's
//! [`crate::renderer::objects::ObjectTable`] with its validated value, a taken handle is replaced, DESTROY_OBJECT removes by
//! handle. A handle of the wrong kind reads as missing, as upstream: SET_FRAMEBUFFER_STATE
//! fails with ILLEGAL_SURFACE, BIND_OBJECT with ILLEGAL_HANDLE. (Upstream reports those two
//! and returns 0 from the command; this decoder stops the buffer with EINVAL there, as it
//! does for every command it cannot carry out.)
//!
//! The context error kept is the specific one; upstream's last error after an EINVAL is
//! ILLEGAL_CMD_BUFFER (it reports the buffer on top). Only tests and logs read it.

use crate::error::{Error, Result};
use crate::model::protocol::{self, ccmd, Command, ErrorKind};
use crate::renderer::context::ERROR_CTX_UNSUPPORTED_FUNCTION;
use crate::renderer::context::{ERROR_CTX_ILLEGAL_CMD_BUFFER, ERROR_CTX_ILLEGAL_RESOURCE};
use crate::renderer::{objects, Renderer};
use std::collections::HashSet;
use std::sync::Mutex;

mod blit;
mod blit_gl;
mod buffers;
mod clear_surface;
mod cond;
mod draw;
mod qbo;
mod query;
mod resource;
mod state;
mod streamout;
mod surface;
mod tess;

/// A failed command: the errno the submit returns and the context error it records
/// (`None`: the context is left alone, as upstream for ENOMEM and ENOTRECOVERABLE).
#[derive(Debug)]
struct Fail {
    code: Option<u32>,
    err: Error,
}

impl From<Error> for Fail {
    fn from(err: Error) -> Self {
        Fail { code: Some(ERROR_CTX_ILLEGAL_CMD_BUFFER), err }
    }
}

type CmdResult = std::result::Result<(), Fail>;

/// EINVAL recording `code`.
fn fail(code: u32, msg: impl Into<String>) -> Fail {
    Fail { code: Some(code), err: Error::inval(msg) }
}

static LOGGED: Mutex<Option<HashSet<(u8, u8)>>> = Mutex::new(None);

/// Logs `what` once per `key` for the process.
fn log_once(key: (u8, u8), what: &str) {
    let mut logged = LOGGED.lock().unwrap_or_else(|e| e.into_inner());
    if logged.get_or_insert_with(HashSet::new).insert(key) {
        log::warn!("virgl_renderer_submit_cmd: {what}");
    }
}

/// The honest refusal of a command or variant that is not executed: records
/// UNSUPPORTED_FUNCTION (not `in_error`), logs once per `key`; the buffer goes on.
fn skip(r: &mut Renderer, ctx_id: u32, key: (u8, u8), what: &str) {
    log_once(key, &format!("{what} is not implemented; skipped"));
    if let Some(c) = r.contexts.get_mut(&ctx_id) {
        c.error = ERROR_CTX_UNSUPPORTED_FUNCTION;
    }
}

/// Executes the command buffer `words` in context `ctx_id` (see the module docs for what
/// each outcome returns). Commands run in order until one fails.
pub fn submit(r: &mut Renderer, ctx_id: u32, words: &[u32]) -> Result<()> {
    r.context(ctx_id)?;
    // The commands run in the current sub-context's GL context.
    r.select_sub_gl(ctx_id)?;
    let result = submit_in(r, ctx_id, words);
    r.release_sub_gl();
    result
}

fn submit_in(r: &mut Renderer, ctx_id: u32, words: &[u32]) -> Result<()> {
    for item in protocol::decode(words) {
        let e = match item {
            Ok(cmd) => match execute(r, ctx_id, &cmd) {
                Ok(()) => continue,
                Err(Fail { code, err }) => {
                    if let (Some(code), Ok(c)) = (code, r.context(ctx_id)) {
                        c.fail(code);
                    }
                    let name = protocol::command_name(command_byte(&cmd));
                    return Err(Error::new(err.errno, format!("{name}: {}", err.msg)));
                }
            },
            Err(e) => e,
        };
        match e.kind {
            ErrorKind::UnknownCommand => {}
            ErrorKind::Truncated => {
                // Upstream: ILLEGAL_CMD_BUFFER, the rest of the buffer dropped, success.
                log::warn!("virgl_renderer_submit_cmd: context {ctx_id}: {e}; rest dropped");
                r.context(ctx_id)?.fail(ERROR_CTX_ILLEGAL_CMD_BUFFER);
                return Ok(());
            }
            ErrorKind::Invalid => r.context(ctx_id)?.fail(e.ctx_error),
        }
        return Err(e.into());
    }
    Ok(())
}

/// The command byte a typed command came from (for messages).
fn command_byte(cmd: &Command<'_>) -> u8 {
    use Command as C;
    match cmd {
        C::Nop => ccmd::NOP,
        C::CreateObject { .. } => ccmd::CREATE_OBJECT,
        C::BindObject { .. } => ccmd::BIND_OBJECT,
        C::DestroyObject { .. } => ccmd::DESTROY_OBJECT,
        C::SetFramebufferState { .. } => ccmd::SET_FRAMEBUFFER_STATE,
        C::Clear(_) => ccmd::CLEAR,
        C::DrawVbo(_) => ccmd::DRAW_VBO,
        C::ResourceInlineWrite { .. } => ccmd::RESOURCE_INLINE_WRITE,
        C::Blit(_) => ccmd::BLIT,
        C::ResourceCopyRegion(_) => ccmd::RESOURCE_COPY_REGION,
        C::Transfer3d { .. } => ccmd::TRANSFER3D,
        C::CopyTransfer3d { .. } => ccmd::COPY_TRANSFER3D,
        C::ClearTexture(_) => ccmd::CLEAR_TEXTURE,
        C::PipeResourceCreate(_) => ccmd::PIPE_RESOURCE_CREATE,
        C::CreateSubCtx(_) => ccmd::CREATE_SUB_CTX,
        C::SetSubCtx(_) => ccmd::SET_SUB_CTX,
        C::DestroySubCtx(_) => ccmd::DESTROY_SUB_CTX,
        C::BindShader { .. } => ccmd::BIND_SHADER,
        C::SetViewportState { .. } => ccmd::SET_VIEWPORT_STATE,
        C::SetScissorState { .. } => ccmd::SET_SCISSOR_STATE,
        C::SetVertexBuffers(_) => ccmd::SET_VERTEX_BUFFERS,
        C::SetIndexBuffer(_) => ccmd::SET_INDEX_BUFFER,
        C::SetConstantBuffer { .. } => ccmd::SET_CONSTANT_BUFFER,
        C::SetUniformBuffer { .. } => ccmd::SET_UNIFORM_BUFFER,
        C::SetSamplerViews { .. } => ccmd::SET_SAMPLER_VIEWS,
        C::BindSamplerStates { .. } => ccmd::BIND_SAMPLER_STATES,
        C::SetBlendColor(_) => ccmd::SET_BLEND_COLOR,
        C::SetStencilRef { .. } => ccmd::SET_STENCIL_REF,
        C::SetSampleMask(_) => ccmd::SET_SAMPLE_MASK,
        C::SetMinSamples(_) => ccmd::SET_MIN_SAMPLES,
        C::SetTessState { .. } => ccmd::SET_TESS_STATE,
        C::SetClipState(_) => ccmd::SET_CLIP_STATE,
        C::SetPolygonStipple(_) => ccmd::SET_POLYGON_STIPPLE,
        C::ClearSurface(_) => ccmd::CLEAR_SURFACE,
        C::SetStreamoutTargets { .. } => ccmd::SET_STREAMOUT_TARGETS,
        C::SetRenderCondition { .. } => ccmd::SET_RENDER_CONDITION,
        C::LinkShader(_) => ccmd::LINK_SHADER,
        C::PipeResourceSetType(_) => ccmd::PIPE_RESOURCE_SET_TYPE,
        C::EndTransfers => ccmd::END_TRANSFERS,
        C::SetTweaks { .. } => ccmd::SET_TWEAKS,
        C::SetDebugFlags(_) => ccmd::SET_DEBUG_FLAGS,
        C::SendStringMarker { .. } => ccmd::SEND_STRING_MARKER,
        C::GetMemoryInfo(_) => ccmd::GET_MEMORY_INFO,
        C::BeginQuery(_) => ccmd::BEGIN_QUERY,
        C::EndQuery(_) => ccmd::END_QUERY,
        C::GetQueryResult { .. } => ccmd::GET_QUERY_RESULT,
        C::GetQueryResultQbo(_) => ccmd::GET_QUERY_RESULT_QBO,
        C::MemoryBarrier(_) => ccmd::MEMORY_BARRIER,
        C::TextureBarrier(_) => ccmd::TEXTURE_BARRIER,
        C::Unimplemented { cmd, .. } => *cmd,
    }
}

fn execute(r: &mut Renderer, ctx_id: u32, cmd: &Command<'_>) -> CmdResult {
    use Command as C;
    match cmd {
        C::Nop
        | C::EndTransfers
        | C::SetTweaks { .. }
        | C::SetDebugFlags(_)
        | C::SendStringMarker { .. }
        | C::GetMemoryInfo(_)
        | C::MemoryBarrier(_)
        | C::TextureBarrier(_)
        // The program is linked at the first draw that uses the shaders.
        | C::LinkShader(_) => Ok(()),
        C::BeginQuery(h) => query::begin_end_query(r, ctx_id, *h, true),
        C::EndQuery(h) => query::begin_end_query(r, ctx_id, *h, false),
        C::GetQueryResult { handle, .. } => query::get_query_result(r, ctx_id, *handle),
        C::GetQueryResultQbo(a) => qbo::get_query_result_qbo(r, ctx_id, a),
        C::BindShader { handle, shader_type: Some(t) } => {
            state::bind_shader(r, ctx_id, *handle, *t)
        }
        // Upstream ignores a stage number past compute.
        C::BindShader { shader_type: None, .. } => Ok(()),
        C::SetViewportState { start_slot, viewports } => {
            if let (0, Some(v)) = (*start_slot, viewports.first()) {
                r.context(ctx_id)?.sub().bound.viewport = *v;
            }
            Ok(())
        }
        C::SetScissorState { start_slot, scissors } => {
            if let (0, Some(s)) = (*start_slot, scissors.first()) {
                r.context(ctx_id)?.sub().bound.scissor = *s;
            }
            Ok(())
        }
        C::SetVertexBuffers(vbs) => {
            state::check_vertex_buffers(r, ctx_id, vbs)?;
            r.context(ctx_id)?.sub().bound.vertex_buffers = vbs.clone();
            Ok(())
        }
        C::SetIndexBuffer(ib) => {
            // Mesa's virgl driver sends the index buffer before every indexed draw: the
            // same binding again changes nothing the draw cache derived, and while that
            // cache holds (no attached resource removed, no state changed since the draw
            // made it) its check that the bound index buffer is attached holds too.
            let c = r.context(ctx_id)?;
            let removals = c.resources.removals();
            let sub = c.sub_unchanged();
            let same = sub.bound.index_buffer == *ib;
            if same && sub.draw_cache.key.is_some_and(|k| (k.0, k.1) == (removals, sub.version)) {
                return Ok(());
            }
            if ib.res_handle != 0 {
                attached(r, ctx_id, ib.res_handle)?;
            }
            if !same {
                r.context(ctx_id)?.sub().bound.index_buffer = *ib;
            }
            Ok(())
        }
        C::SetConstantBuffer { shader_type, data, .. } => {
            let slot = crate::renderer::state::stage_index(*shader_type);
            // Constants are read by every draw, never kept in its cache.
            r.context(ctx_id)?.sub_unchanged().bound.constants[slot] = std::sync::Arc::from(*data);
            Ok(())
        }
        C::SetUniformBuffer { shader_type, index, offset, length, res_handle } => {
            buffers::set_uniform_buffer(
                r,
                ctx_id,
                *shader_type,
                *index,
                *offset,
                *length,
                *res_handle,
            )
        }
        C::SetSamplerViews { shader_type, start_slot, handles } => {
            state::set_sampler_views(r, ctx_id, *shader_type, *start_slot, handles)
        }
        C::BindSamplerStates { shader_type, start_slot, handles } => {
            state::bind_sampler_states(r, ctx_id, *shader_type, *start_slot, handles)
        }
        C::SetBlendColor(c) => {
            r.context(ctx_id)?.sub().bound.blend_color = *c;
            Ok(())
        }
        C::SetStencilRef { front, back } => {
            r.context(ctx_id)?.sub().bound.stencil_ref = [*front, *back];
            Ok(())
        }
        C::SetSampleMask(m) => {
            r.context(ctx_id)?.sub().bound.sample_mask = *m;
            Ok(())
        }
        C::SetTessState { outer, inner } => {
            r.context(ctx_id)?.sub().bound.tess_levels = (*outer, *inner);
            Ok(())
        }
        C::SetClipState(p) => {
            r.context(ctx_id)?.sub().bound.clip_planes = **p;
            Ok(())
        }
        C::SetPolygonStipple(p) => {
            r.context(ctx_id)?.sub().bound.stipple = **p;
            Ok(())
        }
        C::SetMinSamples(n) if *n <= 1 => Ok(()),
        C::CreateSubCtx(id) => {
            r.context(ctx_id)?.create_sub(*id)?;
            // A host that gives no GL context (the VMM's NULL, EGL's refusal) fails the
            // command (the sub-context not created) but leaves the context usable, as an
            // allocation failure does.
            r.create_sub_gl(ctx_id, *id).map_err(|err| Fail { code: None, err })?;
            // Making it left the new context current: the commands go on in theirs.
            r.select_sub_gl(ctx_id).map_err(|err| Fail { code: None, err })
        }
        C::SetSubCtx(id) => {
            r.context(ctx_id)?.set_sub(*id);
            r.select_sub_gl(ctx_id).map_err(|err| Fail { code: None, err })
        }
        C::DestroySubCtx(id) => {
            let (queries, gl_ctx) = r.context(ctx_id)?.destroy_sub(*id);
            if r.query_owner == Some((ctx_id, *id)) {
                r.query_owner = None;
            }
            r.destroy_sub_gl(gl_ctx, &queries);
            r.select_sub_gl(ctx_id).map_err(|err| Fail { code: None, err })
        }
        // The append bitmask is not read: `streamout` resumes by target objects.
        C::SetStreamoutTargets { append_bitmask: _, handles } => {
            streamout::set_targets(r, ctx_id, handles)
        }
        C::CreateObject { handle, object } => surface::create_object(r, ctx_id, *handle, object),
        C::DestroyObject { handle, .. } => {
            let gone = r.context(ctx_id)?.destroy_object(*handle);
            if let (Some(objects::Object::Query(q)), Some(gl)) = (gone, r.backend.gl_mut()) {
                gl.delete_queries(&q.active.into_iter().collect::<Vec<_>>());
            }
            Ok(())
        }
        C::BindObject { obj_type, handle } => state::bind_object(r, ctx_id, *obj_type, *handle),
        C::SetFramebufferState { zsurf_handle, cbufs } => {
            surface::set_framebuffer(r, ctx_id, *zsurf_handle, cbufs)
        }
        C::SetRenderCondition { handle, condition, mode } => {
            cond::set(r, ctx_id, *handle, *condition, *mode)
        }
        C::Clear(_) if !cond::passes(r, ctx_id)? => Ok(()),
        C::Clear(c) => surface::clear(r, ctx_id, c),
        C::ClearSurface(c) if c.render_condition_enable && !cond::passes(r, ctx_id)? => Ok(()),
        C::ClearSurface(c) => clear_surface::clear_surface(r, ctx_id, c),
        C::ResourceInlineWrite { transfer, data } => {
            resource::inline_write(r, ctx_id, transfer, data)
        }
        C::Transfer3d { transfer, offset, direction } => {
            resource::transfer3d(r, ctx_id, transfer, *offset, *direction)
        }
        C::CopyTransfer3d { transfer, staging_handle, staging_offset, read_from_host, .. } => {
            resource::copy_transfer3d(
                r,
                ctx_id,
                transfer,
                *staging_handle,
                *staging_offset,
                *read_from_host,
            )
        }
        C::ResourceCopyRegion(c) => resource::copy_region(r, ctx_id, c),
        C::Blit(b) if b.render_condition_enable && !cond::passes(r, ctx_id)? => Ok(()),
        C::Blit(b) => blit::blit(r, ctx_id, b),
        C::ClearTexture(c) => resource::clear_texture(r, ctx_id, c),
        C::PipeResourceCreate(p) => resource::pipe_resource_create(r, ctx_id, p),
        C::PipeResourceSetType(t) => resource::set_type(r, ctx_id, t),
        // Refused in a context in error; skipped under a failing render condition.
        C::DrawVbo(d) => draw::draw_vbo(r, ctx_id, d),
        // Upstream built without video (what the capsets advertise: no video caps) answers
        // every video command with EINVAL (`vrend_unsupported`).
        C::Unimplemented { cmd, .. }
            if (ccmd::CREATE_VIDEO_CODEC..=ccmd::END_FRAME).contains(cmd) =>
        {
            Err(fail(ERROR_CTX_ILLEGAL_CMD_BUFFER, "video commands are not supported"))
        }
        // Everything else is known state the renderer does not execute yet.
        other => {
            let c = command_byte(other);
            skip(r, ctx_id, (c, 0), protocol::command_name(c));
            Ok(())
        }
    }
}

// ---- shared helpers -------------------------------------------------------------------

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
