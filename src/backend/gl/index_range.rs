//! The vertex range of an indexed draw: the guest's indices read back from the index buffer
//! (kept between draws) and checked against it before GL fetches anything.

use super::draw::{buf, IndexInput};
use super::{gi, GlBackend};
use crate::error::{Error, Result};
use crate::model::gl_state::index_range;
use crate::model::protocol::DrawVbo;
use glow::HasContext;

impl GlBackend {
    /// The range of vertices an indexed draw fetches (`None`: nothing but restart
    /// indices), after checking the index range against the index buffer.
    pub(super) fn indexed_range(
        &mut self,
        ix: &IndexInput,
        info: &DrawVbo,
    ) -> Result<Option<(u64, u64)>> {
        // The guest folds the draw's first index into the index buffer's offset (Mesa's
        // virgl driver sends `start * index_size` there, or where it uploaded the
        // indices); the draw's `start` is not added again, as upstream.
        let size = u64::from(ix.index_size);
        let first = ix.offset;
        let len = u64::from(info.count) * size;
        let Some(end) = first.checked_add(len) else {
            return Err(Error::inval("index range overflows"));
        };
        if end > ix.buffer_size {
            return Err(Error::inval(format!(
                "indices {first}..{end} past the index buffer ({} bytes)",
                ix.buffer_size
            )));
        }
        // `len` is at most the buffer's size (checked above).
        let mut bytes = std::mem::take(&mut self.draw.index_bytes);
        bytes.clear();
        bytes.resize(len as usize, 0);
        let offset = gi(first, "index offset");
        let range = offset.and_then(|offset| {
            // SAFETY: context current; `buf` is a live buffer of at least `end` bytes
            // (checked against the resource's size) and `bytes` holds `len` bytes.
            unsafe {
                self.gl.bind_buffer(glow::COPY_READ_BUFFER, buf(ix.buffer));
                self.read_bound_buffer(
                    glow::COPY_READ_BUFFER,
                    offset as isize,
                    bytes.as_mut_ptr(),
                    bytes.len(),
                )?;
            }
            self.check("index readback")?;
            let restart = info.primitive_restart.then_some(info.restart_index);
            Ok(index_range(&bytes, ix.index_size, restart))
        });
        if bytes.capacity() <= 1 << 20 {
            self.draw.index_bytes = bytes;
        }
        let Some((lo, hi)) = range? else {
            return Ok(None);
        };
        let bias = i64::from(info.index_bias);
        let (lo, hi) = (i64::from(lo) + bias, i64::from(hi) + bias);
        if lo < 0 {
            return Err(Error::inval(format!("index {lo} below 0 after the index bias")));
        }
        Ok(Some((lo as u64, hi as u64)))
    }
}
