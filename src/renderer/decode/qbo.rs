//! GET_QUERY_RESULT_QBO: a query's result (or its availability) written into a buffer
//! resource at a byte offset (gallium's `get_query_result_resource`, GL's query buffer
//! objects).
//!
//! Our query results are read synchronously at END_QUERY, so a result is available as soon
//! as the query has ended; `wait` changes nothing. Index -1 asks for the availability (1 or
//! 0); an index ≥ 0 for the result (every query type this renderer runs has one value).
//! The value is written as `result_type` (`PIPE_QUERY_TYPE_I32`, `U32`, `I64`, `U64`),
//! saturated to the type's maximum as gallium's drivers do; a result that is not available
//! writes nothing (GL's QUERY_RESULT_NO_WAIT; with a wait the guest's GL has already
//! refused to ask for a query that never ended).
//!
//! The target must be a buffer attached to the context, the write inside its real size.

use super::{attached, fail, CmdResult};
use crate::model::protocol::QueryResultQbo;
use crate::model::resource::Target;
use crate::model::transfer::RawBox;
use crate::renderer::context::{ERROR_CTX_ILLEGAL_CMD_BUFFER, ERROR_CTX_ILLEGAL_RESOURCE};
use crate::renderer::{Direction, Renderer};

/// `PIPE_QUERY_TYPE_*`.
const TYPE_I32: u32 = 0;
const TYPE_U32: u32 = 1;
const TYPE_I64: u32 = 2;
const TYPE_U64: u32 = 3;

/// The bytes to write for `value` as `result_type`: little-endian, saturated. `None` for
/// an unknown type.
pub fn encode(value: u64, result_type: u32) -> Option<Vec<u8>> {
    Some(match result_type {
        TYPE_I32 => (value.min(i32::MAX as u64) as u32).to_le_bytes().to_vec(),
        TYPE_U32 => (value.min(u64::from(u32::MAX)) as u32).to_le_bytes().to_vec(),
        TYPE_I64 => value.min(i64::MAX as u64).to_le_bytes().to_vec(),
        TYPE_U64 => value.to_le_bytes().to_vec(),
        _ => return None,
    })
}

/// Whether `len` bytes at `offset` fit in a buffer of `width` bytes.
pub fn fits(offset: u32, len: usize, width: u32) -> bool {
    u64::from(offset).checked_add(len as u64).is_some_and(|end| end <= u64::from(width))
}

/// GET_QUERY_RESULT_QBO.
pub(super) fn get_query_result_qbo(r: &mut Renderer, ctx_id: u32, a: &QueryResultQbo) -> CmdResult {
    let result = super::query::query(r, ctx_id, a.handle)?.result;
    if a.index < -1 {
        return Err(fail(
            ERROR_CTX_ILLEGAL_CMD_BUFFER,
            format!("GET_QUERY_RESULT_QBO: result index {}", a.index),
        ));
    }
    let value = if a.index == -1 { Some(u64::from(result.is_some())) } else { result };
    let Some(bytes) = encode(value.unwrap_or(0), a.result_type) else {
        return Err(fail(
            ERROR_CTX_ILLEGAL_CMD_BUFFER,
            format!("GET_QUERY_RESULT_QBO: result type {}", a.result_type),
        ));
    };
    attached(r, ctx_id, a.qbo_handle)?;
    let desc = r.resources.get(&a.qbo_handle).map(|res| res.desc);
    let Some(desc) = desc.filter(|d| d.target == Target::Buffer) else {
        return Err(fail(
            ERROR_CTX_ILLEGAL_RESOURCE,
            format!("GET_QUERY_RESULT_QBO: resource {} is not a buffer", a.qbo_handle),
        ));
    };
    if !fits(a.offset, bytes.len(), desc.width) {
        return Err(fail(
            ERROR_CTX_ILLEGAL_RESOURCE,
            format!(
                "GET_QUERY_RESULT_QBO: {} bytes at {} past buffer {} ({} bytes)",
                bytes.len(),
                a.offset,
                a.qbo_handle,
                desc.width
            ),
        ));
    }
    if value.is_none() {
        return Ok(());
    }
    let mut bytes = bytes;
    let bx = RawBox { x: a.offset, y: 0, z: 0, w: bytes.len() as u32, h: 1, d: 1 };
    r.transfer_host(Direction::ToHost, a.qbo_handle, ctx_id, 0, 0, 0, bx, &mut bytes)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_saturate_to_the_type() {
        assert_eq!(encode(7, TYPE_I32).unwrap(), 7u32.to_le_bytes());
        assert_eq!(encode(u64::MAX, TYPE_I32).unwrap(), (i32::MAX as u32).to_le_bytes());
        assert_eq!(encode(1 << 40, TYPE_U32).unwrap(), u32::MAX.to_le_bytes());
        assert_eq!(encode(u64::MAX, TYPE_I64).unwrap(), (i64::MAX as u64).to_le_bytes());
        assert_eq!(encode(u64::MAX, TYPE_U64).unwrap(), u64::MAX.to_le_bytes());
        assert!(encode(1, 4).is_none());
    }

    #[test]
    fn bounds_use_the_real_size() {
        assert!(fits(12, 4, 16));
        assert!(!fits(13, 4, 16));
        assert!(!fits(u32::MAX, 8, u32::MAX));
        assert!(fits(0, 8, 8));
    }
}
