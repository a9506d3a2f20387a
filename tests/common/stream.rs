//! Command-stream helpers shared by the decoder tests (tests/decode.rs): encoding of
//! command buffers, the context's error state, fixtures on context 1.

use super::*;
use virglrenderer::ffi::context::*;
use virglrenderer::ffi::types::*;

// ---- encoding -------------------------------------------------------------------------

pub const NOP: u32 = 0;
pub const CREATE_OBJECT: u32 = 1;
pub const DESTROY_OBJECT: u32 = 3;
pub const SET_FRAMEBUFFER_STATE: u32 = 5;
pub const CLEAR: u32 = 7;
pub const DRAW_VBO: u32 = 8;
pub const INLINE_WRITE: u32 = 9;
pub const BLIT: u32 = 16;
pub const COPY_REGION: u32 = 17;
pub const SET_SUB_CTX: u32 = 28;
pub const CREATE_SUB_CTX: u32 = 29;
pub const TRANSFER3D: u32 = 43;
pub const END_TRANSFERS: u32 = 44;
pub const COPY_TRANSFER3D: u32 = 45;
pub const SET_TWEAKS: u32 = 46;
pub const CLEAR_TEXTURE: u32 = 47;
pub const PIPE_RESOURCE_CREATE: u32 = 48;
pub const OBJ_SURFACE: u32 = 8;
pub const OBJ_BLEND: u32 = 1;
pub const OBJ_DSA: u32 = 3;
pub const OBJ_RASTERIZER: u32 = 2;
pub const OBJ_VERTEX_ELEMENTS: u32 = 5;
pub const OBJ_SHADER: u32 = 4;
pub const R32G32_FLOAT: u32 = 29;
pub const BIND_OBJECT: u32 = 2;
pub const DESTROY_SUB_CTX: u32 = 30;

pub const RGBA8: u32 = 67;
pub const BGRA8: u32 = 1;
pub const BGRX8: u32 = 2;
pub const R8: u32 = 64;
pub const Z16: u32 = 16;
pub const S8Z24: u32 = 20;
pub const RGBA16F: u32 = 94;

/// Upstream's VIRGL_ERROR_CTX_UNSUPPORTED_FUNCTION.
pub const UNSUPPORTED_FUNCTION: u32 = 14;
pub const ILLEGAL_HANDLE: u32 = 3;
pub const ILLEGAL_RESOURCE: u32 = 4;
pub const ILLEGAL_SURFACE: u32 = 5;
pub const ILLEGAL_CMD_BUFFER: u32 = 7;

/// A command buffer under construction.
#[derive(Default)]
pub struct Cmds(pub Vec<u32>);

impl Cmds {
    pub fn push(&mut self, cmd: u32, obj: u32, payload: &[u32]) -> &mut Self {
        self.0.push(cmd | obj << 8 | (payload.len() as u32) << 16);
        self.0.extend_from_slice(payload);
        self
    }
    pub fn submit(&mut self, ctx: u32) -> i32 {
        submit_words(ctx, &mut self.0)
    }
}

/// The fixed state of the GL draw tests on one RGBA8 target (resource 1): surface 10 as the
/// only colour buffer, blend 20 writing every channel, DSA 21 all off, rasterizer 22
/// (half_pixel_center, depth_clip, point size and line width 1), vertex elements 23 (one
/// R32G32_FLOAT attribute at offset 0 of vertex buffer 0). Shaders, viewport and buffers
/// are the caller's.
pub fn fixed_draw_state(c: &mut Cmds) {
    let one = 1.0f32.to_bits();
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[10, 1, RGBA8, 0, 0]);
    c.push(SET_FRAMEBUFFER_STATE, 0, &[1, 0, 10]);
    let mut blend = vec![20, 0, 0];
    blend.extend([0xf << 27; 8]);
    c.push(CREATE_OBJECT, OBJ_BLEND, &blend);
    c.push(BIND_OBJECT, OBJ_BLEND, &[20]);
    c.push(CREATE_OBJECT, OBJ_DSA, &[21, 0, 0, 0, 0]);
    c.push(BIND_OBJECT, OBJ_DSA, &[21]);
    // half_pixel_center (bit 29), depth_clip (bit 1).
    c.push(CREATE_OBJECT, OBJ_RASTERIZER, &[22, 1 << 29 | 1 << 1, one, 0, 0, one, 0, 0, 0]);
    c.push(BIND_OBJECT, OBJ_RASTERIZER, &[22]);
    c.push(CREATE_OBJECT, OBJ_VERTEX_ELEMENTS, &[23, 0, 0, 0, R32G32_FLOAT]);
    c.push(BIND_OBJECT, OBJ_VERTEX_ELEMENTS, &[23]);
}

/// CREATE_OBJECT(SHADER) of `text` (TGSI, sent NUL-terminated in one part) as object
/// `handle` of pipe stage `stage` (0 vertex, 1 fragment, 2 geometry, ...).
pub fn shader(c: &mut Cmds, handle: u32, stage: u32, text: &str) {
    let mut bytes = text.as_bytes().to_vec();
    bytes.push(0);
    let mut p = vec![handle, stage, bytes.len() as u32, 0, 0];
    p.extend(bytes_to_words(&bytes));
    c.push(CREATE_OBJECT, OBJ_SHADER, &p);
}

pub fn submit_words(ctx: u32, words: &mut [u32]) -> i32 {
    // SAFETY: `words` is valid for its length.
    unsafe { virgl_renderer_submit_cmd(words.as_mut_ptr().cast(), ctx as i32, words.len() as i32) }
}

pub fn one(ctx: u32, cmd: u32, obj: u32, payload: &[u32]) -> i32 {
    Cmds::default().push(cmd, obj, payload).submit(ctx)
}

pub fn ctx_error(ctx: u32) -> u32 {
    virglrenderer::internal::renderer::with(|r| Ok(r.context(ctx)?.error)).expect("context exists")
}

/// What a submit may answer: 0, EINVAL, ENOTRECOVERABLE (a draw in a context in error) or
/// ENOMEM (object limit).
pub fn ok_errno(r: i32) -> bool {
    [0, libc::EINVAL, libc::ENOTRECOVERABLE, libc::ENOMEM].contains(&r)
}

pub fn in_error(ctx: u32) -> bool {
    virglrenderer::internal::renderer::with(|r| Ok(r.context(ctx)?.in_error))
        .expect("context exists")
}

pub fn clear_ctx_error(ctx: u32) {
    virglrenderer::internal::renderer::with(|r| {
        let c = r.context(ctx)?;
        c.error = 0;
        c.in_error = false;
        Ok(())
    })
    .unwrap();
}

pub fn bytes_to_words(b: &[u8]) -> Vec<u32> {
    b.chunks(4)
        .map(|c| {
            let mut w = [0u8; 4];
            w[..c.len()].copy_from_slice(c);
            u32::from_le_bytes(w)
        })
        .collect()
}

// ---- fixtures -------------------------------------------------------------------------

/// A session with context 1.
pub fn session() -> Session {
    let s = Session::new();
    // SAFETY: valid name pointer and length.
    let r = unsafe { virgl_renderer_context_create(1, 4, c"test".as_ptr()) };
    assert_eq!(r, 0);
    s
}

/// A w×h 2D texture of `format`, attached to context 1.
pub fn tex(handle: u32, format: u32, w: u32, h: u32) -> virgl_renderer_resource_create_args {
    tex_bind(handle, format, w, h, BIND_SAMPLER_VIEW | BIND_RENDER_TARGET)
}

pub fn tex_bind(
    handle: u32,
    format: u32,
    w: u32,
    h: u32,
    bind: u32,
) -> virgl_renderer_resource_create_args {
    let a =
        virgl_renderer_resource_create_args { bind, ..args(handle, TEX_2D, format, w, h, 1, 1, 0) };
    assert_eq!(create(a), 0, "create {handle}");
    virgl_renderer_ctx_attach_resource(1, handle as i32);
    a
}

/// A vertex buffer resource `handle` holding `floats`, attached to context 1.
pub fn vertex_buffer(handle: u32, floats: &[f32]) {
    let bytes: Vec<u8> = floats.iter().flat_map(|v| v.to_le_bytes()).collect();
    let a = virgl_renderer_resource_create_args {
        bind: BIND_VERTEX_BUFFER,
        ..args(handle, 0, R8, bytes.len() as u32, 1, 1, 1, 0)
    };
    assert_eq!(create(a), 0, "create {handle}");
    virgl_renderer_ctx_attach_resource(1, handle as i32);
    let mut s = ScatterBuf::contiguous(bytes.len());
    s.write_all(&bytes);
    assert_eq!(write(handle, Xfer::boxed([0, 0, 0, bytes.len() as u32, 1, 1]), Some(&mut s)), 0);
}

/// Level 0 of a 2D (or 2D array) resource.
pub fn level0(a: &virgl_renderer_resource_create_args) -> Vec<u8> {
    read_level(&mut Rng::new(a.handle as u64), a.handle, a, 0).expect("read back")
}

/// Fills level 0 with `data` through transfer_write_iov.
pub fn upload(a: &virgl_renderer_resource_create_args, data: &[u8]) {
    let g = LevelGeom::of(a, 0);
    let mut s = ScatterBuf::contiguous(data.len());
    s.write_all(data);
    assert_eq!(write(a.handle, Xfer::boxed(g.full_box()), Some(&mut s)), 0);
}

pub fn random_level(a: &virgl_renderer_resource_create_args, seed: u64) -> Vec<u8> {
    let data = Rng::new(seed).bytes(LevelGeom::of(a, 0).size());
    upload(a, &data);
    data
}

pub fn px(data: &[u8], w: u32, bpp: usize, x: u32, y: u32) -> &[u8] {
    let o = (y * w + x) as usize * bpp;
    &data[o..o + bpp]
}

pub fn blit_cmd(
    mask: u32,
    dst: (u32, u32, [i32; 6]),
    src: (u32, u32, [i32; 6]),
    scissor: Option<(u32, u32, u32, u32)>,
) -> Vec<u32> {
    let s0 = mask | if scissor.is_some() { 1 << 10 } else { 0 };
    let (minx, miny, maxx, maxy) = scissor.unwrap_or((0, 0, 0, 0));
    let mut p = vec![s0, minx | miny << 16, maxx | maxy << 16, dst.0, 0, dst.1];
    p.extend(dst.2.iter().map(|&v| v as u32));
    p.extend([src.0, 0, src.1]);
    p.extend(src.2.iter().map(|&v| v as u32));
    p
}
