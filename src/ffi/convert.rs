//! Conversions between the C types of the ABI and the core's Rust types, and the VMM's C
//! callbacks behind the core's traits. The core never sees a C struct or calls a C
//! function pointer; this file (with the rest of `ffi/`) is where that happens.

use super::types::*;
use crate::config::InitFlags;
use crate::model::resource::CreateArgs;
use crate::renderer::blob::CoherentArgs;
use crate::renderer::{ResourceInfo, VmmFences};
use std::ffi::c_void;

impl From<&virgl_renderer_resource_create_args> for CreateArgs {
    fn from(a: &virgl_renderer_resource_create_args) -> Self {
        CreateArgs {
            handle: a.handle,
            target: a.target,
            format: a.format,
            bind: a.bind,
            width: a.width,
            height: a.height,
            depth: a.depth,
            array_size: a.array_size,
            last_level: a.last_level,
            nr_samples: a.nr_samples,
            flags: a.flags,
        }
    }
}

impl From<&virgl_renderer_resource_create_coherent_args> for CoherentArgs {
    fn from(a: &virgl_renderer_resource_create_coherent_args) -> Self {
        CoherentArgs {
            res_handle: a.res_handle,
            ctx_id: a.ctx_id,
            target: a.target,
            format: a.format,
            bind: a.bind,
            width: a.width,
            height: a.height,
            flags: a.flags,
        }
    }
}

impl From<ResourceInfo> for virgl_renderer_resource_info {
    fn from(i: ResourceInfo) -> Self {
        virgl_renderer_resource_info {
            handle: i.handle,
            virgl_format: i.virgl_format,
            width: i.width,
            height: i.height,
            depth: i.depth,
            flags: i.flags,
            tex_id: i.tex_id,
            stride: i.stride,
            drm_fourcc: i.drm_fourcc,
            fd: -1,
        }
    }
}

/// The init flags the core acts on.
pub fn init_flags(flags: i32) -> InitFlags {
    InitFlags {
        raw: flags,
        thread_sync: flags & VIRGL_RENDERER_THREAD_SYNC != 0,
        async_fence_cb: flags & VIRGL_RENDERER_ASYNC_FENCE_CB != 0,
        no_virgl: flags & VIRGL_RENDERER_NO_VIRGL != 0,
    }
}

/// The VMM's callbacks (only the fields its `version` covers; the rest NULL) and cookie.
#[derive(Clone, Copy)]
pub struct Callbacks {
    pub raw: virgl_renderer_callbacks,
    pub cookie: usize,
}

// SAFETY: function pointers and a cookie of the VMM; the API contract allows calling them
// from our threads (upstream does the same from its sync thread).
unsafe impl Send for Callbacks {}
// SAFETY: as above; the struct is never written after init.
unsafe impl Sync for Callbacks {}

impl VmmFences for Callbacks {
    fn write_fence(&self, fence_id: u32) {
        if let Some(cb) = self.raw.write_fence {
            // SAFETY: the VMM's callback with the cookie it gave to init.
            unsafe { cb(self.cookie as *mut c_void, fence_id) };
        }
    }

    fn write_context_fence(&self, ctx_id: u32, ring_idx: u32, fence_id: u64) {
        if let Some(cb) = self.raw.write_context_fence {
            // SAFETY: as above.
            unsafe { cb(self.cookie as *mut c_void, ctx_id, ring_idx, fence_id) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::resource::flags;

    /// The core's copies of ABI values agree with the header's.
    #[test]
    fn core_constants_match_the_header() {
        assert_eq!(flags::ZEROCOPY, VIRGL_RENDERER_RESOURCE_FLAG_ZEROCOPY);
    }
}
