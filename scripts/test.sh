#!/usr/bin/env bash
# Runs every test: formatting, clippy (native and wasm32), unit and integration tests on SQLite and on
# a real PostgreSQL, then the Playwright end-to-end tests in Debian's Chromium against a release build.
# Installs what is missing first (pinned, idempotent).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
start=$(date +%s)
lap() { log "$1 done after $(( $(date +%s) - start )) s"; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

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
PASSGENAU_REQUIRE_PG=1 cargo test --workspace --locked 2>&1 | tee "$out/cargo.txt"
lap "cargo test"

build_release
lap "release build"

log "end-to-end tests (Playwright, Chromium)"
(cd "$ROOT/end2end" && npx playwright test) 2>&1 | tee "$out/e2e.txt"
lap "end-to-end"

# One closing line over both runners (pipefail has already stopped the script on any failure).
cargo_passed=$({ grep -oE '^test result: ok\. [0-9]+ passed' "$out/cargo.txt" || true; } | awk '{s += $4} END {print s + 0}')
e2e_passed=$({ grep -oE '^ +[0-9]+ passed' "$out/e2e.txt" || true; } | awk '{s += $1} END {print s + 0}')
echo "cargo tests: $cargo_passed passed; end-to-end tests: $e2e_passed passed"
echo "summary: $((cargo_passed + e2e_passed)) passed, 0 failed"
