"""MQTT payload formats: what one message's payload turns into.

Pure (no IO, no clock: ``now`` is an argument); the wire formats live in
protocols/, this module says where a subscription's device id comes from.
Each subscription gets one decoder; ``decode(topic, payload, now)`` returns ``(positions, events)`` or
raises a ``ProtocolError`` (the gateway counts it, archives the payload and
acknowledges the message, so the broker does not redeliver garbage forever).

owntracks
    OwnTracks JSON: protocols/owntracks (decoder and the device-side encoder).
uvis-json
    The records' own JSON: protocols/uvis_json (decoder and encoder).
a protocol name (``nmea``, ``teltonika``, ``gt06`` ...)
    The payload is one frame as the protocol's framer cuts it (NMEA: one or
    more sentences), decoded by a connection of that protocol kept per topic
    (``receive_frame``), so session state such as a login carries from one
    message to the next. Replies the protocol would send are dropped: MQTT's
    PUBACK is the acknowledgement.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from typing import Any, Sequence

from protocols import Event, Position, ProtocolError, owntracks, uvis_json
from protocols._connection import ConnectionOptions

from .config import IdSource, default_id_source, parse_id_source

__all__ = ["PayloadDecoder", "make_decoder"]

Records = tuple[Sequence[Position], Sequence[Event]]
_NONE: Records = ((), ())


class PayloadDecoder:
    """Base: a device-id source and ``decode``."""

    name = ""

    def __init__(self, source: IdSource) -> None:
        self.source = source

    def decode(self, topic: str, payload: bytes, now: datetime) -> Records:  # pragma: no cover
        raise NotImplementedError


# -- JSON formats (protocols/owntracks, protocols/uvis_json) -------------------------

class OwnTracksDecoder(PayloadDecoder):
    name = "owntracks"

    def decode(self, topic: str, payload: bytes, now: datetime) -> Records:
        device = None if self.source.kind == "payload" else (self.source.from_topic(topic) or "")
        return owntracks.decode_message(payload, device, topic), ()


class UvisJsonDecoder(PayloadDecoder):
    name = "uvis-json"

    def decode(self, topic: str, payload: bytes, now: datetime) -> Records:
        device = (self.source.from_topic(topic) or "") if self.source.kind == "topic" else None
        return uvis_json.decode_message(payload, device, topic)


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
