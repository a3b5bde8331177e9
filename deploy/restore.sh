#!/bin/sh
# Restore a backup.sh dump into a database.
#
#   deploy/restore.sh [-c] -d TARGET_URL FILE
#
# -c  create the target database first (connecting to the server's "postgres"
#     database); without -c the target must exist and be empty.
# When the dump holds TimescaleDB, the extension is created in the target and the
# restore runs between timescaledb_pre_restore() and timescaledb_post_restore(), as
# TimescaleDB's documentation prescribes. Stop the gateways writing to the target
# first; start them after: they find the schema migrated and carry on.
set -eu

url=""
create=0
while getopts "cd:h" opt; do
    case "$opt" in
        c) create=1 ;;
        d) url="$OPTARG" ;;
        *) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
if [ -z "$url" ] || [ $# -ne 1 ]; then
    echo "usage: restore.sh [-c] -d TARGET_URL FILE" >&2
    exit 2
fi
dump="$1"
[ -r "$dump" ] || { echo "restore.sh: cannot read $dump" >&2; exit 2; }

psql_do() { psql "$1" -X -q -A -t -v ON_ERROR_STOP=1 -c "$2"; }

if [ "$create" = 1 ]; then
    # the database name is the URL's path; the maintenance connection swaps it for "postgres"
    name=$(printf '%s' "$url" | sed -e 's/[?#].*$//' -e 's#.*/##')
    admin=$(printf '%s' "$url" | sed -e "s#/$name\([?#]\|\$\)#/postgres\1#")
    [ -n "$name" ] && [ "$admin" != "$url" ] || { echo "restore.sh: no database name in $url" >&2; exit 2; }
    psql_do "$admin" "CREATE DATABASE \"$name\""
fi

tables=$(psql_do "$url" "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', '_timescaledb_cache', 'timescaledb_information', 'timescaledb_experimental', '_timescaledb_functions')")
if [ "$tables" != 0 ]; then
    echo "restore.sh: the target already has $tables tables; restore into an empty database" >&2
    exit 1
fi

if pg_restore --list "$dump" | grep -q ' EXTENSION - timescaledb$'; then
    echo "restore.sh: TimescaleDB dump: pre_restore, pg_restore, post_restore"
    psql_do "$url" "CREATE EXTENSION IF NOT EXISTS timescaledb"
    psql_do "$url" "SELECT timescaledb_pre_restore()" > /dev/null
    # the extension exists already; its objects come from the dump
    if ! pg_restore --no-owner --no-privileges --dbname="$url" "$dump"; then
        psql_do "$url" "SELECT timescaledb_post_restore()" > /dev/null || true
        echo "restore.sh: pg_restore failed (see above)" >&2
        exit 1
    fi
    psql_do "$url" "SELECT timescaledb_post_restore()" > /dev/null
else
    pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$url" "$dump"
fi
psql_do "$url" "ANALYZE" > /dev/null
echo "restore.sh: restored $dump into $(printf '%s' "$url" | sed 's#//[^@/]*@#//#')"
