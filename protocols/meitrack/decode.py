"""Meitrack frame -> records and reply, by command (a dispatch table).

AAA (position report, no reply), AFF (report in confirmation mode: confirmed
with ``AFF,<serial>``), CCC (binary buffer: ``CCC,<records>`` reply), CCE
(TLV buffer: no reply), AAC (answered ``AAC,1``), D00 (picture packet: the
next packet is requested), any other command (a device answer, e.g. ``D82,0``
or ``D03,OK``): a ``commandResult`` event with ``<command>,<data>``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable

import msgspec

from .._errors import MalformedError
from .._commands import CommandAnswer
from .._records import Event, Position
from .._text import parse_int
from ._aaa import decode_aaa
from ._binary import decode_ccc, decode_cce
from ._frame import Frame
from ._catalogue import EVENTS
from .constants import PROTOCOL

#: the file ``D03,1,camera_picture.jpg`` asks the device to write
PHOTO_FILE = "camera_picture.jpg"
from .encode import encode_aac_ack, encode_aff_ack, encode_ccc_ack, encode_photo_request

__all__ = ["Result", "DECODERS", "decode_result", "command_answer"]


class Result(msgspec.Struct, frozen=True):
    positions: tuple[Position, ...] = ()
    events: tuple[Event, ...] = ()
    reply: bytes | None = None
    unknown_items: int = 0


def count_unknown(positions: tuple[Position, ...]) -> int:
    """Items the catalogue does not know: ``io<n>`` attributes and event codes."""
    count = 0
    for p in positions:
        attrs = p.attributes
        count += sum(1 for k in attrs if k.startswith("io") and k[2:].isdigit())
        if "event" in attrs and attrs["event"] not in EVENTS:
            count += 1
    return count


Decoder = Callable[[Frame, datetime, tuple[float, float]], Result]


def _text(frame: Frame) -> list[str]:
    return frame.data.decode("latin-1").split(",")


def _aaa(frame: Frame, now: datetime, scale: tuple[float, float]) -> Result:
    return Result(positions=(decode_aaa(frame.imei, _text(frame), scale),))


def _aff(frame: Frame, now: datetime, scale: tuple[float, float]) -> Result:
    f = _text(frame)
    position = decode_aaa(frame.imei, f[1:], scale)
    return Result(positions=(position,), reply=encode_aff_ack(frame.imei, f[0], frame.flag))


def _ccc(frame: Frame, now: datetime, scale: tuple[float, float]) -> Result:
    positions = decode_ccc(frame.imei, frame.data)
    return Result(positions=positions,
                  reply=encode_ccc_ack(frame.imei, len(positions), frame.flag))


def _cce(frame: Frame, now: datetime, scale: tuple[float, float]) -> Result:
    return Result(positions=decode_cce(frame.imei, frame.data))


def _aac(frame: Frame, now: datetime, scale: tuple[float, float]) -> Result:
    return Result(reply=encode_aac_ack(frame.imei, frame.flag))


def _d00(frame: Frame, now: datetime, scale: tuple[float, float]) -> Result:
    """``D00,<file>,<packet count>,<packet index>,<JPEG bytes>``: ask for the next packet."""
    head = frame.data.split(b",", 3)
    if len(head) < 3:
        raise MalformedError("meitrack: D00 packet cut short", data=frame.data)
    name = head[0].decode("latin-1")
    total, index = parse_int(head[1].decode("latin-1")), parse_int(head[2].decode("latin-1"))
    if index + 1 >= total:
        return Result()
    return Result(reply=encode_photo_request(frame.imei, name, index + 1, frame.flag))


def _answer(frame: Frame, now: datetime, scale: tuple[float, float]) -> Result:
    text = frame.command + ("," + frame.data.decode("latin-1") if frame.data else "")
    return Result(events=(Event(device_id=frame.imei, protocol=PROTOCOL, time=now,
                                type="commandResult", attributes={"result": text}),))


def _d03(frame: Frame, now: datetime, scale: tuple[float, float]) -> Result:
    """``D03,OK``: the picture was taken; its first packet is requested at once."""
    answer = _answer(frame, now, scale)
    return Result(events=answer.events,
                  reply=encode_photo_request(frame.imei, PHOTO_FILE, 0, frame.flag))


DECODERS: dict[str, Decoder] = {
    "AAA": _aaa, "AFF": _aff, "CCC": _ccc, "CCE": _cce, "AAC": _aac, "D00": _d00,
    "D03": _d03,
}


def decode_result(frame: Frame, now: datetime, scale: tuple[float, float]) -> Result:
    result = DECODERS.get(frame.command, _answer)(frame, now, scale)
    if result.positions:
        unknown = count_unknown(result.positions)
        if unknown:
            result = msgspec.structs.replace(result, unknown_items=unknown)
    return result


_OK = frozenset({"OK", "SUCCESS"})
_FAILED = frozenset({"ERROR", "FAIL", "FAILED", "NOT SUPPORTED"})


def command_answer(frame: Frame) -> tuple[CommandAnswer, ...]:
    """A frame that is not a report (AAA, CCC, CCE, AFF, AAC, D00) answers the server
    command of the same name: ``$$<the command's flag>..,<IMEI>,C01,OK*hh`` (MEITRACK GPRS
    Protocol: the data identifier the server chose is echoed), linked by that flag."""
    if frame.command in DECODERS and frame.command != "D03":
        return ()
    text = frame.data.decode("latin-1") or None
    word = (text or "").split(",", 1)[0].strip().upper()
    ok = True if word in _OK else False if word in _FAILED else None
    return (CommandAnswer(protocol=PROTOCOL, device_id=frame.imei, serial=frame.flag,
                          reply_to=frame.command, ok=ok, text=text,
                          meaning=f"{frame.command} {text}" if text else frame.command),)
