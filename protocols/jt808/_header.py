"""Splitting one JT/T 808 frame into header fields, body and checksum verdict.

``message id u16 | properties u16 | [version u8 if bit 14] | terminal id
(6 BCD, 10 BCD with the 2019 flag) | serial u16 (u8 for 0x5501/0x5502) |
[packet count u16, index u16 if bit 13] | body | XOR``.

Unescaping: a frame that has been unescaped already (as the framer's consumer
or a capture may hand it over) must not be unescaped twice, so when the raw
content agrees with the declared body length and the unescaped one does not,
the raw content is taken; otherwise the unescaped one.
"""

from __future__ import annotations

from typing import NamedTuple

from .._checksum import xor8
from .._errors import MalformedError
from .constants import ALT_FLAG, ESCAPE, FLAG
from .framing import unescape, unescape_alt

__all__ = ["Header", "parse_frame", "terminal_id", "luhn_digit"]

_SHORT_SERIAL = (0x5501, 0x5502, 0x4401)


class Header(NamedTuple):
    msg_id: int
    props: int
    #: protocol version byte (2019 format) or None (2013)
    version: int | None
    #: terminal id bytes exactly as received (echoed in replies)
    terminal: bytes
    serial: int
    body: bytes
    #: the frame's flag: 7E, or E7 for the alternative framing (7-byte terminal id)
    flag: int = FLAG


def _strip_flags(frame: bytes) -> tuple[bytes, int]:
    flag = frame[0] if frame[:1] in (b"\x7e", b"\xe7") else None
    start = 1 if flag is not None else 0
    end = len(frame) - 1 if len(frame) > start and frame[-1] in (FLAG, ALT_FLAG) else len(frame)
    return frame[start:end], flag if flag is not None else FLAG


def _layout(content: bytes, id_size: int = 6) -> tuple[int, int, int | None, int]:
    """(message id, properties, version, header length) of unescaped content."""
    msg_id = (content[0] << 8) | content[1]
    props = (content[2] << 8) | content[3]
    if props & 0x4000:
        version, size = content[4], 5 + 10
    else:
        version, size = None, 4 + id_size
    size += 1 if msg_id in _SHORT_SERIAL else 2
    if props & 0x2000:
        size += 4
    return msg_id, props, version, size


def _choose(raw: bytes, flag: int) -> bytes:
    """Unescaped content, unless the raw bytes already agree with the declared body length."""
    alt = flag == ALT_FLAG
    if not any(b in raw for b in ((b"\xe6", b"\x3e") if alt else (b"\x7d",))):
        return raw
    unescaped = unescape_alt(raw) if alt else unescape(raw)
    if len(raw) < 5:
        return unescaped
    _, props, _, size = _layout(raw, 7 if alt else 6)
    if len(raw) - size - 1 == props & 0x3FF and len(unescaped) - size - 1 != props & 0x3FF:
        return raw
    return unescaped


def parse_frame(frame: bytes) -> tuple[Header, bool]:
    """One whole frame (flags optional) -> (Header, checksum_ok).

    Accepted forms: flags 7E or E7 (or none); the 2013 header (6-byte BCD id),
    the 2019 header (version byte, 10-byte id) and the E7 variant (7-byte id);
    escaped or already unescaped content; the XOR checksum is compared, not
    required (a mismatch is reported, Traccar ignores it).
    """
    stripped, flag = _strip_flags(frame)
    content = _choose(stripped, flag)
    if len(content) < 5:
        raise MalformedError("jt808: frame too short", data=frame)
    msg_id, props, version, size = _layout(content, 7 if flag == ALT_FLAG else 6)
    if len(content) < size + 1:
        raise MalformedError("jt808: truncated header", data=frame)
    id_start = 5 if version is not None else 4
    id_end = id_start + (10 if version is not None else 7 if flag == ALT_FLAG else 6)
    serial_end = id_end + (1 if msg_id in _SHORT_SERIAL else 2)
    header = Header(msg_id, props, version, content[id_start:id_end],
                    int.from_bytes(content[id_end:serial_end], "big"), content[size:-1], flag)
    return header, xor8(content[:-1]) == content[-1]


def luhn_digit(digits: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def terminal_id(raw: bytes) -> str:
    """BCD terminal id -> its digits without leading zeros; other bytes -> a binary IMEI + Luhn digit."""
    text = raw.hex()
    if text.isdigit():
        return text.lstrip("0") or "0"
    number = str(int.from_bytes(raw[:6], "big"))
    return number + str(luhn_digit(number))
