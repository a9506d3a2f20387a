//! PIPE_RESOURCE_SET_TYPE's parser (kept apart from `parse` for its size).

use super::consts::layout as l;
use super::types::PipeResourceSetType;
use super::{inval, Parsed};

/// PIPE_RESOURCE_SET_TYPE: upstream takes the plane count from the length and refuses a
/// length that is not 8 + 2 × planes, or 0 or more than 4 planes (EINVAL).
pub(super) fn parse(p: &[u32]) -> Parsed<PipeResourceSetType> {
    let base = l::SET_TYPE_BASE_SIZE;
    let planes = p.len().saturating_sub(base) / 2;
    if p.len() != base + 2 * planes || planes == 0 || planes > l::SET_TYPE_MAX_PLANES {
        return Err(inval(format!(
            "PIPE_RESOURCE_SET_TYPE: {} payload dwords (want 8 + 2 per plane, 1-4 planes)",
            p.len()
        )));
    }
    let mut out = PipeResourceSetType {
        res_handle: p[0],
        format: p[1],
        bind: p[2],
        width: p[3],
        height: p[4],
        usage: p[5],
        modifier: u64::from(p[6]) | u64::from(p[7]) << 32,
        plane_count: planes as u8,
        planes: [(0, 0); 4],
    };
    for (i, pl) in p[base..].chunks_exact(2).enumerate() {
        out.planes[i] = (pl[0], pl[1]);
    }
    Ok(out)
}
