# Shared by the runner benchmarks (source it, don't run it): a scratch directory, a
# throwaway PostgreSQL cluster on a Unix socket in it, and the up files in `migrate`'s order.
# Expects `root` (the migrations root) to be set; sets `work`, `pg` (psql connection flags)
# and `target` (the runner's key=value PostgreSQL target).

work=$(mktemp -d /tmp/spine-bench-XXXXXX)
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

# The files `migrate up` applies for a dialect, in its order: tiers, then overlays by name.
files_in_order() {
    local dialect_dir=$root/$1 group
    for group in basic intermediate advanced; do
        ls "$dialect_dir/$group"/*.up.sql 2>/dev/null | sort
    done
    for group in $(ls "$dialect_dir" | sort); do
        [ -d "$dialect_dir/$group" ] || continue # release-order.txt
        case $group in basic | intermediate | advanced) ;; *) ls "$dialect_dir/$group"/*.up.sql | sort ;; esac
    done
}
files_in_order postgres | xargs cat >"$work/postgres.sql"
{ echo "BEGIN;"; files_in_order sqlite | xargs cat; echo "COMMIT;"; } >"$work/sqlite.sql"

"${as_pg_user[@]}" "$pg_bin/initdb" -D "$work/pg" -U postgres -A trust --no-sync >/dev/null
"${as_pg_user[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
    -o "-k $work -c listen_addresses='' -p 5432" start >/dev/null
pg=(-h "$work" -p 5432 -U postgres)
target="host=$work port=5432 user=postgres dbname=bench"
