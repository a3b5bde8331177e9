"""Decoders of watch message contents, chosen by type (``DECODERS``, ``HEALTH``, prefixes).

A decoder takes a ``Message`` and returns ``(positions, events)``; replies
are chosen by the connection (``reply_content``).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from .._commands import CommandAnswer
from .._errors import MalformedError
from .._records import Event, Position
from .._text import parse_float
from ._position import parse_location
from ._catalogue import COMMAND_ACKS, MESSAGE_TYPES, POSITION_PREFIXES, MessageType
from .constants import PROTOCOL

__all__ = ["Message", "Envelope", "split_envelope", "decoder_for", "reply_content", "Records",
           "command_answer", "decode_command_ack"]

UTC = timezone.utc
Records = tuple[tuple[Position, ...], tuple[Event, ...]]
NONE: Records = ((), ())
_HEX = frozenset(b"0123456789abcdefABCDEF")
_NAME = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


class Envelope:
    """``[<MF>*<ID>[*<IDX>]*<LEN>*<CONTENT>]``; ``kind`` is CONTENT up to its first comma."""

    __slots__ = ("manufacturer", "device_id", "index", "content", "kind")

    def __init__(self, manufacturer: str, device_id: str, index: str | None, content: bytes) -> None:
        self.manufacturer = manufacturer
        self.device_id = device_id
        self.index = index
        self.content = content
        self.kind = content.split(b",", 1)[0].decode("latin-1")


def _hex4(field: bytes) -> bool:
    return len(field) == 4 and _HEX.issuperset(field)


def split_envelope(frame: bytes) -> Envelope:
    body = frame.rstrip(b" \r\n\x00")
    if not body.startswith(b"[") or not body.endswith(b"]"):
        raise MalformedError("watch: frame is not [...]", data=frame)
    parts = body[1:-1].split(b"*", 4)
    if len(parts) < 4:
        raise MalformedError("watch: envelope without MF*ID*LEN*", data=frame)
    manufacturer, device_id = parts[0], parts[1]
    if not (1 <= len(manufacturer) <= 4 and _NAME.issuperset(manufacturer)
            and 1 <= len(device_id) <= 20 and _NAME.issuperset(device_id)):
        raise MalformedError("watch: bad manufacturer or device id", data=frame)
    if len(parts) == 5 and _hex4(parts[2]) and _hex4(parts[3]):
        index, content = parts[2].decode("ascii"), parts[4]
    elif _hex4(parts[2]):
        index, content = None, b"*".join(parts[3:])
    else:
        raise MalformedError("watch: bad length field", data=frame)
    return Envelope(manufacturer.decode("ascii"), device_id.decode("ascii"), index, content)


class Message:
    """One frame being decoded; decoders add items outside the catalogue to ``unknown``."""

    __slots__ = ("envelope", "device_id", "now", "unknown")

    def __init__(self, envelope: Envelope, device_id: str, now: datetime) -> None:
        self.envelope = envelope
        self.device_id = device_id
        self.now = now
        self.unknown = 0

    def values(self) -> list[str]:
        """The comma-separated fields after the type, as text."""
        return self.envelope.content.decode("utf-8", "replace").split(",")[1:]

    def event(self, kind: str, attrs: dict) -> Event:
        return Event(device_id=self.device_id, protocol=PROTOCOL,
                     time=self.now.astimezone(UTC).replace(microsecond=0), type=kind,
                     attributes=attrs)


def decode_position(msg: Message) -> Records:
    kwargs, attrs, unknown = parse_location(msg.values())
    msg.unknown += unknown
    if msg.envelope.kind.startswith("AL") and "alarm" not in attrs:
        attrs["alarm"] = "general"
    return (Position(device_id=msg.device_id, protocol=PROTOCOL, attributes=attrs, **kwargs),), ()


def decode_link(msg: Message) -> Records:
    """``LK[,<steps>,<tumbles>,<battery %>]``."""
    v = msg.values()
    attrs = {}
    if v and v[0].isascii() and v[0].isdigit():
        attrs["steps"] = int(v[0])
    if len(v) > 2 and v[2].isascii() and v[2].isdigit():
        attrs["batteryLevel"] = int(v[2])
    return ((), (msg.event("status", attrs),)) if attrs else NONE


def decode_voice_part(msg: Message) -> Records:
    """``JXTK,<x>,<name>,<part>,<total>,<AMR>``: an ``audio`` event after the last part."""
    head = msg.envelope.content.split(b",", 5)
    if len(head) < 6 or not head[3].isdigit() or not head[4].isdigit():
        raise MalformedError("watch: bad JXTK header", data=msg.envelope.content)
    if int(head[3]) < int(head[4]):
        return NONE
    name = head[2].decode("utf-8", "replace")
    return (), (msg.event("media", {"audio": f"{name}.amr"}),)


def _media(key: str, extension: str) -> Callable[[Message], Records]:
    def decode(msg: Message) -> Records:
        data = msg.envelope.content.split(b",", 1)
        size = len(data[1]) if len(data) > 1 else 0
        return (), (msg.event("media", {key: extension, f"{key}Size": size}),)
    return decode


def _number(text: str, what: str) -> int | float:
    value = parse_float(text.strip(), what)
    return int(value) if value.is_integer() and "." not in text else value


def decode_heart(msg: Message) -> Records:
    v = msg.values()
    if not v or not v[0].strip():
        raise MalformedError("watch: heart rate without a value")
    return (), (msg.event("health", {"heartRate": _number(v[0], "heart rate")}),)


def decode_pressure(msg: Message) -> Records:
    """``bphrt,<high>,<low>,<bpm>`` / ``BLOOD,<high>,<low>``."""
    v = [s.strip() for s in msg.values()]
    if len(v) < 2 or not v[0] or not v[1]:
        raise MalformedError("watch: blood pressure without values")
    attrs: dict = {"pressureHigh": v[0], "pressureLow": v[1]}
    if len(v) > 2 and v[2]:
        attrs["heartRate"] = _number(v[2], "heart rate")
    return (), (msg.event("health", attrs),)


def decode_oxygen(msg: Message) -> Records:
    v = msg.values()
    if len(v) < 2:
        raise MalformedError("watch: oxygen without a value")
    return (), (msg.event("health", {"bloodOxygen": _number(v[1], "oxygen")}),)


def decode_temperature(msg: Message) -> Records:
    v = msg.values()
    if not v:
        raise MalformedError("watch: temperature without a value")
    return (), (msg.event("health", {"temp1": parse_float(v[0].strip(), "temperature")}),)


def decode_body_temperature(msg: Message) -> Records:
    """``btemp2,<flag>,<degrees C>``: kept when the flag is positive."""
    v = msg.values()
    if len(v) < 2:
        raise MalformedError("watch: btemp2 without a value")
    if parse_float(v[0].strip(), "flag") <= 0:
        return NONE
    return (), (msg.event("health", {"temp1": parse_float(v[1].strip(), "temperature")}),)


def decode_nothing(msg: Message) -> Records:
    return NONE


def decode_command_ack(msg: Message) -> Records:
    """A watch confirming a server command by echoing it (``UPLOAD``, ``CR,...``)."""
    text = msg.envelope.content.decode("utf-8", "replace")
    return (), (msg.event("commandResult", {"result": text}),)


Decoder = Callable[[Message], Records]

#: decoders of the catalogue's fixed types (``_catalogue.MESSAGE_TYPES``) by name
_BY_NAME: dict[str, Decoder] = {
    "LK": decode_link, "JXTK": decode_voice_part,
    "TK": _media("audio", "amr"), "TK2": _media("audio", "amr"), "img": _media("image", "jpg"),
    "heart": decode_heart, "pulse": decode_heart, "bphrt": decode_pressure,
    "blood": decode_pressure, "oxygen": decode_oxygen, "temp": decode_temperature,
    "btemp2": decode_body_temperature,
}
_BY_RECORD: dict[str, Decoder] = {"position": decode_position, "none": decode_nothing}


def _decoder(t: MessageType) -> Decoder:
    return _BY_RECORD.get(t.record) or _BY_NAME[t.name]


DECODERS: dict[str, Decoder] = {t.name: _decoder(t) for t in MESSAGE_TYPES if t.record != "health"}
#: health messages, by lowercase type (they come in any case)
HEALTH: dict[str, Decoder] = {t.name: _decoder(t) for t in MESSAGE_TYPES if t.record == "health"}
#: reply CONTENT by type (``AL...`` is answered ``AL``: ``reply_content``)
REPLIES: dict[str, str] = {t.name: t.reply for t in MESSAGE_TYPES if t.reply is not None}


def decoder_for(kind: str) -> Decoder | None:
    decoder = DECODERS.get(kind) or HEALTH.get(kind.lower())
    if decoder is None and kind.startswith(POSITION_PREFIXES):
        return decode_position
    if decoder is None and kind.upper() in COMMAND_ACKS:
        return decode_command_ack
    return decoder


def command_answer(msg: Message) -> tuple[CommandAnswer, ...]:
    """The keyword a watch sends back to confirm a server command (Beesure protocol, II):
    linked by that keyword (the protocol has no serial)."""
    content = msg.envelope.content.decode("utf-8", "replace")
    keyword = content.split(",", 1)[0].upper()
    return (CommandAnswer(protocol=PROTOCOL, device_id=msg.device_id, serial=keyword,
                          reply_to=keyword, ok=True, text=content, meaning=f"{keyword} confirmed"),)


def reply_content(kind: str) -> str | None:
    if kind.startswith("AL"):
        return "AL"
    return REPLIES.get(kind)
