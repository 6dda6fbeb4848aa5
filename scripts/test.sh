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
cargo clippy -p frontend -p kiosk-frontend --target wasm32-unknown-unknown -- -D warnings

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

# Both builds are split per island (--split), and the release build is
# precompressed (brotli, gzip) as a deployment would serve it.
bash scripts/e2e.sh
bash scripts/e2e.sh --release --precompress

say "All checks passed"
