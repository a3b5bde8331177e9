"""NMEA sessions: identity, the held pre-identity RMC, optional OK1 replies.

``NmeaConnection`` (TCP) frames lines with ``NmeaFramer``; ``NmeaUdpConnection``
takes one datagram (one or more lines) per ``receive_frame``. Both share
``_NmeaSession.decode_line``.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from .._connection import DEFAULT_OPTIONS, ConnectionOptions, StreamConnection
from .._errors import ChecksumError, MalformedError, ProtocolError
from .._records import EMPTY, Decoded, Position, UnknownMessage, merge_decoded, kept_item_count
from .constants import IDENTITY_SENTENCES, PROTOCOL
from .decode import DECODERS, RMC_NAMES, Sentence, identity_of, parse_line
from .encode import encode_ack
from .framing import NmeaFramer, split_lines

__all__ = ["NmeaConnection", "NmeaUdpConnection"]

_replace = msgspec.structs.replace


class _NmeaSession:
    """Per-device state shared by the TCP and UDP connections."""

    protocol = PROTOCOL
    device_id: str | None
    options: ConnectionOptions
    #: OK1 replies are possible at all (TCP only)
    _ack_capable = False

    def _init_session(self, options: ConnectionOptions) -> None:
        self._ack = self._ack_capable and bool(options.extra.get("ack"))
        #: the last RMC seen before any identity (Maxon sends $GPFID afterwards)
        self.held: Position | None = None

    def decode_line(self, line: bytes, now: datetime) -> Decoded:
        """Decode one stripped line; ``ProtocolError`` (non-fatal) when it is bad."""
        s = parse_line(line)
        if s.checksum_ok is False and self.options.strict_checksum:
            raise ChecksumError("nmea: checksum mismatch", data=line)
        checksum_ok = s.checksum_ok is not False
        found = identity_of(s)
        if found is None and self.device_id is None and s.name in IDENTITY_SENTENCES:
            raise MalformedError(f"nmea: ${s.name} without a usable device id", data=line[:32])
        login = None
        if found is not None and (found != self.device_id or _identity_only(s)):
            self.device_id = login = found
        if _identity_only(s):
            return self._identified(login, checksum_ok)
        decoder = DECODERS.get(s.name)
        if decoder is None:
            return Decoded(login=login, checksum_ok=checksum_ok, unknown=UnknownMessage(
                protocol=PROTOCOL, message_type=s.name[:16], device_id=self.device_id))
        is_rmc = s.name in RMC_NAMES
        if self.device_id is None:
            if is_rmc:
                positions, _ = decoder(s, now, "")
                self.held = positions[0] if positions else self.held
            return Decoded(checksum_ok=checksum_ok)
        positions, events = decoder(s, now, self.device_id)
        reply = encode_ack() if self._ack and is_rmc and positions else None
        if login is None and not positions and not events and checksum_ok:
            return EMPTY
        return Decoded(positions=positions, events=events, login=login, reply=reply,
                       defer_reply=reply is not None, checksum_ok=checksum_ok,
                       unknown_items=kept_item_count(positions, events))

    def _identified(self, login: str | None, checksum_ok: bool) -> Decoded:
        """An identity line: login, plus the held RMC now that we know whose it is."""
        held, self.held = self.held, None
        if held is None or self.device_id is None:
            return Decoded(login=login, checksum_ok=checksum_ok)
        reply = encode_ack() if self._ack else None
        return Decoded(positions=(_replace(held, device_id=self.device_id),), login=login,
                       reply=reply, defer_reply=reply is not None, checksum_ok=checksum_ok,
                       unknown_items=kept_item_count((held,), ()))

    def decode_lines(self, data: bytes, now: datetime) -> Decoded:
        """Every line of ``data``; bad lines are skipped unless all are bad."""
        lines = split_lines(data)
        if len(lines) == 1:
            return self.decode_line(lines[0], now)
        results: list[Decoded] = []
        first_error: ProtocolError | None = None
        for line in lines:
            try:
                results.append(self.decode_line(line, now))
            except ProtocolError as exc:
                first_error = first_error or exc
        if first_error is not None and not results:
            raise first_error
        return merge_decoded(results)



def _identity_only(s: Sentence) -> bool:
    return s.name == "" or s.name in IDENTITY_SENTENCES



class NmeaConnection(_NmeaSession, StreamConnection):
    """TCP: one line per sentence; OK1 per RMC when ``options.extra["ack"]``."""

    _ack_capable = True

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        StreamConnection.__init__(self, NmeaFramer(), device_id=device_id, options=options,
                                  protocol=PROTOCOL)
        self._init_session(options)

    def receive_frame(self, frame: bytes, now: datetime) -> Decoded:
        """One line from the framer (or a whole ``--framed`` line, CR LF optional)."""
        return self.decode_lines(frame, now)


class NmeaUdpConnection(_NmeaSession):
    """UDP: one datagram per call, each line decoded; never replies."""

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        self.device_id = device_id
        self.options = options
        self._init_session(options)

    def receive_frame(self, datagram: bytes, now: datetime) -> Decoded:
        return self.decode_lines(datagram, now)
