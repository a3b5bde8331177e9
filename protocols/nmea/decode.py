"""One NMEA line -> its anatomy (``Sentence``) -> records, by dispatch table.

A line is, in order: an optional device-id prefix (``<id>``, ``<id>,`` or
``x/<id>/``), ``$``, the body up to ``*`` (address, then comma-separated
fields), two hex checksum digits, and an optional tail of fields after the
checksum (the T55 extension). Lines without ``$`` are ``QZE,...``,
``IMEI <id>`` or a bare identity (uppercase hex digits only).

Decoders are pure: ``decoder(sentence, now, device_id) -> (positions, events)``.
Session state (identity, the held RMC, replies) lives in ``connection.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable

import msgspec

from .._checksum import nmea_checksum
from .._errors import MalformedError
from .._records import Event, Position
from ._standard import (
    decode_gga, decode_gll, decode_pubx, decode_rma, decode_rmc, t55_identity,
)
from ._vendor import decode_gpiop, decode_gptxt, decode_qze, decode_trccr, decode_wmcs
from .constants import HEX_ID_CHARS, IDENTITY_SENTENCES, MAX_ID_LEN, MAX_LINE, MIN_ID_LEN, TALKERS

__all__ = [
    "Sentence", "Records", "Decoder", "DECODERS", "RMC_NAMES", "parse_line", "identity_of",
    "valid_id",
]

Records = tuple[tuple[Position, ...], tuple[Event, ...]]
Decoder = Callable[["Sentence", datetime, str], Records]

_ID_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_")
_HEX = frozenset("0123456789abcdefABCDEF")
_NOT_IN_ID = frozenset("$*,")


class Sentence(msgspec.Struct, frozen=True, kw_only=True):
    """What one line holds, before any field is interpreted."""

    #: address: "GPRMC", "PUBX", "PGID", "QZE" ...; "" for a bare identity line
    name: str
    #: the fields after the address, each stripped of surrounding blanks
    fields: list[str] = []
    #: fields after the checksum (T55 extension), or []
    tail: list[str] = []
    #: device id written in front of the sentence (or the bare identity line)
    prefix_id: str | None = None
    #: None when the line carries no checksum
    checksum_ok: bool | None = None


def valid_id(text: str) -> bool:
    return MIN_ID_LEN <= len(text) <= MAX_ID_LEN and _ID_CHARS.issuperset(text)


def _named_id(text: str) -> bool:
    """An id an identity sentence names: printable ASCII, blanks allowed
    (``$PCPTI,CradlePoint Test,...``), no ``$`` or ``*``."""
    return 0 < len(text) <= MAX_ID_LEN and text.isprintable() and not _NOT_IN_ID & set(text)


def _prefix_id(prefix: str) -> str | None:
    """``<id>``, ``<id>,`` or ``x/<id>/`` before the ``$``; noise gives None."""
    text = prefix.strip().rstrip(",/").strip()
    if "/" in text:
        text = text.rsplit("/", 1)[-1]
    return text if valid_id(text) else None


def _split_checksum(text: str) -> tuple[str, bool | None, list[str]]:
    """``body*hh[,tail...]`` -> (body, checksum_ok, tail fields).

    Checksum forms accepted (NMEA 0183 writes ``*HH``, upper case):
    ``*hh`` in either case; blanks around the ``*`` (``A * 72``: the blank
    before the star is not summed); no ``*`` at all, or a ``*`` without two
    hex digits (``*``, ``*,11,...``, ``*7``): nothing to verify, ``None``;
    a ``*`` followed by non-hex text (``*ZZ``): a mismatch, ``False``. A mismatch
    is flagged, not fatal (Traccar does not verify): the caller decides.
    """
    star = text.find("*")
    if star < 0:
        return text, None, []
    body, after = text[:star], text[star + 1:].lstrip()
    digits = after[:2]
    if len(digits) == 2 and _HEX.issuperset(digits):
        rest = after[2:].strip()
        expected = int(digits, 16)
        ok = expected == nmea_checksum(body.encode("ascii"))
        if not ok and body[-1:].isspace():  # "...,A * 72": the blank is not summed
            ok = expected == nmea_checksum(body.rstrip().encode("ascii"))
    else:
        raw = after.partition(",")[0]
        rest, head = after[len(raw):], raw.strip()
        ok = None if len(head) < 2 and _HEX.issuperset(head) else False
    tail = [f.strip() for f in rest[1:].split(",")] if rest.startswith(",") else []
    return body, ok, tail


def _fields(body: str) -> tuple[str, list[str]]:
    parts = body.split(",")
    name = parts[0].strip()
    fields = [f.strip() for f in parts[1:]]
    if "=" in name:  # $IMEI=<id>
        name, _, first = name.partition("=")
        fields.insert(0, first.strip())
    return name, fields


def parse_line(line: bytes) -> Sentence:
    """Anatomy of one stripped line; ``MalformedError`` for what is no NMEA line."""
    if len(line) > MAX_LINE:
        raise MalformedError(f"nmea: line of {len(line)} bytes (max {MAX_LINE})", data=line)
    try:
        text = line.decode("ascii").strip()
    except UnicodeDecodeError:
        raise MalformedError("nmea: non-ASCII bytes in line", data=line) from None
    dollar = text.find("$")
    if dollar < 0:
        return _parse_plain(text, line)
    body, ok, tail = _split_checksum(text[dollar + 1:])
    name, fields = _fields(body)
    if not name:
        raise MalformedError("nmea: sentence without an address", data=line)
    prefix = _prefix_id(text[:dollar]) if dollar else None
    return Sentence(name=name, fields=fields, tail=tail, prefix_id=prefix, checksum_ok=ok)


def _parse_plain(text: str, line: bytes) -> Sentence:
    """Lines without ``$``: ``QZE,...``, ``IMEI <id>``, or a bare identity."""
    if text.startswith("QZE,"):
        _, fields = _fields(text)
        return Sentence(name="QZE", fields=fields)
    if text.startswith("IMEI "):
        return Sentence(name="IMEI", fields=[text[5:].strip()])
    if MIN_ID_LEN <= len(text) <= MAX_ID_LEN and HEX_ID_CHARS.issuperset(text):
        return Sentence(name="", prefix_id=text)
    raise MalformedError("nmea: not an NMEA sentence", data=line)


def _identity_field(s: Sentence) -> str | None:
    """Field 0 of an identity sentence; None when it holds no usable id (the
    session's identity then stands; without one the line is malformed)."""
    value = s.fields[0] if s.fields else ""
    if s.name == "DEVID" and value[:2] in ("0x", "0X"):
        value = value[2:].upper()
    return value if _named_id(value) else None


def _first_field(s: Sentence) -> str | None:
    value = s.fields[0] if s.fields else ""
    return value if valid_id(value) else None


def _rmc_identity(s: Sentence) -> str | None:
    value = t55_identity(s.tail)
    return value if value is not None and valid_id(value) else None


RMC_NAMES = frozenset(t + "RMC" for t in TALKERS)

#: address -> decoder
DECODERS: dict[str, Decoder] = {
    **{name: decode_rmc for name in RMC_NAMES},
    **{t + "GGA": decode_gga for t in TALKERS},
    **{t + "GLL": decode_gll for t in TALKERS},
    **{t + "RMA": decode_rma for t in TALKERS},
    "PUBX": decode_pubx,
    "TRCCR": decode_trccr,
    "GPIOP": decode_gpiop,
    "GPTXT": decode_gptxt,
    "QZE": decode_qze,
    "ID": decode_wmcs,
}

#: address -> where a sentence carries its own device id
_IDENTIFIERS: dict[str, Callable[[Sentence], str | None]] = {
    **{name: _identity_field for name in IDENTITY_SENTENCES},
    **{name: _rmc_identity for name in RMC_NAMES},
    "QZE": _first_field,
    "ID": _first_field,
}


def identity_of(s: Sentence) -> str | None:
    """The device id a line names (prefix, identity sentence or in-sentence id)."""
    if s.prefix_id is not None:
        return s.prefix_id
    find = _IDENTIFIERS.get(s.name)
    return find(s) if find is not None else None
