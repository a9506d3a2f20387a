//! Build script: SONAME of the cdylib, the generated C header, the tiny C helper that
//! forwards log lines to a VMM's deprecated `va_list` debug callback.
use std::env;
use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());

    // Same SONAME as upstream, so a VMM linked against libvirglrenderer.so.1 loads us.
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libvirglrenderer.so.1");
    // Export exactly the public C API: every other symbol (Rust std, dependencies) stays local.
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
        crate_dir.join("src/ffi/exports.map").display()
    );
    println!("cargo:rerun-if-changed=src/ffi/exports.map");

    // The deprecated `virgl_debug_callback_type` takes a `va_list`; stable Rust cannot make
    // one, so a few lines of C do the forwarding.
    cc::Build::new().file("src/ffi/va_shim.c").warnings(true).compile("virgl_shim_va");
    println!("cargo:rerun-if-changed=src/ffi/va_shim.c");

    // Always-on cfg that marks upstream's VIRGL_RENDERER_UNSTABLE_APIS section for cbindgen.
    println!("cargo:rustc-check-cfg=cfg(virgl_unstable_apis)");
    println!("cargo:rustc-cfg=virgl_unstable_apis");

    // Generate the header from the Rust declarations in src/ffi/. The committed copy in
    // include/ is compared against this one by tests/header.rs.
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=src/ffi");
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml must parse");
    let header = out_dir.join("virglrenderer.h");
    match cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir.join("src/ffi/mod.rs"))
        .generate()
    {
        Ok(bindings) => {
            bindings.write_to_file(&header);
        }
        Err(e) => panic!("cbindgen failed: {e}"),
    }
    if env::var_os("VIRGL_SHIM_BLESS_HEADER").is_some() {
        std::fs::copy(&header, crate_dir.join("include/virglrenderer.h"))
            .expect("copy header into include/");
    }
}
