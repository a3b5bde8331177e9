"""Ruptela: every IO ID and command of the catalogue, built with the device-side
encoder and read back with exact values; unknown IDs kept and counted."""

from __future__ import annotations

import struct
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols import Fix
from protocols.ruptela import RuptelaConnection
from protocols.ruptela._catalogue import ALARMS, COMMAND_NAMES, IO_IDS, Command
from protocols.ruptela.decode import DECODERS
from protocols.ruptela.device import encode_packet, encode_record
from protocols.ruptela.encode import RECORDS_ACK
from _harness import chunked

NOW = datetime(2024, 3, 1, 12, 30, tzinfo=timezone.utc)
IMEI = "013227001564487"
FIX = Fix(time=datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc), lat=54.6872, lon=25.2797,
          speed_kmh=50.0, course_deg=90.0, altitude_m=112.0, satellites=7, valid=True)
ROWS = list(IO_IDS.values())


def expected(row, raw: int, size: int):
    _id, _key, kind, scale, _unit, _name = row
    if kind == "b":
        return raw != 0
    if kind == "x":
        return raw.to_bytes(size, "big").hex()
    value = raw - (1 << 8 * size) if kind == "s" and raw >> (8 * size - 1) else raw
    if scale is None:
        return value
    if isinstance(scale, tuple):
        return value * scale[0] / scale[1]
    inverse = 1 / scale
    return value / round(inverse) if scale < 1 and inverse == round(inverse) else value * scale


def decode(io, extended=True, cuts=()):
    data = bytes((0, 1)) + encode_record(FIX, extended, io)
    packet = encode_packet(IMEI, Command.EXTENDED_RECORDS if extended else Command.RECORDS, data)
    conn = RuptelaConnection()
    out = []
    for chunk in chunked(packet, list(cuts)):
        out.extend(conn.feed(chunk, NOW))
    (decoded,) = out
    assert decoded.reply == RECORDS_ACK
    (position,) = decoded.positions
    return decoded, position


def test_catalogue_consistent():
    assert set(ALARMS) <= set(IO_IDS)
    for io_id, (row_id, key, kind, _scale, _unit, name) in IO_IDS.items():
        assert io_id == row_id and key and name and kind in "usbx" and not key.startswith("io")
    assert set(COMMAND_NAMES) <= set(DECODERS)


@pytest.mark.parametrize("size", [1, 2, 4])
@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"{row[0]}-{row[1]}")
def test_every_io_element(row, size):
    raw = (0xA5 << (8 * size - 8)) | (row[0] % 200) if size > 1 else 0x80 | (row[0] % 100)
    decoded, p = decode({row[0]: (size, raw)}, extended=row[0] > 255 or size == 2)
    assert p.attributes[row[1]] == expected(row, raw, size)
    assert decoded.unknown_items == 0


@pytest.mark.parametrize(("io_id", "size", "raw", "key", "value"), [
    (29, 2, 12600, "power", 12.6), (30, 2, 4100, "battery", 4.1),
    (32, 1, 0xF6, "deviceTemp", -10), (78, 2, 0xFF9C, "temp0", -10.0),
    (94, 2, 4000, "rpm", 1000.0), (98, 1, 255, "fuel", 100.0), (100, 2, 50, "fuelConsumption", 2.5),
    (163, 4, 100, "odometer", 500), (165, 2, 15360, "obdSpeed", 60.0),
    (207, 1, 250, "fuelLevel", 100.0), (208, 4, 3, "fuelUsed", 1.5),
    (645, 4, 12, "obdOdometer", 12000), (251, 1, 1, "ignition", True),
    (34, 8, 0x0102030405060708, "driverUniqueId", "0102030405060708"),
])
def test_exact_values(io_id, size, raw, key, value):
    _, p = decode({io_id: (size, raw)})
    assert p.attributes[key] == value


@pytest.mark.parametrize(("io_id", "raw", "alarm"), [
    (88, 1, "jamming"), (134, 1, "hardBraking"), (136, 2, "hardAcceleration"), (410, 1, "tow"),
    (411, 1, "accident"), (415, 0, "gpsAntennaCut"), (758, 1, "tampering"),
])
def test_every_alarm(io_id, raw, alarm):
    assert io_id in ALARMS
    _, p = decode({io_id: (1, raw)})
    assert p.attributes["alarm"] == alarm
    _, p = decode({io_id: (1, 1 if raw == 0 else 0)})
    assert "alarm" not in p.attributes


def test_several_alarms_join():
    _, p = decode({88: (1, 1), 134: (1, 1)})
    assert p.attributes["alarm"] == "jamming,hardBraking"


def test_unknown_kept_and_counted():
    decoded, p = decode({999: (2, 7), 29: (2, 12000), 1000: (1, 1)})
    assert (p.attributes["io999"], p.attributes["io1000"], p.attributes["power"]) == (7, 1, 12.0)
    assert decoded.unknown_items == 2


elements = st.lists(
    st.tuples(st.sampled_from(ROWS), st.sampled_from([1, 2, 4, 8])).flatmap(
        lambda rs: st.tuples(st.just(rs[0]), st.just(rs[1]),
                             st.integers(0, (1 << (8 * rs[1])) - 1))),
    min_size=1, max_size=20, unique_by=lambda e: e[0][1])


@settings(max_examples=150, deadline=None)
@given(elements=elements, cuts=st.lists(st.integers(0, 4000), max_size=5))
def test_round_trip_over_the_catalogue(elements, cuts):
    io = {row[0]: (size, raw) for row, size, raw in elements}
    decoded, p = decode(io, extended=True, cuts=cuts)
    assert decoded.unknown_items == 0
    for row, size, raw in elements:
        assert p.attributes[row[1]] == expected(row, raw, size), row


def test_driver_dlt():
    tracks = [b"%DRIVER^JONAS?", b";1234567890?", b""]
    body = struct.pack(">BIBBB", 1, 1709294400, 1, 2, 3) + b"".join(
        struct.pack(">H", len(t)) + t for t in tracks)
    (d,) = RuptelaConnection().feed(encode_packet(IMEI, Command.DRIVER_DLT, body), NOW)
    (event,) = d.events
    assert event.time == datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)
    assert event.attributes == {"driverUniqueId": "%DRIVER^JONAS?|;1234567890?|",
                                "registrationStatus": 1, "cardStatus": 2, "trackId": 3,
                                "subCommand": 1}
    assert d.reply == bytes.fromhex("000288015385")


@pytest.mark.parametrize("command", [Command.SET_CONNECTION, Command.SET_ODOMETER, Command.SET_IO])
def test_status_answers(command):
    (d,) = RuptelaConnection().feed(encode_packet(IMEI, command, b"\x01\x00"), NOW)
    assert d.events[0].attributes == {"result": "1"} and d.reply is None


@pytest.mark.parametrize("command", [Command.SMS_VIA_GPRS, Command.SMS_VIA_GPRS_RESPONSE,
                                     Command.VERSION, Command.CONFIGURATION, Command.FIRMWARE])
def test_text_answers(command):
    (d,) = RuptelaConnection().feed(encode_packet(IMEI, command, b"pass immobilizer OK\r\n"), NOW)
    assert d.events[0].attributes == {"result": "pass immobilizer OK"}
