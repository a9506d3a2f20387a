//! Recycling: destroyed textures that never left the library are kept (within limits)
//! for the next resource of exactly the same shape, and zero-filled again before use.

use super::storage::gl_target;
use super::{GlBackend, GlStorage};
use crate::model::resource::{ResourceDesc, Target};
use crate::model::transfer;
use glow::HasContext;
use std::num::NonZeroU32;

/// What must match for a destroyed resource's GL object to serve a new resource: everything
/// the create path reads from the description.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Shape {
    target: u32,
    format: u32,
    width: u32,
    height: u32,
    depth: u32,
    array_size: u32,
    last_level: u32,
    nr_samples: u32,
    flags: u32,
}

impl Shape {
    fn of(desc: &ResourceDesc) -> Self {
        Shape {
            target: gl_target(desc),
            format: desc.format.id,
            width: desc.width,
            height: desc.height,
            depth: desc.depth,
            array_size: desc.array_size,
            last_level: desc.last_level,
            nr_samples: desc.nr_samples,
            flags: desc.flags,
        }
    }
}

/// A GL object kept after its resource was destroyed, for the next resource of its shape.
pub(super) struct Recycled {
    shape: Shape,
    pub(super) st: GlStorage,
    bytes: u64,
}

/// At most this many destroyed textures are kept for reuse ([`GlBackend::recycle`]) …
pub(super) const RECYCLE_MAX_OBJECTS: usize = 8;

/// … holding at most this many bytes in all, …
pub(super) const RECYCLE_MAX_BYTES: u64 = 32 << 20;

/// … each at most this large.
const RECYCLE_MAX_ONE: u64 = 4 << 20;

impl GlBackend {
    /// Bytes of storage `desc` needs, roughly (every level counted as level 0's size when
    /// there are mipmaps); saturates instead of overflowing.
    fn storage_bytes(desc: &ResourceDesc) -> u64 {
        let (w, h, d) = transfer::level_extent(desc, 0);
        let fmt = desc.format;
        let level0 = fmt
            .stride(w)
            .saturating_mul(fmt.nblocksy(h))
            .saturating_mul(d.max(1) as u64)
            .saturating_mul(desc.nr_samples.max(1) as u64);
        level0.saturating_mul(if desc.last_level > 0 { 2 } else { 1 })
    }

    /// A kept object of `desc`'s shape, to be zero-filled before use; `None` if there is none.
    pub(super) fn reuse(&mut self, desc: &ResourceDesc) -> Option<GlStorage> {
        let shape = Shape::of(desc);
        let i = self.recycled.iter().position(|r| r.shape == shape)?;
        let r = self.recycled.remove(i)?;
        self.recycled_bytes -= r.bytes;
        Some(GlStorage { clear_pending: true, exposed: false, ..r.st })
    }

    /// Keeps a destroyed resource's texture for the next resource of the same shape when it
    /// never left the library, is small and not a GBM bo; deletes it (and the oldest kept
    /// ones beyond the limits) otherwise — buffers are always deleted. Creating and deleting
    /// GL objects is most of the cost of short-lived resources (cursors, small surfaces); a
    /// kept object is zero-filled before it is used again, so nothing of the old resource
    /// shows through.
    pub(super) fn recycle(&mut self, desc: &ResourceDesc, st: GlStorage) {
        let bytes = Self::storage_bytes(desc);
        let keep = !st.exposed
            && desc.target != Target::Buffer
            && bytes <= RECYCLE_MAX_ONE
            && !self.gbm_textures.contains_key(&st.name);
        let mut doomed = Vec::new();
        if keep {
            self.recycled_bytes += bytes;
            self.recycled.push_back(Recycled { shape: Shape::of(desc), st, bytes });
            while self.recycled.len() > RECYCLE_MAX_OBJECTS
                || self.recycled_bytes > RECYCLE_MAX_BYTES
            {
                let Some(old) = self.recycled.pop_front() else { break };
                self.recycled_bytes -= old.bytes;
                doomed.push(old.st);
            }
        } else {
            doomed.push(st);
        }
        if doomed.is_empty() {
            return;
        }
        if let Err(e) = self.begin() {
            // Without the context nothing can be deleted; the objects die with it.
            log::warn!("GL object deletion skipped: {}", e.msg);
            return;
        }
        for st in doomed {
            self.delete_object(st);
        }
    }

    /// Deletes a texture or buffer (and a GBM texture's bo and EGLImage). The context must
    /// be current.
    pub(super) fn delete_object(&mut self, st: GlStorage) {
        // SAFETY: context current; the object was created by this backend and is deleted once
        // (the storage is consumed).
        unsafe {
            if st.target == 0 {
                if let Some(b) = NonZeroU32::new(st.name) {
                    self.gl.delete_buffer(glow::NativeBuffer(b));
                }
            } else if let Some(t) = Self::texture(st.name) {
                self.gl.delete_texture(t);
            }
        }
        if st.target != 0 {
            if let Some(g) = self.gbm_textures.remove(&st.name) {
                self.destroy_egl_image(g.image);
                drop(g.bo);
            }
        }
    }
}
