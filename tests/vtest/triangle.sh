#!/usr/bin/env bash
# tests/vtest/triangle.sh [--lib ours|upstream|DIR|FILE] [--keep]
#
# A GLES2 triangle through vtest, on the host, no VM: starts Debian's virgl_test_server
# (package virgl-server) with LD_LIBRARY_PATH on the library under test, on a temporary
# socket, and runs tests/progs/gles2_triangle --surfaceless --expect-renderer virgl
# through it (GALLIUM_DRIVER=virpipe VTEST_SOCKET_NAME=SOCKET: Mesa's virgl driver on
# the vtest winsys), then stops the server.
#
#   --lib ours       $CARGO_TARGET_DIR (else target)/release/libvirglrenderer.so (default)
#   --lib upstream   /usr/lib/x86_64-linux-gnu/libvirglrenderer.so.1 (Debian's 0.10.4:
#                    the reference, "virgl (LLVMPIPE ...)", must pass)
#   --lib DIR|FILE   DIR/libvirglrenderer.so.1 (or .so), or that file
#   --keep           keep the temporary directory (server log)
#
# The server must map the library under test and no other libvirglrenderer
# (/proc/PID/maps of the forked per-client server while the client runs is not
# reachable reliably, so the parent's maps are checked after it has initialised).
#
# Exit: 0 pass; 1 the client failed (wrong renderer, wrong pixels, crash, timeout) or
# the server died or mapped another library; 77 skip (no virgl_test_server, compiler or
# EGL/GLES headers; or no GLES through vtest); 2 usage.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WHICH=ours KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --lib) [ $# -ge 2 ] || { sed -n '2,23p' "$0" >&2; exit 2; }; WHICH=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) sed -n '2,23p' "$0" >&2; exit 2 ;;
  esac
done
case "$WHICH" in
  ours) LIB="${CARGO_TARGET_DIR:-$ROOT/target}/release/libvirglrenderer.so" ;;
  upstream) LIB=/usr/lib/x86_64-linux-gnu/libvirglrenderer.so.1 ;;
  *) LIB=$WHICH ;;
esac
if [ -d "$LIB" ]; then
  if [ -e "$LIB/libvirglrenderer.so.1" ]; then LIB="$LIB/libvirglrenderer.so.1"; else LIB="$LIB/libvirglrenderer.so"; fi
fi
[ -e "$LIB" ] || { echo "vtest-triangle: no library at $LIB" >&2; exit 2; }
LIBREAL=$(realpath "$LIB")
SERVER=${VIRGL_TEST_SERVER:-/usr/bin/virgl_test_server}
[ -x "$SERVER" ] || { echo "vtest-triangle: SKIP: no $SERVER (apt-get install virgl-server)"; exit 77; }

TMP=$(mktemp -d /tmp/virgl-shim-vtest-tri.XXXXXX)
SPID=""
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  if [ -n "$SPID" ]; then kill "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; fi
  if [ "$KEEP" = 1 ]; then echo "vtest-triangle: kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
mkdir "$TMP/lib"
ln -s "$LIBREAL" "$TMP/lib/libvirglrenderer.so.1"
# shellcheck disable=SC2046 # pkg-config prints several words
if ! cc -O2 -Wall -o "$TMP/gles2_triangle" "$ROOT/tests/progs/gles2_triangle.c" \
    $(pkg-config --cflags --libs egl glesv2 gbm) 2>"$TMP/cc.log"; then
  cat "$TMP/cc.log"
  echo "vtest-triangle: SKIP: cannot build gles2_triangle (needs gcc, libegl-dev, libgles-dev, libgbm-dev)"
  exit 77
fi

SOCK="$TMP/vtest.sock"
echo "vtest-triangle: library $LIBREAL"
LD_LIBRARY_PATH="$TMP/lib" VIRGL_SHIM_LOG=${VIRGL_SHIM_LOG:-info} \
  "$SERVER" --use-egl-surfaceless "--socket-path=$SOCK" >"$TMP/server.log" 2>&1 &
SPID=$!
for _ in $(seq 100); do
  if [ -S "$SOCK" ] || ! kill -0 "$SPID" 2>/dev/null; then break; fi
  sleep 0.1
done
if ! [ -S "$SOCK" ]; then
  sed 's/^/  server: /' "$TMP/server.log"
  echo "vtest-triangle: FAIL: the server did not create $SOCK"
  exit 1
fi
mapped=$(grep -o '/[^ ]*libvirglrenderer[^ ]*' "/proc/$SPID/maps" 2>/dev/null | sort -u || true)
if [ "$mapped" != "$LIBREAL" ]; then
  echo "vtest-triangle: FAIL: the server maps '${mapped//$'\n'/ }', not $LIBREAL only"
  exit 1
fi

set +e
GALLIUM_DRIVER=virpipe VTEST_SOCKET_NAME="$SOCK" timeout -k 5 60 \
  "$TMP/gles2_triangle" --surfaceless --expect-renderer virgl >"$TMP/client.log" 2>&1
RC=$?
set -e
sed 's/^/  client: /' "$TMP/client.log"
alive=yes; kill -0 "$SPID" 2>/dev/null || alive=no
sed 's/^/  server: /' "$TMP/server.log" | tail -n 30
case $RC in
  0) echo "vtest-triangle: PASS ($WHICH)"; exit 0 ;;
  77) echo "vtest-triangle: SKIP ($WHICH): no EGL/GLES through vtest"; exit 77 ;;
  124|137) why="client timed out after 60 s" ;;
  1) why="client reported a failure" ;;
  *) why="client exit status $RC"; [ "$RC" -le 128 ] || why="$why (signal $((RC - 128)))" ;;
esac
echo "vtest-triangle: FAIL ($WHICH): $why; server alive: $alive"
exit 1
