#!/usr/bin/env bash
# Runs Passgenau: installs missing tools, builds the release, starts the server on SQLite with demo
# data at http://127.0.0.1:3000 (or $PASSGENAU_ADDR). Stop it with Ctrl-C.
source "$(dirname "$0")/lib.sh"
build_release
export DATABASE_URL="${DATABASE_URL:-sqlite:$ROOT/data/passgenau.db}"
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$ROOT/target/site}"
log "starting the server (demo users anna, ben, clara; password passgenau-demo)"
exec "$(server_binary)" serve --demo
