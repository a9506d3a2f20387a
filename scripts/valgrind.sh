#!/usr/bin/env bash
# Runs the meson C tests under valgrind memcheck (CPU backend, then the library's own
# choice, GL on llvmpipe). Fails on any memcheck error or definite leak.
#
#   scripts/valgrind.sh [builddir]     (default: build, the CI build directory)
#
# Suppressions for Mesa / llvmpipe / EGL loader noise: tests/c/valgrind.supp.
set -euo pipefail
cd "$(dirname "$0")/.."
builddir=${1:-build}
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)"; exit 1; }
[ -d "$builddir" ] || meson setup "$builddir"
meson compile -C "$builddir"
wrapper="valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite"
wrapper+=" --suppressions=$PWD/tests/c/valgrind.supp --gen-suppressions=all --num-callers=30 --trace-children=yes"
# The abi test is a shell script (nm, cc); memcheck runs on the test programs only
# (--trace-children: api-auto runs test_api through env).
meson test -C "$builddir" --wrapper "$wrapper" --timeout-multiplier 10 --print-errorlogs api-cpu api-auto
