//! Textures and sampler objects a draw binds (see [`super::draw`]).

use super::draw::TextureInput;
use super::program::ProgramId;
use super::GlBackend;
use crate::error::{Error, Result};
use crate::model::gl_state::{SamplerStateGl, GL_CLAMP};
use glow::HasContext;

/// Sampler objects kept at most (all are deleted when the cache is full).
const MAX_SAMPLERS: usize = 4096;

fn sampler_key(s: &SamplerStateGl) -> [u32; 16] {
    [
        s.wrap[0],
        s.wrap[1],
        s.wrap[2],
        s.min_filter,
        s.mag_filter,
        s.lod_bias.to_bits(),
        s.min_lod.to_bits(),
        s.max_lod.to_bits(),
        s.compare_mode,
        s.compare_func,
        s.border_color[0],
        s.border_color[1],
        s.border_color[2],
        s.border_color[3],
        s.max_anisotropy.to_bits(),
        // The sRGB decode mode (`sampler_object`).
        0,
    ]
}

/// `GL_TEXTURE_SWIZZLE_RGBA` that leaves the channels as they are.
const IDENTITY: [i32; 4] =
    [glow::RED as i32, glow::GREEN as i32, glow::BLUE as i32, glow::ALPHA as i32];

/// GL_EXT_texture_sRGB_decode's sampler parameter and its skip value.
const TEXTURE_SRGB_DECODE_EXT: u32 = 0x8A48;
const SKIP_DECODE_EXT: u32 = 0x8A4A;

/// Core GL has no `GL_CLAMP`: clamp to the edge (the same for nearest filtering).
fn core_wrap(w: u32) -> i32 {
    (if w == GL_CLAMP { glow::CLAMP_TO_EDGE } else { w }) as i32
}

impl GlBackend {
    /// Textures and sampler objects for the program's samplers. A draw under the stamp of
    /// the draw that bound them (`stamp`: the same program and textures, see
    /// [`super::draw::DrawCall::stamp`]) binds nothing while only draws ran since: the
    /// bindings, texture parameters and samplers are still those (checked inline: the
    /// common case of a steady draw loop).
    #[inline]
    pub(super) fn bind_textures(
        &mut self,
        program: ProgramId,
        textures: &[TextureInput],
        stamp: u64,
    ) -> Result<()> {
        if stamp != 0 && self.draw.textures_stamp == stamp && self.single_context() {
            return Ok(());
        }
        self.bind_textures_again(program, textures, stamp)
    }

    fn bind_textures_again(
        &mut self,
        program: ProgramId,
        textures: &[TextureInput],
        stamp: u64,
    ) -> Result<()> {
        self.draw.textures_stamp = 0;
        if textures.is_empty() && self.draw.seamless == Some(false) && self.single_context() {
            // Nothing to bind, seamless filtering off and texture unit 0 active already.
            self.draw.textures_stamp = stamp;
            return Ok(());
        }
        self.draw.seamless = None;
        let shadow_units = self.shadow_units(program)?;
        let stencil_texturing = self.limits.draw.stencil_texturing;
        if !stencil_texturing && textures.iter().any(|t| t.view.stencil) {
            log::warn!("stencil sampler view refused: the host has no GL_ARB_stencil_texturing");
            return Err(Error::notsup("stencil texturing (GL 4.3 / GL_ARB_stencil_texturing)"));
        }
        let mut seamless = false;
        for t in textures {
            // sRGB storage through a linear view (the guest's GL_SKIP_DECODE_EXT, which Mesa
            // sends as a view in the linear twin format) samples the stored values: a
            // sampler object's decode mode overrides the texture's, so it is the sampler's.
            let multisample = matches!(
                t.view.target,
                glow::TEXTURE_2D_MULTISAMPLE | glow::TEXTURE_2D_MULTISAMPLE_ARRAY
            );
            let skip_decode =
                t.srgb_storage && !t.view.format.is_srgb() && self.srgb_decode && !multisample;
            let sampler = match &t.sampler {
                Some(s) => {
                    seamless |= s.seamless_cube_map;
                    Some(self.sampler_object(s, skip_decode)?)
                }
                None => None,
            };
            let v = &t.view;
            let gl = &self.gl;
            // SAFETY: context current; `t.name` is a live texture whose target is
            // `v.target` (the view of the resource's own target); parameters are valid.
            unsafe {
                gl.active_texture(glow::TEXTURE0 + t.unit);
                gl.bind_texture(v.target, Self::texture(t.name));
                gl.bind_sampler(t.unit, sampler);
                if v.target != glow::TEXTURE_BUFFER {
                    // A depth view read by a shadow sampler: the translated shader applies
                    // the view's swizzle to the comparison result (the variant key's
                    // shadow_swizzle), while GL would swizzle the result's first component
                    // away (DEPTH_TEXTURE_MODE alpha: ZERO).
                    let sw = if shadow_units.contains(&t.unit) && v.format.is_depth_or_stencil() {
                        IDENTITY
                    } else {
                        v.swizzle.map(|s| s as i32)
                    };
                    // Setting the swizzle makes Mesa rebuild the texture's sampler views
                    // at the next draw even when it is unchanged (~1.5k instructions a
                    // texture per draw under llvmpipe); reading it first costs little.
                    let now = [
                        glow::TEXTURE_SWIZZLE_R,
                        glow::TEXTURE_SWIZZLE_G,
                        glow::TEXTURE_SWIZZLE_B,
                        glow::TEXTURE_SWIZZLE_A,
                    ]
                    .map(|p| gl.get_tex_parameter_i32(v.target, p));
                    if now != sw {
                        gl.tex_parameter_i32_slice(v.target, glow::TEXTURE_SWIZZLE_RGBA, &sw);
                    }
                    // Depth/stencil storage: a stencil view samples the stencil, any other
                    // the depth (GL_ARB_stencil_texturing; without it GL samples depth).
                    if t.depth_stencil_storage && stencil_texturing {
                        let mode =
                            if v.stencil { glow::STENCIL_INDEX } else { glow::DEPTH_COMPONENT };
                        gl.tex_parameter_i32(
                            v.target,
                            glow::DEPTH_STENCIL_TEXTURE_MODE,
                            mode as i32,
                        );
                    }
                    if !matches!(
                        v.target,
                        glow::TEXTURE_2D_MULTISAMPLE | glow::TEXTURE_2D_MULTISAMPLE_ARRAY
                    ) {
                        gl.tex_parameter_i32(
                            v.target,
                            glow::TEXTURE_BASE_LEVEL,
                            v.base_level as i32,
                        );
                        gl.tex_parameter_i32(v.target, glow::TEXTURE_MAX_LEVEL, v.max_level as i32);
                    }
                }
            }
        }
        // SAFETY: context current.
        unsafe {
            // OpenGL ES 3 filters cube maps seamlessly, always.
            if self.es.is_some() {
            } else if seamless {
                self.gl.enable(glow::TEXTURE_CUBE_MAP_SEAMLESS);
            } else {
                self.gl.disable(glow::TEXTURE_CUBE_MAP_SEAMLESS);
            }
            self.gl.active_texture(glow::TEXTURE0);
        }
        self.check("textures")?;
        self.draw.seamless = Some(seamless);
        self.draw.textures_stamp = stamp;
        Ok(())
    }

    /// The texture units of `program` that its shaders sample with a shadow target whose
    /// result they swizzle themselves (SAMP below 16, as the variant key holds them).
    fn shadow_units(&self, program: ProgramId) -> Result<Vec<u32>> {
        let info = self.program_info(program)?;
        Ok(info
            .stages
            .iter()
            .flat_map(|s| {
                s.samplers.iter().filter_map(|&(samp, unit)| {
                    let shadow = s
                        .info
                        .samplers
                        .iter()
                        .any(|&(i, target, _)| i == samp && target.is_shadow());
                    (shadow && samp < 16).then_some(unit)
                })
            })
            .collect())
    }

    /// The sampler object for `s` (cached by value), sampling sRGB storage undecoded when
    /// `skip_decode` (GL_EXT_texture_sRGB_decode, which the caller checked).
    fn sampler_object(
        &mut self,
        s: &SamplerStateGl,
        skip_decode: bool,
    ) -> Result<glow::NativeSampler> {
        let mut key = sampler_key(s);
        key[15] = u32::from(skip_decode);
        if let Some(&o) = self.draw.samplers.get(&key) {
            return Ok(o);
        }
        if self.draw.samplers.len() >= MAX_SAMPLERS {
            for (_, o) in self.draw.samplers.drain() {
                // SAFETY: context current; the sampler is ours and unbound below.
                unsafe { self.gl.delete_sampler(o) };
            }
        }
        if self.es.is_some() && s.lod_bias != 0.0 {
            log::warn!("sampler refused: OpenGL ES has no LOD bias sampler parameter");
            return Err(Error::notsup("a sampler LOD bias on an OpenGL ES host"));
        }
        let gl = &self.gl;
        let es = self.es.is_some();
        // SAFETY: context current; parameter values come from the gl_state mapping.
        let o = unsafe {
            let o = gl.create_sampler().map_err(|e| Error::nomem(format!("glGenSamplers: {e}")))?;
            gl.sampler_parameter_i32(o, glow::TEXTURE_WRAP_S, core_wrap(s.wrap[0]));
            gl.sampler_parameter_i32(o, glow::TEXTURE_WRAP_T, core_wrap(s.wrap[1]));
            gl.sampler_parameter_i32(o, glow::TEXTURE_WRAP_R, core_wrap(s.wrap[2]));
            gl.sampler_parameter_i32(o, glow::TEXTURE_MIN_FILTER, s.min_filter as i32);
            gl.sampler_parameter_i32(o, glow::TEXTURE_MAG_FILTER, s.mag_filter as i32);
            if !es {
                gl.sampler_parameter_f32(o, glow::TEXTURE_LOD_BIAS, s.lod_bias);
            }
            gl.sampler_parameter_f32(o, glow::TEXTURE_MIN_LOD, s.min_lod);
            gl.sampler_parameter_f32(o, glow::TEXTURE_MAX_LOD, s.max_lod);
            gl.sampler_parameter_i32(o, glow::TEXTURE_COMPARE_MODE, s.compare_mode as i32);
            gl.sampler_parameter_i32(o, glow::TEXTURE_COMPARE_FUNC, s.compare_func as i32);
            gl.sampler_parameter_f32_slice(
                o,
                glow::TEXTURE_BORDER_COLOR,
                &s.border_color.map(f32::from_bits),
            );
            if skip_decode {
                gl.sampler_parameter_i32(o, TEXTURE_SRGB_DECODE_EXT, SKIP_DECODE_EXT as i32);
            }
            o
        };
        // Parameters the host refuses (mirror-clamp without the extension) show here.
        self.check("sampler state")?;
        self.draw.samplers.insert(key, o);
        Ok(o)
    }
}
