"""Normalized records every protocol produces, and what one frame decodes to.

Units live in the names (``speed_kmh``, ``course_deg``, ``altitude_m``); all
times are aware UTC datetimes. Attribute keys follow Traccar's where one exists
(see ../shared/contracts/decode-cli.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from ._commands import CommandAnswer

__all__ = ["kept_item_count", "Position", "Event", "UnknownMessage", "Decoded", "Fix", "EMPTY", "merge_decoded"]


class Position(msgspec.Struct, frozen=True, kw_only=True):
    """A located fix."""

    device_id: str
    protocol: str
    fix_time: datetime
    valid: bool
    lat: float
    lon: float
    altitude_m: float | None = None
    speed_kmh: float | None = None
    course_deg: float | None = None
    satellites: int | None = None
    hdop: float | None = None
    attributes: dict[str, Any] = {}


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """A message without a location: status, heartbeat, alarm without a fix..."""

    device_id: str
    protocol: str
    time: datetime
    type: str
    attributes: dict[str, Any] = {}


class UnknownMessage(msgspec.Struct, frozen=True, kw_only=True):
    """A well-framed message whose type this decoder does not understand."""

    protocol: str
    message_type: int | str
    device_id: str | None = None


class Decoded(msgspec.Struct, frozen=True, kw_only=True):
    """What one frame yields.

    ``reply``        bytes for the device, or None.
    ``defer_reply``  True when the reply acknowledges records and may be sent
                     only after they are committed; False for replies that can
                     go at once (login, heartbeat, time request).
    ``login``        the device identity this frame established (the gateway
                     checks it against its allow-list before replying).
    ``reject_reply`` what to send instead of ``reply`` when the gateway refuses
                     the login (Teltonika's 0x00), or None.
    ``close``        the protocol asks to close the connection after the reply.
    ``checksum_ok``  False when the frame's checksum did not verify (accepted
                     in lenient mode, counted by the gateway).
    ``unknown_items`` how many items of the frame (IO elements, additional-
                     information items, report fields ...) the protocol's
                     catalogue does not know; they are kept in the records'
                     attributes under the protocol's generic key (``io<ID>``)
                     and counted per protocol by the gateway.
    ``answers``      the devices' answers to commands this frame carries
                     (protocols/_commands.py), linked by their serial.
    """

    positions: tuple[Position, ...] = ()
    events: tuple[Event, ...] = ()
    reply: bytes | None = None
    defer_reply: bool = False
    login: str | None = None
    reject_reply: bytes | None = None
    close: bool = False
    checksum_ok: bool = True
    unknown: UnknownMessage | None = None
    unknown_items: int = 0
    answers: tuple[CommandAnswer, ...] = ()


EMPTY = Decoded()


def kept_item_count(positions: tuple, events: tuple) -> int:
    """Items a catalogue lacks, kept under the generic ``io<index|TAG>`` key
    (``io`` then a digit or a capital: ``io7``, ``ioT``; never ``ignition``),
    for ``Decoded.unknown_items``."""
    return sum(1 for r in (*positions, *events) for key in r.attributes
               if key.startswith("io") and key[2:3].isalnum() and not key[2:3].islower())


def merge_decoded(results: "list[Decoded]") -> Decoded:
    """One ``Decoded`` for several messages of one frame or datagram, in order:
    records and replies concatenated, the last login, any close, all checksums."""
    if not results:
        return EMPTY
    if len(results) == 1:
        return results[0]
    replies = b"".join(d.reply for d in results if d.reply)
    logins = [d.login for d in results if d.login]
    rejects = b"".join(d.reject_reply for d in results if d.reject_reply)
    return Decoded(
        positions=tuple(p for d in results for p in d.positions),
        events=tuple(e for d in results for e in d.events),
        reply=replies or None,
        defer_reply=any(d.defer_reply for d in results),
        login=logins[-1] if logins else None,
        reject_reply=rejects or None,
        close=any(d.close for d in results),
        checksum_ok=all(d.checksum_ok for d in results),
        unknown=next((d.unknown for d in results if d.unknown), None),
        unknown_items=sum(d.unknown_items for d in results),
        answers=tuple(a for d in results for a in d.answers),
    )


class Fix(msgspec.Struct, frozen=True, kw_only=True):
    """A device-side fix, the input of the device encoders (simulators, tests)."""

    time: datetime
    lat: float
    lon: float
    speed_kmh: float = 0.0
    course_deg: float = 0.0
    altitude_m: float = 0.0
    satellites: int = 8
    valid: bool = True
    attributes: dict[str, Any] = {}
