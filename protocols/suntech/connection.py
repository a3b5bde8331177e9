"""Suntech sessions over TCP: every report names its device; no replies.

The connection remembers what commands need: the legacy header prefix of the
last legacy report and whether the device spoke Universal (ASCII or binary).
"""

from __future__ import annotations

from datetime import datetime

from .._connection import DEFAULT_OPTIONS, ConnectionOptions, StreamConnection
from .._errors import LocalProtocolError
from .._records import Decoded, UnknownMessage
from ._extras import extras_from
from .constants import MAX_FRAME, PROTOCOL
from .decode import command_answers, decode_frame
from .encode import DEFAULT_PREFIX, encode_legacy_command, encode_universal_command
from .framing import SuntechFramer

__all__ = ["SuntechConnection"]


class SuntechConnection(StreamConnection):
    """TCP: ASCII reports cut at CR, Universal binary and zip frames by length."""

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        limit = min(options.max_frame_size, MAX_FRAME)
        StreamConnection.__init__(self, SuntechFramer(limit), device_id=device_id,
                                  options=options, protocol=PROTOCOL)
        self._extras = extras_from(options.extra)
        #: legacy command prefix (model part of the last legacy header)
        self.prefix = DEFAULT_PREFIX
        #: the device spoke Universal (ASCII or binary) on this connection
        self.universal = False

    def receive_frame(self, frame: bytes, now: datetime) -> Decoded:
        report = decode_frame(frame, now, self._extras, self.device_id)
        login = None
        if report.device_id != self.device_id:
            self.device_id = login = report.device_id
        if report.header is not None:
            self.prefix = report.header
        if report.universal:
            self.universal = True
        unknown = None
        if report.unknown is not None:
            unknown = UnknownMessage(protocol=PROTOCOL, message_type=report.unknown,
                                     device_id=self.device_id)
        return Decoded(positions=report.positions, events=report.events, login=login,
                       unknown=unknown, unknown_items=report.unknown_items,
                       answers=command_answers(report) if report.events else ())

    def encode_command(self, command: str) -> bytes:
        """A command for the device of this session, in the dialect it speaks."""
        if self.device_id is None:
            raise LocalProtocolError("suntech: no device identified on this connection")
        if self.universal:
            return encode_universal_command(self.device_id, command)
        return encode_legacy_command(self.device_id, command, self.prefix)
