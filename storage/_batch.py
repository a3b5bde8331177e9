"""A batch's records as the store writes them: COPY rows, one fix per key,
alarm events, event keys, and the bookkeeping of a split batch."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Sequence

import asyncpg
import msgspec

from protocols import Event, Position
from storage.quarantine import Frame
from storage.validate import Rejected


def position_record(seq: int, p: Position) -> tuple:
    return (seq, p.device_id, p.fix_time, p.protocol, p.valid, p.lat, p.lon,
            p.altitude_m, p.speed_kmh, p.course_deg, p.satellites, p.hdop, p.attributes)


def direct_record(p: Position, received_at: datetime) -> tuple:
    return (p.device_id, p.fix_time, received_at, p.protocol, p.valid, p.lat, p.lon,
            p.altitude_m, p.speed_kmh, p.course_deg, p.satellites, p.hdop, p.attributes)


def unique_and_newest(positions: Sequence[Position]) -> tuple[list[Position], list[Position], int]:
    """The batch with one fix per (device, fix time) key, each device's newest
    fix, and how many fixes were merged. Fixes of one key are merged as the
    database merges them: the first one's columns, the attributes of all (a
    fix whose attributes the first already holds is a plain resend)."""
    unique: dict[tuple[str, datetime], Position] = {}
    newest: dict[str, Position] = {}
    merged = 0
    for p in positions:
        key = (p.device_id, p.fix_time)
        first = unique.setdefault(key, p)
        if first is not p and p.attributes and not contains(first.attributes, p.attributes):
            first = unique[key] = msgspec.structs.replace(
                first, attributes={**first.attributes, **p.attributes})
            merged += 1
        current = newest.get(p.device_id)
        if current is None or p.fix_time >= current.fix_time:  # equal: the merged fix
            newest[p.device_id] = first
    return list(unique.values()), list(newest.values()), merged


def contains(stored: dict, new: dict) -> bool:
    return all(k in stored and stored[k] == v for k, v in new.items())


_digest_encode = msgspec.json.Encoder(order="sorted").encode


def event_key(attributes: dict[str, Any]) -> int:
    """A 64-bit digest of an event's attributes: distinct events of one type at
    one time are all kept, a resend (the same attributes) is absorbed."""
    if not attributes:
        return 0
    digest = hashlib.blake2b(_digest_encode(attributes), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def alarm_events(positions: Sequence[Position]) -> list[Event]:
    """Every alarm also becomes an event (type ``alarm``, Traccar's), whatever
    happens to the fix that carried it (stored, merged or a resend)."""
    out = []
    for p in positions:
        alarm = p.attributes.get("alarm") if p.attributes else None
        if alarm:
            out.append(Event(device_id=p.device_id, protocol=p.protocol, time=p.fix_time,
                             type="alarm", attributes={"alarm": alarm, "lat": p.lat,
                                                       "lon": p.lon}))
    return out


class Partial(msgspec.Struct, frozen=True, kw_only=True):
    """What a part of a batch did (summed over the halves of a split)."""

    positions_inserted: int = 0
    positions_merged: int = 0
    events_inserted: int = 0
    quarantined: int = 0
    quarantined_positions: int = 0
    quarantined_events: int = 0

    def __add__(self, other: "Partial") -> "Partial":
        return Partial(**{f: getattr(self, f) + getattr(other, f) for f in self.__struct_fields__})


def frame_at(frames: Sequence[Frame], index: int) -> Frame:
    return frames[index] if index < len(frames) else None


def kept_frames(rejected: list[Rejected], p_frames: Sequence[Frame],
                 e_frames: Sequence[Frame]) -> tuple[list[Frame], list[Frame]]:
    """The frames of the records that passed validation, in their order."""
    gone_p = {r.index for r in rejected if r.kind == "position"}
    gone_e = {r.index for r in rejected if r.kind == "event"}
    return ([f for i, f in enumerate(p_frames) if i not in gone_p],
            [f for i, f in enumerate(e_frames) if i not in gone_e])


def row_to_position(r: asyncpg.Record) -> Position:
    return Position(device_id=r[0], protocol=r[1], fix_time=r[2], valid=r[3], lat=r[4],
                    lon=r[5], altitude_m=r[6], speed_kmh=r[7], course_deg=r[8],
                    satellites=r[9], hdop=r[10], attributes=r[11])
