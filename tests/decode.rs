//! The virgl command decoder through the C ABI: hand-encoded command buffers for every
//! executed command, read back through transfers, and malformed buffers.
//!
//! One renderer per process: run with `cargo nextest run --test decode`. The backend is
//! `VIRGL_SHIM_TEST_BACKEND` (`cpu` by default, `gl` for the GL backend).

mod common;

use common::*;
use virglrenderer::ffi::blob::{virgl_renderer_resource_create_blob, virgl_renderer_resource_map};
use virglrenderer::ffi::context::*;
use virglrenderer::ffi::types::*;

// ---- encoding -------------------------------------------------------------------------

const NOP: u32 = 0;
const CREATE_OBJECT: u32 = 1;
const DESTROY_OBJECT: u32 = 3;
const SET_FRAMEBUFFER_STATE: u32 = 5;
const CLEAR: u32 = 7;
const DRAW_VBO: u32 = 8;
const INLINE_WRITE: u32 = 9;
const BLIT: u32 = 16;
const COPY_REGION: u32 = 17;
const SET_SUB_CTX: u32 = 28;
const CREATE_SUB_CTX: u32 = 29;
const TRANSFER3D: u32 = 43;
const END_TRANSFERS: u32 = 44;
const COPY_TRANSFER3D: u32 = 45;
const SET_TWEAKS: u32 = 46;
const CLEAR_TEXTURE: u32 = 47;
const PIPE_RESOURCE_CREATE: u32 = 48;
const OBJ_SURFACE: u32 = 8;
const OBJ_BLEND: u32 = 1;

const RGBA8: u32 = 67;
const BGRA8: u32 = 1;
const BGRX8: u32 = 2;
const R8: u32 = 64;
const Z16: u32 = 16;
const S8Z24: u32 = 20;
const RGBA16F: u32 = 94;

/// Upstream's VIRGL_ERROR_CTX_UNSUPPORTED_FUNCTION.
const UNSUPPORTED_FUNCTION: u32 = 14;
const ILLEGAL_RESOURCE: u32 = 4;
const ILLEGAL_SURFACE: u32 = 5;
const ILLEGAL_CMD_BUFFER: u32 = 7;

/// A command buffer under construction.
#[derive(Default)]
struct Cmds(Vec<u32>);

impl Cmds {
    fn push(&mut self, cmd: u32, obj: u32, payload: &[u32]) -> &mut Self {
        self.0.push(cmd | obj << 8 | (payload.len() as u32) << 16);
        self.0.extend_from_slice(payload);
        self
    }
    fn submit(&mut self, ctx: u32) -> i32 {
        submit_words(ctx, &mut self.0)
    }
}

fn submit_words(ctx: u32, words: &mut [u32]) -> i32 {
    // SAFETY: `words` is valid for its length.
    unsafe { virgl_renderer_submit_cmd(words.as_mut_ptr().cast(), ctx as i32, words.len() as i32) }
}

fn one(ctx: u32, cmd: u32, obj: u32, payload: &[u32]) -> i32 {
    Cmds::default().push(cmd, obj, payload).submit(ctx)
}

fn ctx_error(ctx: u32) -> u32 {
    virglrenderer::internal::renderer::with(|r| Ok(r.context(ctx)?.error)).expect("context exists")
}

/// What a submit may answer: 0, EINVAL, ENOTRECOVERABLE (a draw in a context in error) or
/// ENOMEM (object limit).
fn ok_errno(r: i32) -> bool {
    [0, libc::EINVAL, libc::ENOTRECOVERABLE, libc::ENOMEM].contains(&r)
}

fn in_error(ctx: u32) -> bool {
    virglrenderer::internal::renderer::with(|r| Ok(r.context(ctx)?.in_error))
        .expect("context exists")
}

fn clear_ctx_error(ctx: u32) {
    virglrenderer::internal::renderer::with(|r| {
        let c = r.context(ctx)?;
        c.error = 0;
        c.in_error = false;
        Ok(())
    })
    .unwrap();
}

fn bytes_to_words(b: &[u8]) -> Vec<u32> {
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
fn session() -> Session {
    let s = Session::new();
    // SAFETY: valid name pointer and length.
    let r = unsafe { virgl_renderer_context_create(1, 4, c"test".as_ptr()) };
    assert_eq!(r, 0);
    s
}

/// A w×h 2D texture of `format`, attached to context 1.
fn tex(handle: u32, format: u32, w: u32, h: u32) -> virgl_renderer_resource_create_args {
    tex_bind(handle, format, w, h, BIND_SAMPLER_VIEW | BIND_RENDER_TARGET)
}

fn tex_bind(
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

/// Level 0 of a 2D (or 2D array) resource.
fn level0(a: &virgl_renderer_resource_create_args) -> Vec<u8> {
    read_level(&mut Rng::new(a.handle as u64), a.handle, a, 0).expect("read back")
}

/// Fills level 0 with `data` through transfer_write_iov.
fn upload(a: &virgl_renderer_resource_create_args, data: &[u8]) {
    let g = LevelGeom::of(a, 0);
    let mut s = ScatterBuf::contiguous(data.len());
    s.write_all(data);
    assert_eq!(write(a.handle, Xfer::boxed(g.full_box()), Some(&mut s)), 0);
}

fn random_level(a: &virgl_renderer_resource_create_args, seed: u64) -> Vec<u8> {
    let data = Rng::new(seed).bytes(LevelGeom::of(a, 0).size());
    upload(a, &data);
    data
}

fn px(data: &[u8], w: u32, bpp: usize, x: u32, y: u32) -> &[u8] {
    let o = (y * w + x) as usize * bpp;
    &data[o..o + bpp]
}

fn blit_cmd(
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

// ---- tests ----------------------------------------------------------------------------

#[test]
fn inline_write_then_read() {
    let _s = session();
    let a = tex(1, RGBA8, 4, 4);
    let data: Vec<u8> = (0..16).collect();
    // Box (1,1) 2x2, stride 8 bytes.
    let mut p = vec![1, 0, 0, 8, 0, 1, 1, 0, 2, 2, 1];
    p.extend(bytes_to_words(&data));
    assert_eq!(one(1, INLINE_WRITE, 0, &p), 0);
    let out = level0(&a);
    assert_eq!(px(&out, 4, 4, 1, 1), &data[0..4]);
    assert_eq!(px(&out, 4, 4, 2, 1), &data[4..8]);
    assert_eq!(px(&out, 4, 4, 1, 2), &data[8..12]);
    assert_eq!(px(&out, 4, 4, 2, 2), &data[12..16]);
    assert_eq!(px(&out, 4, 4, 0, 0), &[0, 0, 0, 0]);
    assert_eq!(ctx_error(1), 0);

    // Payload shorter than the box: EINVAL, context error, nothing written.
    let mut p = vec![1, 0, 0, 0, 0, 0, 0, 0, 4, 4, 1];
    p.extend([0xffff_ffffu32; 15]);
    assert_eq!(one(1, INLINE_WRITE, 0, &p), libc::EINVAL);
    assert_ne!(ctx_error(1), 0);
    assert_eq!(level0(&a), out);
    // Fixed fields missing.
    assert_eq!(one(1, INLINE_WRITE, 0, &[1, 0, 0]), libc::EINVAL);
    // Not attached to the context.
    let b = virgl_renderer_resource_create_args { handle: 2, ..a };
    assert_eq!(create(b), 0);
    let mut p = vec![2, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 7];
    assert_eq!(one(1, INLINE_WRITE, 0, &p), libc::EINVAL);
    assert_eq!(ctx_error(1), ILLEGAL_RESOURCE);
    virgl_renderer_ctx_attach_resource(1, 2);
    p[0] = 2;
    assert_eq!(one(1, INLINE_WRITE, 0, &p), 0);
    assert_eq!(px(&level0(&b), 4, 4, 0, 0), &[7, 0, 0, 0]);
}

#[test]
fn clear_color_surface() {
    let _s = session();
    let a = tex(1, BGRA8, 5, 3);
    let b = tex(2, RGBA16F, 2, 2);
    let mut c = Cmds::default();
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[10, 1, BGRA8, 0, 0]);
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[11, 2, RGBA16F, 0, 0]);
    c.push(SET_FRAMEBUFFER_STATE, 0, &[2, 0, 10, 11]);
    let color = [1.0f32, 0.5, 0.0, 1.0].map(f32::to_bits);
    // COLOR0 only.
    c.push(CLEAR, 0, &[1 << 2, color[0], color[1], color[2], color[3], 0, 0, 0]);
    assert_eq!(c.submit(1), 0);
    let out = level0(&a);
    assert!(out.chunks(4).all(|p| p == [0, 128, 255, 255]), "{out:?}");
    assert!(level0(&b).iter().all(|&v| v == 0), "COLOR1 not requested");
    // COLOR1: half floats.
    assert_eq!(one(1, CLEAR, 0, &[1 << 3, color[0], color[1], color[2], color[3], 0, 0, 0]), 0);
    let half: Vec<u8> =
        [0x3c00u16, 0x3800, 0, 0x3c00].iter().flat_map(|h| h.to_le_bytes()).collect();
    assert!(level0(&b).chunks(8).all(|p| p == half));
    assert_eq!(ctx_error(1), 0);

    // Destroying the surface object keeps the bound framebuffer (upstream holds a reference).
    assert_eq!(one(1, DESTROY_OBJECT, OBJ_SURFACE, &[10]), 0);
    let green = [0.0f32, 1.0, 0.0, 0.0].map(f32::to_bits);
    assert_eq!(one(1, CLEAR, 0, &[1 << 2, green[0], green[1], green[2], green[3], 0, 0, 0]), 0);
    assert!(level0(&a).chunks(4).all(|p| p == [0, 255, 0, 0]));
    // Binding the destroyed surface again fails.
    assert_eq!(one(1, SET_FRAMEBUFFER_STATE, 0, &[1, 0, 10]), libc::EINVAL);
    assert_eq!(ctx_error(1), ILLEGAL_SURFACE);
    // A lying nr_cbufs.
    assert_eq!(one(1, SET_FRAMEBUFFER_STATE, 0, &[3, 0, 11]), libc::EINVAL);
    assert_eq!(one(1, SET_FRAMEBUFFER_STATE, 0, &[9, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]), libc::EINVAL);
}

#[test]
fn clear_surface_layers_and_r8() {
    let _s = session();
    let a = virgl_renderer_resource_create_args {
        bind: BIND_SAMPLER_VIEW | BIND_RENDER_TARGET,
        ..args(1, TEX_2D_ARRAY, R8, 3, 2, 1, 3, 0)
    };
    assert_eq!(create(a), 0);
    virgl_renderer_ctx_attach_resource(1, 1);
    let mut c = Cmds::default();
    // Layer 1 only.
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[10, 1, R8, 0, 1 | 1 << 16]);
    c.push(SET_FRAMEBUFFER_STATE, 0, &[1, 0, 10]);
    c.push(CLEAR, 0, &[1 << 2, 0.5f32.to_bits(), 0, 0, 0, 0, 0, 0]);
    assert_eq!(c.submit(1), 0);
    let out = read_level(&mut Rng::new(1), 1, &a, 0).unwrap();
    assert_eq!(out, [[0u8; 6], [128; 6], [0; 6]].concat());
}

#[test]
fn clear_depth_stencil() {
    let s = session();
    let z = tex_bind(1, Z16, 3, 2, BIND_DEPTH_STENCIL);
    let zs = tex_bind(2, S8Z24, 3, 2, BIND_DEPTH_STENCIL);
    let depth = 0.5f64.to_bits();
    let (dlo, dhi) = (depth as u32, (depth >> 32) as u32);
    let mut c = Cmds::default();
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[10, 1, Z16, 0, 0]);
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[11, 2, S8Z24, 0, 0]);
    c.push(SET_FRAMEBUFFER_STATE, 0, &[0, 10]);
    c.push(CLEAR, 0, &[1, 0, 0, 0, 0, dlo, dhi, 0]);
    c.push(SET_FRAMEBUFFER_STATE, 0, &[0, 11]);
    c.push(CLEAR, 0, &[3, 0, 0, 0, 0, dlo, dhi, 0x5a]);
    assert_eq!(c.submit(1), 0, "backend {}", s.backend);
    assert!(level0(&z).chunks(2).all(|p| p == 0x8000u16.to_le_bytes()));
    let want = (0x80_0000u32 << 8 | 0x5a).to_le_bytes();
    assert!(level0(&zs).chunks(4).all(|p| p == want), "{:?}", level0(&zs));
    // Stencil only: depth kept.
    assert_eq!(one(1, CLEAR, 0, &[2, 0, 0, 0, 0, 0, 0, 0x11]), 0);
    let want = (0x80_0000u32 << 8 | 0x11).to_le_bytes();
    assert!(level0(&zs).chunks(4).all(|p| p == want), "{:?}", level0(&zs));
    assert_eq!(ctx_error(1), 0);
}

#[test]
fn copy_region() {
    let _s = session();
    let a = tex(1, RGBA8, 4, 4);
    let b = tex(2, BGRA8, 4, 4);
    let src = random_level(&a, 7);
    // 2x2 from (1,0) to (2,2): same block size, bytes copied unchanged.
    assert_eq!(one(1, COPY_REGION, 0, &[2, 0, 2, 2, 0, 1, 0, 1, 0, 0, 2, 2, 1]), 0);
    let out = level0(&b);
    for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
        assert_eq!(px(&out, 4, 4, 2 + dx, 2 + dy), px(&src, 4, 4, 1 + dx, dy));
    }
    assert_eq!(px(&out, 4, 4, 0, 0), &[0; 4]);
    // Out of bounds and block size mismatch: EINVAL.
    assert_eq!(one(1, COPY_REGION, 0, &[2, 0, 3, 3, 0, 1, 0, 0, 0, 0, 2, 2, 1]), libc::EINVAL);
    let c = tex(3, R8, 4, 4);
    assert_eq!(one(1, COPY_REGION, 0, &[3, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1]), libc::EINVAL);
    let _ = c;
    assert_eq!(one(1, COPY_REGION, 0, &[2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1]), libc::EINVAL);
    // Overlapping copy within one resource.
    assert_eq!(one(1, COPY_REGION, 0, &[1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 3, 4, 1]), 0);
    let out = level0(&a);
    for y in 0..4 {
        for x in 0..3 {
            assert_eq!(px(&out, 4, 4, x + 1, y), px(&src, 4, 4, x, y));
        }
    }
}

#[test]
fn blit_same_format_and_scissor() {
    let _s = session();
    let a = tex(1, RGBA8, 4, 4);
    let b = tex(2, RGBA8, 4, 4);
    let src = random_level(&a, 3);
    let p = blit_cmd(0xf, (2, RGBA8, [1, 1, 0, 2, 2, 1]), (1, RGBA8, [0, 0, 0, 2, 2, 1]), None);
    assert_eq!(one(1, BLIT, 0, &p), 0);
    let out = level0(&b);
    for (x, y) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
        assert_eq!(px(&out, 4, 4, 1 + x, 1 + y), px(&src, 4, 4, x, y));
    }
    assert_eq!(px(&out, 4, 4, 0, 0), &[0; 4]);
    // Scissor: only x in [0, 1) written.
    let b2 = tex(3, RGBA8, 4, 4);
    let p = blit_cmd(
        0xf,
        (3, RGBA8, [0, 0, 0, 4, 4, 1]),
        (1, RGBA8, [0, 0, 0, 4, 4, 1]),
        Some((0, 0, 1, 4)),
    );
    assert_eq!(one(1, BLIT, 0, &p), 0);
    let out = level0(&b2);
    for y in 0..4 {
        assert_eq!(px(&out, 4, 4, 0, y), px(&src, 4, 4, 0, y));
        assert_eq!(px(&out, 4, 4, 1, y), &[0; 4]);
    }
    assert_eq!(ctx_error(1), 0);
}

#[test]
fn blit_scaled_nearest() {
    let _s = session();
    let a = tex(1, RGBA8, 2, 2);
    let b = tex(2, RGBA8, 4, 4);
    let src = random_level(&a, 11);
    let p = blit_cmd(0xf, (2, RGBA8, [0, 0, 0, 4, 4, 1]), (1, RGBA8, [0, 0, 0, 2, 2, 1]), None);
    assert_eq!(one(1, BLIT, 0, &p), 0);
    let out = level0(&b);
    for y in 0..4 {
        for x in 0..4 {
            assert_eq!(px(&out, 4, 4, x, y), px(&src, 2, 4, x / 2, y / 2), "({x},{y})");
        }
    }
    // Downscale 4x4 -> 2x2 samples texel centres (1, 3).
    let c = tex(3, RGBA8, 2, 2);
    let p = blit_cmd(0xf, (3, RGBA8, [0, 0, 0, 2, 2, 1]), (2, RGBA8, [0, 0, 0, 4, 4, 1]), None);
    assert_eq!(one(1, BLIT, 0, &p), 0);
    let small = level0(&c);
    for y in 0..2 {
        for x in 0..2 {
            assert_eq!(px(&small, 2, 4, x, y), px(&out, 4, 4, 2 * x + 1, 2 * y + 1));
        }
    }
}

#[test]
fn blit_converted_and_flipped() {
    let _s = session();
    let a = tex(1, RGBA8, 3, 2);
    let b = tex(2, BGRX8, 3, 2);
    let src = random_level(&a, 5);
    // Negative source height: rows mirrored (source rows [0, 2) read bottom-up).
    let p = blit_cmd(0xf, (2, BGRX8, [0, 0, 0, 3, 2, 1]), (1, RGBA8, [0, 2, 0, 3, -2, 1]), None);
    assert_eq!(one(1, BLIT, 0, &p), 0);
    let out = level0(&b);
    for y in 0..2 {
        for x in 0..3 {
            let s = px(&src, 3, 4, x, 1 - y);
            assert_eq!(px(&out, 3, 4, x, y), &[s[2], s[1], s[0], 255], "({x},{y})");
        }
    }
    // Back to RGBA with only the R and G channels (mask 0x3).
    let c = tex(3, RGBA8, 3, 2);
    let p = blit_cmd(0x3, (3, RGBA8, [0, 0, 0, 3, 2, 1]), (2, BGRX8, [0, 0, 0, 3, 2, 1]), None);
    assert_eq!(one(1, BLIT, 0, &p), 0);
    let back = level0(&c);
    for y in 0..2 {
        for x in 0..3 {
            let s = px(&src, 3, 4, x, 1 - y);
            assert_eq!(px(&back, 3, 4, x, y), &[s[0], s[1], 0, 0]);
        }
    }
    assert_eq!(ctx_error(1), 0);
    // An unsupported pair: skipped, context error, the buffer goes on.
    let f = tex(4, RGBA16F, 3, 2);
    let mut cmds = Cmds::default();
    cmds.push(
        BLIT,
        0,
        &blit_cmd(0xf, (4, RGBA16F, [0, 0, 0, 3, 2, 1]), (1, RGBA8, [0, 0, 0, 3, 2, 1]), None),
    );
    cmds.push(INLINE_WRITE, 0, &[4, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0x0102_0304, 0]);
    assert_eq!(cmds.submit(1), 0);
    assert_eq!(ctx_error(1), UNSUPPORTED_FUNCTION);
    assert_eq!(&level0(&f)[..8], &[4, 3, 2, 1, 0, 0, 0, 0]);
    // A format index out of range (CVE-2019-18390 class): EINVAL.
    let p = blit_cmd(0xf, (2, 9999, [0, 0, 0, 1, 1, 1]), (1, RGBA8, [0, 0, 0, 1, 1, 1]), None);
    assert_eq!(one(1, BLIT, 0, &p), libc::EINVAL);
    assert_eq!(one(1, BLIT, 0, &p[..20]), libc::EINVAL, "truncated");
}

#[test]
fn clear_texture() {
    let _s = session();
    let a = tex(1, RGBA8, 4, 3);
    assert_eq!(one(1, CLEAR_TEXTURE, 0, &[1, 0, 1, 1, 0, 2, 2, 1, 0x4433_2211, 9, 9, 9]), 0);
    let out = level0(&a);
    for y in 0..3 {
        for x in 0..4 {
            let inside = (1..3).contains(&x) && (1..3).contains(&y);
            let want: &[u8] = if inside { &[0x11, 0x22, 0x33, 0x44] } else { &[0; 4] };
            assert_eq!(px(&out, 4, 4, x, y), want);
        }
    }
    assert_eq!(one(1, CLEAR_TEXTURE, 0, &[1, 0, 3, 0, 0, 2, 1, 1, 0, 0, 0, 0]), libc::EINVAL);
    assert_eq!(one(1, CLEAR_TEXTURE, 0, &[1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0]), libc::EINVAL);
}

#[test]
fn transfer3d_both_directions() {
    let _s = session();
    let a = tex(1, RGBA8, 4, 2);
    let g = LevelGeom::of(&a, 0);
    let mut backing = ScatterBuf::new(&mut Rng::new(9), g.size() + 16, 4);
    let data = Rng::new(10).bytes(g.size() + 16);
    backing.write_all(&data);
    assert_eq!(attach(1, &mut backing), 0);
    // TO_HOST of the whole level from offset 16 (stride 0: the level's).
    let p = [1, 0, 0, 0, 0, 0, 0, 0, 4, 2, 1, 16, 1];
    assert_eq!(one(1, TRANSFER3D, 0, &p), 0);
    assert_eq!(level0(&a), &data[16..]);
    // FROM_HOST of pixel (1, 1) to offset 0.
    let p = [1, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 0, 2];
    assert_eq!(one(1, TRANSFER3D, 0, &p), 0);
    assert_eq!(&backing.read_all()[..4], px(&data[16..], 4, 4, 1, 1));
    assert!(backing.gaps_intact());
    // Bad direction, past the backing, short payload, detached: EINVAL.
    assert_eq!(one(1, TRANSFER3D, 0, &[1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 3]), libc::EINVAL);
    assert_eq!(one(1, TRANSFER3D, 0, &[1, 0, 0, 0, 0, 0, 0, 0, 4, 2, 1, 17, 1]), libc::EINVAL);
    assert_eq!(one(1, TRANSFER3D, 0, &[1, 0, 0, 0, 0, 0, 0, 0, 4, 2, 1, 0]), libc::EINVAL);
    virgl_renderer_ctx_detach_resource(1, 1);
    assert_eq!(one(1, TRANSFER3D, 0, &[1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1]), libc::EINVAL);
    assert_eq!(ctx_error(1), ILLEGAL_RESOURCE);
}

#[test]
fn copy_transfer3d_from_staging() {
    let _s = session();
    let a = tex(1, RGBA8, 4, 4);
    let stg = args(2, BUFFER, R8, 256, 1, 1, 1, 0);
    assert_eq!(create(stg), 0);
    virgl_renderer_ctx_attach_resource(1, 2);
    let mut backing = ScatterBuf::new(&mut Rng::new(4), 256, 5);
    let data = Rng::new(12).bytes(256);
    backing.write_all(&data);
    assert_eq!(attach(2, &mut backing), 0);
    // 2x2 at (2,1) from staging offset 32 with stride 8.
    let p = [1, 0, 0, 8, 0, 2, 1, 0, 2, 2, 1, 2, 32, 0];
    assert_eq!(one(1, COPY_TRANSFER3D, 0, &p), 0);
    let out = level0(&a);
    assert_eq!(px(&out, 4, 4, 2, 1), &data[32..36]);
    assert_eq!(px(&out, 4, 4, 3, 1), &data[36..40]);
    assert_eq!(px(&out, 4, 4, 2, 2), &data[40..44]);
    assert_eq!(px(&out, 4, 4, 3, 2), &data[44..48]);
    // Upstream takes exactly 14 dwords (flags included): 13 is EINVAL, nothing written.
    let p13 = [1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 100];
    assert_eq!(one(1, COPY_TRANSFER3D, 0, &p13), libc::EINVAL);
    assert_eq!(px(&level0(&a), 4, 4, 0, 0), &[0; 4]);
    let p14 = [1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 100, 0];
    assert_eq!(one(1, COPY_TRANSFER3D, 0, &p14), 0);
    assert_eq!(px(&level0(&a), 4, 4, 0, 0), &data[100..104]);
    // READ_FROM_HOST: pixel (3,2) into the staging buffer at 0.
    let p = [1, 0, 0, 0, 0, 3, 2, 0, 1, 1, 1, 2, 0, 2];
    assert_eq!(one(1, COPY_TRANSFER3D, 0, &p), 0);
    assert_eq!(&backing.read_all()[..4], &data[44..48]);
    // Staging too small.
    assert_eq!(
        one(1, COPY_TRANSFER3D, 0, &[1, 0, 0, 0, 0, 0, 0, 0, 4, 4, 1, 2, 250, 0]),
        libc::EINVAL
    );
}

#[test]
fn pipe_resource_create_and_host3d_blob() {
    let _s = session();
    // 4x2 RGBA8 texture, blob id 77.
    let p = [TEX_2D, RGBA8, BIND_SAMPLER_VIEW | BIND_RENDER_TARGET, 4, 2, 1, 1, 0, 0, 0, 77];
    assert_eq!(one(1, PIPE_RESOURCE_CREATE, 0, &p), 0);
    let mut b = virgl_renderer_resource_create_blob_args {
        res_handle: 5,
        ctx_id: 1,
        blob_mem: VIRGL_RENDERER_BLOB_MEM_HOST3D,
        blob_flags: 0,
        blob_id: 78,
        size: 32,
        iovecs: std::ptr::null(),
        num_iovs: 0,
    };
    // SAFETY: valid args.
    assert_eq!(unsafe { virgl_renderer_resource_create_blob(&b) }, -libc::EINVAL, "unknown blob");
    b.blob_id = 77;
    // SAFETY: valid args.
    assert_eq!(unsafe { virgl_renderer_resource_create_blob(&b) }, 0);
    // SAFETY: as above.
    assert_eq!(unsafe { virgl_renderer_resource_create_blob(&b) }, -libc::EINVAL, "consumed");
    let i = info(5).unwrap();
    assert_eq!((i.width, i.height, i.virgl_format), (4, 2, RGBA8));
    // Attached to the context: the command stream can write it.
    assert_eq!(one(1, CLEAR_TEXTURE, 0, &[5, 0, 0, 0, 0, 4, 2, 1, 0x0a0b_0c0d, 0, 0, 0]), 0);
    let a = args(5, TEX_2D, RGBA8, 4, 2, 1, 1, 0);
    assert!(level0(&a).chunks(4).all(|p| p == [0x0d, 0x0c, 0x0b, 0x0a]));

    // MAPPABLE: a buffer the VMM can map; writes through the decoder show in the mapping.
    let p = [BUFFER, R8, 1 << 19, 4096, 1, 1, 1, 0, 0, 0, 78];
    assert_eq!(one(1, PIPE_RESOURCE_CREATE, 0, &p), 0);
    b = virgl_renderer_resource_create_blob_args {
        res_handle: 6,
        blob_id: 78,
        blob_flags: VIRGL_RENDERER_BLOB_FLAG_USE_MAPPABLE,
        size: 4096,
        ..b
    };
    // SAFETY: valid args.
    assert_eq!(unsafe { virgl_renderer_resource_create_blob(&b) }, 0);
    let mut map: *mut std::ffi::c_void = std::ptr::null_mut();
    let mut size = 0u64;
    // SAFETY: valid out-pointers.
    assert_eq!(unsafe { virgl_renderer_resource_map(6, &mut map, &mut size) }, 0);
    assert!(!map.is_null() && size >= 4096);
    assert_eq!(one(1, INLINE_WRITE, 0, &[6, 0, 0, 0, 0, 8, 0, 0, 4, 1, 1, 0xdead_beef]), 0);
    let mut got = [0u8; 4];
    // SAFETY: the mapping is at least 4096 bytes.
    unsafe { std::ptr::copy_nonoverlapping(map.cast::<u8>().add(8), got.as_mut_ptr(), 4) };
    assert_eq!(got, 0xdead_beefu32.to_le_bytes());

    // Invalid descriptions and blob id 0 are rejected in the stream.
    assert_eq!(
        one(1, PIPE_RESOURCE_CREATE, 0, &[TEX_2D, RGBA8, 2, 0, 2, 1, 1, 0, 0, 0, 79]),
        libc::EINVAL
    );
    assert_eq!(
        one(1, PIPE_RESOURCE_CREATE, 0, &[TEX_2D, RGBA8, 2, 4, 2, 1, 1, 0, 0, 0, 0]),
        libc::EINVAL
    );
    assert_eq!(
        one(1, PIPE_RESOURCE_CREATE, 0, &[TEX_2D, RGBA8, 2, 4, 2, 1, 1, 0, 0, 0]),
        libc::EINVAL
    );
    // Upstream takes exactly 11 dwords: a trailing dword is EINVAL.
    assert_eq!(
        one(1, PIPE_RESOURCE_CREATE, 0, &[TEX_2D, RGBA8, 2, 4, 2, 1, 1, 0, 0, 0, 80, 0]),
        libc::EINVAL
    );
}

#[test]
fn sub_contexts_have_their_own_objects() {
    let _s = session();
    let a = tex(1, RGBA8, 2, 2);
    let mut c = Cmds::default();
    c.push(CREATE_SUB_CTX, 0, &[1]).push(SET_SUB_CTX, 0, &[1]);
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[10, 1, RGBA8, 0, 0]);
    c.push(SET_SUB_CTX, 0, &[0]);
    assert_eq!(c.submit(1), 0);
    assert_eq!(one(1, SET_FRAMEBUFFER_STATE, 0, &[1, 0, 10]), libc::EINVAL, "sub 0 lacks it");
    let one_f = 1.0f32.to_bits();
    let mut c = Cmds::default();
    c.push(SET_SUB_CTX, 0, &[1]).push(SET_FRAMEBUFFER_STATE, 0, &[1, 0, 10]);
    c.push(CLEAR, 0, &[1 << 2, one_f, one_f, one_f, one_f, 0, 0, 0]);
    assert_eq!(c.submit(1), 0);
    assert!(level0(&a).iter().all(|&v| v == 255));
}

#[test]
fn unknown_and_skipped_commands() {
    let _s = session();
    let a = tex(1, RGBA8, 2, 1);
    let mut c = Cmds::default();
    c.push(NOP, 0, &[1, 2, 3]).push(SET_TWEAKS, 0, &[1, 1]).push(END_TRANSFERS, 0, &[]);
    assert_eq!(c.submit(1), 0);
    assert_eq!(ctx_error(1), 0, "start-up commands are accepted");
    // A draw and a blend object: refused, error set (not "in error"), the buffer goes on.
    let mut c = Cmds::default();
    c.push(DRAW_VBO, 0, &[0; 12]);
    c.push(CREATE_OBJECT, OBJ_BLEND, &[5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    c.push(INLINE_WRITE, 0, &[1, 0, 0, 0, 0, 0, 0, 0, 2, 1, 1, 0x0403_0201, 0x0807_0605]);
    assert_eq!(c.submit(1), 0);
    assert_eq!(ctx_error(1), UNSUPPORTED_FUNCTION);
    assert!(!in_error(1), "a refusal does not put the context in error");
    assert_eq!(level0(&a), [1, 2, 3, 4, 5, 6, 7, 8]);
    // A command number at or past the protocol's count (63): EINVAL at once (upstream's
    // submit loop), the commands before it have run, none after it.
    let mut c = Cmds::default();
    c.push(INLINE_WRITE, 0, &[1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0x0d0c_0b0a]);
    c.push(200, 0, &[1, 2]);
    c.push(INLINE_WRITE, 0, &[1, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 0x0d0c_0b0a]);
    assert_eq!(c.submit(1), libc::EINVAL);
    assert_eq!(level0(&a), [10, 11, 12, 13, 5, 6, 7, 8]);
    assert_eq!(one(1, 63, 0, &[]), libc::EINVAL, "63 = VIRGL_MAX_COMMANDS of 1.2");
    assert!(!in_error(1), "upstream reports nothing for an unknown command");
    clear_ctx_error(1);
    // Object type out of range, handle 0: EINVAL.
    assert_eq!(one(1, CREATE_OBJECT, 40, &[5]), libc::EINVAL);
    assert_eq!(one(1, CREATE_OBJECT, OBJ_SURFACE, &[0, 1, RGBA8, 0, 0]), libc::EINVAL);
    assert_eq!(one(1, CREATE_OBJECT, OBJ_SURFACE, &[10, 1, RGBA8, 0]), libc::EINVAL);
    assert_eq!(ctx_error(1), ILLEGAL_CMD_BUFFER);
}

#[test]
fn malformed_buffers() {
    let _s = session();
    let a = tex(1, RGBA8, 2, 1);
    // A lying length after a valid write: as upstream, the write runs, the overrun records
    // ILLEGAL_CMD_BUFFER (in error) and drops the rest, and the submit succeeds.
    let mut c = Cmds::default();
    c.push(INLINE_WRITE, 0, &[1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0xffff_ffff]);
    c.0.push(CLEAR | 50 << 16);
    c.0.push(0);
    assert_eq!(c.submit(1), 0);
    assert_eq!(level0(&a), [255, 255, 255, 255, 0, 0, 0, 0]);
    assert_eq!(ctx_error(1), ILLEGAL_CMD_BUFFER);
    assert!(in_error(1));
    clear_ctx_error(1);
    upload(&a, &[0; 8]);
    // A failing command stops the buffer: the write after it does not run.
    let mut c = Cmds::default();
    c.push(CLEAR, 0, &[0; 7]);
    c.push(INLINE_WRITE, 0, &[1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0xffff_ffff]);
    assert_eq!(c.submit(1), libc::EINVAL);
    assert_eq!(level0(&a), [0; 8]);
    // Every command truncated to each shorter length: EINVAL or a skip, never a crash.
    for cmd in 0..64u32 {
        for len in 0..24usize {
            let payload: Vec<u32> =
                (0..len as u32).map(|i| if i == 0 { 1 } else { i % 3 }).collect();
            let r = one(1, cmd, OBJ_SURFACE, &payload);
            assert!(ok_errno(r), "cmd {cmd} len {len}: {r}");
        }
    }
    // Random buffers: never a crash.
    let mut rng = Rng::new(99);
    for _ in 0..2000 {
        let n = rng.range(1, 40) as usize;
        let mut words: Vec<u32> = (0..n)
            .map(|_| match rng.below(4) {
                0 => rng.next_u64() as u32,
                1 => rng.range(0, 3),
                2 => rng.range(0, 60) | rng.range(0, 12) << 8 | rng.range(0, 24) << 16,
                _ => rng.range(0, 8),
            })
            .collect();
        let r = submit_words(1, &mut words);
        assert!(ok_errno(r), "{words:?}: {r}");
    }
}

/// HOST3D_GUEST blobs keep no host copy where the backend can use the guest pages (always
/// on the CPU backend): readers see the pages with no transfer, and command-stream writes
/// land in them. On GL without registered guest memory and udmabuf the blob keeps a host
/// copy with the pages as backing (classic transfers).
#[test]
fn host3d_guest_blob_uses_the_guest_pages() {
    let s = session();
    let p = [TEX_2D, RGBA8, BIND_SAMPLER_VIEW | BIND_RENDER_TARGET, 4, 2, 1, 1, 0, 0, 0, 90];
    assert_eq!(one(1, PIPE_RESOURCE_CREATE, 0, &p), 0);
    let mut pages = ScatterBuf::contiguous(32);
    let guest: Vec<u8> = (0..32).collect();
    pages.write_all(&guest);
    let b = virgl_renderer_resource_create_blob_args {
        res_handle: 9,
        ctx_id: 1,
        blob_mem: VIRGL_RENDERER_BLOB_MEM_HOST3D_GUEST,
        blob_flags: 0,
        blob_id: 90,
        size: 32,
        iovecs: pages.iov_ptr(),
        num_iovs: pages.iov_count() as u32,
    };
    // SAFETY: valid args; the iovecs outlive the resource (unref below).
    assert_eq!(unsafe { virgl_renderer_resource_create_blob(&b) }, 0);
    let a = args(9, TEX_2D, RGBA8, 4, 2, 1, 1, 0);
    if s.is_cpu() {
        assert_eq!(level0(&a), guest, "the guest's bytes, with no transfer");
        assert_eq!(one(1, INLINE_WRITE, 0, &[9, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 0x0403_0201]), 0);
        assert_eq!(&pages.read_all()[4..8], &[1, 2, 3, 4], "decoder write in the guest pages");
    } else {
        // Classic: a transfer from the backing brings the guest's bytes in.
        assert_eq!(write(9, Xfer::boxed([0, 0, 0, 4, 2, 1]), None), 0);
        assert_eq!(level0(&a), guest);
    }
    virglrenderer::ffi::virgl_renderer_resource_unref(9);
}
