# shellcheck shell=bash
# Idempotent tool installation for Converge. Source it from the repo root:
#
#   source .ci/setup.sh
#   ensure_build_tools      # what `trunk serve` / `trunk build` need
#   ensure_test_tools       # plus Chromium, ChromeDriver
#
# Every step prints a heading, skips work that is already done, and on
# failure prints "FAILED: <step>" and exits non-zero. Only crates.io, npm
# and Debian's packages are reachable, so nothing downloads prebuilt tools.

set -euo pipefail

CONVERGE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRUNK_VERSION="0.21.14"

export PATH="$CONVERGE_ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

# heading TEXT: a visible section heading.
heading() {
  printf '\n==> %s\n' "$*"
}

# step NAME FUNCTION: run FUNCTION under a heading; on failure report and exit.
step() {
  local name="$1"
  shift
  heading "$name"
  local rc=0
  # A subshell outside any `if`, so `set -e` really stops at the first error.
  set +e
  (
    set -e
    "$@"
  )
  rc=$?
  set -e
  if [ "$rc" -ne 0 ]; then
    printf 'FAILED: %s\n' "$name" >&2
    exit "$rc"
  fi
}

# as_root CMD...: run CMD as root (sudo only when not root already).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "need root for: $*" >&2
    return 1
  fi
}

# The wasm-bindgen version pinned in Cargo.lock.
wasm_bindgen_lock_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' \
    "$CONVERGE_ROOT/Cargo.lock"
}

_wasm_target() {
  if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    echo "wasm32-unknown-unknown already installed"
  else
    rustup target add wasm32-unknown-unknown
  fi
}

_cargo_fetch() {
  # trunk builds with --offline, so the crates must be in cargo's cache.
  (cd "$CONVERGE_ROOT" && cargo fetch --quiet)
  echo "crates available offline"
}

_trunk() {
  local have
  have="$(trunk --version 2>/dev/null || true)"
  if [ "$have" = "trunk $TRUNK_VERSION" ]; then
    echo "$have already installed"
  else
    echo "found: ${have:-none}; building trunk $TRUNK_VERSION from crates.io (about 8 minutes on 2 cores)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
  fi
}

_wasm_bindgen() {
  local want have
  want="$(wasm_bindgen_lock_version)"
  [ -n "$want" ] || { echo "wasm-bindgen not found in Cargo.lock" >&2; return 1; }
  have="$(wasm-bindgen --version 2>/dev/null || true)"
  if [ "$have" = "wasm-bindgen $want" ] && command -v wasm-bindgen-test-runner >/dev/null; then
    echo "$have already installed"
  else
    echo "found: ${have:-none}; building wasm-bindgen-cli $want (matches Cargo.lock)"
    # No --locked: its lock file names a crate version crates.io does not serve.
    cargo install wasm-bindgen-cli --version "$want"
  fi
}

WASM_SPLIT_VERSION="0.2.4"

_wasm_split_cli() {
  # `wasm-split-cli --version` is not offered: cargo's install record says.
  if cargo install --list 2>/dev/null | grep -qx "wasm_split_cli_support v$WASM_SPLIT_VERSION:"; then
    echo "wasm-split-cli $WASM_SPLIT_VERSION already installed"
  else
    echo "building wasm-split-cli $WASM_SPLIT_VERSION from crates.io (about a minute)"
    cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --locked --features build-binary
  fi
}

_npm() {
  local stamp="$CONVERGE_ROOT/node_modules/.converge-lock.sha256"
  local want
  want="$(sha256sum "$CONVERGE_ROOT/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
    && [ -x "$CONVERGE_ROOT/node_modules/.bin/wasm-opt" ]; then
    echo "node_modules matches package-lock.json"
  else
    (cd "$CONVERGE_ROOT" && npm ci --no-audit --no-fund)
    echo "$want" >"$stamp"
  fi
  wasm-opt --version
}

_chromium() {
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    echo "chromium and chromedriver already installed"
  else
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
  fi
}

# Tools for building and serving the app.
ensure_build_tools() {
  step "Rust target wasm32-unknown-unknown" _wasm_target
  step "Crates (cargo fetch)" _cargo_fetch
  step "npm packages (wasm-opt, playwright-core, axe-core)" _npm
  step "wasm-bindgen-cli" _wasm_bindgen
  step "trunk $TRUNK_VERSION" _trunk
}

# Plus what the release site needs (.ci/build-site cuts the wasm into
# chunks fetched on first use).
ensure_site_tools() {
  ensure_build_tools
  step "wasm-split-cli $WASM_SPLIT_VERSION" _wasm_split_cli
}

# Everything .ci/test needs.
ensure_test_tools() {
  ensure_site_tools
  step "Chromium and ChromeDriver" _chromium
}
