//! Executing the guest's draws and clears on GL: a [`DrawCall`] (state already mapped to GL
//! terms by [`crate::model::gl_state`], resources resolved to GL names by the renderer) is
//! applied in full and drawn into the resources' own textures through one framebuffer
//! object, so transfers, blits, scanout and fences see the rendered pixels.
//!
//! State the previous draw set (fixed-function state, framebuffer attachments, vertex
//! array, current program and its enables, uploaded constants, primitive restart,
//! seamless cube maps) is compared with the next draw's and not set again; anything else
//! that changes it makes the draw set it again (`forget_*`), as does entering the GL
//! context from another one (each context has its own [`DrawObjects`], see
//! [`super::contexts`]), and with a second thread's GL context all of it is set on every
//! draw. A draw whose caller hands the stamp of the draw that set the kept state
//! ([`DrawCall::stamp`]: the renderer's draw cache, unchanged) skips even the comparison.
//! While nothing but draws reached the backend since the last draw (every other entry
//! point runs [`GlBackend::begin`], which forgets it), the draw framebuffer, vertex array
//! and program are not bound again, and under the same stamp neither are the textures,
//! samplers and texture parameters nor the uniform blocks and buffer textures.
//! Guest ranges never reach GL unchecked: every
//! vertex attribute the program reads is checked against its buffer's size for the
//! highest vertex the draw fetches — for indexed draws the indices are read back and
//! scanned (the scan remembered until the buffer may have changed, see
//! [`super::index_range`]) — and the index range against the index buffer
//! ([`check_fetch`](crate::model::gl_state::check_fetch)).

use super::framebuffer::attach;
pub use super::framebuffer::{srgb_writes, swizzled, Attachment};
use super::program::ProgramId;
use super::{gi, GlBackend};
use crate::error::{Error, Result};
pub use crate::model::gl_state::VertexInput;
use crate::model::gl_state::{
    BlendGl, DsaGl, FetchMemo, RasterizerGl, SamplerStateGl, SamplerViewGl,
};
use crate::model::protocol::{DrawVbo, Scissor, Viewport};
use crate::model::shader::Processor;
use glow::HasContext;
use std::collections::HashMap;
use std::num::NonZeroU32;

/// How a colour attachment's values are written (for clears and the fragment outputs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutKind {
    Float,
    Sint,
    Uint,
}

/// The bound index buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexInput {
    pub buffer: u32,
    pub buffer_size: u64,
    /// 1, 2 or 4 bytes per index.
    pub index_size: u32,
    pub offset: u64,
    /// Only this backend writes the buffer (the VMM was never given it): its scan may be
    /// remembered between draws (see [`super::index_range`]).
    pub private: bool,
}

/// A texture bound for a sampler of the program.
#[derive(Clone, Copy, Debug)]
pub struct TextureInput {
    pub unit: u32,
    pub name: u32,
    pub view: SamplerViewGl,
    pub sampler: Option<SamplerStateGl>,
    /// The texture's storage is sRGB: sampling decodes unless the view is linear (the
    /// guest's GL_SKIP_DECODE_EXT, which Mesa sends as a view in the linear twin format).
    pub srgb_storage: bool,
    /// The texture's storage holds depth and stencil: `GL_DEPTH_STENCIL_TEXTURE_MODE`
    /// follows the view (stencil for a stencil view, else depth).
    pub depth_stencil_storage: bool,
}

/// Everything one DRAW_VBO needs, in GL terms.
pub struct DrawCall<'a> {
    pub program: ProgramId,
    pub cbufs: &'a [Option<Attachment>],
    pub zs: Option<Attachment>,
    pub blend: &'a BlendGl,
    pub dsa: &'a DsaGl,
    pub rast: &'a RasterizerGl,
    pub blend_color: [f32; 4],
    pub stencil_ref: [u8; 2],
    pub sample_mask: u32,
    pub viewport: Viewport,
    pub scissor: Scissor,
    pub vertices: &'a [VertexInput],
    pub index: Option<IndexInput>,
    /// Inline constants by stage (shared: an unchanged buffer is not uploaded again).
    pub constants: &'a [(Processor, &'a std::sync::Arc<[u32]>)],
    pub clip_planes: &'a [[f32; 4]; 8],
    pub stipple: &'a [u32; 32],
    pub textures: &'a [TextureInput],
    /// The GL primitive mode.
    pub mode: u32,
    pub info: DrawVbo,
    /// Transform feedback captures this draw (see [`super::streamout`]).
    pub xfb: Option<super::streamout::XfbDraw<'a>>,
    /// Draws the vertices captured by this set (gallium's `count_from_stream_output`).
    pub from_xfb: Option<u64>,
    /// A stamp from [`GlBackend::new_draw_stamp`] naming this draw's fixed-function state,
    /// attachments and vertex inputs (with the index buffer), handed again only while all
    /// are unchanged: a draw under the last applied stamp skips them. 0: no stamp.
    pub stamp: u64,
    /// A draw of patches: what [`GlBackend::set_patch`] sets first.
    pub patch: Option<super::tess::PatchDraw>,
}

/// A CLEAR of the bound framebuffer.
pub struct ClearCall<'a> {
    pub cbufs: &'a [Option<Attachment>],
    pub zs: Option<Attachment>,
    /// `PIPE_CLEAR_*`: depth 1, stencil 2, colour buffer i at 4 << i.
    pub buffers: u32,
    pub color: [u32; 4],
    pub depth: f64,
    pub stencil: u32,
    /// `None`: whole surfaces (CLEAR); `Some([x, y, w, h])`: that rectangle of each, in
    /// the storage's rows (CLEAR_SURFACE), non-empty and within every attachment.
    pub rect: Option<[i32; 4]>,
}

/// A constant buffer uploaded into a program's stage.
type UploadedConstants = ((ProgramId, Processor), std::sync::Arc<[u32]>);

/// GL objects of the draw path, one set per GL context (valid in that context only).
#[derive(Default)]
pub struct DrawObjects {
    pub(super) vao: Option<glow::NativeVertexArray>,
    fbo: Option<glow::NativeFramebuffer>,
    read_fbo: Option<glow::NativeFramebuffer>,
    pub(super) samplers: HashMap<[u32; 16], glow::NativeSampler>,
    /// `GL_MAX_VERTEX_ATTRIBS` (read once).
    pub(super) max_attribs: Option<u32>,
    /// What `fbo` has attached now (checked complete); `None`: unknown. Forgotten whenever
    /// a resource's storage is destroyed ([`DrawObjects::forget_attachments`]), since a
    /// deleted texture's name may come back for another texture while the framebuffer
    /// still holds the old one.
    attached: Option<(Vec<Option<Attachment>>, Option<Attachment>)>,
    /// The constant buffers last uploaded, by (program, stage) (at most 64).
    constants: Vec<UploadedConstants>,
    /// The fixed-function state the last draw applied (see [`AppliedState`]).
    applied: Option<AppliedState>,
    /// The vertex inputs and index buffer the vertex array holds now.
    vertex_state: Option<(Vec<VertexInput>, Option<u32>)>,
    /// The [`DrawCall::stamp`] of the draw that set `applied`, `attached` and
    /// `vertex_state` (each valid only while that one is `Some`); 0: none.
    applied_stamp: u64,
    attached_stamp: u64,
    vertex_stamp: u64,
    /// The stamp of the draw that last set the program's clip-plane and stipple uniforms.
    extras_stamp: u64,
    /// The last stamp [`GlBackend::new_draw_stamp`] handed out.
    last_stamp: u64,
    /// The last vertex fetch check that passed, by stamp.
    fetch: FetchMemo,
    /// Where an indexed draw reads its indices back (kept between draws so that the
    /// common small draw allocates nothing; dropped after a read of over 1 MiB).
    pub(super) index_bytes: Vec<u8>,
    /// The last indexed draw's scan of its indices ([`super::index_range`]).
    pub(super) index_scan: Option<super::index_range::IndexScan>,
    /// GL's draw framebuffer is `fbo` and its vertex array `vao`, as the last draw left
    /// them: nothing since bound others ([`GlBackend::begin`] forgets it).
    pub(super) binds_kept: bool,
    /// The stamp of the draw that bound the textures, samplers and texture parameters GL
    /// holds now, while nothing but draws ran since (0: none; [`GlBackend::begin`] and
    /// every full texture binding forget it).
    pub(super) textures_stamp: u64,
    /// The same for the uniform blocks and buffer textures ([`GlBackend::buffers_bound`]);
    /// a draw capturing stream output forgets it too (partial ranges are copies).
    pub(super) buffers_stamp: u64,
    /// Uniform blocks and buffer textures ([`super::buffer_bindings`]).
    pub(super) buffers: super::buffer_bindings::BufferBindings,
    /// Transform-feedback objects (see [`super::streamout`]).
    pub(super) xfb: super::streamout::XfbObjects,
    /// The program [`GlBackend::use_program`] made current with its enables (program
    /// point size, clip distances); `None`: unknown (another call changed the program).
    pub(super) current_program: Option<ProgramId>,
    /// `GL_PRIMITIVE_RESTART` as the last draw left it (`Some(index)`: enabled).
    restart: Option<Option<u32>>,
    /// `GL_TEXTURE_CUBE_MAP_SEAMLESS` as the last draw left it (the active texture unit
    /// back at 0).
    pub(super) seamless: Option<bool>,
}

/// The state [`GlBackend::draw`] last applied, compared with the next draw's so that an
/// unchanged state is not set again. Forgotten by anything else that changes the state
/// (clears) and with the attachments (a destroyed resource).
#[derive(Clone, PartialEq)]
struct AppliedState {
    blend: BlendGl,
    dsa: DsaGl,
    rast: RasterizerGl,
    blend_color: [f32; 4],
    stencil_ref: [u8; 2],
    sample_mask: u32,
    viewport: Viewport,
    scissor: Scissor,
    swizzles: [Option<[u8; 4]>; 8],
    srgb_writes: bool,
}

impl DrawObjects {
    /// The framebuffer blits read from (made on first use).
    pub(super) fn read_fbo(&mut self, gl: &glow::Context) -> Result<glow::NativeFramebuffer> {
        if let Some(f) = self.read_fbo {
            return Ok(f);
        }
        // SAFETY: the caller made the backend's context current.
        let f = unsafe { gl.create_framebuffer() }
            .map_err(|e| Error::nomem(format!("glGenFramebuffers: {e}")))?;
        self.read_fbo = Some(f);
        Ok(f)
    }

    /// Forgets everything kept about GL state on entering this set's context from another
    /// one: that one may have changed the shared objects (attached textures, vertex and
    /// index buffers: GL wants them bound again) and the programs' uniforms.
    pub(super) fn forget_for_switch(&mut self) {
        self.forget_attachments();
        self.constants.clear();
        self.extras_stamp = 0;
        self.applied_stamp = 0;
        self.attached_stamp = 0;
        self.vertex_stamp = 0;
    }

    /// The draw framebuffer, once made.
    pub(super) fn draw_fbo(&self) -> Option<glow::NativeFramebuffer> {
        self.fbo
    }

    /// Keeps the stamp counter monotonic across the contexts' sets.
    pub(super) fn take_stamps_from(&mut self, other: &DrawObjects) {
        self.last_stamp = self.last_stamp.max(other.last_stamp);
    }

    /// Deletes the GL objects of this set.
    ///
    /// # Safety
    /// The set's context is current.
    pub(super) unsafe fn delete(self, gl: &glow::Context) {
        // SAFETY: the caller made the set's context current; each object is deleted once.
        unsafe {
            if let Some(v) = self.vao {
                gl.delete_vertex_array(v);
            }
            for f in [self.fbo, self.read_fbo].into_iter().flatten() {
                gl.delete_framebuffer(f);
            }
            for s in self.samplers.into_values() {
                gl.delete_sampler(s);
            }
            self.buffers.delete(gl);
            self.xfb.delete(gl);
        }
    }

    /// Forgets the applied fixed-function state (something else changed it).
    pub fn forget_applied(&mut self) {
        self.applied = None;
    }

    /// Forgets what the draw framebuffer holds (a texture may have been deleted).
    pub fn forget_attachments(&mut self) {
        self.attached = None;
        self.applied = None;
        self.vertex_state = None;
        self.current_program = None;
        self.restart = None;
        self.seamless = None;
        // The buffer's name may come back for a new buffer.
        self.index_scan = None;
        self.binds_kept = false;
        self.textures_stamp = 0;
        self.buffers_stamp = 0;
    }
}

pub(super) fn buf(name: u32) -> Option<glow::NativeBuffer> {
    NonZeroU32::new(name).map(glow::NativeBuffer)
}

impl GlBackend {
    /// Binds the draw framebuffer with these attachments (the others detached).
    pub(super) fn bind_framebuffer(
        &mut self,
        cbufs: &[Option<Attachment>],
        zs: Option<Attachment>,
    ) -> Result<()> {
        let fbo = match self.draw.fbo {
            Some(f) => f,
            None => {
                // SAFETY: context current (callers ran begin()).
                let f = unsafe { self.gl.create_framebuffer() }
                    .map_err(|e| Error::nomem(format!("glGenFramebuffers: {e}")))?;
                self.draw.fbo = Some(f);
                f
            }
        };
        let fb = glow::DRAW_FRAMEBUFFER;
        let n = cbufs.len().min(8);
        if self.single_context()
            && self.draw.attached.as_ref().is_some_and(|(c, z)| c[..] == cbufs[..n] && *z == zs)
        {
            // SAFETY: context current; `fbo` is ours, complete with these attachments.
            unsafe { self.gl.bind_framebuffer(fb, Some(fbo)) };
            return Ok(());
        }
        self.draw.attached = None;
        // The attachments change: no draw's stamp names them (a blit or clear attaching its
        // own surfaces is followed by a draw under an unchanged stamp).
        self.draw.attached_stamp = 0;
        let gl = &self.gl;
        let attach = |point: u32, a: Option<&Attachment>| attach(gl, fb, point, a);
        // SAFETY: context current; `fbo` is ours.
        unsafe { gl.bind_framebuffer(fb, Some(fbo)) };
        let mut draw_buffers = [glow::NONE; 8];
        for (i, slot) in draw_buffers.iter_mut().enumerate() {
            let a = cbufs.get(i).copied().flatten();
            attach(glow::COLOR_ATTACHMENT0 + i as u32, a.as_ref());
            if a.is_some() {
                *slot = glow::COLOR_ATTACHMENT0 + i as u32;
            }
        }
        attach(glow::DEPTH_STENCIL_ATTACHMENT, None);
        if let Some(z) = zs {
            attach(z.zs_point, Some(&z));
        }
        // SAFETY: context current, the framebuffer bound above.
        let status = unsafe {
            gl.draw_buffers(&draw_buffers[..n.max(1)]);
            gl.check_framebuffer_status(fb)
        };
        self.check("framebuffer attachments")?;
        if status != glow::FRAMEBUFFER_COMPLETE {
            return Err(Error::inval(format!("framebuffer incomplete (status {status:#x})")));
        }
        self.draw.attached = Some((cbufs[..n].to_vec(), zs));
        Ok(())
    }

    /// Executes one draw (see the module documentation).
    pub fn draw(&mut self, d: &DrawCall<'_>) -> Result<()> {
        let info = &d.info;
        let instances = u64::from(info.instance_count);
        if (info.count == 0 && d.from_xfb.is_none()) || instances == 0 {
            return Ok(());
        }
        let no_attachments = d.cbufs.iter().all(Option::is_none) && d.zs.is_none();
        if no_attachments && d.xfb.is_none() {
            log::debug!("draw without attachments skipped");
            return Ok(());
        }
        self.begin_draw()?;
        // State an OpenGL ES host lacks, refused before anything reaches GL.
        self.refuse_es_state(d)?;
        // What the draw fetches, checked before anything reaches GL.
        let vertex_range = match (d.from_xfb, d.index) {
            (Some(_), Some(_)) => return Err(Error::inval("indexed draw from stream output")),
            (Some(set), None) => match self.xfb_vertex_range(set)? {
                Some(r) => Some(r),
                None => return Ok(()),
            },
            (None, None) => {
                let lo = u64::from(info.start);
                Some((lo, lo + u64::from(info.count) - 1))
            }
            (None, Some(ix)) => self.indexed_range(&ix, info)?,
        };
        let first = info.start_instance.into();
        self.draw.fetch.check(d.stamp, d.vertices, vertex_range, first, instances)?;
        // A draw under the stamp of the draw that set the kept state has the same state.
        let stamped = |kept: bool, stamp: u64| kept && d.stamp != 0 && stamp == d.stamp;
        let single = self.single_context();
        // Bound again below unless the last draw left them bound; kept once this one drew.
        let binds_kept = std::mem::take(&mut self.draw.binds_kept) && single;
        if no_attachments {
            self.xfb_bind_empty_framebuffer()?;
        } else if single && stamped(self.draw.attached.is_some(), self.draw.attached_stamp) {
            if !binds_kept {
                // SAFETY: context current; the framebuffer is ours, complete with these
                // attachments.
                unsafe { self.gl.bind_framebuffer(glow::DRAW_FRAMEBUFFER, self.draw.fbo) };
            }
        } else {
            self.bind_framebuffer(d.cbufs, d.zs)?;
            self.draw.attached_stamp = d.stamp;
        }
        // The context is current since begin() above. The last draw's program is still
        // current, with its enables, while only draws ran since.
        if !(binds_kept && self.draw.current_program == Some(d.program)) {
            self.use_program_begun(d.program)?;
        }
        for (stage, data) in d.constants {
            // The program keeps its uniforms: upload only what changed since this program
            // last drew with this stage's buffer (the cache holds the buffer, so a match
            // is the same immutable data).
            let key = (d.program, *stage);
            if self.single_context()
                && self
                    .draw
                    .constants
                    .iter()
                    .any(|(k, c)| *k == key && std::sync::Arc::ptr_eq(c, data))
            {
                continue;
            }
            self.set_constants(d.program, *stage, 0, data)?;
            self.draw.constants.retain(|(k, _)| *k != key);
            if self.draw.constants.len() >= 64 {
                self.draw.constants.remove(0);
            }
            self.draw.constants.push((key, std::sync::Arc::clone(data)));
        }
        // The program keeps its uniforms: under the stamp that set them, they are set.
        if !stamped(true, self.draw.extras_stamp) {
            self.set_program_extras(d)?;
            self.draw.extras_stamp = d.stamp;
        }
        if !(single && stamped(self.draw.applied.is_some(), self.draw.applied_stamp)) {
            self.apply_if_changed(d)?;
        }
        let index_buffer = d.index.map(|i| i.buffer);
        let same_vertices = stamped(self.draw.vertex_state.is_some(), self.draw.vertex_stamp)
            || self
                .draw
                .vertex_state
                .as_ref()
                .is_some_and(|(v, i)| v[..] == d.vertices[..] && *i == index_buffer);
        if single && same_vertices {
            if !binds_kept {
                // SAFETY: context current; the vertex array is ours and holds these inputs.
                unsafe { self.gl.bind_vertex_array(self.draw.vao) };
            }
        } else {
            self.draw.vertex_state = None;
            self.bind_vertices(d)?;
            self.draw.vertex_state = Some((d.vertices.to_vec(), index_buffer));
        }
        self.draw.vertex_stamp = d.stamp;
        self.bind_textures(d.program, d.textures, d.stamp)?;
        let capturing = d.xfb.is_some() && self.xfb_before_draw(d)?;
        let drawn = match d.from_xfb {
            Some(set) => self.xfb_draw_from(set, d.mode, info.instance_count),
            None => self.issue_draw(d),
        };
        if capturing {
            self.xfb_after_draw();
        }
        if d.xfb.is_some() {
            // Stream output may have written an index buffer, or a uniform block's source.
            self.forget_index_scan(0);
            self.draw.buffers_stamp = 0;
        }
        drawn?;
        self.check("DRAW_VBO")?;
        self.draw.binds_kept = !no_attachments;
        Ok(())
    }

    /// Whether the uniform blocks and buffer textures GL holds are those the caller bound
    /// for a draw under `stamp` ([`Self::set_buffers_stamp`]) and only draws ran since:
    /// binding them again would bind the same.
    pub fn buffers_bound(&self, stamp: u64) -> bool {
        stamp != 0 && self.draw.buffers_stamp == stamp && self.single_context()
    }

    /// Records that the uniform blocks and buffer textures of draws under `stamp` are
    /// bound (0: unknown; set it before binding, so that a failure leaves it unknown).
    pub fn set_buffers_stamp(&mut self, stamp: u64) {
        self.draw.buffers_stamp = stamp;
    }

    /// A stamp no draw call had before (see [`DrawCall::stamp`]).
    pub fn new_draw_stamp(&mut self) -> u64 {
        self.draw.last_stamp += 1;
        self.draw.last_stamp
    }

    /// Applies the fixed-function state unless the last draw applied the same.
    fn apply_if_changed(&mut self, d: &DrawCall<'_>) -> Result<()> {
        let applied = AppliedState {
            blend: *d.blend,
            dsa: *d.dsa,
            rast: *d.rast,
            blend_color: d.blend_color,
            stencil_ref: d.stencil_ref,
            sample_mask: d.sample_mask,
            viewport: d.viewport,
            scissor: d.scissor,
            swizzles: std::array::from_fn(|i| {
                d.cbufs.get(i).copied().flatten().and_then(|a| a.swizzle)
            }),
            srgb_writes: srgb_writes(d.cbufs),
        };
        if !(self.single_context() && self.draw.applied.as_ref() == Some(&applied)) {
            self.draw.applied = None;
            self.apply_state(d)?;
            self.draw.applied = Some(applied);
        }
        self.draw.applied_stamp = d.stamp;
        Ok(())
    }

    /// Uniforms the translator adds: user clip planes and the polygon stipple.
    fn set_program_extras(&mut self, d: &DrawCall<'_>) -> Result<()> {
        let info = self.program_info(d.program)?;
        if !info.stages.iter().any(|s| s.info.uses_clip_planes || s.info.uses_stipple) {
            return Ok(());
        }
        let (program, stages) = {
            let p = self.program_name(d.program)?;
            (
                p,
                info.stages
                    .iter()
                    .map(|s| (s.stage, s.info.uses_clip_planes, s.info.uses_stipple))
                    .collect::<Vec<_>>(),
            )
        };
        for (stage, planes, stipple) in stages {
            // SAFETY: context current; `program` is the current, live program; the slices
            // match the uniforms' declared sizes (vec4[8], uint[32]).
            unsafe {
                if planes {
                    let name = match stage {
                        Processor::Geometry => "gs_clip_planes",
                        Processor::TessEval => "tes_clip_planes",
                        _ => "vs_clip_planes",
                    };
                    let loc = self.gl.get_uniform_location(program, name);
                    let flat: Vec<f32> = d.clip_planes.iter().flatten().copied().collect();
                    self.gl.uniform_4_f32_slice(loc.as_ref(), &flat);
                }
                if stipple {
                    let loc = self.gl.get_uniform_location(program, "fs_stipple");
                    self.gl.uniform_1_u32_slice(loc.as_ref(), d.stipple);
                }
            }
        }
        Ok(())
    }

    /// Blend, depth/stencil, rasterizer, viewport and scissor state.
    fn apply_state(&mut self, d: &DrawCall<'_>) -> Result<()> {
        let (b, z, r) = (d.blend, d.dsa, d.rast);
        let vp = d.viewport;
        let flip = vp.scale[1] < 0.0;
        if (flip || r.clip_halfz) && self.raw.clip_control.is_none() {
            return Err(Error::notsup("a flipped or [0,1]-depth viewport needs glClipControl"));
        }
        let desktop = !self.is_es();
        let gl = &self.gl;
        let raw = &self.raw;
        let set = |cap: u32, on: bool| {
            // SAFETY: context current; `cap` is a valid capability.
            unsafe {
                if on {
                    gl.enable(cap)
                } else {
                    gl.disable(cap)
                }
            }
        };
        // SAFETY: context current; every enum comes from the gl_state mapping (validated
        // gallium values) and is checked by glGetError after the draw.
        unsafe {
            // Blend.
            if b.independent {
                for (i, rt) in b.rt.iter().enumerate() {
                    let i = i as u32;
                    if rt.enabled {
                        gl.enable_draw_buffer(glow::BLEND, i);
                    } else {
                        gl.disable_draw_buffer(glow::BLEND, i);
                    }
                    gl.blend_func_separate_draw_buffer(
                        i,
                        rt.src_rgb,
                        rt.dst_rgb,
                        rt.src_alpha,
                        rt.dst_alpha,
                    );
                    gl.blend_equation_separate_draw_buffer(i, rt.eq_rgb, rt.eq_alpha);
                    let m = rt.color_mask;
                    gl.color_mask_draw_buffer(i, m[0], m[1], m[2], m[3]);
                }
            } else {
                let rt = &b.rt[0];
                set(glow::BLEND, rt.enabled);
                // (GL_ZERO is 0: every factor is a valid GL enum here.)
                gl.blend_func_separate(rt.src_rgb, rt.dst_rgb, rt.src_alpha, rt.dst_alpha);
                gl.blend_equation_separate(rt.eq_rgb, rt.eq_alpha);
                let m = rt.color_mask;
                gl.color_mask(m[0], m[1], m[2], m[3]);
            }
            // Colour buffers stored in another channel order take their masks reordered.
            for (i, a) in d.cbufs.iter().enumerate().take(8) {
                if let Some(sw) = a.and_then(|a| a.swizzle) {
                    let rt = if b.independent { &b.rt[i] } else { &b.rt[0] };
                    let m = swizzled(rt.color_mask, Some(sw));
                    gl.color_mask_draw_buffer(i as u32, m[0], m[1], m[2], m[3]);
                }
            }
            if let Some(logic_op) = raw.logic_op {
                set(glow::COLOR_LOGIC_OP, b.logic_op.enabled);
                if b.logic_op.enabled {
                    logic_op(b.logic_op.op);
                }
            }
            set(glow::DITHER, b.dither);
            set(glow::SAMPLE_ALPHA_TO_COVERAGE, b.alpha_to_coverage);
            if desktop {
                set(glow::SAMPLE_ALPHA_TO_ONE, b.alpha_to_one);
            }
            let c = d.blend_color;
            gl.blend_color(c[0], c[1], c[2], c[3]);
            self.set_framebuffer_srgb(srgb_writes(d.cbufs));
            set(glow::SAMPLE_MASK, d.sample_mask != u32::MAX);
            (raw.sample_maski)(0, d.sample_mask);
            // Depth and stencil.
            set(glow::DEPTH_TEST, z.depth_test);
            if z.depth_func != 0 {
                gl.depth_func(z.depth_func);
            }
            gl.depth_mask(z.depth_write);
            set(glow::STENCIL_TEST, z.stencil_test);
            let refs = z.stencil_refs(d.stencil_ref);
            for (face, s, refv) in
                [(glow::FRONT, &z.stencil[0], refs[0]), (glow::BACK, &z.stencil[1], refs[1])]
            {
                if s.func != 0 {
                    gl.stencil_func_separate(face, s.func, refv.into(), s.value_mask);
                    gl.stencil_op_separate(face, s.sfail, s.zfail, s.zpass);
                }
                gl.stencil_mask_separate(face, s.write_mask);
            }
            // Rasterizer.
            match r.cull_face {
                Some(f) => {
                    gl.enable(glow::CULL_FACE);
                    gl.cull_face(f);
                }
                None => gl.disable(glow::CULL_FACE),
            }
            // Gallium's window y runs down, GL's up: the same window coordinates wind
            // the other way, so a guest's CCW front is GL's CW. A flipped viewport is
            // drawn under glClipControl(GL_UPPER_LEFT), where GL decides facing in the
            // flipped space, so the guest's front face applies as sent there (measured:
            // piglit's fs-frontfacing tests through vtest, glmark2's validation in a
            // guest).
            let front = match (r.front_face, flip) {
                (glow::CCW, false) => glow::CW,
                (glow::CW, false) => glow::CCW,
                (f, _) => f,
            };
            if front != 0 {
                gl.front_face(front);
            }
            let mode = if r.cull_face == Some(glow::FRONT) {
                r.polygon_mode[1]
            } else {
                r.polygon_mode[0]
            };
            if mode != 0 && desktop {
                gl.polygon_mode(glow::FRONT_AND_BACK, mode);
            }
            if desktop {
                set(glow::POLYGON_OFFSET_POINT, r.offset.point);
                set(glow::POLYGON_OFFSET_LINE, r.offset.line);
            }
            set(glow::POLYGON_OFFSET_FILL, r.offset.fill);
            gl.polygon_offset(r.offset.factor, r.offset.units);
            set(glow::SCISSOR_TEST, r.scissor);
            self.set_depth_clamp(r.depth_clamp);
            if let (Some(pv), true) = (raw.provoking_vertex, r.provoking_vertex != 0) {
                pv(r.provoking_vertex);
            }
            if let Some(point_size) = raw.point_size {
                point_size(r.point_size.max(1.0));
            }
            gl.line_width(r.line_width.max(1.0));
            if desktop {
                set(glow::LINE_SMOOTH, r.line_smooth);
                set(glow::POLYGON_SMOOTH, r.polygon_smooth);
                set(glow::MULTISAMPLE, r.multisample);
            }
            set(glow::RASTERIZER_DISCARD, r.rasterizer_discard);
            // Point coordinates follow the same rule as facing.
            let origin = match (r.point_sprite_origin, flip) {
                (glow::UPPER_LEFT, false) => glow::LOWER_LEFT,
                (glow::LOWER_LEFT, false) => glow::UPPER_LEFT,
                (o, _) => o,
            };
            if let (Some(pp), true) = (raw.point_parameteri, origin != 0) {
                pp(glow::POINT_SPRITE_COORD_ORIGIN, origin as i32);
            }
            // Viewport: window = ndc * scale + translate.
            let (sx, sy, sz) = (vp.scale[0], vp.scale[1], vp.scale[2]);
            let (tx, ty, tz) = (vp.translate[0], vp.translate[1], vp.translate[2]);
            let (x, w) = (tx - sx.abs(), 2.0 * sx.abs());
            let (y, h) = (ty - sy.abs(), 2.0 * sy.abs());
            gl.viewport(x.round() as i32, y.round() as i32, w.round() as i32, h.round() as i32);
            let (near, far) = if r.clip_halfz { (tz, tz + sz) } else { (tz - sz, tz + sz) };
            if desktop {
                gl.depth_range_f64(near.into(), far.into());
            } else {
                gl.depth_range_f32(near, far);
            }
            if let Some(clip_control) = raw.clip_control {
                let origin = if flip { glow::UPPER_LEFT } else { glow::LOWER_LEFT };
                let depth =
                    if r.clip_halfz { glow::ZERO_TO_ONE } else { glow::NEGATIVE_ONE_TO_ONE };
                clip_control(origin, depth);
            }
            let s = d.scissor;
            gl.scissor(
                s.minx.into(),
                s.miny.into(),
                i32::from(s.maxx.saturating_sub(s.minx)),
                i32::from(s.maxy.saturating_sub(s.miny)),
            );
        }
        Ok(())
    }

    fn issue_draw(&mut self, d: &DrawCall<'_>) -> Result<()> {
        let info = &d.info;
        let count = gi(info.count, "vertex count")?;
        let instances = gi(info.instance_count, "instance count")?;
        d.patch.inspect(|p| self.set_patch(p));
        let gl = &self.gl;
        // SAFETY: context current; the fetch ranges were checked; the index offset lies
        // within the bound element buffer (checked in indexed_range).
        unsafe {
            let restart =
                (info.primitive_restart && d.index.is_some()).then_some(info.restart_index);
            if !(self.single_context() && self.draw.restart == Some(restart)) {
                match restart {
                    // ES restarts at the all-ones index only (others refused before).
                    Some(_) if self.es.is_some() => gl.enable(glow::PRIMITIVE_RESTART_FIXED_INDEX),
                    None if self.es.is_some() => gl.disable(glow::PRIMITIVE_RESTART_FIXED_INDEX),
                    Some(index) => {
                        gl.enable(glow::PRIMITIVE_RESTART);
                        if let Some(restart_index) = self.raw.primitive_restart_index {
                            restart_index(index);
                        }
                    }
                    None => gl.disable(glow::PRIMITIVE_RESTART),
                }
                self.draw.restart = Some(restart);
            }
            match d.index {
                // ES has no base instance (a non-zero one is refused before).
                None if self.es.is_some() => gl.draw_arrays_instanced(
                    d.mode,
                    gi(info.start, "first vertex")?,
                    count,
                    instances,
                ),
                Some(ix) if self.es.is_some() => gl.draw_elements_instanced_base_vertex(
                    d.mode,
                    count,
                    super::buffer::index_type(ix.index_size),
                    gi(ix.offset, "index offset")?,
                    instances,
                    info.index_bias,
                ),
                None => gl.draw_arrays_instanced_base_instance(
                    d.mode,
                    gi(info.start, "first vertex")?,
                    count,
                    instances,
                    info.start_instance,
                ),
                Some(ix) => {
                    let off = ix.offset;
                    gl.draw_elements_instanced_base_vertex_base_instance(
                        d.mode,
                        count,
                        super::buffer::index_type(ix.index_size),
                        gi(off, "index offset")?,
                        instances,
                        info.index_bias,
                        info.start_instance,
                    );
                }
            }
        }
        Ok(())
    }
}
