#!/usr/bin/env bash
# Every check CI runs: format, lints, Rust tests, the API contract
# (Schemathesis), live streams behind nginx, the site build, and the
# browser suite against both the debug and the release build.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$KASSA_ROOT"

# CI builds from a clean clone: incremental artifacts would only fill its disk.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi

say "Format (cargo fmt --check)"
cargo fmt --all -- --check

say "Lints (clippy -D warnings: server side, then the browser build)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

say "Rust tests (storage tests on SQLite and on a throwaway PostgreSQL; the fault harness on one and two instances)"
source scripts/postgres.sh
start_test_postgres
cargo test --workspace
KASSA_TEST_STORAGE=postgres cargo test -p server --test tracking
KASSA_CHAOS_DATABASE=postgres cargo test -p server --test chaos
KASSA_CHAOS_DATABASE=postgres KASSA_CHAOS_INSTANCES=2 cargo test -p server --test chaos
stop_test_postgres

say "API contract (Schemathesis against the live server)"
bash scripts/contract.sh

say "Behind a reverse proxy (nginx, default settings)"
bash scripts/proxy.sh

# Each browser run gets an empty database of its own, so runs never see
# each other's payments (or the developer's).
fresh_data() { rm -rf "$1" && mkdir -p "$1" && echo "$1"; }

# A panic in the server (say while rendering a page) can leave every test
# green, so a run whose server output shows one fails.
browser_suite() {
  local profile="$1"; shift
  local log="$KASSA_ROOT/target/e2e-$profile.log"
  # KASSA_E2E_PROFILE tells tests that start a second Kassa which binary matches the site.
  KASSA_E2E_PROFILE="$profile" KASSA__DATA_DIR="$(fresh_data "$KASSA_ROOT/target/e2e-data/$profile")" \
    cargo leptos end-to-end "$@" 2>&1 | tee "$log"
  if grep -q "panicked at" "$log"; then
    echo "The server panicked during the $profile browser run (see $log):" >&2
    grep -A2 "panicked at" "$log" >&2
    exit 1
  fi
}

say "Browser tests against the debug build"
browser_suite debug --split

say "Browser tests against the release build"
# Precompressed (brotli, gzip) as a deployment would serve it. Both builds
# are split per view: the views are lazy routes, which need --split.
browser_suite release --release --precompress --split

say "All checks passed"
