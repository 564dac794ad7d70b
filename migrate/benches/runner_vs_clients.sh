#!/usr/bin/env bash
# Applying the advanced tier from empty: `migrate up` versus the same SQL through the raw
# clients (`sqlite3`, `psql -1 -f`). Needs hyperfine, sqlite3, PostgreSQL binaries.
#
# `migrate up` commits once per migration (all-or-nothing per migration): its like-for-like
# comparison is the clients with one transaction per file. `migrate up --group` commits once
# (all-or-nothing for the run), like `sqlite3` with one BEGIN/COMMIT and `psql -1 -f`.
#
# Usage: migrate/benches/runner_vs_clients.sh [MIGRATIONS_ROOT] [RUNS]
#   MIGRATIONS_ROOT defaults to migrations-generated; RUNS to 30.
set -euo pipefail

cd "$(dirname "$0")/../.."
root=$(realpath "${1:-migrations-generated}")
runs=${2:-30}
target_dir=${CARGO_TARGET_DIR:-target}
cargo build --quiet --release -p migrate
bin=$(realpath "$target_dir/release/spine-migrate")

source migrate/benches/common.sh
for file in $(files_in_order sqlite); do echo "BEGIN;"; cat "$file"; echo "COMMIT;"; done >"$work/sqlite-per-file.sql"
for file in $(files_in_order postgres); do echo "BEGIN;"; cat "$file"; echo "COMMIT;"; done >"$work/postgres-per-file.sql"

recreate="psql -X -q ${pg[*]} -d postgres -c 'DROP DATABASE IF EXISTS bench' -c 'CREATE DATABASE bench'"

echo "## SQLite: $(files_in_order sqlite | wc -l) files"
hyperfine --warmup 3 --runs "$runs" \
    --prepare "rm -f $work/runner.db $work/client.db" \
    --export-markdown "$work/sqlite.md" \
    -n "migrate up (sqlite)" "$bin --quiet --dir $root --target sqlite:$work/runner.db up" \
    -n "migrate up --group (sqlite)" "$bin --quiet --dir $root --target sqlite:$work/runner.db up --group" \
    -n "sqlite3 (one transaction)" "sqlite3 -bail $work/client.db < $work/sqlite.sql" \
    -n "sqlite3 (one transaction per file)" "sqlite3 -bail $work/client.db < $work/sqlite-per-file.sql"

echo "## PostgreSQL: $(files_in_order postgres | wc -l) files"
hyperfine --warmup 3 --runs "$runs" \
    --prepare "$recreate" \
    --export-markdown "$work/postgres.md" \
    -n "migrate up (postgres)" "$bin --quiet --dir $root --target '$target' up" \
    -n "migrate up --group (postgres)" "$bin --quiet --dir $root --target '$target' up --group" \
    -n "psql -1 -f" "psql -X -q -1 -v ON_ERROR_STOP=1 ${pg[*]} -d bench -f $work/postgres.sql" \
    -n "psql -f (one transaction per file)" "psql -X -q -v ON_ERROR_STOP=1 ${pg[*]} -d bench -f $work/postgres-per-file.sql"

cat "$work/sqlite.md" "$work/postgres.md"
