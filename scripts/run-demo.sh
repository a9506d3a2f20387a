#!/usr/bin/env bash
# The main demo on a fresh Debian 12 machine: installs what it needs, builds, runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cargo run --release --example demo -- "$@"
