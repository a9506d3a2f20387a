#!/usr/bin/env bash
# Runs the side-by-side transfer benchmark (benches/transfer/main.rs) and keeps its report.
#   scripts/bench.sh            full mode (5 runs per implementation, ~80 s on 2 cores)
#   scripts/bench.sh --quick    the short mode CI runs (checks data, asserts no timing)
# Extra arguments go to the benchmark: --reps N, --only memcpy,shim-gl,shim-cpu,upstream,scale,
# --budget-ms MS (time per workload per run), --res-flags N (2D resource flags; default 1 =
# Y_0_TOP, what QEMU passes), --scale-count N.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/bench-transfer.md
mkdir -p target
cargo bench --bench transfer -- "$@" | tee "$out"
echo "report written to $out" >&2
