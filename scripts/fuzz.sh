#!/usr/bin/env bash
# Builds and runs every cargo-fuzz target of fuzz/ for a bounded time.
#
#   scripts/fuzz.sh [seconds-per-target]     (default 20; CI runs it so)
#
# Only the stable toolchain is needed: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its nightly
# flags (-Zsanitizer=address, sancov). Corpora live in fuzz/corpus/<target> (git-ignored),
# seeded from the committed fuzz/seeds/<target>; crashes land in fuzz/artifacts/<target>
# and make this script fail. Turn each into a test in tests/fuzz_regressions.rs (or
# tests/draw_gl.rs when it needs GL).
#
# draw_gl runs on the GL backend (llvmpipe through EGL surfaceless at least) whatever
# VIRGL_SHIM_FUZZ_BACKEND says for the others, with leak detection off (-detect_leaks=0 and
# ASAN_OPTIONS=detect_leaks=0: Mesa's allocations outlive the process and LeakSanitizer
# reports them at exit) and inputs up to 2048 bytes from the start (sequences of
# operations, not libFuzzer's slowly growing length); the other targets take
# VIRGL_SHIM_FUZZ_BACKEND=gl too.
#
# Long run (hours, one target, all cores, resumable):
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -O api_sequence fuzz/corpus/api_sequence fuzz/seeds/api_sequence \
#       -- -fork=$(nproc) -max_total_time=14400 -rss_limit_mb=4096 -print_final_stats=1
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
export RUSTC_BOOTSTRAP=1
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
targets=(api_sequence submit_cmd transfer_plan protocol_decode shader_tgsi draw_gl vtest_stream vtest_server)
( cd fuzz && cargo fuzz build -O )
status=0
for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t" "fuzz/seeds/$t"
    log=$(mktemp)
    echo "== $t (${secs}s)"
    envs=() extra=()
    if [ "$t" = draw_gl ]; then
        envs=(ASAN_OPTIONS=detect_leaks=0) extra=(-detect_leaks=0 -max_len=2048 -len_control=0)
    fi
    if [ "$t" = vtest_server ] || [ "$t" = vtest_stream ]; then
        extra=(-dict=dicts/vtest.dict)
    fi
    if ! ( cd fuzz && env "${envs[@]}" cargo fuzz run -O "$t" "corpus/$t" "seeds/$t" -- \
            -max_total_time="$secs" -rss_limit_mb=4096 -print_final_stats=1 "${extra[@]}" ) \
            >"$log" 2>&1; then
        status=1
        grep -E "panicked|ERROR|SUMMARY|artifact|Test unit" "$log" | head -20 || true
        echo "== $t: FAILED (full log: $log)"
        continue
    fi
    grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$log" | tail -2
    rm -f "$log"
done
exit $status
