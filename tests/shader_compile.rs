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
use virglrenderer::shader::{self, CompareFunc, Processor, VariantKey};

const PLATFORM_SURFACELESS_MESA: egl::Enum = 0x31DD;

struct Gl {
    gl: glow::Context,
    // Kept alive for the context's lifetime.
    _egl: egl::DynamicInstance<egl::EGL1_5>,
}

fn setup() -> Result<Gl, String> {
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
    egl.bind_api(egl::OPENGL_API).map_err(|e| format!("eglBindAPI: {e}"))?;
    let attribs = [
        egl::CONTEXT_MAJOR_VERSION,
        3,
        egl::CONTEXT_MINOR_VERSION,
        3,
        egl::CONTEXT_OPENGL_PROFILE_MASK,
        egl::CONTEXT_OPENGL_CORE_PROFILE_BIT,
        egl::NONE,
    ];
    // SAFETY: EGL_NO_CONFIG_KHR (NULL); Mesa has EGL_KHR_no_config_context.
    let config = unsafe { egl::Config::from_ptr(std::ptr::null_mut()) };
    let ctx = egl
        .create_context(display, config, None, &attribs)
        .map_err(|e| format!("eglCreateContext(GL 3.3 core): {e}"))?;
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
    match setup() {
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

    fn link(&self, vs: &str, fs: &str) -> Result<(), String> {
        let gl = &self.gl;
        let v = self.compile(glow::VERTEX_SHADER, vs)?;
        let f = self.compile(glow::FRAGMENT_SHADER, fs)?;
        // SAFETY: the context is current; the objects are ours.
        unsafe {
            let p = gl.create_program()?;
            gl.attach_shader(p, v);
            gl.attach_shader(p, f);
            gl.link_program(p);
            let ok = gl.get_program_link_status(p);
            let log = gl.get_program_info_log(p);
            gl.delete_program(p);
            gl.delete_shader(v);
            gl.delete_shader(f);
            if ok {
                Ok(())
            } else {
                Err(format!("link failed:\n{log}\n--- VS ---\n{vs}\n--- FS ---\n{fs}"))
            }
        }
    }
}

fn corpus() -> BTreeMap<String, (Option<String>, Option<String>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tgsi");
    let mut m: BTreeMap<String, (Option<String>, Option<String>)> = BTreeMap::new();
    for e in std::fs::read_dir(&dir).expect("tests/tgsi") {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        if let Some(stem) = name.strip_suffix(".vert.tgsi") {
            m.entry(stem.to_string()).or_default().0 = Some(text);
        } else if let Some(stem) = name.strip_suffix(".frag.tgsi") {
            m.entry(stem.to_string()).or_default().1 = Some(text);
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
    assert!(corpus.len() >= 20, "corpus has {} programs", corpus.len());
    for (name, (vs_text, fs_text)) in &corpus {
        let vs = shader::parse(vs_text.as_deref().unwrap_or(PASS_VS))
            .unwrap_or_else(|e| panic!("{name}.vert: {e}"));
        let fs = shader::parse(fs_text.as_deref().unwrap_or(PASS_FS))
            .unwrap_or_else(|e| panic!("{name}.frag: {e}"));
        assert_eq!(vs.processor, Processor::Vertex, "{name}");
        assert_eq!(fs.processor, Processor::Fragment, "{name}");
        for key in keys() {
            let fs_key = VariantKey { prev_outputs: Some(shader::output_slots(&vs)), ..key };
            let (flat, np) = shader::fs_interpolation(&fs, &fs_key);
            let vs_key = VariantKey { next_flat: flat, next_noperspective: np, ..key };
            let vs_glsl = match shader::emit(&vs, &vs_key) {
                Ok(s) => s,
                Err(e) => {
                    failures.push(format!("{name}.vert {key:?}: {e}"));
                    continue;
                }
            };
            let fs_glsl = match shader::emit(&fs, &fs_key) {
                Ok(s) => s,
                Err(e) => {
                    failures.push(format!("{name}.frag {key:?}: {e}"));
                    continue;
                }
            };
            match gl.link(&vs_glsl, &fs_glsl) {
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
