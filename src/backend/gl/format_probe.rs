//! The render probe at init: every format the table calls renderable is attached, once per
//! GL internal format, to a framebuffer object; the ones whose framebuffer is incomplete
//! are collected so that the capsets do not claim them as render targets. A second probe
//! does the same with multisample storage of the host's sample count
//! ([`no_multisample`]), for `supported_multisample_formats`.

use crate::model::format::{self, FormatSet, Kind};
use glow::HasContext;

/// The attachment point a format of `kind` renders through.
fn attachment(kind: Kind) -> u32 {
    match kind {
        Kind::Depth => glow::DEPTH_ATTACHMENT,
        Kind::Stencil => glow::STENCIL_ATTACHMENT,
        Kind::DepthStencil => glow::DEPTH_STENCIL_ATTACHMENT,
        Kind::Color | Kind::Compressed => glow::COLOR_ATTACHMENT0,
    }
}

/// Whether a 4×4 texture of `internal` (multisample with `samples` > 1 samples) is stored
/// and makes a complete framebuffer at `att`. Leaves no object, binding or error behind.
fn complete(gl: &glow::Context, internal: u32, att: u32, samples: u32) -> bool {
    let t = if samples > 1 { glow::TEXTURE_2D_MULTISAMPLE } else { glow::TEXTURE_2D };
    // SAFETY: context current on this thread (called from `GlBackend::new`); the texture
    // and framebuffer are ours, unbound and deleted before returning, and the errors the
    // probe may raise are drained.
    unsafe {
        let (Ok(tex), Ok(fbo)) = (gl.create_texture(), gl.create_framebuffer()) else {
            return false;
        };
        gl.bind_texture(t, Some(tex));
        if samples > 1 && gl.version().is_embedded {
            // OpenGL ES (3.1+) has only the storage form.
            gl.tex_storage_2d_multisample(t, samples as i32, internal, 4, 4, true);
        } else if samples > 1 {
            // glTexImage2DMultisample is core GL 3.2; the probe runs on every host at
            // init (glTexStorage2DMultisample would need GL 4.3 there).
            gl.tex_image_2d_multisample(t, samples as i32, internal as i32, 4, 4, true);
        } else {
            gl.tex_storage_2d(t, 1, internal, 4, 4);
        }
        let stored = gl.get_error() == glow::NO_ERROR;
        gl.bind_texture(t, None);
        let mut ok = false;
        if stored {
            gl.bind_framebuffer(glow::DRAW_FRAMEBUFFER, Some(fbo));
            gl.framebuffer_texture_2d(glow::DRAW_FRAMEBUFFER, att, t, Some(tex), 0);
            let none = att != glow::COLOR_ATTACHMENT0;
            gl.draw_buffers(&[if none { glow::NONE } else { glow::COLOR_ATTACHMENT0 }]);
            ok = gl.check_framebuffer_status(glow::DRAW_FRAMEBUFFER) == glow::FRAMEBUFFER_COMPLETE;
            gl.bind_framebuffer(glow::DRAW_FRAMEBUFFER, None);
        }
        gl.delete_framebuffer(fbo);
        gl.delete_texture(tex);
        super::context::drain_gl_errors(gl);
        ok
    }
}

/// The table's renderable formats and render candidates that the host cannot render to with
/// `samples` samples (all of them where `samples` is 1: nothing multisamples).
pub(super) fn no_multisample(gl: &glow::Context, samples: u32) -> FormatSet {
    let mut refused = FormatSet::default();
    let mut seen: Vec<(u32, u32, bool)> = Vec::new();
    for f in format::all().iter().filter(|f| f.renderable() || f.render_candidate()) {
        let Some(g) = f.gl else { continue };
        let att = attachment(f.kind);
        let ok = match seen.iter().find(|&&(i, a, _)| (i, a) == (g.internal, att)) {
            Some(&(_, _, ok)) => ok,
            None => {
                let ok = samples > 1 && complete(gl, g.internal, att, samples);
                if !ok && samples > 1 {
                    log::info!(
                        "host GL cannot render to {:#x} with {samples} samples: {} not \
                         claimed multisampled",
                        g.internal,
                        f.name
                    );
                }
                seen.push((g.internal, att, ok));
                ok
            }
        };
        if !ok {
            refused.insert(f.id);
        }
    }
    refused
}

/// The table's renderable formats that the host refuses as render targets, and the render
/// candidates it accepts.
pub(super) fn probe(gl: &glow::Context) -> (FormatSet, FormatSet) {
    let mut refused = FormatSet::default();
    let mut extra = FormatSet::default();
    let mut seen: Vec<(u32, u32, bool)> = Vec::new();
    for f in format::all().iter().filter(|f| f.renderable() || f.render_candidate()) {
        let Some(g) = f.gl else { continue };
        let att = attachment(f.kind);
        let ok = match seen.iter().find(|&&(i, a, _)| (i, a) == (g.internal, att)) {
            Some(&(_, _, ok)) => ok,
            None => {
                let ok = complete(gl, g.internal, att, 1);
                if !ok && f.renderable() {
                    log::info!(
                        "host GL cannot render to {:#x}: {} not claimed",
                        g.internal,
                        f.name
                    );
                }
                seen.push((g.internal, att, ok));
                ok
            }
        };
        if f.renderable() && !ok {
            refused.insert(f.id);
        } else if f.render_candidate() && ok {
            extra.insert(f.id);
        }
    }
    (refused, extra)
}

/// Whether the host's glBlitFramebuffer copies stencil between STENCIL_INDEX8 and
/// DEPTH24_STENCIL8 textures (GL asks for matching formats; Mesa compares the stencil bits
/// only): a 4×4 blit each way without a GL error. Leaves no object, binding or error behind.
pub(super) fn stencil_blit_across_formats(gl: &glow::Context) -> bool {
    let formats = [
        (glow::STENCIL_INDEX8, glow::STENCIL_ATTACHMENT),
        (glow::DEPTH24_STENCIL8, glow::DEPTH_STENCIL_ATTACHMENT),
    ];
    // SAFETY: context current on this thread (called from `GlBackend::new`); the textures
    // and framebuffers are ours, unbound and deleted before returning, and the errors the
    // probe raises are drained.
    unsafe {
        let mut texs = Vec::new();
        let mut fbos = Vec::new();
        let mut ok = true;
        for (internal, att) in formats {
            let (Ok(tex), Ok(fbo)) = (gl.create_texture(), gl.create_framebuffer()) else {
                ok = false;
                break;
            };
            texs.push(tex);
            fbos.push(fbo);
            gl.bind_texture(glow::TEXTURE_2D, Some(tex));
            gl.tex_storage_2d(glow::TEXTURE_2D, 1, internal, 4, 4);
            gl.bind_texture(glow::TEXTURE_2D, None);
            gl.bind_framebuffer(glow::DRAW_FRAMEBUFFER, Some(fbo));
            gl.framebuffer_texture_2d(glow::DRAW_FRAMEBUFFER, att, glow::TEXTURE_2D, Some(tex), 0);
            gl.draw_buffer(glow::NONE);
            gl.read_buffer(glow::NONE);
            ok &= gl.get_error() == glow::NO_ERROR
                && gl.check_framebuffer_status(glow::DRAW_FRAMEBUFFER)
                    == glow::FRAMEBUFFER_COMPLETE;
        }
        if ok && fbos.len() == 2 {
            for (r, d) in [(fbos[0], fbos[1]), (fbos[1], fbos[0])] {
                gl.bind_framebuffer(glow::READ_FRAMEBUFFER, Some(r));
                gl.bind_framebuffer(glow::DRAW_FRAMEBUFFER, Some(d));
                let (b, n) = (glow::STENCIL_BUFFER_BIT, glow::NEAREST);
                gl.blit_framebuffer(0, 0, 4, 4, 0, 0, 4, 4, b, n);
                ok &= gl.get_error() == glow::NO_ERROR;
            }
        }
        gl.bind_framebuffer(glow::READ_FRAMEBUFFER, None);
        gl.bind_framebuffer(glow::DRAW_FRAMEBUFFER, None);
        for f in fbos {
            gl.delete_framebuffer(f);
        }
        for t in texs {
            gl.delete_texture(t);
        }
        super::context::drain_gl_errors(gl);
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::gl::{GlBackend, GlFlags};
    use crate::backend::Backend;

    /// The probe tells formats a framebuffer accepts from ones it refuses, and the backend
    /// reports what it found at init. GL is required on every host (tests/common's policy).
    #[test]
    fn probe_accepts_render_targets_and_refuses_the_rest() {
        let mut be = GlBackend::new(GlFlags::default(), None)
            .unwrap_or_else(|e| panic!("GL backend failed to start (GL is required): {e}"));
        be.begin().unwrap();
        let gl = &be.gl;
        assert!(complete(gl, glow::RGBA8, glow::COLOR_ATTACHMENT0, 1));
        assert!(complete(gl, glow::RGBA16I, glow::COLOR_ATTACHMENT0, 1));
        assert!(complete(gl, glow::DEPTH_COMPONENT32F, glow::DEPTH_ATTACHMENT, 1));
        assert!(complete(gl, glow::DEPTH32F_STENCIL8, glow::DEPTH_STENCIL_ATTACHMENT, 1));
        // Compressed storage never renders; a colour format is no depth buffer.
        assert!(!complete(gl, glow::COMPRESSED_RED_RGTC1, glow::COLOR_ATTACHMENT0, 1));
        assert!(!complete(gl, glow::RGBA8, glow::DEPTH_ATTACHMENT, 1));
        // SAFETY: plain query on the current context.
        assert_eq!(unsafe { gl.get_error() }, glow::NO_ERROR, "the probe left an error");
        let (found, extra) = probe(gl);
        assert_eq!((be.limits().unrenderable, be.limits().render_extra), (found, extra));
        for f in format::all() {
            assert!(!extra.contains(f.id) || f.render_candidate(), "{}", f.name);
        }
        let names: Vec<_> = format::all().iter().filter(|f| extra.contains(f.id)).collect();
        eprintln!(
            "render candidates accepted: {:?}",
            names.iter().map(|f| f.name).collect::<Vec<_>>()
        );
        // A host that renders to RGBA8_SNORM (llvmpipe: GL_EXT_render_snorm) gets it claimed.
        if complete(gl, glow::RGBA8_SNORM, glow::COLOR_ATTACHMENT0, 1) {
            assert!(extra.contains(77), "R8G8B8A8_SNORM");
        }
        let samples = be.limits().max_samples;
        // Multisample storage of the host's sample count: RGBA8 and depth take it, as GL
        // 3.2 requires; with one sample nothing is claimed multisampled.
        assert!(samples >= 4, "GL 3.3 hosts multisample 4x at least: {samples}");
        assert!(complete(gl, glow::RGBA8, glow::COLOR_ATTACHMENT0, samples));
        assert!(complete(gl, glow::DEPTH24_STENCIL8, glow::DEPTH_STENCIL_ATTACHMENT, 4));
        assert!(!complete(gl, glow::COMPRESSED_RED_RGTC1, glow::COLOR_ATTACHMENT0, 4));
        // SAFETY: plain query on the current context.
        assert_eq!(unsafe { gl.get_error() }, glow::NO_ERROR, "the probe left an error");
        let ms = no_multisample(gl, samples);
        assert_eq!(be.limits().no_multisample, ms);
        assert!(!ms.contains(format::R8G8B8A8_UNORM) && !ms.contains(format::S8_UINT_Z24_UNORM));
        assert!(no_multisample(gl, 1).contains(format::R8G8B8A8_UNORM));
        // Render candidates the host multisamples are probed too (llvmpipe: SNORM).
        if complete(gl, glow::RGBA8_SNORM, glow::COLOR_ATTACHMENT0, samples) {
            assert!(!ms.contains(77), "R8G8B8A8_SNORM");
        } else {
            assert!(ms.contains(77), "R8G8B8A8_SNORM");
        }
        // The sample positions of 4 samples were read (never all at the pixel's corner).
        assert_ne!(be.limits().sample_locations[1], 0);
        // Every format the table calls renderable is required renderable by GL 4.x core
        // (RGB565: ES compatibility), so a GL 4.x driver refuses none of them.
        let v = gl.version();
        if (v.major, v.minor) >= (4, 2) {
            assert!(found.is_empty(), "{found:?}");
        }
    }
}
