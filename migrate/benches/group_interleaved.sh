#!/usr/bin/env bash
# `migrate up --group` versus the single-transaction clients (`psql -1 -f`, `sqlite3` with one
# BEGIN/COMMIT), interleaved round by round so that load drifting on a shared machine hits both
# alike; prints the medians. Needs sqlite3 and PostgreSQL binaries; run runner_vs_clients.sh
# (or `cargo build --release -p migrate`) first.
#
# Usage: migrate/benches/group_interleaved.sh [MIGRATIONS_ROOT] [ROUNDS]
set -euo pipefail

cd "$(dirname "$0")/../.."
root=$(realpath "${1:-migrations-generated}")
rounds=${2:-40}
bin=$(realpath "${CARGO_TARGET_DIR:-target}/release/spine-migrate")

source migrate/benches/common.sh

# Microseconds taken by the command.
micros() {
    local start
    start=$(date +%s%N)
    "$@" >/dev/null
    echo $((($(date +%s%N) - start) / 1000))
}
recreate() { psql -X -q "${pg[@]}" -d postgres -c 'DROP DATABASE IF EXISTS bench' -c 'CREATE DATABASE bench' >/dev/null 2>&1; }
sqlite_client() { sqlite3 -bail "$work/client.db" <"$work/sqlite.sql"; }

for round in $(seq 1 "$rounds"); do
    recreate
    micros "$bin" --quiet --dir "$root" --target "$target" up --group >>"$work/pg-migrate"
    recreate
    micros psql -X -q -1 -v ON_ERROR_STOP=1 "${pg[@]}" -d bench -f "$work/postgres.sql" >>"$work/pg-client"
    rm -f "$work/runner.db" "$work/client.db"
    micros "$bin" --quiet --dir "$root" --target "sqlite:$work/runner.db" up --group >>"$work/sqlite-migrate"
    micros sqlite_client >>"$work/sqlite-client"
done
median_ms() { sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] / 1000 }'; }
echo "rounds: $rounds (medians)"
echo "postgres: migrate up --group $(median_ms "$work/pg-migrate") ms, psql -1 -f $(median_ms "$work/pg-client") ms"
echo "sqlite:   migrate up --group $(median_ms "$work/sqlite-migrate") ms, sqlite3 one transaction $(median_ms "$work/sqlite-client") ms"
