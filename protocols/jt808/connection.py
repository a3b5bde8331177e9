"""Jt808Connection: one terminal session (buffer + framer + decoders + replies)."""

from __future__ import annotations

import struct

import msgspec
from datetime import datetime, timezone

from .._connection import DEFAULT_OPTIONS, ConnectionOptions, StreamConnection
from .._errors import ChecksumError, MalformedError, ProtocolError
from .._records import Decoded, Event, UnknownMessage
from . import encode
from ._context import Context, Tally
from ._header import Header, parse_frame, terminal_id
from ._messages import ANSWERS, command_answer, decode_heartbeat
from .constants import FLAG, GENERAL_ACKED, MsgType
from .decode import DECODERS
from .framing import Jt808Framer

__all__ = ["Jt808Connection"]

#: the terminal clock's offset from UTC when not configured (China Standard Time)
DEFAULT_UTC_OFFSET_MIN = 480
_SESSION = (MsgType.REGISTER, MsgType.AUTH, MsgType.HEARTBEAT, MsgType.LOGOUT,
            MsgType.TIME_SYNC_REQUEST, MsgType.SERVER_TIME_REQUEST, MsgType.HEARTBEAT_2,
            MsgType.TIMEZONE_SYNC, MsgType.PHOTO)
_NO_ID = "0"


class Jt808Connection(StreamConnection):
    """JT/T 808 over TCP. ``receive_frame`` takes one whole frame (``decode --framed``).

    Every binary frame carries the terminal id: the first one (and any later
    change) sets ``Decoded.login``. A frame whose id is all zeros, and the
    ASCII ``( ... )`` messages, belong to the session's device.
    ``options.extra["utc_offset_min"]`` overrides the terminal clock's zone
    (default +480, GMT+8).
    """

    protocol = "jt808"

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        super().__init__(Jt808Framer(options.max_frame_size), device_id=device_id, options=options)
        self.utc_offset_min = int(options.extra.get("utc_offset_min", DEFAULT_UTC_OFFSET_MIN))
        self._serial = 0
        self.unknown_count = 0

    def _next_serial(self) -> int:
        serial = self._serial
        self._serial = (serial + 1) & 0xFFFF
        return serial

    def _general(self, h: Header, result: int = 0) -> bytes:
        return encode.general_response(h.terminal, self._next_serial(), h.serial, h.msg_id,
                                       result, h.version)

    def _identify(self, h: Header) -> tuple[str, str | None]:
        device_id = terminal_id(h.terminal)
        if device_id == _NO_ID and self.device_id:
            return self.device_id, None
        if device_id != self.device_id:
            self.device_id = device_id
            return device_id, device_id
        return device_id, None

    def receive_frame(self, frame: bytes, now: datetime) -> Decoded:
        if frame[:1] == b"(":
            return self._text_frame(frame, now)
        h, ok = parse_frame(frame)
        decoded = self._receive(h, ok, frame, now)
        if h.flag != FLAG and (decoded.reply or decoded.reject_reply):
            decoded = msgspec.structs.replace(
                decoded, reply=decoded.reply and encode.to_alt_framing(decoded.reply),
                reject_reply=decoded.reject_reply and encode.to_alt_framing(decoded.reject_reply))
        return decoded

    def _receive(self, h: Header, ok: bool, frame: bytes, now: datetime) -> Decoded:
        if not ok and self.options.strict_checksum:
            raise ChecksumError("jt808: XOR checksum mismatch", data=frame)
        device_id, login = self._identify(h)
        if h.msg_id in _SESSION:
            return self._session(h, ok, device_id, login, now)
        decoder = DECODERS.get(h.msg_id)
        if decoder is None:
            self.unknown_count += 1
            unknown = UnknownMessage(protocol=self.protocol, message_type=h.msg_id, device_id=device_id)
            return Decoded(reply=self._general(h, 3), unknown=unknown, login=login, checksum_ok=ok)
        tally = Tally()
        ctx = Context(device_id, now, self.utc_offset_min, tally)
        try:
            positions, events = decoder(h.body, ctx)
        except ProtocolError:
            raise
        except (IndexError, ValueError, UnicodeError, OverflowError, struct.error) as exc:
            raise MalformedError(f"jt808: bad 0x{h.msg_id:04x} body: {exc}", data=frame) from None
        reply = self._reply(h)
        return Decoded(positions=positions, events=events, reply=reply, login=login,
                       defer_reply=reply is not None and bool(positions or events), checksum_ok=ok,
                       unknown_items=tally.unknown,
                       answers=command_answer(h.msg_id, h.body, device_id) if h.msg_id in ANSWERS else ())

    def _reply(self, h: Header) -> bytes | None:
        if h.msg_id in GENERAL_ACKED:
            return self._general(h)
        if h.msg_id in (MsgType.LOCATION_ALT, MsgType.LOCATION_ALT_2) and h.props & 0x8000:
            return encode.alt_response(h.terminal, self._next_serial(), h.msg_id)
        return None

    def _session(self, h: Header, ok: bool, device_id: str, login: str | None,
                 now: datetime) -> Decoded:
        """Register, authenticate, heartbeat, logout, time requests: immediate replies."""
        if h.msg_id == MsgType.REGISTER:
            serial = self._next_serial()
            reply = encode.register_response(h.terminal, serial, h.serial, 0, device_id, h.version)
            reject = encode.register_response(h.terminal, serial, h.serial, 4, "", h.version)
            return Decoded(reply=reply, login=device_id, reject_reply=reject, checksum_ok=ok)
        if h.msg_id == MsgType.AUTH:
            serial = self._next_serial()
            reply = encode.general_response(h.terminal, serial, h.serial, h.msg_id, 0, h.version)
            reject = encode.general_response(h.terminal, serial, h.serial, h.msg_id, 1, h.version)
            return Decoded(reply=reply, login=device_id, reject_reply=reject, checksum_ok=ok)
        if h.msg_id == MsgType.TIME_SYNC_REQUEST:
            reply = encode.time_response(h.terminal, self._next_serial(), now, h.version)
            return Decoded(reply=reply, login=login, checksum_ok=ok)
        if h.msg_id == MsgType.SERVER_TIME_REQUEST:
            reply = encode.server_time(h.terminal, self._next_serial(), now, h.version)
            return Decoded(reply=reply, login=login, checksum_ok=ok)
        events = ()
        if h.msg_id == MsgType.HEARTBEAT:
            events = decode_heartbeat(h.body, Context(device_id, now, self.utc_offset_min))[1]
        return Decoded(events=events, reply=self._general(h), login=login, checksum_ok=ok)

    def _text_frame(self, frame: bytes, now: datetime) -> Decoded:
        """``( ... )`` ASCII messages. ``BASE,2,TIME`` asks for the time: the reply is the
        message with ``TIME`` replaced by the UTC ``yyyyMMddHHmmss``. Any other text is a
        command result of the session's device (the text carries no identity of its own)."""
        text = frame.decode("latin-1")
        if "BASE,2" in text:
            stamp = now.astimezone(timezone.utc).strftime("%Y%m%d%H%M%S")
            return Decoded(reply=text.replace("TIME", stamp).encode("latin-1"))
        if not self.device_id:
            return Decoded(unknown=UnknownMessage(protocol=self.protocol, message_type="text"))
        result = Event(device_id=self.device_id, protocol=self.protocol, time=now,
                       type="commandResult", attributes={"result": text})
        return Decoded(events=(result,))
