//! Queries on the GL backend: BEGIN_QUERY / END_QUERY, GET_QUERY_RESULT, the GL query
//! targets of `VIRGL_QUERY_*`. Each (context, sub-context) draws in a GL context of its
//! own, whose queries count only its draws ([`own_queries`]). A query suspended and
//! resumed keeps the sum of its parts (`partial`).

use super::draw::gl_fail;
use super::{attached, fail, skip, CmdResult, Fail};
use crate::model::protocol::ccmd;
use crate::renderer::context::ERROR_CTX_ILLEGAL_HANDLE;
use crate::renderer::objects::Object;
use crate::renderer::Renderer;

/// `VIRGL_QUERY_*` numbers.
const QUERY_OCCLUSION_COUNTER: u16 = 0;
const QUERY_OCCLUSION_PREDICATE: u16 = 1;
const QUERY_TIMESTAMP: u16 = 2;
const QUERY_TIME_ELAPSED: u16 = 4;
const QUERY_PRIMITIVES_GENERATED: u16 = 5;
const QUERY_PRIMITIVES_EMITTED: u16 = 6;
const QUERY_OCCLUSION_PREDICATE_CONSERVATIVE: u16 = 11;
/// `VIRGL_QUERY_STATE_DONE`.
const QUERY_STATE_DONE: u32 = 1;

fn query_target(t: u16) -> Option<u32> {
    Some(match t {
        QUERY_OCCLUSION_COUNTER => glow::SAMPLES_PASSED,
        QUERY_OCCLUSION_PREDICATE => glow::ANY_SAMPLES_PASSED,
        QUERY_OCCLUSION_PREDICATE_CONSERVATIVE => glow::ANY_SAMPLES_PASSED_CONSERVATIVE,
        QUERY_TIME_ELAPSED => glow::TIME_ELAPSED,
        QUERY_PRIMITIVES_GENERATED => glow::PRIMITIVES_GENERATED,
        QUERY_PRIMITIVES_EMITTED => glow::TRANSFORM_FEEDBACK_PRIMITIVES_WRITTEN,
        QUERY_TIMESTAMP => glow::TIMESTAMP,
        _ => return None,
    })
}

/// The query under `handle` (EINVAL ILLEGAL_HANDLE otherwise).
pub(super) fn query(
    r: &mut Renderer,
    ctx_id: u32,
    handle: u32,
) -> Result<&mut crate::renderer::state::QueryObj, Fail> {
    match r.context(ctx_id)?.sub().objects.get_mut(handle) {
        Some(Object::Query(q)) => Ok(q),
        _ => Err(fail(ERROR_CTX_ILLEGAL_HANDLE, format!("query {handle}: no such query"))),
    }
}

/// Folds a suspended or ended GL query's count into what the pair counted so far.
fn combine(target: u32, partial: u64, more: u64) -> u64 {
    match target {
        glow::ANY_SAMPLES_PASSED | glow::ANY_SAMPLES_PASSED_CONSERVATIVE => {
            u64::from(partial != 0 || more != 0)
        }
        _ => partial.saturating_add(more),
    }
}

/// Makes (`ctx_id`, its current sub-context) the owner of the queries before it draws,
/// clears or begins one. Every sub-context draws in a GL context of its own
/// ([`crate::renderer::subctx_gl`]), whose queries count only its own draws: nothing is
/// suspended or resumed here (a query object must not be used in another context). The
/// owner only lets the draw path take its short way.
pub(super) fn own_queries(r: &mut Renderer, ctx_id: u32) -> CmdResult {
    let sub_id = r.context(ctx_id)?.current_sub;
    r.query_owner = Some((ctx_id, sub_id));
    Ok(())
}

/// BEGIN_QUERY / END_QUERY.
pub(super) fn begin_end_query(
    r: &mut Renderer,
    ctx_id: u32,
    handle: u32,
    begin: bool,
) -> CmdResult {
    let q = query(r, ctx_id, handle)?.clone();
    let Some(target) = query_target(q.query_type) else {
        skip(
            r,
            ctx_id,
            (ccmd::BEGIN_QUERY, q.query_type as u8),
            &format!("query type {}", q.query_type),
        );
        return Ok(());
    };
    if r.backend.gl_mut().is_none() {
        skip(r, ctx_id, (ccmd::BEGIN_QUERY, 0xff), "queries on a backend without GL");
        return Ok(());
    }
    own_queries(r, ctx_id)?;
    // Read again: taking ownership may have resumed this very query.
    let q = query(r, ctx_id, handle)?.clone();
    let gl = r.backend.gl_mut().expect("checked above");
    let (active, begun, partial, result) = if begin {
        if let Some(old) = q.active {
            gl.delete_queries(&[old]);
        }
        if target == glow::TIMESTAMP {
            (None, false, 0, q.result)
        } else {
            (Some(gl.begin_query(target).map_err(gl_fail)?), true, 0, None)
        }
    } else {
        match (q.active, target) {
            (Some(name), _) => {
                let n = gl.end_query(target, name).map_err(gl_fail)?;
                (None, false, 0, Some(combine(target, q.partial, n)))
            }
            (None, glow::TIMESTAMP) => {
                (None, false, 0, Some(gl.end_query(target, 0).map_err(gl_fail)?))
            }
            (None, _) if q.begun => (None, false, 0, Some(q.partial)),
            (None, _) => (None, false, 0, q.result),
        }
    };
    let q = query(r, ctx_id, handle)?;
    (q.active, q.begun, q.partial, q.result) = (active, begun, partial, result);
    Ok(())
}

/// GET_QUERY_RESULT: writes `virgl_host_query_state` (DONE, size, result) into the query's
/// resource — its host storage and its guest backing — once a result exists.
pub(super) fn get_query_result(r: &mut Renderer, ctx_id: u32, handle: u32) -> CmdResult {
    let q = query(r, ctx_id, handle)?.clone();
    let Some(result) = q.result else { return Ok(()) };
    attached(r, ctx_id, q.res)?;
    let predicate =
        matches!(q.query_type, QUERY_OCCLUSION_PREDICATE | QUERY_OCCLUSION_PREDICATE_CONSERVATIVE);
    let result = if predicate { u64::from(result != 0) } else { result };
    let mut bytes = Vec::with_capacity(16);
    bytes.extend_from_slice(&QUERY_STATE_DONE.to_le_bytes());
    bytes.extend_from_slice(&(if predicate { 4u32 } else { 8u32 }).to_le_bytes());
    bytes.extend_from_slice(&result.to_le_bytes());
    let bx = crate::model::transfer::RawBox { x: q.offset, y: 0, z: 0, w: 16, h: 1, d: 1 };
    r.transfer_host(crate::renderer::Direction::ToHost, q.res, ctx_id, 0, 0, 0, bx, &mut bytes)?;
    if r.resources.get(&q.res).is_some_and(|res| res.backing.is_some()) {
        r.transfer(
            crate::renderer::Direction::FromHost,
            q.res,
            ctx_id,
            0,
            0,
            0,
            bx,
            q.offset.into(),
            None,
        )?;
    }
    Ok(())
}
