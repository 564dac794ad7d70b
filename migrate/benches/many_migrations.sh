#!/usr/bin/env bash
# `status` and `up` with nothing to do, 1 000 applied migrations, side by side with refinery
# and sqlx on the same 1 000 trivial migrations (one `CREATE TABLE` each) in each tool's
# layout, on SQLite and PostgreSQL; then `up` applying them all from empty (a transaction per
# migration for every tool), and the peak memory of that on SQLite beside `sqlite3` fed the
# same SQL. Needs hyperfine, sqlite3, PostgreSQL binaries, cargo; installs refinery_cli and
# sqlx-cli into a scratch root when they are missing.
#
# Usage: migrate/benches/many_migrations.sh [COUNT] [RUNS]
#   COUNT defaults to 1000, RUNS to 20. MIGRATE_BIN=path measures another build of the
#   runner (default: target/release/spine-migrate, built here); ANCHORS=dir keeps the installed
#   anchors between runs (default /tmp/spine-anchors; never inside the repository).
set -euo pipefail

MIGRATE_BIN=${MIGRATE_BIN:-}
cd "$(dirname "$0")/../.."
count=${1:-1000}
runs=${2:-20}
anchors=${ANCHORS:-/tmp/spine-anchors}
if [ -z "$MIGRATE_BIN" ]; then
    cargo build --quiet --release -p migrate
    MIGRATE_BIN=${CARGO_TARGET_DIR:-target}/release/spine-migrate
fi
bin=$(realpath "$MIGRATE_BIN")

# The anchors, each in its own scratch root.
[ -x "$anchors/refinery/bin/refinery" ] ||
    cargo install --quiet --locked refinery_cli --root "$anchors/refinery"
[ -x "$anchors/sqlx/bin/sqlx" ] ||
    cargo install --quiet --locked sqlx-cli --no-default-features --features sqlite,postgres \
        --root "$anchors/sqlx"
refinery=$anchors/refinery/bin/refinery
sqlx=$anchors/sqlx/bin/sqlx

root=$(realpath migrations-generated) # common.sh concatenates its files; unused here
source migrate/benches/common.sh
chmod 755 "$work"

# The same trivial migrations in each tool's layout.
mkdir -p "$work/spine/sqlite/basic" "$work/spine/postgres/basic" "$work/refinery" "$work/sqlx"
for n in $(seq 1 "$count"); do
    id=$(printf %04d "$n")
    sql="CREATE TABLE t_$id (id INTEGER NOT NULL PRIMARY KEY);"
    for dialect in sqlite postgres; do
        echo "$sql" >"$work/spine/$dialect/basic/${id}_t_$id.up.sql"
    done
    echo "$sql" >"$work/refinery/V${n}__t_$id.sql"
    echo "$sql" >"$work/sqlx/${n}_t_$id.sql"
done
chmod -R a+rX "$work"

psql_admin() { psql -X -q "${pg[@]}" -d postgres "$@"; }
for db in spine refinery sqlx; do psql_admin -c "CREATE DATABASE $db"; done
pg_socket=$work
cat >"$work/refinery-sqlite.toml" <<TOML
[main]
db_type = "Sqlite"
db_path = "$work/refinery.db"
TOML
# refinery builds a URL from these fields: the socket directory goes percent-encoded.
cat >"$work/refinery-postgres.toml" <<TOML
[main]
db_type = "Postgres"
db_host = "${pg_socket//\//%2F}"
db_port = "5432"
db_user = "postgres"
db_name = "refinery"
TOML
spine_sqlite=(--dir "$work/spine" --target "sqlite:$work/spine.db")
spine_pg=(--dir "$work/spine" --target "host=$pg_socket port=5432 user=postgres dbname=spine")
sqlx_sqlite=(--source "$work/sqlx" --database-url "sqlite://$work/sqlx.db?mode=rwc")
sqlx_pg=(--source "$work/sqlx" --database-url "postgres://postgres@localhost:5432/sqlx?host=$pg_socket")

# Apply everything once: what is timed has nothing to do.
"$bin" --quiet "${spine_sqlite[@]}" up
"$bin" --quiet "${spine_pg[@]}" up
touch "$work/refinery.db" # refinery opens an existing file only
"$refinery" migrate -c "$work/refinery-sqlite.toml" -p "$work/refinery" >/dev/null
"$refinery" migrate -c "$work/refinery-postgres.toml" -p "$work/refinery" >/dev/null
"$sqlx" migrate run "${sqlx_sqlite[@]}" >/dev/null
"$sqlx" migrate run "${sqlx_pg[@]}" >/dev/null

q() { printf '%q ' "$@"; }
echo "## SQLite, $count applied migrations"
hyperfine -N --warmup 3 --runs "$runs" --export-markdown "$work/sqlite.md" \
    -n "migrate status" "$(q "$bin" "${spine_sqlite[@]}" status)" \
    -n "migrate up" "$(q "$bin" --quiet "${spine_sqlite[@]}" up)" \
    -n "refinery migrate" "$(q "$refinery" migrate -c "$work/refinery-sqlite.toml" -p "$work/refinery")" \
    -n "sqlx migrate info" "$(q "$sqlx" migrate info "${sqlx_sqlite[@]}")" \
    -n "sqlx migrate run" "$(q "$sqlx" migrate run "${sqlx_sqlite[@]}")"
echo "## PostgreSQL, $count applied migrations"
hyperfine -N --warmup 3 --runs "$runs" --export-markdown "$work/postgres.md" \
    -n "migrate status" "$(q "$bin" "${spine_pg[@]}" status)" \
    -n "migrate up" "$(q "$bin" --quiet "${spine_pg[@]}" up)" \
    -n "refinery migrate" "$(q "$refinery" migrate -c "$work/refinery-postgres.toml" -p "$work/refinery")" \
    -n "sqlx migrate info" "$(q "$sqlx" migrate info "${sqlx_pg[@]}")" \
    -n "sqlx migrate run" "$(q "$sqlx" migrate run "${sqlx_pg[@]}")"

# From empty: every tool applies the COUNT migrations, one transaction each.
remove_dbs="rm -f $work/spine.db $work/refinery.db $work/sqlx.db $work/sqlite3.db && touch $work/refinery.db"
fresh_sqlite=$(q bash -c "$remove_dbs")
fresh_pg() { q psql -X -q "${pg[@]}" -d "$1" -c "DROP SCHEMA public CASCADE" -c "CREATE SCHEMA public" -c CHECKPOINT; }
from_empty_runs=$(( runs < 5 ? runs : 5 ))
echo "## SQLite, $count migrations from empty"
hyperfine -N --runs "$from_empty_runs" --export-markdown "$work/sqlite-empty.md" \
    --prepare "$fresh_sqlite" -n "migrate up" "$(q "$bin" --quiet "${spine_sqlite[@]}" up)" \
    --prepare "$fresh_sqlite" -n "refinery migrate" "$(q "$refinery" migrate -c "$work/refinery-sqlite.toml" -p "$work/refinery")" \
    --prepare "$fresh_sqlite" -n "sqlx migrate run" "$(q "$sqlx" migrate run "${sqlx_sqlite[@]}")"
echo "## PostgreSQL, $count migrations from empty"
hyperfine -N --runs "$from_empty_runs" --export-markdown "$work/postgres-empty.md" \
    --prepare "$(fresh_pg spine)" -n "migrate up" "$(q "$bin" --quiet "${spine_pg[@]}" up)" \
    --prepare "$(fresh_pg refinery)" -n "refinery migrate" "$(q "$refinery" migrate -c "$work/refinery-postgres.toml" -p "$work/refinery")" \
    --prepare "$(fresh_pg sqlx)" -n "sqlx migrate run" "$(q "$sqlx" migrate run "${sqlx_pg[@]}")"

# Peak memory (max RSS) of applying them from empty on SQLite; sqlite3 gets the same files in
# one stream, a transaction per migration.
peak() { bash -c "$remove_dbs"; /usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null 2>&1; cat "$work/rss"; }
for n in $(seq 1 "$count"); do
    printf 'BEGIN; %s COMMIT;\n' "$(cat "$work/spine/sqlite/basic/$(printf %04d "$n")_t_$(printf %04d "$n").up.sql")"
done >"$work/sqlite3-all.sql"
{
    echo "| SQLite, $count migrations from empty | peak RSS [KB] |"
    echo "|---|---:|"
    echo "| migrate up | $(peak "$bin" --quiet "${spine_sqlite[@]}" up) |"
    echo "| refinery migrate | $(peak "$refinery" migrate -c "$work/refinery-sqlite.toml" -p "$work/refinery") |"
    echo "| sqlx migrate run | $(peak "$sqlx" migrate run "${sqlx_sqlite[@]}") |"
    echo "| sqlite3 (a transaction per file) | $(peak sqlite3 "$work/sqlite3.db" ".read $work/sqlite3-all.sql") |"
} >"$work/peak.md"
cat "$work/sqlite.md" "$work/postgres.md" "$work/sqlite-empty.md" "$work/postgres-empty.md" "$work/peak.md"
