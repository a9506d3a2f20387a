//! Tessellation stages translated from TGSI draw on the host's GL: a vertex, control,
//! evaluation and fragment program (the control and evaluation texts in the style Mesa's
//! virgl driver writes) linked into one program, one triangle patch drawn over a 1×1
//! target, the pixel read back. Needs GL 4.0 (GL_ARB_tessellation_shader), which every CI
//! host's llvmpipe has: an older context fails (no test prints SKIP and returns).
//!
//! EGL must work; set `VIRGL_SHIM_SKIP_GL=1` to skip instead of failing.

mod shader_gl;

use glow::HasContext;
use shader_gl::*;
use virglrenderer::internal::shader::{self, VariantKey};

const TCS: &str = "TESS_CTRL\nPROPERTY TCS_VERTICES_OUT 3\n\
DCL IN[][0], POSITION\nDCL IN[][1], GENERIC[0]\nDCL OUT[][0], POSITION\n\
DCL OUT[][1], GENERIC[0]\nDCL OUT[2], TESSOUTER\nDCL OUT[3].xy, TESSINNER\n\
DCL OUT[4], PATCH[0]\nDCL SV[0], INVOCATIONID\nDCL SV[1], VERTICESIN\nDCL TEMP[0]\n\
DCL ADDR[0..1]\nIMM[0] FLT32 {2.0000, 3.0000, 1.0000, 0.5000}\n\
  0: MOV OUT[2], IMM[0].xxyy\n  1: MOV OUT[3].xy, IMM[0].zzzz\n\
  2: UARL ADDR[1].x, SV[0].xxxx\n  3: MOV TEMP[0], IN[ADDR[1].x][0]\n\
  4: MOV OUT[ADDR[1].x][0], TEMP[0]\n  5: MOV OUT[ADDR[1].x][1], IN[ADDR[1].x][1]\n\
  6: I2F OUT[4].x, SV[1].xxxx\n  7: MOV OUT[4].yzw, OUT[2].yyzw\n  8: END\n";

const TES: &str = "TESS_EVAL\nPROPERTY TES_PRIM_MODE 4\nPROPERTY TES_SPACING 2\n\
PROPERTY TES_VERTEX_ORDER_CW 0\nPROPERTY TES_POINT_MODE 0\nDCL IN[][0], POSITION\n\
DCL IN[][1], GENERIC[0]\nDCL IN[2], PATCH[0]\nDCL SV[0], TESSCOORD\nDCL SV[1], TESSOUTER\n\
DCL OUT[0], POSITION\nDCL OUT[1], GENERIC[0]\nDCL TEMP[0..1]\n\
  0: MUL TEMP[0], IN[0][0], SV[0].xxxx\n  1: MAD TEMP[0], IN[1][0], SV[0].yyyy, TEMP[0]\n\
  2: MAD OUT[0], IN[2][0], SV[0].zzzz, TEMP[0]\n  3: MOV TEMP[1], IN[0][1]\n\
  4: MOV TEMP[1].y, IN[2].xxxx\n  5: MOV TEMP[1].z, SV[1].yyyy\n\
  6: MOV OUT[1], TEMP[1]\n  7: END\n";

const FS: &str = "FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\n\
  0: MOV OUT[0], IN[0]\n  1: END\n";

/// The control and evaluation stages Mesa 25.0.7's virgl driver sent for piglit's
/// `textureSize 140 tes isampler2D` (captured from our log at level 2 with tessellation
/// offered, `tests/tgsi/tes_texturesize.*.tgsi`): quads, levels from the control stage,
/// TESSCOORD and TXQ in the evaluation stage. They compile and link with a vertex and a
/// fragment stage.
#[test]
fn captured_guest_stages_link() {
    let Some(gl) = gl_or_skip() else { return };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tgsi");
    let read = |n: &str| std::fs::read_to_string(dir.join(n)).unwrap();
    let key = VariantKey { integers: true, ..Default::default() };
    let fs = "FRAG\nDCL IN[0].xy, GENERIC[0], CONSTANT\nDCL OUT[0], COLOR\n\
        0: I2F OUT[0].xy, IN[0].xyxx\n  1: END\n";
    let tes = shader::parse(&read("tes_texturesize.tese.tgsi")).unwrap();
    let fs_p = shader::parse(fs).unwrap();
    let fs_key = VariantKey { prev_outputs: Some(shader::output_slots(&tes)), ..key };
    let (flat, np) = shader::fs_interpolation(&fs_p, &fs_key);
    let stages = [
        (glow::VERTEX_SHADER, shader::translate(VS_POS, &VariantKey { to_geometry: true, ..key })),
        (glow::TESS_CONTROL_SHADER, shader::translate(&read("tes_texturesize.tesc.tgsi"), &key)),
        (
            glow::TESS_EVALUATION_SHADER,
            shader::emit(&tes, &VariantKey { next_flat: flat, next_noperspective: np, ..key })
                .map_err(Into::into),
        ),
        (glow::FRAGMENT_SHADER, shader::emit(&fs_p, &fs_key).map_err(Into::into)),
    ];
    let g = &gl.gl;
    // SAFETY: the context is current; the objects are created and deleted here.
    unsafe {
        let version = g.get_parameter_i32(glow::MAJOR_VERSION);
        assert!(version >= 4, "the host context is GL {version}.x; tessellation needs 4.0");
        let p = g.create_program().unwrap();
        let mut objs = Vec::new();
        for (stage, src) in stages {
            let s = gl.compile(stage, &src.unwrap()).unwrap();
            g.attach_shader(p, s);
            objs.push(s);
        }
        g.link_program(p);
        assert!(g.get_program_link_status(p), "{}", g.get_program_info_log(p));
        g.delete_program(p);
        for s in objs {
            g.delete_shader(s);
        }
    }
}

#[test]
fn a_triangle_patch_draws_through_both_tessellation_stages() {
    let Some(gl) = gl_or_skip() else { return };
    let key = VariantKey { integers: true, ..Default::default() };
    let vs = shader::parse(VS_POS).unwrap();
    let tcs = shader::parse(TCS).unwrap();
    let tes = shader::parse(TES).unwrap();
    let fs = shader::parse(FS).unwrap();
    let fs_key = VariantKey { prev_outputs: Some(shader::output_slots(&tes)), ..key };
    let (flat, np) = shader::fs_interpolation(&fs, &fs_key);
    let tes_key = VariantKey { next_flat: flat, next_noperspective: np, ..key };
    let sources = [
        (glow::VERTEX_SHADER, shader::emit(&vs, &VariantKey { to_geometry: true, ..key }).unwrap()),
        (glow::TESS_CONTROL_SHADER, shader::emit(&tcs, &key).unwrap()),
        (glow::TESS_EVALUATION_SHADER, shader::emit(&tes, &tes_key).unwrap()),
        (glow::FRAGMENT_SHADER, shader::emit(&fs, &fs_key).unwrap()),
    ];
    let g = &gl.gl;
    // SAFETY: the context is current; every object is created, used and deleted here.
    unsafe {
        let version = g.get_parameter_i32(glow::MAJOR_VERSION);
        assert!(version >= 4, "the host context is GL {version}.x; tessellation needs 4.0");
        let p = g.create_program().unwrap();
        let mut objs = Vec::new();
        for (stage, src) in &sources {
            let s = gl.compile(*stage, src).unwrap();
            g.attach_shader(p, s);
            objs.push(s);
        }
        g.link_program(p);
        assert!(g.get_program_link_status(p), "{}", g.get_program_info_log(p));
        g.use_program(Some(p));
        let rt = g.create_texture().unwrap();
        g.bind_texture(glow::TEXTURE_2D, Some(rt));
        g.tex_storage_2d(glow::TEXTURE_2D, 1, glow::RGBA32F, 1, 1);
        let fb = g.create_framebuffer().unwrap();
        g.bind_framebuffer(glow::FRAMEBUFFER, Some(fb));
        g.framebuffer_texture_2d(
            glow::FRAMEBUFFER,
            glow::COLOR_ATTACHMENT0,
            glow::TEXTURE_2D,
            Some(rt),
            0,
        );
        g.viewport(0, 0, 1, 1);
        g.clear_color(CLEAR[0], CLEAR[1], CLEAR[2], CLEAR[3]);
        g.clear(glow::COLOR_BUFFER_BIT);
        let vao = g.create_vertex_array().unwrap();
        g.bind_vertex_array(Some(vao));
        let tri: [f32; 6] = [-1.0, -1.0, 3.0, -1.0, -1.0, 3.0];
        let vbo = g.create_buffer().unwrap();
        g.bind_buffer(glow::ARRAY_BUFFER, Some(vbo));
        let bytes: Vec<u8> = tri.iter().flat_map(|x| x.to_ne_bytes()).collect();
        g.buffer_data_u8_slice(glow::ARRAY_BUFFER, &bytes, glow::STATIC_DRAW);
        g.vertex_attrib_pointer_f32(0, 2, glow::FLOAT, false, 0, 0);
        g.enable_vertex_attrib_array(0);
        g.vertex_attrib_4_f32(1, 0.25, 0.0, 0.0, 0.75);
        g.patch_parameter_i32(glow::PATCH_VERTICES, 3);
        g.draw_arrays(glow::PATCHES, 0, 3);
        assert_eq!(g.get_error(), glow::NO_ERROR);
        let mut px = [0u8; 16];
        g.read_pixels(
            0,
            0,
            1,
            1,
            glow::RGBA,
            glow::FLOAT,
            glow::PixelPackData::Slice(Some(&mut px)),
        );
        let got: Vec<f32> =
            px.chunks(4).map(|c| f32::from_ne_bytes(c.try_into().unwrap())).collect();
        // x, w: the vertex attribute through both stages; y: the per-patch varying (the
        // control stage's VERTICESIN, 3); z: outer level 1 as the evaluation stage reads it.
        assert!(close(got.clone().try_into().unwrap(), [0.25, 3.0, 2.0, 0.75]), "{got:?}");
        g.delete_buffer(vbo);
        g.delete_vertex_array(vao);
        g.delete_framebuffer(fb);
        g.delete_texture(rt);
        g.use_program(None);
        g.delete_program(p);
        for s in objs {
            g.delete_shader(s);
        }
    }
}
