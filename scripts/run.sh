#!/usr/bin/env bash
# Builds Kassa and runs it at http://127.0.0.1:3000 on the embedded Klarna
# simulator. No credentials or config needed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$KASSA_ROOT"
say "Building and starting Kassa (Ctrl-C stops it)"
exec cargo leptos serve --split "$@"
