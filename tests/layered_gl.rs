//! Layered framebuffers on the GL backend (GL 3.2 layered rendering, issue #14): surfaces
//! that cover every layer of a level (a cube map's faces, an array's layers, a 3-D level's
//! slices, a multisample array) are attached whole, so clears clear every layer and a
//! geometry shader's LAYER output picks the layer it draws into; a sub-range is cleared
//! layer by layer and nothing outside it. Every layer is read back through transfers
//! (multisample arrays through a resolving BLIT of all layers).
//!
//! One renderer per process: `cargo nextest run --test layered_gl`. GL is required
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
const OBJ_SHADER: u32 = 4;
const OBJ_VERTEX_ELEMENTS: u32 = 5;
const R32G32_FLOAT: u32 = 29;
const TRIANGLES: u32 = 4;

const VS: &str = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nIMM[0] FLT32 { 0.0000, 1.0000, 0.0000, 0.0000 }\n  0: MOV OUT[0], IN[0].xyzz\n  1: MOV OUT[0].zw, IMM[0].xxxy\n  2: END\n";
const FS: &str = "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0]\n  0: MOV OUT[0], CONST[0]\n  1: END\n";
/// Passes the triangle through into layer 2 (LAYER output).
const GS_LAYER2: &str = "GEOM\nPROPERTY GS_INPUT_PRIMITIVE TRIANGLES\n\
    PROPERTY GS_OUTPUT_PRIMITIVE TRIANGLE_STRIP\nPROPERTY GS_MAX_OUTPUT_VERTICES 3\n\
    DCL IN[][0], POSITION\nDCL OUT[0], POSITION\nDCL OUT[1], LAYER\n\
    IMM[0] UINT32 { 0, 2, 0, 0 }\n\
    \x20 0: MOV OUT[0], IN[0][0]\n  1: MOV OUT[1], IMM[0].yyyy\n  2: EMIT IMM[0].xxxx\n\
    \x20 3: MOV OUT[0], IN[1][0]\n  4: MOV OUT[1], IMM[0].yyyy\n  5: EMIT IMM[0].xxxx\n\
    \x20 6: MOV OUT[0], IN[2][0]\n  7: MOV OUT[1], IMM[0].yyyy\n  8: EMIT IMM[0].xxxx\n\
    \x20 9: ENDPRIM IMM[0].xxxx\n 10: END\n";

const RED: [u8; 4] = [255, 0, 0, 255];
const GREEN: [u8; 4] = [0, 255, 0, 255];
const BLUE: [u8; 4] = [0, 0, 255, 255];
const ZERO: [u8; 4] = [0; 4];

fn f(v: f32) -> u32 {
    v.to_bits()
}

fn start() -> Session {
    let s = gl_session();
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    s
}

/// Creates and attaches an RGBA8 texture of `target`.
fn texture(
    handle: u32,
    target: u32,
    (w, h, d, layers): (u32, u32, u32, u32),
    last_level: u32,
    samples: u32,
) -> virgl_renderer_resource_create_args {
    let a = virgl_renderer_resource_create_args {
        nr_samples: samples,
        ..args(handle, target, RGBA8, w, h, d, layers, last_level)
    };
    assert_eq!(create(a), 0, "create {handle}");
    virgl_renderer_ctx_attach_resource(1, handle as i32);
    a
}

/// SURFACE `handle` of resource `res`: `level`, layers `first..=last`.
fn surface(c: &mut Cmds, handle: u32, res: u32, level: u32, first: u32, last: u32) {
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[handle, res, RGBA8, level, first | last << 16]);
}

/// CLEAR of every colour buffer.
fn clear(c: &mut Cmds, rgba: [f32; 4]) {
    let v = rgba.map(f32::to_bits);
    c.push(CLEAR, 0, &[0xff << 2, v[0], v[1], v[2], v[3], 0, 0, 0]);
}

fn submit(c: &mut Cmds) {
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
}

/// Every pixel of each layer of `level` (all layers of the level, read back together).
fn layers(a: &virgl_renderer_resource_create_args, level: u32) -> Vec<Vec<[u8; 4]>> {
    let g = LevelGeom::of(a, level);
    let data = read_level(&mut Rng::new(7), a.handle, a, level).expect("read back");
    data.chunks(g.layer_size())
        .map(|l| l.chunks(4).map(|p| [p[0], p[1], p[2], p[3]]).collect())
        .collect()
}

/// Asserts every pixel of layer `i` is `want[i]`.
fn assert_layers(got: &[Vec<[u8; 4]>], want: &[[u8; 4]], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: layers");
    for (i, (l, w)) in got.iter().zip(want).enumerate() {
        assert!(l.iter().all(|p| p == w), "{what}: layer {i} is {:?}…, want {w:?}", &l[..1]);
    }
}

/// piglit gl-3.2-layered-rendering-clear-color-all-types cube_map mipmapped: a surface of
/// all six faces of level 1 clears them all; a one-face surface of level 0 clears one.
#[test]
fn cube_map_level_cleared_on_every_face() {
    let _s = start();
    let cube = texture(1, CUBE, (8, 8, 1, 6), 3, 0);
    let mut c = Cmds::default();
    surface(&mut c, 10, 1, 1, 0, 5);
    c.push(SET_FRAMEBUFFER_STATE, 0, &[1, 0, 10]);
    clear(&mut c, [1.0, 0.0, 0.0, 1.0]);
    surface(&mut c, 11, 1, 0, 2, 2);
    c.push(SET_FRAMEBUFFER_STATE, 0, &[1, 0, 11]);
    clear(&mut c, [0.0, 0.0, 1.0, 1.0]);
    submit(&mut c);
    assert_layers(&layers(&cube, 1), &[RED; 6], "level 1");
    assert_layers(&layers(&cube, 0), &[ZERO, ZERO, BLUE, ZERO, ZERO, ZERO], "level 0");
    assert_layers(&layers(&cube, 2), &[ZERO; 6], "level 2");
}

/// Layered clears of a 3-D level (its slices at that level) and of a 1-D array; a colour
/// buffer of another layer count in the same framebuffer is cleared whole too.
#[test]
fn three_d_and_1d_array_levels_cleared_on_every_layer() {
    let _s = start();
    let vol = texture(1, TEX_3D, (8, 8, 4, 1), 1, 0);
    let arr = texture(2, TEX_1D_ARRAY, (8, 1, 1, 3), 0, 0);
    let mut c = Cmds::default();
    surface(&mut c, 10, 1, 1, 0, 1);
    surface(&mut c, 11, 2, 0, 0, 2);
    c.push(SET_FRAMEBUFFER_STATE, 0, &[2, 0, 10, 11]);
    clear(&mut c, [0.0, 1.0, 0.0, 1.0]);
    submit(&mut c);
    assert_layers(&layers(&vol, 1), &[GREEN; 2], "3-D level 1");
    assert_layers(&layers(&vol, 0), &[ZERO; 4], "3-D level 0");
    assert_layers(&layers(&arr, 0), &[GREEN; 3], "1-D array");
}

/// A surface of layers 1..=3 of a five-layer array: GL cannot attach the range, so the
/// clear visits those three layers and leaves 0 and 4 alone.
#[test]
fn sub_range_cleared_layer_by_layer_and_nothing_else() {
    let _s = start();
    let arr = texture(1, TEX_2D_ARRAY, (4, 4, 1, 5), 0, 0);
    let mut c = Cmds::default();
    surface(&mut c, 10, 1, 0, 1, 3);
    c.push(SET_FRAMEBUFFER_STATE, 0, &[1, 0, 10]);
    clear(&mut c, [0.0, 0.0, 1.0, 1.0]);
    submit(&mut c);
    assert_layers(&layers(&arr, 0), &[ZERO, BLUE, BLUE, BLUE, ZERO], "array");
    // A first layer past the level is refused as an illegal surface.
    let mut c = Cmds::default();
    surface(&mut c, 11, 1, 0, 5, 5);
    c.push(SET_FRAMEBUFFER_STATE, 0, &[1, 0, 11]);
    clear(&mut c, [1.0, 0.0, 0.0, 1.0]);
    c.submit(1);
    assert_eq!(ctx_error(1), ILLEGAL_SURFACE);
    assert_layers(&layers(&arr, 0), &[ZERO, BLUE, BLUE, BLUE, ZERO], "array after");
}

/// piglit gl-3.2-layered-rendering-gl-layer-render: a geometry shader writing LAYER 2
/// draws into layer 2 of a layered array only.
#[test]
fn geometry_shader_layer_output_picks_the_layer() {
    let _s = start();
    let arr = texture(1, TEX_2D_ARRAY, (8, 8, 1, 3), 0, 0);
    // A triangle covering the whole viewport.
    let verts: Vec<u8> =
        [-1.0f32, -1.0, 3.0, -1.0, -1.0, 3.0].iter().flat_map(|v| v.to_le_bytes()).collect();
    let vb = args(2, BUFFER, R8, verts.len() as u32, 1, 1, 1, 0);
    assert_eq!(create(vb), 0);
    virgl_renderer_ctx_attach_resource(1, 2);
    let mut s = ScatterBuf::contiguous(verts.len());
    s.write_all(&verts);
    assert_eq!(write(2, Xfer::boxed([0, 0, 0, verts.len() as u32, 1, 1]), Some(&mut s)), 0);
    let mut c = Cmds::default();
    surface(&mut c, 10, 1, 0, 0, 2);
    c.push(SET_FRAMEBUFFER_STATE, 0, &[1, 0, 10]);
    let mut blend = vec![20, 0, 0];
    blend.extend([0xf << 27; 8]);
    c.push(CREATE_OBJECT, OBJ_BLEND, &blend);
    c.push(BIND_OBJECT, OBJ_BLEND, &[20]);
    c.push(CREATE_OBJECT, OBJ_DSA, &[21, 0, 0, 0, 0]);
    c.push(BIND_OBJECT, OBJ_DSA, &[21]);
    c.push(CREATE_OBJECT, OBJ_RASTERIZER, &[22, 1 << 29 | 1 << 1, f(1.0), 0, 0, f(1.0), 0, 0, 0]);
    c.push(BIND_OBJECT, OBJ_RASTERIZER, &[22]);
    c.push(CREATE_OBJECT, OBJ_VERTEX_ELEMENTS, &[23, 0, 0, 0, R32G32_FLOAT]);
    c.push(BIND_OBJECT, OBJ_VERTEX_ELEMENTS, &[23]);
    for (handle, stage, text) in [(30, 0, VS), (31, 1, FS), (32, 2, GS_LAYER2)] {
        let mut bytes = text.as_bytes().to_vec();
        bytes.push(0);
        let mut p = vec![handle, stage, bytes.len() as u32, 0, 0];
        p.extend(bytes_to_words(&bytes));
        c.push(CREATE_OBJECT, OBJ_SHADER, &p);
        c.push(BIND_SHADER, 0, &[handle, stage]);
    }
    c.push(SET_VIEWPORT_STATE, 0, &[0, f(4.0), f(4.0), f(0.5), f(4.0), f(4.0), f(0.5)]);
    c.push(SET_VERTEX_BUFFERS, 0, &[8, 0, 2]);
    c.push(SET_CONSTANT_BUFFER, 0, &[1, 0, f(1.0), f(0.0), f(0.0), f(1.0)]);
    clear(&mut c, [0.0, 0.0, 1.0, 1.0]);
    c.push(DRAW_VBO, 0, &[0, 3, TRIANGLES, 0, 1, 0, 0, 0, 0, 0, u32::MAX, 0]);
    submit(&mut c);
    assert_layers(&layers(&arr, 0), &[BLUE, BLUE, RED], "array");
}

/// piglit gl-3.2-layered-rendering-clear-color-all-types 2d_multisample_array: a layered
/// clear of a 4× array clears every layer (resolved layer by layer with one BLIT).
#[test]
fn multisample_array_cleared_on_every_layer() {
    let _s = start();
    let _ms = texture(1, TEX_2D_ARRAY, (8, 8, 1, 3), 0, 4);
    let ss = texture(2, TEX_2D_ARRAY, (8, 8, 1, 3), 0, 0);
    let mut c = Cmds::default();
    surface(&mut c, 10, 1, 0, 0, 2);
    c.push(SET_FRAMEBUFFER_STATE, 0, &[1, 0, 10]);
    clear(&mut c, [0.0, 1.0, 0.0, 1.0]);
    let all = [0, 0, 0, 8, 8, 3];
    c.push(BLIT, 0, &blit_cmd(0xf, (2, RGBA8, all), (1, RGBA8, all), None));
    submit(&mut c);
    assert_layers(&layers(&ss, 0), &[GREEN; 3], "resolved layers");
}
