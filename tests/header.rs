//! The committed include/virglrenderer.h must be exactly what cbindgen generates from the
//! current Rust declarations (build.rs writes it to OUT_DIR). Regenerate with
//! `VIRGL_SHIM_BLESS_HEADER=1 cargo build`.

#[test]
fn committed_header_is_fresh() {
    let generated = include_str!(concat!(env!("OUT_DIR"), "/virglrenderer.h"));
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/virglrenderer.h"))
            .expect("include/virglrenderer.h exists");
    assert!(
        generated == committed,
        "include/virglrenderer.h is stale: run `VIRGL_SHIM_BLESS_HEADER=1 cargo build` and commit it"
    );
}

#[test]
fn header_declares_every_export() {
    let header = include_str!(concat!(env!("OUT_DIR"), "/virglrenderer.h"));
    let map = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/src/ffi/exports.map"));
    let syms: Vec<&str> = map
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("virgl_") && l.ends_with(';'))
        .map(|l| l.trim_end_matches(';'))
        .collect();
    assert_eq!(syms.len(), 55, "49 upstream entry points + 6 virgl-shim calls");
    for s in syms {
        assert!(header.contains(&format!("{s}(")), "{s} is exported but not declared");
    }
}
