//! Buffers a draw reads through the program rather than as vertices: uniform blocks
//! (SET_UNIFORM_BUFFER) and buffer textures (sampler views of `PIPE_BUFFER` resources).
//!
//! Binding points: uniform block `b` (1 ..= [`MAX_UNIFORM_BLOCKS`]) of a stage gets the
//! binding point [`ubo_binding`] — twelve per stage, vertex, fragment, geometry, then
//! tessellation control and evaluation — set in the program at link time
//! (`glUniformBlockBinding`; GLSL 3.30 has no `binding =`). Thirty-six points is GL 3.2's
//! minimum of `GL_MAX_UNIFORM_BUFFER_BINDINGS`, sixty GL 4.0's (tessellation needs 4.0).
//!
//! Guest ranges never reach GL unchecked: a range is clipped to its buffer's real size,
//! and a block is bound in place only when the guest's range covers the whole declared
//! block at an offset aligned to `GL_UNIFORM_BUFFER_OFFSET_ALIGNMENT`; otherwise what the
//! range holds is copied into a scratch buffer of the block's size whose rest reads zero
//! (an unbound block reads zero too). A buffer texture is attached in place when its view
//! covers the whole buffer from offset 0, else through a scratch copy of the range (core
//! GL 3.3 has no glTexBufferRange); a view starting past the buffer reads zero. Texel
//! formats are those GL allows for buffer textures; others are refused with EINVAL.

use super::{gi, GlBackend};
use crate::error::{Error, Result};
use crate::model::shader::Processor;
use glow::HasContext;
use std::collections::HashMap;
use std::num::NonZeroU32;

/// Uniform blocks per stage besides the default constant buffer (the capsets' 13 - 1).
pub const MAX_UNIFORM_BLOCKS: u32 = crate::model::caps::level2::MAX_UNIFORM_BLOCKS;
/// Bytes of the largest block a program may declare (GL 3.1's minimum of
/// `GL_MAX_UNIFORM_BLOCK_SIZE` is 16 KiB; the parser allows 4096 vec4s).
const MAX_BLOCK_BYTES: u64 = 64 << 10;
/// Most bytes of a partial buffer-texture view copied for a draw: the advertised texel
/// limit at 16 bytes per texel.
const MAX_TBO_COPY_BYTES: u64 = crate::model::caps::level2::MAX_TBO_SIZE as u64 * 16;

/// The binding point of uniform block `index` (1 ..= [`MAX_UNIFORM_BLOCKS`]) of `stage`.
pub fn ubo_binding(stage: Processor, index: u32) -> Option<u32> {
    let slot = match stage {
        Processor::Vertex => 0,
        Processor::Fragment => 1,
        Processor::Geometry => 2,
        Processor::TessCtrl => 3,
        Processor::TessEval => 4,
        _ => return None,
    };
    (1..=MAX_UNIFORM_BLOCKS).contains(&index).then(|| slot * MAX_UNIFORM_BLOCKS + index - 1)
}

/// A byte range of a resource's GL buffer, as the guest gave it (checked here).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferRange {
    /// The GL buffer name.
    pub buffer: u32,
    /// The resource's real size in bytes.
    pub buffer_size: u64,
    pub offset: u64,
    pub length: u64,
}

impl BufferRange {
    /// The part of the range inside the buffer: (offset, length); length 0 when it starts
    /// at or past the end.
    pub fn clipped(&self) -> (u64, u64) {
        if self.offset >= self.buffer_size {
            return (self.offset, 0);
        }
        (self.offset, self.length.min(self.buffer_size - self.offset))
    }
}

/// A uniform block the program reads and what the guest bound for it.
#[derive(Clone, Copy, Debug)]
pub struct UniformBlockInput {
    pub binding: u32,
    /// Bytes the block declares.
    pub size: u64,
    /// `None`: nothing bound (the block reads zero).
    pub source: Option<BufferRange>,
}

/// A `samplerBuffer` of the program and the buffer view bound for it.
#[derive(Clone, Copy, Debug)]
pub struct BufferTextureInput {
    pub unit: u32,
    /// The view format's sized GL internal format.
    pub internal_format: u32,
    /// `None`: nothing bound (texel fetches read zero).
    pub source: Option<BufferRange>,
}

/// GL objects of this module (valid in the backend's own context only).
#[derive(Default)]
pub struct BufferBindings {
    /// Scratch buffers by use: (0, binding point) for blocks, (1, unit) for textures.
    scratch: HashMap<(u8, u32), glow::NativeBuffer>,
    /// The buffer texture object of each texture unit.
    textures: HashMap<u32, glow::NativeTexture>,
}

/// Sized formats GL accepts for buffer textures (GL 3.1 core's table, and the RGB32
/// ones of GL 4.0).
pub fn buffer_texture_format(internal: u32) -> bool {
    use glow::*;
    matches!(
        internal,
        R8 | R16
            | R16F
            | R32F
            | R8I
            | R16I
            | R32I
            | R8UI
            | R16UI
            | R32UI
            | RG8
            | RG16
            | RG16F
            | RG32F
            | RG8I
            | RG16I
            | RG32I
            | RG8UI
            | RG16UI
            | RG32UI
            | RGB32F
            | RGB32I
            | RGB32UI
            | RGBA8
            | RGBA16
            | RGBA16F
            | RGBA32F
            | RGBA8I
            | RGBA16I
            | RGBA32I
            | RGBA8UI
            | RGBA16UI
            | RGBA32UI
    )
}

impl BufferBindings {
    /// Deletes the scratch buffers and buffer textures.
    ///
    /// # Safety
    /// Their context is current.
    pub(super) unsafe fn delete(self, gl: &glow::Context) {
        // SAFETY: the caller made their context current; each is deleted once.
        unsafe {
            for b in self.scratch.into_values() {
                gl.delete_buffer(b);
            }
            for t in self.textures.into_values() {
                gl.delete_texture(t);
            }
        }
    }
}

fn native(name: u32) -> Option<glow::NativeBuffer> {
    NonZeroU32::new(name).map(glow::NativeBuffer)
}

impl GlBackend {
    /// Binds every uniform block of the next draw (see the module docs).
    pub fn bind_uniform_blocks(&mut self, blocks: &[UniformBlockInput]) -> Result<()> {
        if blocks.is_empty() {
            return Ok(());
        }
        self.begin_draw()?;
        // The host's alignment: level 2 advertises it (or a multiple of it).
        let align = u64::from(self.limits.draw.ubo_offset_alignment.max(1));
        for b in blocks {
            if b.size == 0 || b.size > MAX_BLOCK_BYTES {
                return Err(Error::inval(format!("uniform block of {} bytes", b.size)));
            }
            let (offset, len) = b.source.map_or((0, 0), |s| s.clipped());
            match b.source {
                Some(s) if len >= b.size && offset % align == 0 => {
                    // SAFETY: context current; the range lies inside the live buffer
                    // (clipped to its real size above).
                    unsafe {
                        self.gl.bind_buffer_range(
                            glow::UNIFORM_BUFFER,
                            b.binding,
                            native(s.buffer),
                            gi(offset, "uniform buffer offset")?,
                            gi(b.size, "uniform block size")?,
                        )
                    };
                }
                _ => {
                    let src = b.source.map(|s| (s.buffer, offset, len.min(b.size)));
                    let scratch = self.scratch_copy((0, b.binding), b.size, src)?;
                    // SAFETY: context current; the scratch buffer holds `size` bytes.
                    unsafe {
                        self.gl.bind_buffer_range(
                            glow::UNIFORM_BUFFER,
                            b.binding,
                            Some(scratch),
                            0,
                            gi(b.size, "uniform block size")?,
                        )
                    };
                }
            }
        }
        // GL errors surface in the draw's own check (one glGetError per draw).
        Ok(())
    }

    /// Attaches every buffer texture of the next draw to its unit (see the module docs).
    pub fn bind_buffer_textures(&mut self, textures: &[BufferTextureInput]) -> Result<()> {
        if textures.is_empty() {
            return Ok(());
        }
        self.begin_draw()?;
        for t in textures {
            if !buffer_texture_format(t.internal_format) {
                return Err(Error::inval(format!(
                    "buffer texture format {:#x} is not one GL allows",
                    t.internal_format
                )));
            }
            let buffer = match t.source {
                None => None,
                Some(s) => {
                    let (offset, len) = s.clipped();
                    if len == 0 {
                        None
                    } else if offset == 0 && len == s.buffer_size {
                        native(s.buffer)
                    } else {
                        // A partial view is copied per draw: no more than the capsets'
                        // texel limit at the widest texel (a view past it is invalid).
                        let len = len.min(MAX_TBO_COPY_BYTES);
                        Some(self.scratch_copy((1, t.unit), len, Some((s.buffer, offset, len)))?)
                    }
                }
            };
            let tex = match self.draw.buffers.textures.get(&t.unit) {
                Some(&tex) => tex,
                None => {
                    // SAFETY: context current.
                    let tex = unsafe { self.gl.create_texture() }
                        .map_err(|e| Error::nomem(format!("glGenTextures: {e}")))?;
                    self.draw.buffers.textures.insert(t.unit, tex);
                    tex
                }
            };
            // SAFETY: context current; `tex` is our buffer texture, `buffer` a live buffer
            // (or none); the format is one GL accepts (checked above).
            unsafe {
                self.gl.active_texture(glow::TEXTURE0 + t.unit);
                self.gl.bind_texture(glow::TEXTURE_BUFFER, Some(tex));
                self.gl.tex_buffer(glow::TEXTURE_BUFFER, t.internal_format, buffer);
                self.gl.active_texture(glow::TEXTURE0);
            }
        }
        Ok(())
    }

    /// The scratch buffer `key` resized to `size` zero bytes, with `len` bytes of buffer
    /// `src` from `offset` copied to its start (`src`: (buffer, offset, len), inside the
    /// source buffer and `len <= size`).
    fn scratch_copy(
        &mut self,
        key: (u8, u32),
        size: u64,
        src: Option<(u32, u64, u64)>,
    ) -> Result<glow::NativeBuffer> {
        let scratch = match self.draw.buffers.scratch.get(&key) {
            Some(&b) => b,
            None => {
                // SAFETY: context current.
                let b = unsafe { self.gl.create_buffer() }
                    .map_err(|e| Error::nomem(format!("glGenBuffers: {e}")))?;
                self.draw.buffers.scratch.insert(key, b);
                b
            }
        };
        let covered = src.is_some_and(|s| s.2 == size);
        // SAFETY: context current; `scratch` is ours and gets `size` bytes (zeros unless
        // the copy covers them all); the copy's source range lies inside the live source
        // buffer and fits the scratch buffer.
        unsafe {
            self.gl.bind_buffer(glow::COPY_WRITE_BUFFER, Some(scratch));
            if covered {
                let n = gi(size, "scratch buffer size")?;
                self.gl.buffer_data_size(glow::COPY_WRITE_BUFFER, n, glow::STREAM_DRAW);
            } else {
                let zeros = vec![0u8; super::usize_of(size, "scratch buffer")?];
                self.gl.buffer_data_u8_slice(glow::COPY_WRITE_BUFFER, &zeros, glow::STREAM_DRAW);
            }
            if let Some((buffer, offset, len)) = src.filter(|s| s.2 > 0 && s.2 <= size) {
                self.gl.bind_buffer(glow::COPY_READ_BUFFER, native(buffer));
                self.gl.copy_buffer_sub_data(
                    glow::COPY_READ_BUFFER,
                    glow::COPY_WRITE_BUFFER,
                    gi(offset, "buffer offset")?,
                    0,
                    gi(len, "buffer range")?,
                );
                self.gl.bind_buffer(glow::COPY_READ_BUFFER, None);
            }
            self.gl.bind_buffer(glow::COPY_WRITE_BUFFER, None);
        }
        Ok(scratch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_points_per_stage() {
        assert_eq!(ubo_binding(Processor::Vertex, 1), Some(0));
        assert_eq!(ubo_binding(Processor::Vertex, 12), Some(11));
        assert_eq!(ubo_binding(Processor::Fragment, 1), Some(12));
        assert_eq!(ubo_binding(Processor::Geometry, 12), Some(35));
        assert_eq!(ubo_binding(Processor::Fragment, 0), None, "block 0 is the default buffer");
        assert_eq!(ubo_binding(Processor::Fragment, 13), None);
        assert_eq!(ubo_binding(Processor::Compute, 1), None);
    }

    #[test]
    fn ranges_clip_to_the_buffer() {
        let r = |offset, length| BufferRange { buffer: 1, buffer_size: 100, offset, length };
        assert_eq!(r(0, 100).clipped(), (0, 100));
        assert_eq!(r(16, 1000).clipped(), (16, 84));
        assert_eq!(r(100, 4).clipped().1, 0);
        assert_eq!(r(u64::MAX, u64::MAX).clipped().1, 0);
    }

    #[test]
    fn buffer_texture_formats() {
        assert!(buffer_texture_format(glow::RGBA32F));
        assert!(buffer_texture_format(glow::R8UI));
        assert!(!buffer_texture_format(glow::RGB8), "RGB8 is not a buffer texture format");
        assert!(!buffer_texture_format(glow::SRGB8_ALPHA8));
    }
}
