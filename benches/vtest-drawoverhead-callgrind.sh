#!/usr/bin/env bash
# benches/vtest-drawoverhead-callgrind.sh [--tests "1 2"] [--duration S]
#
# Instructions per draw of piglit's drawoverhead rows through vtest, ours (target/release,
# level 2) and Debian's library in the same run: Debian's virgl_test_server under
# callgrind (LP_NUM_THREADS=0, one dump per virgl_renderer_submit_cmd); per draw = a steady
# submit's instructions (the 5th, 4th and 3rd submit from the last) divided by its calls
# into libgallium's draw, found as the function both libraries call once per draw (the
# callee of glDrawArrays/glDrawElements at LIBGALLIUM_DRAW, default offset 0x172ef0 in
# mesa-libgallium 25.0.7-2~bpo12+1; set it for another Mesa). Load-independent, unlike
# benches/vtest-drawoverhead.sh; each run takes about a minute per row and library.
# Needs valgrind, piglit, virgl-server. Exit 77 (SKIP) when one is missing.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TESTS="1 2" DUR=20
while [ $# -gt 0 ]; do
  case "$1" in
    --tests) TESTS=$2; shift 2 ;;
    --duration) DUR=$2; shift 2 ;;
    *) sed -n '2,12p' "$0" >&2; exit 2 ;;
  esac
done
SERVER=/usr/bin/virgl_test_server
PROG=${PIGLIT_DIR:-/usr/lib/x86_64-linux-gnu/piglit}/bin/drawoverhead
DRAW=${LIBGALLIUM_DRAW:-0x0000000000172ef0}
for t in valgrind callgrind_annotate "$SERVER" "$PROG"; do
  command -v "$t" >/dev/null || { echo "vtest-drawoverhead-callgrind: SKIP: no $t"; exit 77; }
done
OURS="${CARGO_TARGET_DIR:-$ROOT/target}/release/libvirglrenderer.so"
[ -e "$OURS" ] || { echo "vtest-drawoverhead-callgrind: no $OURS (cargo build --release)"; exit 2; }
TMP=$(mktemp -d /tmp/virgl-shim-cg.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

measure() { # lib-name row -> "instructions draws per-draw"
  local name=$1 row=$2 out="$TMP/$1.$2" envs=(LP_NUM_THREADS=0 VIRGL_SHIM_LOG=error VIRGL_SHIM_3D_LEVEL=2)
  mkdir -p "$out/lib"
  if [ "$name" = ours ]; then
    ln -s "$(realpath "$OURS")" "$out/lib/libvirglrenderer.so.1"
    envs+=(LD_LIBRARY_PATH="$out/lib")
  fi
  env "${envs[@]}" valgrind --tool=callgrind --callgrind-out-file="$out/cg.%p" \
    --dump-before=virgl_renderer_submit_cmd "$SERVER" --use-egl-surfaceless \
    --socket-path="$out/sock" >"$out/server.log" 2>&1 &
  local spid=$!
  for _ in $(seq 600); do [ -S "$out/sock" ] && break; sleep 0.1; done
  GALLIUM_DRIVER=virpipe VTEST_SOCKET_NAME="$out/sock" PIGLIT_PLATFORM=surfaceless_egl \
    LP_NUM_THREADS=0 timeout 600 "$PROG" -fbo -nocolor -test "$row" -duration "$DUR" \
    >"$out/client.out" 2>&1 || true
  sleep 2; kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true
  local f s n
  for f in $(ls "$out"/cg.*.* 2>/dev/null | sort -t. -k3 -n | tail -5 | head -3); do
    s=$(grep -m1 '^summary' "$f" | cut -d' ' -f2)
    n=$(callgrind_annotate --tree=caller --inclusive=yes "$f" 2>/dev/null |
      grep -B3 "\*  ???:$DRAW " | grep -o '([0-9,]*x)' | tr -d '(),x' | awk '{s += $1} END {print s + 0}')
    if [ "$n" -gt 0 ]; then echo "$s $n $((s / n))"; fi
  done | tail -1
}

echo "| row | ours instructions / draw | upstream | ours / upstream |"
echo "|---|---|---|---|"
for row in $TESTS; do
  o=$(measure ours "$row"); u=$(measure upstream "$row")
  op=${o##* } up=${u##* }
  awk -v r="$row" -v o="${op:-}" -v u="${up:-}" 'BEGIN {
    printf "| %s | %s | %s | %s |\n", r, (o == "" ? "n/a" : o), (u == "" ? "n/a" : u),
      (o == "" || u == "" ? "n/a" : sprintf("%.3f", o / u)) }'
done
