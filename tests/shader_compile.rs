//! The TGSI→GLSL translator against a real GLSL compiler: every program of the corpus in
//! `tests/tgsi/` (NAME.vert.tgsi + NAME.frag.tgsi pairs, captured from Mesa's virgl
//! driver over vtest or written by hand in its style) is translated for a set of variant
//! keys, then compiled and linked on the host's GL through an EGL surfaceless context of
//! our own (desktop GL 3.3+ core; llvmpipe in CI).
//!
//! EGL must work; set `VIRGL_SHIM_SKIP_GL=1` to skip instead of failing.

use glow::HasContext;
use khronos_egl as egl;
use std::collections::BTreeMap;
use std::path::PathBuf;
use virglrenderer::internal::shader::{self, CompareFunc, Processor, VariantKey};

const PLATFORM_SURFACELESS_MESA: egl::Enum = 0x31DD;

struct Gl {
    gl: glow::Context,
    // Kept alive for the context's lifetime.
    _egl: egl::DynamicInstance<egl::EGL1_5>,
}

fn setup() -> Result<Gl, String> {
    setup_api(false)
}

/// A desktop GL 3.3 core context, or with `es` a GLES 3.0 one.
fn setup_api(es: bool) -> Result<Gl, String> {
    // SAFETY: loads the system's libEGL.so.1 (runs its initialisers).
    let egl = unsafe { egl::DynamicInstance::<egl::EGL1_5>::load_required() }
        .map_err(|e| format!("load libEGL: {e}"))?;
    // SAFETY: EGL_DEFAULT_DISPLAY (NULL) is the native display the surfaceless platform takes.
    let display = unsafe {
        egl.get_platform_display(
            PLATFORM_SURFACELESS_MESA,
            egl::DEFAULT_DISPLAY,
            &[egl::ATTRIB_NONE],
        )
    }
    .map_err(|e| format!("eglGetPlatformDisplay(surfaceless): {e}"))?;
    egl.initialize(display).map_err(|e| format!("eglInitialize: {e}"))?;
    egl.bind_api(if es { egl::OPENGL_ES_API } else { egl::OPENGL_API })
        .map_err(|e| format!("eglBindAPI: {e}"))?;
    let attribs: &[egl::Int] = if es {
        &[egl::CONTEXT_MAJOR_VERSION, 3, egl::CONTEXT_MINOR_VERSION, 0, egl::NONE]
    } else {
        &[
            egl::CONTEXT_MAJOR_VERSION,
            3,
            egl::CONTEXT_MINOR_VERSION,
            3,
            egl::CONTEXT_OPENGL_PROFILE_MASK,
            egl::CONTEXT_OPENGL_CORE_PROFILE_BIT,
            egl::NONE,
        ]
    };
    // SAFETY: EGL_NO_CONFIG_KHR (NULL); Mesa has EGL_KHR_no_config_context.
    let config = unsafe { egl::Config::from_ptr(std::ptr::null_mut()) };
    let ctx = egl
        .create_context(display, config, None, attribs)
        .map_err(|e| format!("eglCreateContext: {e}"))?;
    egl.make_current(display, None, None, Some(ctx)).map_err(|e| format!("eglMakeCurrent: {e}"))?;
    // SAFETY: the context is current on this thread; the loader returns GL entry points.
    let gl = unsafe {
        glow::Context::from_loader_function(|name| {
            egl.get_proc_address(name).map_or(std::ptr::null(), |f| f as *const _)
        })
    };
    Ok(Gl { gl, _egl: egl })
}

fn gl_or_skip() -> Option<Gl> {
    or_skip(setup())
}

fn or_skip(r: Result<Gl, String>) -> Option<Gl> {
    match r {
        Ok(gl) => Some(gl),
        Err(e) if std::env::var("VIRGL_SHIM_SKIP_GL").as_deref() == Ok("1") => {
            eprintln!("SKIP: no GL ({e}); VIRGL_SHIM_SKIP_GL=1");
            None
        }
        Err(e) => panic!("no GL context: {e} (set VIRGL_SHIM_SKIP_GL=1 to skip)"),
    }
}

impl Gl {
    /// Compiles one stage; Err carries the info log and the source.
    fn compile(&self, stage: u32, src: &str) -> Result<glow::Shader, String> {
        let gl = &self.gl;
        // SAFETY: the context is current; all objects are created and used here.
        unsafe {
            let s = gl.create_shader(stage)?;
            gl.shader_source(s, src);
            gl.compile_shader(s);
            if gl.get_shader_compile_status(s) {
                Ok(s)
            } else {
                let log = gl.get_shader_info_log(s);
                gl.delete_shader(s);
                Err(format!("compile failed:\n{log}\n--- source ---\n{src}"))
            }
        }
    }

    fn link(&self, vs: &str, gs: Option<&str>, fs: &str) -> Result<(), String> {
        let gl = &self.gl;
        let v = self.compile(glow::VERTEX_SHADER, vs)?;
        let g = gs.map(|g| self.compile(glow::GEOMETRY_SHADER, g)).transpose()?;
        let f = self.compile(glow::FRAGMENT_SHADER, fs)?;
        // SAFETY: the context is current; the objects are ours.
        unsafe {
            let p = gl.create_program()?;
            gl.attach_shader(p, v);
            if let Some(g) = g {
                gl.attach_shader(p, g);
            }
            gl.attach_shader(p, f);
            gl.link_program(p);
            let ok = gl.get_program_link_status(p);
            let log = gl.get_program_info_log(p);
            gl.delete_program(p);
            gl.delete_shader(v);
            if let Some(g) = g {
                gl.delete_shader(g);
            }
            gl.delete_shader(f);
            if ok {
                Ok(())
            } else {
                let gs = gs.unwrap_or("(none)");
                Err(format!(
                    "link failed:\n{log}\n--- VS ---\n{vs}\n--- GS ---\n{gs}\n--- FS ---\n{fs}"
                ))
            }
        }
    }
}

/// Corpus programs by name: (vertex, geometry, fragment) texts.
type Triple = (Option<String>, Option<String>, Option<String>);

fn corpus() -> BTreeMap<String, Triple> {
    // SHADER_CORPUS points the test at another folder of pairs (local corpora that
    // cannot be committed, e.g. captures of third-party programs).
    let dir = std::env::var_os("SHADER_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tgsi"));
    let mut m: BTreeMap<String, Triple> = BTreeMap::new();
    for e in std::fs::read_dir(&dir).expect("tests/tgsi") {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        if let Some(stem) = name.strip_suffix(".vert.tgsi") {
            m.entry(stem.to_string()).or_default().0 = Some(text);
        } else if let Some(stem) = name.strip_suffix(".geom.tgsi") {
            m.entry(stem.to_string()).or_default().1 = Some(text);
        } else if let Some(stem) = name.strip_suffix(".frag.tgsi") {
            m.entry(stem.to_string()).or_default().2 = Some(text);
        }
    }
    m
}

/// The keys each pair is translated with.
fn keys() -> Vec<VariantKey> {
    let base = VariantKey { integers: true, ..Default::default() };
    vec![
        base,
        VariantKey { integers: false, ..base },
        VariantKey { flatshade: true, ..base },
        VariantKey { alpha_test: Some((CompareFunc::Greater, 0.5f32.to_bits())), ..base },
        VariantKey { alpha_test: Some((CompareFunc::Never, 0)), ..base },
        VariantKey { two_side: true, ..base },
        VariantKey { two_side: true, flatshade: true, ..base },
        VariantKey { clip_plane_enable: 0x3f, ..base },
        VariantKey { sprite_coord_enable: 0xff, ..base },
        VariantKey { y_inverted: true, ..base },
        VariantKey { polygon_stipple: true, ..base },
        VariantKey { nr_cbufs: 4, ..base },
        VariantKey { vs_int_inputs: 0b10, fs_sint_outputs: 1, fs_uint_outputs: 2, ..base },
    ]
}

/// Passthrough partners for programs without one.
const PASS_VS: &str = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\n  0: MOV OUT[0], IN[0]\n  1: END\n";
const PASS_FS: &str = "FRAG\nDCL OUT[0], COLOR\nIMM[0] FLT32 {1.0, 0.0, 0.0, 1.0}\n  0: MOV OUT[0], IMM[0]\n  1: END\n";

#[test]
fn corpus_compiles_and_links() {
    let Some(gl) = gl_or_skip() else { return };
    let mut failures = Vec::new();
    let mut linked = 0;
    let corpus = corpus();
    if std::env::var_os("SHADER_CORPUS").is_none() {
        assert!(corpus.len() >= 20, "corpus has {} programs", corpus.len());
    }
    for (name, (vs_text, gs_text, fs_text)) in &corpus {
        let vs = shader::parse(vs_text.as_deref().unwrap_or(PASS_VS))
            .unwrap_or_else(|e| panic!("{name}.vert: {e}"));
        let gs = gs_text
            .as_deref()
            .map(|t| shader::parse(t).unwrap_or_else(|e| panic!("{name}.geom: {e}")));
        let fs = shader::parse(fs_text.as_deref().unwrap_or(PASS_FS))
            .unwrap_or_else(|e| panic!("{name}.frag: {e}"));
        assert_eq!(vs.processor, Processor::Vertex, "{name}");
        assert_eq!(fs.processor, Processor::Fragment, "{name}");
        for key in keys() {
            // The stage before the fragment shader: the geometry shader when there is one.
            let last = gs.as_ref().unwrap_or(&vs);
            let fs_key = VariantKey { prev_outputs: Some(shader::output_slots(last)), ..key };
            let (flat, np) = shader::fs_interpolation(&fs, &fs_key);
            let last_key = VariantKey { next_flat: flat, next_noperspective: np, ..key };
            let vs_key = if gs.is_some() {
                VariantKey { to_geometry: true, clip_plane_enable: 0, ..key }
            } else {
                last_key
            };
            let mut texts = Vec::new();
            for (stage, prog, k) in [
                ("vert", Some(&vs), vs_key),
                ("geom", gs.as_ref(), last_key),
                ("frag", Some(&fs), fs_key),
            ] {
                let Some(prog) = prog else {
                    texts.push(None);
                    continue;
                };
                match shader::emit(prog, &k) {
                    Ok(s) => texts.push(Some(s)),
                    Err(e) => {
                        failures.push(format!("{name}.{stage} {key:?}: {e}"));
                        break;
                    }
                }
            }
            let [Some(v), g, Some(f)] = <[Option<String>; 3]>::try_from(texts).unwrap_or_default()
            else {
                continue;
            };
            match gl.link(&v, g.as_deref(), &f) {
                Ok(()) => linked += 1,
                Err(e) => failures.push(format!("{name} {key:?}: {e}")),
            }
        }
    }
    eprintln!("{linked} programs linked");
    for f in &failures {
        let brief: Vec<&str> = f.lines().take(3).collect();
        eprintln!("FAIL {}", brief.join(" | "));
    }
    if let Some(f) = failures.first() {
        eprintln!("{f}");
    }
    assert!(failures.is_empty(), "{} failures (first ones above)", failures.len());
}

// ---- rendering: the translated programs compute what TGSI says ----

/// What one draw needs: TGSI for both stages, keys, constants, attribute 1 (constant),
/// an optional RGBA32F texture on unit 0 of the fragment stage.
struct Draw<'a> {
    vs: &'a str,
    fs: &'a str,
    key: VariantKey,
    vs_consts: &'a [[u32; 4]],
    fs_consts: &'a [[u32; 4]],
    attr1: [f32; 4],
    /// Draw the full-screen triangle clockwise (back-facing).
    clockwise: bool,
    texture: Option<(i32, i32, &'a [f32])>,
    clip_planes: &'a [[f32; 4]],
    /// Attribute 1 as a pure-integer array instead (same value for the three vertices).
    int_attr1: Option<[i32; 4]>,
    /// A geometry shader between the two.
    gs: Option<&'a str>,
}

const CLEAR: [f32; 4] = [-1.0; 4];

fn f4(v: [f32; 4]) -> [u32; 4] {
    v.map(f32::to_bits)
}

impl Gl {
    /// Renders one pixel (a 1×1 RGBA32F target cleared to [`CLEAR`]) and reads it back.
    fn render(&self, d: &Draw) -> [f32; 4] {
        let vs_p = shader::parse(d.vs).unwrap();
        let gs_p = d.gs.map(|t| shader::parse(t).unwrap());
        let fs_p = shader::parse(d.fs).unwrap();
        let last = gs_p.as_ref().unwrap_or(&vs_p);
        let fs_key = VariantKey { prev_outputs: Some(shader::output_slots(last)), ..d.key };
        let (flat, np) = shader::fs_interpolation(&fs_p, &fs_key);
        let last_key = VariantKey { next_flat: flat, next_noperspective: np, ..d.key };
        let vs_key = if d.gs.is_some() {
            VariantKey { to_geometry: true, clip_plane_enable: 0, ..d.key }
        } else {
            last_key
        };
        let vs = shader::emit(&vs_p, &vs_key).unwrap();
        let gs = gs_p.map(|g| shader::emit(&g, &last_key).unwrap());
        let fs = shader::emit(&fs_p, &fs_key).unwrap();
        let gl = &self.gl;
        let v = self.compile(glow::VERTEX_SHADER, &vs).unwrap();
        let g = gs.map(|g| self.compile(glow::GEOMETRY_SHADER, &g).unwrap());
        let f = self.compile(glow::FRAGMENT_SHADER, &fs).unwrap();
        // SAFETY: the context is current; every object is created, used and deleted here.
        unsafe {
            let p = gl.create_program().unwrap();
            gl.attach_shader(p, v);
            if let Some(g) = g {
                gl.attach_shader(p, g);
            }
            gl.attach_shader(p, f);
            gl.link_program(p);
            assert!(gl.get_program_link_status(p), "{}", gl.get_program_info_log(p));
            gl.use_program(Some(p));
            for (name, c) in [("vs_cb0", d.vs_consts), ("fs_cb0", d.fs_consts)] {
                if !c.is_empty() {
                    let flat: Vec<u32> = c.iter().flatten().copied().collect();
                    // Absent when the program never reads it (the compiler drops it).
                    let loc = gl.get_uniform_location(p, name);
                    gl.uniform_4_u32_slice(loc.as_ref(), &flat);
                }
            }
            if !d.clip_planes.is_empty() {
                let flat: Vec<f32> = d.clip_planes.iter().flatten().copied().collect();
                let name = if d.gs.is_some() { "gs_clip_planes" } else { "vs_clip_planes" };
                let loc = gl.get_uniform_location(p, name);
                gl.uniform_4_f32_slice(loc.as_ref(), &flat);
                for i in 0..8 {
                    if d.key.clip_plane_enable & (1 << i) != 0 {
                        gl.enable(glow::CLIP_DISTANCE0 + i);
                    }
                }
            }
            let tex = d.texture.map(|(w, h, data)| {
                let t = gl.create_texture().unwrap();
                gl.active_texture(glow::TEXTURE0);
                gl.bind_texture(glow::TEXTURE_2D, Some(t));
                let bytes: Vec<u8> = data.iter().flat_map(|x| x.to_ne_bytes()).collect();
                gl.tex_image_2d(
                    glow::TEXTURE_2D,
                    0,
                    glow::RGBA32F as i32,
                    w,
                    h,
                    0,
                    glow::RGBA,
                    glow::FLOAT,
                    glow::PixelUnpackData::Slice(Some(&bytes)),
                );
                for (k, v) in [
                    (glow::TEXTURE_MIN_FILTER, glow::NEAREST),
                    (glow::TEXTURE_MAG_FILTER, glow::NEAREST),
                ] {
                    gl.tex_parameter_i32(glow::TEXTURE_2D, k, v as i32);
                }
                gl.uniform_1_i32(gl.get_uniform_location(p, "fs_samp0").as_ref(), 0);
                t
            });
            let rt = gl.create_texture().unwrap();
            gl.bind_texture(glow::TEXTURE_2D, Some(rt));
            gl.tex_image_2d(
                glow::TEXTURE_2D,
                0,
                glow::RGBA32F as i32,
                1,
                1,
                0,
                glow::RGBA,
                glow::FLOAT,
                glow::PixelUnpackData::Slice(None),
            );
            let fb = gl.create_framebuffer().unwrap();
            gl.bind_framebuffer(glow::FRAMEBUFFER, Some(fb));
            gl.framebuffer_texture_2d(
                glow::FRAMEBUFFER,
                glow::COLOR_ATTACHMENT0,
                glow::TEXTURE_2D,
                Some(rt),
                0,
            );
            if let Some(t) = tex {
                gl.bind_texture(glow::TEXTURE_2D, Some(t));
            }
            assert_eq!(gl.check_framebuffer_status(glow::FRAMEBUFFER), glow::FRAMEBUFFER_COMPLETE);
            gl.viewport(0, 0, 1, 1);
            gl.clear_color(CLEAR[0], CLEAR[1], CLEAR[2], CLEAR[3]);
            gl.clear(glow::COLOR_BUFFER_BIT);
            let vao = gl.create_vertex_array().unwrap();
            gl.bind_vertex_array(Some(vao));
            let tri: [f32; 6] = if d.clockwise {
                [-1.0, -1.0, -1.0, 3.0, 3.0, -1.0]
            } else {
                [-1.0, -1.0, 3.0, -1.0, -1.0, 3.0]
            };
            let vbo = gl.create_buffer().unwrap();
            gl.bind_buffer(glow::ARRAY_BUFFER, Some(vbo));
            let bytes: Vec<u8> = tri.iter().flat_map(|x| x.to_ne_bytes()).collect();
            gl.buffer_data_u8_slice(glow::ARRAY_BUFFER, &bytes, glow::STATIC_DRAW);
            gl.vertex_attrib_pointer_f32(0, 2, glow::FLOAT, false, 0, 0);
            gl.enable_vertex_attrib_array(0);
            let a = d.attr1;
            gl.vertex_attrib_4_f32(1, a[0], a[1], a[2], a[3]);
            let ibo = d.int_attr1.map(|v| {
                let b = gl.create_buffer().unwrap();
                gl.bind_buffer(glow::ARRAY_BUFFER, Some(b));
                let bytes: Vec<u8> = (0..3).flat_map(|_| v).flat_map(i32::to_ne_bytes).collect();
                gl.buffer_data_u8_slice(glow::ARRAY_BUFFER, &bytes, glow::STATIC_DRAW);
                gl.vertex_attrib_pointer_i32(1, 4, glow::INT, 0, 0);
                gl.enable_vertex_attrib_array(1);
                b
            });
            gl.draw_arrays(glow::TRIANGLES, 0, 3);
            let mut px = [0u8; 16];
            gl.read_pixels(
                0,
                0,
                1,
                1,
                glow::RGBA,
                glow::FLOAT,
                glow::PixelPackData::Slice(Some(&mut px)),
            );
            for i in 0..8 {
                gl.disable(glow::CLIP_DISTANCE0 + i);
            }
            gl.delete_buffer(vbo);
            if let Some(b) = ibo {
                gl.disable_vertex_attrib_array(1);
                gl.delete_buffer(b);
            }
            gl.delete_vertex_array(vao);
            gl.delete_framebuffer(fb);
            gl.delete_texture(rt);
            if let Some(t) = tex {
                gl.delete_texture(t);
            }
            gl.use_program(None);
            gl.delete_program(p);
            gl.delete_shader(v);
            if let Some(g) = g {
                gl.delete_shader(g);
            }
            gl.delete_shader(f);
            let mut out = [0f32; 4];
            for (i, o) in out.iter_mut().enumerate() {
                *o = f32::from_ne_bytes(px[i * 4..i * 4 + 4].try_into().unwrap());
            }
            out
        }
    }
}

const VS_POS: &str = "VERT\nDCL IN[0]\nDCL IN[1]\nDCL OUT[0], POSITION\nDCL OUT[1], GENERIC[0]\n\
  0: MOV OUT[0], IN[0]\n  1: MOV OUT[1], IN[1]\n  2: END\n";

fn draw<'a>(fs: &'a str) -> Draw<'a> {
    Draw {
        vs: VS_POS,
        fs,
        key: VariantKey::default(),
        vs_consts: &[],
        fs_consts: &[],
        attr1: [0.0; 4],
        clockwise: false,
        texture: None,
        clip_planes: &[],
        int_attr1: None,
        gs: None,
    }
}

fn close(got: [f32; 4], want: [f32; 4]) -> bool {
    got.iter().zip(want).all(|(g, w)| (g - w).abs() <= 1e-4 * w.abs().max(1.0))
}

#[test]
fn renders_float_semantics() {
    let Some(gl) = gl_or_skip() else { return };
    let fs = "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0..3]\nDCL TEMP[0..1]\n\
        IMM[0] FLT32 {0.5000, 2.0000, -1.0000, 0.2500}\n\
        0: CMP TEMP[0].x, CONST[0].xxxx, IMM[0].xxxx, IMM[0].yyyy\n\
        1: LRP TEMP[0].y, IMM[0].wwww, CONST[1].xxxx, CONST[1].yyyy\n\
        2: DP3 TEMP[0].z, CONST[2], CONST[2]\n\
        3: SLT TEMP[1], CONST[3], IMM[0].xxxx\n\
        4: DP4 TEMP[0].w, TEMP[1], IMM[0]\n\
        5: MOV OUT[0], TEMP[0]\n6: END\n";
    let consts = [
        f4([-1.0, 0.0, 0.0, 0.0]),
        f4([4.0, 8.0, 0.0, 0.0]),
        f4([1.0, 2.0, 3.0, 100.0]),
        f4([0.0, 1.0, 0.5, -3.0]),
    ];
    let got = gl.render(&Draw { fs_consts: &consts, ..draw(fs) });
    assert!(close(got, [0.5, 7.0, 14.0, 0.75]), "{got:?}");
    // Scalar opcodes replicate src.x; LIT, DST, XPD, SSG, FLR, FRC, ROUND.
    let fs = "FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\nDCL TEMP[0..3]\n\
        IMM[0] FLT32 {2.0000, 0.5000, 3.0000, -1.5000}\n\
        0: RCP TEMP[0].x, IN[0].yxxx\n1: POW TEMP[0].y, IN[0].xxxx, IMM[0].zzzz\n\
        2: LIT TEMP[1], IN[0].xzwy\n3: ADD TEMP[0].z, TEMP[1].yyyy, TEMP[1].zzzz\n\
        4: ROUND TEMP[2], IMM[0]\n5: DP4 TEMP[0].w, TEMP[2], IMM[0].yyyy\n\
        6: MOV OUT[0], TEMP[0]\n7: END\n";
    // IN[0] = (2, 4, 3, 2): RCP 1/4; POW 2^3; LIT(2, 3, 2, 4) y=2, z=3^4=81; ROUND
    // (2, 0.5, 3, -1.5) = (2, 0, 3, -2) (ties to even) → dot with 0.5 = 1.5.
    let got = gl.render(&Draw { attr1: [2.0, 4.0, 3.0, 2.0], ..draw(fs) });
    assert!(close(got, [0.25, 8.0, 83.0, 1.5]), "{got:?}");
}

#[test]
fn renders_loops_and_indirect_addressing() {
    let Some(gl) = gl_or_skip() else { return };
    let fs = "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0..8]\nDCL TEMP[0..2]\nDCL ADDR[0]\n\
        IMM[0] FLT32 {0.0000, 1.0000, 0.0000, 0.0000}\n\
        0: MOV TEMP[0], IMM[0].xxxx\n1: MOV TEMP[1], IMM[0].xxxx\n2: BGNLOOP :10\n\
        3: SGE TEMP[2].x, TEMP[0].xxxx, CONST[8].xxxx\n4: IF TEMP[2].xxxx :6\n5: BRK\n\
        6: ENDIF\n7: ARL ADDR[0].x, TEMP[0].xxxx\n8: ADD TEMP[1], TEMP[1], CONST[ADDR[0].x]\n\
        9: ADD TEMP[0].x, TEMP[0].xxxx, IMM[0].yyyy\n10: ENDLOOP :2\n\
        11: MOV OUT[0], TEMP[1]\n12: END\n";
    let mut consts: Vec<[u32; 4]> =
        (0..8).map(|i| f4([i as f32, 2.0 * i as f32, 1.0, 1.0])).collect();
    consts.push(f4([5.0, 0.0, 0.0, 1.0]));
    let got = gl.render(&Draw { fs_consts: &consts, ..draw(fs) });
    assert!(close(got, [10.0, 20.0, 5.0, 5.0]), "{got:?}");
    // A loop the guest never ends stops at the budget (w counts the iterations), and
    // indices past the array read its last element (clamped).
    consts[8] = f4([f32::INFINITY, 0.0, 0.0, 1.0]);
    let got = gl.render(&Draw { fs_consts: &consts, ..draw(fs) });
    assert!(got[3] > 1000.0 && got[3] <= shader::LOOP_BUDGET as f32, "{got:?}");
    assert_eq!(got[0], f32::INFINITY);
}

#[test]
fn renders_integer_opcodes_from_the_captured_loop() {
    let Some(gl) = gl_or_skip() else { return };
    // tests/tgsi/loop.frag.tgsi: s = sum over i < n of k[i] * v.x, n in CONST[0].x as an
    // integer, k[i] in CONST[1 + i]; UIF, IMIN, ISGE, SHL, UADD, USHR, UARL.
    let fs = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tgsi/loop.frag.tgsi"),
    )
    .unwrap();
    let vs = "VERT\nDCL IN[0]\nDCL IN[1]\nDCL OUT[0], POSITION\nDCL OUT[1].x, GENERIC[0]\n\
        0: MOV OUT[0], IN[0]\n1: MOV OUT[1].x, IN[1].xxxx\n2: END\n";
    let mut consts = vec![[3u32, 0, 0, 0]];
    consts.extend((0..8).map(|i| f4([i as f32 + 1.0, 1.0, 0.0, 0.5])));
    let key = VariantKey { integers: true, ..Default::default() };
    let got =
        gl.render(&Draw { vs, fs_consts: &consts, attr1: [2.0, 0.0, 0.0, 0.0], key, ..draw(&fs) });
    assert!(close(got, [12.0, 6.0, 0.0, 3.0]), "{got:?}");
}

#[test]
fn renders_integer_attributes() {
    let Some(gl) = gl_or_skip() else { return };
    // An integer attribute keeps its bits: IN[1] = (-3, 7, 0x7fffffff, 1).
    let vs = "VERT\nDCL IN[0]\nDCL IN[1]\nDCL OUT[0], POSITION\nDCL OUT[1], GENERIC[0]\n\
        DCL TEMP[0]\n0: MOV OUT[0], IN[0]\n1: I2F TEMP[0], IN[1]\n2: MOV OUT[1], TEMP[0]\n3: END\n";
    let fs =
        "FRAG\nDCL IN[0], GENERIC[0], CONSTANT\nDCL OUT[0], COLOR\n0: MOV OUT[0], IN[0]\n1: END\n";
    let key = VariantKey { integers: true, vs_int_inputs: 0b10, ..Default::default() };
    let got = gl.render(&Draw { vs, key, int_attr1: Some([-3, 7, i32::MAX, 1]), ..draw(fs) });
    assert!(close(got, [-3.0, 7.0, i32::MAX as f32, 1.0]), "{got:?}");
}

#[test]
fn renders_through_a_geometry_shader() {
    let Some(gl) = gl_or_skip() else { return };
    // The GS re-emits the triangle with the colour of vertex 1 scaled by IMM[0].y and the
    // primitive id added to alpha; user clip planes apply in the GS (the last stage).
    let vs = "VERT\nDCL IN[0]\nDCL IN[1]\nDCL OUT[0], POSITION\nDCL OUT[1], GENERIC[3]\n\
        0: MOV OUT[0], IN[0]\n1: MOV OUT[1], IN[1]\n2: END\n";
    let gs = "GEOM\nPROPERTY GS_INPUT_PRIMITIVE TRIANGLES\nPROPERTY GS_OUTPUT_PRIMITIVE TRIANGLE_STRIP\n\
        PROPERTY GS_MAX_OUTPUT_VERTICES 3\nDCL IN[][0], POSITION\nDCL IN[][1], GENERIC[3]\n\
        DCL IN[][2], PRIM_ID\nDCL OUT[0], POSITION\nDCL OUT[1], GENERIC[0]\nDCL TEMP[0]\n\
        IMM[0] FLT32 {0.0, 2.0, 0.0, 0.0}\n\
        0: MUL TEMP[0], IN[1][1], IMM[0].yyyy\n1: ADD TEMP[0].w, TEMP[0].wwww, IN[2].xxxx\n\
        2: MOV OUT[1], TEMP[0]\n3: MOV OUT[0], IN[0][0]\n4: EMIT IMM[0].xxxx\n\
        5: MOV OUT[0], IN[1][0]\n6: EMIT IMM[0].xxxx\n7: MOV OUT[0], IN[2][0]\n\
        8: EMIT IMM[0].xxxx\n9: ENDPRIM IMM[0].xxxx\n10: END\n";
    let fs = "FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\n0: MOV OUT[0], IN[0]\n1: END\n";
    let d = Draw { vs, gs: Some(gs), attr1: [0.25, 0.5, 1.0, 3.0], ..draw(fs) };
    let got = gl.render(&d);
    assert!(close(got, [0.5, 1.0, 2.0, 6.0]), "{got:?}");
    let key = VariantKey { clip_plane_enable: 1, ..Default::default() };
    assert_eq!(gl.render(&Draw { key, clip_planes: &[[0.0, 0.0, 0.0, -1.0]], ..d }), CLEAR);
}

#[test]
fn renders_variant_state() {
    let Some(gl) = gl_or_skip() else { return };
    // Alpha test.
    let fs = "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0]\n0: MOV OUT[0], CONST[0]\n1: END\n";
    let key = VariantKey {
        alpha_test: Some((CompareFunc::Greater, 0.5f32.to_bits())),
        ..Default::default()
    };
    let low = [f4([1.0, 0.0, 0.0, 0.3])];
    let high = [f4([1.0, 0.0, 0.0, 0.7])];
    assert_eq!(gl.render(&Draw { key, fs_consts: &low, ..draw(fs) }), CLEAR);
    assert!(close(gl.render(&Draw { key, fs_consts: &high, ..draw(fs) }), [1.0, 0.0, 0.0, 0.7]));
    // Two-sided colour: BCOLOR on back faces.
    let vs = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nDCL OUT[1], COLOR\nDCL OUT[2], BCOLOR\n\
        DCL CONST[0..1]\n0: MOV OUT[0], IN[0]\n1: MOV OUT[1], CONST[0]\n2: MOV OUT[2], CONST[1]\n3: END\n";
    let fs = "FRAG\nDCL IN[0], COLOR, COLOR\nDCL OUT[0], COLOR\n0: MOV OUT[0], IN[0]\n1: END\n";
    let c = [f4([1.0, 0.0, 0.0, 1.0]), f4([0.0, 1.0, 0.0, 1.0])];
    let key = VariantKey { two_side: true, flatshade: true, ..Default::default() };
    let d = Draw { vs, key, vs_consts: &c, ..draw(fs) };
    assert!(close(gl.render(&d), [1.0, 0.0, 0.0, 1.0]));
    assert!(close(gl.render(&Draw { clockwise: true, ..d }), [0.0, 1.0, 0.0, 1.0]));
    let d = Draw { key: VariantKey::default(), ..d };
    assert!(close(gl.render(&Draw { clockwise: true, ..d }), [1.0, 0.0, 0.0, 1.0]));
    // User clip planes: distance from POSITION (w = 1).
    let fs = "FRAG\nDCL OUT[0], COLOR\nIMM[0] FLT32 {1.0, 2.0, 3.0, 4.0}\n0: MOV OUT[0], IMM[0]\n1: END\n";
    let key = VariantKey { clip_plane_enable: 1, ..Default::default() };
    let keep = [[0.0, 0.0, 0.0, 1.0]];
    let cut = [[0.0, 0.0, 0.0, -1.0]];
    assert!(close(gl.render(&Draw { key, clip_planes: &keep, ..draw(fs) }), [1.0, 2.0, 3.0, 4.0]));
    assert_eq!(gl.render(&Draw { key, clip_planes: &cut, ..draw(fs) }), CLEAR);
    // Fragment coordinates: half-integer centres by default, integer on request.
    let fs = "FRAG\nDCL IN[0], POSITION, LINEAR\nDCL OUT[0], COLOR\n0: MOV OUT[0], IN[0]\n1: END\n";
    let got = gl.render(&draw(fs));
    assert!(close([got[0], got[1], 0.0, 0.0], [0.5, 0.5, 0.0, 0.0]), "{got:?}");
    let fs = "FRAG\nPROPERTY FS_COORD_PIXEL_CENTER INTEGER\nDCL IN[0], POSITION, LINEAR\n\
        DCL OUT[0], COLOR\n0: MOV OUT[0], IN[0]\n1: END\n";
    let got = gl.render(&draw(fs));
    assert!(close([got[0], got[1], 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]), "{got:?}");
}

#[test]
fn renders_textures() {
    let Some(gl) = gl_or_skip() else { return };
    #[rustfmt::skip]
    let texels = [
        1.0, 0.0, 0.0, 1.0,   0.0, 1.0, 0.0, 1.0,
        0.0, 0.0, 1.0, 1.0,   0.5, 0.5, 0.5, 0.5,
    ];
    let fs = "FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\nDCL SAMP[0]\n\
        DCL SVIEW[0], 2D, FLOAT\n0: TEX OUT[0], IN[0], SAMP[0], 2D\n1: END\n";
    for (uv, want) in [
        ([0.25, 0.25], [1.0, 0.0, 0.0, 1.0]),
        ([0.75, 0.25], [0.0, 1.0, 0.0, 1.0]),
        ([0.25, 0.75], [0.0, 0.0, 1.0, 1.0]),
    ] {
        let got = gl.render(&Draw {
            attr1: [uv[0], uv[1], 0.0, 1.0],
            texture: Some((2, 2, &texels)),
            ..draw(fs)
        });
        assert!(close(got, want), "{uv:?}: {got:?}");
    }
    // TXP divides by w: (1.5, 0.5) / 2 = (0.75, 0.25) is the green texel.
    let fs = "FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\nDCL SAMP[0]\n\
        DCL SVIEW[0], 2D, FLOAT\n0: TXP OUT[0], IN[0], SAMP[0], 2D\n1: END\n";
    let got = gl.render(&Draw {
        attr1: [1.5, 0.5, 0.0, 2.0],
        texture: Some((2, 2, &texels)),
        ..draw(fs)
    });
    assert!(close(got, [0.0, 1.0, 0.0, 1.0]), "{got:?}");
    // TXF at integer texel (1, 0) level 0 is green; TXQ at level 0 gives the size 2×2.
    let fs = "FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\nDCL SAMP[0]\n\
        DCL SVIEW[0], 2D, FLOAT\nDCL TEMP[0..1]\nIMM[0] UINT32 {0, 0, 0, 0}\n\
        0: F2I TEMP[0], IN[0]\n1: TXF TEMP[1], TEMP[0], SAMP[0], 2D\n\
        2: TXQ TEMP[0], IMM[0], SAMP[0], 2D\n3: I2F TEMP[0], TEMP[0]\n\
        4: MOV TEMP[1].zw, TEMP[0].xxxy\n5: MOV OUT[0], TEMP[1]\n6: END\n";
    let got = gl.render(&Draw {
        attr1: [1.0, 0.0, 0.0, 0.0],
        texture: Some((2, 2, &texels)),
        key: VariantKey { integers: true, ..Default::default() },
        ..draw(fs)
    });
    assert!(close(got, [0.0, 1.0, 2.0, 2.0]), "{got:?}");
}

/// Whatever the translator accepts must compile: corpus programs with random edits
/// (tokens swapped, characters dropped or added) that still parse and translate are
/// handed to the GLSL compiler.
#[test]
fn accepted_mutations_compile() {
    let Some(gl) = gl_or_skip() else { return };
    mutations_compile(&gl, false);
}

/// The same for GLSL ES 3.00 on a GLES 3.0 context.
#[test]
fn accepted_mutations_compile_on_gles() {
    let Some(gl) = or_skip(setup_api(true)) else { return };
    mutations_compile(&gl, true);
}

fn mutations_compile(gl: &Gl, es: bool) {
    let mut texts: Vec<String> = Vec::new();
    for (vs, gs, fs) in corpus().into_values() {
        texts.extend(vs);
        texts.extend(gs);
        texts.extend(fs);
    }
    // SHADER_MUTANTS / SHADER_SEED widen a local run; CI uses the defaults.
    let n: usize =
        std::env::var("SHADER_MUTANTS").ok().and_then(|v| v.parse().ok()).unwrap_or(30000);
    let mut seed: u64 = std::env::var("SHADER_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x9e37_79b9_7f4a_7c15);
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    // Replacements that keep the text plausible TGSI.
    let words = [
        "TEMP", "IN", "OUT", "CONST", "IMM", "ADDR", "x", "y", "w", "xy", "-", "|", "0", "1", "2",
        "3", "MOV", "ADD", "MAD", "TEX", "TXP", "TXB", "TXL", "IF", "ELSE", "ENDIF", "UIF", "KILL",
        "SLT", "CMP", "LRP", "DP3", "RSQ", "UCMP", "F2I", "I2F", "UARL", "ARL", "BRK", "_SAT",
    ];
    let (mut compiled, mut tried) = (0, 0);
    for _ in 0..n {
        let t = &texts[(rnd() % texts.len() as u64) as usize];
        let mut tokens: Vec<String> =
            t.split_inclusive(|c: char| !c.is_ascii_alphanumeric()).map(str::to_string).collect();
        for _ in 0..1 + rnd() % 2 {
            let at = (rnd() % tokens.len() as u64) as usize;
            let w = words[(rnd() % words.len() as u64) as usize];
            let tail: String = tokens[at].chars().filter(|c| !c.is_ascii_alphanumeric()).collect();
            tokens[at] = format!("{w}{tail}");
        }
        let text: String = tokens.concat();
        let Ok(p) = shader::parse(&text) else { continue };
        let r = rnd();
        let key = VariantKey {
            integers: r & 1 != 0,
            two_side: r & 2 != 0,
            flatshade: r & 4 != 0,
            y_inverted: r & 8 != 0,
            polygon_stipple: r & 16 != 0,
            alpha_test: (r & 32 != 0).then_some((CompareFunc::Less, 0x3f00_0000)),
            // GLSL ES has no clip distances: planes would refuse most programs.
            clip_plane_enable: if es { 0 } else { (r >> 8) as u8 },
            sprite_coord_enable: (r >> 16) as u8,
            nr_cbufs: ((r >> 24) % 9) as u8,
            vs_int_inputs: (r >> 32) as u32 & 0xf,
            fs_sint_outputs: ((r >> 36) & 3) as u8,
            fs_uint_outputs: ((r >> 38) & 4) as u8,
            prev_outputs: (r & 64 != 0).then_some(u128::from((r >> 40) as u32) << 60),
            glsl_es: es,
            ..Default::default()
        };
        let Ok(glsl) = shader::emit(&p, &key) else { continue };
        tried += 1;
        let stage = match p.processor {
            Processor::Vertex => glow::VERTEX_SHADER,
            Processor::Geometry => glow::GEOMETRY_SHADER,
            _ => glow::FRAGMENT_SHADER,
        };
        match gl.compile(stage, &glsl) {
            // SAFETY: the context is current; the shader is ours.
            Ok(s) => unsafe {
                compiled += 1;
                gl.gl.delete_shader(s);
            },
            Err(e) => panic!("accepted TGSI did not compile:\n{text}\n{e}"),
        }
    }
    eprintln!("{compiled} of {tried} translated mutants compiled");
    assert!(tried > if es { 300 } else { 500 }, "only {tried} mutants translated");
}

// ---- differential: random float programs, GL against a reference interpreter ----

/// Reads a source operand of the reference machine.
fn ref_src(s: &shader::Src, temps: &[[f32; 4]], consts: &[[f32; 4]], imm: &[[f32; 4]]) -> [f32; 4] {
    let shader::Index::Direct(i) = s.reg.index else { panic!("indirect in a random program") };
    let r = match s.reg.file {
        shader::File::Temp => temps[i as usize],
        shader::File::Const => consts[i as usize],
        shader::File::Immediate => imm[i as usize],
        f => panic!("file {f:?} in a random program"),
    };
    let mut v = s.swizzle.map(|c| r[c as usize]);
    if s.abs {
        v = v.map(f32::abs);
    }
    if s.negate {
        v = v.map(|x| -x);
    }
    v
}

/// TGSI semantics of the float opcodes the random programs use (tgsi.rst), on f32.
fn ref_run(p: &shader::Program, consts: &[[f32; 4]]) -> [f32; 4] {
    use shader::Opcode::*;
    let imm: Vec<[f32; 4]> = p.immediates.iter().map(|i| i.bits.map(f32::from_bits)).collect();
    let mut temps = vec![[0f32; 4]; 8];
    let mut out = [0f32; 4];
    for inst in &p.instructions {
        if inst.opcode == End {
            break;
        }
        let s: Vec<[f32; 4]> = inst.src.iter().map(|s| ref_src(s, &temps, consts, &imm)).collect();
        let cw = |f: &dyn Fn(usize) -> f32| -> [f32; 4] { [f(0), f(1), f(2), f(3)] };
        let b = |c: bool| if c { 1.0 } else { 0.0 };
        let r: [f32; 4] = match inst.opcode {
            Mov => s[0],
            Add => cw(&|i| s[0][i] + s[1][i]),
            Mul => cw(&|i| s[0][i] * s[1][i]),
            Mad => cw(&|i| s[0][i] * s[1][i] + s[2][i]),
            Dp2 => [s[0][0] * s[1][0] + s[0][1] * s[1][1]; 4],
            Dp3 => [s[0][0] * s[1][0] + s[0][1] * s[1][1] + s[0][2] * s[1][2]; 4],
            Dp4 => {
                [s[0][0] * s[1][0] + s[0][1] * s[1][1] + s[0][2] * s[1][2] + s[0][3] * s[1][3]; 4]
            }
            Min => cw(&|i| s[0][i].min(s[1][i])),
            Max => cw(&|i| s[0][i].max(s[1][i])),
            Slt => cw(&|i| b(s[0][i] < s[1][i])),
            Sge => cw(&|i| b(s[0][i] >= s[1][i])),
            Seq => cw(&|i| b(s[0][i] == s[1][i])),
            Sne => cw(&|i| b(s[0][i] != s[1][i])),
            Flr => s[0].map(f32::floor),
            Frc => s[0].map(|x| x - x.floor()),
            Ceil => s[0].map(f32::ceil),
            Trunc => s[0].map(f32::trunc),
            Round => s[0].map(f32::round_ties_even),
            Ssg => s[0].map(|x| {
                if x > 0.0 {
                    1.0
                } else if x < 0.0 {
                    -1.0
                } else {
                    0.0
                }
            }),
            Abs => s[0].map(f32::abs),
            Cmp => cw(&|i| if s[0][i] < 0.0 { s[1][i] } else { s[2][i] }),
            Lrp => cw(&|i| s[0][i] * s[1][i] + (1.0 - s[0][i]) * s[2][i]),
            Dst => [1.0, s[0][1] * s[1][1], s[0][2], s[1][3]],
            Xpd => [
                s[0][1] * s[1][2] - s[0][2] * s[1][1],
                s[0][2] * s[1][0] - s[0][0] * s[1][2],
                s[0][0] * s[1][1] - s[0][1] * s[1][0],
                1.0,
            ],
            Rcp => [1.0 / s[0][0]; 4],
            Rsq => [1.0 / s[0][0].sqrt(); 4],
            Sqrt => [s[0][0].sqrt(); 4],
            Ex2 => [s[0][0].exp2(); 4],
            Lg2 => [s[0][0].log2(); 4],
            Pow => [s[0][0].powf(s[1][0]); 4],
            Sin => [s[0][0].sin(); 4],
            Cos => [s[0][0].cos(); 4],
            op => panic!("{op:?} not in the reference"),
        };
        let r = if inst.saturate { r.map(|x| x.clamp(0.0, 1.0)) } else { r };
        let d = inst.dst[0];
        let shader::Index::Direct(di) = d.reg.index else { panic!("indirect dst") };
        let target = match d.reg.file {
            shader::File::Temp => &mut temps[di as usize],
            _ => &mut out,
        };
        for c in 0..4 {
            if d.mask & (1 << c) != 0 {
                target[c] = r[c];
            }
        }
    }
    out
}

/// Random straight-line float programs: exact-arithmetic opcodes on small dyadic values
/// (results are exact in f32, so GL must match bit for bit up to the sign of zero), plus
/// single transcendental steps compared with a tolerance. Exercises swizzles, write masks,
/// negate/abs modifiers and _SAT through the whole translator.
#[test]
fn random_float_programs_match_a_reference() {
    let Some(gl) = gl_or_skip() else { return };
    random_float_programs(&gl, false);
}

/// The same as GLSL ES 3.00 on a GLES 3.0 context (float render targets through
/// EXT_color_buffer_float, which llvmpipe has).
#[test]
fn random_float_programs_match_a_reference_on_gles() {
    let Some(gl) = or_skip(setup_api(true)) else { return };
    random_float_programs(&gl, true);
}

fn random_float_programs(gl: &Gl, es: bool) {
    let n: usize = std::env::var("SHADER_RANDOM").ok().and_then(|v| v.parse().ok()).unwrap_or(150);
    let mut seed: u64 = std::env::var("SHADER_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x1234_5678_9abc_def1);
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    const EXACT: [&str; 24] = [
        "MOV", "ADD", "MUL", "MAD", "DP2", "DP3", "DP4", "MIN", "MAX", "SLT", "SGE", "SEQ", "SNE",
        "FLR", "FRC", "CEIL", "TRUNC", "SSG", "ABS", "CMP", "DST", "XPD", "LRP", "ROUND",
    ];
    const INEXACT: [&str; 8] = ["RCP", "RSQ", "SQRT", "EX2", "LG2", "POW", "SIN", "COS"];
    let nsrc = |op: &str| match op {
        "MAD" | "CMP" | "LRP" => 3,
        "ADD" | "MUL" | "DP2" | "DP3" | "DP4" | "MIN" | "MAX" | "SLT" | "SGE" | "SEQ" | "SNE"
        | "DST" | "XPD" | "POW" => 2,
        _ => 1,
    };
    let small = |r: u64| ((r % 65) as f32 - 32.0) / 8.0;
    let (mut checked, mut skipped) = (0, 0);
    for prog in 0..n {
        let inexact = prog % 3 == 2;
        let mut text = String::from(
            "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0..3]\nDCL TEMP[0..3]\nIMM[0] FLT32 {",
        );
        let imm: Vec<String> = (0..4).map(|_| format!("{:.4}", small(rnd()))).collect();
        text.push_str(&imm.join(", "));
        text.push_str("}\n");
        for i in 0..4 {
            text.push_str(&format!("MOV TEMP[{i}], CONST[{i}]\n"));
        }
        let steps = if inexact { 1 } else { 2 + rnd() % 4 };
        for _ in 0..steps {
            let op = if inexact {
                INEXACT[(rnd() % INEXACT.len() as u64) as usize]
            } else {
                EXACT[(rnd() % EXACT.len() as u64) as usize]
            };
            let sat = if rnd() % 4 == 0 { "_SAT" } else { "" };
            let mask: String = loop {
                let m = rnd() % 16;
                if m != 0 {
                    break (0..4)
                        .filter(|c| m & (1 << c) != 0)
                        .map(|c| ['x', 'y', 'z', 'w'][c])
                        .collect();
                }
            };
            let mut line = format!("{op}{sat} TEMP[{}].{mask}", rnd() % 4);
            for _ in 0..nsrc(op) {
                let file = match rnd() % 4 {
                    0 => "CONST".to_string(),
                    1 => "IMM".to_string(),
                    _ => "TEMP".to_string(),
                };
                let idx = if file == "IMM" { 0 } else { rnd() % 4 };
                let sw: String =
                    (0..4).map(|_| ['x', 'y', 'z', 'w'][(rnd() % 4) as usize]).collect();
                // Inexact opcodes get |x| (logarithms and roots of negatives are NaN).
                let abs = inexact || rnd() % 5 == 0;
                let neg = !inexact && rnd() % 4 == 0;
                let reg = format!("{file}[{idx}].{sw}");
                let reg = if abs { format!("|{reg}|") } else { reg };
                line.push_str(&format!(", {}{reg}", if neg { "-" } else { "" }));
            }
            text.push_str(&line);
            text.push('\n');
        }
        text.push_str(&format!("MOV OUT[0], TEMP[{}]\nEND\n", rnd() % 4));
        let consts: Vec<[f32; 4]> = (0..4)
            .map(|_| [small(rnd()), small(rnd()), small(rnd()), small(rnd()) + 0.0625])
            .collect();
        let p = shader::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let want = ref_run(&p, &consts);
        if want.iter().any(|x| !x.is_finite() || x.abs() > 1e6) {
            skipped += 1;
            continue;
        }
        let cbits: Vec<[u32; 4]> = consts.iter().map(|c| f4(*c)).collect();
        let key = VariantKey { glsl_es: es, ..Default::default() };
        let got = gl.render(&Draw { fs_consts: &cbits, key, ..draw(&text) });
        for c in 0..4 {
            let (g, w) = (got[c], want[c]);
            let ok = if inexact { (g - w).abs() <= 2e-3 * w.abs().max(1.0) } else { g == w };
            assert!(ok, "component {c}: GL {got:?}, reference {want:?}\n{text}\nconsts {consts:?}");
        }
        checked += 1;
    }
    eprintln!("{checked} random programs matched, {skipped} skipped (non-finite reference)");
    assert!(checked > n * 2 / 3);
}

/// How long the host compiler takes on the largest program the limits allow (run by hand:
/// `cargo test --release --test shader_compile worst -- --ignored --nocapture`).
#[test]
#[ignore]
fn worst_case_compile_time() {
    let Some(gl) = gl_or_skip() else { return };
    let n = shader::LIMITS.instructions - 2;
    let mut t = String::from("FRAG\nDCL IN[0..62], GENERIC[0]\nDCL OUT[0], COLOR\n");
    t.push_str(&format!("DCL TEMP[0..{}]\n", shader::LIMITS.temps - 1));
    for i in 0..n {
        t.push_str(&format!(
            "MAD TEMP[{}], IN[{}], TEMP[{}], IN[0].xxxx\n",
            (i + 1) % 16000,
            i % 63,
            i % 16000
        ));
    }
    t.push_str("MOV OUT[0], TEMP[7]\nEND\n");
    let start = std::time::Instant::now();
    let glsl = shader::translate(&t, &VariantKey::default()).unwrap();
    let translated = start.elapsed();
    let s = gl.compile(glow::FRAGMENT_SHADER, &glsl).unwrap();
    eprintln!(
        "{} instructions: translate {translated:?}, host compile {:?} ({} bytes of GLSL)",
        n,
        start.elapsed() - translated,
        glsl.len()
    );
    // SAFETY: the context is current; the shader is ours.
    unsafe { gl.gl.delete_shader(s) };
}

/// With `glsl_es` the same corpus links on a GLES 3.0 context; what GLSL ES 3.00 lacks
/// is refused as Unsupported, never as text the compiler rejects.
#[test]
fn corpus_links_on_gles() {
    let Some(gl) = or_skip(setup_api(true)) else { return };
    let (mut linked, mut refused) = (0, 0);
    let mut failures = Vec::new();
    for (name, (vs_text, gs_text, fs_text)) in corpus() {
        if gs_text.is_some() {
            continue;
        }
        let vs = shader::parse(vs_text.as_deref().unwrap_or(PASS_VS)).unwrap();
        let fs = shader::parse(fs_text.as_deref().unwrap_or(PASS_FS)).unwrap();
        for key in keys() {
            let key = VariantKey { glsl_es: true, ..key };
            let fs_key = VariantKey { prev_outputs: Some(shader::output_slots(&vs)), ..key };
            let (flat, np) = shader::fs_interpolation(&fs, &fs_key);
            let vs_key = VariantKey { next_flat: flat, next_noperspective: np, ..key };
            let (v, f) = match (shader::emit(&vs, &vs_key), shader::emit(&fs, &fs_key)) {
                (Ok(v), Ok(f)) => (v, f),
                (Err(shader::EmitError::Unsupported(_)), _)
                | (_, Err(shader::EmitError::Unsupported(_))) => {
                    refused += 1;
                    continue;
                }
                (Err(e), _) | (_, Err(e)) => panic!("{name}: {e}"),
            };
            match gl.link(&v, None, &f) {
                Ok(()) => linked += 1,
                Err(e) => failures.push(format!("{name} {key:?}: {e}")),
            }
        }
    }
    eprintln!("GLES: {linked} programs linked, {refused} refused as unsupported");
    if let Some(f) = failures.first() {
        eprintln!("{f}");
    }
    assert!(failures.is_empty(), "{} failures", failures.len());
    assert!(linked > 200, "{linked}");
}
