#!/usr/bin/env bash
# benches/vtest-draw.sh [--draws N] [--rounds R] [--runs K]
#
# Draw-call overhead through vtest, ours against Debian's virglrenderer in the same run:
# tests/progs/draw_rate.c (GLES 2.0, Mesa's virgl driver on the vtest winsys:
# GALLIUM_DRIVER=virpipe) against Debian's virgl_test_server, once with our library
# (target/release) and once with Debian's libvirglrenderer.so.1, alternating K times.
# Prints every run's rates and the best of each library, in draws per second:
#   plain    glDrawArrays of one triangle
#   uniform  glUniform4f + glDrawArrays
# Needs virgl-server, gcc and the EGL/GLES headers; exits 77 (skip) without them.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DRAWS=5000 ROUNDS=5 RUNS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --draws) DRAWS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    *) sed -n '2,12p' "$0" >&2; exit 2 ;;
  esac
done
SERVER=/usr/bin/virgl_test_server
[ -x "$SERVER" ] || { echo "vtest-draw: SKIP: no $SERVER"; exit 77; }
OURS="${CARGO_TARGET_DIR:-$ROOT/target}/release/libvirglrenderer.so"
[ -e "$OURS" ] || { echo "vtest-draw: no $OURS (cargo build --release)"; exit 2; }
UPSTREAM=/usr/lib/x86_64-linux-gnu/libvirglrenderer.so.1
TMP=$(mktemp -d /tmp/virgl-shim-vtest-draw.XXXXXX)
SPID=""
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  if [ -n "$SPID" ]; then kill "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
# shellcheck disable=SC2046 # pkg-config prints several words
cc -O2 -Wall -o "$TMP/draw_rate" "$ROOT/tests/progs/draw_rate.c" \
  $(pkg-config --cflags --libs egl glesv2) || { echo "vtest-draw: SKIP: cannot build"; exit 77; }

# run LIB -> prints "plain uniform"
run() {
  local lib=$1 sock="$TMP/s.$RANDOM"
  rm -rf "$TMP/lib"; mkdir "$TMP/lib"; ln -s "$(realpath "$lib")" "$TMP/lib/libvirglrenderer.so.1"
  LD_LIBRARY_PATH="$TMP/lib" VIRGL_SHIM_LOG=error "$SERVER" --use-egl-surfaceless \
    "--socket-path=$sock" >"$TMP/server.log" 2>&1 &
  SPID=$!
  for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
  local out
  out=$(GALLIUM_DRIVER=virpipe VTEST_SOCKET_NAME="$sock" timeout 300 \
    "$TMP/draw_rate" --draws "$DRAWS" --rounds "$ROUNDS" 2>&1) || { echo "$out" >&2; echo "0 0"; }
  kill "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; SPID=""
  echo "$(awk '/^RATE plain/{p=$3} /^RATE uniform/{u=$3} END{print p+0, u+0}' <<<"$out")"
}

best_o=(0 0) best_u=(0 0)
echo "vtest-draw: $DRAWS draws x $ROUNDS rounds (best round), $RUNS runs per library"
for i in $(seq "$RUNS"); do
  read -r op ou <<<"$(run "$OURS")"
  read -r up uu <<<"$(run "$UPSTREAM")"
  echo "run $i: ours plain $op uniform $ou | upstream plain $up uniform $uu"
  [ "$op" -gt "${best_o[0]}" ] && best_o[0]=$op
  [ "$ou" -gt "${best_o[1]}" ] && best_o[1]=$ou
  [ "$up" -gt "${best_u[0]}" ] && best_u[0]=$up
  [ "$uu" -gt "${best_u[1]}" ] && best_u[1]=$uu
done
echo "best: ours plain ${best_o[0]} uniform ${best_o[1]} | upstream plain ${best_u[0]} uniform ${best_u[1]}"
