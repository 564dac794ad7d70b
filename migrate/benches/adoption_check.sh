#!/usr/bin/env bash
# The cost of `up`'s adoption check (each migration's tables compared with its entry in
# `<dialect>/shapes.json` before it is recorded): `up` from empty with the shapes file
# (checked) and without it (the same tree, unchecked), interleaved in one hyperfine run so
# both see the same load, on SQLite and PostgreSQL: over the generated tree (advanced tier),
# and over COUNT trivial migrations (one `CREATE TABLE` each). Needs hyperfine, PostgreSQL
# binaries.
#
# Usage: migrate/benches/adoption_check.sh [COUNT] [RUNS]
#   COUNT defaults to 1000, RUNS to 10.
set -euo pipefail

cd "$(dirname "$0")/../.."
count=${1:-1000}
runs=${2:-10}
target_dir=${CARGO_TARGET_DIR:-target}
cargo build --quiet --release -p migrate
bin=$(realpath "$target_dir/release/spine-migrate")

root=$(realpath migrations-generated) # common.sh concatenates its files; unused here
source migrate/benches/common.sh
chmod 755 "$work"

# The same trivial migrations twice: `checked` has each dialect's shapes.json, `unchecked` not.
for dialect in sqlite postgres; do
    mkdir -p "$work/checked/$dialect/basic" "$work/unchecked/$dialect/basic"
    case $dialect in sqlite) type=INTEGER ;; postgres) type=integer ;; esac
    {
        printf '{\n  "generated": "by adoption_check.sh",\n  "dialect": "%s",\n  "migrations": [\n' "$dialect"
        for n in $(seq 1 "$count"); do
            id=$(printf %04d "$n")
            echo "CREATE TABLE IF NOT EXISTS t_$id (id INTEGER NOT NULL PRIMARY KEY);" \
                >"$work/checked/$dialect/basic/${id}_t_$id.up.sql"
            [ "$n" = 1 ] || printf ',\n'
            printf '    {"id": "basic/%s_t_%s", "tables": {"t_%s": {"columns": [{"name": "id", "type": "%s", "not_null": true}], "primary_key": ["id"]}}}' \
                "$id" "$id" "$id" "$type"
        done
        printf '\n  ]\n}\n'
    } >"$work/checked/$dialect/shapes.json"
    cp "$work/checked/$dialect/basic/"* "$work/unchecked/$dialect/basic/"
done
chmod -R a+rX "$work"
recreate="psql -X -q ${pg[*]} -d postgres -c 'DROP DATABASE IF EXISTS bench' -c 'CREATE DATABASE bench'"

# The generated tree, and a copy without its shapes files.
mkdir -p "$work/generated-unchecked"
cp -r "$root/sqlite" "$root/postgres" "$work/generated-unchecked/"
rm "$work/generated-unchecked/"*/shapes.json
chmod -R a+rX "$work"

# The check must pass on these trees (a mistake in the shapes would fail every run).
"$bin" --quiet --dir "$work/checked" --target "sqlite:$work/probe.db" up
"$bin" --quiet --dir "$work/checked" --target "sqlite:$work/probe.db" drift

echo "## SQLite: up from empty, the generated tree"
hyperfine --warmup 3 --runs "$((runs * 3))" --prepare "rm -f $work/runner.db" \
    --export-markdown "$work/generated-sqlite.md" \
    -n "up, checked" "$bin --quiet --dir $root --target sqlite:$work/runner.db up" \
    -n "up, unchecked" "$bin --quiet --dir $work/generated-unchecked --target sqlite:$work/runner.db up"
echo "## PostgreSQL: up from empty, the generated tree"
hyperfine --warmup 3 --runs "$((runs * 3))" --prepare "$recreate" \
    --export-markdown "$work/generated-postgres.md" \
    -n "up, checked" "$bin --quiet --dir $root --target '$target' up" \
    -n "up, unchecked" "$bin --quiet --dir $work/generated-unchecked --target '$target' up"
echo "## SQLite: up from empty, $count migrations"
hyperfine --warmup 2 --runs "$runs" --prepare "rm -f $work/runner.db" \
    --export-markdown "$work/sqlite.md" \
    -n "up, checked" "$bin --quiet --dir $work/checked --target sqlite:$work/runner.db up" \
    -n "up, unchecked" "$bin --quiet --dir $work/unchecked --target sqlite:$work/runner.db up" \
    -n "up --group, checked" "$bin --quiet --dir $work/checked --target sqlite:$work/runner.db up --group" \
    -n "up --group, unchecked" "$bin --quiet --dir $work/unchecked --target sqlite:$work/runner.db up --group"
echo "## PostgreSQL: up from empty, $count migrations"
hyperfine --warmup 2 --runs "$runs" --prepare "$recreate" \
    --export-markdown "$work/postgres.md" \
    -n "up, checked" "$bin --quiet --dir $work/checked --target '$target' up" \
    -n "up, unchecked" "$bin --quiet --dir $work/unchecked --target '$target' up" \
    -n "up --group, checked" "$bin --quiet --dir $work/checked --target '$target' up --group" \
    -n "up --group, unchecked" "$bin --quiet --dir $work/unchecked --target '$target' up --group"
cat "$work/generated-sqlite.md" "$work/generated-postgres.md" "$work/sqlite.md" "$work/postgres.md"
