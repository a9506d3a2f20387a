# tests/lib/qemu.sh — the QEMU side of every guest tier (tests/e2e/run.sh,
# tests/hostmem/run.sh, tests/vm/vm.sh). Sourced, not run. Every message starts "$LOGP: ".
#
# Knobs: a tier variable VAR is set by qemu_knob from the tier's own environment variable,
# else from the common one VIRGL_SHIM_QEMU_$VAR, else from the tier's default:
#
#   qemu_knob TIMEOUT VIRGL_SHIM_E2E_TIMEOUT 180
#
#   common variable           meaning
#   VIRGL_SHIM_QEMU_BIN       the qemu-system-x86_64 to run (e2e and vm: Debian's)
#   VIRGL_SHIM_QEMU_TIMEOUT   seconds before QEMU is killed (124/137: timeout)
#   VIRGL_SHIM_QEMU_MEM       guest memory, MiB
#   VIRGL_SHIM_QEMU_SMP       guest CPUs
#   VIRGL_SHIM_QEMU_ACCEL     tcg | kvm (kvm adds -cpu host)
#   VIRGL_SHIM_QEMU_KEEP      1: keep the job directory (logs, initramfs)
#   VIRGL_SHIM_QEMU_VERBOSE   1: print the whole serial console and QEMU log
#
# Functions (they run in the caller's shell; outputs are global variables):
#
#   CACHE=dir KPKG=regex [KPKG_EXCLUDE=regex] MODS="m1 m2" [KERNEL_DEB=f.deb] qemu_kernel
#       KDIR: a Debian kernel package (newest whose name matches the ERE KPKG and not
#       KPKG_EXCLUDE, downloaded
#       with apt-get once) extracted into $CACHE/<deb name>/: vmlinuz, config, kver,
#       modules/*.ko (uncompressed: MODS and their depends= closure) and modules.order
#       (load order). Cached per .deb, under a lock.
#   qemu_initramfs DIR OUT BODY [FILE...]
#       a busybox initramfs in DIR written to OUT (newc cpio; gzip -1 when OUT ends .gz):
#       the modules of $KDIR, the FILEs in /bin, and /init = mount proc/sys/devtmpfs,
#       insmod every module, then BODY (sh).
#   qemu_job                  JOB (new dir), QPID=""; EXIT trap: kill QEMU, rm JOB
#   qemu_libdir               $JOB/lib/libvirglrenderer.so.1 -> $LIBFILE; WANT_MAJ WANT_MIN
#                             WANT_INO (the file's device and inode); QEMU_ENV gets
#                             LD_LIBRARY_PATH=$JOB/lib
#   qemu_start INITRD APPEND [QEMU_ARGS...]
#                             boots $KDIR/vmlinuz in the background: SERIAL QLOG T0 QPID
#   qemu_prove_maps           MAPS_OK (0|1) MAPS_MSG, printed
#   qemu_wait                 QRC (QEMU's exit status) WALL (seconds); QPID=""
#   qemu_serial_text          $JOB/serial.txt: the serial log less \r (printed when VERBOSE)
#   qemu_check_run TAG [OK_STATUS...]
#                             checks of a guest-program run; appends to PROBLEMS, adds one
#                             to FAILED per problem
#   qemu_report_problems QLOG_TAIL_LINES
#   qemu_guest_program SRC... OUT  gcc -static the guest C program from SRC... (tests/lib on the path)

# ------------------------------------------------------------------------ knobs
qemu_knob() {
  local var=$1 tier=$2 def=$3 common="VIRGL_SHIM_QEMU_$1"
  [ "$var" != QEMU ] || common=VIRGL_SHIM_QEMU_BIN
  printf -v "$var" '%s' "${!tier:-${!common:-$def}}"
}

# ---------------------------------------------------------------- guest kernel
qemu_uncompress() {
  case "$1" in *.xz) xz -dc "$1" ;; *.zst) zstd -dc "$1" ;; *.gz) gzip -dc "$1" ;; *) cat "$1" ;; esac
}

# Package names on stdin that match KPKG and not KPKG_EXCLUDE.
qemu_kpkg_filter() {
  grep -E -e "$KPKG" | { if [ -n "${KPKG_EXCLUDE:-}" ]; then grep -vE -e "$KPKG_EXCLUDE"; else cat; fi; }
}

# The newest cached .deb whose package name (the part before the first _) matches KPKG.
qemu_cached_deb() {
  local f
  for f in "$CACHE"/*.deb; do
    [ -e "$f" ] || continue
    basename "$f" | cut -d_ -f1 | qemu_kpkg_filter >/dev/null && echo "$f"
  done | sort -V | tail -n1
}

qemu_prepare_kernel() {
  local deb pkg tmp kv md key
  deb=${KERNEL_DEB:-$(qemu_cached_deb)}
  if [ -z "$deb" ]; then
    pkg=$(apt-cache search --names-only "$KPKG" | awk '{print $1}' | qemu_kpkg_filter | sort -V | tail -n1)
    [ -n "$pkg" ] || { echo "$LOGP: no kernel package matching $KPKG visible to apt" >&2; return 1; }
    echo "$LOGP: downloading $pkg into $CACHE" >&2
    (cd "$CACHE" && apt-get download "$pkg" >/dev/null 2>&1) || { echo "$LOGP: apt-get download $pkg failed" >&2; return 1; }
    deb=$(qemu_cached_deb)
    [ -n "$deb" ] || { echo "$LOGP: apt-get download $pkg left no .deb in $CACHE" >&2; return 1; }
  fi
  key=$(basename "$deb" .deb)
  if [ -s "$CACHE/$key/vmlinuz" ] && [ -s "$CACHE/$key/modules.order" ] && [ -s "$CACHE/$key/mods" ] &&
     [ "$(cat "$CACHE/$key/mods")" = "$MODS" ]; then
    echo "$CACHE/$key"; return 0
  fi
  echo "$LOGP: extracting $(basename "$deb")" >&2
  tmp=$(mktemp -d "$CACHE/build.XXXXXX")
  dpkg-deb -x "$deb" "$tmp/k"
  kv=$(ls "$tmp/k/lib/modules" | head -n1)
  md="$tmp/k/lib/modules/$kv/kernel"
  find "$md" -name '*.ko*' >"$tmp/allmods"
  mkdir -p "$tmp/out/modules"
  local -A seen=()
  local order=()
  # The packages ship no modules.dep (depmod runs at install time): read each module's
  # depends= modinfo field. Module names treat - and _ alike.
  resolve() {
    local m=$1 f deps x
    [ -n "${seen[$m]:-}" ] && return 0
    seen[$m]=1
    f=$(grep -E "/${m//[-_]/[-_]}\.ko(\.xz|\.zst|\.gz)?$" "$tmp/allmods" | head -n1 || true)
    [ -n "$f" ] || return 0   # built in
    deps=$(qemu_uncompress "$f" | tr '\0' '\n' | sed -n 's/^depends=//p' | head -n1 || true)
    for x in ${deps//,/ }; do resolve "$x"; done
    order+=("$f")
  }
  for m in $MODS; do resolve "$m"; done
  : >"$tmp/out/modules.order"
  local f b
  for f in "${order[@]}"; do
    b=$(basename "$f"); b=${b%%.ko*}.ko
    qemu_uncompress "$f" >"$tmp/out/modules/$b"
    echo "$b" >>"$tmp/out/modules.order"
  done
  cp "$tmp/k/boot/vmlinuz-$kv" "$tmp/out/vmlinuz"
  cp "$tmp/k/boot/config-$kv" "$tmp/out/config" 2>/dev/null || : >"$tmp/out/config"
  echo "$kv" >"$tmp/out/kver"
  echo "$MODS" >"$tmp/out/mods"
  rm -rf "${CACHE:?}/$key"
  mv "$tmp/out" "$CACHE/$key"
  rm -rf "$tmp"
  echo "$CACHE/$key"
}

qemu_kernel() {
  mkdir -p "$CACHE"
  KDIR=$(
    exec 9>"$CACHE/.lock"
    flock -w 900 9 || { echo "$LOGP: kernel cache lock timeout ($CACHE/.lock)" >&2; exit 1; }
    qemu_prepare_kernel
  ) || return 1
}

# ------------------------------------------------------------------- initramfs
qemu_initramfs() {
  local dir=$1 out=$2 body=$3 f; shift 3
  mkdir -p "$dir"/{bin,dev,proc,sys,lib/modules}
  cp "$(command -v busybox)" "$dir/bin/busybox"
  cp "$KDIR"/modules/*.ko "$dir/lib/modules/"
  cp "$KDIR/modules.order" "$dir/modules.order"
  for f in "$@"; do cp "$f" "$dir/bin/"; done
  {
    cat <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules.order); do
  insmod /lib/modules/$m || echo "init: insmod $m failed"
done
INIT
    printf '%s\n' "$body"
  } >"$dir/init"
  chmod 755 "$dir/init"
  case "$out" in
    *.gz) (cd "$dir" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$out" ;;
    *) (cd "$dir" && find . | cpio -o -H newc 2>/dev/null) >"$out" ;;
  esac || { echo "$LOGP: cpio of $dir failed" >&2; return 1; }
}

qemu_guest_program() {
  local out=${!#}
  gcc -static -O2 -Wall -Wextra -Werror -I/usr/include/libdrm -I"$(dirname "${BASH_SOURCE[0]}")" \
    -o "$out" "${@:1:$#-1}"
}

# ----------------------------------------------------------------- job directory
# Cleanup on exit (the trap qemu_job installs): kill QEMU if it still runs, then remove the
# job directory unless KEEP=1. Exits with the status the script was exiting with.
qemu_cleanup() {
  local rc=$?
  if [ -n "$QPID" ]; then kill "$QPID" 2>/dev/null || true; wait "$QPID" 2>/dev/null || true; fi
  if [ "${KEEP:-0}" = 1 ]; then echo "$LOGP: job dir kept: $JOB" >&2; else rm -rf "$JOB"; fi
  exit $rc
}

# In: LOGP, KEEP. Out: JOB=/tmp/virgl-shim-$LOGP.XXXXXX, QPID="", QEMU_ENV=(), traps.
qemu_job() {
  JOB=$(mktemp -d "/tmp/virgl-shim-$LOGP.XXXXXX")
  QPID=""
  QEMU_ENV=()
  trap qemu_cleanup EXIT
  trap 'exit 130' INT TERM HUP
}

# The library directory QEMU sees: libvirglrenderer.so.1 -> our file.
# In: LIBFILE (absolute), JOB, LOGP. Out: $JOB/lib, WANT_MAJ, WANT_MIN, WANT_INO,
# QEMU_ENV += LD_LIBRARY_PATH; prints "$LOGP: library ...".
qemu_libdir() {
  local want_dev
  mkdir -p "$JOB/lib"
  ln -s "$LIBFILE" "$JOB/lib/libvirglrenderer.so.1"
  read -r want_dev WANT_INO < <(stat -L -c '%d %i' "$LIBFILE")
  # glibc's major()/minor() of st_dev
  WANT_MAJ=$(( (want_dev >> 8 & 0xfff) | (want_dev >> 32 & ~0xfff) ))
  WANT_MIN=$(( (want_dev & 0xff) | (want_dev >> 12 & ~0xff) ))
  QEMU_ENV+=("LD_LIBRARY_PATH=$JOB/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
  echo "$LOGP: library $LIBFILE (dev $WANT_MAJ:$WANT_MIN inode $WANT_INO)"
}

# Resolves a --lib argument (a directory holding libvirglrenderer.so.1 or .so, or the file)
# into LIBFILE (absolute). Returns 1 when there is no such file.
qemu_resolve_lib() {
  if [ -d "$1" ]; then
    if [ -e "$1/libvirglrenderer.so.1" ]; then LIBFILE="$1/libvirglrenderer.so.1"
    else LIBFILE="$1/libvirglrenderer.so"; fi
  else
    LIBFILE=$1
  fi
  [ -f "$LIBFILE" ] || return 1
  LIBFILE=$(realpath "$LIBFILE")
}

# ------------------------------------------------------------------------ QEMU
# Starts $QEMU under timeout(1) in the background with the environment QEMU_ENV: an
# $SMP-CPU, $MEM MiB machine on $ACCEL (CPU model $CPU when set, -cpu host on kvm) without
# defaults, then QEMU_ARGS (machine, devices, display, -L, tracing), then $KDIR/vmlinuz,
# INITRD, APPEND and the serial console in $JOB/serial.log.
# FIRMWARE (may be empty): directories passed as -L when they exist (a QEMU built from
# the +ds source has no firmware of its own; Debian's packages have it).
# In: QEMU, JOB, KDIR, TIMEOUT, MEM, SMP, ACCEL, CPU (may be empty), FIRMWARE, QEMU_ENV.
# Out: SERIAL, QLOG ($JOB/qemu.log, QEMU's stdout+stderr), T0 (start time), QPID (timeout's pid).
qemu_start() {
  local initrd=$1 append=$2 accel d; shift 2
  case "$ACCEL" in
    kvm) accel=(-accel kvm -cpu host) ;;
    tcg) accel=(-accel tcg); [ -z "${CPU:-}" ] || accel+=(-cpu "$CPU") ;;
    *) echo "$LOGP: unknown accelerator '$ACCEL' (tcg or kvm)" >&2; return 1 ;;
  esac
  for d in ${FIRMWARE:-}; do [ ! -d "$d" ] || accel+=(-L "$d"); done
  SERIAL="$JOB/serial.log"
  QLOG="$JOB/qemu.log"
  : >"$SERIAL"
  T0=$(date +%s.%N)
  env "${QEMU_ENV[@]}" timeout -k 5 "$TIMEOUT" "$QEMU" \
      "${accel[@]}" -m "$MEM" -smp "$SMP" -nodefaults -no-user-config -no-reboot \
      "$@" \
      -kernel "$KDIR/vmlinuz" -initrd "$initrd" -append "$append" \
      -serial "file:$SERIAL" \
      </dev/null >"$QLOG" 2>&1 &
  QPID=$!
}

# While QEMU runs: prove from /proc/PID/maps that the libvirglrenderer it mapped is
# our file (device + inode), and that no other libvirglrenderer is mapped.
# $QPID is timeout(1); QEMU is its child. Polls for up to 60 s (300 x 0.2 s).
# In: QPID, WANT_MAJ, WANT_MIN, WANT_INO, LOGP. Out: MAPS_OK (1 when proven, else 0),
# MAPS_MSG, QEMU_PID; prints "$LOGP: $MAPS_MSG".
qemu_prove_maps() {
  local ours others dev ino path maj min
  MAPS_OK=0; MAPS_MSG="QEMU exited before libvirglrenderer was seen in its maps"; QEMU_PID=""
  for _ in $(seq 1 300); do
    kill -0 "$QPID" 2>/dev/null || break
    QEMU_PID=$(pgrep -P "$QPID" 2>/dev/null | head -n1 || true)
    if [ -n "$QEMU_PID" ] && [ -r "/proc/$QEMU_PID/maps" ]; then
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
      done < <(cat "/proc/$QEMU_PID/maps" 2>/dev/null || true)
      if [ -n "$others" ]; then
        MAPS_OK=0; MAPS_MSG="QEMU (pid $QEMU_PID) mapped another libvirglrenderer:$others"; break
      elif [ "$ours" -gt 0 ]; then
        MAPS_OK=1; MAPS_MSG="QEMU (pid $QEMU_PID) maps our library: $ours mappings of dev $WANT_MAJ:$WANT_MIN inode $WANT_INO"; break
      fi
    fi
    sleep 0.2
  done
  echo "$LOGP: $MAPS_MSG"
}

# Waits for QEMU. In: QPID, T0. Out: QRC (its exit status: 124/137 = timeout), WALL
# (seconds since T0, one decimal), QPID="".
qemu_wait() {
  local t1
  QRC=0
  wait "$QPID" || QRC=$?
  QPID=""
  t1=$(date +%s.%N)
  WALL=$(awk -v a="$T0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')
}

# --------------------------------------------------------------------- results
# In: SERIAL, QLOG, JOB, VERBOSE. Out: $JOB/serial.txt (the serial log without \r);
# with VERBOSE=1 prints it and the QEMU log.
qemu_serial_text() {
  tr -d '\r' <"$SERIAL" >"$JOB/serial.txt"
  if [ "${VERBOSE:-0}" = 1 ]; then
    echo "---- serial console"; cat "$JOB/serial.txt"; echo "---- qemu log"; cat "$QLOG"; echo "----"
  fi
}

# The checks of a guest-program run beyond the guest's own FAIL lines: the library check,
# QEMU's exit status (0 and each OK_STATUS are fine; 124/137 is the timeout), the guest's
# "TAG-PLAN n" and "TAG-END" lines and NRES >= PLAN, and no panic/crash in the QEMU log.
# In: TAG (E2E, HOSTMEM), OK_STATUS..., MAPS_OK, MAPS_MSG, QRC, TIMEOUT, PLAN (empty when no
# TAG-PLAN line), NRES, JOB, QLOG. Out: PROBLEMS (appended), FAILED (+1 per problem).
qemu_check_run() {
  local tag=$1 st qrc_ok=0; shift
  [ "$QRC" != 0 ] || qrc_ok=1
  for st in "$@"; do [ "$QRC" != "$st" ] || qrc_ok=1; done
  if [ "$MAPS_OK" != 1 ]; then PROBLEMS+=("library check: $MAPS_MSG"); FAILED=$((FAILED + 1)); fi
  if [ "$QRC" = 124 ] || [ "$QRC" = 137 ]; then
    PROBLEMS+=("timeout: QEMU killed after ${TIMEOUT}s"); FAILED=$((FAILED + 1))
  elif [ "$qrc_ok" != 1 ]; then
    PROBLEMS+=("QEMU exited with status $QRC (crash?)"); FAILED=$((FAILED + 1))
  fi
  if [ -z "$PLAN" ]; then
    PROBLEMS+=("guest test program never started (no $tag-PLAN line)"); FAILED=$((FAILED + 1))
  elif ! grep -q "^$tag-END" "$JOB/serial.txt"; then
    PROBLEMS+=("guest test program did not finish (no $tag-END line)"); FAILED=$((FAILED + 1))
  elif [ "$NRES" -lt "$PLAN" ]; then
    PROBLEMS+=("missing results: got $NRES of $PLAN"); FAILED=$((FAILED + 1))
  fi
  if grep -qiE 'panicked|RUST_BACKTRACE|Segmentation fault|Aborted' "$QLOG"; then
    PROBLEMS+=("QEMU log shows a panic/crash"); FAILED=$((FAILED + 1))
  fi
}

# When anything went wrong (PROBLEMS or FAILED > 0): without VERBOSE=1 the tails of the
# serial console (40 lines) and of the QEMU log (QLOG_TAIL_LINES), then each problem.
qemu_report_problems() {
  local p
  if [ "${#PROBLEMS[@]}" -gt 0 ] || [ "$FAILED" -gt 0 ]; then
    if [ "${VERBOSE:-0}" != 1 ]; then
      echo "---- serial console (tail)"; tail -40 "$JOB/serial.txt"
      echo "---- qemu log (tail)"; tail -"$1" "$QLOG"; echo "----"
    fi
    for p in "${PROBLEMS[@]}"; do echo "$LOGP: $p"; done
  fi
}
