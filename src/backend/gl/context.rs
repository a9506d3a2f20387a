//! Starting the backend (EGL platform, GL entry points, limits, fence syncs, GBM) and the
//! plumbing every GL call relies on: making the context current, GL error checks.

use super::egl::Platform;
use super::raw::RawGl;
use super::{sync, GlBackend, GlFlags, Readback, VmmGl};
use crate::backend::MaxSizes;
use crate::error::{Error, Result};
use crate::model::format::{FormatSet, GlFormat};
use crate::model::resource::ResourceDesc;
use glow::HasContext;
use std::cell::Cell;
use std::collections::HashMap;
use std::num::NonZeroU32;

impl GlBackend {
    /// Starts EGL + GL on the first platform that works (see [`super::egl`]); `flags` say
    /// how the VMM asked for GL, `vmm` answers for the VMM's GL callbacks when it gave any.
    pub fn new(flags: GlFlags, vmm: Option<Box<dyn VmmGl>>) -> Result<Self> {
        // The VMM's DRM fd (owned by us): the GBM platform and allocator use dups of it; this
        // one closes when `new` returns.
        let drm_fd = vmm.as_deref().and_then(|v| v.take_drm_fd());
        let mut platform = Platform::new(flags.use_egl, flags.api(), vmm, drm_fd.as_ref())?;
        // SAFETY: a context is current on this thread (Platform::new) and the loader returns
        // entry points of that GL implementation.
        let gl = unsafe { glow::Context::from_loader_function(|n| platform.proc_address(n)) };
        let v = gl.version();
        let (major, minor) = (v.major, v.minor);
        let exts = gl.supported_extensions().clone();
        let es = if v.is_embedded {
            // The VMM may hand out an ES context without USE_GLES (and a desktop one with
            // it): the context we got decides.
            super::gles::EsHost::check(&gl, (major, minor), &exts, platform.name)?
        } else {
            if (major, minor) < (3, 3) {
                return Err(Error::notsup(format!(
                    "{} gives GL {major}.{minor}; desktop GL 3.3 core or newer is needed",
                    platform.name
                )));
            }
            if flags.use_gles {
                log::warn!("USE_GLES asked for OpenGL ES, but {} gave desktop GL", platform.name);
            }
            None
        };
        let has = |maj: u32, min: u32, ext: &str| match es {
            Some(es) => es.has(ext, &exts),
            None => (major, minor) >= (maj, min) || exts.contains(ext),
        };
        if es.is_none() && !has(4, 2, "GL_ARB_texture_storage") {
            return Err(Error::notsup("GL lacks glTexStorage (4.2 / ARB_texture_storage)"));
        }
        let raw = RawGl::load(&mut |n| platform.proc_address(n), &has, es.is_some())?;
        // SAFETY: plain queries on the current context.
        let (renderer, version, limits) = unsafe {
            let get = |p| gl.get_parameter_i32(p).max(0) as u32;
            let samples = get(glow::MAX_SAMPLES)
                .min(get(glow::MAX_COLOR_TEXTURE_SAMPLES))
                .min(get(glow::MAX_DEPTH_TEXTURE_SAMPLES))
                .max(1);
            let limits = MaxSizes {
                max_texture_2d: get(glow::MAX_TEXTURE_SIZE),
                max_texture_3d: get(glow::MAX_3D_TEXTURE_SIZE),
                max_cube: get(glow::MAX_CUBE_MAP_TEXTURE_SIZE),
                max_array_layers: get(glow::MAX_ARRAY_TEXTURE_LAYERS),
                max_samples: samples,
                max_buffer: u32::MAX as u64,
                draw: super::limits::query(&gl),
                unrenderable: FormatSet::default(),
                render_extra: FormatSet::default(),
                no_multisample: super::format_probe::no_multisample(&gl, samples),
                ..MaxSizes::default()
            };
            let mut limits = limits;
            (limits.unrenderable, limits.render_extra) = super::format_probe::probe(&gl);
            limits.sample_locations = super::limits::sample_locations(&gl, &raw, samples);
            if let Some(es) = es {
                es.adjust_limits(&gl, &mut limits);
            }
            (
                gl.get_parameter_string(glow::RENDERER),
                gl.get_parameter_string(glow::VERSION),
                limits,
            )
        };
        let pack_invert = exts.contains("GL_MESA_pack_invert");
        let srgb_decode = exts.contains("GL_EXT_texture_sRGB_decode");
        let stencil_blit_across_formats = super::format_probe::stencil_blit_across_formats(&gl);
        match es {
            Some(es) => log::info!(
                "GL backend on {}: {renderer}, OpenGL ES {}.{} context ({version})",
                platform.name,
                es.version.0,
                es.version.1
            ),
            None => log::info!("GL backend on {}: {renderer}, OpenGL {version}", platform.name),
        }
        log::debug!("GL limits {limits:?}, GL_MESA_pack_invert {pack_invert}");
        let mut be = GlBackend {
            gl,
            raw,
            es,
            limits,
            readback: Readback::Auto,
            pack_invert,
            srgb_decode,
            stencil_blit_across_formats,
            staging: Vec::new(),
            unpack: Cell::new(None),
            pack: Cell::new(None),
            fbo: None,
            multi_context: false,
            gbm: None,
            gbm_textures: HashMap::new(),
            sync: None,
            recycled: std::collections::VecDeque::new(),
            recycled_bytes: 0,
            exposures: 0,
            programs: super::program::ProgramCache::new(),
            draw: super::draw::DrawObjects::default(),
            want: super::egl::Want::Any,
            slot: platform.active_slot(),
            parked: HashMap::new(),
            platform,
        };
        be.sync = be
            .platform
            .egl_handles()
            .and_then(|(egl, display, _)| sync::SyncFns::load(egl, display));
        log::debug!(
            "fence syncs: {}",
            if be.sync.is_some() { "EGL_KHR_fence_sync" } else { "glFinish" }
        );
        be.gbm = be.probe_gbm(drm_fd.as_ref());
        Ok(be)
    }

    /// The EGL platform in use ("egl-surfaceless", "vmm-gl-context", …).
    pub fn platform_name(&self) -> &'static str {
        self.platform.name
    }

    /// The OpenGL ES context's version and extensions; `None` on desktop GL.
    pub fn gles(&self) -> Option<super::gles::EsHost> {
        self.es
    }

    /// Forces a readback path (tests); `Readback::Auto` restores the default.
    pub fn set_readback(&mut self, path: Readback) {
        self.readback = path;
    }

    /// True while this backend has only ever used one GL context, so that GL state it set
    /// earlier (pixel-store values, its framebuffer object) is still there: only this
    /// backend issues GL calls in its context. Once a second (shared) context was seen this
    /// stays false, and such state is set on every call instead.
    pub(super) fn single_context(&self) -> bool {
        !self.multi_context && !self.platform.is_shared()
    }

    /// Reads GL errors until none is left (at most 16; one call when there is none).
    pub(super) fn drain_errors(&self) {
        drain_gl_errors(&self.gl);
    }

    /// Fails with ENOMEM/EINVAL when GL recorded an error during `what`.
    pub(super) fn check(&self, what: impl std::fmt::Display) -> Result<()> {
        // SAFETY: the context is current.
        let e = unsafe { self.gl.get_error() };
        if e != glow::NO_ERROR {
            // Drain any further errors so the next call starts clean.
            self.drain_errors();
        }
        match e {
            glow::NO_ERROR => Ok(()),
            glow::OUT_OF_MEMORY => Err(Error::nomem(format!("{what}: GL out of memory"))),
            e => Err(Error::inval(format!("{what}: GL error {e:#x}"))),
        }
    }

    pub(super) fn glfmt(desc: &ResourceDesc) -> Result<GlFormat> {
        desc.format
            .gl
            .ok_or_else(|| Error::inval(format!("format {} has no GL storage", desc.format.name)))
    }

    pub(super) fn texture(name: u32) -> Option<glow::NativeTexture> {
        NonZeroU32::new(name).map(glow::NativeTexture)
    }

    /// Makes writes visible to the other threads' shared contexts.
    pub(super) fn finish_if_shared(&self) {
        if self.platform.is_shared() {
            // SAFETY: context current.
            unsafe { self.gl.finish() };
        }
    }
}

/// Reads GL's pending errors away, at most 16 (a lost context reports one forever).
pub(super) fn drain_gl_errors(gl: &glow::Context) {
    for _ in 0..16 {
        // SAFETY: called with `gl`'s context current; glGetError has no preconditions.
        if unsafe { gl.get_error() } == glow::NO_ERROR {
            break;
        }
    }
}
