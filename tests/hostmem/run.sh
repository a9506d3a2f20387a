#!/usr/bin/env bash
# tests/hostmem/run.sh [--qemu FILE] [--lib DIR|FILE] [--keep]
#
# The hostmem test (CI: the hostmem stage of scripts/run-tests.sh): boots a Debian bookworm 6.1 kernel (as tests/e2e does)
# under a QEMU built against virgl-shim's virglrenderer.pc 1.2.0 (scripts/
# qemu-from-source.sh) with `-device virtio-gpu-gl-pci,blob=true,hostmem=256M`, and runs
# tests/hostmem/guest/hostmem_test.c: a mappable HOST3D blob is created, mapped through
# the hostmem BAR (QEMU calls virgl_renderer_resource_map), written by the guest and read
# by the host without a transfer (and the reverse); then a blob scanout, whose picture is
# checked in a QMP screendump (expected failures today). See docs/qemu-hostmem.md.
#
#   --qemu FILE  qemu-system-x86_64 to run (default: the build of qemu-from-source.sh,
#                $VIRGL_SHIM_QEMU_CACHE/build/qemu-system-x86_64)
#   --lib DIR    directory holding libvirglrenderer.so.1 (or the file itself); default
#                the meson install /tmp/vs-prefix/lib/x86_64-linux-gnu
#   --keep       keep the job directory (serial.log, qemu.log, initramfs)
#
# Environment (VIRGL_SHIM_HOSTMEM_X, else VIRGL_SHIM_QEMU_X, see tests/lib/qemu.sh):
#   VIRGL_SHIM_HOSTMEM_QEMU=FILE      as --qemu
#   VIRGL_SHIM_HOSTMEM_MEM=1024 _SMP=2 _ACCEL=tcg _KEEP=0
#   VIRGL_SHIM_E2E_CACHE=/var/tmp/virgl-shim-e2e-cache   kernel cache (shared with tests/e2e)
#   VIRGL_SHIM_HOSTMEM_TIMEOUT=240   seconds before QEMU is killed
#   VIRGL_SHIM_HOSTMEM_KERNEL_DEB=…  use this linux-image-*.deb instead of apt-get download
#   VIRGL_SHIM_HOSTMEM_VERBOSE=1     print the whole serial console and QEMU log
#   VIRGL_SHIM_HOSTMEM_FIRMWARE="/usr/share/seabios /usr/share/qemu"  -L directories
#                                    (the +ds source builds no firmware)
#   VIRGL_SHIM_LOG=info              passed to the library
#
# Exit status: 0 when every case passed or failed as expected (XFAIL); 1 on any FAIL/XPASS, a missing result, a QEMU crash or
# an exit status other than 0 or 65 (the guest's isa-debug-exit), a timeout, or when the
# library mapped into QEMU is not ours; 2 on usage/infrastructure errors. The last line
# of output is always "N passed, N failed".
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOGP=hostmem
# shellcheck source=../lib/qemu.sh
. "$HERE/../lib/qemu.sh"
qemu_knob QEMU VIRGL_SHIM_HOSTMEM_QEMU "${VIRGL_SHIM_QEMU_CACHE:-/var/tmp/virgl-shim-qemu-src}/build/qemu-system-x86_64"
qemu_knob TIMEOUT VIRGL_SHIM_HOSTMEM_TIMEOUT 240
qemu_knob MEM VIRGL_SHIM_HOSTMEM_MEM 1024
qemu_knob SMP VIRGL_SHIM_HOSTMEM_SMP 2
qemu_knob ACCEL VIRGL_SHIM_HOSTMEM_ACCEL tcg
qemu_knob VERBOSE VIRGL_SHIM_HOSTMEM_VERBOSE 0
qemu_knob KEEP VIRGL_SHIM_HOSTMEM_KEEP 0
CPU=""
CACHE=${VIRGL_SHIM_E2E_CACHE:-/var/tmp/virgl-shim-e2e-cache}
KERNEL_DEB=${VIRGL_SHIM_HOSTMEM_KERNEL_DEB:-}
FIRMWARE=${VIRGL_SHIM_HOSTMEM_FIRMWARE:-/usr/share/seabios /usr/share/qemu}
LIB=/tmp/vs-prefix/lib/x86_64-linux-gnu

PASSED=0
FAILED=0
summary() { echo "$PASSED passed, $FAILED failed"; }
infra() { echo "hostmem: $*" >&2; FAILED=$((FAILED + 1)); summary; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --qemu) [ $# -ge 2 ] || infra "--qemu needs an argument"; QEMU=$2; shift 2 ;;
    --qemu=*) QEMU=${1#--qemu=}; shift ;;
    --lib) [ $# -ge 2 ] || infra "--lib needs an argument"; LIB=$2; shift 2 ;;
    --lib=*) LIB=${1#--lib=}; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,32p' "$0"; exit 0 ;;
    *) infra "unknown argument: $1" ;;
  esac
done

[ -x "$QEMU" ] || infra "QEMU not found: $QEMU (run scripts/qemu-from-source.sh)"
qemu_resolve_lib "$LIB" || infra "library not found: $LIB"

for tool in busybox gcc cpio xz apt-get dpkg-deb; do
  command -v "$tool" >/dev/null || infra "$tool not found (see scripts/install-deps.sh)"
done
[ -e /usr/include/libdrm/drm.h ] || infra "libdrm headers missing (libdrm-dev)"

# ------------------------------- kernel + modules (cached; shared with tests/e2e)
KPKG='^linux-image-6\.1\.0-[0-9]+-amd64$' MODS="virtio_pci virtio_gpu"   # plus their depends= closure
qemu_kernel || infra "kernel preparation failed"
echo "hostmem: kernel $(cat "$KDIR/kver"), modules: $(tr '\n' ' ' <"$KDIR/modules.order")"
echo "hostmem: $("$QEMU" --version | head -n1) ($QEMU)"

# ---------------------------------------------------- guest program + initramfs
qemu_job   # JOB; the EXIT trap kills QEMU and removes JOB (unless --keep)
qemu_guest_program "$HERE/guest/hostmem_test.c" "$JOB/hostmem_test" || infra "guest program build failed"
qemu_initramfs "$JOB/initramfs" "$JOB/initramfs.cpio" '
echo "hostmem-init: modules loaded, running the test"
/bin/hostmem_test
echo "hostmem-init: test program exited with $?"
dmesg | grep -i -E "virtio.gpu|\[drm\]" | sed "s/^/hostmem-dmesg: /"
sync
/bin/hostmem_test --exit
poweroff -f
sleep 10' "$JOB/hostmem_test" || infra "initramfs failed"

qemu_libdir   # $JOB/lib/libvirglrenderer.so.1 -> $LIBFILE; WANT_MAJ WANT_MIN WANT_INO

# ------------------------------------------------------------------------ QEMU
# The guest ends QEMU through isa-debug-exit (`hostmem_test --exit` writes 0x20: QEMU
# exits with (0x20 << 1) | 1 = 65) rather than powering off: a power-off resets the
# virtio-gpu device from a vCPU thread, where QEMU 10.0.2's virtio_gpu_gl_reset calls GL
# (sdl2 scanout disable -> egl_fb_destroy) without a current context. libepoxy aborted
# there now and then until the GL backend had it resolve glDeleteFramebuffers at init
# (0 aborts in 80 runs since; see docs/qemu-hostmem.md); the exit through the port stays
# deterministic and tells the guest's end from QEMU going away for another reason.
# `poweroff -f` remains the fallback.
DEBUG_EXIT_STATUS=65
QEMU_ENV+=(SDL_VIDEODRIVER=offscreen "VIRGL_SHIM_LOG=${VIRGL_SHIM_LOG:-info}")
qemu_start "$JOB/initramfs.cpio" \
  "console=ttyS0 loglevel=4 panic=-1 drm_kms_helper.fbdev_emulation=0" \
  -device virtio-gpu-gl-pci,blob=true,hostmem=256M -display sdl,gl=on \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
  -qmp "unix:$JOB/qmp.sock,server=on,wait=off" \
  -d guest_errors -trace virtio_gpu_cmd_res_create_blob \
  -trace virtio_gpu_cmd_set_scanout_blob   # SERIAL QLOG T0 QPID

# While QEMU runs: prove from /proc/PID/maps that the libvirglrenderer it mapped is
# our file (device + inode), and that no other libvirglrenderer is mapped.
qemu_prove_maps   # MAPS_OK MAPS_MSG

# The blob_scanout case prints "HOSTMEM-SCREENDUMP w h" once QEMU accepted the blob
# scanout and keeps it up for 8 s: take a screendump over QMP and check the picture.
SHOT=""; SHOT_RC=""
while kill -0 "$QPID" 2>/dev/null; do
  if [ -z "$SHOT_RC" ] && grep -aq '^HOSTMEM-SCREENDUMP' "$SERIAL"; then
    read -r _ sw sh < <(grep -a -m1 '^HOSTMEM-SCREENDUMP' "$SERIAL" | tr -d '\r')
    SHOT_RC=0
    SHOT=$(/usr/bin/python3 "$HERE/../lib/screendump.py" "$JOB/qmp.sock" "$JOB/screendump.ppm" \
      --expect hostmem-gradient "$sw" "$sh") || SHOT_RC=$?
  fi
  sleep 0.2
done
qemu_wait         # QRC WALL

# --------------------------------------------------------------------- results
qemu_serial_text  # $JOB/serial.txt
grep -E '^(INFO|PASS|FAIL|XFAIL|XPASS) |^hostmem-dmesg: ' "$JOB/serial.txt" || true
grep -E 'virtio_gpu_cmd_res_create_blob|virtio_gpu_cmd_set_scanout_blob|virgl|blob' "$QLOG" | head -20 | sed 's/^/hostmem: qemu: /' || true

PROBLEMS=()
PASSED=$(grep -c '^PASS ' "$JOB/serial.txt" || true)
XFAILED=$(grep -c '^XFAIL ' "$JOB/serial.txt" || true)
NFAIL=$(grep -c '^FAIL ' "$JOB/serial.txt" || true)
NXPASS=$(grep -c '^XPASS ' "$JOB/serial.txt" || true)
FAILED=$((NFAIL + NXPASS))
PLAN=$(sed -n 's/^HOSTMEM-PLAN \([0-9]*\).*/\1/p' "$JOB/serial.txt" | head -1)
NRES=$((PASSED + XFAILED + FAILED))

# The host-side case: the picture of the blob scanout in a QMP screendump. It can only
# run when the guest's blob_scanout passed; while that is an expected failure, so is this.
if grep -q '^PASS blob_scanout' "$JOB/serial.txt"; then
  if [ -z "$SHOT_RC" ]; then
    echo "FAIL blob_scanout_screendump: the guest never asked for the screendump"; FAILED=$((FAILED + 1))
  elif [ "$SHOT_RC" = 0 ]; then
    echo "PASS blob_scanout_screendump: $SHOT"; PASSED=$((PASSED + 1))
  elif [[ "$SHOT" == *"no surface"* ]]; then
    # QEMU 10.0.2's screendump reads the console's DisplaySurface, which a GL texture or
    # dma-buf scanout does not have (seen with a dumb-buffer scanout on this QEMU too).
    echo "XFAIL blob_scanout_screendump: QEMU cannot screendump a GL/dma-buf scanout ($SHOT)"
    XFAILED=$((XFAILED + 1))
  else
    echo "FAIL blob_scanout_screendump: $SHOT"; FAILED=$((FAILED + 1))
  fi
elif grep -q '^XFAIL blob_scanout' "$JOB/serial.txt"; then
  echo "XFAIL blob_scanout_screendump: no blob scanout to take a picture of (blob_scanout is an expected failure)"
  XFAILED=$((XFAILED + 1))
else
  echo "FAIL blob_scanout_screendump: blob_scanout did not pass"; FAILED=$((FAILED + 1))
fi

qemu_check_run HOSTMEM "$DEBUG_EXIT_STATUS"   # PROBLEMS, FAILED
qemu_report_problems 30
echo "hostmem: QEMU exit status $QRC, wall ${WALL}s; $XFAILED expected failures (XFAIL)"
summary
[ "$FAILED" -eq 0 ]
