"""MQTT payload formats: what one message's payload turns into.

Pure (no IO, no clock: ``now`` is an argument). Each subscription gets one
decoder; ``decode(topic, payload, now)`` returns ``(positions, events)`` or
raises a ``ProtocolError`` (the gateway counts it, archives the payload and
acknowledges the message, so the broker does not redeliver garbage forever).

owntracks
    OwnTracks JSON (https://owntracks.org/booklet/tech/json/): ``_type:
    location`` becomes a position (``tst`` epoch seconds UTC, ``lat``,
    ``lon``, ``alt`` m, ``vel`` km/h, ``cog`` degrees; attributes
    ``accuracy`` (``acc``, m), ``batteryLevel`` (``batt``, %), ``charge``
    (``bs`` 2 = charging)). Other ``_type`` values (transition, waypoint,
    lwt, card ...) carry no fix: no records. Topic ``owntracks/<user>/<device>``.
uvis-json
    One object or an array of objects in the shapes of
    ../shared/contracts/decode-cli.md: a POSITION (``fix_time``, ``lat``,
    ``lon``, ...) or an EVENT (``time``, ``type``). Times are ISO 8601 with a
    zone; ``protocol`` defaults to ``uvis-json``.
a protocol name (``nmea``, ``teltonika``, ``gt06`` ...)
    The payload is one frame as the protocol's framer cuts it (NMEA: one or
    more sentences), decoded by a connection of that protocol kept per topic
    (``receive_frame``), so session state such as a login carries from one
    message to the next. Replies the protocol would send are dropped: MQTT's
    PUBACK is the acknowledgement.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timezone
from typing import Any, Sequence

import msgspec

from protocols import Event, Position, ProtocolError
from protocols._connection import ConnectionOptions
from protocols._errors import MalformedError

from .mqtt_config import IdSource, default_id_source, parse_id_source

__all__ = ["PayloadDecoder", "make_decoder", "encode_owntracks", "encode_uvis_json"]

Records = tuple[Sequence[Position], Sequence[Event]]
_NONE: Records = ((), ())


class PayloadDecoder:
    """Base: a device-id source and ``decode``."""

    name = ""

    def __init__(self, source: IdSource) -> None:
        self.source = source

    def decode(self, topic: str, payload: bytes, now: datetime) -> Records:  # pragma: no cover
        raise NotImplementedError


# -- OwnTracks ---------------------------------------------------------------------

class _OwnTracks(msgspec.Struct, kw_only=True):
    type: str = msgspec.field(name="_type", default="")
    lat: float | None = None
    lon: float | None = None
    tst: float | None = None
    alt: float | None = None
    vel: float | None = None
    cog: float | None = None
    acc: float | None = None
    batt: int | None = None
    bs: int | None = None
    tid: str | None = None


_OWNTRACKS = msgspec.json.Decoder(_OwnTracks)


def _check_coordinates(lat: float, lon: float, what: str) -> None:
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise MalformedError(f"{what}: coordinates out of range ({lat}, {lon})")


class OwnTracksDecoder(PayloadDecoder):
    name = "owntracks"

    def decode(self, topic: str, payload: bytes, now: datetime) -> Records:
        try:
            m = _OWNTRACKS.decode(payload)
        except msgspec.DecodeError as exc:
            raise MalformedError(f"owntracks: {exc}", data=payload) from None
        if m.type != "location":
            return _NONE
        if m.lat is None or m.lon is None or m.tst is None:
            raise MalformedError("owntracks: location without lat, lon or tst", data=payload)
        _check_coordinates(m.lat, m.lon, "owntracks")
        device = m.tid if self.source.kind == "payload" else self.source.from_topic(topic)
        if not device:
            raise MalformedError(f"owntracks: no device id in {topic!r}", data=payload)
        try:
            fix_time = datetime.fromtimestamp(m.tst, timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise MalformedError(f"owntracks: bad tst {m.tst}", data=payload) from None
        attributes: dict[str, Any] = {}
        if m.acc is not None:
            attributes["accuracy"] = m.acc
        if m.batt is not None:
            attributes["batteryLevel"] = m.batt
        if m.bs is not None and m.bs > 0:
            attributes["charge"] = m.bs == 2
        return (Position(device_id=device, protocol="owntracks", fix_time=fix_time, valid=True,
                         lat=m.lat, lon=m.lon, altitude_m=m.alt, speed_kmh=m.vel,
                         course_deg=m.cog, attributes=attributes),), ()


def encode_owntracks(fix: Any, tid: str = "") -> bytes:
    """A ``_type: location`` message for a ``protocols.Fix`` (simulator, tests)."""
    body: dict[str, Any] = {"_type": "location", "tst": int(fix.time.timestamp()),
                            "lat": fix.lat, "lon": fix.lon, "alt": round(fix.altitude_m),
                            "vel": round(fix.speed_kmh), "cog": round(fix.course_deg), "acc": 5,
                            "batt": fix.attributes.get("batteryLevel", 80)}
    if tid:
        body["tid"] = tid
    return msgspec.json.encode(body)


# -- UVIS JSON ---------------------------------------------------------------------

class _UvisRecord(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    device_id: str | None = None
    protocol: str | None = None
    fix_time: datetime | None = None
    time: datetime | None = None
    type: str | None = None
    valid: bool = True
    lat: float | None = None
    lon: float | None = None
    altitude_m: float | None = None
    speed_kmh: float | None = None
    course_deg: float | None = None
    satellites: int | None = None
    hdop: float | None = None
    attributes: dict[str, Any] = {}


_UVIS = msgspec.json.Decoder(_UvisRecord | list[_UvisRecord])


class UvisJsonDecoder(PayloadDecoder):
    name = "uvis-json"

    def decode(self, topic: str, payload: bytes, now: datetime) -> Records:
        try:
            body = _UVIS.decode(payload)
        except msgspec.DecodeError as exc:
            raise MalformedError(f"uvis-json: {exc}", data=payload) from None
        items = body if isinstance(body, list) else (body,)
        topic_id = self.source.from_topic(topic)
        positions: list[Position] = []
        events: list[Event] = []
        for item in items:
            device = topic_id if self.source.kind == "topic" else item.device_id
            if not device:
                raise MalformedError(f"uvis-json: no device id (topic {topic!r})", data=payload)
            protocol = item.protocol or "uvis-json"
            if item.fix_time is not None:
                positions.append(_uvis_position(item, device, protocol, payload))
            elif item.time is not None and item.type:
                events.append(Event(device_id=device, protocol=protocol, time=_utc(item.time, payload),
                                    type=item.type, attributes=item.attributes))
            else:
                raise MalformedError("uvis-json: neither a position (fix_time, lat, lon) "
                                     "nor an event (time, type)", data=payload)
        return positions, events


def _utc(value: datetime, payload: bytes) -> datetime:
    if value.tzinfo is None:
        raise MalformedError("uvis-json: a time without a zone (expected ...Z)", data=payload)
    return value.astimezone(timezone.utc)


def _uvis_position(item: _UvisRecord, device: str, protocol: str, payload: bytes) -> Position:
    if item.lat is None or item.lon is None:
        raise MalformedError("uvis-json: position without lat or lon", data=payload)
    _check_coordinates(item.lat, item.lon, "uvis-json")
    return Position(device_id=device, protocol=protocol, fix_time=_utc(item.fix_time, payload),
                    valid=item.valid, lat=item.lat, lon=item.lon, altitude_m=item.altitude_m,
                    speed_kmh=item.speed_kmh, course_deg=item.course_deg,
                    satellites=item.satellites, hdop=item.hdop, attributes=item.attributes)


def encode_uvis_json(device_id: str, fix: Any, protocol: str = "uvis-json") -> bytes:
    """One POSITION object for a ``protocols.Fix`` (simulator, tests)."""
    from protocols._json import position_dict

    return msgspec.json.encode(position_dict(Position(
        device_id=device_id, protocol=protocol, fix_time=fix.time, valid=fix.valid, lat=fix.lat,
        lon=fix.lon, altitude_m=fix.altitude_m, speed_kmh=fix.speed_kmh, course_deg=fix.course_deg,
        satellites=fix.satellites, attributes=dict(fix.attributes))))


# -- protocol frames ----------------------------------------------------------------

class FrameDecoder(PayloadDecoder):
    """Frames of a registered protocol, one connection per topic (bounded)."""

    def __init__(self, source: IdSource, protocol: str, options: dict[str, Any],
                 max_sessions: int = 100_000) -> None:
        super().__init__(source)
        from protocols.registry import get

        spec = get(protocol)
        self.name = spec.name
        self._factory = spec.tcp_connection or spec.udp_connection
        self._options = ConnectionOptions(extra=dict(options))
        self._sessions: OrderedDict[str, Any] = OrderedDict()
        self._max = max_sessions

    def decode(self, topic: str, payload: bytes, now: datetime) -> Records:
        conn = self._sessions.get(topic)
        if conn is None:
            conn = self._factory(device_id=self.source.from_topic(topic), options=self._options)
            self._sessions[topic] = conn
            if len(self._sessions) > self._max:
                self._sessions.popitem(last=False)
        else:
            self._sessions.move_to_end(topic)
        try:
            decoded = conn.receive_frame(payload, now)
        except ProtocolError as exc:
            if exc.fatal:
                self._sessions.pop(topic, None)
            raise
        return decoded.positions, decoded.events


def make_decoder(fmt: str, device_id: str | None, options: dict[str, Any] | None = None) -> PayloadDecoder:
    """The decoder of one subscription (settings already validated)."""
    source = parse_id_source(device_id or default_id_source(fmt))
    if fmt == "owntracks":
        return OwnTracksDecoder(source)
    if fmt == "uvis-json":
        return UvisJsonDecoder(source)
    return FrameDecoder(source, fmt, options or {})
