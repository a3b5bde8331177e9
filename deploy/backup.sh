#!/bin/sh
# Back up the gateway's database with pg_dump (custom format, compressed).
#
#   deploy/backup.sh [-d DATABASE_URL] [-o FILE]
#
# DATABASE_URL defaults to $UVIS_DATABASE_URL; FILE to uvis-YYYYmmddTHHMMSSZ.dump in
# the current directory. Use the pg_dump of the server's major version (or newer).
# TimescaleDB: the dump holds the extension and its catalog; restore.sh wraps the
# restore in timescaledb_pre_restore()/timescaledb_post_restore(). The target needs
# the same TimescaleDB version. A dump is a point in time: for an RPO of minutes use
# WAL archiving (deploy/docs/backup-and-pitr.md).
set -eu

url="${UVIS_DATABASE_URL:-}"
out=""
while getopts "d:o:h" opt; do
    case "$opt" in
        d) url="$OPTARG" ;;
        o) out="$OPTARG" ;;
        *) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done
if [ -z "$url" ]; then
    echo "backup.sh: no database: pass -d URL or set UVIS_DATABASE_URL" >&2
    exit 2
fi
[ -n "$out" ] || out="uvis-$(date -u +%Y%m%dT%H%M%SZ).dump"

timescale=$(psql "$url" -X -A -t -v ON_ERROR_STOP=1 \
    -c "SELECT coalesce((SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'), '')")
tmp="$out.partial"
trap 'rm -f "$tmp"' EXIT
# --no-owner/--no-privileges: restorable by another role; compression level 6
pg_dump --format=custom --compress=6 --no-owner --no-privileges --file="$tmp" "$url"
pg_restore --list "$tmp" > /dev/null       # the archive reads back
mv "$tmp" "$out"
trap - EXIT
if [ -n "$timescale" ]; then
    echo "backup.sh: wrote $out (TimescaleDB $timescale: restore into a server with that version)"
else
    echo "backup.sh: wrote $out"
fi
