//! Transform feedback (gallium's stream output) on the GL backend.
//!
//! The renderer names each SET_STREAMOUT_TARGETS binding by a set id; this module keeps
//! one GL transform-feedback object per set (at most [`MAX_XFB_OBJECTS`], least recently
//! used deleted first) with the targets' buffer ranges bound. A draw that captures
//! begins transform feedback on it (or resumes it) and pauses it afterwards, so the GL
//! object keeps each buffer's write position across draws and a re-bound set with the
//! append bits continues where it stopped. A draw with another primitive type or another
//! program than the running capture ends it and begins again (GL cannot resume then;
//! the writes start over at the ranges' starts, logged once). [`GlBackend::xfb_end`] ends a
//! capture for good (a set replaced without append, or a draw from it), after which
//! `glDrawTransformFeedbackInstanced` draws the vertices it captured.
//!
//! Needs GL 4.2 (or ARB_transform_feedback2 for the objects and pause/resume plus
//! ARB_transform_feedback_instanced for draws from a capture; several buffers need
//! ARB_transform_feedback3's gl_NextBuffer at link time); a host without them refuses
//! the capturing draw with EINVAL. A capture while the guest binds no surface draws into
//! a framebuffer without attachments (GL 4.3 / ARB_framebuffer_no_attachments).

use super::draw::DrawCall;
use super::program::ProgramId;
use super::GlBackend;
use crate::error::{Error, Result};
use glow::HasContext;
use std::collections::HashMap;
use std::num::NonZeroU32;

/// Transform-feedback objects kept at most (over all sub-contexts).
pub const MAX_XFB_OBJECTS: usize = 64;

/// One bound target: a range of a buffer resource's GL buffer (checked by the caller
/// against the buffer's size; offset and size multiples of 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct XfbBuffer {
    pub buffer: u32,
    pub offset: u64,
    pub size: u64,
}

/// What a draw captures into: the set's id, its targets by buffer index, and the GL
/// primitive mode transform feedback runs in (POINTS, LINES or TRIANGLES).
#[derive(Clone, Copy, Debug)]
pub struct XfbDraw<'a> {
    pub set: u64,
    pub buffers: &'a [Option<XfbBuffer>],
    pub prim: u32,
    /// Vertex stride of each buffer in bytes (from the capturing shader's layout).
    pub strides: [u32; 4],
}

struct XfbObject {
    tfo: glow::NativeTransformFeedback,
    /// (primitive mode, program) of the running (paused) capture.
    running: Option<(u32, ProgramId)>,
    /// A capture ended on it (glDrawTransformFeedback may draw from it).
    ended: bool,
    /// Vertices the ranges can hold (bound for a draw from it).
    capacity: u64,
    last_used: u64,
}

/// The backend's transform-feedback objects by set id.
#[derive(Default)]
pub struct XfbObjects {
    map: HashMap<u64, XfbObject>,
    /// A framebuffer without attachments (1×1 by default size) for captures while the
    /// guest binds no surface.
    empty_fbo: Option<glow::NativeFramebuffer>,
    clock: u64,
    logged_restart: bool,
}

impl XfbObjects {
    /// Deletes the transform-feedback objects and the empty framebuffer.
    ///
    /// # Safety
    /// Their context is current.
    pub(super) unsafe fn delete(self, gl: &glow::Context) {
        // SAFETY: the caller made their context current; each is deleted once (a capture
        // still running ends with its object).
        unsafe {
            for o in self.map.into_values() {
                gl.delete_transform_feedback(o.tfo);
            }
            if let Some(f) = self.empty_fbo {
                gl.delete_framebuffer(f);
            }
        }
    }
}

/// The GL primitive mode transform feedback runs in for draws of `mode`.
pub fn xfb_prim(mode: u32) -> u32 {
    match mode {
        glow::POINTS => glow::POINTS,
        glow::LINES
        | glow::LINE_STRIP
        | glow::LINE_LOOP
        | glow::LINES_ADJACENCY
        | glow::LINE_STRIP_ADJACENCY => glow::LINES,
        _ => glow::TRIANGLES,
    }
}

fn supported(b: &GlBackend) -> Result<()> {
    if b.raw.draw_transform_feedback_instanced.is_none() {
        return Err(Error::inval(
            "transform feedback needs GL 4.2 or ARB_transform_feedback2 + _instanced",
        ));
    }
    Ok(())
}

impl GlBackend {
    /// Begins or resumes the capture of `d.xfb` for this draw (nothing without one, or
    /// when the program captures nothing). Leaves the set's object bound and active.
    pub(super) fn xfb_before_draw(&mut self, d: &DrawCall<'_>) -> Result<bool> {
        let Some(x) = d.xfb else { return Ok(false) };
        let captures =
            self.program_info(d.program)?.stages.iter().any(|s| !s.info.xfb_varyings.is_empty());
        if !captures {
            return Ok(false);
        }
        supported(self)?;
        if !self.draw.xfb.map.contains_key(&x.set) {
            self.xfb_create(&x)?;
        }
        let clock = {
            self.draw.xfb.clock += 1;
            self.draw.xfb.clock
        };
        let o = self.draw.xfb.map.get_mut(&x.set).expect("created above");
        o.last_used = clock;
        let tfo = o.tfo;
        let want = (x.prim, d.program);
        let resume = match o.running {
            Some(r) if r == want => true,
            Some(_) => {
                if !self.draw.xfb.logged_restart {
                    self.draw.xfb.logged_restart = true;
                    log::warn!(
                        "transform feedback: primitive or program changed during a capture; \
                         the capture restarts at the targets' starts"
                    );
                }
                false
            }
            None => false,
        };
        let o = self.draw.xfb.map.get_mut(&x.set).expect("created above");
        let restart = o.running.is_some() && !resume;
        o.running = Some(want);
        o.ended = false;
        // SAFETY: context current; the object is ours; the program is in use.
        unsafe {
            self.gl.bind_transform_feedback(glow::TRANSFORM_FEEDBACK, Some(tfo));
            if restart {
                // Paused is still active: it ends without resuming.
                self.gl.end_transform_feedback();
            }
            if resume {
                self.gl.resume_transform_feedback();
            } else {
                self.gl.begin_transform_feedback(x.prim);
            }
        }
        if let Err(e) = self.check("glBegin/ResumeTransformFeedback") {
            // Leave nothing half-begun: end whatever runs and forget the capture.
            // SAFETY: context current; the object is ours and bound.
            unsafe {
                if self.gl.get_parameter_bool(glow::TRANSFORM_FEEDBACK_ACTIVE) {
                    self.gl.end_transform_feedback();
                }
                self.gl.bind_transform_feedback(glow::TRANSFORM_FEEDBACK, None);
                self.gl.get_error();
            }
            if let Some(o) = self.draw.xfb.map.get_mut(&x.set) {
                o.running = None;
            }
            return Err(e);
        }
        Ok(true)
    }

    /// Binds a framebuffer without attachments (complete through its default size) for a
    /// capturing draw while the guest binds no surface: EINVAL without GL 4.3 /
    /// ARB_framebuffer_no_attachments.
    pub(super) fn xfb_bind_empty_framebuffer(&mut self) -> Result<()> {
        let Some(param) = self.raw.framebuffer_parameteri else {
            return Err(Error::inval(
                "a capture without attachments needs GL 4.3 or ARB_framebuffer_no_attachments",
            ));
        };
        let fbo = match self.draw.xfb.empty_fbo {
            Some(f) => f,
            None => {
                // SAFETY: context current (callers ran begin()); the framebuffer is ours;
                // the entry point was loaded for this context.
                let f = unsafe {
                    let f = self
                        .gl
                        .create_framebuffer()
                        .map_err(|e| Error::nomem(format!("glGenFramebuffers: {e}")))?;
                    self.gl.bind_framebuffer(glow::DRAW_FRAMEBUFFER, Some(f));
                    param(glow::DRAW_FRAMEBUFFER, glow::FRAMEBUFFER_DEFAULT_WIDTH, 1);
                    param(glow::DRAW_FRAMEBUFFER, glow::FRAMEBUFFER_DEFAULT_HEIGHT, 1);
                    f
                };
                self.draw.xfb.empty_fbo = Some(f);
                f
            }
        };
        // SAFETY: context current; the framebuffer is ours.
        unsafe { self.gl.bind_framebuffer(glow::DRAW_FRAMEBUFFER, Some(fbo)) };
        self.check("framebuffer without attachments")
    }

    /// Pauses the capture begun by [`Self::xfb_before_draw`] and unbinds its object.
    pub(super) fn xfb_after_draw(&mut self) {
        // SAFETY: context current; transform feedback is active on the bound object.
        unsafe {
            self.gl.pause_transform_feedback();
            self.gl.bind_transform_feedback(glow::TRANSFORM_FEEDBACK, None);
        }
    }

    fn xfb_create(&mut self, x: &XfbDraw<'_>) -> Result<()> {
        while self.draw.xfb.map.len() >= MAX_XFB_OBJECTS {
            let oldest = self.draw.xfb.map.iter().min_by_key(|(_, o)| o.last_used).map(|(k, _)| *k);
            match oldest {
                Some(k) => self.xfb_delete(k),
                None => break,
            }
        }
        // Vertices the ranges hold: the smallest over the buffers the layout writes.
        let mut capacity = u64::MAX;
        for (b, t) in x.buffers.iter().enumerate() {
            let stride = u64::from(x.strides.get(b).copied().unwrap_or(0));
            if let (Some(t), true) = (t, stride > 0) {
                capacity = capacity.min(t.size / stride);
            }
        }
        // SAFETY: context current; the object is created here and bound only for this
        // setup; each buffer is a live buffer and the range lies within it (the caller
        // checked it against the resource's size).
        let tfo = unsafe {
            let tfo = self
                .gl
                .create_transform_feedback()
                .map_err(|e| Error::nomem(format!("glGenTransformFeedbacks: {e}")))?;
            self.gl.bind_transform_feedback(glow::TRANSFORM_FEEDBACK, Some(tfo));
            for (i, t) in x.buffers.iter().enumerate() {
                if let Some(t) = t {
                    self.gl.bind_buffer_range(
                        glow::TRANSFORM_FEEDBACK_BUFFER,
                        i as u32,
                        NonZeroU32::new(t.buffer).map(glow::NativeBuffer),
                        super::gi(t.offset, "streamout offset")?,
                        super::gi(t.size, "streamout size")?,
                    );
                }
            }
            tfo
        };
        let r = self.check("transform feedback buffers");
        // SAFETY: context current.
        unsafe { self.gl.bind_transform_feedback(glow::TRANSFORM_FEEDBACK, None) };
        let capacity = if capacity == u64::MAX { 0 } else { capacity };
        let o = XfbObject { tfo, running: None, ended: false, capacity, last_used: 0 };
        self.draw.xfb.map.insert(x.set, o);
        if r.is_err() {
            self.xfb_delete(x.set);
        }
        r
    }

    /// Ends the capture of `set` for good (its written count becomes final). No-op for
    /// an unknown set or one not capturing.
    pub fn xfb_end(&mut self, set: u64) -> Result<()> {
        let Some(o) = self.draw.xfb.map.get_mut(&set) else { return Ok(()) };
        if o.running.take().is_none() {
            return Ok(());
        }
        o.ended = true;
        let tfo = o.tfo;
        self.begin()?;
        // SAFETY: context current; the object is ours and paused (every draw pauses it);
        // a paused capture ends without resuming.
        unsafe {
            self.gl.bind_transform_feedback(glow::TRANSFORM_FEEDBACK, Some(tfo));
            self.gl.end_transform_feedback();
            self.gl.bind_transform_feedback(glow::TRANSFORM_FEEDBACK, None);
        }
        self.check("glEndTransformFeedback")
    }

    /// Deletes the object of `set` (ended first if capturing).
    pub fn xfb_delete(&mut self, set: u64) {
        let _ = self.xfb_end(set);
        if let Some(o) = self.draw.xfb.map.remove(&set) {
            // SAFETY: context current (xfb_end made it so, or it was); the object is ours.
            unsafe { self.gl.delete_transform_feedback(o.tfo) };
        }
    }

    /// The vertex range a draw from `set`'s capture may fetch (`None`: nothing captured
    /// on it, the draw draws nothing).
    pub(super) fn xfb_vertex_range(&mut self, set: u64) -> Result<Option<(u64, u64)>> {
        supported(self)?;
        self.xfb_end(set)?;
        Ok(match self.draw.xfb.map.get(&set) {
            Some(o) if o.ended && o.capacity > 0 => Some((0, o.capacity - 1)),
            _ => None,
        })
    }

    /// glDrawTransformFeedbackInstanced from `set` (ended by [`Self::xfb_vertex_range`]).
    pub(super) fn xfb_draw_from(&mut self, set: u64, mode: u32, instances: u32) -> Result<()> {
        let (Some(o), Some(f)) =
            (self.draw.xfb.map.get(&set), self.raw.draw_transform_feedback_instanced)
        else {
            return Ok(());
        };
        let instances = super::gi(instances, "instance count")?;
        // SAFETY: context current; the object is ours and its capture ended; the entry point
        // was loaded for this context (GL 4.2 / ARB_transform_feedback_instanced).
        unsafe { f(mode, o.tfo.0.get(), instances) };
        Ok(())
    }
}
