"""Gt02Connection: one device session (buffer + framer + decoders + replies)."""

from __future__ import annotations

from datetime import datetime

from .._binary import imei_from_bcd
from .._connection import DEFAULT_OPTIONS, ConnectionOptions, StreamConnection
from .._errors import MalformedError
from .._records import Decoded, UnknownMessage
from . import encode
from .constants import HEADER_SIZE, START
from .decode import DECODERS, REPLIED, Frame
from .framing import Gt02Framer

__all__ = ["Gt02Connection", "split_frame"]


def split_frame(frame: bytes) -> Frame:
    """A whole frame (``0D 0A`` optional) -> Frame. Raises MalformedError if it is not one."""
    if len(frame) < HEADER_SIZE or frame[:2] != START:
        raise MalformedError("gt02: not a 68 68 frame", data=frame)
    end = min(3 + frame[2], len(frame))
    if end < HEADER_SIZE:
        raise MalformedError("gt02: length shorter than the header", data=frame)
    return Frame(frame[3], frame[4], frame[5:13], int.from_bytes(frame[13:15], "big"), frame[15],
                 frame[HEADER_SIZE:end])


class Gt02Connection(StreamConnection):
    """GT02 over TCP. Every frame carries the terminal id; there is no login message.

    The first frame (and any change of id) sets ``Decoded.login``. Only the
    heartbeat is answered; its reply waits for the heartbeat record's commit.
    """

    protocol = "gt02"

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        super().__init__(Gt02Framer(), device_id=device_id, options=options)
        self.unknown_count = 0

    def receive_frame(self, frame: bytes, now: datetime) -> Decoded:
        f = split_frame(frame)
        device_id = imei_from_bcd(f.terminal)
        login = None
        if device_id != self.device_id:
            self.device_id = login = device_id
        decoder = DECODERS.get(f.protocol)
        if decoder is None:
            self.unknown_count += 1
            return Decoded(login=login, unknown=UnknownMessage(
                protocol=self.protocol, message_type=f.protocol, device_id=device_id))
        positions, events, unknown = decoder(f, device_id, now)
        reply = encode.heartbeat_reply() if f.protocol in REPLIED else None
        return Decoded(positions=positions, events=events, reply=reply, login=login,
                       defer_reply=reply is not None, unknown_items=unknown)
