#!/usr/bin/env bash
# Sourced, not run. `apt_mirror` prints the Debian archive URI this machine's apt already
# uses (the first `URIs:` of /etc/apt/sources.list.d/debian.sources, else the first `deb`
# line of /etc/apt/sources.list that is not a security archive), so that the scripts that
# add a backports or deb-src line name no host of their own.
apt_mirror() {
  local uri=""
  if [ -r /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
      /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$uri" ] && [ -r /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; exit } }' \
      /etc/apt/sources.list)
  fi
  [ -n "$uri" ] || { echo "apt_mirror: no Debian archive URI in this machine's apt sources" >&2; return 1; }
  echo "${uri%/}"
}
