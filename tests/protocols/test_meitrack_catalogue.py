"""Meitrack catalogue: every event code, every CCE parameter id and every accepted
AAA form, built with the device-side encoders (``protocols.meitrack.device``)."""

from __future__ import annotations

import struct
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols._records import Fix
from protocols.meitrack import MeitrackConnection
from protocols.meitrack._catalogue import CCE_FIXED, CCE_VARIABLE_IDS, EVENTS
from protocols.meitrack.device import aaa_report, cce_packet, cce_record_bytes
from protocols.meitrack.encode import encode_frame

UTC = timezone.utc
NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
IMEI = "353358017784062"
FIX = Fix(time=datetime(2024, 5, 2, 3, 4, 5, tzinfo=UTC), lat=-33.866543, lon=151.190148,
          speed_kmh=46.5, course_deg=181, altitude_m=-14, satellites=9)
T0 = 767_934_245  # FIX.time in seconds since 2000-01-01


def decode(frame: bytes):
    return MeitrackConnection().receive_frame(frame, NOW)


# ------------------------------------------------------------------ events -------
#: the Traccar alarm of each catalogued event code (None: no alarm)
ALARMS = {1: "sos", 17: "lowBattery", 18: "lowPower", 19: "overspeed", 20: "geofenceEnter",
          21: "geofenceExit", 22: "powerRestored", 23: "powerCut", 36: "tow", 44: "jamming",
          78: "accident", 90: "cornering", 91: "cornering", 129: "hardBraking",
          130: "hardAcceleration", 135: "fatigueDriving"}


@pytest.mark.parametrize("event", sorted(EVENTS))
def test_every_event_code(event):
    d = decode(aaa_report(IMEI, FIX, event))
    (p,) = d.positions
    assert p.attributes["event"] == event
    assert p.attributes.get("alarm") == ALARMS.get(event)
    assert d.unknown_items == 0


def test_unknown_event_code_is_kept_and_counted():
    d = decode(aaa_report(IMEI, FIX, 250))
    assert d.positions[0].attributes["event"] == 250 and "alarm" not in d.positions[0].attributes
    assert d.unknown_items == 1


# ---------------------------------------------------------------- CCE ids --------
#: (group size, id) -> (attribute key, raw value sent, decoded value); keys with "_"
#: are Position fields
FIXED = {
    (1, 0x01): ("event", 1, 1), (1, 0x05): ("_valid", 1, True), (1, 0x06): ("_sat", 12, 12),
    (1, 0x07): ("rssi", 25, 25), (1, 0x14): ("output", 3, 3), (1, 0x15): ("input", 0x81, 0x81),
    (1, 0x47): ("lock", 2, True), (1, 0x97): ("throttle", 40, 40), (1, 0x9D): ("fuel", 77, 77),
    (1, 0xFE69): ("batteryLevel", 90, 90),
    (2, 0x08): ("_speed", 88, 88.0), (2, 0x09): ("_course", 359, 359.0),
    (2, 0x0A): ("_hdop", 12, 1.2), (2, 0x0B): ("_alt", 0xFFF4, -12.0),
    (2, 0x16): ("adc1", 1234, 12.34), (2, 0x17): ("adc2", 5, 0.05), (2, 0x18): ("adc3", 100, 1.0),
    (2, 0x19): ("battery", 412, 4.12), (2, 0x1A): ("power", 1270, 12.7),
    (2, 0x29): ("fuel", 5025, 50.25), (2, 0x40): ("event", 35, 35),
    (2, 0x91): ("obdSpeed", 61, 61), (2, 0x92): ("obdSpeed", 62, 62),
    (2, 0x98): ("fuelUsed", 300, 300), (2, 0x99): ("rpm", 2100, 2100),
    (2, 0x9C): ("coolantTemp", 90, 90), (2, 0x9F): ("temp1", 85, 85),
    (2, 0xC9): ("fuelConsumption", 12, 12),
    (4, 0x02): ("_lat", 0xFDFB_8D91, -33.845871), (4, 0x03): ("_lon", 151_190_148, 151.190148),
    (4, 0x04): ("_time", T0, FIX.time), (4, 0x0C): ("odometer", 65551, 65551),
    (4, 0x0D): ("hours", 3600, 3_600_000), (4, 0x25): ("driverUniqueId", 12345678, "12345678"),
    (4, 0x9B): ("obdOdometer", 99999, 99999), (4, 0xA0): ("fuelUsed", 12345, 12.345),
    (4, 0xA2): ("fuelConsumption", 1234, 12.34), (4, 0xFEF4): ("hours", 90, 5_400_000),
}
_FIELDS = {"_valid": "valid", "_sat": "satellites", "_speed": "speed_kmh",
           "_course": "course_deg", "_hdop": "hdop", "_alt": "altitude_m", "_lat": "lat",
           "_lon": "lon", "_time": "fix_time"}


def test_fixed_catalogue_is_tested_whole():
    assert set(FIXED) == {(size, pid) for size, ids in CCE_FIXED.items() for pid in ids}


def _groups(size: int, pid: int, raw: bytes) -> list[list[tuple[int, bytes]]]:
    groups: list[list[tuple[int, bytes]]] = [[], [], [(0x04, struct.pack("<I", T0))], []]
    if (size, pid) != (4, 0x04):
        groups[{1: 0, 2: 1, 4: 2, 0: 3}[size]].append((pid, raw))
    return groups


@pytest.mark.parametrize("size, pid", sorted(FIXED))
def test_every_fixed_cce_id(size, pid):
    key, raw, value = FIXED[(size, pid)]
    d = decode(cce_packet(IMEI, [cce_record_bytes(_groups(size, pid, raw.to_bytes(size, "little")))]))
    (p,) = d.positions
    got = getattr(p, _FIELDS[key]) if key in _FIELDS else p.attributes[key]
    assert got == value
    assert d.unknown_items == 0


VARIABLE = {
    0x0E: (struct.pack("<HHHIh", 460, 1, 0x27BD, 0x0DD6_0001, -71),
           {"mcc": 460, "mnc": 1, "lac": 0x27BD, "cid": 0x0DD6_0001}),
    **{i: (struct.pack("<HHHIh", 460, 0, 10, 20, -80), {f"cell{i - 0x0D}": "460,0,10,20,-80"})
       for i in (0x0F, 0x10, 0x12, 0x13)},
    **{i: (bytes.fromhex("a1b2c3d4e5f6") + struct.pack("<h", -60),
           {f"wifi{i - 0x1C}": "a1:b2:c3:d4:e5:f6,-60"}) for i in range(0x1D, 0x26)},
    **{i: (b"\x01" + struct.pack("<h", -1025), {f"temp{i - 0x2A}": -10.25})
       for i in range(0x2A, 0x32)},
    0x4B: (b"\x01\x01\x03LTE", {"networkType": "LTE"}),
    0xFE31: (b"\x02\x0720240101093000_CH2.jpg",
             {"alarmType": 7, "image": "2024-01-01/20240101093000_CH2.jpg"}),
    0xFE73: (b"\x01\x04Cold" + bytes.fromhex("a1b2c3d4e5f6") + b"\x64"
             + struct.pack("<hH", -1280, 12800) + bytes(8),
             {"tagName": "Cold", "tagMac": "a1b2c3d4e5f6", "tagBattery": 100, "tagTemp": -5.0,
              "tagHumidity": 50.0}),
    0xFEA8: (bytes([1, 55, 1, 66, 0, 9, 0]), {"batteryLevel": 55, "battery2Level": 66}),
}


def test_variable_catalogue_is_tested_whole():
    assert set(VARIABLE) == set(CCE_VARIABLE_IDS)


@pytest.mark.parametrize("pid", sorted(VARIABLE))
def test_every_variable_cce_id(pid):
    raw, expected = VARIABLE[pid]
    d = decode(cce_packet(IMEI, [cce_record_bytes(_groups(0, pid, raw))]))
    assert d.positions[0].attributes == expected and d.unknown_items == 0


def test_unknown_cce_ids_are_kept_and_counted():
    groups = [[(0x1B, b"\x07")], [(0xFE90, b"\x01\x02")], [(0x1C, b"\x01\x00\x00\x00")],
              [(0x49, b"\x04\x03\x00")]]
    groups[2].append((0x04, struct.pack("<I", T0)))
    d = decode(cce_packet(IMEI, [cce_record_bytes(groups)]))
    assert d.positions[0].attributes == {"io27": 7, "io65168": 0x0201, "io28": 1,
                                         "io73": "040300"}
    assert d.unknown_items == 4


# ------------------------------------------------------------------ AAA forms ----
def _aaa(text: str):
    return decode(encode_frame(IMEI, "AAA," + text, "F", mark=b"$$"))


def test_aaa_time_forms():
    base = ",A,9,20,0,0,1,5,0,0,460|0|1|1,0000,0000|0000|0000|0190|04E2"
    (p,) = _aaa("35,1.5,2.5,240502030405" + base).positions
    (q,) = _aaa("35,1.5,2.5,20240502030405" + base).positions
    assert p.fix_time == q.fix_time == FIX.time


def test_aaa_number_forms_negative_altitude_and_cell():
    (p,) = _aaa("35,-1,-2,240502030405,V,0,0,12.5,90.5,0.8,-25.5,0,0,262|2|0B67|5A6C,1234,"
                "|||0A2D|0000").positions
    assert (p.lat, p.lon, p.valid, p.speed_kmh, p.course_deg, p.hdop, p.altitude_m) == (
        -1.0, -2.0, False, 12.5, 90.5, 0.8, -25.5)
    assert p.attributes == {"event": 35, "rssi": 0, "odometer": 0, "hours": 0, "mcc": 262,
                            "mnc": 2, "lac": 0x0B67, "cid": 0x5A6C, "input": 0x12,
                            "output": 0x34, "battery": 26.05, "power": 0.0}


def test_aaa_old_protocol_temperature_event_data_and_taximeter():
    cols = ["0000|0000|0000|0190|04E2", "00000001", "", "1", "1A32", "01FF32|02051E"]
    d = decode(aaa_report(IMEI, FIX, 35, extra=cols[1:]))
    a = d.positions[0].attributes
    assert (a["eventData"], a["fuel"], a["temp1"], a["temp2"]) == ("00000001", 26.5, -1.5, 5.3)
    d = decode(aaa_report(IMEI, FIX, 109, extra=["", "", "108", "0000", "", "6", "0", "T9", "",
                                                 "", "", "10|171227173100"]))
    a = d.positions[0].attributes
    assert (a["tempData"], a["taximeterOn"], a["taximeterStart"]) == ("T9", True, "171227173100")
    assert a["io22"] == "0" and d.unknown_items == 2  # data 0 and event 109


def test_aaa_unknown_columns_are_kept():
    d = decode(aaa_report(IMEI, FIX, 35, extra=["", "custom", "3", "", "", "", "77"]))
    a = d.positions[0].attributes
    assert (a["io17"], a["io22"]) == ("custom", "77") and d.unknown_items == 2


def test_d03_requests_the_first_picture_packet():
    d = decode(encode_frame(IMEI, "D03,OK", "D", mark=b"$$"))
    assert d.reply == encode_frame(IMEI, "D00,camera_picture.jpg,0", "D")
    assert d.events[0].attributes == {"result": "D03,OK"}


# ------------------------------------------------------------- round trip -------
_LINEAR = [(k, v) for k, v in FIXED.items() if not v[0].startswith("_")
           and v[0] not in ("event", "lock", "driverUniqueId")]


@st.composite
def records(draw):
    chosen = draw(st.lists(st.sampled_from(_LINEAR), unique_by=lambda kv: kv[1][0],
                           max_size=12))
    groups: list[list[tuple[int, bytes]]] = [[], [], [], []]
    expected = {}
    for (size, pid), (key, raw0, val0) in chosen:
        raw = draw(st.integers(0, min(0xFFFF, 256 ** size - 1)))
        groups[{1: 0, 2: 1, 4: 2}[size]].append((pid, raw.to_bytes(size, "little")))
        expected[key] = round(raw * (val0 / raw0), 6) if isinstance(val0, float) else \
            raw * (val0 // raw0)
    event = draw(st.sampled_from(sorted(EVENTS)))
    groups[0].append((0x01, bytes([event])))
    expected["event"] = event
    if ALARMS.get(event):
        expected["alarm"] = ALARMS[event]
    lat = draw(st.integers(-90_000_000, 90_000_000))
    lon = draw(st.integers(-180_000_000, 180_000_000))
    seconds = draw(st.integers(0, 2**31))
    groups[2] += [(0x02, struct.pack("<i", lat)), (0x03, struct.pack("<i", lon)),
                  (0x04, struct.pack("<I", seconds))]
    fix = (lat / 1e6, lon / 1e6, datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds))
    return groups, expected, fix


@settings(max_examples=150, deadline=None)
@given(st.lists(records(), min_size=1, max_size=4))
def test_round_trip_over_the_catalogue(batch):
    d = decode(cce_packet(IMEI, [cce_record_bytes(g, i) for i, (g, _, _) in enumerate(batch)]))
    assert d.unknown_items == 0
    assert [(p.lat, p.lon, p.fix_time) for p in d.positions] == [f for _, _, f in batch]
    assert [p.attributes for p in d.positions] == [e for _, e, _ in batch]


@pytest.mark.parametrize(("model", "battery", "power"), [
    ("MVT340", 12.0, 48.0), ("MVT380", 12.0, 48.0), ("T1", 3.3, 13.2), ("T3", 3.3, 13.2),
    ("MVT100", 3.3, 13.2), ("MVT600", 3.3, 13.2), ("MVT800", 3.3, 13.2), ("TC68", 3.3, 13.2),
    ("TC68S", 3.3, 13.2), ("MT90", 3.3, 1024.0), ("MT90G", 3.0, 1024.0),
    ("T333", 20.48, 10.24), (None, 20.48, 10.24),
])
def test_adc_scale_per_model(model, battery, power):
    from protocols._connection import ConnectionOptions

    extra = {"model": model} if model else {}
    conn = MeitrackConnection(options=ConnectionOptions(extra=extra))
    frame = aaa_report(IMEI, FIX, analog="0000|0000|0000|0800|0400")
    (p,) = conn.receive_frame(frame, NOW).positions
    assert (p.attributes["battery"], p.attributes["power"]) == (battery, power)
