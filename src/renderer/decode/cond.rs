//! SET_RENDER_CONDITION: draws, clears and blits that ask for it run only when a query's
//! result says so (gallium's `render_condition`).
//!
//! Gallium's rule: with the condition's query result `r` available, rendering happens
//! when `(r == 0) == condition` — `condition` false (GL's normal conditional render)
//! renders when the query counted something, true (GL's inverted modes) when it did not.
//! A result that does not exist (the query never ended, is running again, is of a type
//! this renderer does not run, or its object is gone) renders, as gallium's drivers do
//! when a no-wait query is not ready. Our query results are read synchronously at
//! END_QUERY (see `query::begin_end_query`), so the wait and no-wait modes decide alike;
//! by-region modes are plain ones on a host without tiling.

use super::{log_once, CmdResult, Fail};
use crate::model::protocol::ccmd;
use crate::renderer::objects::Object;
use crate::renderer::state::RenderCondition;
use crate::renderer::Renderer;

/// `PIPE_RENDER_COND_*`: WAIT, NO_WAIT, BY_REGION_WAIT, BY_REGION_NO_WAIT.
pub const MAX_MODE: u32 = 3;

/// SET_RENDER_CONDITION. Handle 0 ends conditional rendering. A handle that names no
/// QUERY object leaves the condition as it was and returns 0, as upstream does; it is
/// logged.
pub(super) fn set(
    r: &mut Renderer,
    ctx_id: u32,
    handle: u32,
    condition: bool,
    mode: u32,
) -> CmdResult {
    let sub = r.context(ctx_id)?.sub();
    if handle == 0 {
        sub.bound.render_condition = None;
        return Ok(());
    }
    if !matches!(sub.objects.get_mut(handle), Some(Object::Query(_))) {
        log_once(
            (ccmd::SET_RENDER_CONDITION, 0),
            &format!("SET_RENDER_CONDITION: {handle} is not a query; condition unchanged"),
        );
        return Ok(());
    }
    if mode > MAX_MODE {
        log_once(
            (ccmd::SET_RENDER_CONDITION, 1),
            &format!("SET_RENDER_CONDITION: mode {mode} unknown; taken as WAIT"),
        );
    }
    sub.bound.render_condition = Some(RenderCondition { query: handle, condition, mode });
    Ok(())
}

/// Whether rendering under gallium's rule happens for `result` (see the module docs).
pub fn renders(result: Option<u64>, condition: bool) -> bool {
    match result {
        Some(r) => (r == 0) == condition,
        None => true,
    }
}

/// Whether the current sub-context's render condition lets a draw, clear or conditional
/// blit run now.
pub(super) fn passes(r: &mut Renderer, ctx_id: u32) -> Result<bool, Fail> {
    // Reads the state only (every draw asks: the draw cache stays valid).
    Ok(sub_passes(r.context(ctx_id)?.sub_unchanged()))
}

/// Whether `sub`'s render condition lets a draw, clear or conditional blit run now.
pub(super) fn sub_passes(sub: &mut crate::renderer::context::SubContext) -> bool {
    let Some(c) = sub.bound.render_condition else { return true };
    let result = match sub.objects.get_mut(c.query) {
        Some(Object::Query(q)) if !q.begun => q.result,
        _ => None,
    };
    renders(result, c.condition)
}

#[cfg(test)]
mod tests {
    use super::renders;

    #[test]
    fn gallium_rule() {
        // GL's normal mode (condition false): render when samples passed.
        assert!(renders(Some(5), false));
        assert!(!renders(Some(0), false));
        // Inverted (condition true): render when nothing passed.
        assert!(renders(Some(0), true));
        assert!(!renders(Some(1), true));
        // No result: render.
        assert!(renders(None, false));
        assert!(renders(None, true));
    }
}
