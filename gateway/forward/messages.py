"""What a destination receives: one JSON object per record, with a stable id.

``uvis`` format, a position::

    {"id": "p-5c0f...", "kind": "position", "received_at": "...", "group": null,
     "device_id": "...", "protocol": "gt06", "fix_time": "...", "valid": true,
     "lat": ..., "lon": ..., "altitude_m": ..., "speed_kmh": ..., "course_deg": ...,
     "satellites": ..., "hdop": ..., "attributes": {...}}

an event: ``kind`` "event" with ``time``, ``type`` and ``attributes``. A
webhook batch is a JSON array of these objects.

The id is a digest of the record's content (its JSON with sorted keys,
and its kind): the same record forwarded again (after a crash, a retry, a
late fix moved into ``positions``) has the same id, so a consumer drops
repeats by id; a fix merged with new attributes is new content and gets a
new id.

``traccar`` format: Traccar's position forwarding (``forward.url`` with
placeholders, or ``forward.json``: ``{"position": {...}, "device": {...}}``,
speed in knots, times as ISO 8601 with offset) so integrations written for
Traccar move over unchanged. Traccar's numeric ``deviceId`` is the device id
when it is a number (IMEIs are), else a stable 53-bit digest of it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from urllib.parse import quote

import msgspec

from storage.ingest_log import IngestRecord

__all__ = [
    "Message",
    "build_message",
    "message_id",
    "render_template",
    "traccar_json",
    "traccar_url",
]

_sorted_encode = msgspec.json.Encoder(order="sorted").encode
_encode = msgspec.json.Encoder().encode


class Message(msgspec.Struct, kw_only=True):
    """One record ready to send: ``payload`` is its JSON (uvis format)."""

    id: str
    kind: str          # "position" | "event"
    device_id: str
    group: str | None
    event_type: str | None
    received_at: datetime
    payload: bytes
    record: IngestRecord


def _record_json(r: IngestRecord) -> bytes:
    """The record's JSON, keys sorted (one encoding: the id's input and the body)."""
    return _sorted_encode(r.record)


def message_id(r: IngestRecord, record_json: bytes | None = None) -> str:
    kind = "p" if r.kind == "position" else "e"
    body = _record_json(r) if record_json is None else record_json
    return f"{kind}-{hashlib.blake2b(body, digest_size=12, person=kind.encode()).hexdigest()}"


_KIND_FIELD = {"position": b'","kind":"position","received_at":',
               "event": b'","kind":"event","received_at":'}


def build_message(r: IngestRecord, group: str | None) -> Message:
    """The uvis JSON of a record: ``id``, ``kind``, ``received_at``, ``group``
    spliced in front of the record's own (sorted) JSON object."""
    record_json = _record_json(r)
    mid = message_id(r, record_json)
    payload = b"".join((b'{"id":"', mid.encode(), _KIND_FIELD[r.kind], _encode(r.received_at),
                        b',"group":', _encode(group), b",", record_json[1:]))
    return Message(id=mid, kind=r.kind, device_id=r.record.device_id, group=group,
                   event_type=r.record.type if r.kind == "event" else None,
                   received_at=r.received_at, payload=payload, record=r)


def render_template(template: str, m: Message) -> str:
    """``{device_id}``, ``{group}``, ``{kind}``, ``{protocol}``, ``{type}``."""
    return template.format(device_id=m.device_id, group=m.group or "none", kind=m.kind,
                           protocol=m.record.record.protocol, type=m.event_type or "position")


# -- Traccar ---------------------------------------------------------------------------

_KMH_PER_KNOT = 1.852


def traccar_device_id(device_id: str) -> int:
    if device_id.isdigit() and len(device_id) <= 15:
        return int(device_id)
    return int.from_bytes(hashlib.blake2b(device_id.encode(), digest_size=7).digest(), "big") >> 3


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="milliseconds")


def _traccar_position(m: Message) -> dict[str, Any]:
    p = m.record.record
    time = p.fix_time if m.kind == "position" else p.time
    return {
        "id": m.record.seq, "deviceId": traccar_device_id(m.device_id), "protocol": p.protocol,
        "serverTime": _iso(m.received_at), "deviceTime": _iso(time), "fixTime": _iso(time),
        "outdated": m.kind != "position", "valid": getattr(p, "valid", False),
        "latitude": getattr(p, "lat", 0.0), "longitude": getattr(p, "lon", 0.0),
        "altitude": getattr(p, "altitude_m", None) or 0.0,
        "speed": (getattr(p, "speed_kmh", None) or 0.0) / _KMH_PER_KNOT,
        "course": getattr(p, "course_deg", None) or 0.0, "address": None, "accuracy": 0.0,
        "network": None, "attributes": p.attributes}


def _traccar_device(m: Message) -> dict[str, Any]:
    return {"id": traccar_device_id(m.device_id), "name": m.device_id, "uniqueId": m.device_id,
            "status": "online", "lastUpdate": _iso(m.received_at), "groupId": 0,
            "group": m.group}


def traccar_json(m: Message) -> bytes:
    """Traccar's ``forward.json`` body; an event as its EventForwarderJson."""
    body: dict[str, Any] = {"position": _traccar_position(m), "device": _traccar_device(m)}
    if m.kind == "event":
        e = m.record.record
        body["event"] = {"id": m.record.seq, "type": e.type, "eventTime": _iso(e.time),
                         "deviceId": traccar_device_id(m.device_id), "positionId": 0,
                         "attributes": e.attributes}
    return _encode(body)


def traccar_url(template: str, m: Message) -> str:
    """Traccar's ``forward.url`` placeholders filled in (values URL-encoded)."""
    pos = _traccar_position(m)
    time = m.record.record.fix_time if m.kind == "position" else m.record.record.time
    values = {
        "name": m.device_id, "uniqueId": m.device_id, "status": "online",
        "deviceId": pos["deviceId"], "protocol": pos["protocol"],
        "deviceTime": int(time.timestamp() * 1000), "fixTime": int(time.timestamp() * 1000),
        "valid": "true" if pos["valid"] else "false", "latitude": pos["latitude"],
        "longitude": pos["longitude"], "altitude": pos["altitude"], "speed": pos["speed"],
        "course": pos["course"], "accuracy": 0.0, "statusCode": "0xF020",
        "attributes": _encode(pos["attributes"]).decode(), "group": m.group or "",
        "gprmc": "", "address": ""}
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", quote(str(value), safe=""))
    return out


def message_from_payload(payload: bytes) -> Message:
    """The message a stored (uvis) payload came from: a dead letter re-driven
    is sent as it was first (same id, same body)."""
    from protocols import Event, Position

    body = msgspec.json.decode(payload)
    kind = body.pop("kind")
    body.pop("id")
    received_at = msgspec.convert(body.pop("received_at"), datetime)
    group = body.pop("group", None)
    record = msgspec.convert(body, Position if kind == "position" else Event)
    return build_message(IngestRecord(kind=kind, xid=0, seq=0, received_at=received_at,
                                      record=record), group)
