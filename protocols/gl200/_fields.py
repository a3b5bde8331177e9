"""Text @Track messages: the envelope (prefix, type, version, IMEI, send time,
count) and the 12-field position blocks.

A position block is ``<accuracy>,<speed km/h>,<azimuth>,<altitude m>,<lon>,<lat>,
<GPS time yyyyMMddHHmmss>,<MCC>,<MNC>,<LAC>,<cell id>,<reserved|odometer>``;
a report with ``<number> = N`` carries N of them back to back. Blocks are found
by their anchor (a 14-digit time preceded by two signed decimal degrees), which
survives the many per-model layouts of the fields around them.

Accepted forms (each has a test in ``tests/protocols/test_gl200*.py``):

* prefix ``+RESP:``, ``+BUFF:`` (stored while offline: ``archive``), ``+ACK:``;
  terminator ``$``, NUL or none (UDP, ``--framed``);
* protocol version: 6 or 10 hex digits, or absent (GT300: the IMEI comes first);
* identity: 15-digit IMEI or 14 hex digits (MEID); a 17-character VIN may follow
  it; an empty IMEI takes the session's identity;
* send time and GPS time: ``yyyyMMddHHmmss`` or ``yyyyMMddHHmm`` (UTC);
* count number: 4 hex digits (no checksum exists in @Track);
* coordinates: signed decimal degrees with a fraction (longitude first);
  altitude and temperatures may be negative; speed/course integer or decimal;
* the block's last slot: reserved, odometer (km, with a fraction) or, on newer
  firmware, a 2-hex-digit append mask (bit 0 satellites, bit 1 trigger type,
  bit 4 GNSS jamming state; GL5xx/GT501/GL320M put the CSQ there instead).
"""

from __future__ import annotations

from datetime import datetime, timezone

import msgspec

from .._errors import MalformedError

__all__ = ["TextMessage", "Block", "parse_text", "find_blocks", "parse_stamp", "is_hex",
           "int_or_none", "float_or_none"]

UTC = timezone.utc
_HEX = frozenset("0123456789ABCDEFabcdef")
_DIGITS = frozenset("0123456789")
_PREFIXES = {"+RESP": "RESP", "+BUFF": "BUFF", "+ACK": "ACK"}
BLOCK_SIZE = 12


class TextMessage(msgspec.Struct, kw_only=True):
    prefix: str                 #: RESP, BUFF or ACK
    kind: str                   #: GTFRI, GTHBD ...
    fields: list[str]           #: everything after the type, [0] = protocol version
    version: str | None         #: protocol version (6 or 10 hex chars), when sent
    imei: str | None
    name_index: int             #: index of <device name> in fields
    end: int                    #: index of the send time (end of the body)
    send_time: datetime | None
    count: str | None           #: 4 hex digits, echoed in +SACK replies


class Block(msgspec.Struct, frozen=True, kw_only=True):
    start: int                  #: index of <accuracy> in fields
    fix_time: datetime
    lat: float
    lon: float
    speed_kmh: float | None
    course_deg: float | None
    altitude_m: float | None
    accuracy: float | None
    size: int = 12              #: fields the block spans (12 + append-mask fields)
    satellites: int | None = None


def is_hex(text: str, size: int | None = None) -> bool:
    return bool(text) and (size is None or len(text) == size) and _HEX.issuperset(text)


def _is_digits(text: str) -> bool:
    return bool(text) and _DIGITS.issuperset(text)


def float_or_none(text: str) -> float | None:
    if not text or len(text) > 24:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def int_or_none(text: str) -> int | None:
    body = text[1:] if text[:1] in "+-" else text
    if not _is_digits(body) or len(body) > 18:
        return None
    return int(text)


def parse_stamp(text: str) -> datetime | None:
    """``yyyyMMddHHmmss`` (UTC) -> datetime; ``yyyyMMddHHmm`` is accepted too."""
    if len(text) not in (12, 14) or not _is_digits(text):
        return None
    try:
        return datetime(int(text[:4]), int(text[4:6]), int(text[6:8]), int(text[8:10]),
                        int(text[10:12]), int(text[12:14] or 0), tzinfo=UTC)
    except ValueError:
        return None


def _strip(frame: bytes) -> str:
    text = frame.decode("latin-1").strip()
    while text and text[-1] in "$\x00":
        text = text[:-1].rstrip()
    return text


def parse_text(frame: bytes) -> TextMessage:
    """One text message (terminator optional) -> TextMessage; MalformedError if it is not one."""
    text = _strip(frame)
    head, colon, rest = text.partition(":")
    prefix = _PREFIXES.get(head)
    if prefix is None or not colon:
        raise MalformedError("gl200: not a +RESP/+BUFF/+ACK message", data=frame)
    parts = rest.split(",")
    kind = parts[0]
    if len(kind) != 5 or not kind.startswith("GT") or len(parts) < 3:
        raise MalformedError(f"gl200: bad message type {kind[:12]!r}", data=frame)
    fields = parts[1:]
    version, imei, index = _identity(fields, frame)
    end, send_time, count = _trailer(fields)
    return TextMessage(prefix=prefix, kind=kind, fields=fields, version=version, imei=imei,
                       name_index=index, end=end, send_time=send_time, count=count)


def _is_imei(text: str) -> bool:
    return len(text) in (14, 15) and is_hex(text)


def _is_vin(text: str) -> bool:
    return len(text) == 17 and text.isalnum() and text.upper() == text


def _identity(fields: list[str], frame: bytes) -> tuple[str | None, str | None, int]:
    """(protocol version, IMEI, index of the device name)."""
    first = fields[0]
    if len(first) in (6, 10) and is_hex(first) and len(fields) > 1 and _is_imei(fields[1]):
        index = 2
        if len(fields) > 3 and _is_vin(fields[2]):
            index = 3
        return first.upper(), fields[1], index
    if _is_imei(first):
        return None, first, 1
    if len(first) in (6, 10) and is_hex(first) and len(fields) > 2 and not fields[1]:
        return first.upper(), None, 2   # no IMEI: the session's identity applies
    raise MalformedError("gl200: no protocol version / IMEI", data=frame)


def _trailer(fields: list[str]) -> tuple[int, datetime | None, str | None]:
    """(index of the send time, send time, count number)."""
    n = len(fields)
    last = fields[-1]
    if n >= 3 and len(last) == 4 and is_hex(last):
        stamp = parse_stamp(fields[-2])
        if stamp is not None:
            return n - 2, stamp, last.upper()
        return n - 1, None, last.upper()
    stamp = parse_stamp(last)
    if stamp is not None:
        return n - 1, stamp, None
    return n, None, None


def _coordinate(text: str, limit: float) -> float | None:
    if "." not in text or len(text) > 14:
        return None
    value = float_or_none(text)
    if value is None or not -limit <= value <= limit:
        return None
    return value


def block_at(fields: list[str], start: int, append: bool = True) -> Block | None:
    """The located block starting at ``fields[start]``, or None."""
    if start < 0 or start + 6 >= len(fields):
        return None
    fix_time = parse_stamp(fields[start + 6])
    if fix_time is None:
        return None
    lon = _coordinate(fields[start + 4], 180.0)
    lat = _coordinate(fields[start + 5], 90.0)
    if lon is None or lat is None:
        return None
    speed = float_or_none(fields[start + 1])
    course = float_or_none(fields[start + 2])
    size, satellites = _append(fields, start) if append else (BLOCK_SIZE, None)
    return Block(start=start, fix_time=fix_time, lat=lat, lon=lon, size=size, satellites=satellites,
                 speed_kmh=speed if speed is not None and speed >= 0 else None,
                 course_deg=course if course is not None and 0 <= course <= 360 else None,
                 altitude_m=float_or_none(fields[start + 3]),
                 accuracy=float_or_none(fields[start]))


def _append(fields: list[str], start: int) -> tuple[int, int | None]:
    """Newer firmware puts ``<append mask>`` (2 hex digits) in the block's last slot:
    bit 0 adds ``<satellites>``, bit 1 ``<trigger type>``, bit 4 ``<GNSS jamming state>``.
    A decimal there is the odometer (older units) and adds nothing."""
    index = start + 11
    text = fields[index] if index < len(fields) else ""
    if len(text) != 2 or not is_hex(text):
        return BLOCK_SIZE, None
    mask = int(text, 16)
    size, satellites = BLOCK_SIZE, None
    if mask & 0x01 and index + 1 < len(fields) and fields[index + 1].isdigit() \
            and len(fields[index + 1]) <= 2:
        satellites = int(fields[index + 1])
        size += 1
    elif mask & 0x01:
        return BLOCK_SIZE, None
    size += (mask >> 1 & 1) + (mask >> 4 & 1)
    return size, satellites


def find_blocks(fields: list[str], begin: int, end: int, append: bool = True) -> list[Block]:
    """Every located block whose GPS time lies in ``fields[begin:end]``; ``append``:
    the model may send an append mask in the block's last slot (not GL5xx, GT501,
    GL320M, whose slot after the cell holds the CSQ)."""
    blocks: list[Block] = []
    i = begin + 6
    while i < end:
        block = block_at(fields, i - 6, append)
        if block is None:
            i += 1
            continue
        blocks.append(block)
        i += block.size
    return blocks
