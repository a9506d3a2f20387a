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
# (`apt-get download linux-image-6.1x-*-amd64-unsigned`, busybox-static from the host).
#
# Knobs: VM_TIMEOUT (s, 900)  VM_MEM (MiB, 2048)  VM_SMP (2)  VM_ACCEL (tcg|kvm, tcg)
#        VM_CACHE (/var/tmp/virgl-shim-vm)  VM_KERNEL_DEB (a linux-image .deb to use)
#        VM_DEBUG=1 (print the guest console)
# Exit: CMD's status; 124 timeout; 125 the VM itself failed.
set -euo pipefail

fail() { echo "vm.sh: $*" >&2; exit 125; }
[ $# -ge 1 ] || fail "usage: $0 CMD [ARGS...]"

CACHE=${VM_CACHE:-/var/tmp/virgl-shim-vm}
QEMU=${VM_QEMU:-qemu-system-x86_64}
command -v "$QEMU" >/dev/null || fail "$QEMU not found (apt-get install qemu-system-x86)"
command -v busybox >/dev/null || fail "busybox not found (apt-get install busybox-static)"

# Kernel modules the guest loads, in dependency order (found in the .deb's modules.dep).
WANT_MODS="9pnet 9pnet_virtio 9p overlay vgem virtio-gpu"

decompress() {
  case "$1" in
    *.xz) xz -dc "$1" ;; *.zst) zstd -dc "$1" ;; *.gz) gzip -dc "$1" ;; *) cat "$1" ;;
  esac
}

make_cache() {
  local work deb kver root ir
  work=$(mktemp -d "$CACHE/tmp.XXXXXX")
  deb=${VM_KERNEL_DEB:-$(ls "$CACHE"/linux-image-*.deb 2>/dev/null | grep -vE -- '-(rt|cloud)-' | sort -V | tail -n1 || true)}
  if [ -z "$deb" ]; then
    local pkg
    pkg=$(apt-cache search --names-only '^linux-image-6\.1[2-9][^ ]*-amd64-unsigned$' | cut -d' ' -f1 | grep -vE -- '-(rt|cloud)-' | sort -V | tail -n1)
    [ -n "$pkg" ] || fail "apt knows no linux-image-6.12+ amd64 package (enable bookworm-backports)"
    (cd "$CACHE" && apt-get download "$pkg" >/dev/null 2>&1) || fail "apt-get download $pkg failed"
    deb=$(ls "$CACHE"/linux-image-*.deb | grep -vE -- '-(rt|cloud)-' | sort -V | tail -n1)
  fi
  echo "vm.sh: preparing kernel + initramfs from $(basename "$deb") (once)" >&2
  dpkg-deb -x "$deb" "$work/pkg"
  kver=$(ls "$work/pkg/lib/modules" | head -n1)
  root="$work/pkg/lib/modules/$kver"
  grep -q '^CONFIG_UDMABUF=y' "$work/pkg/boot/config-$kver" || echo "vm.sh: warning: no CONFIG_UDMABUF=y in $kver" >&2
  ir="$work/initramfs"
  mkdir -p "$ir"/{bin,dev,proc,sys,mods,ro,rw,root}
  cp "$(command -v busybox)" "$ir/bin/busybox"
  # Resolve dependencies from each module's own .modinfo "depends=" (the .deb has no
  # modules.dep: depmod runs at install time).
  find "$root/kernel" -name '*.ko*' | sed "s|^$root/||" >"$work/modlist"
  local -A have=()
  local list=()
  add_mod() {
    local name=${1//-/_} path dep deps
    path=$(grep -E "/${name//_/[-_]}\.ko(\.[a-z]+)?$" "$work/modlist" | head -n1 || true)
    [ -n "$path" ] || return 0          # built into the kernel
    [ -n "${have[$path]:-}" ] && return 0
    have[$path]=1
    deps=$(decompress "$root/$path" | tr '\0' '\n' | sed -n 's/^depends=//p' | head -n1)
    for dep in ${deps//,/ }; do add_mod "$dep"; done
    list+=("$path")
  }
  for m in $WANT_MODS; do add_mod "$m"; done
  : >"$ir/mods/order"
  for p in "${list[@]}"; do
    local b; b=$(basename "$p"); b=${b%%.ko*}.ko
    decompress "$root/$p" >"$ir/mods/$b"
    echo "$b" >>"$ir/mods/order"
  done
  cat >"$ir/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc none /proc; mount -t sysfs none /sys; mount -t devtmpfs none /dev
say() { echo "init: $*" >/dev/ttyS0; }
status() { echo "$*" >/dev/hvc2; }
die() { say "$*"; status "FAILED $*"; sync; poweroff -f; }
for kv in $(cat /proc/cmdline); do case $kv in job=*) JOB=${kv#job=};; esac; done
for m in $(cat /mods/order); do insmod "/mods/$m" || say "insmod $m failed"; done
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
sync; poweroff -f
INIT
  chmod +x "$ir/init"
  (cd "$ir" && find . | cpio -H newc -o 2>/dev/null | gzip -1) >"$work/initrd"
  cp "$work/pkg/boot/vmlinuz-$kver" "$work/vmlinuz"
  mv -f "$work/vmlinuz" "$CACHE/vmlinuz"
  mv -f "$work/initrd" "$CACHE/initrd"
  rm -rf "$work"
}

mkdir -p "$CACHE"
exec 9>"$CACHE/lock"
flock -w 900 9 || fail "cache lock"
[ -s "$CACHE/vmlinuz" ] && [ -s "$CACHE/initrd" ] || make_cache
flock -u 9

JOB=$(mktemp -d /tmp/virgl-shim-vm.XXXXXX)
QPID=
cleanup() {
  local rc=$?
  [ -n "$QPID" ] && kill "$QPID" 2>/dev/null
  [ "${VM_DEBUG:-0}" = 1 ] && cat "$JOB/console" "$JOB/qemu.log" >&2 2>/dev/null
  rm -rf "$JOB"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

{
  echo 'export HOME=/root XDG_RUNTIME_DIR=/run/user/0'
  export -p | grep -vE '^declare -x (PWD|OLDPWD|SHLVL|HOME|XDG_RUNTIME_DIR|TMPDIR|VM_[A-Z_]*)=' | sed 's/^declare -x /export /'
  printf 'cd %q || exit 125\n' "$PWD"
  printf 'exec'; printf ' %q' "$@"; echo
} >"$JOB/job.sh"
: >"$JOB/out"; : >"$JOB/err"; : >"$JOB/status"

case "${VM_ACCEL:-tcg}" in
  kvm) ACCEL=(-accel kvm -cpu host) ;;
  *) ACCEL=(-accel tcg,thread=multi -cpu max) ;;
esac
timeout -k 5 "${VM_TIMEOUT:-900}" "$QEMU" -M q35 "${ACCEL[@]}" -smp "${VM_SMP:-2}" -m "${VM_MEM:-2048}" \
  -nodefaults -no-user-config -display none -vga none -no-reboot \
  -kernel "$CACHE/vmlinuz" -initrd "$CACHE/initrd" \
  -append "console=ttyS0 quiet loglevel=3 panic=-1 job=$JOB" \
  -serial "file:$JOB/console" \
  -virtfs "local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap" \
  -device virtio-serial-pci \
  -chardev "file,id=c0,path=$JOB/out" -device virtconsole,chardev=c0 \
  -chardev "file,id=c1,path=$JOB/err" -device virtconsole,chardev=c1 \
  -chardev "file,id=c2,path=$JOB/status" -device virtconsole,chardev=c2 \
  -device virtio-gpu-pci </dev/null >"$JOB/qemu.log" 2>&1 &
QPID=$!
tail -n +1 -s 0.2 -f --pid=$QPID "$JOB/out" &
tail -n +1 -s 0.2 -f --pid=$QPID "$JOB/err" >&2 &
set +e; wait $QPID; QRC=$?; set -e; QPID=
wait
RC=$(sed -n 's/^EXIT \([0-9]*\).*/\1/p' "$JOB/status" | tail -n1)
if [ -z "$RC" ]; then
  case $QRC in 124|137) echo "vm.sh: timed out" >&2; RC=124 ;;
    *) echo "vm.sh: guest failed (qemu $QRC): $(sed -n 's/^FAILED //p' "$JOB/status")" >&2
       tail -n 20 "$JOB/console" "$JOB/qemu.log" >&2; RC=125 ;; esac
fi
exit "$RC"
