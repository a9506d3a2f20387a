#!/usr/bin/env bash
# scripts/qemu-ci.sh build|path
#
# The QEMU that CI builds from source against virgl-shim's virglrenderer.pc (1.2.0), so
# that its `#if VIRGL_VERSION_MAJOR >= 1` paths (blob resources, the hostmem BAR,
# get_info_ext at SET_SCANOUT, ...) run against our library. Cached between runs on one
# machine, keyed by the version of Debian's qemu-system-x86 package (the source built is
# that package's source, from the same suite):
#
#   $VIRGL_SHIM_QEMU_CI_CACHE/<version>/build/qemu-system-x86_64   (default /var/tmp/virgl-shim-qemu)
#
#   build   build it unless the cache holds a verified build (`ok` stamp); prints the
#           binary's path on the last line. The build runs scripts/qemu-from-source.sh's
#           fetch deps shim configure build verify stages into the cache (needs root for
#           apt; ~10-20 min on 2 cores; an interrupted build resumes where it stopped).
#   path    print the cached binary's path; exit 1 (with a message) when there is none.
#
# The QEMU is compiled against the header and .pc only: at run time the tests load the
# library under test through LD_LIBRARY_PATH and check the device+inode of the file QEMU
# mapped (tests/lib/qemu.sh), so a library change never needs a QEMU rebuild. The header
# QEMU was built against is recorded in the stamp; a changed header is reported, not
# rebuilt for (the ABI is fixed; VIRGL_REBUILD_QEMU=1 forces a rebuild).
#
# Environment: VIRGL_SHIM_QEMU_CI_CACHE, VIRGL_REBUILD_QEMU=1, JOBS (ninja, default 2).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BASE=${VIRGL_SHIM_QEMU_CI_CACHE:-/var/tmp/virgl-shim-qemu}

say() { echo "qemu-ci: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

[ $# -eq 1 ] || { echo "usage: $0 build|path" >&2; exit 2; }

ver=$(dpkg-query -W -f '${Version}' qemu-system-x86 2>/dev/null) ||
  die "Debian's qemu-system-x86 is not installed (scripts/install-deps.sh): its version keys the cache"
# The suffix names the configure options' revision (bump it when they change): +virtfs
# added virtio-9p for the GL guest tier.
key=$(printf '%s' "${ver#*:}" | tr -c 'A-Za-z0-9.+-' '_')+virtfs
DIR="$BASE/$key"
QEMU="$DIR/build/qemu-system-x86_64"
header_sum() { cat "$ROOT/include/virglrenderer.h" "$ROOT/include/virgl-version.h" | sha256sum | cut -c1-16; }

cached() { [ -f "$DIR/ok" ] && [ -x "$QEMU" ]; }

case "$1" in
  path)
    cached || die "no verified QEMU build in $DIR (run: scripts/qemu-ci.sh build)"
    echo "$QEMU" ;;
  build)
    mkdir -p "$BASE"
    exec 9>"$BASE/$key.lock"
    say "waiting for the cache lock $BASE/$key.lock"
    flock -w 3600 9 || die "cache lock timeout ($BASE/$key.lock)"
    if [ "${VIRGL_REBUILD_QEMU:-0}" = 1 ] && [ -f "$DIR/ok" ]; then
      say "VIRGL_REBUILD_QEMU=1: rebuilding"; rm -f "$DIR/ok"; export RECONFIGURE=1
    fi
    if cached; then
      built=$(sed -n 's/^header //p' "$DIR/ok")
      [ "$built" = "$(header_sum)" ] ||
        say "note: include/ changed since this QEMU was built (VIRGL_REBUILD_QEMU=1 rebuilds)"
      say "cached: $(sed -n 's/^built //p' "$DIR/ok") ($QEMU)"
    else
      say "building QEMU $ver from source into $DIR (log: $DIR/logs)"
      t0=$SECONDS
      # The shim's meson build dir names this checkout's source dir; a resumed build may
      # come from another clone, so set it up afresh (cargo's target/ makes that cheap).
      rm -rf "$DIR/shim-build"
      VIRGL_SHIM_QEMU_CACHE=$DIR VIRGL_SHIM_PREFIX=$DIR/shim VIRGL_SHIM_BUILD=$DIR/shim-build \
      VIRGL_SHIM_CARGO_TARGET=${CARGO_TARGET_DIR:-$ROOT/target} \
        bash "$ROOT/scripts/qemu-from-source.sh" fetch deps shim configure build verify ||
        die "the QEMU build failed (logs in $DIR/logs); a rerun resumes it"
      src=$(ls -1d "$DIR"/qemu-[0-9]*/ | sort -V | tail -n1)
      case "$key" in
        "$(basename "$src" | sed 's/^qemu-//')"*) ;;
        *) say "note: the source fetched ($(basename "$src")) is not the version of Debian's binary ($ver)" ;;
      esac
      { echo "built $(date -u +%FT%TZ) in $((SECONDS - t0)) s from $(basename "$src")"
        echo "header $(header_sum)"; } >"$DIR/ok"
      say "built in $((SECONDS - t0)) s"
    fi
    "$QEMU" --version | head -n1 >&2
    echo "$QEMU" ;;
  *) echo "usage: $0 build|path" >&2; exit 2 ;;
esac
