"""Gps056Connection: one device session (buffer + framer + decoders + replies)."""

from __future__ import annotations

from datetime import datetime

from .._connection import DEFAULT_OPTIONS, ConnectionOptions, StreamConnection
from .._errors import MalformedError
from .._records import Decoded, UnknownMessage
from . import encode
from ._catalogue import MESSAGE_TYPES
from .constants import HEADER_SIZE, LOCATION, LOGIN, START, STATUS
from .decode import decode_location, decode_status
from .framing import Gps056Framer

__all__ = ["Gps056Connection", "split_frame"]


def split_frame(frame: bytes) -> tuple[str, str, str, bytes]:
    """(kind, suffix, IMEI, body) of one frame; the final ``#`` may be missing."""
    if len(frame) < HEADER_SIZE or frame[:2] != START or not frame[2:4].isdigit():
        raise MalformedError("gps056: not a $$LL frame", data=frame)
    kind = frame[4:8].decode("latin-1")
    suffix = frame[8:11].decode("latin-1")
    imei = frame[11:26].decode("latin-1")
    if not (kind.isalpha() and suffix.isascii() and suffix.isprintable() and imei.isascii()
            and imei.isdigit()):
        raise MalformedError("gps056: bad type or IMEI", data=frame)
    return kind, suffix, imei, frame[HEADER_SIZE:int(frame[2:4]) + 4]


class Gps056Connection(StreamConnection):
    """GPS056 over TCP. Every frame carries the IMEI (the first one, or a change, sets ``login``)."""

    protocol = "gps056"

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        super().__init__(Gps056Framer(), device_id=device_id, options=options)
        self.unknown_count = 0

    def receive_frame(self, frame: bytes, now: datetime) -> Decoded:
        kind, suffix, imei, body = split_frame(frame)
        login = None
        if imei != self.device_id:
            self.device_id = login = imei
        handler = _HANDLERS.get(kind)
        if handler is None:
            self.unknown_count += 1
            return Decoded(login=login, unknown=UnknownMessage(
                protocol=self.protocol, message_type=kind + suffix, device_id=imei))
        return handler(suffix, imei, body, now, login)


def _login(suffix: str, imei: str, body: bytes, now: datetime, login: str | None) -> Decoded:
    return Decoded(reply=encode.reply(LOGIN, suffix, imei), login=imei)


def _location(suffix: str, imei: str, body: bytes, now: datetime, login: str | None) -> Decoded:
    position, echo = decode_location(body, imei)
    return Decoded(positions=(position,), reply=encode.reply(LOCATION, suffix, imei, echo),
                   defer_reply=True, login=login)


def _status(suffix: str, imei: str, body: bytes, now: datetime, login: str | None) -> Decoded:
    return Decoded(events=(decode_status(body, imei, now),),
                   reply=encode.reply(STATUS, suffix, imei), defer_reply=True, login=login)


_BY_RECORD = {"login": _login, "position": _location, "status": _status}
#: message kind -> handler, from ``_catalogue.MESSAGE_TYPES``
_HANDLERS = {t.kind: _BY_RECORD[t.record] for t in MESSAGE_TYPES}
