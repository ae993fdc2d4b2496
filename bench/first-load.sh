#!/usr/bin/env bash
# Builds the release site and prints the first-load transfer of the app (wasm + js + css), raw,
# gzip -9 and brotli -q 11, in bytes. Target for the whole product: <= 300 KB brotli.
source "$(dirname "$0")/../scripts/lib.sh"
command -v brotli >/dev/null || apt_install brotli
build_release
pkg="$ROOT/target/site/pkg"
printf '%-40s %10s %10s %10s\n' file raw gzip brotli
tr=0; tg=0; tb=0
for f in "$pkg"/*.wasm "$pkg"/*.js "$pkg"/*.css; do
  [ -f "$f" ] || continue
  r=$(stat -c %s "$f"); g=$(gzip -9 -c "$f" | wc -c); b=$(brotli -q 11 -c "$f" | wc -c)
  tr=$((tr + r)); tg=$((tg + g)); tb=$((tb + b))
  printf '%-40s %10d %10d %10d\n' "$(basename "$f")" "$r" "$g" "$b"
done
printf '%-40s %10d %10d %10d\n' TOTAL "$tr" "$tg" "$tb"
echo "brotli total: $tb bytes (target <= 307200)"
