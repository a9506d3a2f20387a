//! The GL backend's program cache over the TGSI corpus (`tests/tgsi/`): every program
//! (vertex, optional geometry, fragment) links through the cache for several variant
//! keys, a second request is a hit on the same program, other keys are other programs.
//!
//! GL is required (tests/common/mod.rs): a backend that does not start fails.

mod common;

use common::gl_required;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use virglrenderer::internal::backend::gl::{GlBackend, GlFlags, ProgramId};
use virglrenderer::internal::shader::{self, Processor, VariantKey};

/// Corpus programs by name: [vertex, geometry, fragment] texts.
fn corpus() -> BTreeMap<String, [Option<String>; 3]> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tgsi");
    let mut m: BTreeMap<String, [Option<String>; 3]> = BTreeMap::new();
    for e in std::fs::read_dir(&dir).expect("tests/tgsi") {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for (i, suffix) in [".vert.tgsi", ".geom.tgsi", ".frag.tgsi"].iter().enumerate() {
            if let Some(stem) = name.strip_suffix(suffix) {
                m.entry(stem.into()).or_default()[i] =
                    Some(std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    m
}

const PASS_VS: &str = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\n  0: MOV OUT[0], IN[0]\n  1: END\n";
const PASS_FS: &str = "FRAG\nDCL OUT[0], COLOR\nIMM[0] FLT32 {1.0, 0.0, 0.0, 1.0}\n  \
                       0: MOV OUT[0], IMM[0]\n  1: END\n";

/// The stage keys for `key`, linked the way the translator's docs say.
fn stage_keys(vs: &str, gs: Option<&str>, fs: &str, key: VariantKey) -> Vec<VariantKey> {
    let vs_p = shader::parse(vs).unwrap();
    let gs_p = gs.map(|g| shader::parse(g).unwrap());
    let fs_p = shader::parse(fs).unwrap();
    let fs_key = VariantKey {
        prev_outputs: Some(shader::output_slots(gs_p.as_ref().unwrap_or(&vs_p))),
        ..key
    };
    let (flat, np) = shader::fs_interpolation(&fs_p, &fs_key);
    let last = VariantKey { next_flat: flat, next_noperspective: np, ..key };
    match gs {
        Some(_) => {
            vec![VariantKey { to_geometry: true, clip_plane_enable: 0, ..key }, last, fs_key]
        }
        None => vec![last, fs_key],
    }
}

#[test]
fn program_cache_links_the_corpus_and_hits() {
    let mut be = gl_required(GlBackend::new(GlFlags::default(), None));
    let base = VariantKey { integers: true, ..Default::default() };
    let keys = [
        base,
        VariantKey { integers: false, ..base },
        VariantKey { two_side: true, flatshade: true, ..base },
        VariantKey { clip_plane_enable: 0x3, ..base },
    ];
    let corpus = corpus();
    assert!(corpus.len() >= 20, "corpus has {} programs", corpus.len());
    let mut ids: HashSet<ProgramId> = HashSet::new();
    let mut failures = Vec::new();
    for (name, [vs, gs, fs]) in &corpus {
        let vs = vs.as_deref().unwrap_or(PASS_VS);
        let fs = fs.as_deref().unwrap_or(PASS_FS);
        let texts: Vec<&str> = [Some(vs), gs.as_deref(), Some(fs)].into_iter().flatten().collect();
        for key in keys {
            let sk = stage_keys(vs, gs.as_deref(), fs, key);
            let stages: Vec<(&str, &VariantKey)> = texts.iter().copied().zip(&sk).collect();
            let id = match be.program(&stages) {
                Ok(id) => id,
                Err(e) => {
                    failures.push(format!("{name} {key:?}: {}", e.msg));
                    continue;
                }
            };
            let before = be.program_stats();
            assert_eq!(be.program(&stages).unwrap(), id, "{name}: a second request");
            let after = be.program_stats();
            assert_eq!((after.hits, after.misses), (before.hits + 1, before.misses), "{name}");
            assert_eq!(after.programs, before.programs, "{name}: a hit made a program");
            let info = be.program_info(id).unwrap();
            assert_eq!(info.stages.len(), texts.len());
            assert_eq!(info.stages.last().unwrap().stage, Processor::Fragment);
            if key.clip_plane_enable != 0 {
                assert_eq!(info.clip_distances & 0x3, 0x3, "{name}: clip planes not enabled");
            }
            be.use_program(id).unwrap();
            assert!(ids.insert(id), "{name} {key:?}: an id of another program");
        }
    }
    for f in &failures {
        eprintln!("FAIL {}", f.lines().take(3).collect::<Vec<_>>().join(" | "));
    }
    assert!(failures.is_empty(), "{} programs did not build", failures.len());
    let s = be.program_stats();
    assert_eq!(s.programs, ids.len());
    eprintln!("{s:?}");
}
