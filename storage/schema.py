"""The database schema as an ordered list of migrations.

Each migration is ``(version, name, sql)``; versions only grow, a migration is
never edited once released (add a new one instead). ``apply_migrations`` runs
the missing ones in order, each in its own transaction, under an advisory
lock, and records them in ``schema_migrations(version, name, applied_at)``.
Applying twice is a no-op, so every process applies at start.

Later migrations (TimescaleDB hypertables, retention) append to MIGRATIONS.
Every unique key on a time-series table includes its time column, as a
hypertable requires.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MIGRATIONS", "apply_migrations", "applied_versions", "DATA_TABLES"]

# The tables a test may truncate (in an order that respects nothing: no FKs).
DATA_TABLES = ("positions", "positions_late", "events", "latest_positions", "devices", "raw_frames",
               "quarantine", "forward_cursors", "forward_dead_letters",
               "api_tokens", "commands")

_POSITION_COLUMNS = """
    device_id   text             NOT NULL,
    fix_time    timestamptz      NOT NULL,
    received_at timestamptz      NOT NULL,
    protocol    text             NOT NULL,
    valid       boolean          NOT NULL,
    lat         double precision NOT NULL,
    lon         double precision NOT NULL,
    altitude_m  real,
    speed_kmh   real,
    course_deg  real,
    satellites  smallint,
    hdop        real,
    attributes  jsonb            NOT NULL DEFAULT '{}'::jsonb
"""

_V1_INITIAL = f"""
CREATE TABLE devices (
    device_id  text        PRIMARY KEY,
    protocol   text        NOT NULL,
    first_seen timestamptz NOT NULL,
    last_seen  timestamptz NOT NULL
);

-- The track of one device by time is the primary key's order.
CREATE TABLE positions ({_POSITION_COLUMNS},
    PRIMARY KEY (device_id, fix_time)
);

CREATE TABLE events (
    device_id   text        NOT NULL,
    time        timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    protocol    text        NOT NULL,
    type        text        NOT NULL,
    attributes  jsonb       NOT NULL DEFAULT '{{}}'::jsonb,
    PRIMARY KEY (device_id, time, type)
);

-- One row per device: the position with the greatest fix_time.
CREATE TABLE latest_positions ({_POSITION_COLUMNS},
    PRIMARY KEY (device_id)
);
"""

# Late fixes: rows older than the compression horizon of a TimescaleDB
# hypertable are committed here first (a plain table, fast), and moved into
# ``positions`` off the hot path (storage.postgres.PostgresStore.move_late).
# Raw frames: what failed to decode (or every frame, when asked), for replay.
_V2_LATE_AND_RAW = f"""
CREATE TABLE positions_late ({_POSITION_COLUMNS},
    PRIMARY KEY (device_id, fix_time)
);

CREATE TABLE raw_frames (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    received_at timestamptz NOT NULL,
    protocol    text        NOT NULL,
    transport   text        NOT NULL,
    remote      text,
    session     bigint      NOT NULL,
    device_id   text,
    data        bytea       NOT NULL,
    error       text,
    PRIMARY KEY (received_at, id)
);
CREATE INDEX raw_frames_protocol_time ON raw_frames (protocol, received_at);
"""

# Distinct events that share (device, time, type), e.g. several camera alarms
# in one second, are all kept: ``key`` is a 64-bit digest of the event's
# attributes, so only a true resend (the same attributes) hits the key.
# Quarantine: records the database refused (or that cannot be repaired), with
# the raw frame they came from, kept for inspection and `quarantine replay`.
_V3_EVENT_KEY_AND_QUARANTINE = """
ALTER TABLE events ADD COLUMN key bigint NOT NULL DEFAULT 0;
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ADD PRIMARY KEY (device_id, time, type, key);

CREATE TABLE quarantine (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    quarantined_at timestamptz NOT NULL,
    received_at    timestamptz NOT NULL,
    kind           text        NOT NULL,
    protocol       text,
    transport      text,
    device_id      text,
    reason         text        NOT NULL,
    record         bytea       NOT NULL,
    raw            bytea,
    digest         bytea       NOT NULL UNIQUE,
    replayed_at    timestamptz
);
CREATE INDEX quarantine_time ON quarantine (quarantined_at);
"""

# The ingest log: every row of positions, positions_late and events carries
# the transaction that committed it (ingest_xid) and a sequence number taken
# in it (ingest_seq); readers follow (ingest_xid, ingest_seq) from a cursor
# and stop below the oldest transaction still in flight, so nothing committed
# later can land behind a cursor (storage/ingest_log.py). The columns are
# added without a default first (no table rewrite), then given one; rows from
# before this migration have NULLs and are not in the log. A statement
# trigger NOTIFYs 'uvis_ingest' on commit to wake readers. The forwarder's
# durable cursors and dead letters (gateway/forward/).
_V4_INGEST_LOG = """
CREATE SEQUENCE uvis_ingest_seq;
CREATE FUNCTION uvis_ingest_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_notify('uvis_ingest', ''); RETURN NULL; END $$;
""" + "".join(f"""
ALTER TABLE {t} ADD COLUMN ingest_seq bigint, ADD COLUMN ingest_xid xid8;
ALTER TABLE {t} ALTER COLUMN ingest_seq SET DEFAULT nextval('uvis_ingest_seq'),
    ALTER COLUMN ingest_xid SET DEFAULT pg_current_xact_id();
CREATE INDEX {t}_ingest ON {t} (ingest_xid, ingest_seq);
CREATE TRIGGER uvis_ingest_notify AFTER INSERT OR UPDATE ON {t}
    FOR EACH STATEMENT EXECUTE FUNCTION uvis_ingest_notify();
""" for t in ("positions", "positions_late", "events")) + """
CREATE TABLE forward_cursors (
    destination text        PRIMARY KEY,
    xid         xid8        NOT NULL,
    seq         bigint      NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE forward_dead_letters (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    destination text        NOT NULL,
    message_id  text        NOT NULL,
    kind        text        NOT NULL,
    device_id   text        NOT NULL,
    payload     bytea       NOT NULL,
    reason      text        NOT NULL,
    attempts    integer     NOT NULL,
    first_try   timestamptz NOT NULL,
    dead_at     timestamptz NOT NULL DEFAULT now(),
    redriven_at timestamptz
);
CREATE INDEX forward_dead_letters_open ON forward_dead_letters (destination, id)
    WHERE redriven_at IS NULL;
"""

# The integrator API (api/): a device's name, group (a customer's fleet) and
# free attributes, set through PATCH /api/v1/devices/{id}; API tokens (only a
# SHA-256 of the secret is kept; scopes and groups limit what a token reads).
_V5_API = """
ALTER TABLE devices ADD COLUMN name text, ADD COLUMN group_name text,
    ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}'::jsonb;
CREATE INDEX devices_group ON devices (group_name, device_id);
CREATE TABLE api_tokens (
    name        text        PRIMARY KEY,
    hash        bytea       NOT NULL UNIQUE,
    scopes      text[]      NOT NULL,
    groups      text[]      NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,
    revoked_at  timestamptz
);
"""

# Commands to devices (storage/commands.py): one row per command with its
# lifecycle queued -> sent -> answered | failed | expired | cancelled, the
# exact bytes sent, the answer and who asked. A row trigger NOTIFYs
# 'uvis_commands' with "<state> <id> <device>" on every insert and state
# change: the gateway process holding the device delivers, waiters wake.
_V7_COMMANDS = """
CREATE TABLE commands (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_id      text        NOT NULL,
    protocol       text,
    type           text        NOT NULL,
    params         jsonb       NOT NULL DEFAULT '{}'::jsonb,
    state          text        NOT NULL DEFAULT 'queued' CHECK (state IN
                   ('queued', 'sent', 'answered', 'failed', 'expired', 'cancelled')),
    requested_by   text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    sent_at        timestamptz,
    attempts       integer     NOT NULL DEFAULT 0,
    sent_by        text,
    sent_bytes     bytea,
    answer_serial  text,
    answered_at    timestamptz,
    answer_ok      boolean,
    answer_text    text,
    answer_hex     text,
    answer_meaning text,
    finished_at    timestamptz,
    error          text
);
CREATE INDEX commands_device ON commands (device_id, id);
CREATE INDEX commands_open ON commands (device_id, id) WHERE state IN ('queued', 'sent');
CREATE INDEX commands_expiry ON commands (expires_at) WHERE state IN ('queued', 'sent');
CREATE FUNCTION uvis_commands_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('uvis_commands', NEW.state || ' ' || NEW.id || ' ' || left(NEW.device_id, 512));
    RETURN NULL;
END $$;
CREATE TRIGGER uvis_commands_notify AFTER INSERT OR UPDATE OF state, sent_by ON commands
    FOR EACH ROW EXECUTE FUNCTION uvis_commands_notify();
"""

# GET /api/v1/events without a device reads events by time: (time, device_id,
# type, key) is its order and its cursor, so a page is an index range scan
# that stops at the limit (the primary key leads with device_id and cannot
# serve it). On a TimescaleDB hypertable the index is made on every chunk.
_V8_EVENTS_BY_TIME = """
CREATE INDEX IF NOT EXISTS events_by_time ON events (time, device_id, type, key);
"""

MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "devices, positions, events, latest_positions", _V1_INITIAL),
    (2, "positions_late, raw_frames", _V2_LATE_AND_RAW),
    (3, "events keyed by their attributes' digest, quarantine", _V3_EVENT_KEY_AND_QUARANTINE),
    (4, "ingest log (ingest_seq, ingest_xid), forward cursors and dead letters", _V4_INGEST_LOG),
    (5, "API: device name, group and attributes; API tokens", _V5_API),
    (7, "commands to devices: the durable queue (storage/commands.py)", _V7_COMMANDS),
    (8, "events by time (GET /api/v1/events without a device)", _V8_EVENTS_BY_TIME),
)

_LOCK_KEY = 0x75766973  # "uvis": serialises concurrent appliers

_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


async def applied_versions(conn: Any) -> list[int]:
    rows = await conn.fetch("SELECT version FROM schema_migrations ORDER BY version")
    return [r["version"] for r in rows]


async def apply_migrations(conn: Any, migrations=MIGRATIONS) -> list[int]:
    """Apply the missing migrations on an asyncpg connection; return the
    versions applied now (empty when the schema was up to date)."""
    _check_order(migrations)
    applied_now: list[int] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await conn.execute(_CREATE_TABLE)
        done = set(await applied_versions(conn))
        for version, name, sql in migrations:
            if version in done:
                continue
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                    version, name)
            applied_now.append(version)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
    return applied_now


def _check_order(migrations) -> None:
    versions = [m[0] for m in migrations]
    if versions != sorted(set(versions)):
        raise ValueError(f"migration versions must be unique and increasing: {versions}")
