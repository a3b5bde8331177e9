"""Xexun sessions: every report carries its IMEI; no replies.

``Decoded.login`` is set when a report names an IMEI the connection did not
know yet (first report, or a different device on the same connection) so
the gateway's allow-list applies; the reports are stamped with their IMEI.
"""

from __future__ import annotations

from datetime import datetime

from .._connection import DEFAULT_OPTIONS, ConnectionOptions, StreamConnection
from .._errors import ChecksumError
from .._records import EMPTY, Decoded
from .constants import EXTENDED_OPTION, PROTOCOL
from .decode import parse_report
from .framing import XexunFramer, XexunLineFramer

__all__ = ["XexunConnection"]


class XexunConnection(StreamConnection):
    """TCP. Framing by ``XexunFramer``, or by lines with ``extra["extended"]``."""

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        extended = bool(options.extra.get(EXTENDED_OPTION))
        framer = XexunLineFramer() if extended else XexunFramer()
        super().__init__(framer, device_id=device_id, options=options, protocol=PROTOCOL)

    def receive_frame(self, frame: bytes, now: datetime) -> Decoded:
        """One report: a whole line or its ``GPRMC``...``imei:<id>,`` part."""
        report = parse_report(frame, now)
        if report is None:
            return EMPTY
        if not report.checksum_ok and self.options.strict_checksum:
            raise ChecksumError("xexun: RMC checksum mismatch", data=frame)
        login = None
        if report.imei != self.device_id:
            self.device_id = login = report.imei
        positions = (report.position,) if report.position is not None else ()
        if login is None and not positions:
            return EMPTY
        return Decoded(positions=positions, login=login, checksum_ok=report.checksum_ok,
                       unknown_items=report.unknown)
