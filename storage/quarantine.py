"""The quarantine: records the database cannot take, kept with their raw frame.

Errors are classified, never retried blindly:

- a **data error** (the values of some row: PostgreSQL's class 22 data
  exceptions, class 23 integrity violations other than the dedupe key that
  the statements absorb, class 54 program limits such as an index row too
  large, or a value the client cannot encode) is a property of the rows: the
  batch is split in halves until the refused rows are found; the others commit
  and the refused ones are written to ``quarantine`` with the reason, so they
  are acknowledged (nothing is lost) and never retried for ever;
- anything else (connection lost, timeout, serialisation failure, server
  shutting down, too many connections ...) is **transient**: the batch is
  kept and retried or spooled, as before.

Rows are keyed by a digest of (kind, record), so a record quarantined twice
(a device resending what it was ACKed for before a crash) is kept once.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Sequence

import asyncpg
import msgspec

from protocols import Event, Position

__all__ = ["is_data_error", "QuarantineEntry", "encode_record", "decode_record", "row_for"]

#: one raw frame per record: (transport, bytes), or None when unknown
Frame = tuple[str, bytes] | None

_DATA_CLASSES = ("22", "23", "54")


def is_data_error(exc: BaseException) -> bool:
    """True when ``exc`` is about the rows written, not about the connection or
    the server's state (see the module docstring)."""
    if isinstance(exc, asyncpg.PostgresError):
        state = getattr(exc, "sqlstate", None) or ""
        return state[:2] in _DATA_CLASSES
    if isinstance(exc, (asyncpg.DataError, UnicodeError, OverflowError, ValueError,
                        msgspec.EncodeError)):
        return True
    # the client's encoders (asyncpg's binary codecs, the jsonb codec) raise these
    return isinstance(exc, TypeError)


class QuarantineEntry(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    quarantined_at: datetime
    received_at: datetime
    kind: str
    protocol: str | None
    transport: str | None
    device_id: str | None
    reason: str
    record: Position | Event | None
    raw: bytes | None
    replayed_at: datetime | None


_encode = msgspec.msgpack.Encoder().encode
_position = msgspec.msgpack.Decoder(Position).decode
_event = msgspec.msgpack.Decoder(Event).decode


def encode_record(record: Position | Event) -> bytes:
    try:
        return _encode(record)
    except (TypeError, ValueError, OverflowError, UnicodeError, msgspec.EncodeError):
        return b"repr:" + repr(record).encode("utf-8", "backslashreplace")


def decode_record(kind: str, data: bytes) -> Position | Event | None:
    try:
        return (_position if kind == "position" else _event)(data)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def _text(value: Any, limit: int = 200) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else repr(value)
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")[:limit]


def row_for(kind: str, record: Position | Event, reason: str, received_at: datetime,
            frame: Frame) -> tuple:
    """A quarantine row: (received_at, kind, protocol, transport, device_id, reason,
    record, raw, digest)."""
    data = encode_record(record)
    transport, raw = frame if frame is not None else (None, None)
    canonical = decode_record(kind, data)  # 1 and 1.0 are one record: digest its decoded form
    keyed = encode_record(canonical) if canonical is not None else data
    digest = hashlib.sha256(kind.encode() + b"\x00" + keyed).digest()
    return (received_at, kind, _text(getattr(record, "protocol", None), 64), transport,
            _text(getattr(record, "device_id", None)), _text(reason, 1000), data, raw, digest)


INSERT = """
INSERT INTO quarantine (quarantined_at, received_at, kind, protocol, transport, device_id,
                        reason, record, raw, digest)
SELECT now(), r.received_at, r.kind, r.protocol, r.transport, r.device_id, r.reason, r.record,
       r.raw, r.digest
FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
            $7::bytea[], $8::bytea[], $9::bytea[])
     AS r(received_at, kind, protocol, transport, device_id, reason, record, raw, digest)
ON CONFLICT (digest) DO NOTHING
"""


def insert_args(rows: Sequence[tuple]) -> list[list[Any]]:
    return [list(column) for column in zip(*rows)]
