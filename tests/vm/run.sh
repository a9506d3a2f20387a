#!/usr/bin/env bash
# tests/vm/run.sh — the VM test tier: real dma-buf tests that need /dev/udmabuf and
# /dev/dri, which this host lacks.
#
# Builds the test binaries on the host (cargo test --no-run), boots a QEMU guest with
# tests/vm/vm.sh (6.12 kernel with udmabuf, virtio-gpu + vgem, the host's root read-only)
# and runs every test of them there (tests/vm/guest-tests.sh), the device tests that hosts
# skip (#[ignore]d: udmabuf_*, drm_*) included, so a missing device is a failure. Covers
# zero-copy GL import of registered memfd pages, export_dmabuf of zero-copy / coherent
# resources (mmap + re-import), EXPORT_QUERY fds and GL texture export where EGL can.
#
# Exit status non-zero on any failure; the last line is "N passed, N failed".
# Env: VM_* knobs of vm.sh; VM_TESTS (space-separated cargo test targets, default zerocopy gbm).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"

# `lib` is the library's unit tests, of which only the #[ignore]d device tests run here.
targets=${VM_TESTS:-zerocopy gbm lib}
bins=()
for t in $targets; do
  if [ "$t" = lib ]; then sel=(--lib); prefix=ignored-only:; else sel=(--test "$t"); prefix=; fi
  json=$(cargo test "${sel[@]}" --no-run --message-format=json 2>/dev/null) || {
    cargo test "${sel[@]}" --no-run >&2; echo "0 passed, 1 failed"; exit 1; }
  exe=$(printf '%s\n' "$json" | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n1)
  [ -x "$exe" ] || { echo "run.sh: no test binary for $t" >&2; echo "0 passed, 1 failed"; exit 1; }
  bins+=("$prefix$exe")
done

# GL in the guest uses the default EGL platform order: the 2D virtio-gpu node only gets
# Mesa's kms_swrast (which cannot import udmabufs), so the backend passes it over for
# Mesa's software device (VIRGL_SHIM_EGL_DEVICE=software is no longer needed here).
unset VIRGL_SHIM_EGL_DEVICE
log=$(mktemp)
"$here/vm.sh" sh "$here/guest-tests.sh" "${bins[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
summary=$(tr -d '\r' <"$log" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n1)
rm -f "$log"
if [ -z "$summary" ]; then
  echo "run.sh: the VM did not report results (vm.sh exit $rc)"
  echo "0 passed, 1 failed"
  exit 1
fi
[ "$rc" -eq 0 ] || echo "run.sh: VM exit status $rc"
echo "$summary"
exit "$rc"
