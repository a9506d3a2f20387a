#!/bin/sh
# Runs inside the VM (tests/vm/vm.sh): every test of each Rust test binary given, one
# process per test (the C API holds one renderer per process), the #[ignore]d device tests
# included (--include-ignored): they fail where their device is missing (tests/common/mod.rs).
# A test counts as passed only when libtest ran it and says "1 passed".
# Prints "PASS name" / "FAIL name" per test and "N passed, N failed" last.
# VIRGL_SHIM_TEST_VM=1: the tests also check what this VM's devices are known to do.
export VIRGL_SHIM_TEST_VM=1
export RUST_BACKTRACE=1
pass=0; failn=0; failed=""
[ -e /dev/udmabuf ] || echo "guest: /dev/udmabuf is missing (the tests will fail)"
# An argument "ignored-only:BIN" runs only BIN's #[ignore]d tests (the library's unit tests).
for arg in "$@"; do
  bin=${arg#ignored-only:}
  only=""; [ "$bin" = "$arg" ] || only=--ignored
  for t in $("$bin" --list --format terse $only 2>/dev/null | sed -n 's/: test$//p'); do
    if out=$("$bin" --exact "$t" --include-ignored --nocapture --test-threads 1 2>&1) &&
      echo "$out" | grep -q '^test result: ok\. 1 passed;'; then
      pass=$((pass + 1)); echo "PASS $t"
      echo "$out" | grep -E '^(NOTE|EGL)' | sed 's/^/    /'
    else
      failn=$((failn + 1)); failed="$failed $t"; echo "FAIL $t"
      echo "$out" | tail -n 25 | sed 's/^/    /'
    fi
  done
done
[ -z "$failed" ] || echo "failed:$failed"
echo "$pass passed, $failn failed"
[ "$failn" -eq 0 ] && [ "$pass" -gt 0 ]
