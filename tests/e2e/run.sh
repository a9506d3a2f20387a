#!/usr/bin/env bash
# tests/e2e/run.sh [--lib DIR|FILE] [--keep]
#
# End-to-end test of virgl-shim under a real QEMU: boots a Debian bookworm 6.1
# kernel under `qemu-system-x86_64 -accel tcg` with `-device virtio-gpu-gl-pci`,
# where QEMU loads OUR libvirglrenderer.so.1, runs tests/e2e/guest/virtio_gpu_test.c
# as the initramfs payload, and reports its PASS/FAIL/XFAIL/XPASS lines.
#
#   --lib DIR   directory holding libvirglrenderer.so.1 or libvirglrenderer.so
#               (or the library file itself); default target/release/libvirglrenderer.so
#   --keep      keep the job directory (serial.log, qemu.log, initramfs)
#
# Environment:
#   VIRGL_SHIM_E2E_CACHE=/var/tmp/virgl-shim-e2e-cache  kernel .deb + extracted modules
#   VIRGL_SHIM_E2E_TIMEOUT=180   seconds before QEMU is killed
#   VIRGL_SHIM_E2E_KERNEL_DEB=…  use this linux-image-*.deb instead of apt-get download
#   VIRGL_SHIM_E2E_VERBOSE=1     print the whole serial console and QEMU log
#   VIRGL_SHIM_LOG=info          passed to the library (default info)
#
# Exit status: 0 when every case passed or failed as expected (XFAIL); 1 on any
# FAIL/XPASS, a missing result, a QEMU crash or non-zero exit, a timeout, or when the
# library mapped into QEMU is not ours; 2 on usage/infrastructure errors.
# The last line of output is always "N passed, N failed".
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CACHE=${VIRGL_SHIM_E2E_CACHE:-/var/tmp/virgl-shim-e2e-cache}
TIMEOUT=${VIRGL_SHIM_E2E_TIMEOUT:-180}
VERBOSE=${VIRGL_SHIM_E2E_VERBOSE:-0}
LIB=""
KEEP=0

PASSED=0
FAILED=0
summary() { echo "$PASSED passed, $FAILED failed"; }
infra() { echo "e2e: $*" >&2; FAILED=$((FAILED + 1)); summary; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --lib) [ $# -ge 2 ] || infra "--lib needs an argument"; LIB=$2; shift 2 ;;
    --lib=*) LIB=${1#--lib=}; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) infra "unknown argument: $1" ;;
  esac
done

# ---------------------------------------------------------------- the library
if [ -z "$LIB" ]; then
  LIBFILE="$ROOT/target/release/libvirglrenderer.so"
elif [ -d "$LIB" ]; then
  if [ -e "$LIB/libvirglrenderer.so.1" ]; then LIBFILE="$LIB/libvirglrenderer.so.1"
  else LIBFILE="$LIB/libvirglrenderer.so"; fi
else
  LIBFILE=$LIB
fi
[ -f "$LIBFILE" ] || infra "library not found: $LIBFILE (run cargo build --release)"
LIBFILE=$(realpath "$LIBFILE")

for tool in qemu-system-x86_64 busybox gcc cpio xz apt-get dpkg-deb; do
  command -v "$tool" >/dev/null || infra "$tool not found (see scripts/install-deps.sh)"
done
[ -e /usr/include/libdrm/drm.h ] || infra "libdrm headers missing (libdrm-dev)"

# ---------------------------------------------------- kernel + modules (cached)
MODS="virtio_pci virtio_gpu"   # plus their depends= closure
LOGP=e2e KERNEL_DEB=${VIRGL_SHIM_E2E_KERNEL_DEB:-}
# shellcheck source=../lib/guest-kernel.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/guest-kernel.sh"
KDIR=$(guest_kernel) || infra "kernel preparation failed"
echo "e2e: kernel $(cat "$KDIR/kver"), modules: $(tr '\n' ' ' <"$KDIR/modules.order")"

# -------------------------------------------------------------- job directory
JOB=$(mktemp -d /tmp/virgl-shim-e2e.XXXXXX)
QPID=""
cleanup() {
  local rc=$?
  if [ -n "$QPID" ]; then kill "$QPID" 2>/dev/null || true; wait "$QPID" 2>/dev/null || true; fi
  if [ "$KEEP" = 1 ]; then echo "e2e: job dir kept: $JOB" >&2; else rm -rf "$JOB"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---------------------------------------------------- guest program + initramfs
gcc -static -O2 -Wall -Wextra -Werror -I/usr/include/libdrm \
  -o "$JOB/virtio_gpu_test" "$HERE/guest/virtio_gpu_test.c" || infra "guest program build failed"
IR="$JOB/initramfs"
mkdir -p "$IR"/{bin,dev,proc,sys,lib/modules}
cp "$(command -v busybox)" "$IR/bin/busybox"
cp "$KDIR"/modules/*.ko "$IR/lib/modules/"
cp "$KDIR/modules.order" "$IR/modules.order"
cp "$JOB/virtio_gpu_test" "$IR/bin/virtio_gpu_test"
cat >"$IR/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules.order); do
  insmod /lib/modules/$m || echo "e2e-init: insmod $m failed"
done
echo "e2e-init: modules loaded, running the test"
/bin/virtio_gpu_test
echo "e2e-init: test program exited with $?"
sync
poweroff -f
sleep 10
EOF
chmod 755 "$IR/init"
(cd "$IR" && find . | cpio -o -H newc 2>/dev/null) >"$JOB/initramfs.cpio" || infra "cpio failed"

# The library directory QEMU sees: libvirglrenderer.so.1 -> our file.
mkdir -p "$JOB/lib"
ln -s "$LIBFILE" "$JOB/lib/libvirglrenderer.so.1"
read -r WANT_DEV WANT_INO < <(stat -L -c '%d %i' "$LIBFILE")
WANT_MAJ=$(( (WANT_DEV >> 8 & 0xfff) | (WANT_DEV >> 32 & ~0xfff) ))
WANT_MIN=$(( (WANT_DEV & 0xff) | (WANT_DEV >> 12 & ~0xff) ))
echo "e2e: library $LIBFILE (dev $WANT_MAJ:$WANT_MIN inode $WANT_INO)"

# ------------------------------------------------------------------------ QEMU
SERIAL="$JOB/serial.log"
QLOG="$JOB/qemu.log"
: >"$SERIAL"
T0=$(date +%s.%N)
SDL_VIDEODRIVER=offscreen LD_LIBRARY_PATH="$JOB/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
VIRGL_SHIM_LOG=${VIRGL_SHIM_LOG:-info} \
  timeout -k 5 "$TIMEOUT" qemu-system-x86_64 \
    -accel tcg -m 1024 -smp 2 -nodefaults -no-user-config -no-reboot \
    -device virtio-gpu-gl-pci -display sdl,gl=on \
    -kernel "$KDIR/vmlinuz" -initrd "$JOB/initramfs.cpio" \
    -append "console=ttyS0 loglevel=4 panic=-1 drm_kms_helper.fbdev_emulation=0" \
    -serial "file:$SERIAL" \
    </dev/null >"$QLOG" 2>&1 &
QPID=$!

# While QEMU runs: prove from /proc/PID/maps that the libvirglrenderer it mapped is
# our file (device + inode), and that no other libvirglrenderer is mapped.
# $QPID is timeout(1); QEMU is its child.
MAPS_OK=0; MAPS_MSG="QEMU exited before libvirglrenderer was seen in its maps"
for _ in $(seq 1 300); do
  kill -0 "$QPID" 2>/dev/null || break
  qemu_pid=$(pgrep -P "$QPID" -x qemu-system-x86 2>/dev/null | head -1 || true)
  [ -n "$qemu_pid" ] || qemu_pid=$(pgrep -P "$QPID" 2>/dev/null | head -1 || true)
  if [ -n "$qemu_pid" ] && [ -r "/proc/$qemu_pid/maps" ]; then
    # fields: address perms offset dev(major:minor, hex) inode path
    ours=0; others=""
    while read -r _ _ _ dev ino path; do
      [ -n "${path:-}" ] || continue
      maj=$((16#${dev%%:*})); min=$((16#${dev##*:}))
      if [ "$maj" = "$WANT_MAJ" ] && [ "$min" = "$WANT_MIN" ] && [ "$ino" = "$WANT_INO" ]; then
        ours=$((ours + 1))
      elif [[ "$(basename "$path")" == libvirglrenderer* ]]; then
        others="$others $path($dev:$ino)"
      fi
    done < <(cat "/proc/$qemu_pid/maps" 2>/dev/null || true)
    if [ -n "$others" ]; then
      MAPS_OK=0; MAPS_MSG="QEMU (pid $qemu_pid) mapped another libvirglrenderer:$others"; break
    elif [ "$ours" -gt 0 ]; then
      MAPS_OK=1; MAPS_MSG="QEMU (pid $qemu_pid) maps our library: $ours mappings of dev $WANT_MAJ:$WANT_MIN inode $WANT_INO"; break
    fi
  fi
  sleep 0.2
done
echo "e2e: $MAPS_MSG"

set +e
wait "$QPID"; QRC=$?
set -e
QPID=""
T1=$(date +%s.%N)
WALL=$(awk -v a="$T0" -v b="$T1" 'BEGIN{printf "%.1f", b-a}')

# --------------------------------------------------------------------- results
tr -d '\r' <"$SERIAL" >"$JOB/serial.txt"
if [ "$VERBOSE" = 1 ]; then
  echo "---- serial console"; cat "$JOB/serial.txt"; echo "---- qemu log"; cat "$QLOG"; echo "----"
fi
grep -E '^(INFO|PASS|FAIL|XFAIL|XPASS) ' "$JOB/serial.txt" || true

XFAILED=0; PROBLEMS=()
PASSED=$(grep -c '^PASS ' "$JOB/serial.txt" || true)
XFAILED=$(grep -c '^XFAIL ' "$JOB/serial.txt" || true)
NFAIL=$(grep -c '^FAIL ' "$JOB/serial.txt" || true)
NXPASS=$(grep -c '^XPASS ' "$JOB/serial.txt" || true)
FAILED=$((NFAIL + NXPASS))
PLAN=$(sed -n 's/^E2E-PLAN \([0-9]*\).*/\1/p' "$JOB/serial.txt" | head -1)
NRES=$((PASSED + XFAILED + NFAIL + NXPASS))

if [ "$MAPS_OK" != 1 ]; then PROBLEMS+=("library check: $MAPS_MSG"); FAILED=$((FAILED + 1)); fi
if [ "$QRC" = 124 ] || [ "$QRC" = 137 ]; then
  PROBLEMS+=("timeout: QEMU killed after ${TIMEOUT}s"); FAILED=$((FAILED + 1))
elif [ "$QRC" != 0 ]; then
  PROBLEMS+=("QEMU exited with status $QRC (crash?)"); FAILED=$((FAILED + 1))
fi
if [ -z "$PLAN" ]; then
  PROBLEMS+=("guest test program never started (no E2E-PLAN line)"); FAILED=$((FAILED + 1))
elif ! grep -q '^E2E-END' "$JOB/serial.txt"; then
  PROBLEMS+=("guest test program did not finish (no E2E-END line)"); FAILED=$((FAILED + 1))
elif [ "$NRES" -lt "$PLAN" ]; then
  PROBLEMS+=("missing results: got $NRES of $PLAN"); FAILED=$((FAILED + 1))
fi
if grep -qiE 'panicked|RUST_BACKTRACE|Segmentation fault|Aborted' "$QLOG"; then
  PROBLEMS+=("QEMU log shows a panic/crash"); FAILED=$((FAILED + 1))
fi

if [ "${#PROBLEMS[@]}" -gt 0 ] || [ "$FAILED" -gt 0 ]; then
  if [ "$VERBOSE" != 1 ]; then
    echo "---- serial console (tail)"; tail -40 "$JOB/serial.txt"
    echo "---- qemu log (tail)"; tail -20 "$QLOG"; echo "----"
  fi
  for p in "${PROBLEMS[@]}"; do echo "e2e: $p"; done
fi
echo "e2e: QEMU exit status $QRC, wall ${WALL}s; $XFAILED expected failures (XFAIL); library log lines: $(grep -c . "$QLOG" || true)"
summary
[ "$FAILED" -eq 0 ]
