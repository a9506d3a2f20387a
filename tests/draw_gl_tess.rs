//! Tessellation on the GL backend: a vertex, tessellation control, tessellation evaluation
//! and fragment shader created and bound as Mesa's virgl driver sends them (shader types 3
//! and 4), a DRAW_VBO of `PIPE_PRIM_PATCHES` in the 14-dword form with its vertices per
//! patch, the pixels read back through transfers. The control stage takes its levels from
//! its own constant buffer (stage 3).
//!
//! One renderer per process: `cargo nextest run --test draw_gl_tess`. GL is required on
//! every host (llvmpipe through EGL surfaceless at least), and with it GL 4.0 tessellation
//! (llvmpipe has GL 4.5): a host without it fails this test (tests/common's policy: no test
//! prints SKIP and returns).

mod common;

use common::stream::*;
use common::*;
use virglrenderer::ffi::context::*;

const BIND_SHADER: u32 = 31;
const SET_VIEWPORT_STATE: u32 = 4;
const SET_VERTEX_BUFFERS: u32 = 6;
const SET_CONSTANT_BUFFER: u32 = 12;
const SET_TESS_STATE: u32 = 32;
const PATCHES: u32 = 14;

const VS: &str = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nDCL OUT[1], GENERIC[0]\nDCL CONST[0]\n\
IMM[0] FLT32 { 0.0000, 1.0000, 0.0000, 0.0000 }\n  0: MOV OUT[0], IN[0].xyzz\n\
  1: MOV OUT[0].zw, IMM[0].xxxy\n  2: MOV OUT[1], CONST[0]\n  3: END\n";
const TCS: &str = "TESS_CTRL\nPROPERTY TCS_VERTICES_OUT 3\nDCL IN[][0], POSITION\n\
DCL IN[][1], GENERIC[0]\nDCL OUT[][0], POSITION\nDCL OUT[][1], GENERIC[0]\n\
DCL OUT[2], TESSOUTER\nDCL OUT[3], TESSINNER\nDCL SV[0], INVOCATIONID\nDCL CONST[0]\n\
DCL ADDR[0..1]\n  0: MOV OUT[2], CONST[0].xxxx\n  1: MOV OUT[3], CONST[0].xxxx\n\
  2: UARL ADDR[1].x, SV[0].xxxx\n  3: MOV OUT[ADDR[1].x][0], IN[ADDR[1].x][0]\n\
  4: MOV OUT[ADDR[1].x][1], IN[ADDR[1].x][1]\n  5: END\n";
const TES: &str = "TESS_EVAL\nPROPERTY TES_PRIM_MODE 4\nPROPERTY TES_SPACING 2\n\
PROPERTY TES_VERTEX_ORDER_CW 0\nPROPERTY TES_POINT_MODE 0\nDCL IN[][0], POSITION\n\
DCL IN[][1], GENERIC[0]\nDCL SV[0], TESSCOORD\nDCL OUT[0], POSITION\nDCL OUT[1], GENERIC[0]\n\
DCL TEMP[0]\n  0: MUL TEMP[0], IN[0][0], SV[0].xxxx\n\
  1: MAD TEMP[0], IN[1][0], SV[0].yyyy, TEMP[0]\n  2: MAD OUT[0], IN[2][0], SV[0].zzzz, TEMP[0]\n\
  3: MOV OUT[1], IN[0][1]\n  4: END\n";
const FS: &str = "FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\n\
  0: MOV OUT[0], IN[0]\n  1: END\n";

fn f(v: f32) -> u32 {
    v.to_bits()
}

/// DRAW_VBO of 3 vertices, 14 dwords: vertices per patch last but one.
fn draw(c: &mut Cmds, mode: u32, per_patch: u32) {
    c.push(DRAW_VBO, 0, &[0, 3, mode, 0, 1, 0, 0, 0, 0, 0, u32::MAX, 0, per_patch, 0]);
}

fn clear(c: &mut Cmds) {
    c.push(CLEAR, 0, &[1 << 2, f(0.0), f(0.0), f(1.0), f(1.0), 0, 0, 0]);
}

const BLUE: [u8; 4] = [0, 0, 255, 255];
const GREEN: [u8; 4] = [0, 255, 0, 255];

#[test]
fn a_triangle_patch_draws_through_the_tessellation_stages() {
    let _s = gl_session();
    // SAFETY: valid name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 4, c"t".as_ptr()) }, 0);
    let rt = tex(1, RGBA8, 16, 16);
    vertex_buffer(2, &[-1.0, -1.0, 1.0, -1.0, -1.0, 1.0]);

    let mut c = Cmds::default();
    fixed_draw_state(&mut c);
    for (handle, stage, text) in [(30, 0, VS), (31, 1, FS), (32, 3, TCS), (33, 4, TES)] {
        shader(&mut c, handle, stage, text);
        c.push(BIND_SHADER, 0, &[handle, stage]);
    }
    c.push(SET_VIEWPORT_STATE, 0, &[0, f(8.0), f(8.0), f(0.5), f(8.0), f(8.0), f(0.5)]);
    c.push(SET_VERTEX_BUFFERS, 0, &[8, 0, 2]);
    c.push(SET_CONSTANT_BUFFER, 0, &[0, 0, f(0.0), f(1.0), f(0.0), f(1.0)]);
    // Levels 3 from the control stage's own constants; the default levels are unused.
    c.push(SET_CONSTANT_BUFFER, 0, &[3, 0, f(3.0), f(3.0), f(3.0), f(3.0)]);
    c.push(SET_TESS_STATE, 0, &[f(1.0); 6]);
    clear(&mut c);
    draw(&mut c, PATCHES, 3);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0, "the tessellated draw was refused (does the host have GL 4.0?)");
    let img = level0(&rt);
    // Below the diagonal: the patch, tessellated and drawn; above it the clear.
    assert_eq!(px(&img, 16, 4, 2, 2), GREEN);
    assert_eq!(px(&img, 16, 4, 13, 13), BLUE);

    // Patches of the wrong size, or other primitives with the stages bound, draw nothing
    // (as GL draws nothing) and leave the context usable.
    for (mode, per_patch) in [(PATCHES, 0), (PATCHES, 33), (4, 3)] {
        let mut c = Cmds::default();
        clear(&mut c);
        draw(&mut c, mode, per_patch);
        assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
        assert_eq!(px(&level0(&rt), 16, 4, 2, 2), BLUE, "mode {mode}, {per_patch} per patch");
    }
    let mut c = Cmds::default();
    draw(&mut c, PATCHES, 3);
    assert_eq!(c.submit(1), 0);
    assert_eq!(px(&level0(&rt), 16, 4, 2, 2), GREEN);

    // No control stage: the evaluation stage reads the vertex stage's outputs and the
    // patch is tessellated at SET_TESS_STATE's default levels.
    let mut c = Cmds::default();
    c.push(BIND_SHADER, 0, &[0, 3]);
    c.push(SET_TESS_STATE, 0, &[f(4.0); 6]);
    c.push(SET_CONSTANT_BUFFER, 0, &[0, 0, f(1.0), f(1.0), f(0.0), f(1.0)]);
    clear(&mut c);
    draw(&mut c, PATCHES, 3);
    assert_eq!(c.submit(1), 0, "context error {}", ctx_error(1));
    assert_eq!(ctx_error(1), 0);
    let img = level0(&rt);
    assert_eq!(px(&img, 16, 4, 2, 2), [255, 255, 0, 255]);
    assert_eq!(px(&img, 16, 4, 13, 13), BLUE);
}
