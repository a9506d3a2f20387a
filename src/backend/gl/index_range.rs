//! The vertex range of an indexed draw: the guest's indices read back from the index buffer
//! (kept between draws) and checked against it before GL fetches anything.
//!
//! The scan of the last indexed draw is remembered ([`IndexScan`]) and serves the next
//! draw with the same buffer, range, index size and restart index, as long as nothing but
//! draws reached the backend since: every entry point other than the draw path's
//! ([`GlBackend::begin`]) forgets it, so a path that writes a buffer cannot be missed, and
//! only the draw path's own calls ([`GlBackend::begin_draw`]) keep it. The draw path itself
//! forgets it after a draw that captures stream output and when it zero-fills a new
//! buffer; a guest write (TRANSFER3D, inline writes, copies, query results, which all go
//! through [`crate::backend::Backend::write`]) forgets it only when it writes the scanned
//! buffer. Buffers the VMM was given ([`IndexInput::private`] false) or a second GL context
//! may write are scanned on every draw.

use super::draw::{buf, IndexInput};
use super::{gi, GlBackend};
use crate::error::{Error, Result};
use crate::model::gl_state::index_range;
use crate::model::protocol::DrawVbo;
use glow::HasContext;

/// The indices one indexed draw scanned and what they held (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct IndexScan {
    buffer: u32,
    offset: u64,
    count: u32,
    index_size: u32,
    restart: Option<u32>,
    /// The lowest and highest index, restart indices left out; `None`: only restarts.
    range: Option<(u32, u32)>,
}

impl IndexScan {
    fn same_indices(&self, ix: &IndexInput, count: u32, restart: Option<u32>) -> bool {
        (self.buffer, self.offset, self.count, self.index_size, self.restart)
            == (ix.buffer, ix.offset, count, ix.index_size, restart)
    }
}

impl GlBackend {
    /// Forgets the remembered index scan when it read `buffer` (0: whatever it read).
    pub(super) fn forget_index_scan(&mut self, buffer: u32) {
        if buffer == 0 || self.draw.index_scan.is_some_and(|s| s.buffer == buffer) {
            self.draw.index_scan = None;
        }
    }

    /// The lowest and highest index the draw reads, restart indices left out (`None`: only
    /// restarts): remembered from the last scan of the same indices, else read back.
    fn scan_indices(
        &mut self,
        ix: &IndexInput,
        info: &DrawVbo,
        first: u64,
        len: u64,
    ) -> Result<Option<(u32, u32)>> {
        let restart = info.primitive_restart.then_some(info.restart_index);
        let memo = ix.private && self.single_context();
        if let Some(s) =
            self.draw.index_scan.filter(|s| memo && s.same_indices(ix, info.count, restart))
        {
            return Ok(s.range);
        }
        self.draw.index_scan = None;
        // `len` is at most the buffer's size (checked by the caller).
        let mut bytes = std::mem::take(&mut self.draw.index_bytes);
        bytes.clear();
        bytes.resize(len as usize, 0);
        let offset = gi(first, "index offset");
        let range = offset.and_then(|offset| {
            // SAFETY: context current; `buf` is a live buffer of at least `first + len`
            // bytes (checked against the resource's size) and `bytes` holds `len` bytes.
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
            Ok(index_range(&bytes, ix.index_size, restart))
        });
        if bytes.capacity() <= 1 << 20 {
            self.draw.index_bytes = bytes;
        }
        let range = range?;
        if memo {
            self.draw.index_scan = Some(IndexScan {
                buffer: ix.buffer,
                offset: ix.offset,
                count: info.count,
                index_size: ix.index_size,
                restart,
                range,
            });
        }
        Ok(range)
    }

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
        let range = self.scan_indices(ix, info, first, len)?;
        let Some((lo, hi)) = range else {
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
