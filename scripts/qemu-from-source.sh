#!/usr/bin/env bash
# scripts/qemu-from-source.sh [STAGE...]
#
# ON-DEMAND (not CI): build QEMU from Debian's bookworm-backports source package
# against virgl-shim's installed header and virglrenderer.pc (Version 1.2.0), so that
# QEMU's `#if VIRGL_VERSION_MAJOR >= 1` paths (blob resources, hostmem BAR,
# virgl_renderer_resource_map) are compiled in. Debian's binary QEMU is built against
# bookworm's virglrenderer 0.10.4 and refuses `blob=true` ("old virglrenderer").
# Then runs tests/hostmem/run.sh with the new binary. See docs/qemu-hostmem.md.
#
# Stages (default: all, in this order):
#   fetch      deb-src line + `apt-get source` of qemu/bookworm-backports into $CACHE
#   deps       apt-get install of the few -dev packages a minimal configure needs
#   shim       meson setup/compile/install of virgl-shim into $SHIM_PREFIX
#   configure  QEMU ./configure (x86_64-softmmu, sdl + opengl + virglrenderer only)
#   build      nice -n 19 ninja -j$JOBS (20-40 minutes on 2 cores; log in $CACHE/logs)
#   verify     check QEMU's config-host.h says VIRGL_VERSION_MAJOR 1 and meson found
#              virglrenderer 1.2.0, and that the binary links libvirglrenderer.so.1
#   test       tests/hostmem/run.sh --qemu $CACHE/build/qemu-system-x86_64 --lib $SHIM_LIB
#
# Environment:
#   VIRGL_SHIM_QEMU_CACHE=/var/tmp/virgl-shim-qemu-src   source, build dir, logs
#   VIRGL_SHIM_PREFIX=/tmp/vs-prefix                      virgl-shim install prefix
#   VIRGL_SHIM_BUILD=/tmp/vs-build                        virgl-shim meson build dir
#   VIRGL_SHIM_CARGO_TARGET=DIR                           cargo target dir for that meson build
#                                                         (e.g. the tree's target/: no second
#                                                         cargo build); default: its own
#   JOBS=2                                                ninja parallelism
#   RECONFIGURE=1                                         rerun configure in an existing build dir
#   MESON_PIP_SPEC="meson==1.5.2 pycotap==1.3.1"         for QEMU 10 configure (meson >= 1.5;
#                                                         bookworm has 1.0.1 and the +ds
#                                                         tarball drops python/wheels)
# Needs root for the fetch/deps stages (apt). Exit status: non-zero on the first failing
# stage; the test stage's status is run.sh's.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
CACHE=${VIRGL_SHIM_QEMU_CACHE:-/var/tmp/virgl-shim-qemu-src}
SHIM_PREFIX=${VIRGL_SHIM_PREFIX:-/tmp/vs-prefix}
SHIM_BUILD=${VIRGL_SHIM_BUILD:-/tmp/vs-build}
JOBS=${JOBS:-2}
MESON_PIP_SPEC=${MESON_PIP_SPEC:-meson==1.5.2 pycotap==1.3.1}
SUITE=bookworm-backports
SRCLIST=/etc/apt/sources.list.d/virgl-shim-qemu-src.list
LOGS="$CACHE/logs"
BUILD="$CACHE/build"
TOOLS="$CACHE/tools"   # venv holding a recent meson

say() { echo "qemu-from-source: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }
mkdir -p "$CACHE" "$LOGS"

# Multiarch libdir as meson picks it (lib/x86_64-linux-gnu on Debian).
shim_libdir() {
  local d
  for d in "$SHIM_PREFIX"/lib/*-linux-gnu "$SHIM_PREFIX/lib64" "$SHIM_PREFIX/lib"; do
    [ -e "$d/pkgconfig/virglrenderer.pc" ] && { echo "$d"; return 0; }
  done
  return 1
}

srcdir() {
  local d
  d=$(ls -1d "$CACHE"/qemu-[0-9]*/ 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$d" ] && [ -f "$d/configure" ] || return 1
  echo "${d%/}"
}

stage_fetch() {
  if srcdir >/dev/null; then say "source already in $(srcdir)"; return 0; fi
  [ "$(id -u)" = 0 ] || die "fetch needs root (apt)"
  if [ ! -f "$SRCLIST" ]; then
    # shellcheck source=scripts/lib/apt-mirror.sh
    . "$HERE/lib/apt-mirror.sh"
    echo "deb-src $(apt_mirror) $SUITE main" >"$SRCLIST"
  fi
  # Refresh only our list (fast; leaves the other lists alone).
  apt-get update -o Dir::Etc::sourcelist="$SRCLIST" -o Dir::Etc::sourceparts=- \
    -o APT::Get::List-Cleanup=0 >"$LOGS/apt-update.log" 2>&1 || die "apt-get update failed (see $LOGS/apt-update.log)"
  say "source version: $(apt-cache showsrc "qemu" | awk '/^Version:/{print $2}' | sort -V | tail -1)"
  # `apt-get source` downloads .dsc + orig + debian tarballs and unpacks with
  # dpkg-source. Some mirrors have served 404 for the .dsc/.debian.tar.xz while the
  # orig tarball arrived; the orig tarball alone is enough for this build (Debian's
  # patches are not needed), so fall back to unpacking it.
  (cd "$CACHE" && apt-get source "qemu/$SUITE") >"$LOGS/apt-source.log" 2>&1 || say "apt-get source incomplete (see $LOGS/apt-source.log); trying the orig tarball"
  if ! srcdir >/dev/null; then
    local orig; orig=$(ls -1 "$CACHE"/qemu_*.orig.tar.* 2>/dev/null | sort -V | tail -1 || true)
    [ -n "$orig" ] || die "no qemu source or orig tarball in $CACHE"
    (cd "$CACHE" && tar xf "$orig") || die "unpacking $orig failed"
  fi
  say "source in $(srcdir)"
}

stage_deps() {
  local pkgs="ninja-build pkg-config python3-venv libglib2.0-dev libpixman-1-dev libsdl2-dev
              libepoxy-dev libgbm-dev libfdt-dev zlib1g-dev flex bison meson cpio busybox-static
              libdrm-dev libcap-ng-dev libattr1-dev"
  local missing="" p
  for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    [ "$(id -u)" = 0 ] || die "missing packages:$missing (needs root to install)"
    say "installing:$missing"
    # -t bookworm-backports: the machine carries backports' libwayland*, and libsdl2-dev
    # pulls libwayland-dev, which must match them.
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -t "$SUITE" $missing \
      >"$LOGS/apt-install.log" 2>&1 || die "apt-get install failed (see $LOGS/apt-install.log)"
  fi
  # QEMU 10 wants meson >= 1.5.0; bookworm has 1.0.1 and the +ds orig tarball drops
  # python/wheels. Keep a private venv with a recent meson (PyPI through pip).
  if ! "$TOOLS/bin/python3" -c "import mesonbuild, pycotap" 2>/dev/null; then
    /usr/bin/python3 -m venv "$TOOLS" || die "python3 -m venv failed"
    "$TOOLS/bin/pip" install -q $MESON_PIP_SPEC >"$LOGS/pip.log" 2>&1 || die "pip install $MESON_PIP_SPEC failed (see $LOGS/pip.log)"
  fi
  say "meson for QEMU: $("$TOOLS/bin/meson" --version)"
}

stage_shim() {
  say "installing virgl-shim into $SHIM_PREFIX (build dir $SHIM_BUILD)"
  if [ ! -f "$SHIM_BUILD/build.ninja" ]; then
    local opts=(--prefix="$SHIM_PREFIX")
    [ -z "${VIRGL_SHIM_CARGO_TARGET:-}" ] || opts+=(-Dcargo_target_dir="$VIRGL_SHIM_CARGO_TARGET" -Dtests=false)
    meson setup "$SHIM_BUILD" "$ROOT" "${opts[@]}" >"$LOGS/shim.log" 2>&1 || die "meson setup failed (see $LOGS/shim.log)"
  fi
  { nice -n 10 meson compile -C "$SHIM_BUILD" && meson install -C "$SHIM_BUILD"; } >>"$LOGS/shim.log" 2>&1 \
    || die "virgl-shim build/install failed (see $LOGS/shim.log)"
  local ld; ld=$(shim_libdir) || die "no virglrenderer.pc under $SHIM_PREFIX"
  say "virglrenderer.pc: $ld/pkgconfig/virglrenderer.pc (Version $(PKG_CONFIG_PATH=$ld/pkgconfig pkg-config --modversion virglrenderer))"
}

stage_configure() {
  local src ld; src=$(srcdir) || die "no source (run the fetch stage)"
  ld=$(shim_libdir) || die "virgl-shim not installed under $SHIM_PREFIX (run the shim stage)"
  if [ -f "$BUILD/build.ninja" ] && [ "${RECONFIGURE:-0}" != 1 ]; then
    say "already configured in $BUILD (RECONFIGURE=1 to redo)"; return 0
  fi
  local ver; ver=$(PKG_CONFIG_PATH="$ld/pkgconfig" pkg-config --modversion virglrenderer)
  [ "${ver%%.*}" -ge 1 ] || die "virglrenderer.pc says $ver; need >= 1.0 for the blob paths"
  # The +ds orig tarball drops the firmware blobs (Debian ships them in other
  # packages); pc-bios/meson.build still unpacks edk2-*.fd.bz2 whenever bzip2 exists.
  # Skip that when the files are absent (edits only the cached copy of the source).
  if ! grep -q 'virgl-shim' "$src/pc-bios/meson.build" && grep -q '^if unpack_edk2_blobs$' "$src/pc-bios/meson.build"; then
    sed -i "s|^if unpack_edk2_blobs\$|if unpack_edk2_blobs and fs.exists(meson.current_source_dir() / 'edk2-x86_64-code.fd.bz2') # virgl-shim|" \
      "$src/pc-bios/meson.build"
    grep -q 'virgl-shim' "$src/pc-bios/meson.build" || die "could not patch $src/pc-bios/meson.build"
  fi
  mkdir -p "$BUILD"
  say "configuring $src in $BUILD against virglrenderer $ver"
  # --without-default-features turns every auto feature off; enable only what the
  # hostmem test and the GL guest tier (tests/vm/vm.sh: the host's / over virtio-9p) need. --python is the private venv: QEMU's mkvenv nests its pyvenv in
  # it and so finds the meson >= 1.5 installed there.
  (cd "$BUILD" && PKG_CONFIG_PATH="$ld/pkgconfig" \
    "$src/configure" --python="$TOOLS/bin/python3" \
      --target-list=x86_64-softmmu --without-default-features \
      --enable-tcg --enable-fdt=system --enable-pixman --enable-sdl --enable-opengl \
      --enable-virtfs --enable-attr --enable-cap-ng \
      --enable-virglrenderer --disable-docs --disable-werror --disable-download \
      --disable-kvm --disable-xen --disable-rust --disable-install-blobs \
      --extra-ldflags="-Wl,-rpath,$ld") >"$LOGS/configure.log" 2>&1 \
    || die "configure failed (see $LOGS/configure.log)"
  grep -E 'VirGL support|SDL support|OpenGL support' "$LOGS/configure.log" >&2 || true
}

stage_build() {
  [ -f "$BUILD/build.ninja" ] || die "not configured (run the configure stage)"
  say "building with nice -n 19 ninja -j$JOBS (log: $LOGS/build.log)"
  local t0; t0=$(date +%s)
  (cd "$BUILD" && nice -n 19 ninja -j"$JOBS" qemu-system-x86_64) >"$LOGS/build.log" 2>&1 \
    || { tail -30 "$LOGS/build.log" >&2; die "build failed (see $LOGS/build.log)"; }
  say "build done in $(( $(date +%s) - t0 ))s: $BUILD/qemu-system-x86_64"
}

stage_verify() {
  local q="$BUILD/qemu-system-x86_64" ok=1
  [ -x "$q" ] || die "no $q (run the build stage)"
  local major; major=$(sed -n 's/^#define VIRGL_VERSION_MAJOR \([0-9]*\).*/\1/p' "$BUILD/config-host.h")
  if [ -n "$major" ] && [ "$major" -ge 1 ]; then say "config-host.h: VIRGL_VERSION_MAJOR $major"
  else say "config-host.h: VIRGL_VERSION_MAJOR is '${major:-unset}' (want >= 1)"; ok=0; fi
  if grep -qE "Run-time dependency virglrenderer found: YES 1\.2\.0" "$BUILD/meson-logs/meson-log.txt"; then
    say "meson-log: virglrenderer 1.2.0 found"
  else say "meson-log: virglrenderer 1.2.0 NOT found"; ok=0; fi
  if ldd "$q" | grep -q 'libvirglrenderer.so.1'; then say "ldd: $(ldd "$q" | grep libvirglrenderer)"
  else say "ldd: qemu does not link libvirglrenderer.so.1"; ok=0; fi
  say "$("$q" --version | head -1)"
  [ "$ok" = 1 ] || die "verify failed"
}

stage_test() {
  local ld; ld=$(shim_libdir) || die "virgl-shim not installed under $SHIM_PREFIX"
  "$ROOT/tests/hostmem/run.sh" --qemu "$BUILD/qemu-system-x86_64" --lib "$ld"
}

STAGES=("$@")
[ ${#STAGES[@]} -gt 0 ] || STAGES=(fetch deps shim configure build verify test)
for s in "${STAGES[@]}"; do
  case "$s" in
    fetch|deps|shim|configure|build|verify|test) "stage_$s" ;;
    -h|--help) sed -n '2,34p' "$0"; exit 0 ;;
    *) die "unknown stage: $s" ;;
  esac
done
