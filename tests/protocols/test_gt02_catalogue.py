"""GT02 catalogue (protocols/gt02/_catalogue.py): one test per message type,
header item, location field and status bit, built with the device-side
encoder (Gt02Device.packet, encode_location, encode_command_result); bits
outside the catalogue kept and counted; a hypothesis round trip."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols import Fix
from protocols.gt02 import Gt02Connection
from protocols.gt02._catalogue import (HEADER_ITEMS, KNOWN_STATUS_MASK, LOCATION_FIELDS,
                                       MESSAGE_TYPES, STATUS_BITS)
from protocols.gt02.decode import DECODERS, REPLIED
from protocols.gt02.device import Gt02Device, encode_command_result, encode_location

UTC = timezone.utc
NOW = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
IMEI = "123456789012345"
T0 = datetime(2024, 3, 10, 10, 20, 30, tzinfo=UTC)
FIX = Fix(time=T0, lat=22.5, lon=-114.25, speed_kmh=56.0, course_deg=270.0)


def decode(data: bytes):
    (d,) = Gt02Connection().feed(data, NOW)
    return d


def test_catalogue_drives_the_tables():
    assert [t.code for t in MESSAGE_TYPES] == [0x10, 0x1A, 0x1C]
    assert set(DECODERS) == {t.code for t in MESSAGE_TYPES} and REPLIED == {0x1A}
    assert sum(f.size for f in LOCATION_FIELDS) == 24
    assert KNOWN_STATUS_MASK == 0x07 and [k for _, k in STATUS_BITS] == ["valid", "north", "east"]


def _content(t) -> tuple[bytes, dict]:
    if t.record == "position":
        return encode_location(FIX), {"index": 1}
    if t.record == "status":
        return b"\x00\x00", {"index": 1, "power": 5, "rssi": 3}
    return encode_command_result("APEXOK!"), {"index": 1, "result": "APEXOK!"}


@pytest.mark.parametrize("t", MESSAGE_TYPES, ids=lambda t: t.name)
def test_message_type(t):
    content, attrs = _content(t)
    d = decode(Gt02Device(IMEI).packet(t.code, content, power=5, gsm=3))
    assert d.login == IMEI and d.unknown_items == 0
    assert d.reply == (b"\x54\x68\x1a\x0d\x0a" if t.reply else None)
    if t.record == "position":
        (p,) = d.positions
        assert (p.fix_time, p.valid, p.lat, p.lon) == (T0, True, 22.5, -114.25)
        assert (p.speed_kmh, p.course_deg) == (56.0, 270.0)
        assert p.attributes == attrs
    else:
        (e,) = d.events
        assert (e.type, e.time, e.device_id, e.attributes) == (t.record, NOW, IMEI, attrs)


@pytest.mark.parametrize("item", HEADER_ITEMS, ids=lambda i: i.key)
def test_header_item(item):
    device = Gt02Device(IMEI)
    for _ in range(6):
        device.packet(0x1A, b"")  # move the serial on to 7
    d = decode(device.packet(0x1A, b"\x00\x00", power=6, gsm=2))
    expected = {"index": 7, "power": 6, "rssi": 2}[item.key]
    assert d.events[0].attributes[item.key] == expected


@pytest.mark.parametrize("bit, meaning", STATUS_BITS)
def test_status_bit(bit, meaning):
    fix = Fix(time=T0, lat=10.0, lon=20.0)
    flipped = {"valid": Fix(time=T0, lat=10.0, lon=20.0, valid=False),
               "north": Fix(time=T0, lat=-10.0, lon=20.0),
               "east": Fix(time=T0, lat=10.0, lon=-20.0)}[meaning]
    (p,) = decode(Gt02Device(IMEI).packet(0x10, encode_location(fix))).positions
    (q,) = decode(Gt02Device(IMEI).packet(0x10, encode_location(flipped))).positions
    assert (p.valid, p.lat, p.lon) == (True, 10.0, 20.0)
    assert (q.valid, q.lat, q.lon) == (flipped.valid, flipped.lat, flipped.lon)


@pytest.mark.parametrize("bit", [3, 4, 15, 31])
def test_status_bits_outside_the_catalogue_are_kept_and_counted(bit):
    d = decode(Gt02Device(IMEI).packet(0x10, encode_location(FIX, extra_status=1 << bit)))
    (p,) = d.positions
    assert p.attributes == {"index": 1, "status": (1 << bit) | 0x03} and d.unknown_items == 1


@pytest.mark.parametrize("course, expected", [(0, 0.0), (360, 360.0), (361, None), (0xFFFF, None)])
def test_course_forms(course, expected):
    content = bytearray(encode_location(FIX))
    content[15:17] = course.to_bytes(2, "big")
    assert decode(Gt02Device(IMEI).packet(0x10, bytes(content))).positions[0].course_deg == expected


def test_limits_and_trailing_content():
    fix = Fix(time=datetime(2000, 1, 1, tzinfo=UTC), lat=-90.0, lon=180.0, speed_kmh=255.0)
    (p,) = decode(Gt02Device(IMEI).packet(0x10, encode_location(fix) + b"\xAA\xBB")).positions
    assert (p.fix_time, p.lat, p.lon, p.speed_kmh) == (fix.time, -90.0, 180.0, 255.0)


@settings(max_examples=150, deadline=None)
@given(seconds=st.integers(0, 99 * 365 * 86400), lat=st.integers(-162_000_000, 162_000_000),
       lon=st.integers(-324_000_000, 324_000_000), speed=st.integers(0, 255),
       course=st.integers(0, 359), valid=st.booleans(), extra=st.integers(0, 2**32 - 1),
       power=st.integers(0, 6), gsm=st.integers(0, 4))
def test_round_trip_over_the_catalogue(seconds, lat, lon, speed, course, valid, extra, power, gsm):
    fix = Fix(time=datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds),
              lat=lat / 1_800_000, lon=lon / 1_800_000, speed_kmh=float(speed),
              course_deg=float(course), valid=valid)
    device = Gt02Device(IMEI)
    d = decode(device.packet(0x10, encode_location(fix, extra_status=extra)))
    (p,) = d.positions
    assert (p.fix_time, p.valid, p.speed_kmh, p.course_deg) == (fix.time, valid, fix.speed_kmh,
                                                                fix.course_deg)
    assert (p.lat, p.lon) == (fix.lat, fix.lon)
    unknown = bin(extra & ~0x07).count("1")
    assert d.unknown_items == unknown
    assert ("status" in p.attributes) == bool(unknown)
    (e,) = decode(device.packet(0x1A, b"", power=power, gsm=gsm)).events
    assert e.attributes == {"index": 2, "power": power, "rssi": gsm}
