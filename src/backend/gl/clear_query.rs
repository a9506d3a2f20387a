//! CLEAR and BLIT on GL, queries, and readying a resource's storage for the draw path
//! (see [`super::draw`]).

use super::draw::{swizzled, ClearCall, OutKind};
use super::framebuffer::{attach, Attachment};
use super::GlBackend;
use crate::error::{Error, Result};
use glow::HasContext;
use std::num::NonZeroU32;

impl GlBackend {
    /// CLEAR of the given attachments: whole surfaces, or `c.rect` of each (CLEAR_SURFACE);
    /// the guest's scissor and write masks never apply.
    pub fn clear_attachments(&mut self, c: &ClearCall<'_>) -> Result<()> {
        self.begin()?;
        // Clears change masks, scissor and discard state the draws keep.
        self.draw.forget_applied();
        // One attachment at a time: GL clears only the area all attachments share, gallium
        // clears each surface whole (every layer of its range: a layered attachment at once,
        // a sub-range GL cannot attach layer by layer).
        for (i, a) in c.cbufs.iter().enumerate().take(8) {
            let Some(a) = a else { continue };
            if c.buffers & (4 << i) == 0 {
                continue;
            }
            for a in a.each_layer() {
                self.bind_framebuffer(&[Some(a)], None)?;
                self.clear_bound_color(&a, c.color, c.rect);
            }
        }
        if let Some(z) = c.zs.filter(|_| c.buffers & 3 != 0) {
            for z in z.each_layer() {
                self.bind_framebuffer(&[], Some(z))?;
                self.clear_bound_zs(&z, c);
            }
        }
        self.check("CLEAR")
    }

    /// Limits the next clears to `rect` (x, y, w, h), or to nothing but the attachments.
    fn clear_scissor(&self, rect: Option<[i32; 4]>) {
        // SAFETY: context current.
        unsafe {
            match rect {
                Some([x, y, w, h]) => {
                    self.gl.enable(glow::SCISSOR_TEST);
                    self.gl.scissor(x, y, w, h);
                }
                None => self.gl.disable(glow::SCISSOR_TEST),
            }
        }
    }

    /// Clears colour attachment 0 of the bound draw framebuffer, `a`, to `color` (within
    /// `rect` when given).
    fn clear_bound_color(&self, a: &Attachment, color: [u32; 4], rect: Option<[i32; 4]>) {
        self.clear_scissor(rect);
        let gl = &self.gl;
        // SAFETY: context current, the draw framebuffer bound; slices hold 4 values.
        unsafe {
            gl.disable(glow::RASTERIZER_DISCARD);
            self.set_framebuffer_srgb(!a.linear_view);
            gl.color_mask_draw_buffer(0, true, true, true, true);
            match a.kind {
                OutKind::Float => {
                    let v = swizzled(color.map(f32::from_bits), a.swizzle);
                    gl.clear_buffer_f32_slice(glow::COLOR, 0, &v);
                }
                OutKind::Sint => {
                    gl.clear_buffer_i32_slice(glow::COLOR, 0, &color.map(|x| x as i32))
                }
                OutKind::Uint => gl.clear_buffer_u32_slice(glow::COLOR, 0, &color),
            }
        }
    }

    /// Clears the depth and/or stencil of the bound draw framebuffer's attachment `z` as
    /// `c` asks.
    fn clear_bound_zs(&self, z: &Attachment, c: &ClearCall<'_>) {
        let gl = &self.gl;
        let want_z = c.buffers & 1 != 0 && z.zs_point != glow::STENCIL_ATTACHMENT;
        let want_s = c.buffers & 2 != 0 && z.zs_point != glow::DEPTH_ATTACHMENT;
        let depth = c.depth.clamp(0.0, 1.0) as f32;
        let stencil = (c.stencil & 0xff) as i32;
        self.clear_scissor(c.rect);
        // SAFETY: context current, the draw framebuffer bound; slices hold one value.
        unsafe {
            gl.disable(glow::RASTERIZER_DISCARD);
            gl.depth_mask(true);
            gl.stencil_mask_separate(glow::FRONT_AND_BACK, 0xff);
            match (want_z, want_s) {
                (true, true) => {
                    gl.clear_buffer_depth_stencil(glow::DEPTH_STENCIL, 0, depth, stencil)
                }
                (true, false) => gl.clear_buffer_f32_slice(glow::DEPTH, 0, &[depth]),
                (false, true) => gl.clear_buffer_i32_slice(glow::STENCIL, 0, &[stencil]),
                (false, false) => {}
            }
        }
    }

    /// Starts a GL query of `target` (`GL_SAMPLES_PASSED`, …); returns its name.
    pub fn begin_query(&mut self, target: u32) -> Result<u32> {
        self.begin()?;
        // SAFETY: context current.
        let q = unsafe { self.gl.create_query() }
            .map_err(|e| Error::nomem(format!("glGenQueries: {e}")))?;
        // SAFETY: context current; `q` is a new query.
        unsafe { self.gl.begin_query(target, q) };
        if let Err(e) = self.check("glBeginQuery") {
            // SAFETY: deleting the query made above.
            unsafe { self.gl.delete_query(q) };
            return Err(e);
        }
        Ok(q.0.get())
    }

    /// Ends query `name` of `target` (or records a timestamp for `GL_TIMESTAMP` with
    /// `name` 0), waits for its result, deletes it and returns the result.
    pub fn end_query(&mut self, target: u32, name: u32) -> Result<u64> {
        self.begin()?;
        let gl = &self.gl;
        // SAFETY: context current; `name` is a query this backend began (or a new one for
        // timestamps), deleted here once its result is read.
        let r = unsafe {
            let q = match NonZeroU32::new(name) {
                Some(n) => {
                    gl.end_query(target);
                    glow::NativeQuery(n)
                }
                None => {
                    let q = gl
                        .create_query()
                        .map_err(|e| Error::nomem(format!("glGenQueries: {e}")))?;
                    gl.query_counter(q, glow::TIMESTAMP);
                    q
                }
            };
            let r = gl.get_query_parameter_u64(q, glow::QUERY_RESULT);
            gl.delete_query(q);
            r
        };
        self.check("query result")?;
        Ok(r)
    }

    /// Deletes queries that were begun and never ended (their objects are gone).
    pub fn delete_queries(&mut self, names: &[u32]) {
        if names.is_empty() || self.begin().is_err() {
            return;
        }
        for &n in names {
            if let Some(n) = NonZeroU32::new(n) {
                // SAFETY: context current; the query is ours.
                unsafe { self.gl.delete_query(glow::NativeQuery(n)) };
            }
        }
    }

    /// Prepares a resource's storage for GL use by the draw path (zero-fills new storage)
    /// and returns its GL name and target.
    pub fn use_storage(
        &mut self,
        desc: &crate::model::resource::ResourceDesc,
        st: &mut super::GlStorage,
    ) -> Result<(u32, u32)> {
        if st.clear_pending {
            // The zero-fill writes the object and may bind a framebuffer.
            self.begin()?;
            self.settle(desc, st)?;
        }
        // Settled storage needs no GL call (nor the context current) here.
        Ok((st.name, st.target))
    }

    /// How many GL objects were given to the VMM so far (see [`super::GlStorage::exposed`]).
    pub fn exposures(&self) -> u64 {
        self.exposures
    }

    /// Whether glBlitFramebuffer copies stencil between different depth/stencil formats on
    /// this host (probed at init).
    pub fn blits_stencil_across_formats(&self) -> bool {
        self.stencil_blit_across_formats
    }

    /// BLIT between two textures with glBlitFramebuffer: `src`/`dst` rectangles as
    /// (x0, y0, x1, y1) (a reversed pair mirrors), `mask` GL's buffer bits, `linear` for
    /// linear filtering (colour only), `scissor` (x, y, w, h) on the destination.
    #[allow(clippy::too_many_arguments)]
    pub fn blit_textures(
        &mut self,
        src: Attachment,
        dst: Attachment,
        src_rect: [i32; 4],
        dst_rect: [i32; 4],
        mask: u32,
        linear: bool,
        scissor: Option<[i32; 4]>,
    ) -> Result<()> {
        self.begin()?;
        self.draw.forget_applied();
        let color = mask & glow::COLOR_BUFFER_BIT != 0;
        if color {
            self.bind_framebuffer(&[Some(dst)], None)?;
        } else {
            self.bind_framebuffer(&[], Some(dst))?;
        }
        let read = self.draw.read_fbo(&self.gl)?;
        let gl = &self.gl;
        let point = if color { glow::COLOR_ATTACHMENT0 } else { src.zs_point };
        let rf = glow::READ_FRAMEBUFFER;
        // SAFETY: context current; `read` is ours and bound here before attaching.
        unsafe { gl.bind_framebuffer(rf, Some(read)) };
        for p in [glow::COLOR_ATTACHMENT0, glow::DEPTH_STENCIL_ATTACHMENT] {
            attach(gl, rf, p, None);
        }
        attach(gl, rf, point, Some(&src));
        // SAFETY: context current, the read framebuffer bound above.
        let status = unsafe {
            gl.read_buffer(if color { glow::COLOR_ATTACHMENT0 } else { glow::NONE });
            gl.check_framebuffer_status(rf)
        };
        self.check("blit source")?;
        if status != glow::FRAMEBUFFER_COMPLETE {
            return Err(Error::inval(format!("blit source incomplete (status {status:#x})")));
        }
        let gl = &self.gl;
        // SAFETY: context current, both framebuffers bound and complete.
        unsafe {
            gl.disable(glow::RASTERIZER_DISCARD);
            // Decode and encode sRGB unless the guest views either side linearly (the
            // decoder hands over only blits one switch can do).
            self.set_framebuffer_srgb(!(src.linear_view || dst.linear_view));
            gl.color_mask(true, true, true, true);
            gl.depth_mask(true);
            gl.stencil_mask_separate(glow::FRONT_AND_BACK, 0xff);
            match scissor {
                Some([x, y, w, h]) => {
                    gl.enable(glow::SCISSOR_TEST);
                    gl.scissor(x, y, w, h);
                }
                None => gl.disable(glow::SCISSOR_TEST),
            }
            let [sx0, sy0, sx1, sy1] = src_rect;
            let [dx0, dy0, dx1, dy1] = dst_rect;
            let filter = if linear && color { glow::LINEAR } else { glow::NEAREST };
            gl.blit_framebuffer(sx0, sy0, sx1, sy1, dx0, dy0, dx1, dy1, mask, filter);
            gl.bind_framebuffer(glow::READ_FRAMEBUFFER, None);
        }
        self.check("BLIT")
    }
}
