"""H02 sessions over TCP (stream of ``*...#`` and ``$`` frames) and UDP (one message per datagram).

Identity is the ``<id>`` of every message: the first message that names a
device (or a different one) sets ``Decoded.login``; a message with an empty
id uses the session's identity, and yields no records while there is none.
"""

from __future__ import annotations

from datetime import datetime

from .._connection import DEFAULT_OPTIONS, ConnectionOptions, StreamConnection
from .._errors import MalformedError
from .._records import EMPTY, Decoded, Position, UnknownMessage, kept_item_count
from . import encode
from ._bcd import parse_binary
from ._position import status_attributes
from .constants import (BINARY_START, HEARTBEAT_TYPES, MAX_TEXT, OTHER_START, PROTOCOL,
                        TEXT_START)
from .decode import DECODERS, TextMessage, command_answer, decode_position, split_text
from .framing import H02Framer

__all__ = ["H02Connection", "H02UdpConnection"]

#: types answered with ``*HQ,<id>,V4,<type>,<time>#``
_V4_ACKED = frozenset(("V1", "NBR"))


class _H02Session:
    protocol = PROTOCOL
    device_id: str | None
    options: ConnectionOptions

    def _init_session(self, options: ConnectionOptions) -> None:
        self._ack = bool(options.extra.get("ack"))
        self.unknown_count = 0

    def _identify(self, device_id: str) -> tuple[str | None, str | None]:
        """(identity to use, login to report) for a message naming ``device_id``."""
        if not device_id:
            return self.device_id, None
        if device_id != self.device_id:
            self.device_id = device_id
            return device_id, device_id
        return device_id, None

    def decode_frame(self, frame: bytes, now: datetime) -> Decoded:
        if not frame:
            raise MalformedError("h02: empty frame")
        first = frame[0]
        if first == TEXT_START or frame.lstrip()[:1] == b"*":
            return self._text(frame, now)
        if first == BINARY_START:
            return self._binary(frame, now)
        if first == OTHER_START:
            self.unknown_count += 1
            return Decoded(unknown=UnknownMessage(protocol=PROTOCOL, message_type="X",
                                                  device_id=self.device_id))
        raise MalformedError("h02: frame does not start with '*', '$' or 'X'", data=frame)

    def _text(self, frame: bytes, now: datetime) -> Decoded:
        text, fields = split_text(frame)
        device_id, login = self._identify(fields[1])
        kind = fields[2]
        if device_id is None:
            return EMPTY
        msg = TextMessage(text, fields, device_id, now)
        decoder = DECODERS.get(kind)
        if decoder is None and not kind.startswith("V"):
            self.unknown_count += 1
            return Decoded(login=login, unknown=UnknownMessage(
                protocol=PROTOCOL, message_type=kind[:16], device_id=device_id))
        positions, events = (decoder or decode_position)(msg)
        reply = self._reply(msg, bool(positions))
        records = bool(positions or events)
        return Decoded(positions=positions, events=events, reply=reply,
                       defer_reply=reply is not None and records, login=login,
                       unknown_items=kept_item_count(positions, events),
                       answers=command_answer(msg) if kind == "V4" else ())

    def _reply(self, msg: TextMessage, located: bool) -> bytes | None:
        kind = msg.kind
        if kind in HEARTBEAT_TYPES:
            return encode.heartbeat_reply(msg.fields[0], msg.fields[1] or msg.device_id, kind)
        if kind in _V4_ACKED:
            return encode.ack_v4(msg.device_id, kind, msg.now)
        if located and self._ack:
            return encode.ack_r12(msg.device_id, msg.now)
        return None

    def _binary(self, frame: bytes, now: datetime) -> Decoded:
        report = parse_binary(frame)
        device_id, login = self._identify(report.device_id)
        attrs = status_attributes(report.status, {})
        if report.battery is not None:
            attrs["batteryLevel"] = report.battery
        position = Position(device_id=device_id, protocol=PROTOCOL, fix_time=report.fix_time,
                            valid=report.valid, lat=report.lat, lon=report.lon,
                            speed_kmh=report.speed_kmh, course_deg=report.course_deg,
                            attributes=attrs)
        reply = encode.ack_r12(device_id, now) if self._ack else None
        return Decoded(positions=(position,), reply=reply, defer_reply=reply is not None,
                       login=login)



class H02Connection(_H02Session, StreamConnection):
    """TCP; ``options.extra["message_length"]`` fixes the ``$`` frame size (32 or 45)."""

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        size = options.extra.get("message_length")
        framer = H02Framer(int(size) if isinstance(size, int) and size > 0 else None,
                           max_text=min(MAX_TEXT, options.max_frame_size))
        StreamConnection.__init__(self, framer, device_id=device_id, options=options,
                                  protocol=PROTOCOL)
        self._init_session(options)

    def receive_frame(self, frame: bytes, now: datetime) -> Decoded:
        return self.decode_frame(frame, now)


class H02UdpConnection(_H02Session):
    """UDP: one message per datagram; the same replies as TCP."""

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        self.device_id = device_id
        self.options = options
        self._init_session(options)

    def receive_frame(self, datagram: bytes, now: datetime) -> Decoded:
        return self.decode_frame(datagram, now)
