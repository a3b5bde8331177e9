"""The live feed's reader of the ingest log: the same records, order and
horizon as storage.ingest_log.read_after (committed rows after a cursor
``(xid, seq)``, only below ``pg_snapshot_xmin``), but each message's JSON is
built by PostgreSQL, in the shape of the REST API's positions and events, so
the API process does not decode and re-encode every row of a 10,000/s feed.
Only what the filters need comes back as columns."""

from __future__ import annotations

from typing import Any, NamedTuple, Sequence

from storage.api_store import JSON_SHAPES, time_sql
from storage.ingest_log import Cursor, read_tables

__all__ = ["LiveRecord", "read_after"]


class LiveRecord(NamedTuple):
    cursor: Cursor
    kind: str
    device_id: str
    lat: float | None
    lon: float | None
    type: str | None
    #: the whole message: {"id", "kind", "received_at", "position"|"event"}
    data: bytes


_EVENT_JSON = ("json_build_object('device_id', device_id, 'protocol', protocol, 'time', "
               + time_sql("time") + ", 'type', type, 'attributes', attributes)")


def _select(kind: str, record_json: str, columns: str) -> str:
    return (f"ingest_xid, ingest_seq, device_id, {columns}, json_build_object("
            f"'id', ingest_xid::text || '.' || ingest_seq::text, 'kind', '{kind}', 'received_at', "
            f"{time_sql('received_at')}, '{kind}', {record_json})::text")


_TABLES = (
    ("positions", "position", _select("position", JSON_SHAPES["position"], "lat, lon, NULL::text")),
    ("positions_late", "position", _select("position", JSON_SHAPES["position"], "lat, lon, NULL::text")),
    ("events", "event", _select("event", _EVENT_JSON, "NULL::float8, NULL::float8, type")),
)


async def read_after(db: Any, cursor: Cursor, *, limit: int,
                     devices: Sequence[str] | None = None) -> list[LiveRecord]:
    """Up to ``limit`` committed records after ``cursor``, in log order."""
    tables = [(table, select, _converter(kind)) for table, kind, select in _TABLES]
    return await read_tables(db, cursor, tables, limit=limit, devices=devices,
                             order=lambda r: r.cursor)


def _converter(kind: str):
    return lambda r: LiveRecord(Cursor(r[0], r[1]), kind, r[2], r[3], r[4], r[5], r[6].encode())
