#!/usr/bin/env bash
# The browser suite (Playwright in Debian's Chromium) against a fresh build:
# builds the site, both bundles (Kassa's with the seller's screens, then the
# kiosk's), and the server; the suite starts the server. A panic in the
# server's output (say while rendering a page) fails the run even when every
# test passed.
#
#   scripts/e2e.sh                            the debug build, every test
#   scripts/e2e.sh --release --precompress    the release build, as deployed
#   scripts/e2e.sh -- kiosk.spec.ts           some tests (Playwright's arguments after --)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$KASSA_ROOT"

build=()
tests=()
while [ $# -gt 0 ]; do
  case "$1" in
    --) shift; tests=("$@"); break ;;
    *) build+=("$1"); shift ;;
  esac
done
profile=debug
for arg in "${build[@]}"; do [ "$arg" = --release ] && profile=release; done

say "Building the site and the server ($profile)"
cargo leptos build --split "${build[@]}"

# Each run gets an empty database of its own, so runs never see each
# other's payments (or the developer's).
data="$KASSA_ROOT/target/e2e-data/$profile"
rm -rf "$data" && mkdir -p "$data"
log="$KASSA_ROOT/target/e2e-$profile.log"
say "Browser tests against the $profile build"
# KASSA_E2E_PROFILE names the binary that matches the site (for the suite's
# server and for tests that start a second Kassa).
(cd end2end && KASSA_E2E_PROFILE="$profile" KASSA__DATA_DIR="$data" npx playwright test "${tests[@]}") 2>&1 | tee "$log"
if grep -q "panicked at" "$log"; then
  echo "The server panicked during the $profile browser run (see $log):" >&2
  grep -A2 "panicked at" "$log" >&2
  exit 1
fi
