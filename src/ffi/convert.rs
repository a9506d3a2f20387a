//! Conversions between the C types of the ABI and the core's Rust types. The core never
//! sees a C struct; this file (with `vmm.rs` for the VMM's callbacks) is where they meet.

use super::types::*;
use crate::config::InitFlags;
use crate::model::resource::CreateArgs;
use crate::renderer::blob::CoherentArgs;
use crate::renderer::ResourceInfo;

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
        use_egl: flags & VIRGL_RENDERER_USE_EGL != 0,
        use_gles: flags & VIRGL_RENDERER_USE_GLES != 0,
        thread_sync: flags & VIRGL_RENDERER_THREAD_SYNC != 0,
        async_fence_cb: flags & VIRGL_RENDERER_ASYNC_FENCE_CB != 0,
        no_virgl: flags & VIRGL_RENDERER_NO_VIRGL != 0,
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
