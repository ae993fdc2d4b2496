#!/usr/bin/env bash
# Builds the release site and prints what the app transfers, in bytes: raw, gzip -9, and brotli as
# the server sends it (the `.br` file the release build writes beside each asset, quality 11; a site
# built without them is compressed on the fly at quality 4, and that is counted then). Two totals;
# target for the whole product: first load <= 300 KB brotli.
#  (a) first load: what the browser fetches to show the login and the case list: the main wasm, its
#      wasm-bindgen module, the chunk loader that module imports (`__wasm_split.*.js`) and the css.
#  (b) precached: every build asset the service worker stores for offline use (server/src/sw.rs):
#      (a) plus the wasm chunks of the lazily loaded pages (app/src/lazy.rs). The static assets
#      (icons, web manifest) and the shell pages are not counted in either.
# BENCH_NO_BUILD=1 measures the site already in target/site. bench/app/app-bench.mjs measures the
# same first load as Chromium receives it over HTTP.
source "$(dirname "$0")/../scripts/lib.sh"
command -v brotli >/dev/null || apt_install brotli
[ "${BENCH_NO_BUILD:-0}" = 1 ] || build_release
pkg="$ROOT/target/site/pkg"

row() { # file -> "raw gzip brotli-as-sent"
  local br
  if [ -f "$1.br" ]; then br=$(stat -c %s "$1.br"); else br=$(brotli -q 4 -c "$1" | wc -c); fi
  echo "$(stat -c %s "$1") $(gzip -9 -c "$1" | wc -c) $br"
}
total() { # label files... -> prints a total row
  local label=$1 r=0 g=0 b=0 f x y z
  shift
  for f in "$@"; do
    read -r x y z < <(row "$f")
    r=$((r + x)); g=$((g + y)); b=$((b + z))
  done
  printf '%-44s %10d %10d %10d\n' "$label" "$r" "$g" "$b"
  last_brotli=$b
}

shopt -s nullglob
first=("$pkg"/passgenau.*.wasm "$pkg"/passgenau.*.js "$pkg"/__wasm_split.*.js "$pkg"/passgenau.*.css)
chunks=("$pkg"/split_*.wasm "$pkg"/chunk_*.wasm)

printf '%-44s %10s %10s %10s\n' file raw gzip brotli
[ -n "$(compgen -G "$pkg/passgenau.*.wasm.br")" ] || echo "(no .br files: brotli is the server's on-the-fly quality 4)"
for f in "${first[@]}"; do
  read -r x y z < <(row "$f")
  printf '%-44s %10d %10d %10d\n' "$(basename "$f")" "$x" "$y" "$z"
done
for f in "$pkg"/split_*.wasm; do
  read -r x y z < <(row "$f")
  printf '%-44s %10d %10d %10d\n' "$(basename "$f")" "$x" "$y" "$z"
done
shared=("$pkg"/chunk_*.wasm)
[ ${#shared[@]} = 0 ] || total "${#shared[@]} shared chunks (chunk_*.wasm)" "${shared[@]}"
total "(a) FIRST LOAD (main wasm + js + css)" "${first[@]}"
first_brotli=$last_brotli
total "(b) PRECACHED (a + ${#chunks[@]} chunks)" "${first[@]}" "${chunks[@]}"
echo "first load brotli: $first_brotli bytes (target <= 307200); precached brotli: $last_brotli bytes"
