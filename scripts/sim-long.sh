#!/usr/bin/env bash
# Long mode of the sync simulation: many seeds (default 10,000) in an optimised build; prints the count.
# The README's test command runs 200 seeds; this is for before a release or after a protocol change.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
SIM_SEEDS="${SIM_SEEDS:-10000}" cargo test --release --locked -p server --test sim -- --nocapture
