#!/usr/bin/env bash
# benches/vtest-drawoverhead.sh [--runs K] [--tests "1 2 ..."] [--level N]
#
# piglit's drawoverhead (GL 3.x core, -fbo) through vtest, ours against Debian's
# virglrenderer in the same run: Mesa's virgl driver on the vtest winsys
# (GALLIUM_DRIVER=virpipe) against Debian's virgl_test_server, once with our library
# (target/release, run with VIRGL_SHIM_3D_LEVEL=N, default 2: drawoverhead needs GL 3.x)
# and once with Debian's libvirglrenderer.so.1, alternating K times (default 3).
# drawoverhead measures the client's draw-call rate (thousands of draws per second, no
# glFinish per draw): the server's cost shows where it holds the client back.
# Prints every run's rows and a markdown table: each row's best of K for both libraries
# and ours/upstream. --tests runs only those drawoverhead test numbers (-test N each).
# Needs virgl-server and piglit; exits 77 (skip) without them.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=3 TESTS="" LEVEL=2
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --tests) TESTS=$2; shift 2 ;;
    --level) LEVEL=$2; shift 2 ;;
    *) sed -n '2,13p' "$0" >&2; exit 2 ;;
  esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "vtest-drawoverhead: --runs wants a number" >&2; exit 2; }
SERVER=/usr/bin/virgl_test_server
PIGLIT_DIR=${PIGLIT_DIR:-/usr/lib/x86_64-linux-gnu/piglit}
PROG=$PIGLIT_DIR/bin/drawoverhead
[ -x "$SERVER" ] || { echo "vtest-drawoverhead: SKIP: no $SERVER"; exit 77; }
[ -x "$PROG" ] || { echo "vtest-drawoverhead: SKIP: no $PROG (piglit)"; exit 77; }
OURS="${CARGO_TARGET_DIR:-$ROOT/target}/release/libvirglrenderer.so"
[ -e "$OURS" ] || { echo "vtest-drawoverhead: no $OURS (cargo build --release)"; exit 2; }
UPSTREAM=/usr/lib/x86_64-linux-gnu/libvirglrenderer.so.1
TMP=$(mktemp -d /tmp/virgl-shim-vtest-drawoverhead.XXXXXX)
SPID=""
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  if [ -n "$SPID" ]; then kill "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# run NAME LIB [ENV...] -> writes $TMP/NAME.RUN.txt: "number<TAB>name<TAB>kdraws" per row
run() {
  local name=$1 lib=$2 i=$3 sock="$TMP/s.$RANDOM" t
  shift 3
  rm -rf "$TMP/lib"; mkdir "$TMP/lib"; ln -s "$(realpath "$lib")" "$TMP/lib/libvirglrenderer.so.1"
  env "$@" LD_LIBRARY_PATH="$TMP/lib" VIRGL_SHIM_LOG=error "$SERVER" --use-egl-surfaceless \
    "--socket-path=$sock" >"$TMP/server-$name.log" 2>&1 &
  SPID=$!
  for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
  : >"$TMP/$name.$i.out"
  local args=()
  if [ -n "$TESTS" ]; then for t in $TESTS; do args+=(-test "$t"); done; fi
  # One client per -test (drawoverhead takes one), or one for all tests.
  if [ ${#args[@]} -eq 0 ]; then args=(""); fi
  local a
  for ((a = 0; a < ${#args[@]}; a += 2)); do
    local sel=()
    [ -n "${args[$a]}" ] && sel=("${args[$a]}" "${args[$((a + 1))]}")
    GALLIUM_DRIVER=virpipe VTEST_SOCKET_NAME="$sock" PIGLIT_PLATFORM=surfaceless_egl \
      timeout 600 "$PROG" -fbo -nocolor "${sel[@]}" >>"$TMP/$name.$i.out" 2>&1 ||
      { echo "vtest-drawoverhead: $name run $i: drawoverhead failed:" >&2; tail -5 "$TMP/$name.$i.out" >&2; }
  done
  kill "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; SPID=""
  # "  12, DrawElements ( 8 VBO| ...) w/ 1/1 TBO change,     83, 15.5%"
  awk -F, '/^ *[0-9]+, /{n=$1+0; r=$(NF-1)+0; nm=$2; for (k=3; k<NF-1; k++) nm=nm "," $k;
    gsub(/^ +| +$/, "", nm); gsub(/ +/, " ", nm); printf "%d\t%s\t%d\n", n, nm, r}' \
    "$TMP/$name.$i.out" >"$TMP/$name.$i.txt"
}

echo "vtest-drawoverhead: $RUNS runs per library, ours at VIRGL_SHIM_3D_LEVEL=$LEVEL; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$RUNS"); do
  run ours "$OURS" "$i" VIRGL_SHIM_3D_LEVEL="$LEVEL"
  run upstream "$UPSTREAM" "$i"
  echo "run $i (thousand draws/s, ours | upstream):"
  join -t $'\t' -j1 <(sort -k1,1 "$TMP/ours.$i.txt") <(sort -k1,1 "$TMP/upstream.$i.txt") |
    sort -n | awk -F'\t' '{printf "  %3d %-62s %6d | %6d\n", $1, $2, $3, $5}'
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| # | drawoverhead test | ours (best of $RUNS) | upstream (best of $RUNS) | ours/upstream |"
echo "|---|---|---|---|---|"
best() { cat "$TMP/$1".*.txt | awk -F'\t' '{if ($3 > b[$1]) b[$1] = $3; n[$1] = $2} END{for (k in b) printf "%d\t%s\t%d\n", k, n[k], b[k]}' | sort -k1,1; }
join -t $'\t' -a1 -a2 -e 0 -o 0,1.2,2.2,1.3,2.3 <(best ours) <(best upstream) | sort -n |
  awk -F'\t' '{nm = ($2 != "0") ? $2 : $3; gsub(/\|/, "\\|", nm); r = ($5 > 0) ? sprintf("%.2fx", $4 / $5) : "n/a";
    printf "| %d | %s | %d | %d | %s |\n", $1, nm, $4, $5, r}'
