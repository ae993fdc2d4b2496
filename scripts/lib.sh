# Shared set-up for scripts/run.sh and scripts/test.sh. Source it; it installs what is missing
# (idempotent, pinned) and exports the environment the build needs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/passgenau/target}"
TOOLS="${PASSGENAU_TOOLS:-$HOME/.cache/passgenau/tools}"
export PATH="$HOME/.cargo/bin:$TOOLS/node_modules/.bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

CARGO_LEPTOS_VERSION=0.3.5
BINARYEN_VERSION=132.0.0

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
need_root_for_apt() { [ "$(id -u)" = 0 ] || { echo "error: installing Debian packages needs root (apt-get)" >&2; exit 1; }; }

APT_UPDATED=0
apt_install() {
  need_root_for_apt
  if [ "$APT_UPDATED" = 0 ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

wasm_bindgen_version() {
  # The CLI must equal the wasm-bindgen crate in Cargo.lock.
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

install_rust_tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding rust target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    log "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 15 minutes on 2 cores, once)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
  fi
  local wbv
  wbv="$(wasm_bindgen_version)"
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $wbv\$"; then
    log "installing wasm-bindgen-cli $wbv (about 4 minutes, once)"
    # Not --locked: one of the CLI's locked dependencies is no longer in the registry.
    cargo install wasm-bindgen-cli --version "$wbv" --force
  fi
}

install_node_tools() {
  # wasm-opt from npm's binaryen (Debian's binaryen 108 corrupts wasm-bindgen's externref table).
  if ! "$TOOLS/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then
    log "installing binaryen $BINARYEN_VERSION (wasm-opt) from npm"
    mkdir -p "$TOOLS"
    (cd "$TOOLS" && npm install --no-save --silent "binaryen@$BINARYEN_VERSION" >/dev/null)
  fi
}

install_e2e_tools() {
  if [ ! -x /usr/bin/chromium ]; then
    log "installing Debian chromium"
    apt_install chromium
  fi
  # Reinstalled whenever package-lock.json changed since the last install (new or updated packages).
  local lock_sum
  lock_sum="$(sha256sum "$ROOT/end2end/package-lock.json" | cut -d' ' -f1)"
  if [ ! -d "$ROOT/end2end/node_modules/@playwright/test" ] \
    || [ "$(cat "$ROOT/end2end/node_modules/.passgenau-lock" 2>/dev/null)" != "$lock_sum" ]; then
    log "installing Playwright and axe-core (npm ci, no browser download)"
    (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent >/dev/null)
    echo "$lock_sum" > "$ROOT/end2end/node_modules/.passgenau-lock"
  fi
}

# Builds the release site (wasm + css + assets into target/site) and the server binary. `--split`
# cuts the lazily loaded pages (app/src/lazy.rs) into wasm chunks of their own; without it the wasm
# would import their loaders from a module that does not exist. `--precompress` writes each site
# file's brotli (quality 11) and gzip form beside it, which the server sends as they are; without
# them it compresses on the fly at brotli quality 4, a quarter larger for the wasm.
build_release() {
  install_rust_tools
  install_node_tools
  log "building release (cargo leptos build --release --split --precompress)"
  (cd "$ROOT" && cargo leptos build --release --split --precompress)
  # A JS callback created only in a lazy chunk leaves wasm-bindgen's placeholder imports in the
  # main wasm, and the app would not start in any browser (see `later` in app/src/util.rs).
  if grep -q __wbindgen_placeholder__ "$ROOT"/target/site/pkg/passgenau.*.wasm; then
    log "error: the main wasm still imports __wbindgen_placeholder__: a lazy page creates a JS callback (Closure, timer) of its own; create it in the main module (crate::util::later)"
    return 1
  fi
}

server_binary() { echo "$CARGO_TARGET_DIR/release/server"; }

# Starts Debian's PostgreSQL on loopback and exports TEST_PG_URL for a role that may create databases.
install_postgres() {
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    log "installing Debian postgresql"
    apt_install postgresql
  fi
  local ver
  ver="$(ls /usr/lib/postgresql | sort -n | tail -1)"
  if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$ver main"; then
    pg_createcluster "$ver" main >/dev/null
  fi
  if ! pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $4}' | grep -qx online; then
    log "starting PostgreSQL $ver on loopback"
    pg_ctlcluster "$ver" main start
  fi
  local port
  port="$(pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $3}')"
  for _ in $(seq 1 30); do runuser -u postgres -- pg_isready -q -p "$port" && break; sleep 1; done
  runuser -u postgres -- psql -p "$port" -qtAc "SELECT 1 FROM pg_roles WHERE rolname='passgenau_test'" | grep -q 1 ||
    runuser -u postgres -- psql -p "$port" -qc "CREATE ROLE passgenau_test LOGIN PASSWORD 'passgenau_test' CREATEDB"
  # Databases left by earlier test runs (each test makes its own).
  for db in $(runuser -u postgres -- psql -p "$port" -qtAc "SELECT datname FROM pg_database WHERE datname LIKE 'pgt\_%'"); do
    runuser -u postgres -- psql -p "$port" -qc "DROP DATABASE \"$db\"" >/dev/null
  done
  export TEST_PG_URL="postgres://passgenau_test:passgenau_test@127.0.0.1:$port/postgres"
}
