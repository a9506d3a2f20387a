//! SET_UNIFORM_BUFFER and the buffers a draw reads through its program: uniform blocks
//! and buffer textures (sampler views of `PIPE_BUFFER` resources), resolved to GL buffers
//! for [`crate::backend::gl::buffer_bindings`], which checks the ranges against the
//! buffers' real sizes.
//!
//! Constant buffer 0 is the default uniform block, filled inline by SET_CONSTANT_BUFFER;
//! a buffer bound at index 0 is refused (UNSUPPORTED_FUNCTION, not in error; Mesa's virgl
//! driver sends buffer 0 inline).

use super::draw::gl_resource;
use super::{attached, fail, skip, CmdResult, Fail};
use crate::backend::gl::buffer_bindings::{
    ubo_binding, BufferRange, BufferTextureInput, UniformBlockInput,
};
use crate::backend::gl::GlBackend;
use crate::backend::gl::ProgramId;
use crate::model::protocol::{ccmd, ShaderType};
use crate::model::resource::Target;
use crate::model::shader::TexTarget;
use crate::renderer::context::ERROR_CTX_ILLEGAL_RESOURCE;
use crate::renderer::state::{set_slots, stage_index, Bound, UniformBuffer};
use crate::renderer::{IdMap, Renderer, Resource};

/// SET_UNIFORM_BUFFER (`index` < 32, checked by the decoder). Handle 0 unbinds.
pub(super) fn set_uniform_buffer(
    r: &mut Renderer,
    ctx_id: u32,
    shader_type: ShaderType,
    index: u32,
    offset: u32,
    length: u32,
    res: u32,
) -> CmdResult {
    let item = if res == 0 {
        None
    } else {
        attached(r, ctx_id, res)?;
        if index == 0 {
            skip(r, ctx_id, (ccmd::SET_UNIFORM_BUFFER, 0), "SET_UNIFORM_BUFFER at index 0");
            return Ok(());
        }
        Some(UniformBuffer { res, offset, length })
    };
    let slots = &mut r.context(ctx_id)?.sub().bound.uniform_buffers[stage_index(shader_type)];
    set_slots(slots, index as usize, vec![item]);
    Ok(())
}

/// The GL buffer of an attached buffer resource.
fn buffer(
    gl: &mut GlBackend,
    resources: &mut IdMap<Resource>,
    res: u32,
    offset: u64,
    length: u64,
) -> Result<BufferRange, Fail> {
    let (name, _, desc) = gl_resource(gl, resources, res)?;
    if desc.target != Target::Buffer {
        return Err(fail(ERROR_CTX_ILLEGAL_RESOURCE, format!("resource {res} is not a buffer")));
    }
    Ok(BufferRange { buffer: name, buffer_size: u64::from(desc.width), offset, length })
}

/// Whether `program` reads uniform blocks or buffer textures (else [`bind_for_draw`] has
/// nothing to bind).
pub(super) fn reads_buffers(gl: &GlBackend, program: ProgramId) -> Result<bool, Fail> {
    let info = gl.program_info(program).map_err(super::draw::gl_fail)?;
    Ok(info.stages.iter().any(|s| {
        !s.info.uniform_blocks.is_empty()
            || s.info.samplers.iter().any(|&(_, t, _)| t == TexTarget::Buffer)
    }))
}

/// Binds the uniform blocks and buffer textures `program` reads from what `bound` holds.
pub(super) fn bind_for_draw(
    gl: &mut GlBackend,
    resources: &mut IdMap<Resource>,
    bound: &Bound,
    program: ProgramId,
) -> CmdResult {
    let info = gl.program_info(program).map_err(super::draw::gl_fail)?;
    let mut blocks_wanted = Vec::new();
    let mut textures_wanted = Vec::new();
    for s in &info.stages {
        for &(index, len) in &s.info.uniform_blocks {
            // The program cache refuses programs whose blocks have no binding point.
            if let Some(binding) = ubo_binding(s.stage, index) {
                blocks_wanted.push((
                    super::draw::stage_of(s.stage),
                    index,
                    binding,
                    u64::from(len) * 16,
                ));
            }
        }
        for &(samp, unit) in &s.samplers {
            let buffer_target =
                s.info.samplers.iter().any(|&(i, t, _)| i == samp && t == TexTarget::Buffer);
            if buffer_target {
                textures_wanted.push((super::draw::stage_of(s.stage), samp, unit));
            }
        }
    }
    if blocks_wanted.is_empty() && textures_wanted.is_empty() {
        return Ok(());
    }
    let mut blocks = Vec::with_capacity(blocks_wanted.len());
    for (stage, index, binding, size) in blocks_wanted {
        let ub = bound.uniform_buffers[stage].get(index as usize).copied().flatten();
        let source = match ub {
            Some(u) => Some(buffer(gl, resources, u.res, u.offset.into(), u.length.into())?),
            None => None,
        };
        blocks.push(UniformBlockInput { binding, size, source });
    }
    let mut textures = Vec::with_capacity(textures_wanted.len());
    for (stage, samp, unit) in textures_wanted {
        let view = bound.views[stage].get(samp as usize).cloned().flatten();
        let Some(view) = view.filter(|v| v.gl.target == glow::TEXTURE_BUFFER) else {
            // No buffer view there: fetches read zero (the format is any valid one).
            textures.push(BufferTextureInput { unit, internal_format: glow::RGBA8, source: None });
            continue;
        };
        if samp >= 16 && swizzle(view.gl.swizzle).is_some() {
            return Err(fail(
                ERROR_CTX_ILLEGAL_RESOURCE,
                format!(
                    "buffer view of format {} at sampler {samp} (swizzled ones: below 16)",
                    view.gl.format.name
                ),
            ));
        }
        let Some(storage) = view.gl.format.gl else {
            return Err(fail(
                ERROR_CTX_ILLEGAL_RESOURCE,
                format!(
                    "buffer view of format {}: no GL buffer texture format",
                    view.gl.format.name
                ),
            ));
        };
        let (offset, length) = view.gl.buffer_range.unwrap_or((0, 0));
        let source = buffer(gl, resources, view.res, offset, length)?;
        textures.push(BufferTextureInput {
            unit,
            internal_format: storage.internal,
            source: Some(source),
        });
    }
    gl.bind_uniform_blocks(&blocks).map_err(super::draw::gl_fail)?;
    gl.bind_buffer_textures(&textures).map_err(super::draw::gl_fail)
}

/// A GL swizzle as the translator's per-channel code (0–3 a component, 4 zero, 5 one).
pub(super) fn swizzle_code(sw: [u32; 4]) -> [u8; 4] {
    sw.map(|c| match c {
        glow::RED => 0,
        glow::GREEN => 1,
        glow::BLUE => 2,
        glow::ALPHA => 3,
        glow::ZERO => 4,
        _ => 5,
    })
}

/// A buffer view's swizzle code; `None` for the identity.
fn swizzle(sw: [u32; 4]) -> Option<[u8; 4]> {
    (sw != [glow::RED, glow::GREEN, glow::BLUE, glow::ALPHA]).then(|| swizzle_code(sw))
}

/// The [`crate::model::shader::VariantKey::buffer_swizzle`] of a stage (gallium stage
/// number): the swizzle of each buffer view bound at SAMP 0..16.
pub(super) fn buffer_swizzles(bound: &Bound, stage: usize) -> [Option<[u8; 4]>; 16] {
    let mut out = [None; 16];
    for (i, v) in bound.views[stage].iter().enumerate().take(16) {
        if let Some(v) = v.as_ref().filter(|v| v.gl.target == glow::TEXTURE_BUFFER) {
            out[i] = swizzle(v.gl.swizzle);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::swizzle;

    #[test]
    fn swizzle_codes() {
        assert_eq!(swizzle([glow::RED, glow::GREEN, glow::BLUE, glow::ALPHA]), None);
        assert_eq!(swizzle([glow::ZERO, glow::ZERO, glow::ZERO, glow::RED]), Some([4, 4, 4, 0]));
        assert_eq!(swizzle([glow::BLUE, glow::GREEN, glow::RED, glow::ONE]), Some([2, 1, 0, 5]));
    }
}
