//! The TGSI→GLSL translator against a real GLSL compiler: every program of the corpus in
//! `tests/tgsi/` (NAME.vert.tgsi + NAME.frag.tgsi pairs, captured from Mesa's virgl
//! driver over vtest or written by hand in its style) is translated for a set of variant
//! keys, then compiled and linked on the host's GL through an EGL surfaceless context of
//! our own (desktop GL 3.3+ core; llvmpipe in CI).
//!
//! EGL must work; set `VIRGL_SHIM_SKIP_GL=1` to skip instead of failing.

mod shader_gl;

use glow::HasContext;
use shader_gl::*;
use std::collections::BTreeMap;
use std::path::PathBuf;
use virglrenderer::internal::shader::{self, CompareFunc, Processor, VariantKey};

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
        VariantKey { lower_left_origin: true, ..base },
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
            lower_left_origin: r & 8 != 0,
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
        // With GL_EXT_clip_cull_distance (llvmpipe has it) clip planes translate too.
        let clip_ext = gl.gl.supported_extensions().contains("GL_EXT_clip_cull_distance");
        let with_clip = |k: VariantKey| [Some(k), clip_ext.then_some(k)];
        for (i, key) in keys().into_iter().flat_map(with_clip).flatten().enumerate() {
            let key = VariantKey { glsl_es: true, es_clip_distance: clip_ext && i % 2 == 1, ..key };
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
    let clip_ext = gl.gl.supported_extensions().contains("GL_EXT_clip_cull_distance");
    eprintln!("GL_EXT_clip_cull_distance: {clip_ext}");
    if let Some(f) = failures.first() {
        eprintln!("{f}");
    }
    assert!(failures.is_empty(), "{} failures", failures.len());
    assert!(linked > 200, "{linked}");
}
