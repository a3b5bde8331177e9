"""Codec 12/13/14 messages: command responses and serial-port texts.

Forms accepted: codec 12 ``type | length (4) | text``; codec 13 ``type |
length (4) | Unix time (4, seconds; values before 2000 are not times: the
server clock is used) | text``; codec 14 ``type | length (4) | IMEI (8 bytes,
hex digits, leading zero) | text`` with type 0x06 ACK or 0x11 NACK. With one
message the text runs to the quantity byte whatever the length field says
(devices miscount it). Printable ASCII stays text, anything else becomes hex.
"""

from __future__ import annotations

import struct
from datetime import datetime, timedelta
from typing import Any

from .._commands import CommandAnswer
from .._errors import MalformedError
from .._records import Event, UnknownMessage
from ._payload import Payload
from .constants import PROTOCOL, UNIX_EPOCH, Codec, MessageType

__all__ = ["decode_message", "message_text", "command_answers"]

_GH_LONG = struct.Struct(">I")

_TEXT_EXTRA = b"\r\n\t"
_MIN_PLAUSIBLE = 946684800  # 2000-01-01: older codec 13 stamps are not times


def message_text(raw: bytes) -> str:
    """Printable ASCII as text (without surrounding whitespace), anything else as hex."""
    if raw.isascii() and raw.translate(None, _TEXT_EXTRA).decode("ascii").isprintable():
        return raw.decode("ascii").strip()
    return raw.hex()


def _axle_weights(text: str) -> dict[str, Any] | None:
    """``UUUUww<axle1>;...;<axle8>;<load truck>;<load trailer>;<total truck>;<total trailer>;SSS``
    (axle-load scales behind the serial port): twelve decimal numbers."""
    values = text[6:-4].split(";")
    try:
        numbers = [float(v) for v in values[:12]]
    except ValueError:
        return None
    if len(numbers) < 12:
        return None
    attrs: dict[str, Any] = {f"axle{i + 1}": numbers[i] for i in range(8)}
    attrs.update(loadTruck=numbers[8], loadTrailer=numbers[9], totalTruck=numbers[10],
                 totalTrailer=numbers[11])
    return attrs


def _message_attributes(text: str) -> dict[str, Any]:
    """A response text: ``result``, plus the fields of the formats devices send
    through the serial port: ``GTSL|n|n|n|<driver id>|...`` (driver
    identification) and ``UUUUww...SSS`` (axle weights)."""
    attrs: dict[str, Any] = {"result": text}
    if text.startswith("GTSL|"):
        parts = text.split("|")
        if len(parts) > 4 and parts[4]:
            attrs["driverUniqueId"] = parts[4]
    elif text.startswith("UUUUww") and text.endswith("SSS"):
        attrs.update(_axle_weights(text) or {})
    return attrs


_MESSAGE_KINDS = frozenset({MessageType.RESPONSE, MessageType.COMMAND, MessageType.NACK})


def decode_message(data: bytes, device_id: str, now: datetime) -> Payload:
    """Codec 12/13/14 response: an Event ``commandResult`` with the text; no count reply.

    Codec 13 puts a 4-byte Unix time before the text, codec 14 the 8-byte IMEI
    (its type 0x11 = NACK: the command was for another IMEI, no text)."""
    codec, quantity, kind = data[0], data[1], data[2]
    if kind not in _MESSAGE_KINDS:
        return Payload(unknown=UnknownMessage(protocol=PROTOCOL, message_type=f"codec{codec:#04x}/{kind:#04x}",
                                              device_id=device_id))
    (length,) = _GH_LONG.unpack_from(data, 3)
    off = 7
    # one message: take everything up to quantity 2 (some devices miscount the length)
    end = len(data) - 1 if quantity == 1 else off + length
    time = now
    extra: dict[str, Any] = {}
    if codec == Codec.CODEC_13:
        (stamp,) = _GH_LONG.unpack_from(data, off)
        off += 4
        if stamp >= _MIN_PLAUSIBLE:
            time = UNIX_EPOCH + timedelta(seconds=stamp)
    elif codec == Codec.CODEC_14:
        extra["imei"] = data[off : off + 8].hex().lstrip("0")
        off += 8
        if kind == MessageType.NACK:
            extra["commandRejected"] = True
    if end < off or end > len(data):
        raise MalformedError("teltonika: message length beyond the data", data=data)
    attrs = {**_message_attributes(message_text(data[off:end])), **extra}
    event = Event(device_id=device_id, protocol=PROTOCOL, time=time, type="commandResult",
                  attributes=attrs)
    return Payload(events=(event,))


def command_answers(data: bytes, payload: Payload, device_id: str | None) -> tuple[CommandAnswer, ...]:
    """The answers a codec 12/13/14 response data part carries (type 06, or 11 = NACK: the
    codec 14 command named another IMEI). Codec 12 has no serial: answers come in order."""
    if len(data) < 3 or data[0] not in _ANSWER_CODECS or data[2] not in _ANSWER_KINDS:
        return ()
    out = []
    for event in payload.events:
        attrs = event.attributes
        rejected = bool(attrs.get("commandRejected"))
        text = attrs.get("result")
        out.append(CommandAnswer(
            protocol=PROTOCOL, device_id=device_id, serial=None, ok=False if rejected else None,
            text=text, meaning="rejected: another IMEI" if rejected else text))
    return tuple(out)


_ANSWER_CODECS = frozenset({Codec.CODEC_12, Codec.CODEC_13, Codec.CODEC_14})
_ANSWER_KINDS = frozenset({MessageType.RESPONSE, MessageType.NACK})
