#!/usr/bin/env bash
# Builds Kassa (the server and both browser bundles) and runs it at
# http://127.0.0.1:3000 on the embedded Klarna simulator. No credentials or
# config needed. `scripts/run.sh --release` runs the release build.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$KASSA_ROOT"
profile=debug
for arg in "$@"; do [ "$arg" = --release ] && profile=release; done
say "Building Kassa ($profile)"
cargo leptos build --split "$@"
say "Starting Kassa (Ctrl-C stops it)"
exec "./target/$profile/kassa"
