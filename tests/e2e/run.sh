#!/usr/bin/env bash
# tests/e2e/run.sh [--lib DIR|FILE] [--qemu FILE] [--keep]
#
# End-to-end test of virgl-shim under a real QEMU: boots a Debian bookworm 6.1
# kernel under `qemu-system-x86_64 -accel tcg` with `-device virtio-gpu-gl-pci`,
# where QEMU loads OUR libvirglrenderer.so.1, runs tests/e2e/guest/virtio_gpu_test.c
# as the initramfs payload, and reports its PASS/FAIL/XFAIL/XPASS lines.
#
#   --lib DIR   directory holding libvirglrenderer.so.1 or libvirglrenderer.so
#               (or the library file itself); default target/release/libvirglrenderer.so
#   --qemu FILE the qemu-system-x86_64 to run (default Debian's, from PATH), e.g. the one
#               built from source by scripts/qemu-ci.sh; firmware from -L
#               $VIRGL_SHIM_E2E_FIRMWARE (/usr/share/seabios /usr/share/qemu)
#   --keep      keep the job directory (serial.log, qemu.log, initramfs)
#
# Environment (VIRGL_SHIM_E2E_X, else VIRGL_SHIM_QEMU_X, see tests/lib/qemu.sh):
#   VIRGL_SHIM_E2E_CACHE=/var/tmp/virgl-shim-e2e-cache  kernel .deb + extracted modules
#   VIRGL_SHIM_E2E_TIMEOUT=180   seconds before QEMU is killed
#   VIRGL_SHIM_E2E_MEM=1024 _SMP=2 _ACCEL=tcg _QEMU=qemu-system-x86_64 _KEEP=0
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
LOGP=e2e
# shellcheck source=../lib/qemu.sh
. "$HERE/../lib/qemu.sh"
qemu_knob QEMU VIRGL_SHIM_E2E_QEMU qemu-system-x86_64
qemu_knob TIMEOUT VIRGL_SHIM_E2E_TIMEOUT 180
qemu_knob MEM VIRGL_SHIM_E2E_MEM 1024
qemu_knob SMP VIRGL_SHIM_E2E_SMP 2
qemu_knob ACCEL VIRGL_SHIM_E2E_ACCEL tcg
qemu_knob VERBOSE VIRGL_SHIM_E2E_VERBOSE 0
qemu_knob KEEP VIRGL_SHIM_E2E_KEEP 0
CPU=""
# -L directories for a QEMU given with --qemu (one built from the +ds source has no firmware).
QEMU_FIRMWARE=${VIRGL_SHIM_E2E_FIRMWARE:-/usr/share/seabios /usr/share/qemu}
FIRMWARE=""
CACHE=${VIRGL_SHIM_E2E_CACHE:-/var/tmp/virgl-shim-e2e-cache}
KERNEL_DEB=${VIRGL_SHIM_E2E_KERNEL_DEB:-}
LIB=""

PASSED=0
FAILED=0
summary() { echo "$PASSED passed, $FAILED failed"; }
infra() { echo "e2e: $*" >&2; FAILED=$((FAILED + 1)); summary; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --lib) [ $# -ge 2 ] || infra "--lib needs an argument"; LIB=$2; shift 2 ;;
    --lib=*) LIB=${1#--lib=}; shift ;;
    --qemu) [ $# -ge 2 ] || infra "--qemu needs an argument"; QEMU=$2; FIRMWARE=$QEMU_FIRMWARE; shift 2 ;;
    --qemu=*) QEMU=${1#--qemu=}; FIRMWARE=$QEMU_FIRMWARE; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) infra "unknown argument: $1" ;;
  esac
done

# ---------------------------------------------------------------- the library
qemu_resolve_lib "${LIB:-$ROOT/target/release/libvirglrenderer.so}" \
  || infra "library not found: ${LIB:-$ROOT/target/release/libvirglrenderer.so} (run cargo build --release)"

for tool in "$QEMU" busybox gcc cpio xz apt-get dpkg-deb; do
  command -v "$tool" >/dev/null || infra "$tool not found (see scripts/install-deps.sh)"
done
[ -e /usr/include/libdrm/drm.h ] || infra "libdrm headers missing (libdrm-dev)"

# ---------------------------------------------------- kernel + modules (cached)
KPKG='^linux-image-6\.1\.0-[0-9]+-amd64$' MODS="virtio_pci virtio_gpu"   # plus their depends= closure
qemu_kernel || infra "kernel preparation failed"
echo "e2e: kernel $(cat "$KDIR/kver"), modules: $(tr '\n' ' ' <"$KDIR/modules.order")"
echo "e2e: $("$QEMU" --version | head -n1) ($(command -v "$QEMU"))"

# ---------------------------------------------------- guest program + initramfs
qemu_job   # JOB; the EXIT trap kills QEMU and removes JOB (unless --keep)
qemu_guest_program "$HERE"/guest/{virtio_gpu_test,cases_kms,cases_res3d}.c "$JOB/virtio_gpu_test" || infra "guest program build failed"
qemu_initramfs "$JOB/initramfs" "$JOB/initramfs.cpio" '
echo "e2e-init: modules loaded, running the test"
/bin/virtio_gpu_test
echo "e2e-init: test program exited with $?"
sync
poweroff -f
sleep 10' "$JOB/virtio_gpu_test" || infra "initramfs failed"

qemu_libdir   # $JOB/lib/libvirglrenderer.so.1 -> $LIBFILE; WANT_MAJ WANT_MIN WANT_INO

# ------------------------------------------------------------------------ QEMU
QEMU_ENV+=(SDL_VIDEODRIVER=offscreen "VIRGL_SHIM_LOG=${VIRGL_SHIM_LOG:-info}")
qemu_start "$JOB/initramfs.cpio" \
  "console=ttyS0 loglevel=4 panic=-1 drm_kms_helper.fbdev_emulation=0" \
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
