//! The program cache on the real GL backend: eviction deletes GL programs, failures are
//! clean errors with the info log, a cached program renders what its TGSI says.

use super::*;
use crate::backend::gl::GlFlags;

fn gl() -> GlBackend {
    GlBackend::new(GlFlags::default(), None).unwrap_or_else(|e| {
        panic!("GL backend failed to start (GL is required on every host): {e}")
    })
}

const VS: &str = "VERT\nDCL IN[0]\nDCL IN[1]\nDCL OUT[0], POSITION\nDCL OUT[1], GENERIC[0]\n\
  0: MOV OUT[0], IN[0]\n  1: MOV OUT[1], IN[1]\n  2: END\n";

/// A fragment shader writing CONST[0][0] plus `n` (so each `n` is another program).
fn fs(n: u32) -> String {
    format!(
        "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0][0]\nIMM[0] FLT32 {{{n}.0, 0.0, 0.0, 0.0}}\n  \
         0: ADD OUT[0], CONST[0][0], IMM[0]\n  1: END\n"
    )
}

fn pair<'a>(vs: &'a str, fs: &'a str, k: &'a [VariantKey; 2]) -> [(&'a str, &'a VariantKey); 2] {
    [(vs, &k[0]), (fs, &k[1])]
}

#[test]
fn program_eviction_deletes_gl_programs() {
    let mut be = gl();
    let keys = [VariantKey::default(); 2];
    be.set_program_limits(4, usize::MAX).unwrap();
    let texts: Vec<String> = (0..10).map(fs).collect();
    let mut ids = Vec::new();
    for t in &texts {
        let id = be.program(&pair(VS, t, &keys)).unwrap();
        ids.push((id, be.gl_program(id).unwrap()));
        // The first one stays in use: never the least recently used.
        be.use_program(ids[0].0).unwrap();
    }
    let s = be.program_stats();
    assert_eq!((s.programs, s.misses, s.evictions), (4, 10, 6), "{s:?}");
    // GL reuses deleted names: a name is a program exactly when a cached entry holds it.
    let cached: Vec<_> = ids.iter().filter_map(|&(id, _)| be.gl_program(id)).collect();
    assert_eq!(cached.len(), 4);
    be.begin().unwrap();
    for &(_, p) in &ids {
        // SAFETY: the context is current; glIsProgram takes any name.
        assert_eq!(unsafe { be.gl.is_program(p) }, cached.contains(&p), "{p:?}");
    }
    let kept: Vec<bool> = ids.iter().map(|&(id, _)| be.program_info(id).is_ok()).collect();
    assert_eq!(kept, [true, false, false, false, false, false, false, true, true, true]);
    assert!(be.use_program(ids[1].0).is_err(), "an evicted id still works");
    assert_eq!(be.program_info(ids[1].0).unwrap_err().errno, libc::EINVAL);
    // Asked again: a new program (a miss), another id.
    let again = be.program(&pair(VS, &texts[1], &keys)).unwrap();
    assert_ne!(again, ids[1].0);
    // The byte budget binds too.
    be.set_program_limits(100, be.program_stats().bytes / 2).unwrap();
    assert!(be.program_stats().programs < 4);
    be.clear_programs().unwrap();
    assert_eq!(be.program_stats().programs, 0);
    be.begin().unwrap();
    // SAFETY: the context is current.
    assert!(ids.iter().all(|&(_, p)| !unsafe { be.gl.is_program(p) }));
}

#[test]
fn program_failures_are_clean_errors() {
    let mut be = gl();
    let k = [VariantKey::default(); 2];
    // Not TGSI; stages in the wrong order: refused before any GL.
    let e = be.program(&pair("VERT\nbogus", &fs(0), &k)).unwrap_err();
    assert_eq!(e.errno, libc::EINVAL);
    let e = be.program(&pair(&fs(0), VS, &k)).unwrap_err();
    assert!(e.msg.contains("evaluation,] [geometry,] fragment"), "{}", e.msg);
    // A flat fragment input whose vertex output the key leaves smooth (next_flat should
    // have said so): each stage is valid GLSL, the link fails; the error carries the log.
    let fs_in = "FRAG\nDCL IN[0], GENERIC[0], CONSTANT\nDCL OUT[0], COLOR\n  \
                 0: MOV OUT[0], IN[0]\n  1: END\n";
    let vs_pos = VS;
    let e = be.program(&pair(vs_pos, fs_in, &k)).unwrap_err();
    assert_eq!(e.errno, libc::EINVAL);
    assert!(e.msg.contains("did not link"), "{}", e.msg);
    assert!(e.msg.len() > "program did not link: ".len(), "no info log: {}", e.msg);
    let s = be.program_stats();
    // Asked again: the remembered error, no new build.
    assert_eq!(be.program(&pair(vs_pos, fs_in, &k)).unwrap_err(), e);
    let t = be.program_stats();
    assert_eq!((t.misses, t.failures, t.programs), (s.misses, s.failures + 1, 0));
}

/// A cached program draws: the fragment stage's constant buffer reaches the pixel.
#[test]
fn program_renders_one_pixel() {
    let mut be = gl();
    let k = [VariantKey::default(); 2];
    let f = fs(1);
    let id = be.program(&pair(VS, &f, &k)).unwrap();
    assert_eq!(be.program(&pair(VS, &f, &k)).unwrap(), id);
    let info = be.program_info(id).unwrap();
    assert_eq!(info.stages[1].const_buffers.len(), 1);
    let c = [0.25f32, 0.5, -2.0, 1.0].map(f32::to_bits);
    be.set_constants(id, Processor::Fragment, 0, &c).unwrap();
    be.use_program(id).unwrap();
    let gl = &be.gl;
    let mut px = [0u8; 16];
    // SAFETY: the context is current (use_program); every object is made and deleted here.
    unsafe {
        let rt = gl.create_texture().unwrap();
        gl.bind_texture(glow::TEXTURE_2D, Some(rt));
        gl.tex_storage_2d(glow::TEXTURE_2D, 1, glow::RGBA32F, 1, 1);
        let fb = gl.create_framebuffer().unwrap();
        gl.bind_framebuffer(glow::FRAMEBUFFER, Some(fb));
        gl.framebuffer_texture_2d(
            glow::FRAMEBUFFER,
            glow::COLOR_ATTACHMENT0,
            glow::TEXTURE_2D,
            Some(rt),
            0,
        );
        assert_eq!(gl.check_framebuffer_status(glow::FRAMEBUFFER), glow::FRAMEBUFFER_COMPLETE);
        gl.viewport(0, 0, 1, 1);
        let vao = gl.create_vertex_array().unwrap();
        gl.bind_vertex_array(Some(vao));
        let vbo = gl.create_buffer().unwrap();
        gl.bind_buffer(glow::ARRAY_BUFFER, Some(vbo));
        let tri: [f32; 6] = [-1.0, -1.0, 3.0, -1.0, -1.0, 3.0];
        let bytes: Vec<u8> = tri.iter().flat_map(|x| x.to_ne_bytes()).collect();
        gl.buffer_data_u8_slice(glow::ARRAY_BUFFER, &bytes, glow::STATIC_DRAW);
        gl.vertex_attrib_pointer_f32(0, 2, glow::FLOAT, false, 0, 0);
        gl.enable_vertex_attrib_array(0);
        gl.draw_arrays(glow::TRIANGLES, 0, 3);
        gl.read_pixels(
            0,
            0,
            1,
            1,
            glow::RGBA,
            glow::FLOAT,
            glow::PixelPackData::Slice(Some(&mut px)),
        );
        gl.bind_framebuffer(glow::FRAMEBUFFER, None);
        gl.delete_framebuffer(fb);
        gl.delete_texture(rt);
        gl.bind_buffer(glow::ARRAY_BUFFER, None);
        gl.delete_buffer(vbo);
        gl.bind_vertex_array(None);
        gl.delete_vertex_array(vao);
        gl.use_program(None);
    }
    be.check("draw").unwrap();
    let got: Vec<f32> = px.chunks(4).map(|b| f32::from_ne_bytes(b.try_into().unwrap())).collect();
    assert_eq!(got, [1.25, 0.5, -2.0, 1.0]);
    // Another key: another GL program.
    let k2 = [VariantKey::default(), VariantKey { lower_left_origin: true, ..Default::default() }];
    let id2 = be.program(&pair(VS, &f, &k2)).unwrap();
    assert_ne!(id2, id);
    assert_ne!(be.gl_program(id2), be.gl_program(id));
    let s = be.program_stats();
    assert_eq!((s.hits, s.misses, s.programs), (1, 2, 2));
}
