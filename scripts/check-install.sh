#!/bin/sh
# check-install.sh — installs the meson build into a scratch DESTDIR and proves that a C
# program outside the source tree builds against it through pkg-config alone, the way
# QEMU finds virglrenderer, and runs against the installed library.
#
# Usage: scripts/check-install.sh [BUILDDIR]   (a configured meson build dir; default build)
# Prints PASS/FAIL per check; exits non-zero when any fails.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
CC=${CC:-cc}
failures=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failures=$((failures + 1)); }

T=$(mktemp -d "${TMPDIR:-/tmp}/check-install.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT INT TERM
DEST=$T/dest

if ! meson install -C "$BUILD" --destdir "$DEST" >"$T/install.log" 2>&1; then
    echo "FAIL install: meson install -C $BUILD failed:"; cat "$T/install.log"; exit 1
fi
pass "meson install --destdir"

pc=$(find "$DEST" -name virglrenderer.pc -path '*/pkgconfig/*' | head -n 1)
if [ -z "$pc" ]; then echo "FAIL pkgconfig: no virglrenderer.pc installed"; exit 1; fi
pcdir=$(dirname "$pc")
libdir=$(dirname "$pcdir")

# File tree: real file + SONAME and link-name symlinks, headers under include/virgl/.
tree_ok=1
[ -f "$libdir/libvirglrenderer.so.1.2.0" ] && [ ! -L "$libdir/libvirglrenderer.so.1.2.0" ] || { tree_ok=0; fail tree "no regular libvirglrenderer.so.1.2.0 in $libdir"; }
[ "$(readlink "$libdir/libvirglrenderer.so.1")" = libvirglrenderer.so.1.2.0 ] || { tree_ok=0; fail tree "libvirglrenderer.so.1 is not a symlink to libvirglrenderer.so.1.2.0"; }
[ "$(readlink -f "$libdir/libvirglrenderer.so")" = "$(readlink -f "$libdir/libvirglrenderer.so.1.2.0")" ] && [ -L "$libdir/libvirglrenderer.so" ] || { tree_ok=0; fail tree "libvirglrenderer.so is not a symlink to the library"; }
for h in virglrenderer.h virgl-version.h; do
    [ -n "$(find "$DEST" -path "*/include/virgl/$h")" ] || { tree_ok=0; fail tree "include/virgl/$h not installed"; }
done
soname=$(readelf -d "$libdir/libvirglrenderer.so.1.2.0" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
[ "$soname" = libvirglrenderer.so.1 ] || { tree_ok=0; fail tree "installed SONAME '$soname'"; }
[ $tree_ok = 1 ] && pass "tree ($(cd "$DEST" && find . \( -type f -o -type l \) | sort | tr '\n' ' '))"

# pkg-config sees only our file (PKG_CONFIG_LIBDIR hides Debian's 0.10.4 .pc); the sysroot
# maps the installed prefix into DEST.
pkgconf() { PKG_CONFIG_LIBDIR=$pcdir PKG_CONFIG_PATH= PKG_CONFIG_SYSROOT_DIR=$DEST pkg-config "$@"; }
ver=$(pkgconf --modversion virglrenderer 2>&1)
if [ "$ver" = 1.2.0 ] && pkgconf --exists 'virglrenderer >= 1.0.0'; then pass "pkg-config version ($ver)"
else fail pkg-config "modversion '$ver'"; fi
flags=$(pkgconf --cflags --libs virglrenderer 2>&1)
case $flags in
    *"-I$DEST/"*"/include/virgl"*"-L$DEST/"*"-lvirglrenderer"*) pass "pkg-config flags ($flags)" ;;
    *) fail pkg-config "unexpected flags: $flags" ;;
esac

# An out-of-tree consumer, written the way QEMU includes and version-checks the API.
mkdir "$T/consumer"
cat >"$T/consumer/main.c" <<'CEOF'
#include <stdio.h>
#include <stdint.h>
#include <virglrenderer.h>
#include <virgl-version.h>

#if !VIRGL_CHECK_VERSION(1, 2, 0)
#error "expected the 1.2 API"
#endif

static void write_fence(void *cookie, uint32_t fence) { (void)cookie; (void)fence; }

int main(void)
{
   static int cookie;
   struct virgl_renderer_callbacks cbs = { .version = 4, .write_fence = write_fence };
   struct virgl_renderer_resource_create_args a = {
      .handle = 1, .target = 2, .format = 2, .bind = VIRGL_RES_BIND_RENDER_TARGET,
      .width = 16, .height = 16, .depth = 1, .array_size = 1, .flags = 1 };
   struct virgl_renderer_resource_info info;
   if (virgl_renderer_init(&cookie, 0, &cbs) != 0)
      return 1;
   if (virgl_renderer_resource_create(&a, NULL, 0) != 0 ||
       virgl_renderer_resource_get_info(1, &info) != 0 || info.width != 16)
      return 2;
   virgl_renderer_resource_unref(1);
   virgl_renderer_cleanup(&cookie);
   printf("consumer ok %d.%d.%d\n", VIRGL_VERSION_MAJOR, VIRGL_VERSION_MINOR, VIRGL_VERSION_MICRO);
   return 0;
}
CEOF
# shellcheck disable=SC2046
if (cd "$T/consumer" && $CC -std=c11 -Wall -Werror main.c -o consumer $(pkgconf --cflags --libs virglrenderer)) 2>"$T/err"; then
    pass "consumer build"
    out=$(VIRGL_SHIM_BACKEND=cpu LD_LIBRARY_PATH=$libdir "$T/consumer/consumer" 2>"$T/err")
    rc=$?
    resolved=$(LD_LIBRARY_PATH=$libdir ldd "$T/consumer/consumer" | sed -n 's/^[[:space:]]*libvirglrenderer\.so\.1 => \([^ ]*\) .*/\1/p')
    if [ $rc -eq 0 ] && [ "$out" = "consumer ok 1.2.0" ] &&
       [ "$(readlink -f "$resolved")" = "$(readlink -f "$libdir/libvirglrenderer.so.1.2.0")" ]; then
        pass "consumer run (libvirglrenderer.so.1 => $resolved)"
    else
        fail "consumer run" "rc $rc, output '$out', library '$resolved': $(cat "$T/err")"
    fi
else
    fail "consumer build" "$(cat "$T/err")"
fi

# The vtest server: in <bindir>, executable, upstream's command line, virgl-shim linked in
# (no libvirglrenderer loaded), and it serves its socket.
srv=$(find "$DEST" -path '*/bin/virgl_test_server' | head -n 1)
if [ -z "$srv" ] || [ ! -x "$srv" ]; then
    fail virgl_test_server "not installed in <bindir>"
elif ! "$srv" --help >"$T/srv-help" 2>&1 || ! grep -q -- '--socket-path' "$T/srv-help"; then
    fail virgl_test_server "--help: $(head -n 2 "$T/srv-help")"
elif ldd "$srv" | grep -q libvirglrenderer; then
    fail virgl_test_server "links a libvirglrenderer: $(ldd "$srv" | grep libvirglrenderer)"
else
    VIRGL_SHIM_BACKEND=cpu "$srv" --no-loop-or-fork --socket-path="$T/vtest.sock" >"$T/srv.log" 2>&1 &
    spid=$!
    i=0
    while [ ! -S "$T/vtest.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    if [ -S "$T/vtest.sock" ]; then pass "virgl_test_server (${srv#"$DEST"}: --help, no libvirglrenderer, listens)"
    else fail virgl_test_server "no socket: $(head -n 3 "$T/srv.log")"; fi
    kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
fi

if [ $failures -ne 0 ]; then echo "check-install: $failures check(s) FAILED"; exit 1; fi
echo "check-install: all checks passed"
