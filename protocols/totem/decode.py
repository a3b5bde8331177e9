"""Decoding one Totem frame: variant dispatch, checksum, identity.

``decode_frame`` returns a ``Frame``: the IMEI, the record (or None), the
message type, whether the checksum matched, and whether the frame is of the
new protocol (which decides the reply). New protocol: type ``AA`` and the
alarm types -> ``decode_report``, ``E2`` -> RFID, ``E5`` -> OBD, other types
unknown. Old protocols: ``$GPRMC`` inside -> Old-1, otherwise at least two
``|`` -> Old-2, otherwise Old-3.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from .._checksum import crc16_modbus, xor8
from .._errors import MalformedError
from .._records import Position
from ._new import decode_obd, decode_report, decode_rfid
from .constants import NEW_ALARMS as _ALARM_TYPES
from ._old import decode_old1, decode_old2, decode_old3

__all__ = ["Frame", "decode_frame", "new_checksum_ok", "old_checksum_ok", "NEW_TEXT_TYPES"]

_HEX = frozenset("0123456789ABCDEFabcdef")
_TEXT_DECODERS = {"E2": decode_rfid, "E5": decode_obd}
NEW_TEXT_TYPES = frozenset(_TEXT_DECODERS)


class Frame(NamedTuple):
    imei: str
    position: Position | None
    kind: str
    new: bool
    checksum_ok: bool
    known: bool = True
    #: items outside the catalogue (type / alarm code, status bits) kept in the record
    unknown: int = 0


def new_checksum_ok(frame: bytes) -> bool:
    written = frame[-2:].decode("latin-1")
    return _HEX.issuperset(written) and len(written) == 2 and xor8(frame[:-2]) == int(written, 16)


def old_checksum_ok(frame: bytes) -> bool:
    written = frame[-4:].decode("latin-1")
    return (_HEX.issuperset(written) and len(written) == 4
            and crc16_modbus(frame[:-4]) == int(written, 16))


def _imei(text: str, start: int, end: int) -> str:
    imei = text[start:end]
    if not 4 <= len(imei) <= 20 or not imei.isdigit():
        raise MalformedError("totem: bad IMEI", data=text.encode("latin-1")[:32])
    return imei


def _decode_new(frame: bytes, text: str) -> Frame:
    bar = text.find("|")
    kind = text[6:8].upper()
    imei = _imei(text, 8, bar)
    ok = new_checksum_ok(frame)
    if kind in _TEXT_DECODERS:
        body = text[bar + 1:].rpartition("|")[0]
        return Frame(imei, _TEXT_DECODERS[kind](imei, body), kind, True, ok)
    try:
        position, unknown = decode_report(kind, imei, frame[bar + 1:])
        return Frame(imei, position, kind, True, ok, unknown=unknown)
    except MalformedError:
        if kind == "AA" or kind in _ALARM_TYPES:
            raise
    # another type (AB and others carry the same report; E6 ... do not)
    return Frame(imei, None, kind, True, ok, known=False)


def _decode_old(frame: bytes, text: str, now: datetime) -> Frame:
    parts = text.split("|")
    if len(parts) < 2:
        raise MalformedError("totem: no '|' in frame", data=frame)
    imei = _imei(text, 4, len(parts[0]))
    ok = old_checksum_ok(frame)
    if "$GPRMC" in parts[1]:
        kind, (position, unknown) = "GPRMC", decode_old1(imei, parts, now)
    elif len(parts) >= 3:
        kind, (position, unknown) = "old2", decode_old2(imei, parts, now)
    else:
        kind, (position, unknown) = "old3", decode_old3(imei, parts[1], now)
    return Frame(imei, position, kind, False, ok, unknown=unknown)


def decode_frame(frame: bytes, now: datetime) -> Frame:
    """One whole frame (``$$`` through the checksum, no trailing CR LF)."""
    if not frame.startswith(b"$$") or len(frame) < 10:
        raise MalformedError("totem: frame does not start with $$", data=frame)
    text = frame.decode("latin-1")
    if text[2] == "0":
        if text.find("|") < 9:
            raise MalformedError("totem: no '|' after the IMEI", data=frame)
        return _decode_new(frame, text)
    return _decode_old(frame, text, now)


