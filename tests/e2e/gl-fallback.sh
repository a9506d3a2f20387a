#!/usr/bin/env bash
# tests/e2e/gl-fallback.sh [--lib DIR|FILE] [--expect SUBSTRING]
#
# The guest's GL works: boots a QEMU TCG guest with virtio-gpu-gl on the library under
# test, whose root filesystem is the host's (so the guest runs the host's Mesa), and runs
# tests/e2e/guest/gl_fallback.c (built here, on the host) three ways: the GBM platform on
# the virtio-gpu's render node and on its card node (found through /sys: the guest's vgem
# may take card0/renderD128), and the surfaceless platform. Each run must
# report a GL_RENDERER containing SUBSTRING (default "llvmpipe": while virgl-shim executes
# no 3D it withholds its capsets and the guest's Mesa must fall back to software) and read
# back the right pixels of a GLES2 clear + triangle.
#
# The guest is booted by tests/vm/vm.sh (VM_GPU=gl VM_LIBDIR=DIR vm.sh -- CMD), or by
# another runner with the same interface named in $VIRGL_SHIM_VM_RUN. While it runs,
# /proc/PID/maps of the QEMU it starts must map the library under test and no other
# libvirglrenderer.
#
# Reference: --lib /usr/lib/x86_64-linux-gnu/libvirglrenderer.so.1 --expect virgl (Debian's
# upstream virglrenderer renders with virgl: "virgl (LLVMPIPE ...)", GLES 3.2).
#
# Exit status: 0 all three passed; 1 a run failed or the library was not proven mapped;
# 2 usage/infrastructure (no compiler/headers, runner failed to boot).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LIB="$ROOT/target/release/libvirglrenderer.so"
EXPECT=llvmpipe
RUNNER=${VIRGL_SHIM_VM_RUN:-$ROOT/tests/vm/vm.sh}
while [ $# -gt 0 ]; do
  case "$1" in
    --lib) LIB=$2; shift 2 ;;
    --expect) EXPECT=$2; shift 2 ;;
    *) sed -n '2,22p' "$0" >&2; exit 2 ;;
  esac
done
[ -d "$LIB" ] && { [ -e "$LIB/libvirglrenderer.so.1" ] && LIB="$LIB/libvirglrenderer.so.1" || LIB="$LIB/libvirglrenderer.so"; }
[ -e "$LIB" ] || { echo "gl-fallback: no library at $LIB" >&2; exit 2; }
[ -x "$RUNNER" ] || { echo "gl-fallback: runner $RUNNER not found (set VIRGL_SHIM_VM_RUN)" >&2; exit 2; }
LIBREAL=$(realpath "$LIB")

JOB=$(mktemp -d /tmp/virgl-shim-gl-fallback.XXXXXX)
trap 'rm -rf "$JOB"' EXIT
mkdir -p "$JOB/lib"
ln -s "$LIBREAL" "$JOB/lib/libvirglrenderer.so.1"
cc -O2 -Wall -o "$JOB/gl_fallback" "$ROOT/tests/e2e/guest/gl_fallback.c" -lEGL -lGLESv2 -lgbm \
  || { echo "gl-fallback: cannot build the guest program (needs libegl-dev libgles-dev libgbm-dev)" >&2; exit 2; }

cat >"$JOB/guest.sh" <<GUEST
#!/bin/sh
dmesg | grep -E 'cap set|number of cap sets|features:' | sed 's/^/GUEST-DMESG /'
# The virtio-gpu's nodes (PCI vendor 0x1af4): vm.sh's guest also has vgem, whose
# card0/renderD128 come first and would give llvmpipe whatever the library does.
card=/dev/dri/card0 render=/dev/dri/renderD128
for d in /sys/class/drm/card[0-9]*; do
  case \${d##*/} in *-*) continue ;; esac
  [ "\$(cat "\$d/device/vendor" 2>/dev/null)" = 0x1af4 ] || continue
  card=/dev/dri/\${d##*/}; dev=\$(readlink -f "\$d/device")
  for r in /sys/class/drm/renderD*; do
    [ "\$(readlink -f "\$r/device")" != "\$dev" ] || render=/dev/dri/\${r##*/}
  done
done
echo "GUEST-NODES card=\$card render=\$render"
for args in "--platform gbm --device \$render" "--platform gbm --device \$card" "--platform surfaceless"; do
  echo "CASE \$args"
  timeout 120 "$JOB/gl_fallback" \$args --expect-renderer "$EXPECT" 2>&1
  echo "CASE-RC \$?"
done
GUEST
chmod +x "$JOB/guest.sh"

# Run the guest in the background and find its QEMU (a descendant of the runner).
(cd "$JOB" && VM_GPU=gl VM_LIBDIR="$JOB/lib" VM_TIMEOUT=${VIRGL_SHIM_GL_TIMEOUT:-400} \
  exec "$RUNNER" -- "$JOB/guest.sh") >"$JOB/out.txt" 2>&1 &
RPID=$!
descends_from() { # PID ANCESTOR
  local p=$1
  while [ -n "$p" ] && [ "$p" -gt 1 ]; do
    [ "$p" = "$2" ] && return 0
    p=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null) || return 1
  done
  return 1
}
MAPS_OK=0 MAPS_MSG="no QEMU process of this run seen"
while kill -0 "$RPID" 2>/dev/null; do
  for q in $(pgrep -f qemu-system 2>/dev/null); do
    descends_from "$q" "$RPID" || continue
    grep -q 'libvirglrenderer' "/proc/$q/maps" 2>/dev/null || continue
    mapped=$(grep -o '/[^ ]*libvirglrenderer[^ ]*' "/proc/$q/maps" | sort -u)
    be=$(tr '\0' '\n' <"/proc/$q/environ" 2>/dev/null | sed -n 's/^VIRGL_SHIM_BACKEND=//p')
    if [ "$mapped" = "$LIBREAL" ]; then MAPS_OK=1 MAPS_MSG="QEMU (pid $q) maps $LIBREAL only (VIRGL_SHIM_BACKEND=${be:-unset})"
    else MAPS_OK=0 MAPS_MSG="QEMU (pid $q) maps: $(echo $mapped)"; fi
  done
  [ "$MAPS_OK" = 1 ] && break
  sleep 0.5
done
wait "$RPID"; RRC=$?
tr -d '\r' <"$JOB/out.txt" >"$JOB/out" # the guest's output comes through a serial console
sed 's/^/  /' "$JOB/out"
echo "gl-fallback: $MAPS_MSG"
if [ "$RRC" = 125 ] || [ "$RRC" = 124 ]; then echo "gl-fallback: runner failed (exit $RRC)" >&2; exit 2; fi

PASSED=0 FAILED=0
while read -r _ rest; do
  case "$rest" in 0) PASSED=$((PASSED + 1)) ;; *) FAILED=$((FAILED + 1)) ;; esac
done < <(grep '^CASE-RC ' "$JOB/out")
N=$((PASSED + FAILED))
[ "$N" = 3 ] || { echo "gl-fallback: $N of 3 results"; FAILED=$((FAILED + 3 - N)); }
[ "$MAPS_OK" = 1 ] || FAILED=$((FAILED + 1))
echo "$PASSED passed, $FAILED failed (expect GL_RENDERER ~ \"$EXPECT\")"
[ "$FAILED" = 0 ]
