"""@Track sessions over TCP (``Gl200Connection``) and UDP (``Gl200UdpConnection``).

Every message carries the IMEI, so each one identifies the device (``login``
when it changes). Replies: ``+SACK:GTHBD,<version>,<count>$`` to the heartbeat
``+ACK:GTHBD`` (immediate); with ``options.extra["ack"]`` every text message
with a count number is answered ``+SACK:<count>$`` (deferred when it yields
records). Binary messages get no reply.
"""

from __future__ import annotations

from datetime import datetime

from .._connection import DEFAULT_OPTIONS, ConnectionOptions, StreamConnection
from .._records import Decoded, Position, UnknownMessage
from ._info import command_answer
from .decode import FrameResult, decode_frame
from .encode import encode_heartbeat_ack, encode_sack
from .constants import PROTOCOL
from .framing import Gl200Framer

__all__ = ["Gl200Connection", "Gl200UdpConnection"]


def _unknown_items(result: FrameResult) -> int:
    """Mask items the catalogue lacks, kept as ``io<n>`` (counted once per frame)."""
    records = result.positions[:1] or result.events[:1]
    return sum(1 for r in records for key in r.attributes
               if key.startswith("io") and key[2:].isdigit())


class _Gl200Session:
    protocol = PROTOCOL
    device_id: str | None
    options: ConnectionOptions

    def _init_session(self) -> None:
        self.ack_mode = bool(self.options.extra.get("ack"))
        #: the last located position (reports without a fix reuse its place)
        self.last_position: Position | None = None
        self.unknown_count = 0

    def decode_message(self, frame: bytes, now: datetime) -> Decoded:
        result = decode_frame(frame, self.last_position, now, self.device_id)
        login = None
        if result.imei is not None and result.imei != self.device_id:
            self.device_id = login = result.imei
        for position in result.positions:
            if position.valid:
                self.last_position = position
        reply = self._reply(result)
        records = bool(result.positions or result.events)
        unknown = None
        if not records and result.kind is not None and result.kind != "GTHBD":
            self.unknown_count += 1
            unknown = UnknownMessage(protocol=PROTOCOL, message_type=result.kind,
                                     device_id=self.device_id)
        return Decoded(positions=result.positions, events=result.events, reply=reply,
                       defer_reply=reply is not None and records, login=login, unknown=unknown,
                       unknown_items=_unknown_items(result),
                       answers=command_answer(result.message) if result.message else ())

    def _reply(self, result: FrameResult) -> bytes | None:
        msg = result.message
        if msg is None or msg.count is None:
            return None
        if msg.kind == "GTHBD" and msg.prefix == "ACK" and msg.version is not None:
            return encode_heartbeat_ack(msg.version, msg.count)
        if self.ack_mode:
            return encode_sack(msg.count)
        return None


class Gl200Connection(_Gl200Session, StreamConnection):
    """TCP: text and binary messages on one stream."""

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        StreamConnection.__init__(self, Gl200Framer(options.max_frame_size), device_id=device_id,
                                  options=options, protocol=PROTOCOL)
        self._init_session()

    def receive_frame(self, frame: bytes, now: datetime) -> Decoded:
        return self.decode_message(frame, now)


class Gl200UdpConnection(_Gl200Session):
    """UDP: one message per datagram."""

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        self.device_id = device_id
        self.options = options
        self._init_session()

    def receive_frame(self, datagram: bytes, now: datetime) -> Decoded:
        return self.decode_message(datagram, now)
