//! The GL backend on an OpenGL ES host: `virgl_renderer_init` with
//! `VIRGL_RENDERER_USE_GLES`, then a draw, transfers and readbacks, and the capsets such a
//! host serves (see `backend::gl::gles`).
//!
//! One renderer per process: `cargo nextest run --test gles_gl`. GL is required on every
//! host (llvmpipe through EGL surfaceless gives OpenGL ES 3.2), so a backend that does not
//! start fails these tests.

mod common;

use common::stream::*;
use common::*;
use virglrenderer::ffi::caps::{virgl_renderer_fill_caps, virgl_renderer_get_cap_set};
use virglrenderer::ffi::context::*;
use virglrenderer::ffi::types::*;

const BIND_SHADER: u32 = 31;
const SET_VIEWPORT_STATE: u32 = 4;
const SET_VERTEX_BUFFERS: u32 = 6;
const SET_CONSTANT_BUFFER: u32 = 12;
const TRIANGLES: u32 = 4;
/// `VIRGL_FORMAT_DXT1_RGB`, `VIRGL_FORMAT_R8G8B8A8_SNORM`.
const DXT1_RGB: u32 = 105;
const RGBA8_SNORM: u32 = 77;

const VS: &str = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nIMM[0] FLT32 { 0.0000, 1.0000, 0.0000, 0.0000 }\n  0: MOV OUT[0], IN[0].xyzz\n  1: MOV OUT[0].zw, IMM[0].xxxy\n  2: END\n";
const FS: &str = "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0]\n  0: MOV OUT[0], CONST[0]\n  1: END\n";

/// A renderer on the GL backend over an OpenGL ES context.
fn gles_session() -> Session {
    let s = gl_required(Session::start_flags("gl", VIRGL_RENDERER_USE_GLES));
    let gles = virglrenderer::internal::renderer::with(|r| Ok(r.backend.limits().gles)).unwrap();
    assert!(gles, "USE_GLES gave a desktop GL backend");
    s
}

fn f(v: f32) -> u32 {
    v.to_bits()
}

fn vertex_buffer(handle: u32, bytes: &[u8]) {
    let a = virgl_renderer_resource_create_args {
        bind: BIND_VERTEX_BUFFER,
        ..args(handle, BUFFER, R8, bytes.len() as u32, 1, 1, 1, 0)
    };
    assert_eq!(create(a), 0);
    virgl_renderer_ctx_attach_resource(1, handle as i32);
    let mut s = ScatterBuf::contiguous(bytes.len());
    s.write_all(bytes);
    assert_eq!(write(handle, Xfer::boxed([0, 0, 0, bytes.len() as u32, 1, 1]), Some(&mut s)), 0);
}

/// Surface, state objects, shaders, a viewport (flipped when `flip`: what guests use for
/// window-system buffers) and a red constant; the triangle's vertices in resource 2.
fn pipeline(c: &mut Cmds, flip: bool) {
    fixed_draw_state(c);
    shader(c, 30, 0, VS);
    shader(c, 31, 1, FS);
    c.push(BIND_SHADER, 0, &[30, 0]);
    c.push(BIND_SHADER, 0, &[31, 1]);
    let sy = if flip { -8.0 } else { 8.0 };
    c.push(SET_VIEWPORT_STATE, 0, &[0, f(8.0), f(sy), f(0.5), f(8.0), f(8.0), f(0.5)]);
    c.push(SET_VERTEX_BUFFERS, 0, &[8, 0, 2]);
    c.push(SET_CONSTANT_BUFFER, 0, &[1, 0, f(1.0), f(0.0), f(0.0), f(1.0)]);
}

fn clear_blue(c: &mut Cmds) {
    let blue = [0.0f32, 0.0, 1.0, 1.0].map(f32::to_bits);
    c.push(CLEAR, 0, &[1 << 2, blue[0], blue[1], blue[2], blue[3], 0, 0, 0]);
}

fn draw(c: &mut Cmds) {
    c.push(DRAW_VBO, 0, &[0, 3, TRIANGLES, 0, 1, 0, 0, 0, 0, 0, u32::MAX, 0]);
}

const RED: [u8; 4] = [255, 0, 0, 255];
const BLUE: [u8; 4] = [0, 0, 255, 255];

/// A triangle drawn on the ES context (GLSL ES shaders, the draw state ES has) lands where
/// it does on desktop GL, in both viewport orientations (a flipped one through
/// glClipControlEXT).
#[test]
fn triangle_renders_on_gles() {
    let _s = gles_session();
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    let rt = tex(1, RGBA8, 16, 16);
    let tri: Vec<u8> =
        [-1.0f32, -1.0, 1.0, -1.0, -1.0, 1.0].iter().flat_map(|v| v.to_le_bytes()).collect();
    vertex_buffer(2, &tri);
    for flip in [false, true] {
        let mut c = Cmds::default();
        pipeline(&mut c, flip);
        clear_blue(&mut c);
        draw(&mut c);
        assert_eq!(c.submit(1), 0, "flip {flip}: context error {}", ctx_error(1));
        assert_eq!(ctx_error(1), 0);
        let out = level0(&rt);
        // Unflipped: the triangle covers rows from the first (y = 0 up); flipped: the
        // rows from the last.
        let (inside, outside) = if flip { ((2, 13), (13, 2)) } else { ((2, 2), (13, 13)) };
        assert_eq!(px(&out, 16, 4, inside.0, inside.1), RED, "flip {flip}: inside");
        assert_eq!(px(&out, 16, 4, outside.0, outside.1), BLUE, "flip {flip}: outside");
    }
}

/// A user clip plane on the ES host (GL_EXT_clip_cull_distance, as llvmpipe has): the
/// plane x <= 0 keeps the left half of the triangle.
#[test]
fn user_clip_plane_on_gles() {
    let _s = gles_session();
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    let rt = tex(1, RGBA8, 16, 16);
    let tri: Vec<u8> =
        [-1.0f32, -1.0, 1.0, -1.0, -1.0, 1.0].iter().flat_map(|v| v.to_le_bytes()).collect();
    vertex_buffer(2, &tri);
    let mut c = Cmds::default();
    pipeline(&mut c, false);
    // Rasterizer with clip plane 0 enabled (S3 bits 24..31).
    let rs = [25, 1 << 29 | 1 << 1, f(1.0), 0, 1 << 24, f(1.0), 0, 0, 0];
    c.push(CREATE_OBJECT, OBJ_RASTERIZER, &rs);
    c.push(BIND_OBJECT, OBJ_RASTERIZER, &[25]);
    // SET_CLIP_STATE: plane 0 = (-1, 0, 0, 0): distance -x, kept where x <= 0.
    let mut planes = vec![0u32; 32];
    planes[0] = f(-1.0);
    c.push(23, 0, &planes);
    clear_blue(&mut c);
    draw(&mut c);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    let out = level0(&rt);
    assert_eq!(px(&out, 16, 4, 2, 2), RED, "left half kept");
    assert_eq!(px(&out, 16, 4, 10, 2), BLUE, "right half clipped");
}

/// A draw with state ES lacks (a logic op) is refused — the target keeps its pixels, the
/// context reports the error — and the next draw without it renders.
#[test]
fn draw_with_a_logic_op_is_refused_on_gles() {
    let _s = gles_session();
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    let rt = tex(1, RGBA8, 16, 16);
    let tri: Vec<u8> =
        [-1.0f32, -1.0, 1.0, -1.0, -1.0, 1.0].iter().flat_map(|v| v.to_le_bytes()).collect();
    vertex_buffer(2, &tri);
    let mut c = Cmds::default();
    pipeline(&mut c, false);
    clear_blue(&mut c);
    assert_eq!(c.submit(1), 0);
    // logicop_enable (S0 bit 1), PIPE_LOGICOP_XOR (6).
    let mut blend = vec![24, 1 << 1, 6];
    blend.extend([0xf << 27; 8]);
    let mut c = Cmds::default();
    c.push(CREATE_OBJECT, OBJ_BLEND, &blend);
    c.push(BIND_OBJECT, OBJ_BLEND, &[24]);
    draw(&mut c);
    let r = c.submit(1);
    assert!(r != 0 || ctx_error(1) != 0, "a logic-op draw was accepted on OpenGL ES");
    assert_eq!(px(&level0(&rt), 16, 4, 2, 2), BLUE, "the refused draw changed pixels");
    clear_ctx_error(1);
    let mut c = Cmds::default();
    c.push(BIND_OBJECT, OBJ_BLEND, &[20]);
    draw(&mut c);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(px(&level0(&rt), 16, 4, 2, 2), RED);
}

/// Transfers on the ES context: 2D textures of several formats (BGRA stored as RGBA8 with
/// a swizzle), a Y_0_TOP one, sub-boxes and buffers (read back through glMapBufferRange)
/// come back byte for byte.
#[test]
fn transfers_round_trip_on_gles() {
    let _s = gles_session();
    let mut rng = Rng::new(7);
    for (h, fmt, bpp) in [(1u32, RGBA8, 4usize), (2, BGRA8, 4), (3, R8, 1), (4, RGBA16F, 8)] {
        let a = tex(h, fmt, 37, 11);
        let data = rng.bytes(37 * 11 * bpp);
        // Half floats: keep every value finite and canonical (no NaN payloads).
        let data: Vec<u8> = if fmt == RGBA16F {
            data.chunks(2).flat_map(|c| [c[0], c[1] & 0x3b]).collect()
        } else {
            data
        };
        upload(&a, &data);
        assert_eq!(level0(&a), data, "format {fmt}");
        // A sub-box read: rows 2..5, columns 3..10.
        let mut s = ScatterBuf::contiguous(7 * 3 * bpp);
        let x = Xfer { stride: 7 * bpp as u32, ..Xfer::boxed([3, 2, 0, 7, 3, 1]) };
        assert_eq!(read(h, x, Some(&mut s)), 0, "format {fmt} sub-box");
        let got = s.read_all();
        for r in 0..3 {
            let row = &data[((2 + r) * 37 + 3) * bpp..((2 + r) * 37 + 10) * bpp];
            assert_eq!(&got[r * 7 * bpp..(r + 1) * 7 * bpp], row, "format {fmt} row {r}");
        }
    }
    // Layered targets read back a layer at a time (glFramebufferTextureLayer / cube faces).
    for (h, target, d, layers) in
        [(10u32, TEX_3D, 3u32, 1u32), (11, TEX_2D_ARRAY, 1, 4), (12, CUBE, 1, 6)]
    {
        let a = args(h, target, RGBA8, 8, 8, d, layers, 0);
        assert_eq!(create(a), 0, "target {target}");
        let data = rng.bytes(8 * 8 * 4 * (d * layers) as usize);
        upload(&a, &data);
        assert_eq!(level0(&a), data, "target {target}");
    }
    // Y_0_TOP (QEMU's 2D resources): stored bottom-up, read back top-down.
    // (`VIRGL_RESOURCE_Y_0_TOP`.)
    let a = virgl_renderer_resource_create_args { flags: 1, ..tex(5, BGRA8, 20, 9) };
    let data = rng.bytes(20 * 9 * 4);
    upload(&a, &data);
    assert_eq!(level0(&a), data, "Y_0_TOP");
    // A buffer, partly written: zeros around the write.
    let b = args(6, BUFFER, R8, 1000, 1, 1, 1, 0);
    assert_eq!(create(b), 0);
    let mut s = ScatterBuf::contiguous(1000);
    s.write_all(&[0x5a; 1000]);
    assert_eq!(write(6, Xfer::boxed([100, 0, 0, 50, 1, 1]), Some(&mut s)), 0);
    let mut out = ScatterBuf::contiguous(1000);
    assert_eq!(read(6, Xfer::boxed([0, 0, 0, 1000, 1, 1]), Some(&mut out)), 0);
    let out = out.read_all();
    assert!(out[..100].iter().chain(&out[150..]).all(|&b| b == 0));
    assert!(out[100..150].iter().all(|&b| b == 0x5a));
}

/// What an ES context lacks is refused, not faked: 1D and rectangle textures at creation,
/// and readbacks of formats ReadPixels cannot return (compressed). Depth and stencil
/// formats the capsets claim readable (the host has GL_NV_read_depth & co., as llvmpipe
/// does) read back byte for byte through ReadPixels at their attachment point.
#[test]
fn gles_refuses_what_es_lacks() {
    let _s = gles_session();
    for (h, target) in [(1u32, TEX_1D), (2, RECT), (3, TEX_1D_ARRAY)] {
        let a = virgl_renderer_resource_create_args {
            target,
            height: if target == RECT { 4 } else { 1 },
            ..tex(h, RGBA8, 16, 1)
        };
        assert_ne!(create(a), 0, "target {target} created on OpenGL ES");
    }
    let lim = virglrenderer::internal::renderer::with(|r| Ok(r.backend.limits())).unwrap();
    let mut rng = Rng::new(3);
    let mut read_back = 0;
    // Z16, S8_UINT_Z24_UNORM, Z32_FLOAT, S8_UINT, X8Z24_UNORM (depth-only, DEPTH_STENCIL pair).
    for (h, fmt, bpp) in [(4u32, Z16, 2usize), (6, S8Z24, 4), (7, 18, 4), (8, 23, 1), (9, 22, 4)] {
        let a = tex_bind(h, fmt, 8, 8, BIND_DEPTH_STENCIL | BIND_SAMPLER_VIEW);
        let data = rng.bytes(8 * 8 * bpp);
        // Z32_FLOAT: values in [0, 1] (the storage clamps others).
        let data: Vec<u8> = if fmt == 18 {
            (0..64).flat_map(|i| (i as f32 / 63.0).to_le_bytes()).collect()
        } else {
            data
        };
        upload(&a, &data);
        let mut s = ScatterBuf::contiguous(data.len());
        let r = read(h, Xfer::boxed([0, 0, 0, 8, 8, 1]), Some(&mut s));
        if lim.no_readback.contains(fmt) {
            assert_ne!(r, 0, "format {fmt} read back although not claimed");
        } else {
            assert_eq!((r, s.read_all()), (0, data), "format {fmt}");
            read_back += 1;
        }
    }
    eprintln!("{read_back} of 5 depth/stencil formats read back on this OpenGL ES host");
    let c = tex_bind(5, DXT1_RGB, 8, 8, BIND_SAMPLER_VIEW);
    let mut s = ScatterBuf::contiguous(32);
    assert_ne!(read(5, Xfer::boxed([0, 0, 0, 8, 8, 1]), Some(&mut s)), 0, "DXT1 read back");
    let _ = c;
}

fn caps(set: u32) -> Vec<u8> {
    let (mut ver, mut size) = (0u32, 0u32);
    // SAFETY: valid out-pointers.
    unsafe { virgl_renderer_get_cap_set(set, &mut ver, &mut size) };
    assert!(size > 0, "capset {set} withheld on an OpenGL ES host that draws");
    let mut buf = vec![0u8; size as usize];
    // SAFETY: `buf` holds `size` bytes.
    unsafe { virgl_renderer_fill_caps(set, ver, buf.as_mut_ptr().cast()) };
    buf
}

fn word(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}

fn in_mask(b: &[u8], mask_off: usize, id: u32) -> bool {
    word(b, mask_off + (id / 32) as usize * 4) & (1 << (id % 32)) != 0
}

/// The capsets of an ES host: level 1 (even when level 2 is asked for), GLSL 130, the
/// level-1 primitives, point sizes 1.0 and no LOD bias; formats the host cannot read back
/// are not in the readback mask, and 16-bit normalised formats are claimed only where the
/// host stores them.
#[test]
fn gles_capsets_say_what_the_host_does() {
    std::env::set_var("VIRGL_SHIM_3D_LEVEL", "2");
    let _s = gles_session();
    let v2 = caps(2);
    // struct virgl_caps_v1: max_version, 4 masks of 16 words, bset, glsl_level, …
    let sampler = 4;
    let bset = word(&v2, 4 + 4 * 64);
    let glsl = word(&v2, 4 + 4 * 64 + 4);
    assert_eq!(glsl, 130, "GLSL level");
    assert_eq!(bset, (1 << 7) | (1 << 11), "level-1 bset (level 2 not offered on ES)");
    let level1 = b"virgl-shim level 1";
    assert!(v2.windows(level1.len()).any(|w| w == level1), "renderer name of level 1");
    let lim = virglrenderer::internal::renderer::with(|r| Ok(r.backend.limits())).unwrap();
    assert!(lim.gles);
    assert_eq!(lim.draw.point_size_range, [1.0, 1.0]);
    assert_eq!(lim.draw.max_texture_lod_bias, 0.0);
    // Compressed and SNORM formats do not read back on ES; RGBA8 and BGRA8 do.
    for id in [DXT1_RGB, RGBA8_SNORM] {
        assert!(lim.no_readback.contains(id), "format {id} claimed readable");
    }
    for id in [RGBA8, BGRA8, R8] {
        assert!(!lim.no_readback.contains(id) && !lim.unstored.contains(id), "format {id}");
        assert!(in_mask(&v2, sampler, id), "format {id} not sampleable");
    }
    // Whatever the host cannot store is in no mask.
    for id in 0..512u32 {
        if lim.unstored.contains(id) {
            assert!(!in_mask(&v2, sampler, id), "unstored format {id} claimed");
        }
    }
}

/// A host whose OpenGL ES is below 3.2 (Mesa told to offer 3.0 at most): init fails, the
/// library does not fall back to a renderer the VMM did not ask for.
#[test]
fn gles_below_3_2_fails_init() {
    std::env::set_var("MESA_GLES_VERSION_OVERRIDE", "3.0");
    let r = Session::start_flags("auto", VIRGL_RENDERER_USE_GLES);
    assert!(r.is_err(), "init succeeded on OpenGL ES 3.0");
    assert_eq!(r.err(), Some(-1), "upstream's return value");
}
