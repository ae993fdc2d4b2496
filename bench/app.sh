#!/usr/bin/env bash
# App benchmark of issue 5: builds the release site and server, starts the server on a fresh SQLite
# file with the demo users, loads 200 cases onto a headless Chromium device with 4x CPU throttling
# and prints the figures (bench/app/app-bench.mjs), then the first-load transfer (bench/first-load.sh).
# Run by hand; not part of scripts/test.sh. Environment: BENCH_CASES, BENCH_RUNS, BENCH_CPU.
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
install_e2e_tools
build_release
dir="$(mktemp -d)"
port=3105
DATABASE_URL="sqlite:$dir/bench.db" LEPTOS_SITE_ROOT="$ROOT/target/site" PASSGENAU_ADDR="127.0.0.1:$port" \
  "$(server_binary)" serve --demo > "$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
BENCH_BASE="http://127.0.0.1:$port" node bench/app/app-bench.mjs
BENCH_NO_BUILD=1 bash bench/first-load.sh | tail -n 3
