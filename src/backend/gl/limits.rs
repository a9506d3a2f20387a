//! The GL context's drawing limits ([`DrawLimits`]): what the capsets may claim once guest
//! draws are executed. Read once at start-up; the capsets cap them further at what the
//! executor supports (`model::caps`).

use super::raw::RawGl;
use crate::model::caps::level2::set_sample_location;
use crate::model::resource::DrawLimits;
use glow::HasContext;

/// Reads the drawing limits of the current context. GL errors from a query the context
/// does not know leave that limit at zero (nothing claimed) and are drained.
///
/// # Safety
/// A GL context of `gl` must be current on this thread.
pub(super) unsafe fn query(gl: &glow::Context) -> DrawLimits {
    let signed = |p: u32| {
        // SAFETY: a plain state query on the current context (caller's contract).
        unsafe { gl.get_parameter_i32(p) }
    };
    let int = |p: u32| signed(p).max(0) as u32;
    let float = |p: u32| {
        // SAFETY: as `signed`.
        unsafe { gl.get_parameter_f32(p) }
    };
    let range = |p: u32| {
        let mut r = [0.0f32; 2];
        // SAFETY: as `signed`; the range queries write exactly the two elements of `r`.
        unsafe { gl.get_parameter_f32_slice(p, &mut r) };
        r
    };
    // A desktop GL feature: core from version `maj.min`, or the extension `ext`.
    let v = gl.version();
    let has = |maj: u32, min: u32, ext: &str| {
        !v.is_embedded
            && ((v.major, v.minor) >= (maj, min) || gl.supported_extensions().contains(ext))
    };
    let limits = DrawLimits {
        max_draw_buffers: int(glow::MAX_DRAW_BUFFERS).min(int(glow::MAX_COLOR_ATTACHMENTS)),
        max_vertex_attribs: int(glow::MAX_VERTEX_ATTRIBS),
        max_vertex_texture_units: int(glow::MAX_VERTEX_TEXTURE_IMAGE_UNITS),
        max_fragment_texture_units: int(glow::MAX_TEXTURE_IMAGE_UNITS),
        max_combined_texture_units: int(glow::MAX_COMBINED_TEXTURE_IMAGE_UNITS),
        max_vertex_uniform_components: int(glow::MAX_VERTEX_UNIFORM_COMPONENTS),
        max_fragment_uniform_components: int(glow::MAX_FRAGMENT_UNIFORM_COMPONENTS),
        max_vertex_output_components: int(glow::MAX_VERTEX_OUTPUT_COMPONENTS),
        max_fragment_input_components: int(glow::MAX_FRAGMENT_INPUT_COMPONENTS),
        point_size_range: range(glow::POINT_SIZE_RANGE),
        line_width_range: range(glow::ALIASED_LINE_WIDTH_RANGE),
        smooth_line_width_range: if v.is_embedded {
            [1.0, 1.0]
        } else {
            range(glow::SMOOTH_LINE_WIDTH_RANGE)
        },
        max_texture_lod_bias: float(glow::MAX_TEXTURE_LOD_BIAS),
        min_texel_offset: signed(glow::MIN_PROGRAM_TEXEL_OFFSET),
        max_texel_offset: signed(glow::MAX_PROGRAM_TEXEL_OFFSET),
        ubo_offset_alignment: int(glow::UNIFORM_BUFFER_OFFSET_ALIGNMENT),
        max_patch_vertices: int(glow::MAX_PATCH_VERTICES),
        cube_map_array: has(4, 0, "GL_ARB_texture_cube_map_array"),
        stencil_texturing: has(4, 3, "GL_ARB_stencil_texturing")
            && has(4, 4, "GL_ARB_texture_stencil8"),
        // In no core version: the extension only.
        stencil_export: !v.is_embedded
            && gl.supported_extensions().contains("GL_ARB_shader_stencil_export"),
        texture_gather: has(4, 0, "GL_ARB_texture_gather").then(|| {
            (
                signed(glow::MIN_PROGRAM_TEXTURE_GATHER_OFFSET),
                signed(glow::MAX_PROGRAM_TEXTURE_GATHER_OFFSET),
            )
        }),
    };
    // A query this context does not know set an error and left its value at 0.
    super::context::drain_gl_errors(gl);
    limits
}

/// The host's sample positions for 2, 4, 8 and 16 samples (up to `max_samples`), packed
/// for the v2 capset: each count is rendered to once, a 1×1 multisample texture of that
/// many samples, and the positions of its draw framebuffer read back. A count whose
/// framebuffer is incomplete stays zero. Leaves no object, binding or error behind.
///
/// # Safety
/// A GL context of `gl` (and `raw`) must be current on this thread, no draw framebuffer
/// bound.
pub(super) unsafe fn sample_locations(
    gl: &glow::Context,
    raw: &RawGl,
    max_samples: u32,
) -> [u32; 8] {
    let mut locs = [0u32; 8];
    for count in [2u32, 4, 8, 16].into_iter().filter(|&c| c <= max_samples) {
        // SAFETY: context current (caller's contract); the texture and framebuffer are ours,
        // unbound and deleted before the next count; `pos` has the two elements
        // glGetMultisamplefv writes.
        unsafe {
            let (Ok(tex), Ok(fbo)) = (gl.create_texture(), gl.create_framebuffer()) else {
                break;
            };
            let t = glow::TEXTURE_2D_MULTISAMPLE;
            gl.bind_texture(t, Some(tex));
            gl.tex_image_2d_multisample(t, count as i32, glow::RGBA8 as i32, 1, 1, true);
            gl.bind_texture(t, None);
            gl.bind_framebuffer(glow::DRAW_FRAMEBUFFER, Some(fbo));
            gl.framebuffer_texture_2d(
                glow::DRAW_FRAMEBUFFER,
                glow::COLOR_ATTACHMENT0,
                t,
                Some(tex),
                0,
            );
            if gl.check_framebuffer_status(glow::DRAW_FRAMEBUFFER) == glow::FRAMEBUFFER_COMPLETE {
                for i in 0..count {
                    let mut pos = [0.0f32; 2];
                    (raw.get_multisamplefv)(glow::SAMPLE_POSITION, i, pos.as_mut_ptr());
                    set_sample_location(&mut locs, count, i, pos[0], pos[1]);
                }
            } else {
                log::info!(
                    "sample positions of {count} samples not probed: framebuffer incomplete"
                );
            }
            gl.bind_framebuffer(glow::DRAW_FRAMEBUFFER, None);
            gl.delete_framebuffer(fbo);
            gl.delete_texture(tex);
        }
    }
    super::context::drain_gl_errors(gl);
    locs
}
