#!/usr/bin/env bash
# The edit → check loop of several workspaces, alternating run by run so that a change of
# load hits every workspace alike: touch a table file of schema-defs, time
# `cargo run -q -p codegen -- --check`; prints min / median / max per workspace.
#
#   codegen/benches/edit_loop_alternating.sh RUNS WORKSPACE...
#   git worktree add --detach /tmp/before <rev> && codegen/benches/edit_loop_alternating.sh 20 /tmp/before .
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 RUNS WORKSPACE..." >&2; exit 2; }
runs=$1; shift
for ws in "$@"; do (cd "$ws" && cargo run -q -p codegen -- --check >/dev/null 2>&1); done
for _ in $(seq "$runs"); do
    for ws in "$@"; do
        touch "$ws/schema-defs/src/tables/basic.rs"
        start=$(date +%s%N)
        (cd "$ws" && cargo run -q -p codegen -- --check >/dev/null 2>&1)
        echo "$(cd "$ws" && pwd) $(( ($(date +%s%N) - start) / 1000000 ))"
    done
done | sort -k1,1 -k2n | awk '{ t[$1] = t[$1] " " $2; n[$1]++ }
    END { for (w in t) { split(t[w], v, " "); k = n[w];
        printf "%s: min %d  median %d  max %d ms (%d runs)\n", w, v[1], v[int((k + 1) / 2)], v[k], k } }'
