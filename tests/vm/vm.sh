#!/usr/bin/env bash
# tests/vm/vm.sh CMD [ARGS...] — run CMD as root inside a throw-away QEMU guest that has
# /dev/udmabuf and /dev/dri, and exit with CMD's status.
#
# The guest runs Debian's bookworm-backports 6.12 kernel (CONFIG_UDMABUF=y) and sees this
# host's / over read-only 9p with a tmpfs overlay, so host-built binaries, libraries and
# Mesa run unchanged. Devices: virtio-gpu (2D KMS: card0 + renderD128) and vgem (card1).
# CMD runs in the current directory with the current environment; its stdout/stderr
# stream back over virtio consoles.
#
# The kernel and a busybox initramfs are built once into $VM_CACHE from apt
# (`apt-get download linux-image-6.1x-*-amd64-unsigned`, busybox-static from the host),
# with the QEMU helpers of tests/lib/qemu.sh.
#
# Knobs (VM_X, else VIRGL_SHIM_QEMU_X of tests/lib/qemu.sh): VM_TIMEOUT (s, 900)
#        VM_MEM (MiB, 2048)  VM_SMP (2)  VM_ACCEL (tcg|kvm, tcg)  VM_QEMU (qemu-system-x86_64)
#        VM_CACHE (/var/tmp/virgl-shim-vm)  VM_KERNEL_DEB (a linux-image .deb to use)
#        VM_DEBUG=1 (print the guest console and QEMU log)  VM_FIRMWARE (-L dirs)
# Exit: CMD's status; 124 timeout; 125 the VM itself failed.
set -euo pipefail

fail() { echo "vm.sh: $*" >&2; exit 125; }
[ "${1:-}" != "--" ] || shift
[ $# -ge 1 ] || fail "usage: $0 [--] CMD [ARGS...]"

LOGP=vm
# shellcheck source=../lib/qemu.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/qemu.sh"
qemu_knob QEMU VM_QEMU qemu-system-x86_64
qemu_knob TIMEOUT VM_TIMEOUT 900
qemu_knob MEM VM_MEM 2048
qemu_knob SMP VM_SMP 2
qemu_knob ACCEL VM_ACCEL tcg
qemu_knob VERBOSE VM_DEBUG 0
# -L directories (a QEMU built from the +ds source, e.g. scripts/qemu-ci.sh's, has no
# firmware of its own; Debian's finds its own either way).
FIRMWARE=${VM_FIRMWARE:-/usr/share/seabios /usr/share/qemu}
CPU=max
KEEP=0
CACHE=${VM_CACHE:-/var/tmp/virgl-shim-vm}
KERNEL_DEB=${VM_KERNEL_DEB:-}
command -v "$QEMU" >/dev/null || fail "$QEMU not found (apt-get install qemu-system-x86)"
command -v busybox >/dev/null || fail "busybox not found (apt-get install busybox-static)"

# The kernel (bookworm-backports 6.12+, CONFIG_UDMABUF=y) and the modules the guest loads.
KPKG='^linux-image-6\.1[2-9].*-amd64-unsigned$' KPKG_EXCLUDE='-(rt|cloud)-'
MODS="9pnet 9pnet_virtio 9p overlay vgem virtio-gpu"
qemu_kernel || fail "kernel preparation failed (enable bookworm-backports?)"
grep -q '^CONFIG_UDMABUF=y' "$KDIR/config" || echo "vm.sh: warning: no CONFIG_UDMABUF=y in $(cat "$KDIR/kver")" >&2

# /init after the modules: the host's / over 9p (read-only) under a tmpfs overlay, then
# the job script of the kernel command line's job= directory in a chroot; its stdout,
# stderr and exit status go to three virtio consoles.
INIT_BODY='
say() { echo "init: $*" >/dev/ttyS0; }
status() { echo "$*" >/dev/hvc2; }
die() { say "$*"; status "FAILED $*"; sync; poweroff -f; }
for kv in $(cat /proc/cmdline); do case $kv in job=*) JOB=${kv#job=};; esac; done
mkdir -p /ro /rw /root
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose host /ro || die "9p"
mount -t tmpfs -o size=75% none /rw && mkdir /rw/u /rw/w
mount -t overlay none -o lowerdir=/ro,upperdir=/rw/u,workdir=/rw/w /root || mount --bind /ro /root
for d in proc sys dev; do mount --rbind /$d /root/$d 2>/dev/null || true; done
mkdir -p /root/dev/pts /root/dev/shm; mount -t devpts none /root/dev/pts; mount -t tmpfs none /root/dev/shm
mount -t tmpfs -o mode=755 none /root/run; mkdir -p -m 700 /root/run/user/0
[ -f "/root$JOB/job.sh" ] || die "no job script"
status "STARTED"
chroot /root /bin/sh "$JOB/job.sh" </dev/null >/dev/hvc0 2>/dev/hvc1
status "EXIT $?"
sync; poweroff -f'
# Cached next to the kernel, one initrd per version of INIT_BODY.
INITRD="$KDIR/initrd-$(printf '%s' "$INIT_BODY" | sha256sum | cut -c1-12).gz"
(
  exec 9>"$CACHE/.lock"
  flock -w 900 9 || fail "cache lock"
  if [ ! -s "$INITRD" ]; then
    echo "vm.sh: building $INITRD (once)" >&2
    tmp=$(mktemp -d "$CACHE/initrd.XXXXXX")
    qemu_initramfs "$tmp/ir" "$tmp/initrd.gz" "$INIT_BODY" || { rm -rf "$tmp"; fail "initramfs"; }
    mv -f "$tmp/initrd.gz" "$INITRD"; rm -rf "$tmp"
  fi
)

qemu_job   # JOB (/tmp/virgl-shim-vm.XXXXXX); the EXIT trap kills QEMU and removes JOB
{
  echo 'export HOME=/root XDG_RUNTIME_DIR=/run/user/0'
  export -p | grep -vE '^declare -x (PWD|OLDPWD|SHLVL|HOME|XDG_RUNTIME_DIR|TMPDIR|VM_[A-Z_]*)=' | sed 's/^declare -x /export /'
  printf 'cd %q || exit 125\n' "$PWD"
  printf 'exec'; printf ' %q' "$@"; echo
} >"$JOB/job.sh"
: >"$JOB/out"; : >"$JOB/err"; : >"$JOB/status"

# VM_GPU=gl: a virtio-gpu-gl device (the guest's Mesa uses its virgl driver, or falls back
# to software when the library withholds its capsets); QEMU loads libvirglrenderer.so.1 from
# VM_LIBDIR when set, and gets a GL display from SDL's offscreen driver (llvmpipe, no X).
DISPLAY_ARGS=(-display none); GPU_DEV=(-device virtio-gpu-pci)
if [ "${VM_GPU:-}" = gl ]; then
  DISPLAY_ARGS=(-display sdl,gl=on); GPU_DEV=(-device virtio-gpu-gl-pci)
  QEMU_ENV+=(SDL_VIDEODRIVER=offscreen)
  [ -z "${VM_LIBDIR:-}" ] || QEMU_ENV+=("LD_LIBRARY_PATH=$VM_LIBDIR")
fi

qemu_start "$INITRD" "console=ttyS0 quiet loglevel=3 panic=-1 job=$JOB" \
  -M q35 "${DISPLAY_ARGS[@]}" -vga none \
  -virtfs "local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap" \
  -device virtio-serial-pci \
  -chardev "file,id=c0,path=$JOB/out" -device virtconsole,chardev=c0 \
  -chardev "file,id=c1,path=$JOB/err" -device virtconsole,chardev=c1 \
  -chardev "file,id=c2,path=$JOB/status" -device virtconsole,chardev=c2 \
  "${GPU_DEV[@]}"   # SERIAL QLOG T0 QPID
tail -n +1 -s 0.2 -f --pid="$QPID" "$JOB/out" &
tail -n +1 -s 0.2 -f --pid="$QPID" "$JOB/err" >&2 &
qemu_wait   # QRC WALL
wait
[ "$VERBOSE" != 1 ] || cat "$SERIAL" "$QLOG" >&2
RC=$(sed -n 's/^EXIT \([0-9]*\).*/\1/p' "$JOB/status" | tail -n1)
if [ -z "$RC" ]; then
  case $QRC in 124|137) echo "vm.sh: timed out after ${TIMEOUT}s" >&2; RC=124 ;;
    *) echo "vm.sh: guest failed (qemu $QRC): $(sed -n 's/^FAILED //p' "$JOB/status")" >&2
       tail -n 20 "$SERIAL" "$QLOG" >&2; RC=125 ;; esac
fi
exit "$RC"
