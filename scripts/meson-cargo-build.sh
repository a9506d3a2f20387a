#!/bin/sh
# meson-cargo-build.sh — meson's custom_target for the Rust library (see meson.build).
# Usage: meson-cargo-build.sh CARGO SOURCE_ROOT TARGET_DIR OUTDIR VERSION [CARGO_ARGS...]
# Runs `cargo build --release` with --target-dir TARGET_DIR, then puts the cdylib into
# OUTDIR as libvirglrenderer.so.VERSION with the symlinks libvirglrenderer.so.1 (SONAME)
# and libvirglrenderer.so (link name) next to it, and the vtest server virgl_test_server.
set -eu
cargo=$1 src=$2 target=$3 out=$4 version=$5
shift 5
"$cargo" build --release --manifest-path "$src/Cargo.toml" --target-dir "$target" "$@"
major=${version%%.*}
# Copy (not link) so that a later cargo build elsewhere cannot change an installed file
# under meson's feet; skip when unchanged so dependants are not relinked needlessly.
if ! cmp -s "$target/release/libvirglrenderer.so" "$out/libvirglrenderer.so.$version"; then
    cp -f "$target/release/libvirglrenderer.so" "$out/libvirglrenderer.so.$version.tmp"
    mv -f "$out/libvirglrenderer.so.$version.tmp" "$out/libvirglrenderer.so.$version"
fi
if ! cmp -s "$target/release/virgl_test_server" "$out/virgl_test_server"; then
    cp -f "$target/release/virgl_test_server" "$out/virgl_test_server.tmp"
    mv -f "$out/virgl_test_server.tmp" "$out/virgl_test_server"
fi
ln -sfn "libvirglrenderer.so.$version" "$out/libvirglrenderer.so.$major"
ln -sfn "libvirglrenderer.so.$major" "$out/libvirglrenderer.so"
