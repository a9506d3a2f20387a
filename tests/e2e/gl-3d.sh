#!/usr/bin/env bash
# tests/e2e/gl-3d.sh [--lib DIR|FILE] [--expect virgl|fallback] [--keep]
#
# 3D in a QEMU guest: boots a TCG guest whose root filesystem is the host's (so it runs
# the host's Mesa and tools) with virtio-gpu-gl on the library under test, and runs there:
#
#   triangle  tests/progs/gles2_triangle --gbm RENDER_NODE (built here, on the host):
#             clear, a client-array and a VBO triangle with a uniform colour, a triangle
#             with an interpolated colour, glReadPixels checks; then gl_FragCoord in a GBM
#             window surface's default framebuffer (each quadrant where GL puts it)
#   gl33      tests/progs/gl33_core --gbm RENDER_NODE: a desktop OpenGL 3.3 core context
#             (GL_VERSION >= 3.3 checked) draws with GLSL 3.30 core shaders, pixels read
#             back; SKIP when no 3.3 core context can be made and VIRGL_SHIM_3D_LEVEL=1
#             asks virgl-shim for level 1 (GL 2.1), FAIL otherwise
#   kmscube   kmscube -D CARD_NODE -c 30 -v 640x480 (KMS scanout + page flips on the
#             virtio-gpu; exit status 0, renderer line)
#   glmark2   glmark2-es2-drm -b build --validate (the "build" scene's pixel validation)
#
# The nodes are the virtio-gpu's (the guest also has vgem, whose card/render nodes may
# come first), found through /sys/class/drm.
#
#   --lib DIR|FILE   DIR/libvirglrenderer.so.1 (or .so), or FILE; default
#                    ${CARGO_TARGET_DIR:-target}/release/libvirglrenderer.so
#   --expect virgl     every GL_RENDERER must contain "virgl" (Mesa's virgl driver ran on
#                      the library's 3D) and the pixels must be right
#   --expect fallback  every GL_RENDERER must contain "llvmpipe" (the library withholds
#                      its capsets; the guest renders in software) and the pixels must be
#                      right (default)
#   --keep           keep the job directory (guest output)
#
# Reference: --lib /usr/lib/x86_64-linux-gnu --expect virgl (Debian's virglrenderer
# 0.10.4: "virgl (LLVMPIPE ...)", GLES 3.2).
#
# Each case prints "RESULT NAME PASS|FAIL|SKIP reason". A missing kmscube or
# glmark2-es2-drm on the host (= in the guest) is a SKIP. While the guest runs, the QEMU
# it started must map the library under test and no other libvirglrenderer (case
# "library"). The guest is booted by tests/vm/vm.sh or the runner in $VIRGL_SHIM_VM_RUN.
# Last line: "N passed, N failed, N skipped".
#
# Exit: 0 no FAIL; 1 a FAIL or a missing result; 2 usage/infrastructure (no compiler or
# headers, the VM did not boot).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SELF="$ROOT/tests/e2e/gl-3d.sh"
KMSCUBE_FRAMES=30

# ------------------------------------------------------------------ guest side
# gl-3d.sh --in-guest SUBSTRING TRIANGLE_BINARY: runs in the guest, prints the cases.
in_guest() {
  local want=$1 bin=$2 tmp card="" render="" dev="" d rc out t0
  tmp=$(mktemp -d)
  # The virtio-gpu's nodes: their device is a PCI function of vendor 0x1af4 (virtio);
  # vgem's is a platform device.
  for d in /sys/class/drm/card[0-9]*; do
    case ${d##*/} in *-*) continue ;; esac
    [ "$(cat "$d/device/vendor" 2>/dev/null || true)" = 0x1af4 ] || continue
    card=/dev/dri/${d##*/}; dev=$(readlink -f "$d/device")
  done
  for d in /sys/class/drm/renderD*; do
    [ -z "$dev" ] || [ "$(readlink -f "$d/device" || true)" != "$dev" ] || render=/dev/dri/${d##*/}
  done
  echo "GUEST nodes: card=${card:-none} render=${render:-none} (kernel $(uname -r))"
  dmesg | grep -E 'cap set|number of cap sets|features:' | sed 's/^/GUEST-DMESG /' || true
  result() { echo "RESULT $1 $2 $3 ($(( $(date +%s) - t0 )) s)"; }
  show() { sed -e 's/^/  | /' -e 's/\(.\{160\}\).*/\1.../' "$1"; }
  # What a command's exit status says, for a FAIL reason.
  status_text() {
    case $1 in
      124|137) echo "timed out" ;;
      1[3-9][0-9]|2[0-9][0-9]) echo "exit status $1 (signal $(($1 - 128)))" ;;
      *) echo "exit status $1" ;;
    esac
  }

  # triangle
  t0=$(date +%s)
  if [ -z "$render" ]; then result triangle FAIL "no virtio-gpu render node"
  else
    rc=0; timeout 150 "$bin" --gbm "$render" --expect-renderer "$want" >"$tmp/tri" 2>&1 || rc=$?
    show "$tmp/tri"
    case $rc in
      0) result triangle PASS "$(sed -n 's/^GL_RENDERER: //p' "$tmp/tri"), right pixels" ;;
      1) result triangle FAIL "$(grep -E '^(FAIL|RENDERER):' "$tmp/tri" | paste -sd ';' -)" ;;
      77) result triangle FAIL "no EGL/GLES on $render: $(sed -n 's/^SKIP: //p' "$tmp/tri")" ;;
      *) result triangle FAIL "$(status_text "$rc")" ;;
    esac
  fi

  # gl33: a desktop GL 3.3 core context (virgl-shim's default level 2, upstream, llvmpipe).
  t0=$(date +%s)
  core="$(dirname "$bin")/gl33_core"
  if [ -z "$render" ]; then result gl33 FAIL "no virtio-gpu render node"
  else
    rc=0; timeout 150 "$core" --gbm "$render" --expect-renderer "$want" >"$tmp/core" 2>&1 || rc=$?
    show "$tmp/core"
    case $rc in
      0) result gl33 PASS "$(sed -n 's/^GL_VERSION: //p' "$tmp/core"), right pixels" ;;
      77) if [ "${VIRGL_SHIM_3D_LEVEL:-2}" = 1 ]; then
            result gl33 SKIP "no GL 3.3 core context (VIRGL_SHIM_3D_LEVEL=1 offers GL 2.1): $(sed -n 's/^SKIP: //p' "$tmp/core")"
          else
            result gl33 FAIL "no GL 3.3 core context: $(sed -n 's/^SKIP: //p' "$tmp/core")"
          fi ;;
      1) result gl33 FAIL "$(grep -E '^(FAIL|GL_VERSION):' "$tmp/core" | paste -sd ';' -)" ;;
      *) result gl33 FAIL "$(status_text "$rc")" ;;
    esac
  fi

  # kmscube: its main loop stops at a readable stdin, so stdin is a FIFO nobody writes
  # (opened read-write: no blocking open, never readable).
  t0=$(date +%s)
  if ! command -v kmscube >/dev/null; then result kmscube SKIP "kmscube not installed (apt-get install kmscube)"
  elif [ -z "$card" ]; then result kmscube FAIL "no virtio-gpu card node"
  else
    mkfifo "$tmp/stdin"
    rc=0; timeout 150 kmscube -D "$card" -c "$KMSCUBE_FRAMES" -v 640x480 <>"$tmp/stdin" >"$tmp/kms" 2>&1 || rc=$?
    show "$tmp/kms"
    out=$(sed -n 's/^ *renderer: "\(.*\)"$/\1/p' "$tmp/kms")
    if [ "$rc" != 0 ]; then result kmscube FAIL "$(status_text "$rc")"
    elif grep -q 'user interrupted' "$tmp/kms"; then result kmscube FAIL "stopped early (stdin)"
    else case $out in
      *"$want"*) result kmscube PASS "$KMSCUBE_FRAMES frames on $card, renderer $out" ;;
      *) result kmscube FAIL "renderer \"$out\" lacks \"$want\"" ;;
    esac; fi
  fi

  # glmark2: --validate reads back pixels of each scene and compares with references.
  t0=$(date +%s)
  if ! command -v glmark2-es2-drm >/dev/null; then result glmark2 SKIP "glmark2-es2-drm not installed (apt-get install glmark2-es2-drm)"
  elif [ -z "$card" ]; then result glmark2 FAIL "no virtio-gpu card node"
  else
    rc=0; timeout 150 glmark2-es2-drm -b build --validate --winsys-options "drm-device=$card" >"$tmp/gm" 2>&1 || rc=$?
    show "$tmp/gm"
    out=$(sed -n 's/^ *GL_RENDERER: *//p' "$tmp/gm")
    if [ "$rc" != 0 ]; then result glmark2 FAIL "$(status_text "$rc")"
    elif ! grep -q '^\[build\].*Validation: Success' "$tmp/gm"; then
      result glmark2 FAIL "$(grep -m1 'Validation' "$tmp/gm" || echo 'no validation result')"
    else case $out in
      *"$want"*) result glmark2 PASS "build scene validated, renderer $out" ;;
      *) result glmark2 FAIL "renderer \"$out\" lacks \"$want\"" ;;
    esac; fi
  fi
  rm -rf "$tmp"
}
if [ "${1:-}" = --in-guest ]; then
  in_guest "$2" "$3"
  exit 0
fi

# ------------------------------------------------------------------- host side
LIB="${CARGO_TARGET_DIR:-$ROOT/target}/release/libvirglrenderer.so"
EXPECT=fallback KEEP=0
RUNNER=${VIRGL_SHIM_VM_RUN:-$ROOT/tests/vm/vm.sh}
usage() { sed -n '2,41p' "$SELF" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --lib) [ $# -ge 2 ] || usage; LIB=$2; shift 2 ;;
    --expect) [ $# -ge 2 ] || usage; EXPECT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) usage ;;
  esac
done
case $EXPECT in virgl) WANT=virgl ;; fallback) WANT=llvmpipe ;; *) usage ;; esac
if [ -d "$LIB" ]; then
  if [ -e "$LIB/libvirglrenderer.so.1" ]; then LIB="$LIB/libvirglrenderer.so.1"; else LIB="$LIB/libvirglrenderer.so"; fi
fi
[ -e "$LIB" ] || { echo "gl-3d: no library at $LIB" >&2; exit 2; }
[ -x "$RUNNER" ] || { echo "gl-3d: runner $RUNNER not found (set VIRGL_SHIM_VM_RUN)" >&2; exit 2; }
LIBREAL=$(realpath "$LIB")

JOB=$(mktemp -d /tmp/virgl-shim-gl-3d.XXXXXX)
RPID=""
cleanup() {
  if [ -n "$RPID" ]; then kill "$RPID" 2>/dev/null || true; fi
  if [ "$KEEP" = 1 ]; then echo "gl-3d: kept $JOB"; else rm -rf "$JOB"; fi
}
trap cleanup EXIT
mkdir -p "$JOB/lib"
ln -s "$LIBREAL" "$JOB/lib/libvirglrenderer.so.1"
# shellcheck disable=SC2046 # pkg-config prints several words
cc -O2 -Wall -o "$JOB/gles2_triangle" "$ROOT/tests/progs/gles2_triangle.c" \
  $(pkg-config --cflags --libs egl glesv2 gbm) \
  || { echo "gl-3d: cannot build gles2_triangle (needs gcc, libegl-dev, libgles-dev, libgbm-dev)" >&2; exit 2; }
# shellcheck disable=SC2046 # pkg-config prints several words
cc -O2 -Wall -o "$JOB/gl33_core" "$ROOT/tests/progs/gl33_core.c" \
  $(pkg-config --cflags --libs egl opengl gbm) \
  || { echo "gl-3d: cannot build gl33_core (needs gcc, libegl-dev, libopengl-dev, libgbm-dev)" >&2; exit 2; }

echo "gl-3d: library $LIBREAL, expect $EXPECT (GL_RENDERER ~ \"$WANT\")"
T0=$SECONDS
# The guest in the background; find its QEMU (a descendant of the runner) meanwhile.
(cd "$JOB" && VM_GPU=gl VM_LIBDIR="$JOB/lib" VM_TIMEOUT=${VIRGL_SHIM_GL_TIMEOUT:-500} \
  exec "$RUNNER" -- bash "$SELF" --in-guest "$WANT" "$JOB/gles2_triangle") >"$JOB/out.txt" 2>&1 &
RPID=$!
descends_from() { # PID ANCESTOR
  local p=$1
  while [ -n "$p" ] && [ "$p" -gt 1 ]; do
    [ "$p" != "$2" ] || return 0
    p=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null) || return 1
  done
  return 1
}
MAPS_OK=0 MAPS_MSG="no QEMU process of this run seen"
while kill -0 "$RPID" 2>/dev/null; do
  for q in $(pgrep -f qemu-system 2>/dev/null || true); do
    descends_from "$q" "$RPID" || continue
    grep -q 'libvirglrenderer' "/proc/$q/maps" 2>/dev/null || continue
    mapped=$(grep -o '/[^ ]*libvirglrenderer[^ ]*' "/proc/$q/maps" 2>/dev/null | sort -u || true)
    if [ "$mapped" = "$LIBREAL" ]; then MAPS_OK=1 MAPS_MSG="QEMU (pid $q) maps $LIBREAL only"
    else MAPS_OK=0 MAPS_MSG="QEMU (pid $q) maps: ${mapped//$'\n'/ }"; fi
  done
  [ "$MAPS_OK" = 0 ] || break
  sleep 0.5
done
RRC=0; wait "$RPID" || RRC=$?
RPID=""
tr -d '\r' <"$JOB/out.txt" >"$JOB/out" # the guest's output comes through virtio consoles
grep -v '^RESULT ' "$JOB/out" | sed 's/^/  /' || true
if [ "$RRC" = 124 ] || [ "$RRC" = 125 ]; then echo "gl-3d: runner failed (exit $RRC)" >&2; exit 2; fi

PASSED=0 FAILED=0 SKIPPED=0
report() { # NAME VERDICT REASON
  echo "$2: $1 - $3"
  case $2 in PASS) PASSED=$((PASSED + 1)) ;; SKIP) SKIPPED=$((SKIPPED + 1)) ;; *) FAILED=$((FAILED + 1)) ;; esac
}
if [ "$MAPS_OK" = 1 ]; then report library PASS "$MAPS_MSG"; else report library FAIL "$MAPS_MSG"; fi
for c in triangle gl33 kmscube glmark2; do
  line=$(grep -m1 "^RESULT $c " "$JOB/out" || true)
  if [ -z "$line" ]; then report "$c" FAIL "no result from the guest (runner exit $RRC)"; continue; fi
  read -r _ _ verdict reason <<<"$line"
  report "$c" "$verdict" "$reason"
done
echo "gl-3d: $((SECONDS - T0)) s (expect $EXPECT)"
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" = 0 ]
