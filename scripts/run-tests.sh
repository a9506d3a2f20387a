#!/usr/bin/env bash
# Every test of virgl-shim on a fresh Debian 12 machine (what CI runs):
# packages, formatting and lints, Rust tests (a process per test), the C programs and ABI
# proof through meson, the QEMU end-to-end guest, and a short demo run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

passed=0; failed=0; names=()
stage() {
  local name=$1; shift
  echo "==== $name: $*"
  if "$@"; then passed=$((passed+1)); echo "==== $name: ok"
  else failed=$((failed+1)); names+=("$name"); echo "==== $name: FAILED"; fi
}

stage fmt cargo fmt --all -- --check
stage build cargo build --release --all-targets
stage clippy cargo clippy --release --all-targets -- -D warnings
stage rust-tests cargo nextest run --release --no-fail-fast
stage meson bash -c 'rm -rf build && meson setup build >/dev/null && meson compile -C build && meson test -C build --print-errorlogs'
stage install bash scripts/check-install.sh
stage e2e bash tests/e2e/run.sh --lib target/release
stage demo cargo run --release --example demo -- --quick --png target/demo.png

echo
[ "$failed" -eq 0 ] || echo "failed stages: ${names[*]}"
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
