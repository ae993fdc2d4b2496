#!/usr/bin/env bash
# Sync load benchmark: builds the release server and the load generator (bench/sync, package
# bench-sync), starts the server on a fresh SQLite file in a temp dir on a free port with the demo
# users (anna, ben, clara), runs the generator against it, prints the figures and stops the server.
# Run by hand; not part of scripts/test.sh. Arguments go to the generator, e.g.
#   bench/sync.sh --quick                       # about 1 minute, small record counts
#   nohup bench/sync.sh > sync.log 2>&1 &      # full run: about 10 minutes on 2 busy cores
#   bench/sync.sh --phases push,pull            # only some phases
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"

log "building the release server (cargo build --release -p server --locked)"
cargo build --release -p server --locked
log "building the load generator (cargo build --release -p bench-sync --locked)"
cargo build --release -p bench-sync --locked

dir="$(mktemp -d)"  # honours TMPDIR
# The full run grows the database to about 500 MB (1M records) plus the WAL; SQLite answers a full
# disk with 503 storage_unavailable, which would end the run half-way.
need_mb=1500
case " $* " in *" --quick "*) need_mb=300 ;; esac
free_mb=$(df -Pm "$dir" | awk 'NR==2 {print $4}')
if [ "$free_mb" -lt "$need_mb" ]; then
  rm -rf "$dir"
  echo "error: only $free_mb MB free in $(dirname "$dir"), need about $need_mb MB (set TMPDIR to another place)" >&2
  exit 1
fi
# Copies, so a concurrent build in the shared target dir cannot swap the binaries under the run.
cp "$(server_binary)" "$dir/server"
cp "$CARGO_TARGET_DIR/release/bench-sync" "$dir/bench-sync"
server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    wait "$server_pid" || true
  fi
  server_pid=""
}
trap 'stop_server; rm -rf "$dir"' EXIT

# Port 0: the kernel picks a free port, the server logs which one (no race with other processes).
log "starting the release server on a fresh SQLite file in $dir"
DATABASE_URL="sqlite:$dir/bench.db" PASSGENAU_ADDR=127.0.0.1:0 LEPTOS_SITE_ROOT="$dir/site" \
  RUST_LOG=info NO_COLOR=1 "$dir/server" serve --demo 2>"$dir/server.log" &
server_pid=$!
url=""
for _ in $(seq 1 300); do
  url="$(grep -o 'listening on http://[0-9.:]*' "$dir/server.log" | head -1 | sed 's/^listening on //')" || true
  [ -n "$url" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$dir/server.log" >&2; echo "error: the server did not start" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { cat "$dir/server.log" >&2; echo "error: the server did not report its address" >&2; exit 1; }
log "server pid $server_pid at $url; running the generator"

start=$(date +%s)
status=0
"$dir/bench-sync" --url "$url" --server-pid "$server_pid" "$@" || status=$?
echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB RAM", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "database files at the end: $(du -ch "$dir"/bench.db* | tail -1 | cut -f1) ($(ls "$dir" | grep -c '^bench.db') files: db, wal, shm)"
grep -q 'VmHWM' "/proc/$server_pid/status" 2>/dev/null &&
  echo "server VmHWM at the end (since the last reset): $(awk '/VmHWM/ {print $2, $3}' "/proc/$server_pid/status")"
stop_server
echo "generator run: $(( $(date +%s) - start )) s"
if [ "$status" != 0 ]; then
  echo "server log (last 20 lines):" >&2
  tail -20 "$dir/server.log" >&2
fi
exit "$status"
