"""GT06 catalogue: one test per catalogue entry, built with the device-side encoders, exact values.

Tables under test: constants.ALARM_CODES / FAMILY_ALARMS / TERMINAL_ALARMS / ALARM_95 /
AZ735_STATUS / INFO_TYPES / VOLTAGE_LEVELS, _catalogue.MODULES_70 / MODULES_36 / MODULES_37 /
ITEMS_F1 / OBD_PIDS / MODULAR_EVENTS, and the accepted time/number forms of _location.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from protocols._records import Fix
from protocols.gt06 import Gt06Connection, encode
from protocols.gt06 import device as dev
from protocols.gt06._catalogue import (ITEMS_F1, MODULAR_EVENTS, MODULES_36, MODULES_37, MODULES_70,
                                       OBD_PIDS)
from protocols.gt06.constants import (ALARM_95, ALARM_CODES, AZ735_STATUS, FAMILY_ALARMS,
                                      TERMINAL_ALARMS, VOLTAGE_LEVELS)
from _harness import chunked

NOW = datetime(2024, 3, 5, 10, 20, 30, tzinfo=timezone.utc)
IMEI = "864717003283581"
T = datetime(2024, 3, 5, 10, 20, 30, tzinfo=timezone.utc)
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
    p, _ = only_position(dev.encode_upload_location(Fix(time=datetime(2099, 12, 31, 23, 59, 59, tzinfo=timezone.utc),
                                                         lat=1.0, lon=2.0), 2))
    assert p.fix_time == datetime(2099, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
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
    time=st.integers(0, 99 * 365 * 86400).map(lambda s: datetime(2000, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=s)),
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


@pytest.mark.parametrize("msg_type", [0x12, 0x16, 0x22, 0x26, 0x27, 0xA0, 0xA4])
def test_tail_shorter_than_its_layout_keeps_the_gps_block(msg_type):
    body = dev.gps_block(FIX) + b"\x09\x01"  # a cell cut short
    p, d = only_position(encode.packet(msg_type, body, 3))
    assert_fix(p)
    assert d.reply == encode.ack(msg_type, 3)


def test_layout_that_does_not_fit_is_not_an_error():
    # NT layout (source, IMEI, date, GPS) whose cell length points past the end of the frame
    content = b"\x01" + bytes.fromhex("0864717003283581") + dev.gps_block(FIX)[:6] + dev.gps_block(FIX) \
        + b"\xff" + bytes(16)
    e, d = only_event(encode.packet(0x22, content, 3))
    assert (e.type, e.time, e.attributes) == ("status", NOW, {}) and d.reply == encode.ack(0x22, 3)


_RAW = {"u8": st.integers(0, 0xFF), "u16": st.integers(0, 0xFFFF), "u32": st.integers(0, 0xFFFFFFFF),
        "u32le": st.integers(0, 0xFFFFFFFF), "s16": st.integers(-0x8000, 0x7FFF)}


def _items(table):
    numeric = sorted(i for i, (_, kind, _) in table.items() if kind in _RAW)
    return st.lists(st.sampled_from(numeric), unique=True, min_size=1).flatmap(
        lambda ids: st.tuples(*(st.tuples(st.just(i), _RAW[table[i][1]]) for i in ids)))


def _expected(table, items):
    return {table[i][0]: raw * table[i][2] if table[i][2] is not None else raw for i, raw in items}


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


def test_battery_management_system_record():
    body = (b"SN000001" + int(T.timestamp()).to_bytes(4, "big") + bytes((87,)) + (5000).to_bytes(2, "big")
            + bytes((90,)) + (6000).to_bytes(2, "big") + bytes((98,)) + (2981).to_bytes(2, "big")
            + (1500).to_bytes(2, "big") + (52100).to_bytes(2, "big") + (321).to_bytes(2, "big")
            + b"".join((3700 + i).to_bytes(2, "big") for i in range(14)) + (10).to_bytes(2, "big")
            + (20).to_bytes(2, "big") + b"BARCODE123".ljust(16, b" ") + (7).to_bytes(2, "big")
            + b"ACME".ljust(16, b"\x00") + (1).to_bytes(4, "big") + (2).to_bytes(4, "big") + (3).to_bytes(4, "big"))
    e, d = only_event(encode.packet(0x40, body, 8))
    a = e.attributes
    assert e.time == T and d.reply == encode.ack(0x40, 8)
    assert (a["relativeCapacity"], a["remainingCapacity"], a["absoluteCapacity"], a["fullCapacity"]) == (87, 5000, 90, 6000)
    assert a["batteryHealth"] == 98 and a["batteryTemp"] == pytest.approx(25.0)
    assert (a["current"], a["battery"], a["cycleIndex"]) == (1500, pytest.approx(52.1), 321)
    assert [a[f"batteryCell{i}"] for i in range(1, 15)] == [pytest.approx((3700 + i) / 1000) for i in range(14)]
    assert (a["currentChargeInterval"], a["maxChargeInterval"], a["barcode"], a["batteryVersion"]) == (10, 20, "BARCODE123", 7)
    assert (a["manufacturer"], a["batteryStatus"], a["controllerStatus"], a["controllerFault"]) == ("ACME", 1, 2, 3)


# ---- every protocol number and vendor layout ---------------------------------------------------

G = dev.gps_block(FIX)
C2 = dev.cell_2g()
C4 = dev.cell_4g()
U16 = lambda v: v.to_bytes(2, "big")  # noqa: E731
U32 = lambda v: v.to_bytes(4, "big")  # noqa: E731
IMEI_BCD = bytes.fromhex("0864717003283581")

#: (name, type, extended, content, expected kind, expected attributes (exact, whole dict))
LAYOUTS = [
    ("0x10 GPS", 0x10, False, G, "position", {}),
    ("0x11 GPS + long cell", 0x11, False, G + U16(460) + U16(1) + U16(0x287D) + U32(0x1FB8), "position", {}),
    ("0x12 GPS + cell", 0x12, False, G + C2, "position", {}),
    ("0x12 + mileage", 0x12, False, G + C2 + U32(5000), "position", {"odometer": 5000}),
    ("0x12 + ACC/mode/re-upload", 0x12, False, G + C2 + b"\x01\x02\x01", "position", {"ignition": True, "archive": True}),
    ("0x12 VXT01", 0x12, False, G + C2 + b"\x3a" + U16(1234) + b"\x04\x00", "position",
     {"status": 0x3A, "ignition": True, "charge": False, "blocked": False, "armed": False, "rssi": 4,
      "alarm": "overspeed", "power": 12.34}),
    ("0x12 Benway temperature", 0x12, False, G + C2 + U16(0x8000 | 0x1000 | 0x0200 | 25), "position",
     {"ignition": True, "in2": False, "temp1": -25}),
    ("0x12 Benway ADC", 0x12, False, G + C2 + U16(0x4000 | 0x2000 | 300), "position",
     {"ignition": False, "in2": True, "adc1": 300}),
    ("0x12 S5", 0x12, False, G + C2 + b"\x02" + U16(1206) + b"\x04\x01" + U16(55) + b"\x85" + U32(3289), "position",
     {"status": 2, "ignition": True, "charge": False, "blocked": False, "armed": False, "rssi": 4, "alarm": "sos",
      "power": 12.06, "oil": 55, "temp1": -5, "odometer": 32890}),
    ("0x12 WeTrust", 0x12, False, G + C2 + U32(34460) + b"\x010" + b"\x01\x00" + U16(15), "position",
     {"odometer": 34460, "card": "0", "alarm": "general", "cardStatus": 0, "drivingTime": 15}),
    ("0x12 GT06E card", 0x12, False, G + C2 + U32(7) + b"\x4b" + b"K1".ljust(75) + b"\x00\x01", "position",
     {"odometer": 7, "card": "K1"}),
    ("0x12 QH302R", 0x12, False, IMEI_BCD + G + C2, "position", {}),
    ("0x16 VXT01", 0x16, False, G + C2 + b"\x22\x04\x03\x01\x02", "position",
     {"status": 0x22, "ignition": True, "charge": False, "blocked": False, "armed": False, "batteryLevel": 66,
      "rssi": 3, "alarm": "sos"}),
    ("0x16 SeeWorld", 0x16, False, G + b"\x09" + C2[:5] + U32(0x1FB8) + b"\x00\x5d\x4b\x13\x02", "position",
     {"status": 0, "ignition": False, "charge": False, "blocked": False, "armed": False, "batteryLevel": 93,
      "rssi": 0x4B, "alarm": "tampering"}),
    ("0x16 VL103 driver", 0x16, False, G + b"\x09" + C2 + b"\x00\x06\x04\x00\x02" + bytes.fromhex("c3000001453f9201"),
     "position", {"status": 0, "ignition": False, "charge": False, "blocked": False, "armed": False,
                  "batteryLevel": 100, "rssi": 4, "driverUniqueId": "c3000001453f9201"}),
    ("0x17 RFID", 0x17, False, G + C2 + bytes.fromhex("bf0000012ca7e001") + b"\x01", "position",
     {"driverUniqueId": "bf0000012ca7e001"}),
    ("0x18 cells", 0x18, False, G[:6] + C2 + bytes(40), "network", {}),
    ("0x19 cell + status", 0x19, False, C2 + b"\x10\x05\x04\x00\x02", "alarm",
     {"status": 0x10, "ignition": False, "charge": False, "blocked": False, "armed": False, "batteryLevel": 83,
      "rssi": 4, "alarm": "powerCut"}),
    ("0x19 SPACE10X cells", 0x19, False, C2 + bytes(10), None, None),
    ("0x1A GPS + phone", 0x1A, False, G + b"13800138000".ljust(21, b"\x00") + b"\x00\x02", "position",
     {"phone": "13800138000"}),
    ("0x1E GPS", 0x1E, False, G, "position", {}),
    ("0x22 SeeWorld", 0x22, False, G + C2[:5] + U32(0x1FB8) + b"\x01\x00\x00" + U32(9684) + U32(60)
     + U16(0x8000 | 32) + U16(45), "position", {"ignition": True, "odometer": 9684, "temp1": -0.32, "humidity": 0.45}),
    ("0x22 NT", 0x22, False, b"\x01" + IMEI_BCD + G[:6] + G + b"\x09" + C2 + b"\x46" + U16(2436) + b"\x28\x4c\x00\x02"
     + (18059).to_bytes(3, "big") + (37).to_bytes(3, "big") + b"\x00\x00", "position",
     {"status": 0x46, "ignition": True, "charge": True, "blocked": False, "armed": False, "rssi": 0x4C,
      "power": 24.36, "battery": 4.0, "odometer": 18059, "hours": 2_220_000}),
    ("0x23 heartbeat", 0x23, False, b"\x07" + U16(410) + b"\x04\x02", "status",
     {"armed": True, "ignition": True, "charge": True, "battery": 4.1, "rssi": 4}),
    ("0x24 SR411 mini", 0x24, False, G + C2 + b"\x01" + U16(1261) + U16(404) + bytes(10), "position",
     {"ignition": True, "power": 12.61, "battery": 4.04}),
    ("0x24 cells", 0x24, False, G[:6] + C2 + bytes(30), "network", {}),
    ("0x25 NT driver", 0x25, False, b"\x01" + IMEI_BCD + G[:6] + G + b"\x0a" + C2[:5] + U32(0x1FB8) + b"\x04"
     + b"\x46" + U16(1297) + b"\x2a\x47\x00\x02" + bytes(3) + (1412).to_bytes(3, "big") + b"\x04\x01\xab\xcd\xef",
     "position", {"status": 0x46, "ignition": True, "charge": True, "blocked": False, "armed": False, "rssi": 0x47,
                  "power": 12.97, "battery": 4.2, "odometer": 0, "hours": 84_720_000, "driverUniqueId": "abcdef"}),
    ("0x28 cells", 0x28, False, G[:6] + C2 + bytes(40), "network", {}),
    ("0x2C cells + Wi-Fi", 0x2C, False, G[:6] + C2 + bytes(45), "network", {}),
    ("0x2E cells", 0x2E, False, G[:6] + C2 + bytes(40), "network", {}),
    ("0x31 SL4X", 0x31, False, G + U16(460) + U16(1) + U16(0x287D) + bytes(8) + b"\x01\x05\x00"
     + (-12).to_bytes(2, "big", signed=True), "position", {"ignition": True, "event": 5, "archive": False}),
    ("0x32 GPS + cell + status", 0x32, False, G + b"\x09" + C2 + b"\x46\x06\x04\x01\x02", "position",
     {"status": 0x46, "ignition": True, "charge": True, "blocked": False, "armed": False, "batteryLevel": 100,
      "rssi": 4, "alarm": "sos"}),
    ("0x32 AZ735 without fix", 0x32, True, G[:6] + b"\x00" + b"\x09" + C2 + b"\x21\x00\x00\x05\x00", "status",
     {"rssi": 0x21, "status": 5}),
    ("0x33 cells + Wi-Fi", 0x33, False, G[:6] + C2 + bytes(10), "network", {}),
    ("0x34 X1", 0x34, False, U32(0) + G + U16(0) + U32(40573) + U16(460) + b"\x00" + U16(0x287D) + U32(0x1FB8)
     + U32(4892715) + U16(1219) + U16(420) + U32(2 << 20) + b"\x02\x01" + U16(448) + U16(3), "position",
     {"odometer": 40573, "driverUniqueId": "4892715", "battery": 12.19, "power": 4.2, "input": 2, "output": 1,
      "adc1": 4.48, "adc2": 0.03}),
    ("0x34 SL4X cells", 0x34, False, G[:6] + bytes(44), "network", {}),
    ("0x35 photo announcement", 0x35, False, bytes(26), None, None),
    ("0x36 VL103 GPS + driver", 0x36, False, G + C2 + bytes(14) + bytes.fromhex("c3000001453f9201"), "position",
     {"driverUniqueId": "c3000001453f9201"}),
    ("0x38 GPS + typed cell", 0x38, True, G + b"\x0e\x01" + b"\x01" + C2 + b"\x30", "position",
     {"event": 14, "archive": True}),
    ("0x41 multimedia", 0x41, True, bytes(40), None, None),
    ("0x61 iButton", 0x61, False, IMEI_BCD + G + C2[:5] + U32(0x1FB8) + U32(0x139) + U16(0x5581), "position",
     {"driverUniqueId": "20534657"}),
    ("0xA1 4G cells", 0xA1, False, G[:6] + C4 + bytes(40), "network", {}),
    ("0xA2 LW4G", 0xA2, False, G + C4 + b"\x01" + b"\x41" + U16(1250) + b"\x05\x04\x00\x02" + U32(19249) + U32(7)
     + bytes(8) + U16(512), "position",
     {"status": 0x41, "ignition": False, "charge": False, "blocked": False, "armed": True, "batteryLevel": 83,
      "rssi": 4, "power": 12.5, "odometer": 19249, "hours": 7000, "input": 512}),
    ("0xA2 cells + Wi-Fi", 0xA2, False, G[:6] + C4 + bytes(30), "network", {}),
    ("0xA3 SeeWorld status", 0xA3, False, b"\x46\x00\x01\x06\x64\x0c\x01", "alarm",
     {"status": 0x46, "ignition": True, "charge": True, "blocked": False, "armed": False, "batteryLevel": 0,
      "rssi": 1, "alarm": "overspeed"}),
    ("0xA3 pedometer", 0xA3, False, bytes(9) + U32(600) + bytes(6), "status", {"steps": 600}),
    ("0xA3 single fence", 0xA3, False, G + C2 + b"\x01\x00\x00", "position", {"ignition": True}),
    ("0xA5 4G cell + status", 0xA5, False, C4 + b"\x02\x05\x04\x13\x02", "alarm",
     {"status": 2, "ignition": True, "charge": False, "blocked": False, "armed": False, "batteryLevel": 83,
      "rssi": 4, "alarm": "tampering"}),
    ("0xA7 cell", 0xA7, False, G[:6] + C2 + bytes(20), "network", {}),
    ("0xF2 peripheral", 0xF2, True, U32(int(T.timestamp())) + U16(0x000C) + b"\x05\x47\x01" + U16(12) + b"\x00"
     + U16(0x000A) + U16(12) + b"\x01" + bytes.fromhex("c4a82828ccfe") + b"\x03\x09\x02" + b"\xab\xcd", "status",
     {"externalBatteryLevel": 71, "externalBatteryCharge": True, "externalBatteryCycles": 12,
      "mac": "c4a82828ccfe", "event": 3, "eventData": 9, "dataType": 2, "dataDetails": "abcd"}),
    ("0xF3 Wi-Fi", 0xF3, False, bytes.fromhex("240305102030") + b"\x00", "network", {}),
    ("0x9B serial text", 0x9B, True, b"\x03D7520A62\r\n", "commandResult", {"result": "D7520A62"}),
    ("0x9B serial binary", 0x9B, True, b"\x03\x80\xd6\x00", "commandResult", {"result": "80d600"}),
]


@pytest.mark.parametrize("name,msg_type,extended,content,kind,expected", LAYOUTS, ids=[x[0] for x in LAYOUTS])
def test_layout(name, msg_type, extended, content, kind, expected):
    """Each protocol number / vendor layout; SL4X carries a (negative) altitude."""
    d = decode(encode.packet(msg_type, content, 0x21, extended=extended))
    if kind is None:
        assert d.positions == () and d.events == () and d.unknown is None
    elif kind == "position":
        (p,) = d.positions
        assert d.events == ()
        assert_fix(p)
        assert p.attributes == expected
        assert p.altitude_m == (-12.0 if name == "0x31 SL4X" else None)
    else:
        (e,) = d.events
        assert d.positions == () and (e.type, e.attributes) == (kind, expected)
    assert d.unknown_items == 0
