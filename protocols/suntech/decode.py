"""Suntech frame -> Report: dispatch on the encoding and the report header.

Binary frames by their first byte (``02`` zip, ``81``/``82`` Universal binary);
ASCII reports (ISO-8859-1: UEX payloads may be binary) split on ``;`` keeping
empty fields, then by the first field: ``CRR`` crash report (not decoded:
a multi-frame binary accelerometer dump), ``...HTE`` travel report (an event
with ``driverUniqueId`` = the last column), shorter than 5 characters ->
Universal, ``ST9..`` -> ST910/940, ``ST4..`` -> ST410/419, any other -> legacy
(model = first 5 characters, type = the rest).
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from .._commands import CommandAnswer
from .._errors import MalformedError
from ._binary import decode_binary, decode_zip
from ._extras import Extras
from ._legacy import decode_legacy
from ._personal import decode_st4, decode_st9
from ._report import Report, event
from ._universal import decode_universal
from .constants import BinaryType

__all__ = ["decode_frame", "BINARY_DECODERS", "command_answers"]

BINARY_DECODERS: dict[int, Callable[[bytes], Report]] = {
    BinaryType.ZIP: decode_zip,
    BinaryType.STATUS: decode_binary,
    BinaryType.ALERT: decode_binary,
}


def _id_index(f: list[str]) -> int:
    """Where the device id sits: ``ST910;<kind>;ID``, ``<HDR>;Res;ID``, else ``HDR;ID``."""
    return 2 if f[0].startswith("ST9") or (len(f) > 1 and f[1] == "Res") else 1


def decode_frame(frame: bytes, now: datetime, extras: Extras,
                 session_id: str | None = None) -> Report:
    """Decode one whole frame (ASCII without its CR, or binary). An ASCII report
    whose device id column is empty belongs to the session's device (``session_id``)."""
    if not frame:
        raise MalformedError("suntech: empty frame")
    if frame[0] == BinaryType.ZIP or (len(frame) > 1 and frame[1] == 0):
        decoder = BINARY_DECODERS.get(frame[0], decode_binary)
        return decoder(frame)
    text = frame.rstrip(b"\r\n").decode("latin-1")
    f = text.split(";")
    head = f[0]
    at = _id_index(f)
    if session_id and len(f) > at and not f[at]:
        f[at] = session_id
    if head == "CRR" or head.endswith("HTE"):
        device_id = f[1] if len(f) > 1 else ""
        if not device_id:
            raise MalformedError("suntech: report without a device id", data=frame)
        if head == "CRR":  # crash dump: not decoded
            return Report(device_id=device_id, unknown=head)
        return _travel(f, device_id, now)
    if len(head) < 5:
        return decode_universal(f, now)
    if head.startswith("ST9"):
        return decode_st9(f, now)
    if head.startswith("ST4"):
        return decode_st4(f, now)
    if head[:1] != "S":
        raise MalformedError("suntech: unknown report header", data=frame)
    return decode_legacy(f, now, extras)


def _travel(f: list[str], device_id: str, now: datetime) -> Report:
    """``[<MODEL>]HTE;ID;...;<driver id>``: the travel summary of a trip."""
    attrs = {"type": "HTE"}
    if len(f) > 2 and f[-1]:
        attrs["driverUniqueId"] = f[-1]
    return Report(device_id=device_id, universal=len(f[0]) < 5,
                  header=f[0][:-3] if len(f[0]) > 3 else None,
                  events=(event(device_id, now, "status", attrs),))


def command_answers(report: Report) -> tuple[CommandAnswer, ...]:
    """Legacy ``<HDR>CMD;Res;<ID>;...`` and Universal ``RES;<ID>;...`` answers (Suntech's
    command answers carry no serial: they answer the commands in order)."""
    return tuple(
        CommandAnswer(protocol="suntech", device_id=e.device_id, serial=None,
                      reply_to=e.attributes.get("type"), text=e.attributes.get("result") or None,
                      meaning=e.attributes.get("result") or None)
        for e in report.events if e.type == "commandResult")
