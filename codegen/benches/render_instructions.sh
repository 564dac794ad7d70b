#!/usr/bin/env bash
# Instructions per table of rendering the synthetic schema (examples/render_synthetic.rs:
# generate for one dialect, plus building the schema), counted by callgrind: a count that
# load and CPU caches do not move, so it shows whether the work itself grows linearly with
# the table count, apart from the wall time criterion's render bench measures. Needs valgrind;
# 20 000 tables take a few minutes.
#
#   codegen/benches/render_instructions.sh [DIALECT] [TABLES...]     # default: sqlite 500 5000 20000
set -euo pipefail
cd "$(dirname "$0")/../.."
dialect=${1:-sqlite}
shift || true
sizes=${*:-500 5000 20000}
cargo build -q --release -p codegen --example render_synthetic
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "tables instructions per-table max-rss-KB   ($dialect, valgrind $(valgrind --version))"
for n in $sizes; do
    valgrind --tool=callgrind --callgrind-out-file="$out/cg.$n" \
        target/release/examples/render_synthetic "$n" "$dialect" >/dev/null 2>"$out/log.$n"
    ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out/log.$n")
    rss=$( { /usr/bin/time -f %M target/release/examples/render_synthetic "$n" "$dialect" >/dev/null; } 2>&1)
    echo "$n $ir $((ir / n)) $rss"
done
