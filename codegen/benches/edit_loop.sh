#!/usr/bin/env bash
# The edit → regenerate loop, side by side in one hyperfine run: for each workspace given
# (e.g. a checkout of an older commit and this one), touch a table file of schema-defs, then
# time `cargo run -q -p codegen` (regenerate) and `cargo run -q -p codegen -- --check`.
# Each workspace keeps its own target directory, warmed before timing.
#
#   codegen/benches/edit_loop.sh [RUNS] WORKSPACE...
#   git worktree add /tmp/before <rev> && codegen/benches/edit_loop.sh 10 /tmp/before .
set -euo pipefail
runs=10
if [[ ${1:-} =~ ^[0-9]+$ ]]; then runs=$1; shift; fi
[ $# -gt 0 ] || { echo "usage: $0 [RUNS] WORKSPACE..." >&2; exit 2; }

args=()
for dir in "$@"; do
    dir=$(cd "$dir" && pwd)
    table="$dir/schema-defs/src/tables/basic.rs"
    (cd "$dir" && cargo build -q -p codegen)
    for mode in "" " -- --check"; do
        args+=(--prepare "touch $table" -n "$(basename "$dir"): codegen${mode}"
            "cd $dir && cargo run -q -p codegen${mode} >/dev/null 2>&1")
    done
done
hyperfine -w 1 -r "$runs" --export-markdown /dev/stdout "${args[@]}"
