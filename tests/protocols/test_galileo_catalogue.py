"""Galileosky: every tag of the table, built with the device-side encoder and
read back with exact values and scaling; extended tags; tags outside the table
kept and counted."""

from __future__ import annotations

import struct
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols import Fix
from protocols.galileo import GalileoConnection
from protocols.galileo._catalogue import EXTENDED_ROWS, TAG_ROWS, VARIABLE
from protocols.galileo.device import encode_record
from protocols.galileo.encode import wrap
from _harness import chunked

NOW = datetime(2024, 3, 1, 12, 30, tzinfo=timezone.utc)
IMEI = "868204001234567"
FIX = Fix(time=datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc), lat=54.687234, lon=-25.279756,
          speed_kmh=50.5, course_deg=90.5, altitude_m=-12.0, satellites=7, valid=True)
#: tags every record of the device encoder carries
BASE_TAGS = {0x10, 0x20, 0x30, 0x33, 0x34, 0x35}
PLAIN = [row for row in TAG_ROWS if row[3] in "usxd" and row[1] > 0 and row[0] not in BASE_TAGS]


def expected(row, value: bytes):
    _tag, size, _key, kind, scale, _name = row
    if kind == "x":
        return value.hex()
    number = int.from_bytes(value, "little", signed=kind == "s")
    if kind == "d":
        return str(number) if number else None
    if scale is None:
        return number
    if isinstance(scale, tuple):
        return number * scale[0] / scale[1]
    inverse = 1 / scale
    return number / round(inverse) if scale < 1 and inverse == round(inverse) else number * scale


def decode(tags, cuts=()):
    frame = wrap(encode_record(FIX, 1, tags))
    conn = GalileoConnection(device_id=IMEI)
    out = []
    for chunk in chunked(frame, list(cuts)):
        out.extend(conn.feed(chunk, NOW))
    (decoded,) = out
    assert decoded.reply == b"\x02" + frame[-2:]
    (position,) = decoded.positions
    assert (position.lat, position.lon, position.altitude_m) == (54.687234, -25.279756, -12.0)
    return decoded, position


def sample(row) -> bytes:
    size = row[1]
    return bytes((0xA0 + (row[0] + i) % 0x50) for i in range(size))


def test_table_consistent():
    tags = [row[0] for row in TAG_ROWS]
    assert len(tags) == len(set(tags)) and len(tags) >= 160
    for tag, size, key, kind, _scale, name in TAG_ROWS:
        assert 0 < tag <= 0xFF and key and name and (size > 0 or size == VARIABLE)


@pytest.mark.parametrize("row", PLAIN, ids=lambda row: f"{row[0]:#04x}-{row[2]}")
def test_every_plain_tag(row):
    value = sample(row)
    decoded, p = decode([(row[0], value)])
    assert p.attributes.get(row[2]) == expected(row, value)
    assert decoded.unknown_items == (1 if row[2].startswith("io") else 0)


@pytest.mark.parametrize(("tag", "value", "attributes"), [
    (0x41, struct.pack("<H", 12600), {"power": 12.6}),
    (0x43, b"\xf6", {"deviceTemp": -10}),
    (0x50, struct.pack("<H", 5000), {"adc0": 5000}),
    (0x90, struct.pack("<I", 12345678), {"driverUniqueId": "12345678"}),
    (0x90, bytes(4), {}),
    (0xC0, struct.pack("<I", 3), {"fuelTotal": 1.5}),
    (0xC1, bytes.fromhex("fa725025"), {"fuel": 100.0, "temp1": 74, "rpm": 1194.0}),
    (0x63, bytes.fromhex("e803f6"), {"fuel3": 1000, "fuelTemp3": -10}),
    (0x6F, bytes.fromhex("010010"), {"fuel15": 1, "fuelTemp15": 16}),
    (0x70, bytes.fromhex("0110"), {"thermometer0Id": 1, "thermometer0": 16}),
    (0x77, bytes.fromhex("7f80"), {"thermometer7Id": 127}),
    (0x80, bytes.fromhex("011020"), {"ds19230Id": 1, "ds19230Temp": 16,
                                     "ds19230Humidity": 32 * 100 / 255}),
    (0x47, bytes.fromhex("64321e0a"), {"ecoAcceleration": 1.0, "ecoBraking": 0.5,
                                       "ecoCornering": 0.3, "ecoBumps": 0.1}),
    (0x8A, b"\xec", {"fuelTemp0": -20}),
    (0x36, b"\x0c", {"pdop": 1.2}),
    (0xE1, b"OUT 1", {"result": "OUT 1"}),
    (0xEA, b"\x01\x02", {"userDataArray": "0102"}),
])
def test_exact_values(tag, value, attributes):
    _, p = decode([(tag, value)])
    assert p.attributes == {"index": 1, **attributes}  # index: the encoder's record number


def test_milliseconds_complete_the_time():
    _, p = decode([(0x21, struct.pack("<H", 250))])
    assert p.fix_time == FIX.time + timedelta(milliseconds=250)


EXTENDED_CASES = [
    (0x0001, struct.pack("<I", 12345), {"modbus0": 123.45}),
    (0x0080, struct.pack("<I", 100), {"modbus63": 1.0}),
    (0x0021, struct.pack("<I", 7), {"bluetooth0": 7}),
    (0x0060, struct.pack("<I", 8), {"bluetooth63": 8}),
    (0x0081, struct.pack("<H", 4321), {"cid": 4321}),
    (0x0082, struct.pack("<H", 77), {"lac": 77}),
    (0x0083, struct.pack("<H", 246), {"mcc": 246}),
    (0x0084, struct.pack("<H", 1), {"mnc": 1}),
    (0x0085, b"\x1f", {"rssi": 31}),
    (0x0086, bytes.fromhex("0600801a"), {"tempExt0Id": 6, "tempExt0": 26.5}),
    (0x008D, bytes.fromhex("7f000080"), {"tempExt7Id": 127, "tempExt7": -128.0}),
    (0x008E, bytes.fromhex("0a051e33"), {"satGpsVisible": 10, "satGpsUsed": 5,
                                         "satGpsSnrMean": 30, "satGpsSnrMax": 51}),
    (0x0092, b"250998207029051", {"imsi": "250998207029051"}),
    (0x00AD, bytes.fromhex("0080c25e265a"), {"wifiMac": "0080c25e265a"}),
    (0x00D9, bytes.fromhex("1e1400"), {"tpms0": "1e1400"}),
    (0x00FC, b"\x0d", {"recordReason": 13}),
]


@pytest.mark.parametrize(("ext", "value", "attributes"), EXTENDED_CASES)
def test_extended_tags(ext, value, attributes):
    assert ext in EXTENDED_ROWS and EXTENDED_ROWS[ext][0] == len(value)
    decoded, p = decode([(0xFE, struct.pack("<H", ext) + value)])
    assert p.attributes == {"index": 1, **attributes} and decoded.unknown_items == 0


def test_every_extended_tag_size():
    for ext, (size, key, _kind, _scale) in EXTENDED_ROWS.items():
        raw = struct.pack("<H", ext) + bytes(range(1, size + 1)) + struct.pack("<H", 0x0085) + b"\x05"
        decoded, p = decode([(0xFE, raw)])
        assert p.attributes["rssi"] == 5 and decoded.unknown_items == 0, key


def test_unknown_extended_tag_keeps_the_rest():
    decoded, p = decode([(0xFE, struct.pack("<H", 0x0085) + b"\x05" + struct.pack("<H", 0x2724)
                          + b"\x01\x02")])
    assert p.attributes == {"index": 1, "rssi": 5, "io254_10020": "0102"}
    assert decoded.unknown_items == 1


rows_with_values = st.lists(
    st.sampled_from(PLAIN).flatmap(lambda row: st.tuples(st.just(row), st.binary(
        min_size=row[1], max_size=row[1]))),
    min_size=1, max_size=30, unique_by=lambda pair: pair[0][0])


@settings(max_examples=150, deadline=None)
@given(elements=rows_with_values, cuts=st.lists(st.integers(0, 3000), max_size=5))
def test_round_trip_over_the_table(elements, cuts):
    """device encoder -> chunks -> connection: each tag gives its row's value."""
    decoded, p = decode([(row[0], value) for row, value in elements], cuts)
    for row, value in elements:
        assert p.attributes.get(row[2]) == expected(row, value), hex(row[0])
