# Shared by tests/e2e/run.sh and tests/hostmem/run.sh: a Debian bookworm 6.1 kernel and the
# virtio-gpu modules with their depends= closure (the 6.1 package has no modules.dep),
# downloaded with apt and extracted once into a cache.
#
#   CACHE=dir MODS="virtio_pci virtio_gpu" LOGP=e2e [KERNEL_DEB=file.deb]
#   . tests/lib/guest-kernel.sh
#   KDIR=$(guest_kernel) || fail     # $KDIR/vmlinuz, $KDIR/modules/*.ko, modules.order, kver

prepare_kernel() {
  local deb pkg tmp kv md
  deb=${KERNEL_DEB:-}
  if [ -z "$deb" ]; then
    deb=$(ls -1 "$CACHE"/linux-image-6.1.0-*-amd64_*.deb 2>/dev/null | sort -V | tail -1 || true)
  fi
  if [ -z "$deb" ]; then
    pkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' | awk '{print $1}' | sort -V | tail -1)
    [ -n "$pkg" ] || pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-6\.1/{print $2; exit}')
    [ -n "$pkg" ] || { echo "$LOGP: no linux-image-6.1.0-*-amd64 package visible to apt" >&2; return 1; }
    echo "$LOGP: downloading $pkg into $CACHE" >&2
    (cd "$CACHE" && apt-get download "$pkg" >/dev/null 2>&1) || { echo "$LOGP: apt-get download $pkg failed" >&2; return 1; }
    deb=$(ls -1 "$CACHE"/linux-image-6.1.0-*-amd64_*.deb | sort -V | tail -1)
  fi
  local key; key=$(basename "$deb" .deb)
  [ -s "$CACHE/$key/vmlinuz" ] && [ -s "$CACHE/$key/modules.order" ] && { echo "$CACHE/$key"; return 0; }
  echo "$LOGP: extracting $(basename "$deb")" >&2
  tmp=$(mktemp -d "$CACHE/build.XXXXXX")
  dpkg-deb -x "$deb" "$tmp/k"
  kv=$(ls "$tmp/k/lib/modules" | head -1)
  md="$tmp/k/lib/modules/$kv/kernel"
  find "$md" -name '*.ko*' >"$tmp/allmods"
  mkdir -p "$tmp/out/modules"
  local -A seen=()
  local order=()
  uncompress() { case "$1" in *.xz) xz -dc "$1" ;; *.zst) zstd -dc "$1" ;; *.gz) gzip -dc "$1" ;; *) cat "$1" ;; esac; }
  resolve() {
    local m=$1 f deps x
    [ -n "${seen[$m]:-}" ] && return 0
    seen[$m]=1
    # module names treat - and _ alike
    f=$(grep -E "/${m//[-_]/[-_]}\.ko(\.xz|\.zst|\.gz)?$" "$tmp/allmods" | head -1 || true)
    [ -n "$f" ] || return 0   # built in
    deps=$(uncompress "$f" | grep -a -o 'depends=[^[:cntrl:]]*' | head -1 | cut -d= -f2 || true)
    for x in ${deps//,/ }; do resolve "$x"; done
    order+=("$f")
  }
  for m in $MODS; do resolve "$m"; done
  : >"$tmp/out/modules.order"
  local f b
  for f in "${order[@]}"; do
    b=$(basename "$f"); b=${b%.xz}; b=${b%.zst}; b=${b%.gz}
    uncompress "$f" >"$tmp/out/modules/$b"
    echo "$b" >>"$tmp/out/modules.order"
  done
  cp "$tmp/k/boot/vmlinuz-$kv" "$tmp/out/vmlinuz"
  echo "$kv" >"$tmp/out/kver"
  rm -rf "${CACHE:?}/$key"
  mv "$tmp/out" "$CACHE/$key"
  rm -rf "$tmp"
  echo "$CACHE/$key"
}
guest_kernel() {
  mkdir -p "$CACHE"
  (
    exec 9>"$CACHE/.lock"
    flock -w 600 9 || { echo "$LOGP: cache lock timeout" >&2; exit 1; }
    prepare_kernel
  )
}
