//! Buffer transfers: glBufferSubData / glGetBufferSubData straight from or into guest
//! memory when one iovec holds the range, else through staging.

use super::staging::gather;
use super::{usize_of, GlBackend, GlStorage};
use crate::error::Result;
use crate::model::transfer::Plan;
use crate::sys::iov::IovList;
use glow::HasContext;
use std::num::NonZeroU32;

impl GlBackend {
    pub(super) fn write_buffer(
        &mut self,
        st: &GlStorage,
        plan: &Plan,
        src: &IovList,
    ) -> Result<()> {
        let len = plan.row_bytes;
        if let Some(p) = src.contiguous(plan.guest.offset, len) {
            // SAFETY: `contiguous` checked that one iovec holds the `row_bytes` bytes at `p`.
            return unsafe { self.buffer_sub_data(st, plan, p.cast_const()) };
        }
        let n = usize_of(len, "buffer range")?;
        let mut buf = self.take_staging(len)?;
        // `gather` overwrites all of `buf[..n]`, the only part uploaded.
        let res = gather(plan, false, src, &mut buf[..n]).and_then(|_| {
            // SAFETY: `buf` holds at least `n` = `row_bytes` bytes.
            unsafe { self.buffer_sub_data(st, plan, buf.as_ptr()) }
        });
        self.put_staging(buf);
        res
    }

    /// glBufferSubData of the plan's range from `ptr`.
    ///
    /// # Safety
    /// `ptr` must be valid for reads of `plan.row_bytes` bytes.
    unsafe fn buffer_sub_data(&self, st: &GlStorage, plan: &Plan, ptr: *const u8) -> Result<()> {
        let t = glow::COPY_WRITE_BUFFER;
        let (off, len) = (plan.bx.x as isize, plan.row_bytes);
        // SAFETY: context current, buffer ours; `ptr` holds `len` readable bytes (caller's
        // contract: one guest iovec range checked by `contiguous`, or the staging copy);
        // [x, x+len) lies in the buffer (plan validated the box against the width).
        unsafe {
            self.gl.bind_buffer(t, NonZeroU32::new(st.name).map(glow::NativeBuffer));
            (self.raw.buffer_sub_data)(t, off, len as isize, ptr.cast());
            self.gl.bind_buffer(t, None);
        }
        self.check("glBufferSubData")
    }

    pub(super) fn read_buffer(&mut self, st: &GlStorage, plan: &Plan, dst: &IovList) -> Result<()> {
        let len = plan.row_bytes;
        if let Some(p) = dst.contiguous(plan.guest.offset, len) {
            // SAFETY: `contiguous` checked that one iovec holds the `row_bytes` bytes at `p`.
            return unsafe { self.get_buffer_sub_data(st, plan, p) };
        }
        let n = usize_of(len, "buffer range")?;
        let mut buf = self.take_staging(len)?;
        // glGetBufferSubData fills all of `buf[..n]` when it succeeds; only then is it copied.
        // SAFETY: `buf` holds at least `n` = `row_bytes` bytes.
        let res = unsafe { self.get_buffer_sub_data(st, plan, buf.as_mut_ptr()) }
            .and_then(|_| dst.write(plan.guest.offset, &buf[..n]));
        self.put_staging(buf);
        res
    }

    /// glGetBufferSubData of the plan's range into `ptr`.
    ///
    /// # Safety
    /// `ptr` must be valid for writes of `plan.row_bytes` bytes.
    unsafe fn get_buffer_sub_data(&self, st: &GlStorage, plan: &Plan, ptr: *mut u8) -> Result<()> {
        let t = glow::COPY_READ_BUFFER;
        let (off, len) = (plan.bx.x as isize, plan.row_bytes);
        // SAFETY: context current, buffer ours; `ptr` has room for `len` bytes (caller's
        // contract: one guest iovec range checked by `contiguous`, or the staging buffer);
        // [x, x+len) is inside the buffer.
        let res = unsafe {
            self.gl.bind_buffer(t, NonZeroU32::new(st.name).map(glow::NativeBuffer));
            let res = self.read_bound_buffer(t, off, ptr, len as usize);
            self.gl.bind_buffer(t, None);
            res
        };
        res?;
        self.check("glGetBufferSubData")
    }
}

/// The GL type of indices `size` bytes wide.
pub(super) fn index_type(size: u32) -> u32 {
    match size {
        1 => glow::UNSIGNED_BYTE,
        2 => glow::UNSIGNED_SHORT,
        _ => glow::UNSIGNED_INT,
    }
}
