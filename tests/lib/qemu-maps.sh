# Shared by tests/e2e/run.sh and tests/hostmem/run.sh: the QEMU side of a guest test run.
# The job directory (removed on exit, QEMU killed), the library directory QEMU loads
# libvirglrenderer.so.1 from, the QEMU launch, the proof from /proc/PID/maps that the
# libvirglrenderer QEMU mapped is our file (device + inode) and no other, the wait for
# QEMU, and the checks of a run that both scripts make. Every message starts "$LOGP: ".
#
#   LOGP=e2e KEEP=0|1
#   . tests/lib/qemu-maps.sh
#   qemu_job                          # JOB (new dir), QPID=""; EXIT trap: kill QEMU, rm JOB
#   LIBFILE=/abs/libvirglrenderer.so qemu_libdir
#                                     # $JOB/lib/libvirglrenderer.so.1 -> $LIBFILE;
#                                     # WANT_MAJ WANT_MIN WANT_INO (the file's device, inode)
#   KDIR=dir TIMEOUT=s qemu_start QEMU_BINARY [QEMU_ARGS...]
#                                     # boots $KDIR/vmlinuz + $JOB/initramfs.cpio in the
#                                     # background: SERIAL QLOG T0 QPID
#   qemu_prove_maps                   # MAPS_OK (0|1) MAPS_MSG, printed
#   qemu_wait                         # QRC (QEMU's exit status) WALL (seconds); QPID=""
#   VERBOSE=0|1 qemu_serial_text      # $JOB/serial.txt: the serial log less \r
#   PLAN=n NRES=n qemu_check_run TAG [OK_STATUS...]
#                                     # appends to PROBLEMS, adds one to FAILED per problem
#   VERBOSE=0|1 qemu_report_problems QLOG_TAIL_LINES
#
# All functions run in the caller's shell (no subshell): their outputs are global variables.

# Cleanup on exit (the trap qemu_job installs): kill QEMU if it still runs, then remove the
# job directory unless KEEP=1. Exits with the status the script was exiting with.
qemu_cleanup() {
  local rc=$?
  if [ -n "$QPID" ]; then kill "$QPID" 2>/dev/null || true; wait "$QPID" 2>/dev/null || true; fi
  if [ "$KEEP" = 1 ]; then echo "$LOGP: job dir kept: $JOB" >&2; else rm -rf "$JOB"; fi
  exit $rc
}

# In: LOGP, KEEP. Out: JOB=/tmp/virgl-shim-$LOGP.XXXXXX, QPID="", EXIT/INT/TERM/HUP traps.
qemu_job() {
  JOB=$(mktemp -d "/tmp/virgl-shim-$LOGP.XXXXXX")
  QPID=""
  trap qemu_cleanup EXIT
  trap 'exit 130' INT TERM HUP
}

# The library directory QEMU sees: libvirglrenderer.so.1 -> our file.
# In: LIBFILE (absolute), JOB, LOGP. Out: $JOB/lib, WANT_MAJ, WANT_MIN, WANT_INO; prints
# "$LOGP: library ...".
qemu_libdir() {
  local want_dev
  mkdir -p "$JOB/lib"
  ln -s "$LIBFILE" "$JOB/lib/libvirglrenderer.so.1"
  read -r want_dev WANT_INO < <(stat -L -c '%d %i' "$LIBFILE")
  # glibc's major()/minor() of st_dev
  WANT_MAJ=$(( (want_dev >> 8 & 0xfff) | (want_dev >> 32 & ~0xfff) ))
  WANT_MIN=$(( (want_dev & 0xff) | (want_dev >> 12 & ~0xff) ))
  echo "$LOGP: library $LIBFILE (dev $WANT_MAJ:$WANT_MIN inode $WANT_INO)"
}

# Starts QEMU_BINARY under timeout(1) in the background, with LD_LIBRARY_PATH=$JOB/lib and
# an offscreen SDL display: a 1 GiB, 2-CPU TCG machine without defaults, then QEMU_ARGS
# (devices, display, -L, tracing), then the kernel, initramfs and serial console.
# In: JOB, KDIR, TIMEOUT, VIRGL_SHIM_LOG (default info). Out: SERIAL ($JOB/serial.log),
# QLOG ($JOB/qemu.log, QEMU's stdout+stderr), T0 (start time), QPID (timeout's pid).
qemu_start() {
  local bin=$1; shift
  SERIAL="$JOB/serial.log"
  QLOG="$JOB/qemu.log"
  : >"$SERIAL"
  T0=$(date +%s.%N)
  SDL_VIDEODRIVER=offscreen LD_LIBRARY_PATH="$JOB/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
  VIRGL_SHIM_LOG=${VIRGL_SHIM_LOG:-info} \
    timeout -k 5 "$TIMEOUT" "$bin" \
      -accel tcg -m 1024 -smp 2 -nodefaults -no-user-config -no-reboot \
      "$@" \
      -kernel "$KDIR/vmlinuz" -initrd "$JOB/initramfs.cpio" \
      -append "console=ttyS0 loglevel=4 panic=-1 drm_kms_helper.fbdev_emulation=0" \
      -serial "file:$SERIAL" \
      </dev/null >"$QLOG" 2>&1 &
  QPID=$!
}

# While QEMU runs: prove from /proc/PID/maps that the libvirglrenderer it mapped is
# our file (device + inode), and that no other libvirglrenderer is mapped.
# $QPID is timeout(1); QEMU is its child. Polls for up to 60 s (300 x 0.2 s).
# In: QPID, WANT_MAJ, WANT_MIN, WANT_INO, LOGP. Out: MAPS_OK (1 when proven, else 0),
# MAPS_MSG; prints "$LOGP: $MAPS_MSG".
qemu_prove_maps() {
  local qemu_pid ours others dev ino path maj min
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

# In: SERIAL, QLOG, JOB, VERBOSE. Out: $JOB/serial.txt (the serial log without \r);
# with VERBOSE=1 prints it and the QEMU log.
qemu_serial_text() {
  tr -d '\r' <"$SERIAL" >"$JOB/serial.txt"
  if [ "$VERBOSE" = 1 ]; then
    echo "---- serial console"; cat "$JOB/serial.txt"; echo "---- qemu log"; cat "$QLOG"; echo "----"
  fi
}

# The checks of a run beyond the guest's own FAIL lines: the library check, QEMU's exit
# status (0 and each OK_STATUS are fine; 124/137 is the timeout), the guest's "TAG-PLAN n"
# and "TAG-END" lines and NRES >= PLAN, and no panic/crash in the QEMU log.
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
# In: QLOG_TAIL_LINES, PROBLEMS, FAILED, VERBOSE, JOB, QLOG, LOGP.
qemu_report_problems() {
  local p
  if [ "${#PROBLEMS[@]}" -gt 0 ] || [ "$FAILED" -gt 0 ]; then
    if [ "$VERBOSE" != 1 ]; then
      echo "---- serial console (tail)"; tail -40 "$JOB/serial.txt"
      echo "---- qemu log (tail)"; tail -"$1" "$QLOG"; echo "----"
    fi
    for p in "${PROBLEMS[@]}"; do echo "$LOGP: $p"; done
  fi
}
