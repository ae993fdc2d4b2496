#!/usr/bin/env bash
# Starts the release server for the end-to-end tests on a fresh SQLite database with demo data.
source "$(dirname "$0")/../scripts/lib.sh"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
export DATABASE_URL="sqlite:$dir/e2e.db"
export LEPTOS_SITE_ROOT="$ROOT/target/site"
export PASSGENAU_ADDR="127.0.0.1:${1:-3100}"
"$(server_binary)" serve --demo
