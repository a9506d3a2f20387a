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
# shellcheck source=../lib/qemu-maps.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/qemu-maps.sh"
qemu_job   # JOB; the EXIT trap kills QEMU and removes JOB (unless --keep)

# ---------------------------------------------------- guest program + initramfs
gcc -static -O2 -Wall -Wextra -Werror -I/usr/include/libdrm -I"$HERE/../lib" \
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

qemu_libdir   # $JOB/lib/libvirglrenderer.so.1 -> $LIBFILE; WANT_MAJ WANT_MIN WANT_INO

# ------------------------------------------------------------------------ QEMU
qemu_start qemu-system-x86_64 \
  -device virtio-gpu-gl-pci -display sdl,gl=on   # SERIAL QLOG T0 QPID

# While QEMU runs: prove from /proc/PID/maps that the libvirglrenderer it mapped is
# our file (device + inode), and that no other libvirglrenderer is mapped.
qemu_prove_maps   # MAPS_OK MAPS_MSG
qemu_wait         # QRC WALL

# --------------------------------------------------------------------- results
qemu_serial_text  # $JOB/serial.txt
grep -E '^(INFO|PASS|FAIL|XFAIL|XPASS) ' "$JOB/serial.txt" || true

XFAILED=0; PROBLEMS=()
PASSED=$(grep -c '^PASS ' "$JOB/serial.txt" || true)
XFAILED=$(grep -c '^XFAIL ' "$JOB/serial.txt" || true)
NFAIL=$(grep -c '^FAIL ' "$JOB/serial.txt" || true)
NXPASS=$(grep -c '^XPASS ' "$JOB/serial.txt" || true)
FAILED=$((NFAIL + NXPASS))
PLAN=$(sed -n 's/^E2E-PLAN \([0-9]*\).*/\1/p' "$JOB/serial.txt" | head -1)
NRES=$((PASSED + XFAILED + NFAIL + NXPASS))

qemu_check_run E2E   # PROBLEMS, FAILED
qemu_report_problems 20
echo "e2e: QEMU exit status $QRC, wall ${WALL}s; $XFAILED expected failures (XFAIL); library log lines: $(grep -c . "$QLOG" || true)"
summary
[ "$FAILED" -eq 0 ]
