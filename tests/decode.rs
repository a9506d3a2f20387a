//! The virgl command decoder through the C ABI: hand-encoded command buffers for every
//! executed command, read back through transfers, and malformed buffers.
//!
//! One renderer per process: run with `cargo nextest run --test decode`. The backend is
//! `VIRGL_SHIM_TEST_BACKEND` (`cpu` by default, `gl` for the GL backend).

mod common;

use common::stream::*;
use common::*;
use virglrenderer::ffi::blob::{virgl_renderer_resource_create_blob, virgl_renderer_resource_map};
use virglrenderer::ffi::context::*;
use virglrenderer::ffi::types::*;

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
    // A pair the CPU path does not convert: skipped, context error, the buffer goes on
    // (the GL backend converts it with glBlitFramebuffer).
    let f = tex(4, RGBA16F, 3, 2);
    let mut cmds = Cmds::default();
    cmds.push(
        BLIT,
        0,
        &blit_cmd(0xf, (4, RGBA16F, [0, 0, 0, 3, 2, 1]), (1, RGBA8, [0, 0, 0, 3, 2, 1]), None),
    );
    cmds.push(INLINE_WRITE, 0, &[4, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0x0102_0304, 0]);
    assert_eq!(cmds.submit(1), 0);
    let want = if test_backend() == "cpu" { UNSUPPORTED_FUNCTION } else { 0 };
    assert_eq!(ctx_error(1), want);
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
    // SET_SHADER_BUFFERS (not executed): refused, error set (not "in error"), the buffer
    // goes on; a blend object is created.
    let mut c = Cmds::default();
    c.push(34, 0, &[0, 0, 0, 0, 6]);
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

// ---- upstream's return codes (../shared/3D.md §3) --------------------------------------

/// COPY_TRANSFER3D from a staging buffer that has no backing: EINVAL (upstream's
/// test_virgl_transfer), the context in error, the texture untouched.
#[test]
fn copy_transfer3d_staging_without_backing_is_einval() {
    let _s = session();
    let a = tex(1, RGBA8, 4, 4);
    assert_eq!(create(args(2, BUFFER, R8, 256, 1, 1, 1, 0)), 0);
    virgl_renderer_ctx_attach_resource(1, 2);
    for flags in [0, 2] {
        let p = [1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 0, flags];
        assert_eq!(one(1, COPY_TRANSFER3D, 0, &p), libc::EINVAL, "flags {flags}");
        assert_eq!(ctx_error(1), ILLEGAL_RESOURCE);
        assert!(in_error(1));
    }
    assert_eq!(level0(&a), [0; 64]);
}

/// A draw in a context put in error by a failing command answers ENOTRECOVERABLE
/// (upstream's vrend_draw_vbo checks `in_error` first; test_virgl_cmd's
/// draw_vbo_fail_not_recoverable). The refusal of unexecuted commands does not put the
/// context in error, an unknown command number neither; a length overrun does.
#[test]
fn draw_in_a_context_in_error_is_enotrecoverable() {
    let _s = session();
    let a = tex(1, RGBA8, 2, 1);
    let draw = [0, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    // Not in error: the draw runs (nothing bound: nothing drawn on GL; refused without GL).
    assert_eq!(one(1, DRAW_VBO, 0, &draw), 0);
    assert_eq!(one(1, DRAW_VBO, 0, &draw), 0);
    let want = if test_backend() == "cpu" { UNSUPPORTED_FUNCTION } else { 0 };
    assert_eq!(ctx_error(1), want);
    assert_eq!(one(1, 99, 0, &[]), libc::EINVAL);
    assert_eq!(one(1, DRAW_VBO, 0, &draw), 0, "an unknown command is no context error");
    // Video commands (53..=61): EINVAL, as upstream built without video; in error.
    // SAFETY: valid name pointer and length.
    assert_eq!(unsafe { virgl_renderer_context_create(4, 4, c"ctx4".as_ptr()) }, 0);
    assert_eq!(one(4, 53, 0, &[0; 4]), libc::EINVAL);
    assert_eq!(one(4, 61, 0, &[]), libc::EINVAL);
    assert_eq!(one(4, DRAW_VBO, 0, &draw), libc::ENOTRECOVERABLE);
    // A failing command (resource not attached) puts the context in error.
    virgl_renderer_ctx_detach_resource(1, 1);
    assert_eq!(one(1, INLINE_WRITE, 0, &[1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 7]), libc::EINVAL);
    assert!(in_error(1));
    virgl_renderer_ctx_attach_resource(1, 1);
    // Other commands still run; a draw stops the buffer with ENOTRECOVERABLE.
    let mut c = Cmds::default();
    c.push(INLINE_WRITE, 0, &[1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0x0403_0201]);
    c.push(DRAW_VBO, 0, &draw);
    c.push(INLINE_WRITE, 0, &[1, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 0x0403_0201]);
    assert_eq!(c.submit(1), libc::ENOTRECOVERABLE);
    assert_eq!(level0(&a), [1, 2, 3, 4, 0, 0, 0, 0]);
    assert_eq!(ctx_error(1), ILLEGAL_RESOURCE, "ENOTRECOVERABLE reports nothing new");
    // The state is sticky across submits.
    assert_eq!(one(1, DRAW_VBO, 0, &draw), libc::ENOTRECOVERABLE);

    // A length overrun: the submit succeeds but the context is in error.
    // SAFETY: valid name pointer and length.
    assert_eq!(unsafe { virgl_renderer_context_create(2, 4, c"ctx2".as_ptr()) }, 0);
    let mut words = [DRAW_VBO | 12 << 16, 0, 3];
    assert_eq!(submit_words(2, &mut words), 0);
    assert_eq!(ctx_error(2), ILLEGAL_CMD_BUFFER);
    assert_eq!(one(2, DRAW_VBO, 0, &draw), libc::ENOTRECOVERABLE);
    // A malformed command (draw of 13 dwords) too.
    // SAFETY: as above.
    assert_eq!(unsafe { virgl_renderer_context_create(3, 4, c"ctx3".as_ptr()) }, 0);
    assert_eq!(one(3, DRAW_VBO, 0, &[0; 13]), libc::EINVAL);
    assert_eq!(one(3, DRAW_VBO, 0, &draw), libc::ENOTRECOVERABLE);
}

/// Handles of the sub-context's object table: a handle of another kind reads as missing
/// (SET_FRAMEBUFFER_STATE: ILLEGAL_SURFACE, BIND_OBJECT: ILLEGAL_HANDLE), CREATE_OBJECT
/// replaces what a taken handle named (any kind), DESTROY_OBJECT goes by handle alone.
#[test]
fn object_handles_type_confusion_and_reuse() {
    let _s = session();
    let a = tex(1, RGBA8, 2, 1);
    let blend = [0u32; 10];
    let with = |h: u32, rest: &[u32]| [&[h][..], rest].concat();
    let mut c = Cmds::default();
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[10, 1, RGBA8, 0, 0]);
    c.push(CREATE_OBJECT, OBJ_BLEND, &with(11, &blend));
    assert_eq!(c.submit(1), 0);
    let fail = |cmd: u32, obj: u32, p: &[u32], code: u32| {
        clear_ctx_error(1);
        assert_eq!(one(1, cmd, obj, p), libc::EINVAL, "cmd {cmd} obj {obj} {p:?}");
        assert_eq!(ctx_error(1), code, "cmd {cmd} obj {obj} {p:?}");
    };
    // Type confusion.
    fail(SET_FRAMEBUFFER_STATE, 0, &[1, 0, 11], ILLEGAL_SURFACE);
    fail(SET_FRAMEBUFFER_STATE, 0, &[0, 11], ILLEGAL_SURFACE);
    fail(BIND_OBJECT, OBJ_BLEND, &[10], ILLEGAL_HANDLE);
    fail(BIND_OBJECT, OBJ_DSA, &[11], ILLEGAL_HANDLE);
    fail(BIND_OBJECT, OBJ_BLEND, &[99], ILLEGAL_HANDLE);
    // The right kind: bound; 0 unbinds.
    clear_ctx_error(1);
    assert_eq!(one(1, BIND_OBJECT, OBJ_BLEND, &[11]), 0);
    assert_eq!(one(1, BIND_OBJECT, OBJ_BLEND, &[0]), 0, "0 unbinds");
    assert_eq!(ctx_error(1), 0);
    assert!(!in_error(1));
    // Reuse: the blend takes handle 10, a surface takes handle 11.
    let mut c = Cmds::default();
    c.push(CREATE_OBJECT, OBJ_BLEND, &with(10, &blend));
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[11, 1, RGBA8, 0, 0]);
    assert_eq!(c.submit(1), 0);
    fail(SET_FRAMEBUFFER_STATE, 0, &[1, 0, 10], ILLEGAL_SURFACE);
    let white = 1.0f32.to_bits();
    let mut c = Cmds::default();
    c.push(SET_FRAMEBUFFER_STATE, 0, &[1, 0, 11]);
    c.push(CLEAR, 0, &[1 << 2, white, white, white, white, 0, 0, 0]);
    assert_eq!(c.submit(1), 0);
    assert_eq!(level0(&a), [255; 8]);
    // DESTROY_OBJECT ignores the type byte; an unknown handle is no error.
    assert_eq!(one(1, DESTROY_OBJECT, OBJ_BLEND, &[11]), 0);
    fail(SET_FRAMEBUFFER_STATE, 0, &[1, 0, 11], ILLEGAL_SURFACE);
    clear_ctx_error(1);
    assert_eq!(one(1, DESTROY_OBJECT, OBJ_SURFACE, &[11]), 0);
    assert_eq!(ctx_error(1), 0);
    // Handles are per sub-context: 10 is free in sub-context 1.
    let mut c = Cmds::default();
    c.push(CREATE_SUB_CTX, 0, &[1]).push(SET_SUB_CTX, 0, &[1]);
    c.push(BIND_OBJECT, OBJ_BLEND, &[10]);
    assert_eq!(c.submit(1), libc::EINVAL);
    assert_eq!(ctx_error(1), ILLEGAL_HANDLE);
}

/// At most 65536 objects per context, over all its sub-contexts: the next new handle is
/// ENOMEM (upstream's failed insert), replacing a taken one still works, destroying a
/// sub-context frees its objects.
#[test]
fn object_limit_per_context() {
    const LIMIT: u32 = 1 << 16;
    let _s = session();
    let _a = tex(1, RGBA8, 2, 1);
    let mut c = Cmds::default();
    for h in 1..=40_000u32 {
        c.push(CREATE_OBJECT, OBJ_SURFACE, &[h, 1, RGBA8, 0, 0]);
    }
    c.push(CREATE_SUB_CTX, 0, &[1]).push(SET_SUB_CTX, 0, &[1]);
    for h in 1..=LIMIT - 40_000 {
        c.push(CREATE_OBJECT, OBJ_BLEND, &[h, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    }
    assert_eq!(c.submit(1), 0);
    clear_ctx_error(1);
    assert_eq!(
        one(1, CREATE_OBJECT, OBJ_BLEND, &[LIMIT, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        libc::ENOMEM
    );
    assert!(!in_error(1));
    assert_eq!(one(1, CREATE_OBJECT, OBJ_SURFACE, &[5, 1, RGBA8, 0, 0]), 0, "replaces");
    assert_eq!(one(1, DESTROY_OBJECT, 0, &[6]), 0);
    assert_eq!(one(1, CREATE_OBJECT, OBJ_SURFACE, &[LIMIT, 1, RGBA8, 0, 0]), 0);
    assert_eq!(one(1, CREATE_OBJECT, OBJ_SURFACE, &[LIMIT + 1, 1, RGBA8, 0, 0]), libc::ENOMEM);
    let mut c = Cmds::default();
    c.push(SET_SUB_CTX, 0, &[0]).push(DESTROY_SUB_CTX, 0, &[1]);
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[LIMIT + 1, 1, RGBA8, 0, 0]);
    assert_eq!(c.submit(1), 0);
}

/// sRGB write control (GL backend): a surface viewing sRGB storage through the sRGB format
/// encodes clears, one through the linear twin does not; BLIT formats choose whether the
/// source is decoded and the destination encoded.
#[test]
fn srgb_views_choose_conversion() {
    // GL backend whatever VIRGL_SHIM_TEST_BACKEND says (it failed silently as a pass on the
    // CPU run before).
    let _s = gl_session();
    // SAFETY: valid name pointer.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"test".as_ptr()) }, 0);
    const RGBA8_SRGB: u32 = 104;
    let near = |got: &[u8], want: [u8; 4]| got.iter().zip(want).all(|(&g, w)| g.abs_diff(w) <= 1);
    let (s, l) = (tex(1, RGBA8_SRGB, 2, 2), tex(2, RGBA8, 2, 2));
    let half = 0.5f32.to_bits();
    let mut c = Cmds::default();
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[10, 1, RGBA8_SRGB, 0, 0]);
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[11, 1, RGBA8, 0, 0]);
    c.push(SET_FRAMEBUFFER_STATE, 0, &[1, 0, 10]);
    c.push(CLEAR, 0, &[1 << 2, half, half, half, half, 0, 0, 0]);
    assert_eq!(c.submit(1), 0);
    let out = level0(&s);
    assert!(out.chunks(4).all(|p| near(p, [188, 188, 188, 128])), "encoded: {out:?}");
    let mut c = Cmds::default();
    c.push(SET_FRAMEBUFFER_STATE, 0, &[1, 0, 11]);
    c.push(CLEAR, 0, &[1 << 2, half, half, half, half, 0, 0, 0]);
    assert_eq!(c.submit(1), 0);
    let out = level0(&s);
    assert!(out.chunks(4).all(|p| near(p, [128, 128, 128, 128])), "linear view: {out:?}");
    // sRGB storage holding 128: decoded through an sRGB source view, raw through a linear one.
    let bx = [0, 0, 0, 2, 2, 1];
    assert_eq!(one(1, BLIT, 0, &blit_cmd(0xf, (2, RGBA8, bx), (1, RGBA8_SRGB, bx), None)), 0);
    assert!(level0(&l).chunks(4).all(|p| near(p, [55, 55, 55, 128])), "{:?}", level0(&l));
    assert_eq!(one(1, BLIT, 0, &blit_cmd(0xf, (2, RGBA8, bx), (1, RGBA8, bx), None)), 0);
    assert!(level0(&l).chunks(4).all(|p| p == [128; 4]), "{:?}", level0(&l));
    // Linear 128 into sRGB storage: encoded through an sRGB view, raw through a linear one.
    assert_eq!(one(1, BLIT, 0, &blit_cmd(0xf, (1, RGBA8_SRGB, bx), (2, RGBA8, bx), None)), 0);
    assert!(level0(&s).chunks(4).all(|p| near(p, [188, 188, 188, 128])), "{:?}", level0(&s));
    upload(&l, &[55; 16]);
    assert_eq!(one(1, BLIT, 0, &blit_cmd(0xf, (1, RGBA8, bx), (2, RGBA8, bx), None)), 0);
    assert!(level0(&s).iter().all(|&v| v == 55), "{:?}", level0(&s));
    assert_eq!(ctx_error(1), 0);
}
