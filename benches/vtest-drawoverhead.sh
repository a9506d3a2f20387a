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
# and ours/upstream, rows matched by test name (the test numbers differ: upstream's
# capsets add image rows) and numbered as upstream's. --tests runs only those
# drawoverhead test numbers (-test N each; numbered as each library's own list).
# Needs virgl-server and piglit; exits 77 (skip) without them.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=3 TESTS="" LEVEL=2
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --tests) TESTS=$2; shift 2 ;;
    --level) LEVEL=$2; shift 2 ;;
    *) sed -n '2,15p' "$0" >&2; exit 2 ;;
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

# table OURS UPSTREAM -> "number<TAB>name<TAB>ours<TAB>upstream" per test name, in upstream's
# order (a row only one library ran shows "-" for the other)
table() {
  awk -F'\t' 'NR == FNR {o[$2] = $3; on[$2] = $1; next}
    {u[$2] = $3; un[$2] = $1}
    END {for (k in u) printf "%d\t%s\t%s\t%s\n", un[k], k, (k in o) ? o[k] : "-", u[k];
         for (k in o) if (!(k in u)) printf "%d\t%s\t%s\t-\n", 1000 + on[k], k, o[k]}' "$1" "$2" |
    sort -n -k1,1
}

echo "vtest-drawoverhead: $RUNS runs per library, ours at VIRGL_SHIM_3D_LEVEL=$LEVEL; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$RUNS"); do
  run ours "$OURS" "$i" VIRGL_SHIM_3D_LEVEL="$LEVEL"
  run upstream "$UPSTREAM" "$i"
  echo "run $i (thousand draws/s; rows matched by name, numbered as upstream's: its GL 4.x"
  echo "capsets add the image rows, which ours at level 2 lacks):"
  table "$TMP/ours.$i.txt" "$TMP/upstream.$i.txt" | awk -F'\t' '{printf "  %3s %-62s %6s | %6s\n", $1, $2, $3, $4}'
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| # | drawoverhead test | ours (best of $RUNS) | upstream (best of $RUNS) | ours/upstream |"
echo "|---|---|---|---|---|"
best() { awk -F'\t' '{if ($3 > b[$2]) b[$2] = $3; n[$2] = $1} END{for (k in b) printf "%d\t%s\t%d\n", n[k], k, b[k]}' "$@"; }
best "$TMP"/ours.*.txt >"$TMP/ours.best"
best "$TMP"/upstream.*.txt >"$TMP/upstream.best"
table "$TMP/ours.best" "$TMP/upstream.best" | awk -F'\t' '{nm = $2; gsub(/\|/, "\\|", nm);
  r = ($3 != "-" && $4 != "-" && $4 > 0) ? sprintf("%.2fx", $3 / $4) : "n/a";
  printf "| %s | %s | %s | %s | %s |\n", $1, nm, $3, $4, r}'
