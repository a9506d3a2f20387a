#!/bin/sh
# check-abi.sh — proves that virgl-shim's libvirglrenderer and include/virglrenderer.h are
# ABI-compatible with virglrenderer as installed by Debian (0.10.4, libvirglrenderer-dev)
# and that the exported symbol set is exactly src/ffi/exports.map.
#
# Usage: scripts/check-abi.sh [LIBDIR]     (LIBDIR holds libvirglrenderer.so; default
#                                          target/release). Builds nothing with cargo.
# Environment: CC (default cc), DEB_HEADER (default /usr/include/virgl/virglrenderer.h),
#              QEMU_MODULE (default the Debian virtio-gpu-gl module), OUR_INCLUDE (default
#              include/; lets a test point the checks at a modified header).
# Prints one "PASS <check>" / "FAIL <check>: why" / "SKIP <check>: why" line per check and
# exits non-zero when any check fails.
#
# Accepted differences from the 0.10.4 header (documented, checked precisely):
#  - struct virgl_renderer_gl_ctx_param gained `compat_ctx` and struct
#    virgl_renderer_resource_info gained `fd` upstream after 0.10.4: for these two only
#    sizeof may differ, ours must not be smaller, and every 0.10.4 field keeps its offset
#    and size (the old layout is an exact prefix of ours).
#  - virgl_renderer_export_fence takes a uint64_t fence id in 1.x (and here), a uint32_t in
#    0.10.4 (unstable API; on x86-64 both arrive in the same register, zero-extended by
#    callers of the 0.10.4 prototype).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
LIBDIR=${1:-$ROOT/target/release}
case $LIBDIR in /*) ;; *) LIBDIR=$(pwd)/$LIBDIR ;; esac
CC=${CC:-cc}
DEB_HEADER=${DEB_HEADER:-/usr/include/virgl/virglrenderer.h}
QEMU_MODULE=${QEMU_MODULE:-/usr/lib/x86_64-linux-gnu/qemu/hw-display-virtio-gpu-gl.so}
OUR_INCLUDE=${OUR_INCLUDE:-$ROOT/include}
OUR_HEADER=$OUR_INCLUDE/virglrenderer.h
EXPORTS_MAP=$ROOT/src/ffi/exports.map
LIB=$LIBDIR/libvirglrenderer.so
CFLAGS="-std=c11 -Wall -Wextra -Werror -DVIRGL_RENDERER_UNSTABLE_APIS"

failures=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failures=$((failures + 1)); }
skip() { echo "SKIP $1: $2"; }

T=$(mktemp -d "${TMPDIR:-/tmp}/check-abi.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT INT TERM

if [ ! -f "$LIB" ]; then
    echo "FAIL library: $LIB not found (build it first: cargo build --release)"
    exit 1
fi
# A VMM links against the SONAME: give the loader a libvirglrenderer.so.1 that is our file.
mkdir "$T/lib"
ln -s "$LIB" "$T/lib/libvirglrenderer.so.1"
ln -s "$LIB" "$T/lib/libvirglrenderer.so"

# --- soname -----------------------------------------------------------------------------
soname=$(readelf -d "$LIB" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
if [ "$soname" = libvirglrenderer.so.1 ]; then pass soname
else fail soname "SONAME is '$soname', want libvirglrenderer.so.1"; fi

# --- (a) struct layouts, macros and enum constants --------------------------------------
our_flags="-DHAVE_1_2=1"
# Structure-command types are part of 0.10.4's header; if ours lacks them, still build
# the dump so that the comparison below names every missing line.
grep -q 'struct virgl_renderer_hdr *{' "$OUR_HEADER" || our_flags="$our_flags -DABI_NO_STRUCTURE_TYPES=1"
dump_ok=1
if ! $CC $CFLAGS -I"$(dirname "$DEB_HEADER")" "$ROOT/tests/c/abi_dump.c" -o "$T/dump-deb" 2>"$T/err"; then
    fail abi-dump-build "against $DEB_HEADER: $(cat "$T/err")"; dump_ok=0
fi
# shellcheck disable=SC2086
if ! $CC $CFLAGS $our_flags -I"$OUR_INCLUDE" "$ROOT/tests/c/abi_dump.c" -o "$T/dump-ours" 2>"$T/err"; then
    fail abi-dump-build "against $OUR_HEADER: $(cat "$T/err")"; dump_ok=0
fi
if [ $dump_ok = 1 ]; then
    pass abi-dump-build
    "$T/dump-deb" >"$T/deb.txt" && "$T/dump-ours" >"$T/ours.txt"
    # Layout: 0.10.4 lines must appear verbatim in ours, except sizeof of the two structs
    # upstream extended (and of structs embedding them: none in 0.10.4), whose old fields
    # must be an exact prefix of ours.
    awk -F= -v extended="virgl_renderer_gl_ctx_param virgl_renderer_resource_info" '
        BEGIN { n = split(extended, e, " "); for (i = 1; i <= n; i++) ext[e[i]] = 1 }
        NR == FNR { ours[$1] = $2; next }
        {
            key = $1; val = $2; split(key, k, ".")
            if (k[1] == "sizeof" && (k[2] in ext)) {
                if (!(key in ours)) { print "missing " key; bad = 1 }
                else if (ours[key] + 0 < val + 0) { print key ": ours " ours[key] " < 0.10.4 " val; bad = 1 }
                debsize[k[2]] = val
                next
            }
            if (k[1] == "offsetof" && (k[2] in ext)) debfield[k[2] "." k[3]] = 1
            if (k[1] == "offsetof" || k[1] == "fieldsize") {
                f = k[2] "." k[3]
                if (k[1] == "offsetof") off[f] = val; else fsz[f] = val
            }
            if (!(key in ours)) { print "missing in ours: " key "=" val; bad = 1 }
            else if (ours[key] != val) { print key ": ours " ours[key] ", 0.10.4 " val; bad = 1 }
        }
        END {
            # End of the last 0.10.4 field of each extended struct: new fields start after it.
            for (f in debfield) { split(f, p, "."); e2 = off[f] + fsz[f]; if (e2 > oldend[p[1]]) oldend[p[1]] = e2 }
            for (key in ours) {
                split(key, k, ".")
                if (k[1] == "offsetof" && (k[2] in ext) && !((k[2] "." k[3]) in debfield) && ours[key] + 0 < oldend[k[2]] + 0) {
                    print "new field " k[2] "." k[3] " at " ours[key] " overlaps the 0.10.4 layout (ends at " oldend[k[2]] ")"; bad = 1
                }
            }
            exit bad
        }' "$T/ours.txt" "$T/deb.txt" >"$T/layout.log"
    if [ $? -eq 0 ]; then pass "abi-layout ($(wc -l <"$T/deb.txt") lines of 0.10.4 matched)"
    else
        fail abi-layout "$(wc -l <"$T/layout.log") mismatches with 0.10.4, in: $(sed -n 's/^missing in ours: [a-z]*\.\([A-Za-z0-9_]*\).*/\1/p; s/^\([a-z]*\.[A-Za-z0-9_]*\).*: ours.*/\1/p' "$T/layout.log" | sort -u | tr '\n' ' ')"
        sed 's/^/    /' "$T/layout.log"
    fi

    # Completeness of the dump: every object-like macro of 0.10.4's header is printed (so
    # the comparison above covers all of them).
    defines() { sed -n 's/^[[:space:]]*#[[:space:]]*define[[:space:]]\{1,\}\([A-Za-z_][A-Za-z0-9_]*\)\([[:space:]].*\)\{0,1\}$/\1/p' "$1" |
                grep -v -x -e VIRGLRENDERER_H -e VIRGL_EXPORT; }
    missing=""
    for m in $(defines "$DEB_HEADER"); do
        grep -q "^macro\.$m=" "$T/deb.txt" || missing="$missing $m"
    done
    if [ -z "$missing" ]; then pass abi-dump-complete
    else fail abi-dump-complete "0.10.4 macros not printed by tests/c/abi_dump.c:$missing"; fi
    # Our header may add macros (1.x and virgl-shim extensions), but only in the VIRGL_
    # namespace: anything else would collide with the VMM's own names.
    foreign=$(defines "$OUR_HEADER" | grep -v '^VIRGL_' | tr '\n' ' ')
    if [ -z "$foreign" ]; then pass header-namespace
    else fail header-namespace "macros outside VIRGL_* in $OUR_HEADER: $foreign"; fi
    unlisted=""
    for m in $(defines "$OUR_HEADER" | grep '^VIRGL_'); do
        grep -q "^macro\.$m=" "$T/ours.txt" || unlisted="$unlisted $m"
    done
    [ -z "$unlisted" ] || echo "NOTE macros of our header not dumped (not in 0.10.4; add them to abi_dump.c):$unlisted"

    cb_deb=$(sed -n 's/^macro\.VIRGL_RENDERER_CALLBACKS_VERSION=//p' "$T/deb.txt")
    cb_ours=$(sed -n 's/^macro\.VIRGL_RENDERER_CALLBACKS_VERSION=//p' "$T/ours.txt")
    if [ "$cb_deb" = 4 ] && [ "$cb_ours" = 4 ]; then pass callbacks-version
    else fail callbacks-version "VIRGL_RENDERER_CALLBACKS_VERSION: 0.10.4 '$cb_deb', ours '$cb_ours' (want 4)"; fi
fi

# virgl-version.h and virglrenderer.h define the version macros identically (any
# difference is a redefinition warning, an error with -Werror), in both include orders.
vh_ok=1
for order in "virgl-version.h virglrenderer.h" "virglrenderer.h virgl-version.h"; do
    : >"$T/vh.c"
    for f in $order; do echo "#include <$f>" >>"$T/vh.c"; done
    cat >>"$T/vh.c" <<'EOF'
#if !VIRGL_CHECK_VERSION(1, 2, 0) || VIRGL_CHECK_VERSION(1, 2, 1) || VIRGL_VERSION_MAJOR != 1
#error "wrong version"
#endif
int main(void) { return 0; }
EOF
    $CC $CFLAGS -I"$OUR_INCLUDE" "$T/vh.c" -o "$T/vh" 2>"$T/err" || { vh_ok=0; fail version-header "$order: $(cat "$T/err")"; }
done
[ $vh_ok = 1 ] && pass version-header

# --- (b) exported symbols ---------------------------------------------------------------
nm -D --defined-only "$LIB" | awk '{print $NF}' | sort -u >"$T/exported.txt"
sed -n 's/^[[:space:]]*\(virgl_[A-Za-z0-9_]*\);.*/\1/p' "$EXPORTS_MAP" | sort -u >"$T/map.txt"
grep -v '^[[:space:]]*#' "$DEB_HEADER" | tr '\n' ' ' | grep -o 'VIRGL_EXPORT[^;{}]*(' |
    sed 's/[[:space:]]*($//; s/.*[^A-Za-z0-9_]//' | sort -u >"$T/deb-funcs.txt"
if [ "$(wc -l <"$T/deb-funcs.txt")" -lt 30 ]; then
    fail symbols-debian "parsed only $(wc -l <"$T/deb-funcs.txt") functions from $DEB_HEADER"
else
    miss=$(comm -23 "$T/deb-funcs.txt" "$T/exported.txt" | tr '\n' ' ')
    if [ -z "$miss" ]; then pass "symbols-debian ($(wc -l <"$T/deb-funcs.txt") functions of 0.10.4 exported)"
    else fail symbols-debian "not exported: $miss"; fi
fi
extra=$(comm -13 "$T/map.txt" "$T/exported.txt" | tr '\n' ' ')
absent=$(comm -23 "$T/map.txt" "$T/exported.txt" | tr '\n' ' ')
if [ -z "$extra" ] && [ -z "$absent" ]; then pass "symbols-exact ($(wc -l <"$T/map.txt") = exports.map)"
else fail symbols-exact "extra: [$extra] missing: [$absent]"; fi

# Prototypes: every 0.10.4 declaration has the same parameter/return types in ours.
echo '#include <virglrenderer.h>' >"$T/inc.c"
protos() { # $1 include dir, $2 out
    $CC -std=c11 -DVIRGL_RENDERER_UNSTABLE_APIS -I"$1" -fsyntax-only -aux-info "$2.aux" "$T/inc.c" 2>"$T/err" &&
        sed -n 's@^/\*[^*]*\*/ *extern *@@p' "$2.aux" | grep 'virgl_[a-z0-9_]* (' | tr -s ' ' | sort -u >"$2"
}
if protos "$(dirname "$DEB_HEADER")" "$T/deb.protos" && protos "$OUR_INCLUDE" "$T/ours.protos"; then
    diffs=$(grep -v -x -F -f "$T/ours.protos" "$T/deb.protos" |
        grep -v -x -F 'int virgl_renderer_export_fence (uint32_t, int *);' | tr '\n' ' ')
    if [ -z "$diffs" ]; then pass "prototypes ($(wc -l <"$T/deb.protos") declarations of 0.10.4; export_fence u32->u64 accepted)"
    else fail prototypes "0.10.4 declarations differing in ours: $diffs"; fi
else
    fail prototypes "$(cat "$T/err")"
fi

# Every name in exports.map is declared by our header and links against our .so.
{
    printf '%s\n' '#include <stdio.h>' '#include <virglrenderer.h>' 'int main(void)' '{' \
        '   void (*const fns[])(void) = {'
    sed 's/.*/      (void (*)(void))\&&,/' "$T/map.txt"
    cat <<'EOF'
   };
   size_t n = 0;
   for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
      n += fns[i] != NULL;
   printf("%zu\n", n);
   return 0;
}
EOF
} >"$T/addr.c"
if $CC $CFLAGS -Wno-cast-function-type -I"$OUR_INCLUDE" "$T/addr.c" -o "$T/addr" -L"$T/lib" -lvirglrenderer 2>"$T/err"; then
    n=$(LD_LIBRARY_PATH="$T/lib" "$T/addr" 2>"$T/err")
    if [ "$n" = "$(wc -l <"$T/map.txt" | tr -d ' ')" ]; then pass "declarations-link ($n addresses resolved)"
    else fail declarations-link "program printed '$n': $(cat "$T/err")"; fi
else
    fail declarations-link "$(cat "$T/err")"
fi

# --- (c) Debian's QEMU module resolves every virgl symbol from our library -------------
if [ ! -f "$QEMU_MODULE" ]; then
    skip qemu-module "$QEMU_MODULE not installed"
else
    want=$(nm -D --undefined-only "$QEMU_MODULE" | awk '{print $NF}' | grep '^virgl_' | sort -u)
    unexported=$(echo "$want" | comm -23 - "$T/exported.txt" | tr '\n' ' ')
    LD_LIBRARY_PATH="$T/lib" ldd -r "$QEMU_MODULE" >"$T/ldd.txt" 2>&1
    undef=$(grep 'undefined symbol: virgl_' "$T/ldd.txt" | tr '\n' ' ')
    resolved=$(sed -n 's/^[[:space:]]*libvirglrenderer\.so\.1 => \([^ ]*\) .*/\1/p' "$T/ldd.txt")
    if [ -n "$undef" ] || [ -n "$unexported" ]; then
        fail qemu-module "unresolved: $undef $unexported"
    elif [ -z "$resolved" ] || [ "$(readlink -f "$resolved")" != "$(readlink -f "$LIB")" ]; then
        fail qemu-module "libvirglrenderer.so.1 resolved to '$resolved', not $LIB"
    else
        pass "qemu-module ($(echo "$want" | wc -l) virgl imports resolved by $(readlink -f "$resolved"))"
    fi
fi

if [ $failures -ne 0 ]; then
    echo "check-abi: $failures check(s) FAILED"
    exit 1
fi
echo "check-abi: all checks passed"
