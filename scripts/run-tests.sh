#!/usr/bin/env bash
# Every test of virgl-shim on a fresh Debian 12 machine (what CI runs): packages,
# formatting and lints, Rust tests (a process per test) on the CPU and the GL backend, the C programs and the ABI proof through meson, the install
# check, memcheck, the QEMU end-to-end guest on Debian's QEMU (built against
# virglrenderer 0.10.4) and on a QEMU built from the same source against our
# virglrenderer.pc 1.2.0 (cached in /var/tmp, scripts/qemu-ci.sh) with the hostmem/blob
# guest on the latter, the dma-buf VM tier, piglit's quick list over vtest (ours and
# upstream), short fuzz runs, and short runs of the benchmark and the demo.
#
#   scripts/run-tests.sh                       everything, as CI runs it
#   scripts/run-tests.sh [--no-deps] STAGE...  only these stages, in the order given
#                                              (--no-deps: skip scripts/install-deps.sh)
#   scripts/run-tests.sh --list                the stage names, in CI order
#
# A stage does not run the stages it builds on: `install` and `valgrind` use the meson
# stage's build/, the QEMU stages and vtest the library of the build stage (target/release),
# `hostmem` and `e2e-qemu-src` the QEMU of the qemu-src stage.
# A stage whose command exits 77 is SKIPPED (a tool it needs is missing; the command says
# which): it neither passes nor fails, and "skipped stages: ..." lists it at the end.
# The last line is always `stages: N passed, N failed`; exit status 0 only when no stage
# failed, 2 on a usage error.
set -euo pipefail
cd "$(dirname "$0")/.."

# What a virtio-gpu-gl guest must render with on OUR library (stage gl-guest):
# "fallback" while the library withholds its 3D capsets (the guest's Mesa renders in
# software, llvmpipe), "virgl" once it executes the virgl command stream. One line to flip.
OURS_3D=virgl

# Stage names in CI order; each is run by run_stage below.
STAGES=(fmt build clippy rust-tests rust-tests-gl meson install valgrind e2e qemu-src hostmem e2e-qemu-src
        vm-tier gl-guest vtest fuzz bench demo)

usage() {
  echo "usage: $0 [--no-deps] [STAGE...] | --list" >&2
  echo "known stages: ${STAGES[*]}" >&2
}

deps=1; selected=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-deps) deps=0 ;;
    --list) printf '%s\n' "${STAGES[@]}"; exit 0 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    -*) echo "run-tests.sh: unknown option: $1" >&2; usage; echo "stages: 0 passed, 0 failed"; exit 2 ;;
    *)
      known=0
      for s in "${STAGES[@]}"; do [ "$s" != "$1" ] || known=1; done
      if [ "$known" != 1 ]; then
        echo "run-tests.sh: unknown stage: $1" >&2; usage; echo "stages: 0 passed, 0 failed"; exit 2
      fi
      selected+=("$1") ;;
  esac
  shift
done
[ ${#selected[@]} -gt 0 ] || selected=("${STAGES[@]}")

[ "$deps" = 0 ] || bash scripts/install-deps.sh

passed=0; failed=0; names=(); skipped=()
stage() {
  local name=$1; shift
  local t0=$SECONDS rc=0
  echo "==== $name: $*"
  "$@" || rc=$?
  if [ "$rc" = 0 ]; then passed=$((passed+1)); echo "==== $name: ok ($((SECONDS-t0)) s)"
  elif [ "$rc" = 77 ]; then skipped+=("$name"); echo "==== $name: SKIPPED ($((SECONDS-t0)) s)"
  else failed=$((failed+1)); names+=("$name"); echo "==== $name: FAILED ($((SECONDS-t0)) s)"; fi
}

run_stage() {
  case "$1" in
    fmt) stage fmt cargo fmt --all -- --check ;;
    build) stage build cargo build --release --all-targets ;;
    clippy) stage clippy cargo clippy --release --all-targets -- -D warnings ;;
    # nextest shows #[ignore]d device tests as SKIP without the reason: list the reasons.
    rust-tests) stage rust-tests bash -c 'cargo nextest run --release --no-fail-fast &&
      bash scripts/skipped-tests.sh --release' ;;
    # The C-API tests default to the CPU backend (VIRGL_SHIM_TEST_BACKEND); run them on GL too.
    rust-tests-gl) stage rust-tests-gl env VIRGL_SHIM_TEST_BACKEND=gl cargo nextest run --release --no-fail-fast ;;
    # meson shares cargo's target/ so the library is built once.
    meson) stage meson bash -c 'rm -rf build && meson setup build -Dcargo_target_dir="$PWD/target" >/dev/null &&
      meson compile -C build && meson test -C build --print-errorlogs' ;;
    install) stage install bash scripts/check-install.sh build ;;
    valgrind) stage valgrind bash scripts/valgrind.sh build ;;
    # Debian's QEMU: built against virglrenderer 0.10.4, so only the 0.x calls.
    e2e) stage e2e bash tests/e2e/run.sh --lib target/release ;;
    # QEMU from Debian's source against our virglrenderer.pc 1.2.0 (its 1.x paths), built
    # once per machine and QEMU version into /var/tmp/virgl-shim-qemu; the library under
    # test is still target/release's (LD_LIBRARY_PATH + the device/inode check).
    qemu-src) stage qemu-src bash scripts/qemu-ci.sh build ;;
    hostmem) stage hostmem bash -c 'q=$(bash scripts/qemu-ci.sh path) &&
      bash tests/hostmem/run.sh --qemu "$q" --lib target/release' ;;
    e2e-qemu-src) stage e2e-qemu-src bash -c 'q=$(bash scripts/qemu-ci.sh path) &&
      bash tests/e2e/run.sh --qemu "$q" --lib target/release' ;;
    vm-tier) stage vm-tier bash tests/vm/run.sh ;;
    # A QEMU virtio-gpu-gl guest on our library: its GL works (software while OURS_3D is
    # "fallback", Mesa's virgl driver once it is "virgl") and draws the right pixels
    # (gl-fallback.sh; gl-3d.sh: a GLES2 triangle, kmscube, glmark2 --validate); gl-3d.sh
    # also runs on Debian's virglrenderer, the reference, which must give virgl, and on
    # our library under the QEMU of the qemu-src stage.
    gl-guest) stage gl-guest env OURS_3D="$OURS_3D" bash -c 'rc=0
      case $OURS_3D in virgl) r=virgl ;; *) r=llvmpipe ;; esac
      bash tests/e2e/gl-fallback.sh --lib target/release --expect "$r" || rc=1
      # The CPU backend executes no 3D: it withholds the capsets, the guest falls back.
      VIRGL_SHIM_BACKEND=cpu bash tests/e2e/gl-fallback.sh --lib target/release --expect llvmpipe || rc=1
      bash tests/e2e/gl-3d.sh --lib /usr/lib/x86_64-linux-gnu --expect virgl || rc=1
      bash tests/e2e/gl-3d.sh --lib target/release --expect "$OURS_3D" || rc=1
      # Level 1 on request (VIRGL_SHIM_3D_LEVEL=1): GL 2.1 / GLES 2.0 guests still render
      # (case gl33 skips: no 3.3 core context at level 1).
      VIRGL_SHIM_3D_LEVEL=1 bash tests/e2e/gl-3d.sh --lib target/release --expect "$OURS_3D" || rc=1
      # The same on the QEMU built against our virglrenderer.pc (1.x paths).
      q=$(bash scripts/qemu-ci.sh path) &&
        VM_QEMU=$q bash tests/e2e/gl-3d.sh --lib target/release --expect "$OURS_3D" || rc=1
      exit $rc' ;;
    # piglit's quick list as vtest clients on Debian's virgl_test_server, on upstream's
    # library (harness floor) and on target/release (tests/vtest/expected/ours-quick.pass);
    # then the same with our own virgl_test_server (target/release) for the "ours" run, in
    # its default mode and in --multi-clients (two Mesa clients at once in one process).
    # Exits 77 (SKIPPED) without piglit or virgl-server.
    vtest) stage vtest bash -c 'bash tests/vtest/run.sh --check || exit $?
      bash tests/vtest/run.sh --check --server ours --out target/vtest-check-server || exit $?
      VTEST_OURS_SERVER_ARGS=--multi-clients bash tests/vtest/run.sh --check --server ours \
        --jobs 2 --out target/vtest-check-multi-clients' ;;
    fuzz) stage fuzz bash scripts/fuzz.sh 20 ;;
    bench) stage bench cargo bench --bench transfer -- --quick ;;
    demo) stage demo cargo run --release --example demo -- --quick --png target/demo.png ;;
    *) echo "run-tests.sh: internal error: no command for stage $1" >&2; failed=$((failed+1)); names+=("$1") ;;
  esac
}

for s in "${selected[@]}"; do run_stage "$s"; done

echo
[ ${#skipped[@]} -eq 0 ] || echo "skipped stages: ${skipped[*]}"
[ "$failed" -eq 0 ] || echo "failed stages: ${names[*]}"
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
