"""The SQL of the PostgreSQL store's write path (storage.postgres.PostgresStore).

Positions and events are staged in per-connection temporary tables (created by
``storage.pool.init_connection``) and merged by one statement of CTEs; $1 is
always the batch's received_at.
"""

from __future__ import annotations

STAGE_POSITIONS = "_uvis_stage_positions"
STAGE_EVENTS = "_uvis_stage_events_v3"
POS_COLS = ("seq", "device_id", "fix_time", "protocol", "valid", "lat", "lon",
             "altitude_m", "speed_kmh", "course_deg", "satellites", "hdop", "attributes")
EV_COLS = ("seq", "device_id", "time", "protocol", "type", "key", "attributes")

CREATE_STAGING = f"""
CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE_POSITIONS} (
    seq integer, device_id text, fix_time timestamptz, protocol text, valid boolean,
    lat double precision, lon double precision, altitude_m double precision,
    speed_kmh double precision, course_deg double precision, satellites smallint,
    hdop double precision, attributes jsonb
) ON COMMIT DELETE ROWS;
CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE_EVENTS} (
    seq integer, device_id text, time timestamptz, protocol text, type text, key bigint,
    attributes jsonb
) ON COMMIT DELETE ROWS;
"""

_P_SELECT = ("device_id, fix_time, $1::timestamptz, protocol, valid, lat, lon, altitude_m::real, "
             "speed_kmh::real, course_deg::real, satellites, hdop::real, attributes")
_P_TARGET = ("device_id, fix_time, received_at, protocol, valid, lat, lon, altitude_m, "
             "speed_kmh, course_deg, satellites, hdop, attributes")
_LATEST_SET = ", ".join(f"{c} = EXCLUDED.{c}" for c in _P_TARGET.split(", ")[1:])

# The statements' parts. $1 is always the batch's received_at.
_LATEST_CTE = f"""l AS (
    INSERT INTO latest_positions AS cur ({_P_TARGET})
    SELECT DISTINCT ON (device_id) {_P_SELECT}
    FROM {STAGE_POSITIONS} ORDER BY device_id, fix_time DESC, seq
    ON CONFLICT (device_id) DO UPDATE SET {_LATEST_SET}
    WHERE cur.fix_time < EXCLUDED.fix_time
)"""

_EVENTS_CTE = f"""e AS (
    INSERT INTO events (device_id, time, received_at, protocol, type, key, attributes)
    SELECT DISTINCT ON (device_id, time, type, key) device_id, time, $1, protocol, type, key,
           attributes
    FROM {STAGE_EVENTS} ORDER BY device_id, time, type, key, seq
    ON CONFLICT DO NOTHING RETURNING 1
)"""

# A fix that shares (device, fix time) with a stored one but carries attributes
# the stored one lacks (an alarm or status report with the same GPS block) is
# merged into it; one whose attributes are all stored already is a resend.
_MERGE_ATTRIBUTES = ("DO UPDATE SET attributes = {t}.attributes || EXCLUDED.attributes"
                     ", ingest_seq = nextval('uvis_ingest_seq'), ingest_xid = pg_current_xact_id()"
                     " WHERE NOT {t}.attributes @> EXCLUDED.attributes")


def _devices_cte(refresh: str) -> str:
    """Upsert the devices listed in the text[] parameter ``refresh``."""
    return f"""d AS (
    INSERT INTO devices AS cur (device_id, protocol, first_seen, last_seen)
    SELECT DISTINCT ON (device_id) device_id, protocol, $1, $1
    FROM (SELECT device_id, protocol, seq FROM {STAGE_POSITIONS}
          UNION ALL
          SELECT device_id, protocol, seq FROM {STAGE_EVENTS}) AS s
    WHERE device_id = ANY({refresh}::text[])
    ORDER BY device_id, seq DESC
    ON CONFLICT (device_id) DO UPDATE
    SET protocol = EXCLUDED.protocol,
        last_seen = GREATEST(cur.last_seen, EXCLUDED.last_seen)
)"""


# The staging path (the staged fixes have unique keys): $2 = late cutoff, $3 =
# devices to refresh. A late fix already in positions with nothing new is a
# resend, not a late insert.
MERGE = f"""
WITH p AS (
    INSERT INTO positions AS t ({_P_TARGET})
    SELECT {_P_SELECT} FROM {STAGE_POSITIONS} WHERE fix_time >= $2
    ON CONFLICT (device_id, fix_time) {_MERGE_ATTRIBUTES.format(t="t")}
    RETURNING xmax = 0 AS new
), pl AS (
    INSERT INTO positions_late AS t ({_P_TARGET})
    SELECT {_P_SELECT} FROM {STAGE_POSITIONS} AS s WHERE fix_time < $2
    AND NOT EXISTS (SELECT 1 FROM positions AS x WHERE x.device_id = s.device_id
                    AND x.fix_time = s.fix_time AND x.attributes @> s.attributes)
    ON CONFLICT (device_id, fix_time) {_MERGE_ATTRIBUTES.format(t="t")}
    RETURNING xmax = 0 AS new
), {_LATEST_CTE}, {_EVENTS_CTE}, {_devices_cte("$3")}
SELECT (SELECT count(*) FILTER (WHERE new) FROM p) + (SELECT count(*) FILTER (WHERE new) FROM pl),
       (SELECT count(*) FROM e),
       (SELECT count(*) FILTER (WHERE NOT new) FROM p) + (SELECT count(*) FILTER (WHERE NOT new) FROM pl)
"""

# After a direct COPY into positions (no key taken), the staging table holds
# only each device's newest fix: latest positions, events, devices.
# $2 = devices to refresh.
MERGE_DIRECT = f"""
WITH {_LATEST_CTE}, {_EVENTS_CTE}, {_devices_cte("$2")}
SELECT (SELECT count(*) FROM e) AS events
"""

P_COLUMNS = tuple(_P_TARGET.split(", "))

# Move late fixes into positions, oldest first, a bounded number at a time.
MOVE_LATE = f"""
WITH moved AS (
    DELETE FROM positions_late WHERE (device_id, fix_time) IN (
        SELECT device_id, fix_time FROM positions_late ORDER BY fix_time LIMIT $1)
    RETURNING {_P_TARGET}
), ins AS (
    INSERT INTO positions AS t ({_P_TARGET}) SELECT {_P_TARGET} FROM moved
    ON CONFLICT (device_id, fix_time) {_MERGE_ATTRIBUTES.format(t="t")} RETURNING 1
)
SELECT (SELECT count(*) FROM moved), (SELECT count(*) FROM ins)
"""

RAW_COLS = ("received_at", "protocol", "transport", "remote", "session", "device_id", "data",
             "error")

POSITION_FIELDS = ("device_id, protocol, fix_time, valid, lat, lon, altitude_m, speed_kmh, "
                    "course_deg, satellites, hdop, attributes")


def track_sql(columns: str, where: str) -> str:
    """A device's fixes in time order, at most $2 of them, matching ``where`` ($1 is the
    device): late fixes not yet moved from positions_late into positions are part of
    the track too (one row per fix time, positions' first)."""
    return (f"SELECT DISTINCT ON (fix_time) {columns} FROM ("
            f"(SELECT {columns}, 0 AS src FROM positions WHERE {where} ORDER BY fix_time LIMIT $2)"
            f" UNION ALL (SELECT {columns}, 1 AS src FROM positions_late WHERE {where}"
            " ORDER BY fix_time LIMIT $2)) AS u ORDER BY fix_time, src LIMIT $2")
