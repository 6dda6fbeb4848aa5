#!/usr/bin/env bash
# Every check CI runs: format, lints, Rust tests, the site build, and the
# browser suite against both the debug and the release build.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$KASSA_ROOT"

say "Format (cargo fmt --check)"
cargo fmt --all -- --check

say "Lints (clippy -D warnings: server side, then the browser build)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

say "Rust tests"
cargo test --workspace

say "Browser tests against the debug build"
cargo leptos end-to-end

say "Browser tests against the release build"
cargo leptos end-to-end --release

say "All checks passed"
