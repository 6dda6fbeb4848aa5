#!/usr/bin/env bash
# Installs what Kassa needs on Debian 12, idempotently, saying what it does.
# Sourced by run.sh and test.sh so that PATH reaches the tools it installs.
set -euo pipefail

KASSA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO_LEPTOS_VERSION="0.3.10"   # 0.3.11 needs rustc 1.96
BINARYEN_VERSION="132.0.0"      # Debian's binaryen 108 breaks hydration
# Lighthouse for scripts/bench-pages.sh (page speed), run in Debian's Chromium.
LIGHTHOUSE_VERSION="12.8.2"
# Schemathesis for scripts/contract.sh (the API contract test), from PyPI.
SCHEMATHESIS_VERSION="4.32.5"
TOOLS_DIR="${KASSA_TOOLS_DIR:-$HOME/.cache/kassa-tools}"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# For the scripts that measure or probe a live Kassa: starts BINARY on the
# embedded simulator at 127.0.0.1:PORT with an empty database in a temporary
# folder, and returns once GET READY_PATH answers. The server and the folder
# go when the calling script exits. Sets KASSA_URL, and KASSA_WORK (that
# folder, also for the caller's files; kassa.log there is the server's output).
serve_kassa() {
  local binary="$1" port="$2" ready="$3"
  KASSA_URL="http://127.0.0.1:$port"
  KASSA_WORK="$(mktemp -d)"
  mkdir -p "$KASSA_WORK/data"
  KASSA__LISTEN="127.0.0.1:$port" KASSA__DATA_DIR="$KASSA_WORK/data" \
    LEPTOS_OUTPUT_NAME=kassa LEPTOS_SITE_ROOT=target/site \
    "$binary" >"$KASSA_WORK/kassa.log" 2>&1 &
  KASSA_PID=$!
  trap 'kill "$KASSA_PID" 2>/dev/null || true; rm -rf "$KASSA_WORK"' EXIT
  for _ in $(seq 1 150); do
    curl -fs -o /dev/null "$KASSA_URL$ready" && return 0
    sleep 0.2
  done
  cat "$KASSA_WORK/kassa.log" >&2
  echo "Kassa did not answer $KASSA_URL$ready" >&2
  return 1
}
# The debug server, built and served as serve_kassa does on PORT (the
# scripts that probe the API: contract.sh, proxy.sh).
serve_debug_kassa() {
  say "Building Kassa (debug)"
  cargo build -p server --bin kassa 2>&1 | tail -1
  say "Starting Kassa (embedded simulator)"
  serve_kassa ./target/debug/kassa "$1" /readyz
}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

export PATH="$TOOLS_DIR/node_modules/.bin:$HOME/.cargo/bin:$PATH"

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v cc >/dev/null || missing+=(build-essential)
command -v perl >/dev/null || missing+=(perl)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v npm >/dev/null || missing+=(nodejs npm)
command -v curl >/dev/null || missing+=(curl ca-certificates)
python3 -c "import ensurepip, venv" 2>/dev/null || missing+=(python3 python3-venv)
# PostgreSQL for the tests of the second storage backend (scripts/postgres.sh).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
# nginx, to check Kassa behind a reverse proxy (scripts/proxy.sh).
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
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
SCHEMATHESIS="$TOOLS_DIR/schemathesis/bin/schemathesis"
export SCHEMATHESIS
if [ "$("$SCHEMATHESIS" --version 2>/dev/null | awk '{print $NF}' || true)" != "$SCHEMATHESIS_VERSION" ]; then
  say "Installing Schemathesis $SCHEMATHESIS_VERSION from PyPI into $TOOLS_DIR/schemathesis"
  python3 -m venv "$TOOLS_DIR/schemathesis"
  "$TOOLS_DIR/schemathesis/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
else
  say "Schemathesis $SCHEMATHESIS_VERSION: present"
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
