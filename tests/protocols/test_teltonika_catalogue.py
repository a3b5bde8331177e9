"""Teltonika: every AVL ID of the catalogue, built with the device-side encoder
and read back with exact values, units and scaling; unknown IDs are kept and
counted; alarms; beacon lists; codec 12/13/14 texts; GH3000 parameters."""

from __future__ import annotations

import struct
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols import Fix
from protocols._checksum import crc16_arc
from protocols.teltonika import Codec, TeltonikaConnection
from protocols.teltonika._catalogue import ALARMS, AVL_IDS, GH3000_IDS
from protocols.teltonika.device import encode_avl_data
from protocols.teltonika.encode import wrap_tcp
from _harness import chunked

NOW = datetime(2024, 3, 1, 12, 30, tzinfo=timezone.utc)
IMEI = "864275071234567"
FIX = Fix(time=datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc), lat=54.6872, lon=25.2797,
          speed_kmh=50.0, course_deg=90.0, altitude_m=-12.0, satellites=7, valid=True)
FIXED = [row for row in AVL_IDS.values() if row[2]]
VARIABLE = [row for row in AVL_IDS.values() if not row[2]]


def expected(row, raw: int):
    """The attribute value a raw element must give, from the row alone."""
    _id, _key, size, kind, scale, _unit, _name = row
    if kind == "b":
        return raw != 0
    if kind == "x":
        return raw.to_bytes(size, "big").hex()
    if kind == "d":
        return str(raw)
    if kind == "k":
        return raw.to_bytes(8, "big")[::-1].hex().upper() if raw else None
    value = raw - (1 << 8 * size) if kind == "s" and raw >> (8 * size - 1) else raw
    if scale is None:
        return value
    return value / round(1 / scale) if scale < 1 else value * scale


def decode(io=None, variable=None, codec=Codec.CODEC_8E, cuts=()):
    data = encode_avl_data([FIX], codec, io=io, variable=variable)
    conn = TeltonikaConnection(device_id=IMEI)
    out = []
    for chunk in chunked(wrap_tcp(data), list(cuts)):
        out.extend(conn.feed(chunk, NOW))
    (decoded,) = out
    (position,) = decoded.positions
    assert decoded.reply == b"\x00\x00\x00\x01"
    return decoded, position


def attribute(position, key):
    return position.hdop if key == "hdop" else position.attributes.get(key)


def sample(row) -> int:
    """A raw value that uses the element's top byte (negative for signed kinds)."""
    size = row[2]
    return (0xA5 << (8 * size - 8)) | (row[0] % 251) if size > 1 else 0x80 | (row[0] % 100)


def test_catalogue_is_complete_and_consistent():
    assert len(AVL_IDS) >= 300
    for avl_id, (row_id, key, size, kind, scale, unit, name) in AVL_IDS.items():
        assert avl_id == row_id and key and name and not key.startswith("io")
        assert size in (0, 1, 2, 4, 8, 16) and kind in "usbxdka" + "beacon" + "tags"
    assert set(ALARMS) <= set(AVL_IDS)


@pytest.mark.parametrize("row", FIXED, ids=lambda row: f"{row[0]}-{row[1]}")
def test_every_fixed_element(row):
    raw = sample(row)
    decoded, p = decode(io={row[0]: (row[2], raw)} if row[2] <= 8 else None,
                        variable={row[0]: raw.to_bytes(row[2], "big")} if row[2] > 8 else None)
    want = expected(row, raw)
    assert attribute(p, row[1]) == want
    assert decoded.unknown_items == 0
    assert not [k for k in p.attributes if k.startswith("io")]


@pytest.mark.parametrize(("avl_id", "size", "raw", "key", "value"), [
    (66, 2, 12600, "power", 12.6),
    (67, 2, 4100, "battery", 4.1),
    (9, 2, 1234, "adc1", 1.234),
    (25, 2, 0xFF9C, "bleTemp1", -1.0),
    (28, 2, 2345, "bleTemp4", 23.45),
    (17, 2, 0xFFFE, "axisX", -2),
    (32, 1, 0xD8, "coolantTemp", -40),
    (72, 4, 0xFFFFFF9C, "temp1", -10.0),
    (115, 2, 905, "engineTemp", 90.5),
    (13, 2, 1234, "fuelConsumption", 12.34),
    (45, 2, 5, "directFuelRailPressure", 50),
    (86, 2, 455, "bleHumidity1", 45.5),
    (84, 2, 505, "fuel", 50.5),
    (12, 4, 1500, "fuelUsed", 1.5),
    (11, 8, 8937020000123456789, "iccid", "8937020000123456789"),
    (238, 8, 0x0000A1B2C3D4E5F6, "userId", "0000a1b2c3d4e5f6"),
    (78, 8, 0x0102030405060708, "driverUniqueId", "0807060504030201"),
    (16, 4, 123456, "odometer", 123456),
    (239, 1, 1, "ignition", True),
    (1, 1, 0, "in1", False),
    (182, 2, 9, "hdop", 0.9),
    (10803, 2, 0xFFF6, "eyeTemp4", -0.1),
    (463, 8, 77, "ble1Custom2", 77),
    (478, 8, 78, "ble4Custom5", 78),
    (231, 1, 1, "geofence50", 1),
])
def test_exact_values_and_units(avl_id, size, raw, key, value):
    _, p = decode(io={avl_id: (size, raw)})
    assert attribute(p, key) == value


def test_unknown_ids_are_kept_raw_and_counted():
    decoded, p = decode(io={999: (2, 77), 66: (2, 12000), 4000: (4, 5)},
                        variable={3000: b"\x01\x02"})
    assert p.attributes["io999"] == 77 and p.attributes["io4000"] == 5
    assert p.attributes["io3000"] == "0102" and p.attributes["power"] == 12.0
    assert decoded.unknown_items == 3


def test_element_with_another_models_size_stays_raw():
    # 113 (battery level) is a 1-byte FMB element; older models send 113 with 4 bytes
    decoded, p = decode(io={113: (4, 0xFFFD8A85)})
    assert p.attributes["io113"] == 0xFFFD8A85 and "batteryLevel" not in p.attributes
    assert decoded.unknown_items == 1


ALARM_CASES = [(avl_id, value, name) for avl_id, table in ALARMS.items()
               for value, name in table.items()]


@pytest.mark.parametrize(("avl_id", "value", "name"), ALARM_CASES)
def test_every_alarm(avl_id, value, name):
    raw = 1 if value is None else value
    _, p = decode(io={avl_id: (1, raw)})
    assert p.attributes["alarm"] == name
    assert p.attributes[AVL_IDS[avl_id][1]] == raw


def test_alarm_cleared_and_several_alarms():
    _, p = decode(io={249: (1, 0), 253: (1, 0)})
    assert "alarm" not in p.attributes and p.attributes["jamming"] == 0
    _, p = decode(io={252: (1, 1), 253: (1, 2)})
    assert p.attributes["alarm"] == "powerCut,hardBraking"


def test_variable_text_elements():
    _, p = decode(variable={256: b"WVWZZZ1JZXW000001", 281: b"P0101,P0300",
                            403: b"JONAS JONAITIS", 388: bytes(range(17))})
    assert p.attributes["vin"] == "WVWZZZ1JZXW000001"
    assert p.attributes["dtcs"] == "P0101 P0300"
    assert p.attributes["driverName"] == "JONAS JONAITIS"
    assert p.attributes["moduleId17"] == bytes(range(17)).hex()


def test_beacon_list_385():
    ibeacon = (bytes([0x33]) + bytes(range(16)) + struct.pack(">HHb", 10, 20, -60)
               + struct.pack(">H", 301))
    eddystone = bytes([0x05]) + bytes(range(10)) + bytes(range(6)) + struct.pack(">bH", -70, 25)
    _, p = decode(variable={385: b"\x11" + ibeacon + eddystone})
    assert p.attributes["beacon1Uuid"] == bytes(range(16)).hex()
    assert (p.attributes["beacon1Major"], p.attributes["beacon1Minor"]) == (10, 20)
    assert p.attributes["beacon1Rssi"] == -60 and p.attributes["beacon1Battery"] == 3.01
    assert p.attributes["beacon2Namespace"] == bytes(range(10)).hex()
    assert p.attributes["beacon2Instance"] == bytes(range(6)).hex()
    assert p.attributes["beacon2Rssi"] == -70 and p.attributes["beacon2Temp"] == 25


@pytest.mark.parametrize("avl_id", [548, 10828, 10829, 10831])
def test_advanced_beacon_data(avl_id):
    tag1 = bytes.fromhex("0001c6" "0106babbf3630055" "0202806d")
    tag2 = bytes.fromhex("0001d1" "0d0101" "0e020bd6" "0f06a1a2a3a4a5a6" "1102abcd")
    raw = b"\x01" + bytes([len(tag1)]) + tag1 + bytes([len(tag2)]) + tag2
    _, p = decode(variable={avl_id: raw})
    assert p.attributes["tag1Rssi"] == -58 and p.attributes["tag1Id"] == "babbf3630055"
    assert p.attributes["tag1Voltage"] == 3090 and "tag1LowBattery" not in p.attributes
    assert p.attributes["tag2Rssi"] == -47 and p.attributes["tag2LowBattery"] == 1
    assert p.attributes["tag2Battery"] == 3030 and p.attributes["tag2Mac"] == "a1a2a3a4a5a6"
    assert p.attributes["tag2Param17"] == "abcd"


def test_eye_low_battery_flag():
    tag = bytes.fromhex("0202c064")
    _, p = decode(variable={548: b"\x01" + bytes([len(tag)]) + tag})
    assert p.attributes["tag1LowBattery"] is True and p.attributes["tag1Voltage"] == 3000


rows_with_values = st.lists(
    st.sampled_from(FIXED).flatmap(
        lambda row: st.tuples(st.just(row), st.integers(0, (1 << (8 * row[2])) - 1))),
    min_size=1, max_size=40, unique_by=lambda pair: pair[0][1])


@settings(max_examples=150, deadline=None)
@given(elements=rows_with_values, codec=st.sampled_from([Codec.CODEC_8E, Codec.CODEC_16]),
       cuts=st.lists(st.integers(0, 10**5), max_size=6))
def test_round_trip_over_the_catalogue(elements, codec, cuts):
    """device encoder -> chunks -> connection: every element decodes to its row's value."""
    if codec == Codec.CODEC_16:
        elements = [(row, raw) for row, raw in elements if row[2] <= 8]
        if not elements:
            return
    io = {row[0]: (row[2], raw) for row, raw in elements if row[2] <= 8}
    variable = {row[0]: raw.to_bytes(row[2], "big") for row, raw in elements if row[2] > 8}
    decoded, p = decode(io=io, variable=variable, codec=codec, cuts=cuts)
    assert decoded.unknown_items == 0
    for row, raw in elements:
        assert attribute(p, row[1]) == expected(row, raw), row


def _message(codec: int, kind: int, body: bytes) -> bytes:
    data = bytes((codec, 1, kind)) + len(body).to_bytes(4, "big") + body + b"\x01"
    return b"\x00" * 4 + len(data).to_bytes(4, "big") + data + crc16_arc(data).to_bytes(4, "big")


def test_codec14_ack_and_nack():
    imei = bytes.fromhex("0352093081452251")
    (d,) = TeltonikaConnection(device_id=IMEI).feed(_message(0x0E, 0x06, imei + b"DOUT1:1"), NOW)
    (event,) = d.events
    assert event.attributes == {"result": "DOUT1:1", "imei": "352093081452251"}
    assert d.reply is None
    (d,) = TeltonikaConnection(device_id=IMEI).feed(_message(0x0E, 0x11, imei), NOW)
    (event,) = d.events
    assert event.attributes == {"result": "", "imei": "352093081452251", "commandRejected": True}


def test_codec12_axle_weights():
    text = b"UUUUww1.5;2;3;4;5;6;7;8;100;200;300;400;SSS"
    (d,) = TeltonikaConnection(device_id=IMEI).feed(_message(0x0C, 0x06, text), NOW)
    attrs = d.events[0].attributes
    assert [attrs[f"axle{i}"] for i in range(1, 9)] == [1.5, 2, 3, 4, 5, 6, 7, 8]
    assert (attrs["loadTruck"], attrs["loadTrailer"], attrs["totalTruck"],
            attrs["totalTrailer"]) == (100, 200, 300, 400)


@pytest.mark.parametrize(("io_id", "raw", "key", "value"), [
    (1, 80, "batteryLevel", 80), (2, 1, "usbConnected", True), (5, 3600, "uptime", 3600),
    (20, 12, "hdop", 1.2), (21, 15, "vdop", 1.5), (22, 19, "pdop", 1.9),
    (67, 3900, "battery", 3.9), (221, 2, "button", 2), (222, 1, "alarm", "sos"),
    (240, 0, "motion", False), (244, 1, "roaming", True), (99, 7, "io99", 7),
])
def test_gh3000_parameters(io_id, raw, key, value):
    assert io_id not in GH3000_IDS or GH3000_IDS[io_id][0] == key or key == "alarm"
    stamp = 283996800
    gps = bytes.fromhex("01") + struct.pack(">ff", 54.5, 25.0)
    size = 1 if raw < 256 else 2
    group = bytes([1, io_id]) + raw.to_bytes(size, "big")
    record = stamp.to_bytes(4, "big") + bytes([0x01 | size << 1]) + gps + group
    data = b"\x07\x01" + record + b"\x01"
    packet = b"\x00" * 4 + len(data).to_bytes(4, "big") + data + crc16_arc(data).to_bytes(4, "big")
    (d,) = TeltonikaConnection(device_id=IMEI).feed(packet, NOW)
    (p,) = d.positions
    assert (p.hdop if key == "hdop" else p.attributes[key]) == value
    assert d.unknown_items == (1 if key.startswith("io") else 0)
