#!/usr/bin/env bash
# One migration file of N MB (a table, then N MB of one-row INSERTs, ~100 bytes each):
# `migrate up` on SQLite (native and ODBC) and PostgreSQL (native and ODBC) versus the
# database's own client with the same file in one transaction (`sqlite3`, `psql -1 -f`).
# Applying a file must be linear in its size: compare the rows of 1, 8 and 64 MB.
# Needs hyperfine, sqlite3, PostgreSQL binaries, unixODBC with Debian's SQLite3 and
# PostgreSQL Unicode drivers.
#
# Usage: migrate/benches/file_size.sh [SIZES_MB] [RUNS]
#   SIZES_MB defaults to "1 8 64"; RUNS to 3. MIGRATE_BIN=path measures another build.
set -euo pipefail

cd "$(dirname "$0")/../.."
sizes=${1:-1 8 64}
runs=${2:-3}
target_dir=${CARGO_TARGET_DIR:-target}
if [ -z "${MIGRATE_BIN:-}" ]; then
    cargo build --quiet --release -p migrate --features odbc
    MIGRATE_BIN=$target_dir/release/spine-migrate
fi
bin=$(realpath "$MIGRATE_BIN")

root=$(realpath migrations-generated) # common.sh concatenates its files; unused here
source migrate/benches/common.sh
trees=$(mktemp -d /tmp/spine-bench-files-XXXXXX)
trap 'cleanup; rm -rf "$trees"' EXIT
chmod 755 "$trees"

# The file of `$1` MB for both dialects (the same SQL), under $trees/$1mb/<dialect>/basic/.
make_file() {
    local mb=$1 dir
    for dialect in sqlite postgres; do
        dir=$trees/${mb}mb/$dialect/basic
        mkdir -p "$dir"
        {
            echo "-- @generated file-size benchmark, $mb MB"
            echo "CREATE TABLE big_rows (id INTEGER NOT NULL PRIMARY KEY, payload VARCHAR(200) NOT NULL);"
            awk -v bytes=$((mb * 1024 * 1024)) 'BEGIN {
                pad = sprintf("%060d", 0); total = 0
                for (i = 1; total < bytes; i++) {
                    line = sprintf("INSERT INTO big_rows (id, payload) VALUES (%d, '\''row %s'\'');", i, pad)
                    print line; total += length(line) + 1
                }
            }'
        } >"$dir/0001_big.up.sql"
    done
    chmod -R a+rX "$trees/${mb}mb"
}

recreate="psql -X -q ${pg[*]} -d postgres -c 'DROP DATABASE IF EXISTS bench' -c 'CREATE DATABASE bench'"
odbc_pg="odbc:Driver={PostgreSQL Unicode};Server=$work;Port=5432;Database=bench;Uid=postgres;Pwd="
for mb in $sizes; do
    make_file "$mb"
    file_sqlite=$trees/${mb}mb/sqlite/basic/0001_big.up.sql
    file_pg=$trees/${mb}mb/postgres/basic/0001_big.up.sql
    { echo "BEGIN;"; cat "$file_sqlite"; echo "COMMIT;"; } >"$work/client-${mb}.sql"
    echo "## $mb MB: $(wc -c <"$file_sqlite") bytes, $(wc -l <"$file_sqlite") lines"
    hyperfine --runs "$runs" --style basic \
        --prepare "rm -f $work/runner.db $work/client.db" \
        --export-markdown "$work/sqlite-${mb}.md" \
        -n "migrate up (sqlite, $mb MB)" "$bin --quiet --dir $trees/${mb}mb --target sqlite:$work/runner.db up" \
        -n "migrate up (sqlite odbc, $mb MB)" "$bin --quiet --dir $trees/${mb}mb --target 'odbc:Driver={SQLite3};Database=$work/runner.db' up" \
        -n "sqlite3 (one transaction, $mb MB)" "sqlite3 -bail $work/client.db < $work/client-${mb}.sql"
    hyperfine --runs "$runs" --style basic \
        --prepare "$recreate" \
        --export-markdown "$work/postgres-${mb}.md" \
        -n "migrate up (postgres, $mb MB)" "$bin --quiet --dir $trees/${mb}mb --target '$target' up" \
        -n "migrate up (postgres odbc, $mb MB)" "$bin --quiet --dir $trees/${mb}mb --target '$odbc_pg' up" \
        -n "psql -1 -f ($mb MB)" "psql -X -q -1 -v ON_ERROR_STOP=1 ${pg[*]} -d bench -f $file_pg"
    rm -rf "$trees/${mb}mb"
done
for mb in $sizes; do cat "$work/sqlite-${mb}.md" "$work/postgres-${mb}.md"; done
