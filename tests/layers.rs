//! The crate's layer table (docs/ARCHITECTURE.md) as a test: every `crate::` path in a
//! source file must name a module of the same layer or a lower one, and no hand-written
//! source file may pass 800 lines (files that say at their top that they are generated or
//! table-only are excepted; `src/` plus the `.rs`/`.c`/`.h`/`.sh`/`.py` files of `tests/`,
//! `benches/`, `examples/`, `fuzz/fuzz_targets/` and `scripts/`), and `unsafe` stays at the edges (`sys/`, `backend/gl/`, `ffi/`).
//!
//! | layer | modules |
//! |---|---|
//! | L0 | `error`, `config` |
//! | L1 | `sys` |
//! | L2 | `model` |
//! | L3 | `backend` |
//! | L4 | `renderer` |
//! | L5 | `ffi` |
//! | L6 | `bin` (programs: `src/bin/virgl_test_server/`) |
//!
//! `src/lib.rs` wires the layers together and is not checked.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layer of a top-level module; `None` for a name the table does not know (which
/// fails the test: a new module must be placed in the table).
fn layer_of(module: &str) -> Option<u8> {
    Some(match module {
        "error" | "config" => 0,
        "sys" => 1,
        "model" => 2,
        "backend" => 3,
        "renderer" => 4,
        "ffi" => 5,
        // src/bin/: programs built on the library (virgl_test_server). They reach it as
        // `virglrenderer::internal::…` (never `crate::` paths into the library), sit above
        // every layer, and get no `unsafe` exception.
        "bin" => 6,
        _ => return None,
    })
}

const MAX_LINES: usize = 800;

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The file's code with comments removed (line comments, doc comments and block
/// comments), so that prose naming a module does not count as an import.
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    let (mut in_str, mut depth) = (false, 0usize);
    while i < b.len() {
        if depth > 0 {
            if b[i..].starts_with(b"*/") {
                depth -= 1;
                i += 2;
            } else if b[i..].starts_with(b"/*") {
                depth += 1;
                i += 2;
            } else {
                if b[i] == b'\n' {
                    out.push('\n');
                }
                i += 1;
            }
            continue;
        }
        if in_str {
            if b[i] == b'\\' && i + 1 < b.len() {
                i += 2;
                continue;
            }
            if b[i] == b'"' {
                in_str = false;
            }
            i += 1;
            continue;
        }
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if b[i..].starts_with(b"/*") {
            depth = 1;
            i += 2;
            continue;
        }
        if b[i] == b'"' && !(i > 0 && b[i - 1] == b'\'') {
            in_str = true;
            i += 1;
            continue;
        }
        out.push(b[i] as char);
        i += 1;
    }
    out
}

/// Top-level modules named by `crate::…` paths in `code`, including every member of
/// grouped imports (`use crate::{a::x, b};`).
fn crate_modules(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
    };
    let mut rest = code;
    while let Some(pos) = rest.find("crate::") {
        // `crate` must be a whole word (not e.g. `my_crate::`).
        let before = rest[..pos].chars().last();
        let after = &rest[pos + "crate::".len()..];
        rest = after;
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = after.strip_prefix('{') {
            let end = matching_brace(group);
            for member in split_top_level(&group[..end]) {
                let m = ident(member.trim_start());
                if !m.is_empty() && m != "self" {
                    found.insert(m);
                }
            }
        } else {
            let m = ident(after);
            if !m.is_empty() {
                found.insert(m);
            }
        }
    }
    found
}

/// The length of a brace group's contents (up to its matching `}`).
fn matching_brace(s: &str) -> usize {
    let mut level = 0i32;
    for (i, c) in s.char_indices() {
        match c {
            '{' => level += 1,
            '}' if level == 0 => return i,
            '}' => level -= 1,
            _ => {}
        }
    }
    s.len()
}

/// The members of a brace group, split at commas outside nested braces.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut level, mut start) = (0i32, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '{' => level += 1,
            '}' => level -= 1,
            ',' if level == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

#[test]
fn imports_go_down_the_layer_table() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut wrong = Vec::new();
    let mut checked = 0;
    for f in &files {
        let rel = f.strip_prefix(&src).expect("under src").to_string_lossy().replace('\\', "/");
        if rel == "lib.rs" {
            continue;
        }
        let top = rel.split('/').next().expect("a path").trim_end_matches(".rs");
        let Some(own) = layer_of(top) else {
            wrong.push(format!("{rel}: module `{top}` is not in the layer table"));
            continue;
        };
        let text = std::fs::read_to_string(f).expect("source readable");
        for m in crate_modules(&code_of(&text)) {
            match layer_of(&m) {
                Some(l) if l <= own => {}
                Some(l) => wrong.push(format!(
                    "{rel} (L{own}) uses crate::{m} (L{l}): imports go only to the same or a \
                     lower layer"
                )),
                None => wrong.push(format!(
                    "{rel} uses crate::{m}, which is not in the layer table (a re-export \
                     alias? name the layer path)"
                )),
            }
        }
        checked += 1;
    }
    assert!(checked > 20, "only {checked} files found under {}", src.display());
    assert!(wrong.is_empty(), "layering violations:\n{}", wrong.join("\n"));
}

/// Directories besides `src/` whose hand-written files the line limit covers, and the
/// extensions it reads there (golden and corpus data such as `*.glsl`/`*.tgsi` is not code).
const OTHER_SOURCE_DIRS: &[&str] =
    &["tests", "benches", "examples", "fuzz/fuzz_targets", "scripts"];
const OTHER_SOURCE_EXTS: &[&str] = &["rs", "c", "h", "sh", "py"];
/// Build outputs (directory names skipped at any depth) and generated files (paths from the
/// crate root) that the walk never reads.
const SKIPPED_DIRS: &[&str] = &["target", "build"];
const GENERATED_FILES: &[&str] = &["include/virglrenderer.h"];

/// Files under `dir` whose extension is one of `exts`, skipping hidden entries,
/// build-output directories and generated files.
fn files_with(root: &Path, dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = rd.map(|e| e.expect("dir entry").path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let rel = p.strip_prefix(root).unwrap_or(&p).to_string_lossy().replace('\\', "/");
        if name.starts_with('.') || GENERATED_FILES.contains(&rel.as_str()) {
            continue;
        }
        if p.is_dir() {
            if !SKIPPED_DIRS.contains(&name.as_str()) {
                files_with(root, &p, exts, out);
            }
        } else if p.extension().is_some_and(|x| exts.iter().any(|e| x == *e)) {
            out.push(p);
        }
    }
}

#[test]
fn no_hand_written_file_over_800_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    for dir in OTHER_SOURCE_DIRS {
        files_with(root, &root.join(dir), OTHER_SOURCE_EXTS, &mut files);
    }
    let mut long = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("source readable");
        let lines = text.lines().count();
        let head: String = text.lines().take(3).collect::<Vec<_>>().join("\n").to_lowercase();
        let declared = head.contains("table-only file") || head.contains("generated file");
        if lines > MAX_LINES && !declared {
            let rel = f.strip_prefix(root).unwrap_or(f);
            long.push(format!("{}: {lines} lines", rel.display()));
        }
    }
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines (split them, or say at the top that the file is a \
         generated or table-only file):\n{}",
        long.join("\n")
    );
}

/// The walk for the line limit: it reaches the other directories and leaves out build
/// outputs, generated files and data.
#[test]
fn line_limit_walk_covers_the_other_directories() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in OTHER_SOURCE_DIRS {
        files_with(root, &root.join(dir), OTHER_SOURCE_EXTS, &mut files);
    }
    let rel: BTreeSet<String> = files
        .iter()
        .map(|f| f.strip_prefix(root).expect("under root").to_string_lossy().replace('\\', "/"))
        .collect();
    for want in ["tests/layers.rs", "benches/transfer/main.rs", "tests/e2e/run.sh"] {
        assert!(rel.contains(want), "{want} not scanned");
    }
    for f in &rel {
        assert!(!f.split('/').any(|c| SKIPPED_DIRS.contains(&c)), "{f}: build output scanned");
        assert!(!f.ends_with(".glsl") && !f.ends_with(".tgsi"), "{f}: data scanned");
    }
}

/// Files outside the edges (`sys/`, `backend/gl/`, `ffi/`) that may hold `unsafe` blocks,
/// with how many: the renderer wraps its own staging buffers as iovec lists.
const UNSAFE_EXCEPTIONS: &[(&str, usize)] = &[("renderer/mod.rs", 2)];

#[test]
fn unsafe_only_at_the_edges() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut wrong = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).expect("under src").to_string_lossy().replace('\\', "/");
        if rel == "lib.rs"
            || rel.starts_with("sys/")
            || rel.starts_with("backend/gl/")
            || rel.starts_with("ffi/")
        {
            continue;
        }
        let code = code_of(&std::fs::read_to_string(f).expect("source readable"));
        let n = code.matches("unsafe {").count()
            + code.matches("unsafe fn").count()
            + code.matches("unsafe impl").count();
        let allowed =
            UNSAFE_EXCEPTIONS.iter().find(|(p, _)| *p == rel).map(|(_, n)| *n).unwrap_or(0);
        if n > allowed {
            wrong.push(format!("{rel}: {n} unsafe (allowed {allowed})"));
        }
    }
    assert!(
        wrong.is_empty(),
        "unsafe outside sys/, backend/gl/ and ffi/ (move it to the edge it belongs to):\n{}",
        wrong.join("\n")
    );
}

/// The checker itself: grouped imports, comments and strings.
#[test]
fn the_checker_reads_imports_right() {
    let code = code_of(
        "use crate::{a::x, b, c::{d, e}};\n// crate::commented\n/* crate::block */\n\
         let s = \"crate::in_string\"; use crate::f::g; my_crate::h();",
    );
    let got: Vec<_> = crate_modules(&code).into_iter().collect();
    assert_eq!(got, ["a", "b", "c", "f"]);
}
