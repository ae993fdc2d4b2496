#!/usr/bin/env bash
# Runs every test: formatting, clippy (native and wasm32), unit and integration tests on SQLite and on
# a real PostgreSQL, then the Playwright end-to-end tests in Debian's Chromium against a release build.
# Installs what is missing first (pinned, idempotent).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
start=$(date +%s)
lap() { log "$1 done after $(( $(date +%s) - start )) s"; }

install_rust_tools
install_node_tools
install_e2e_tools
install_postgres
lap "tool check"

log "cargo fmt --check"
cargo fmt --all --check

log "clippy (native, ssr)"
cargo clippy --workspace --all-targets --locked -- -D warnings
log "clippy (wasm32, hydrate)"
cargo clippy -p app -p passgenau-domain --target wasm32-unknown-unknown --features app/hydrate --locked -- -D warnings
lap "lint"

log "unit and integration tests (SQLite and PostgreSQL)"
PASSGENAU_REQUIRE_PG=1 cargo test --workspace --locked
lap "cargo test"

build_release
lap "release build"

log "end-to-end tests (Playwright, Chromium)"
(cd "$ROOT/end2end" && npx playwright test)
lap "end-to-end"
