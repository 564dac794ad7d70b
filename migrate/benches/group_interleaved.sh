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
bin=$(realpath "${CARGO_TARGET_DIR:-target}/release/migrate")

work=$(mktemp -d /tmp/spine-ab-XXXXXX)
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg_user=()
if [ "$(id -u)" = 0 ]; then
    chown nobody:nogroup "$work"
    as_pg_user=(runuser -u nobody --)
fi
cleanup() {
    "${as_pg_user[@]}" "$pg_bin/pg_ctl" -D "$work/pg" stop -m immediate >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

files_in_order() {
    local dialect_dir=$root/$1 group
    for group in basic intermediate advanced; do
        ls "$dialect_dir/$group"/*.up.sql 2>/dev/null | sort
    done
    for group in $(ls "$dialect_dir" | sort); do
        case $group in basic | intermediate | advanced) ;; *) ls "$dialect_dir/$group"/*.up.sql | sort ;; esac
    done
}
files_in_order postgres | xargs cat >"$work/postgres.sql"
{ echo "BEGIN;"; files_in_order sqlite | xargs cat; echo "COMMIT;"; } >"$work/sqlite.sql"

"${as_pg_user[@]}" "$pg_bin/initdb" -D "$work/pg" -U postgres -A trust --no-sync >/dev/null
"${as_pg_user[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
    -o "-k $work -c listen_addresses='' -p 5432" start >/dev/null
pg=(-h "$work" -p 5432 -U postgres)

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
    micros "$bin" --quiet --dir "$root" --target "host=$work port=5432 user=postgres dbname=bench" up --group >>"$work/pg-migrate"
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
