//! Multisample render targets on the GL backend, driven through the C ABI as Mesa's virgl
//! driver drives them: a 4× RGBA8 resource (`nr_samples` 4) as the colour buffer of a
//! draw, a CLEAR, BLITs that resolve it into a single-sample resource (in place, scaled,
//! flipped), that upsample a single-sample source into it (moved, scaled, mirrored), that
//! copy it into a multisample resource of another format, and what is refused (transfers
//! of the multisample resource, scaled copies between multisample resources); and the
//! fragment origin conventions at each capset level.
//!
//! One renderer per process: `cargo nextest run --test msaa_gl`. GL is required
//! (llvmpipe through EGL surfaceless at least).

mod common;

use common::stream::*;
use common::*;
use virglrenderer::ffi::context::*;
use virglrenderer::ffi::types::*;

const SET_VIEWPORT_STATE: u32 = 4;
const SET_VERTEX_BUFFERS: u32 = 6;
const SET_CONSTANT_BUFFER: u32 = 12;
const BIND_SHADER: u32 = 31;
const OBJ_RASTERIZER: u32 = 2;
const OBJ_VERTEX_ELEMENTS: u32 = 5;
const R32G32_FLOAT: u32 = 29;
const TRIANGLES: u32 = 4;

const VS: &str = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nIMM[0] FLT32 { 0.0000, 1.0000, 0.0000, 0.0000 }\n  0: MOV OUT[0], IN[0].xyzz\n  1: MOV OUT[0].zw, IMM[0].xxxy\n  2: END\n";
const FS: &str = "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0]\n  0: MOV OUT[0], CONST[0]\n  1: END\n";

const W: u32 = 16;

fn f(v: f32) -> u32 {
    v.to_bits()
}

/// A W×W 2D resource of RGBA8 with `samples` samples, attached to context 1.
fn target(handle: u32, samples: u32) -> virgl_renderer_resource_create_args {
    let a = virgl_renderer_resource_create_args {
        nr_samples: samples,
        ..args(handle, TEX_2D, RGBA8, W, W, 1, 1, 0)
    };
    assert_eq!(create(a), 0, "create {handle} with {samples} samples");
    virgl_renderer_ctx_attach_resource(1, handle as i32);
    a
}

fn vertex_buffer(handle: u32, verts: &[[f32; 2]]) {
    let bytes: Vec<u8> = verts.iter().flatten().flat_map(|v| v.to_le_bytes()).collect();
    let a = args(handle, 0, R8, bytes.len() as u32, 1, 1, 1, 0);
    assert_eq!(create(a), 0);
    virgl_renderer_ctx_attach_resource(1, handle as i32);
    let mut s = ScatterBuf::contiguous(bytes.len());
    s.write_all(&bytes);
    assert_eq!(write(handle, Xfer::boxed([0, 0, 0, bytes.len() as u32, 1, 1]), Some(&mut s)), 0);
}

fn start() -> Session {
    let s = gl_session();
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    s
}

/// Clears the multisample resource 1 to blue and draws a red triangle over its lower-left
/// half (the diagonal crosses pixel centres' neighbourhoods at every row).
fn draw_triangle(c: &mut Cmds) {
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[10, 1, RGBA8, 0, 0]);
    c.push(SET_FRAMEBUFFER_STATE, 0, &[1, 0, 10]);
    let mut blend = vec![20, 0, 0];
    blend.extend([0xf << 27; 8]);
    c.push(CREATE_OBJECT, OBJ_BLEND, &blend);
    c.push(BIND_OBJECT, OBJ_BLEND, &[20]);
    c.push(CREATE_OBJECT, OBJ_DSA, &[21, 0, 0, 0, 0]);
    c.push(BIND_OBJECT, OBJ_DSA, &[21]);
    // depth clip, half-pixel centres, multisample on (bit 25).
    c.push(
        CREATE_OBJECT,
        OBJ_RASTERIZER,
        &[22, 1 << 29 | 1 << 1 | 1 << 25, f(1.0), 0, 0, f(1.0), 0, 0, 0],
    );
    c.push(BIND_OBJECT, OBJ_RASTERIZER, &[22]);
    c.push(CREATE_OBJECT, OBJ_VERTEX_ELEMENTS, &[23, 0, 0, 0, R32G32_FLOAT]);
    c.push(BIND_OBJECT, OBJ_VERTEX_ELEMENTS, &[23]);
    shader(c, 30, 0, VS);
    c.push(BIND_SHADER, 0, &[30, 0]);
    shader(c, 31, 1, FS);
    c.push(BIND_SHADER, 0, &[31, 1]);
    let h = W as f32 / 2.0;
    c.push(SET_VIEWPORT_STATE, 0, &[0, f(h), f(h), f(0.5), f(h), f(h), f(0.5)]);
    c.push(SET_VERTEX_BUFFERS, 0, &[8, 0, 3]);
    c.push(SET_CONSTANT_BUFFER, 0, &[1, 0, f(1.0), f(0.0), f(0.0), f(1.0)]);
    let blue = [0.0f32, 0.0, 1.0, 1.0].map(f32::to_bits);
    c.push(CLEAR, 0, &[1 << 2, blue[0], blue[1], blue[2], blue[3], 0, 0, 0]);
    c.push(DRAW_VBO, 0, &[0, 3, TRIANGLES, 0, 1, 0, 0, 0, 0, 0, u32::MAX, 0]);
}

const FULL: [i32; 6] = [0, 0, 0, W as i32, W as i32, 1];

#[test]
fn renders_into_a_4x_target_and_resolves_with_partial_coverage() {
    let _s = start();
    let _ms = target(1, 4);
    let ss = target(2, 0);
    vertex_buffer(3, &[[-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]]);
    let mut c = Cmds::default();
    draw_triangle(&mut c);
    c.push(BLIT, 0, &blit_cmd(0xf, (2, RGBA8, FULL), (1, RGBA8, FULL), None));
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    let out = level0(&ss);
    // Lower-left half red, upper-right half blue, in GL's bottom-up rows.
    assert_eq!(px(&out, W, 4, 1, 1), [255, 0, 0, 255], "inside");
    assert_eq!(px(&out, W, 4, W - 2, W - 2), [0, 0, 255, 255], "outside");
    // Pixels the diagonal x + y = W - 1 crosses are partly covered: resolved to mixes.
    let mut mixed = 0;
    for x in 0..W {
        let p = px(&out, W, 4, x, W - 1 - x);
        let sum = u32::from(p[0]) + u32::from(p[2]);
        assert!((254..=256).contains(&sum), "red + blue at ({x}): {p:?}");
        if p[0] > 0 && p[0] < 255 {
            mixed += 1;
        }
    }
    assert!(mixed >= W / 2, "{mixed} of {W} diagonal pixels resolved to a mix");
}

#[test]
fn multisample_transfers_and_scaled_multisample_copies_are_refused() {
    let _s = start();
    let ms = target(1, 4);
    let _ms2 = target(2, 4);
    let mut s = ScatterBuf::contiguous((W * W * 4) as usize);
    let g = LevelGeom::of(&ms, 0);
    assert_eq!(read(1, Xfer::boxed(g.full_box()), Some(&mut s)), libc::EINVAL);
    assert_eq!(write(1, Xfer::boxed(g.full_box()), Some(&mut s)), libc::EINVAL);
    // A scaled copy between multisample resources would need a per-sample draw: refused as
    // unsupported, the context keeps going.
    let half = [0, 0, 0, W as i32 / 2, W as i32 / 2, 1];
    let r = one(1, BLIT, 0, &blit_cmd(0xf, (2, RGBA8, FULL), (1, RGBA8, half), None));
    assert_eq!((r, ctx_error(1)), (0, UNSUPPORTED_FUNCTION));
    clear_ctx_error(1);
    // A copy of one rectangle between them is GL's.
    let r = one(1, BLIT, 0, &blit_cmd(0xf, (2, RGBA8, FULL), (1, RGBA8, FULL), None));
    assert_eq!((r, ctx_error(1)), (0, 0));
}

#[test]
fn resolves_shrink_into_a_single_sample_resource() {
    let _s = start();
    let _ms = target(1, 4);
    let ss = target(2, 0);
    // A resolve of the same rectangle is GL's, a scaled one goes through a temporary.
    let r = one(1, BLIT, 0, &blit_cmd(0xf, (2, RGBA8, FULL), (1, RGBA8, FULL), None));
    assert_eq!((r, ctx_error(1)), (0, 0));
    vertex_buffer(3, &[[-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]]);
    let mut c = Cmds::default();
    draw_triangle(&mut c);
    let half = [0, 0, 0, W as i32 / 2, W as i32 / 2, 1];
    c.push(BLIT, 0, &blit_cmd(0xf, (2, RGBA8, half), (1, RGBA8, FULL), None));
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    // The drawn target, shrunk into the lower-left quarter; the rest keeps the first
    // resolve of the (then empty) multisample resource.
    let out = level0(&ss);
    let q = W / 2;
    assert_eq!(px(&out, W, 4, 1, 1), [255, 0, 0, 255], "red half, scaled");
    assert_eq!(px(&out, W, 4, q - 2, q - 2), [0, 0, 255, 255], "blue half, scaled");
    assert_eq!(px(&out, W, 4, W - 2, W - 2), [0, 0, 0, 0], "outside the scaled box");
}

/// A W×W RGBA8 pattern: every pixel differs (x in red, y in green).
fn pattern() -> Vec<u8> {
    (0..W * W).flat_map(|i| [(i % W * 16) as u8, (i / W * 16) as u8, 0x40, 0xff]).collect()
}

/// Single-sample → multisample BLITs (piglit ext_framebuffer_multisample-upsample,
/// arb_framebuffer_srgb-blit … upsample): every sample takes the source value, so the
/// resolve gives the source back exactly; scaled and mirrored ones go through a temporary
/// texture first.
#[test]
fn upsampling_replicates_the_source_into_every_sample() {
    let _s = start();
    let _ms = target(1, 4);
    let src = target(2, 0);
    let out = target(3, 0);
    let pat = pattern();
    upload(&src, &pat);
    let resolve = blit_cmd(0xf, (3, RGBA8, FULL), (1, RGBA8, FULL), None);
    // Moved by (4, 2), one size: one glBlitFramebuffer.
    let n = W as i32 - 4;
    let moved = blit_cmd(0xf, (1, RGBA8, [4, 2, 0, n, n, 1]), (2, RGBA8, [0, 0, 0, n, n, 1]), None);
    let mut c = Cmds::default();
    c.push(BLIT, 0, &moved).push(BLIT, 0, &resolve);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    let got = level0(&out);
    for (x, y) in [(4, 2), (5, 9), (W - 1, W - 3)] {
        assert_eq!(px(&got, W, 4, x, y), px(&pat, W, 4, x - 4, y - 2), "moved ({x}, {y})");
    }
    assert_eq!(px(&got, W, 4, 1, 1), [0, 0, 0, 0], "outside the moved box");
    // Scaled 2× from the lower-left quarter and mirrored vertically: through a temporary.
    let q = W as i32 / 2;
    let up = blit_cmd(0xf, (1, RGBA8, FULL), (2, RGBA8, [0, q, 0, q, -q, 1]), None);
    let mut c = Cmds::default();
    c.push(BLIT, 0, &up).push(BLIT, 0, &resolve);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    let got = level0(&out);
    for y in 0..W {
        for x in 0..W {
            let (sx, sy) = (x / 2, W / 2 - 1 - y / 2);
            assert_eq!(px(&got, W, 4, x, y), px(&pat, W, 4, sx, sy), "scaled ({x}, {y})");
        }
    }
}

/// R8G8B8A8_SRGB: sRGB storage (viewed linearly as RGBA8).
const SRGBA8: u32 = 104;

/// A copy between 4× resources of different storage formats (RGBA8 → sRGB; piglit
/// arb_framebuffer_srgb-blit … msaa): per sample, so the partly covered pixels of the
/// drawn triangle resolve to the same mixes; an sRGB view of the destination encodes.
#[test]
fn multisample_copies_convert_between_formats() {
    let _s = start();
    let _ms = target(1, 4);
    let srgb = |handle, samples| {
        let a = virgl_renderer_resource_create_args {
            nr_samples: samples,
            ..args(handle, TEX_2D, SRGBA8, W, W, 1, 1, 0)
        };
        assert_eq!(create(a), 0);
        virgl_renderer_ctx_attach_resource(1, handle as i32);
        a
    };
    let _ms_srgb = srgb(4, 4);
    let direct = target(2, 0);
    let copied = srgb(5, 0);
    vertex_buffer(3, &[[-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]]);
    let resolves = |c: &mut Cmds| {
        c.push(BLIT, 0, &blit_cmd(0xf, (4, SRGBA8, FULL), (1, RGBA8, FULL), None));
        c.push(BLIT, 0, &blit_cmd(0xf, (2, RGBA8, FULL), (1, RGBA8, FULL), None));
        // Linear views on both sides: the stored bytes resolved unconverted.
        c.push(BLIT, 0, &blit_cmd(0xf, (5, RGBA8, FULL), (4, RGBA8, FULL), None));
    };
    let mut c = Cmds::default();
    draw_triangle(&mut c);
    resolves(&mut c);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    let (a, b) = (level0(&direct), level0(&copied));
    let mixed = (0..W * W).filter(|i| (1..255).contains(&a[*i as usize * 4])).count();
    assert!(mixed >= W as usize / 2, "{mixed} mixed pixels");
    assert_eq!(a, b, "0 and 255 encode to themselves: the same samples resolve alike");
    // Grey 128 encodes to sRGB 188 (0.502 → 0.7355).
    let grey = [0.5f32, 0.5, 0.5, 1.0].map(f32::to_bits);
    let mut c = Cmds::default();
    c.push(CLEAR, 0, &[1 << 2, grey[0], grey[1], grey[2], grey[3], 0, 0, 0]);
    resolves(&mut c);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    let (a, b) = (level0(&direct), level0(&copied));
    assert_eq!(px(&a, W, 4, 3, 3), [128, 128, 128, 255]);
    let p = px(&b, W, 4, 3, 3);
    assert!(p[..3].iter().all(|&v| (187..=189).contains(&v)) && p[3] == 255, "{p:?}");
}

/// A mirrored, moved resolve (piglit ext_framebuffer_multisample-blit-flipped): resolved
/// into a temporary texture, then blitted flipped.
#[test]
fn flipped_resolves_go_through_a_temporary() {
    let _s = start();
    let _ms = target(1, 4);
    let ss = target(2, 0);
    vertex_buffer(3, &[[-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]]);
    let mut c = Cmds::default();
    draw_triangle(&mut c);
    // Source rows W..0 (negative height) into rows 0..W: upside down.
    let flipped = [0, W as i32, 0, W as i32, -(W as i32), 1];
    c.push(BLIT, 0, &blit_cmd(0xf, (2, RGBA8, FULL), (1, RGBA8, flipped), None));
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    let out = level0(&ss);
    assert_eq!(px(&out, W, 4, 1, W - 2), [255, 0, 0, 255], "red half now on top");
    assert_eq!(px(&out, W, 4, W - 2, 1), [0, 0, 255, 255], "blue half now below");
    let mixed = (0..W).filter(|&x| (1..255).contains(&px(&out, W, 4, x, x)[0])).count();
    assert!(mixed >= W as usize / 2, "{mixed} diagonal pixels resolved to a mix");
}

/// A fragment shader writing its integer-centred window position (x, y) as bytes into
/// green and red, with the origin `origin` declared.
fn fragcoord_fs(origin: &str) -> String {
    format!(
        "FRAG\nPROPERTY FS_COORD_ORIGIN {origin}\nPROPERTY FS_COORD_PIXEL_CENTER INTEGER\n\
         DCL IN[0], POSITION, LINEAR\nDCL OUT[0], COLOR\n\
         IMM[0] FLT32 {{ 0.0039215689, 1.0000, 0.0000, 0.0000 }}\n\
         0: MUL OUT[0], IN[0].yxyy, IMM[0].xxxx\n1: MOV OUT[0].w, IMM[0].yyyy\n2: END\n"
    )
}

/// Draws the whole of resource 1 with `fragcoord_fs(origin)` and returns its rows' red
/// bytes (the fragment y) at column 3, checking green (x) on the way.
fn fragcoord_rows(origin: &str) -> Vec<u8> {
    let _s = start();
    let rt = target(1, 0);
    vertex_buffer(3, &[[-1.0, -1.0], [3.0, -1.0], [-1.0, 3.0]]);
    let mut c = Cmds::default();
    draw_triangle(&mut c);
    shader(&mut c, 32, 1, &fragcoord_fs(origin));
    c.push(BIND_SHADER, 0, &[32, 1]);
    c.push(DRAW_VBO, 0, &[0, 3, TRIANGLES, 0, 1, 0, 0, 0, 0, 0, u32::MAX, 0]);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    let out = level0(&rt);
    (0..W)
        .map(|r| {
            let p = px(&out, W, 4, 3, r);
            assert_eq!((p[1], p[3]), (3, 255), "x at row {r}");
            p[0]
        })
        .collect()
}

/// Level 2 offers the lower-left origin (FRAGMENT_COORD_CONVENTIONS): LOWER_LEFT counts
/// rows from the last one, UPPER_LEFT from row 0, on an unflipped viewport (a guest's
/// FBO). Piglit's texelFetch of sampler2DMS fills its texture with such a shader.
#[test]
fn lower_left_fragment_origin_counts_from_the_last_row_at_level_2() {
    std::env::set_var("VIRGL_SHIM_3D_LEVEL", "2");
    let want: Vec<u8> = (0..W as u8).rev().collect();
    assert_eq!(fragcoord_rows("LOWER_LEFT"), want);
}

#[test]
fn upper_left_fragment_origin_counts_from_row_0_at_level_2() {
    std::env::set_var("VIRGL_SHIM_3D_LEVEL", "2");
    assert_eq!(fragcoord_rows("UPPER_LEFT"), (0..W as u8).collect::<Vec<_>>());
}

/// Level 1 does not offer it: the guest's Mesa rewrites a lower-left shader to the
/// upper-left origin (through its y-transform constants) and still declares LOWER_LEFT.
#[test]
fn lower_left_declaration_is_ignored_at_level_1() {
    std::env::set_var("VIRGL_SHIM_3D_LEVEL", "1");
    assert_eq!(fragcoord_rows("LOWER_LEFT"), (0..W as u8).collect::<Vec<_>>());
}
