#!/usr/bin/env bash
# Every test of virgl-shim on a fresh Debian 12 machine (what CI runs): packages,
# formatting and lints, Rust tests (a process per test) on the CPU and the GL backend, the C programs and the ABI proof through meson, the install
# check, memcheck, the QEMU end-to-end guest, the dma-buf VM tier, short fuzz runs, and
# short runs of the benchmark and the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

passed=0; failed=0; names=()
stage() {
  local name=$1; shift
  local t0=$SECONDS
  echo "==== $name: $*"
  if "$@"; then passed=$((passed+1)); echo "==== $name: ok ($((SECONDS-t0)) s)"
  else failed=$((failed+1)); names+=("$name"); echo "==== $name: FAILED ($((SECONDS-t0)) s)"; fi
}

stage fmt cargo fmt --all -- --check
stage build cargo build --release --all-targets
stage clippy cargo clippy --release --all-targets -- -D warnings
stage rust-tests cargo nextest run --release --no-fail-fast
# The C-API tests default to the CPU backend (VIRGL_SHIM_TEST_BACKEND); run them on GL too.
stage rust-tests-gl env VIRGL_SHIM_TEST_BACKEND=gl cargo nextest run --release --no-fail-fast
# meson shares cargo's target/ so the library is built once.
stage meson bash -c 'rm -rf build && meson setup build -Dcargo_target_dir="$PWD/target" >/dev/null &&
  meson compile -C build && meson test -C build --print-errorlogs'
stage install bash scripts/check-install.sh build
stage valgrind bash scripts/valgrind.sh build
stage e2e bash tests/e2e/run.sh --lib target/release
stage vm-tier bash tests/vm/run.sh
stage fuzz bash scripts/fuzz.sh 20
stage bench cargo bench --bench transfer -- --quick
stage demo cargo run --release --example demo -- --quick --png target/demo.png

echo
[ "$failed" -eq 0 ] || echo "failed stages: ${names[*]}"
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
