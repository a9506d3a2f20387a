//! The vertex array of a draw ([`GlBackend::bind_vertices`]): one GL attribute per
//! attribute the program reads, gallium's stride-0 buffers (one element for every vertex)
//! included.

use super::draw::{buf, DrawCall, VertexInput};
use super::{gi, GlBackend};
use crate::error::{Error, Result};
use glow::HasContext;

impl GlBackend {
    /// The vertex array: the attributes the program reads, the others disabled.
    pub(super) fn bind_vertices(&mut self, d: &DrawCall<'_>) -> Result<()> {
        let vao = match self.draw.vao {
            Some(v) => v,
            None => {
                // SAFETY: context current.
                let v = unsafe { self.gl.create_vertex_array() }
                    .map_err(|e| Error::nomem(format!("glGenVertexArrays: {e}")))?;
                self.draw.vao = Some(v);
                v
            }
        };
        let max = match self.draw.max_attribs {
            Some(m) => m,
            None => {
                // SAFETY: context current; a plain query.
                let m = unsafe { self.gl.get_parameter_i32(glow::MAX_VERTEX_ATTRIBS) }.clamp(0, 32)
                    as u32;
                self.draw.max_attribs = Some(m);
                m
            }
        };
        if let Some(v) = d.vertices.iter().find(|v| v.location >= max) {
            return Err(Error::inval(format!(
                "vertex attribute {} (the host has {max})",
                v.location
            )));
        }
        let gl = &self.gl;
        // SAFETY: context current; `vao` is ours; buffers are live buffers of resources
        // whose fetch range was checked ([`check_fetch`]); offsets are byte offsets into
        // the bound buffer (GL's pointer argument).
        unsafe {
            gl.bind_vertex_array(Some(vao));
            for i in 0..max {
                gl.disable_vertex_attrib_array(i);
            }
            for v in d.vertices {
                let a = &v.attrib;
                gl.bind_buffer(glow::ARRAY_BUFFER, buf(v.buffer));
                let off = gi(v.base + u64::from(a.offset), "vertex offset")?;
                let stride = gi(v.stride, "vertex stride")?;
                if v.stride == 0 {
                    // Gallium's stride 0 repeats one element; glVertexAttribPointer's 0
                    // means tightly packed instead.
                    self.bind_repeated_attrib(v, off, d.info.start_instance)?;
                    continue;
                }
                if a.integer {
                    gl.vertex_attrib_pointer_i32(v.location, a.size, a.ty, stride, off);
                } else {
                    gl.vertex_attrib_pointer_f32(
                        v.location,
                        a.size,
                        a.ty,
                        a.normalized,
                        stride,
                        off,
                    );
                }
                gl.vertex_attrib_divisor(v.location, a.divisor);
                gl.enable_vertex_attrib_array(v.location);
            }
            gl.bind_buffer(glow::ELEMENT_ARRAY_BUFFER, d.index.and_then(|i| buf(i.buffer)));
        }
        self.check("vertex attributes")
    }

    /// Binds attribute `v`, whose buffer stride is 0, so that every vertex (and instance)
    /// reads the one element at byte `off`: a vertex buffer binding of stride 0 where the
    /// host has them (GL 4.3), else the element of instance 0 for every instance (an
    /// instanced attribute with the largest divisor), which only holds without a base
    /// instance.
    ///
    /// # Safety
    /// As [`Self::bind_vertices`]: context current, `vao` bound, the fetch checked.
    unsafe fn bind_repeated_attrib(
        &self,
        v: &VertexInput,
        off: i32,
        first_instance: u32,
    ) -> Result<()> {
        let (gl, a) = (&self.gl, &v.attrib);
        // SAFETY: the caller's contract; the binding entry points exist where
        // `bind_vertex_buffer` was loaded (GL 4.3 / ARB_vertex_attrib_binding).
        unsafe {
            if let Some(bind) = self.raw.bind_vertex_buffer {
                if a.integer {
                    gl.vertex_attrib_format_i32(v.location, a.size, a.ty, 0);
                } else {
                    gl.vertex_attrib_format_f32(v.location, a.size, a.ty, a.normalized, 0);
                }
                gl.vertex_attrib_binding(v.location, v.location);
                bind(v.location, v.buffer, off as isize, 0);
                gl.vertex_binding_divisor(v.location, a.divisor);
            } else {
                if first_instance != 0 {
                    return Err(Error::notsup(format!(
                        "vertex attribute {} with stride 0 and base instance {first_instance} \
                         (the host lacks GL_ARB_vertex_attrib_binding)",
                        v.location
                    )));
                }
                if a.integer {
                    gl.vertex_attrib_pointer_i32(v.location, a.size, a.ty, 0, off);
                } else {
                    gl.vertex_attrib_pointer_f32(v.location, a.size, a.ty, a.normalized, 0, off);
                }
                gl.vertex_attrib_divisor(v.location, u32::MAX);
            }
            gl.enable_vertex_attrib_array(v.location);
        }
        Ok(())
    }
}
