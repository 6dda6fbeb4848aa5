#!/usr/bin/env bash
# Installs what Kassa needs on Debian 12, idempotently, saying what it does.
# Sourced by run.sh and test.sh so that PATH reaches the tools it installs.
set -euo pipefail

KASSA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO_LEPTOS_VERSION="0.3.10"   # 0.3.11 needs rustc 1.96
BINARYEN_VERSION="132.0.0"      # Debian's binaryen 108 breaks hydration
# Lighthouse for scripts/bench-pages.sh (page speed), run in Debian's Chromium.
LIGHTHOUSE_VERSION="12.8.2"
TOOLS_DIR="${KASSA_TOOLS_DIR:-$HOME/.cache/kassa-tools}"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

export PATH="$TOOLS_DIR/node_modules/.bin:$HOME/.cargo/bin:$PATH"

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v cc >/dev/null || missing+=(build-essential)
command -v perl >/dev/null || missing+=(perl)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v npm >/dev/null || missing+=(nodejs npm)
command -v curl >/dev/null || missing+=(curl ca-certificates)
if [ ${#missing[@]} -gt 0 ]; then
  say "Installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  say "Debian packages: present"
fi

if ! command -v cargo >/dev/null; then
  # Debian 12's own rustc (1.63) is too old for Leptos 0.8 (needs 1.88).
  say "Installing Rust with rustup (stable)"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component rustfmt,clippy
  export PATH="$HOME/.cargo/bin:$PATH"
fi
for component in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
    say "Adding the Rust component $component"
    rustup component add "$component"
  fi
done
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "Adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
else
  say "Rust $(rustc --version | cut -d' ' -f2) with wasm32: present"
fi

if [ "$(cargo leptos --version 2>/dev/null || true)" != "cargo-leptos $CARGO_LEPTOS_VERSION" ]; then
  say "Installing cargo-leptos $CARGO_LEPTOS_VERSION (takes about 12 minutes once)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
else
  say "cargo-leptos $CARGO_LEPTOS_VERSION: present"
fi

# cargo-leptos runs whatever wasm-bindgen is on PATH: it must equal the lock's.
bindgen_version="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' "$KASSA_ROOT/Cargo.lock")"
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $bindgen_version" ]; then
  say "Installing wasm-bindgen-cli $bindgen_version (the version in Cargo.lock)"
  cargo install wasm-bindgen-cli --version "$bindgen_version" --locked --force
else
  say "wasm-bindgen $bindgen_version: present"
fi

if [ "$("$TOOLS_DIR/node_modules/.bin/wasm-opt" --version 2>/dev/null | cut -d' ' -f3 || true)" != "${BINARYEN_VERSION%%.*}" ]; then
  say "Installing wasm-opt from npm binaryen@$BINARYEN_VERSION into $TOOLS_DIR"
  npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION"
else
  say "wasm-opt ${BINARYEN_VERSION%%.*}: present"
fi
if [ "$("$TOOLS_DIR/node_modules/.bin/lighthouse" --version 2>/dev/null || true)" != "$LIGHTHOUSE_VERSION" ]; then
  say "Installing Lighthouse $LIGHTHOUSE_VERSION from npm into $TOOLS_DIR"
  npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --silent "lighthouse@$LIGHTHOUSE_VERSION"
else
  say "Lighthouse $LIGHTHOUSE_VERSION: present"
fi
# Beside cargo-leptos, so README's `cargo leptos ...` commands find it
# without this script's PATH.
if [ "$(readlink "$HOME/.cargo/bin/wasm-opt" 2>/dev/null || true)" != "$TOOLS_DIR/node_modules/.bin/wasm-opt" ]; then
  say "Linking wasm-opt into ~/.cargo/bin"
  ln -sf "$TOOLS_DIR/node_modules/.bin/wasm-opt" "$HOME/.cargo/bin/wasm-opt"
fi

# Playwright drives Debian's Chromium; it never downloads a browser.
lock="$KASSA_ROOT/end2end/package-lock.json"
stamp="$KASSA_ROOT/end2end/node_modules/.kassa-lock"
if [ ! -f "$stamp" ] || ! cmp -s "$lock" "$stamp"; then
  say "Installing the browser-test packages (npm ci in end2end/)"
  (cd "$KASSA_ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
  cp "$lock" "$stamp"
else
  say "end2end packages: present"
fi
