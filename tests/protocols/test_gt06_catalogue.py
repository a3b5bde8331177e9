"""GT06 catalogue: one test per catalogue entry, built with the device-side encoders, exact values.

Tables under test: constants.ALARM_CODES / FAMILY_ALARMS / TERMINAL_ALARMS / ALARM_95 /
AZ735_STATUS / INFO_TYPES / VOLTAGE_LEVELS, _catalogue.MODULES_70 / MODULES_36 / MODULES_37 /
ITEMS_F1 / OBD_PIDS / MODULAR_EVENTS, and the accepted time/number forms of _location.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from _harness import chunked
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols._records import Fix
from protocols.gt06 import Gt06Connection, encode
from protocols.gt06 import device as dev
from protocols.gt06._catalogue import (
    ITEMS_F1,
    MODULAR_EVENTS,
    MODULES_36,
    MODULES_37,
    MODULES_70,
    OBD_PIDS,
)
from protocols.gt06.constants import (
    ALARM_95,
    ALARM_CODES,
    AZ735_STATUS,
    FAMILY_ALARMS,
    TERMINAL_ALARMS,
    VOLTAGE_LEVELS,
)

NOW = datetime(2024, 3, 5, 10, 20, 30, tzinfo=UTC)
IMEI = "864717003283581"
T = datetime(2024, 3, 5, 10, 20, 30, tzinfo=UTC)
FIX = Fix(time=T, lat=54.94535, lon=-24.01762, speed_kmh=60, course_deg=270, satellites=9)
FAMILY_MODELS = {"lw": "LW4G-4B", "seeworld": "SEEWORLD", "vl": "VL103"}


def conn(model: str | None = None) -> Gt06Connection:
    c = Gt06Connection(model=model)
    c.receive_frame(dev.encode_login(IMEI, 1, tz_word=0x0000), NOW)  # GMT+0:00: dates are UTC
    return c


def decode(frame: bytes, model: str | None = None):
    return conn(model).receive_frame(frame, NOW)


def only_position(frame: bytes, model: str | None = None):
    d = decode(frame, model)
    assert d.events == () and len(d.positions) == 1
    return d.positions[0], d


def only_event(frame: bytes, model: str | None = None):
    d = decode(frame, model)
    assert d.positions == () and len(d.events) == 1
    return d.events[0], d


def assert_fix(p) -> None:
    assert p.device_id == IMEI and p.fix_time == T and p.valid is True
    assert p.lat == pytest.approx(98901630 / 1_800_000, abs=1e-12)
    assert p.lon == pytest.approx(-43231716 / 1_800_000, abs=1e-12)
    assert (p.speed_kmh, p.course_deg, p.satellites) == (60.0, 270.0, 9)


# ---- alarm byte, information bits, levels ------------------------------------------------

@pytest.mark.parametrize("code", sorted(ALARM_CODES))
@pytest.mark.parametrize("msg_type", [0x16, 0x26, 0x27, 0xA4])
def test_alarm_code(code, msg_type):
    fence = 3 if msg_type in (0x27, 0xA4) else None
    p, d = only_position(dev.encode_alarm(FIX, 7, msg_type=msg_type, info=0x40, alarm=code, fence=fence))
    assert_fix(p)
    name = ALARM_CODES[code][0]
    expected = {"status": 0x40, "ignition": False, "charge": False, "blocked": False, "armed": False,
                "batteryLevel": 100, "rssi": 4}
    expected.update({"alarm": name} if name else {"event": code})
    if fence is not None:
        expected["geofence"] = 3
    assert p.attributes == expected and d.unknown_items == 0
    assert d.reply == encode.ack(msg_type, 7) and d.defer_reply


def test_unknown_alarm_code_is_kept_and_counted():
    p, d = only_position(dev.encode_alarm(FIX, 7, info=0x40, alarm=0x7E))
    assert p.attributes["event"] == 0x7E and "alarm" not in p.attributes and d.unknown_items == 1


@pytest.mark.parametrize("family,code,name", [(f, c, n) for f, t in FAMILY_ALARMS.items() for c, n in t.items()])
def test_family_alarm_code(family, code, name):
    p, _ = only_position(dev.encode_alarm(FIX, 7, info=0x40, alarm=code), FAMILY_MODELS[family])
    assert p.attributes["alarm"] == name


@pytest.mark.parametrize("bits,name", sorted(TERMINAL_ALARMS.items()))
def test_terminal_information_alarm_bits(bits, name):
    e, d = only_event(dev.encode_status(3, info=bits << 3, alarm=0))
    assert e.type == "alarm" and e.attributes["alarm"] == name and e.time == NOW
    assert d.reply == encode.ack(0x13, 3) and d.defer_reply


def test_terminal_bits_and_alarm_byte_accumulate():
    e, _ = only_event(dev.encode_status(3, info=(4 << 3) | 0x83, alarm=0x06))
    assert e.attributes == {"status": 0xA3, "ignition": True, "charge": False, "blocked": True,
                            "armed": True, "batteryLevel": 100, "rssi": 4, "alarm": "sos,overspeed"}


@pytest.mark.parametrize("level", sorted(VOLTAGE_LEVELS) + [7, 55, 100, 101, 255])
def test_voltage_level_forms(level):
    e, _ = only_event(dev.encode_status(3, level=level, gsm=2))
    expected = level * 100 // 6 if level <= 6 else level if level <= 100 else None
    assert e.attributes.get("batteryLevel") == expected and e.attributes["rssi"] == 2


@pytest.mark.parametrize("four_g", [False, True])
def test_lbs_status_alarm_events(four_g):
    e, d = only_event(dev.encode_lbs_status(5, four_g=four_g, info=0x02, level=3, alarm=0x2C))
    assert d.reply == encode.ack(0xA5 if four_g else 0x19, 5)
    assert (e.type, e.time) == ("alarm", NOW)
    assert e.attributes == {"status": 2, "ignition": True, "charge": False, "blocked": False,
                            "armed": False, "batteryLevel": 50, "rssi": 4, "alarm": "accident"}


def test_fence_alarm_twelve_bit_code_and_mileage():
    frame = dev.encode_alarm(FIX, 7, msg_type=0x27, info=0x40, alarm=0x13, language=0x12, fence=0xFF)
    p, d = only_position(frame)
    assert p.attributes["event"] == 0x113 and "alarm" not in p.attributes and d.unknown_items == 1
    p, _ = only_position(dev.encode_alarm(FIX, 7, msg_type=0x26, info=0x40, alarm=0x13, mileage=4321))
    assert p.attributes["alarm"] == "tampering" and p.attributes["odometer"] == 4321


# ---- locations with upload tails ---------------------------------------------------------

@pytest.mark.parametrize("msg_type", [0x22, 0x2D, 0x31, 0xA0])
@pytest.mark.parametrize("mileage", [None, 987654])
def test_upload_location(msg_type, mileage):
    frame = dev.encode_upload_location(FIX, 9, msg_type=msg_type, acc=True, mode=0x03, reupload=True,
                                       mileage=mileage)
    p, d = only_position(frame)
    assert_fix(p)
    expected = {"ignition": True, "event": 3, "archive": True}
    if mileage is not None:
        expected["odometer"] = mileage
    assert p.attributes == expected and d.unknown_items == 0


# ---- 0x94 information transfer -------------------------------------------------------------

INFO_CASES = [
    (0x00, bytes.fromhex("049f"), {"adc1": 11.83}),
    (0x04, b"ALM1=FF;ALM2=C5;ALM3=5C;ALM4=01;STA1=C0;DYD=01;SOS=12345", {
        "alarm1Status": 0xFF, "alarm2Status": 0xC5, "alarm3Status": 0x5C, "alarm4Status": 1,
        "otherStatus": 0xC0, "engineStatus": 1}),
    (0x05, b"\x05", {"door": True, "io1": True}),
    (0x05, bytes.fromhex("180305102030") + b"\x02", {"door": False, "io1": False}),
    (0x09, bytes((3, 4, 30, 31, 32, 33, 2, 20, 21)), {"sat": 4, "satVisible": 6}),
    (0x0A, bytes.fromhex("0123456789012345" "0460001234567890" "8986001234567890123f"),
     {"imei": "123456789012345", "imsi": "460001234567890", "iccid": "8986001234567890123"}),
    (0x0B, b"\x01", {"networkTechnology": "4G"}),
    (0x0B, b"\x00", {"networkTechnology": "2G"}),
    (0x0B, bytes.fromhex("04d2"), {"power": 12.34}),
    (0x0D, b"!AIOIL,02,002.720,029.500,524J,0100,003.400,0,00,93", {"temp1": 29.5, "fuel": 3.4}),
    (0x1B, bytes.fromhex("02084277efef3503"), {"driverUniqueId": "4277efef"}),
    (0x1B, b"SN1234 ", {"serial": "SN1234"}),
    (0x1E, (-125).to_bytes(4, "big", signed=True) + (456).to_bytes(4, "big"), {"temp1": -12.5, "humidity": 45.6}),
]


@pytest.mark.parametrize("sub_type,data,expected", INFO_CASES)
def test_information_transfer_sub_type(sub_type, data, expected):
    e, d = only_event(dev.encode_info(sub_type, data, 4))
    assert (e.type, e.time, e.attributes, d.unknown_items) == ("status", NOW, expected, 0)
    assert d.reply is None


def test_information_transfer_unknown_sub_type_kept():
    e, d = only_event(dev.encode_info(0x08, b"\x01\x02\x03", 4))
    assert e.attributes == {"info8": "010203"} and d.unknown_items == 1


def test_information_transfer_short_frame_is_signed_voltage():
    e, _ = only_event(encode.packet(0x94, (-5).to_bytes(2, "big", signed=True), 4))
    assert e.attributes == {"power": -0.05}
    e, _ = only_event(encode.packet(0x94, bytes.fromhex("04eb"), 4))
    assert e.attributes == {"power": 12.59}


# ---- module / IO catalogues ------------------------------------------------------------------

def _raw_and_expected(kind: str, scale):
    if kind == "hex":
        return bytes.fromhex("89860012345678901234"), "89860012345678901234"
    raw = {"u8": 200, "u16": 4321, "u32": 3_000_000_000, "u32le": 123_456, "s16": -300, "s32": -70000}[kind]
    return dev.encode_value(kind, raw), raw * scale if scale is not None else raw


@pytest.mark.parametrize("module", sorted(MODULES_70))
def test_modular_module(module):
    key, kind, scale = MODULES_70[module]
    data, expected = _raw_and_expected(kind, scale)
    e, d = only_event(dev.encode_modular([(module, data)], 6))
    assert e.attributes == {key: pytest.approx(expected) if isinstance(expected, float) else expected}
    assert d.unknown_items == 0 and d.reply == encode.ack(0x70, 6)


@pytest.mark.parametrize("code", sorted(MODULAR_EVENTS))
def test_modular_event_alarm(code):
    e, _ = only_event(dev.encode_modular([(0x002B, bytes((code,)))], 6))
    assert (e.type, e.attributes) == ("alarm", {"event": code, "alarm": MODULAR_EVENTS[code]})


def test_modular_gps_negative_altitude_tag_and_unknown():
    gps = (int(T.timestamp()).to_bytes(4, "big") + b"\x07" + (-42).to_bytes(2, "big", signed=True)
           + dev.gps_block(FIX)[7:])
    tag = bytes.fromhex("c4a82841074a") + (3000).to_bytes(2, "big") + b"\x64" \
        + (-15).to_bytes(2, "big", signed=True) + (55).to_bytes(2, "big") + b"\x07"
    p, d = only_position(dev.encode_modular([(0x0033, gps), (0x007F, tag), (0x0999, b"\x01\x02")], 6))
    assert (p.fix_time, p.altitude_m, p.satellites, p.speed_kmh) == (T, -42.0, 7, 60.0)
    assert p.lat == pytest.approx(FIX.lat, abs=1e-6) and p.lon == pytest.approx(FIX.lon, abs=1e-6)
    assert p.attributes == {"tag1Id": "c4a82841074a", "tag1Battery": 3.0, "tag1BatteryLevel": 100,
                            "tag1Temp": -1.5, "tag1Humidity": 55, "tag1Status": 7, "io2457": 0x0102}
    assert d.unknown_items == 1


@pytest.mark.parametrize("module", sorted(MODULES_36))
def test_status_36_module(module):
    key, kind, scale = MODULES_36[module]
    data, expected = _raw_and_expected(kind, scale)
    e, d = only_event(dev.encode_status_36([(module, data)], 2, info=0x00, level=5))
    assert d.unknown_items == 0 and d.reply == encode.ack(0x36, 2)
    assert e.attributes == {"status": 0, "ignition": False, "charge": False, "blocked": False,
                            "armed": False, "batteryLevel": 83, "rssi": 4, key: expected}


@pytest.mark.parametrize("module", sorted(MODULES_37))
def test_location_37_module(module):
    key, kind, scale = MODULES_37[module]
    data, expected = _raw_and_expected(kind, scale)
    p, d = only_position(dev.encode_location_37(FIX, [(module, data), (0x0100, b"\x05")], 2))
    assert_fix(p)
    assert p.attributes == {"ignition": True, "event": 0, "archive": False, key: expected, "io256": 5}
    assert d.unknown_items == 1


@pytest.mark.parametrize("item", sorted(ITEMS_F1))
def test_io_item(item):
    key, kind, scale = ITEMS_F1[item]
    data, expected = _raw_and_expected(kind, scale)
    e, d = only_event(dev.encode_io(T, [(item, data), (0x0001, b"\x01")], 2))
    assert e.attributes == {key: expected, "io1": 1} and d.unknown_items == 1
    assert d.reply == encode.ack_extended(0xF1, 2)


@pytest.mark.parametrize("pid", sorted(OBD_PIDS))
def test_obd_pid(pid):
    key, scale = OBD_PIDS[pid]
    value = "LSGJA52U7BH012345" if scale is None else "1F4A"
    e, d = only_event(dev.encode_obd(T, [(f"{pid:02X}01", value), ("FF01", "7")], 3))
    assert e.time == T and e.attributes["ignition"] is True
    assert e.attributes[key] == (value if scale is None else pytest.approx(0x1F4A * scale))
    assert e.attributes["obdFF01"] == "7" and d.unknown_items == 1


# ---- camera alarms, AZ735, command replies ---------------------------------------------------

@pytest.mark.parametrize("code", sorted(ALARM_95))
def test_camera_alarm_short_and_long(code):
    e, _ = only_event(dev.encode_alarm_95(T, code, 1))
    assert (e.type, e.time) == ("alarm", T)
    assert e.attributes == {"event": code, "alarm": "general" if code == 1 else ALARM_95[code]}
    files = "EVENT_1.mp4,EVENT_2.mp4"
    p, _ = only_position(dev.encode_alarm_95(T, code, 1, fix=FIX, event_data=9, files=files))
    assert (p.fix_time, p.valid, p.speed_kmh, p.satellites) == (T, True, None, None)
    assert p.lat == pytest.approx(FIX.lat, abs=1e-6) and p.lon == pytest.approx(FIX.lon, abs=1e-6)
    assert p.attributes == {"event": code, "eventData": 9, "alarm": ALARM_95[code], "eventFiles": files}


@pytest.mark.parametrize("status", sorted(AZ735_STATUS))
def test_az735_alarm_status(status):
    body = dev.gps_block(FIX)[:6] + b"\x0c" + dev.gps_block(FIX)[6:] + b"\x09" + dev.cell_2g() \
        + b"\x33" + b"\x00" + b"\x00" + bytes((status,)) + b"\x00"
    p, d = only_position(encode.packet(0x33, body, 4, extended=True))
    assert_fix(p)
    key, value = AZ735_STATUS[status]
    assert p.attributes == {"rssi": 0x33, "status": status, key: value}
    assert d.reply == encode.ack_extended(0x33, 4)


@pytest.mark.parametrize("extended", [False, True])
def test_command_reply_forms(extended):
    e, d = only_event(dev.encode_command_reply("Relay,1#OK", 3, extended=extended))
    assert e.attributes == {"result": "Relay,1#OK"} and d.reply is None
    e, _ = only_event(dev.encode_command_reply("<ICCID:89860012345678901234>", 3, extended=extended))
    assert e.attributes == {"iccid": "89860012345678901234"}
    text = "Current position!Lat:S22.123456,Lon:W43.654321,Course:123.00,Speed:45.50,DateTime:2024-03-05 10:20:30"
    p, _ = only_position(dev.encode_command_reply(text, 3, extended=extended))
    assert (p.fix_time, p.lat, p.lon, p.course_deg, p.speed_kmh) == (T, -22.123456, -43.654321, 123.0, 45.5)


# ---- accepted time, number and identity forms ------------------------------------------------

@pytest.mark.parametrize("date", ["000000000000", "180005101010", "18020e181e00", "1802011a0000"])
def test_gps_date_that_is_no_date_gives_an_event(date):
    frame = dev.encode_alarm(Fix(time=T, lat=1.0, lon=2.0), 7, info=0x40, alarm=0x01)
    frame = encode.packet(0x26, bytes.fromhex(date) + frame[10:-6], 7)
    e, d = only_event(frame)
    assert (e.type, e.time, e.attributes["alarm"]) == ("status", NOW, "sos")
    assert d.reply == encode.ack(0x26, 7)


@pytest.mark.parametrize("tz_word,hours", [(0x3200, 8), (0x190A, -4), (0x2120, 5.5), (0x0000, 0), (None, 0)])
def test_device_dates_are_read_in_the_login_time_zone(tz_word, hours):
    c = Gt06Connection()
    c.receive_frame(dev.encode_login(IMEI, 1, tz_word=tz_word), NOW)
    (p,) = c.receive_frame(dev.encode_alarm(FIX, 2), NOW).positions
    assert p.fix_time == T - timedelta(hours=hours)
    (e,) = c.receive_frame(dev.encode_wifi(T), NOW).events  # BCD times stay UTC
    assert e.time == T


def test_binary_two_digit_year_and_bcd_wifi_time():
    p, _ = only_position(dev.encode_upload_location(Fix(time=datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC),
                                                         lat=1.0, lon=2.0), 2))
    assert p.fix_time == datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC)
    e, d = only_event(dev.encode_wifi(T))
    assert (e.type, e.time) == ("network", T) and d.reply == bytes.fromhex("78780069240305102030") + b"\r\n"
    bad = b"xx\x00\x69" + bytes.fromhex("2403051a2030") + b"\x00\x00\r\n"
    e, _ = only_event(bad)
    assert e.time == NOW


@pytest.mark.parametrize("lat_raw,lon_raw", [(162_000_001, 0), (0, 324_000_001), (0xFFFFFFFF, 0xFFFFFFFF)])
def test_impossible_coordinates_give_an_event_not_an_error(lat_raw, lon_raw):
    gps = bytearray(dev.gps_block(FIX))
    gps[7:11] = lat_raw.to_bytes(4, "big")
    gps[11:15] = lon_raw.to_bytes(4, "big")
    e, _ = only_event(encode.packet(0x12, bytes(gps) + dev.cell_2g(), 2))
    assert e.type == "status" and e.time == NOW


def test_extreme_valid_coordinates_are_positions():
    p, _ = only_position(dev.encode_upload_location(Fix(time=T, lat=-90.0, lon=180.0), 2))
    assert (p.lat, p.lon) == (-90.0, 180.0)


def test_frame_without_identity_takes_the_session_identity():
    c = Gt06Connection(device_id="000000000000000")
    (p,) = c.receive_frame(dev.encode_upload_location(FIX, 2), NOW).positions
    assert p.device_id == "000000000000000"
    c.receive_frame(dev.encode_login(IMEI, 3, tz_word=None), NOW)
    (p,) = c.receive_frame(dev.encode_upload_location(FIX, 4), NOW).positions
    assert p.device_id == IMEI and p.fix_time == T


def test_address_request_is_answered_with_0x97():
    body = dev.gps_block(FIX) + b"13800138000".ljust(21, b"\x00") + b"\x00\x02"
    e, d = only_event(encode.packet(0x2A, body, 5))
    assert (e.type, e.attributes) == ("addressRequest", {"phone": "13800138000"})
    assert d.reply == encode.packet(0x97, b"\x0b\x00\x00\x00\x00NA&&NA&&0##", 0, extended=True)


# ---- round trip over the whole alarm catalogue -------------------------------------------------

fixes = st.builds(
    Fix,
    time=st.integers(0, 99 * 365 * 86400).map(lambda s: datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=s)),
    lat=st.floats(-89.9, 89.9), lon=st.floats(-179.9, 179.9),
    speed_kmh=st.integers(0, 255).map(float), course_deg=st.integers(0, 359).map(float),
    satellites=st.integers(0, 15), valid=st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(fixes, st.sampled_from(sorted(ALARM_CODES)), st.sampled_from([0x16, 0x26, 0x27, 0xA4]),
                          st.integers(0, 255), st.integers(0, 7)), min_size=1, max_size=4),
       st.lists(st.integers(0, 10_000), max_size=6))
def test_round_trip_alarm_catalogue(items, cuts):
    stream = dev.encode_login(IMEI, 1, tz_word=None)
    for i, (fix, code, msg_type, level, bits) in enumerate(items):
        stream += dev.encode_alarm(fix, i + 2, msg_type=msg_type, info=bits << 3, level=level, alarm=code)
    c = Gt06Connection()
    decoded = [d for chunk in chunked(stream, cuts) for d in c.feed(chunk, NOW)]
    positions = [p for d in decoded for p in d.positions]
    assert len(positions) == len(items) and sum(d.unknown_items for d in decoded) == 0
    for (fix, code, msg_type, level, bits), p in zip(items, positions):
        assert p.fix_time == fix.time.replace(microsecond=0) and p.valid == fix.valid
        assert abs(p.lat - fix.lat) <= 0.5 / 1_800_000 + 1e-12 and abs(p.lon - fix.lon) <= 0.5 / 1_800_000 + 1e-12
        assert (p.speed_kmh, p.course_deg, p.satellites) == (fix.speed_kmh, fix.course_deg, fix.satellites)
        names = [TERMINAL_ALARMS[bits]] if bits in TERMINAL_ALARMS else []
        names += [ALARM_CODES[code][0]] if ALARM_CODES[code][0] else []
        assert p.attributes.get("alarm") == (",".join(names) or None)
        assert p.attributes.get("event") == (None if ALARM_CODES[code][0] else code)
        assert p.attributes.get("batteryLevel") == (level * 100 // 6 if level <= 6 else level if level <= 100 else None)


_RAW = {"u8": st.integers(0, 0xFF), "u16": st.integers(0, 0xFFFF), "u32": st.integers(0, 0xFFFFFFFF),
        "u32le": st.integers(0, 0xFFFFFFFF), "s16": st.integers(-0x8000, 0x7FFF)}


def _items(table):
    numeric = sorted(i for i, (_, kind, _) in table.items() if kind in _RAW)
    return st.lists(st.sampled_from(numeric), unique=True, min_size=1).flatmap(
        lambda ids: st.tuples(*(st.tuples(st.just(i), _RAW[table[i][1]]) for i in ids)))


def _expected(table, items):
    return {table[i][0]: pytest.approx(raw * table[i][2], rel=1e-12) if table[i][2] is not None else raw
            for i, raw in items}


@settings(max_examples=100, deadline=None)
@given(_items(MODULES_70), _items(ITEMS_F1), _items(MODULES_36), st.lists(st.integers(0, 1000), max_size=4))
def test_round_trip_item_catalogues(modules_70, items_f1, modules_36, cuts):
    frames = [dev.encode_modular([(i, dev.encode_value(MODULES_70[i][1], raw)) for i, raw in modules_70], 2),
              dev.encode_io(T, [(i, dev.encode_value(ITEMS_F1[i][1], raw)) for i, raw in items_f1], 3),
              dev.encode_status_36([(i, dev.encode_value(MODULES_36[i][1], raw)) for i, raw in modules_36], 4,
                                   level=0xFF)]  # no level-derived batteryLevel: only the modules' keys
    c = conn()
    decoded = [d for chunk in chunked(b"".join(frames), cuts) for d in c.feed(chunk, NOW)]
    events = [e for d in decoded for e in d.events]
    assert len(events) == 3 and sum(d.unknown_items for d in decoded) == 0
    assert events[0].attributes == _expected(MODULES_70, modules_70)
    assert events[1].attributes == _expected(ITEMS_F1, items_f1)
    expected_36 = {k: v for k, v in events[2].attributes.items() if k in {m[0] for m in MODULES_36.values()}}
    assert expected_36 == _expected(MODULES_36, modules_36)
