"""Decoders of H02 text messages, chosen by the type field (``DECODERS``).

Each decoder takes a ``TextMessage`` and returns ``(positions, events)``.
Types not in the table are read as positions when they carry the
``lat,N|S,lon,E|W`` run (V1, V2, V4, V5, V6, V8, V19, VI1 ...).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

import msgspec

from .._commands import CommandAnswer
from .._errors import MalformedError
from .._records import Event, Position
from .._text import parse_date, parse_time
from ._position import find_run, parse_run, status_attributes
from ._catalogue import LINK_COLUMNS
from .constants import PROTOCOL

__all__ = ["TextMessage", "DECODERS", "command_answer", "decode_position", "split_text", "Records"]

UTC = timezone.utc
Records = tuple[tuple[Position, ...], tuple[Event, ...]]
NONE: Records = ((), ())
_DIGITS = frozenset("0123456789")
_HEX = frozenset("0123456789abcdefABCDEF")
_ID_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


class TextMessage:
    """``*<mf>,<id>,<type>,...#`` split at commas (``fields[0]`` is the manufacturer)."""

    __slots__ = ("fields", "text", "device_id", "now")

    def __init__(self, text: str, fields: list[str], device_id: str, now: datetime) -> None:
        self.text = text
        self.fields = fields
        self.device_id = device_id
        self.now = now

    @property
    def kind(self) -> str:
        return self.fields[2]


def split_text(frame: bytes) -> tuple[str, list[str]]:
    """A ``*...#`` frame (``#`` and trailing blanks optional) -> (body, fields)."""
    body = frame.strip(b" \t\r\n\x00")
    if not body.startswith(b"*"):
        raise MalformedError("h02: text message without '*'", data=frame)
    body = body[1:-1] if body.endswith(b"#") else body[1:]
    text = body.decode("utf-8", "replace")
    fields = text.split(",")
    if len(fields) < 3:
        raise MalformedError("h02: text message without a type", data=frame)
    device_id = fields[1].strip()
    if len(device_id) > 20 or not _ID_CHARS.issuperset(device_id):
        raise MalformedError("h02: bad device id", data=frame)
    fields[1] = device_id
    fields[2] = fields[2].strip()
    return text, fields


def _position(msg: TextMessage, kwargs: dict, attrs: dict) -> Position:
    return Position(device_id=msg.device_id, protocol=PROTOCOL, attributes=attrs, **kwargs)


def _event(msg: TextMessage, time: datetime, kind: str, attrs: dict) -> Event:
    return Event(device_id=msg.device_id, protocol=PROTOCOL, time=time, type=kind, attributes=attrs)


def decode_position(msg: TextMessage) -> Records:
    """A message carrying the position run; no run (no fix yet) -> nothing."""
    j = find_run(msg.fields)
    if j is None:
        return NONE
    kwargs, attrs = parse_run(msg.fields, j, msg.now)
    if msg.kind == "V4":
        result = ",".join(msg.fields[3:max(3, j - 3)]).strip(",")
        if result:
            attrs["result"] = result
    return (_position(msg, kwargs, attrs),), ()


def command_answer(msg: TextMessage) -> tuple[CommandAnswer, ...]:
    """``V4,<word>,<result...>,<the command's HHMMSS>,<device time>,<position>`` (or without the
    position): the answer to command ``word``, linked by ``<word>,<HHMMSS>`` (H02 has no serial).
    ``V4,V1``/``V4,NBR`` are server acknowledgements, not answers."""
    f = msg.fields
    if len(f) < 4 or f[3] in ("V1", "NBR"):
        return ()
    j = find_run(f)
    rest = f[4:j - 2] if j is not None else f[4:]  # results, then the echoed command time
    echoed = rest[-1] if rest and len(rest[-1]) == 6 and rest[-1].isdigit() else None
    results = rest[:-1] if echoed is not None else rest
    text = ",".join(results) or None
    upper = (text or "").upper()
    ok = True if upper in _DONE else False if upper in _FAILED else None
    serial = f"{f[3]},{echoed}" if echoed is not None else f[3]
    return (CommandAnswer(protocol=PROTOCOL, device_id=msg.device_id, serial=serial, reply_to=f[3],
                          ok=ok, text=text, meaning=f"{f[3]} {text}" if text else f[3]),)


_DONE = frozenset({"DONE", "OK", "SUCCESS"})
_FAILED = frozenset({"ERROR", "FAIL", "FAILED"})


def decode_vp1(msg: TextMessage) -> Records:
    """VP1: ``A|B,<lat>,...,<date>`` (no time of day; both letters mean a fix)
    or ``V,<MCC>,<MNC>,<LAC>,<CID>,<RSSI>Y<LAC>,<CID>,<RSSI>...``."""
    if msg.fields[3:4] in (["A"], ["B"]):
        positions, events = decode_position(msg)
        return tuple(msgspec.structs.replace(p, valid=True) for p in positions), events
    attrs = _ints(msg.fields, {"mcc": 4, "mnc": 5})
    cells = [c.split(",") for c in ",".join(msg.fields[6:]).split("Y") if c]
    attrs.update(_first_cell(cells, 0, 1))
    return (), (_event(msg, _utc(msg.now), "network", attrs),)


def _first_cell(cells: list[list[str]], lac: int, cid: int) -> dict:
    """The serving (first) cell's ``lac``/``cid`` (decimal) and ``cellCount``."""
    if not cells:
        return {}
    out = _ints(cells[0], {"lac": lac, "cid": cid})
    out["cellCount"] = len(cells)
    return out


def _ints(fields: list[str], where: dict[str, int]) -> dict:
    out = {}
    for key, index in where.items():
        if index < len(fields) and fields[index].isascii() and fields[index].isdigit():
            out[key] = int(fields[index])
    return out


def _utc(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(microsecond=0)


def _time_and_status(msg: TextMessage) -> tuple[datetime, dict]:
    """Time (field 3 + the last ``ddmmyy`` followed by a status word) and status attributes."""
    fields = msg.fields
    for i in range(len(fields) - 2, 3, -1):
        date_text, status_text = fields[i], fields[i + 1]
        if len(date_text) == 6 and _DIGITS.issuperset(date_text) and len(status_text) == 8 \
                and _HEX.issuperset(status_text):
            attrs = status_attributes(int(status_text, 16), {})
            try:
                time = datetime.combine(parse_date(date_text), parse_time(fields[3]))
            except MalformedError:
                time = _utc(msg.now)
            return time, attrs
    return _utc(msg.now), {}


def decode_nbr(msg: TextMessage) -> Records:
    """NBR: ``<time>,<MCC>,<MNC>,<TA>,<n>,n x (<LAC>,<CID>,<RSSI>),<date>,<status>``."""
    time, attrs = _time_and_status(msg)
    attrs.update(_ints(msg.fields, {"mcc": 4, "mnc": 5}))
    count = _ints(msg.fields, {"n": 7}).get("n", 0)
    cells = [msg.fields[i:i + 3] for i in range(8, 8 + 3 * count, 3)]
    attrs.update(_first_cell([c for c in cells if len(c) == 3], 0, 1))
    return (), (_event(msg, time, "network", attrs),)


def decode_v3(msg: TextMessage) -> Records:
    """V3: ``<time>,<MCC><MNC>,<n>,<cells>...,<date>,<status>``."""
    time, attrs = _time_and_status(msg)
    code = msg.fields[4] if len(msg.fields) > 4 else ""
    if len(code) >= 5 and code.isascii() and code.isdigit():
        attrs["mcc"], attrs["mnc"] = int(code[:3]), int(code[3:])
    count = _ints(msg.fields, {"n": 5}).get("n", 0)
    cells = [msg.fields[i:i + 4] for i in range(6, 6 + 4 * count, 4)]
    attrs.update(_first_cell([c for c in cells if len(c) == 4], 0, 1))
    if "X" in msg.fields[6:]:  # ...,<battery hex4>,<reboot>,X,<date>,<status>
        x = msg.fields.index("X", 6)
        battery = msg.fields[x - 2]
        if len(battery) == 4 and _HEX.issuperset(battery):
            attrs["battery"] = int(battery, 16)  # raw, as Traccar stores it
    return (), (_event(msg, time, "network", attrs),)


def decode_link(msg: TextMessage) -> Records:
    """LINK: ``<time>,<LINK_COLUMNS>,<date>,<status>``."""
    time, attrs = _time_and_status(msg)
    attrs.update(_ints(msg.fields, LINK_COLUMNS))
    return (), (_event(msg, time, "status", attrs),)


def decode_sms(msg: TextMessage) -> Records:
    """SMS: the device's answer text (commas and newlines kept)."""
    head = f"{msg.fields[0]},{msg.fields[1]},{msg.fields[2]},"
    result = msg.text[len(head):] if msg.text.startswith(head) else ",".join(msg.fields[3:])
    return (), (_event(msg, _utc(msg.now), "commandResult", {"result": result}),)


def decode_heartbeat(msg: TextMessage) -> Records:
    """V0/HTBT; ``HTBT,<battery %>`` -> a status event with ``batteryLevel``."""
    level = _ints(msg.fields, {"batteryLevel": 3})
    if not level:
        return NONE
    return (), (_event(msg, _utc(msg.now), "status", level),)


Decoder = Callable[[TextMessage], Records]

DECODERS: dict[str, Decoder] = {
    "V0": decode_heartbeat,
    "HTBT": decode_heartbeat,
    "NBR": decode_nbr,
    "V3": decode_v3,
    "LINK": decode_link,
    "VP1": decode_vp1,
    "SMS": decode_sms,
}
