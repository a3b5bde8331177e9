"""Totem sessions: every frame carries its IMEI; every frame is answered.

The reply (``$$0014AA<serial><cs>`` or ``ACK OK``) acknowledges the frame's
record, so it is deferred when there is one and immediate otherwise (an
all-zero report, an unknown type). ``Decoded.login`` is set whenever a frame
names an IMEI the connection did not know yet.
"""

from __future__ import annotations

from datetime import datetime

from .._connection import DEFAULT_OPTIONS, ConnectionOptions, StreamConnection
from .._errors import ChecksumError
from .._framing import WHITESPACE
from .._records import Decoded, UnknownMessage
from .constants import PROTOCOL
from .decode import decode_frame
from .encode import ack_for
from .framing import TotemFramer

__all__ = ["TotemConnection"]


class TotemConnection(StreamConnection):
    """TCP; frames cut by ``TotemFramer``."""

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        super().__init__(TotemFramer(), device_id=device_id, options=options, protocol=PROTOCOL)

    def receive_frame(self, frame: bytes, now: datetime) -> Decoded:
        """One frame; a ``--framed`` frame may keep its CR LF or leading noise."""
        start = frame.find(b"$$")
        frame = frame[max(start, 0):].rstrip(WHITESPACE)
        decoded = decode_frame(frame, now)
        if not decoded.checksum_ok and self.options.strict_checksum:
            raise ChecksumError("totem: checksum mismatch", data=frame)
        login = None
        if decoded.imei != self.device_id:
            self.device_id = login = decoded.imei
        unknown = None if decoded.known else UnknownMessage(
            protocol=PROTOCOL, message_type=decoded.kind, device_id=decoded.imei)
        positions = (decoded.position,) if decoded.position is not None else ()
        return Decoded(positions=positions, reply=ack_for(frame, decoded.new),
                       defer_reply=bool(positions), login=login,
                       checksum_ok=decoded.checksum_ok, unknown=unknown,
                       unknown_items=decoded.unknown)
