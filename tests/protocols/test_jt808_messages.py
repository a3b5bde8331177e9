"""JT/T 808: accepted time forms, messages that carry a position, session identity, and a
hypothesis round trip over the item catalogue (device encoder -> connection)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from protocols._records import Fix
from protocols.jt808 import Jt808Connection, Jt808Device
from protocols.jt808._catalogue import ITEMS, Scalar
from protocols.jt808.constants import MESSAGES
from protocols.jt808.device import encode_basic, encode_item, encode_location_body, encode_scalar
from test_jt808 import frame, general

UTC = timezone.utc
NOW = datetime(2024, 3, 5, 10, 20, 30, tzinfo=UTC)
T0 = datetime(2024, 3, 15, 0, 25, 30, tzinfo=UTC)
FIX = Fix(time=T0, lat=-22.54321, lon=114.123456, speed_kmh=60.5, course_deg=270.0, altitude_m=-12.0,
          satellites=7, valid=True)
H = bytes.fromhex
BASIC = encode_basic(FIX)
BASE = {"ignition": False, "blocked": False, "charge": False, "status": 0x06}


def _one(msg_id: int, body: bytes, conn: Jt808Connection | None = None):
    return (conn or Jt808Connection()).receive_frame(Jt808Device("13912345678").message(msg_id, body), NOW)


def _check_fix(p, time=T0) -> None:
    assert (p.fix_time, p.valid, p.lat, p.lon) == (time, True, -22.54321, 114.123456)
    assert (p.altitude_m, p.speed_kmh, p.course_deg) == (-12.0, 60.5, 270.0)


# --- time forms (BCD YYMMDDhhmmss, terminal local time GMT+8) -------------------------------

@pytest.mark.parametrize("bcd, utc", [
    ("240315082530", datetime(2024, 3, 15, 0, 25, 30, tzinfo=UTC)),  # the standard form
    ("240300120000", datetime(2024, 2, 29, 4, 0, 0, tzinfo=UTC)),  # day 0: last day of February
    ("241301000000", datetime(2024, 12, 31, 16, 0, 0, tzinfo=UTC)),  # month 13: next January
    ("240315240000", datetime(2024, 3, 15, 16, 0, 0, tzinfo=UTC)),  # hour 24: next midnight
    ("000000000000", datetime(1999, 11, 29, 16, 0, 0, tzinfo=UTC)),  # all zeros
    ("24031A082530", datetime(2024, 3, 20, 0, 25, 30, tzinfo=UTC)),  # nibble A counts 10
])
def test_location_time_forms(bcd, utc):
    body = BASIC[:22] + H(bcd)
    (p,) = _one(0x0200, body).positions
    assert p.fix_time == utc


def test_alt_location_ddmmyy_utc_and_buffered_form():
    body = H("150324" "082530" "22323456" "11407407" "3" "7" "10" "2D" "1F" "09" "00000064" "AA"
             "00000000" "0000" "03" "0020" "0001" "0202FFF6")
    (p,) = _one(0x5501, body).positions
    assert p.fix_time == datetime(2024, 3, 15, 8, 25, 30, tzinfo=UTC) and p.valid
    assert (p.lat, p.lon) == (22 + 323456 / 10000.0 / 60.0, 114 + 74073 / 10000.0 / 60.0)
    assert (p.speed_kmh, p.course_deg, p.altitude_m, p.satellites) == (10 * 1.852, 90.0, -10.0, 9)
    assert p.attributes == {"rssi": 31, "odometer": 100000, "charge": True, "blocked": True,
                            "alarm": "overspeed", "status": 0x20}
    (p,) = _one(0x5502, body).positions
    assert not p.valid


# --- messages that carry a position ---------------------------------------------------------

@pytest.mark.parametrize("msg_id", [0x0201, 0x0500])
def test_reply_serial_then_location(msg_id):
    d = _one(msg_id, H("0102") + BASIC + encode_scalar(0x30, 20))
    (p,) = d.positions
    _check_fix(p)
    assert p.attributes == {**BASE, "rssi": 20} and d.defer_reply


def test_media_data_0801_carries_a_position():
    (p,) = _one(0x0801, H("00000007" "00" "00" "01" "02") + BASIC + b"\xff\xd8jpeg").positions
    _check_fix(p)
    assert p.attributes == {**BASE, "mediaId": 7, "mediaType": 0, "mediaFormat": 0, "mediaEvent": 1,
                            "mediaChannel": 2}


def test_media_search_0802_positions():
    entry = H("00000009" "00" "01" "02") + BASIC
    positions = _one(0x0802, H("0005" "0002") + entry + entry).positions
    assert len(positions) == 2 and positions[1].attributes["mediaId"] == 9
    _check_fix(positions[1])


def test_batch_0704_normal_and_buffered():
    loc = encode_location_body(FIX, items=[encode_scalar(0x01, 5000)])
    body = H("0002" "00") + len(loc).to_bytes(2, "big") + loc + len(BASIC).to_bytes(2, "big") + BASIC
    positions = _one(0x0704, body).positions
    assert [p.attributes.get("odometer") for p in positions] == [5000, None]
    assert all("archive" not in p.attributes for p in positions)


def test_transparent_location_ff():
    body = H("FF" "240315082530") + (-22543210).to_bytes(4, "big", signed=True)
    body += (114123456).to_bytes(4, "big") + H("FFF4" "025D" "010E")
    (p,) = _one(0x0900, body).positions
    assert (p.fix_time, p.lat, p.lon, p.altitude_m, p.speed_kmh, p.course_deg) == (
        T0, -22.54321, 114.123456, -12.0, 60.5, 270.0)


def test_transparent_obd_f0_readings_with_location():
    readings = H("03" "0536" "02" "0BB8" "052D" "01" "64" "9999" "02" "0102")
    body = H("F0" "240315082530" "00" "01" "01") + readings + H("00000002" "0157FB6A" "06CD62C0")
    d = _one(0x0900, body)
    (p,) = d.positions
    assert (p.fix_time, p.lat, p.lon, p.valid) == (T0, 22.54321, 114.123456, True)
    assert p.attributes == {"rpm": 3000, "coolantTemp": 60, "io39321": 0x0102, "ignition": False}
    assert d.unknown_items == 1


def test_transparent_text_types():
    (e,) = _one(0x0900, H("40") + H("0018") + b"GTSL|6|1|0|10218094|1|\r\n").events
    assert (e.type, e.attributes) == ("driver", {"driverUniqueId": "10218094"})
    (e,) = _one(0x0900, H("41") + b"$OBD-RT,13.2,800,0").events
    assert e.attributes == {"power": 13.2, "rpm": 800.0, "obdSpeed": 0.0}
    (e,) = _one(0x0900, H("F3" "0002" "0002" "0200" "0006" "0006" "240315082530")).events
    assert (e.time, e.attributes) == (T0, {"collision": 0.02})


def test_transparent_53_tags_with_location():
    head = H("00000002" "0157FB6A" "06CD62C0" "FFF4" "025D" "010E" "240315082530")
    (p,) = _one(0x0900, H("53") + head + H("01" "00" "112233445566" "C4" "02" "ABCD")).positions
    assert (p.fix_time, p.lat, p.altitude_m, p.speed_kmh) == (T0, 22.54321, -12.0, 60.5)
    assert p.attributes == {"ignition": False, "tag1Mac": "112233445566", "tag1Rssi": -60,
                            "tag1Data": "abcd"}


# --- messages without a position -------------------------------------------------------------

def test_parameter_query_response_0104():
    params = H("00000001" "04" "0000001E") + H("00000010" "05") + b"cmnet" + H("00000080" "04" "00000064")
    params += H("0000F001" "02" "0102")
    d = _one(0x0104, H("0007" "04") + params)
    (e,) = d.events
    assert (e.type, e.attributes) == ("parameters", {"heartbeatInterval": 30, "apn": "cmnet",
                                                     "odometer": 10000, "param61441": 0x0102})
    assert d.unknown_items == 1


def test_terminal_general_response_0001():
    (e,) = _one(0x0001, H("0005" "8105" "00")).events
    assert (e.type, e.attributes) == ("commandResult", {"replySerial": 5, "replyId": 0x8105,
                                                        "result": "success"})


def test_heartbeat_with_vendor_status():
    d = _one(0x0002, H("50" "1F" "01"))
    (e,) = d.events
    assert e.attributes == {"batteryLevel": 80, "rssi": 31, "status": 1} and not d.defer_reply


def test_event_report_and_can_data():
    (e,) = _one(0x0301, H("07")).events
    assert (e.type, e.attributes) == ("event", {"event": 7})
    (e,) = _one(0x0705, H("0001" "1020300000") + H("18FEF100") + H("0102030405060708")).events
    assert e.attributes == {"can18FEF100": "0102030405060708"}


def test_server_time_request_0004():
    d = _one(0x0004, b"")
    assert d.reply == frame(0x8004, H("240305102030"), 0) and d.events == ()


def test_driver_identity_0702():
    body = H("01" "240315082530" "00" "05") + b"Zhang" + b"C123".ljust(20, b" ") + H("03") + b"Gov"
    body += H("20301231")
    (e,) = _one(0x0702, body).events
    assert e.attributes == {"cardStatus": 1, "cardResult": 0, "driver": "Zhang", "cardCode": "C123",
                            "cardAgency": "Gov", "cardValidity": "20301231"}


# --- identity and ranges ---------------------------------------------------------------------

def test_frame_without_id_belongs_to_the_session():
    conn = Jt808Connection()
    assert conn.receive_frame(frame(0x0002, b""), NOW).login == "13912345678"
    d = conn.receive_frame(frame(0x0200, BASIC, terminal=bytes(6)), NOW)
    assert d.login is None and d.positions[0].device_id == "13912345678"
    assert d.reply == general(1, 0x0200, serial=1, terminal=bytes(6))


def test_coordinates_out_of_range_are_kept_as_an_invalid_fix():
    body = H("00000000" "00000002" "0BEBC200" "06CD62C0" "0000" "0000" "0000" "240315082530")
    (p,) = Jt808Connection().receive_frame(frame(0x0200, body), NOW).positions
    assert (p.valid, p.lat, p.lon) == (False, 0.0, 0.0)
    assert (p.attributes["rawLatitude"], p.attributes["rawLongitude"]) == (200.0, 114.123456)


# --- round trip over the catalogue -----------------------------------------------------------

def _scalar_items() -> dict[int, Scalar]:
    """Items with a scalar form whose key appears once (so a record holds each key once)."""
    specs = {i: next((s for _, s in item.variants if isinstance(s, Scalar)), None) for i, item in ITEMS.items()}
    specs = {i: s for i, s in specs.items() if s is not None and s.key != "sat"}
    keys = [s.key for s in specs.values()]
    return {i: s for i, s in specs.items() if keys.count(s.key) == 1}


SCALARS = _scalar_items()


def _value(spec: Scalar, raw: int):
    value = raw * spec.mul
    if spec.div != 1:
        value = value // spec.div if spec.floor else value / spec.div
    return value + spec.add if spec.add else value


@st.composite
def _reports(draw):
    ids = draw(st.lists(st.sampled_from(sorted(SCALARS)), unique=True, max_size=8))
    values = {}
    for i in ids:
        spec = SCALARS[i]
        bits = spec.size * 8
        lo, hi = (-(1 << bits - 1), (1 << bits - 1) - 1) if spec.signed else (0, (1 << bits) - 1)
        values[i] = _value(spec, draw(st.integers(lo, hi)))
    seconds = draw(st.integers(0, 10 * 365 * 86400))
    fix = Fix(time=datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds),
              lat=draw(st.integers(-90_000_000, 90_000_000)) / 1e6,
              lon=draw(st.integers(-180_000_000, 180_000_000)) / 1e6,
              speed_kmh=draw(st.integers(0, 2000)) / 10.0, course_deg=float(draw(st.integers(0, 359))),
              altitude_m=float(draw(st.integers(-500, 9000))), satellites=draw(st.integers(0, 40)),
              valid=True)
    return fix, values


@settings(max_examples=150, deadline=None)
@given(_reports())
def test_round_trip_over_the_catalogue(report):
    fix, values = report
    items = [encode_scalar(i, v) for i, v in values.items()] + [encode_item(0x31, bytes((fix.satellites,)))]
    d = _one(0x0200, encode_location_body(fix, items=items))
    (p,) = d.positions
    assert (p.fix_time, p.lat, p.lon, p.speed_kmh, p.course_deg, p.altitude_m, p.satellites) == (
        fix.time, fix.lat, fix.lon, fix.speed_kmh, fix.course_deg, fix.altitude_m, fix.satellites)
    expected = {SCALARS[i].key: v for i, v in values.items()}
    assert {k: p.attributes[k] for k in expected} == expected and d.unknown_items == 0


# --- the E7 framing variant (7-byte terminal id, E6/3E escapes) -------------------------------

def _alt_frame(msg_id: int, body: bytes, terminal: bytes, serial: int = 3) -> bytes:
    content = msg_id.to_bytes(2, "big") + len(body).to_bytes(2, "big") + terminal
    content += serial.to_bytes(2, "big") + body
    xor = 0
    for b in content:
        xor ^= b
    content += bytes((xor,))
    escaped = bytearray()
    for b in content:
        escaped += {0xE6: b"\xe6\x01", 0xE7: b"\xe6\x02", 0x3E: b"\x3e\x01", 0x3D: b"\x3e\x02"}.get(b, bytes((b,)))
    return b"\xe7" + bytes(escaped) + b"\xe7"


def test_alt_framing_e7_stream_and_reply():
    terminal = H("01391234567E")[:6] + H("3D")  # a 3D in the id needs an escape
    body = H("00000000" "00000002" "0157FB6A" "06CD62C0" "00E7" "003E" "00E6" "240315082530")
    raw = _alt_frame(0x0200, body, terminal)
    assert b"\x3e\x02" in raw and b"\xe6\x02" in raw
    conn = Jt808Connection()
    (d,) = conn.feed(b"zz" + raw, NOW)
    (p,) = d.positions
    assert (p.lat, p.altitude_m, p.speed_kmh, p.course_deg) == (22.54321, 231.0, 6.2, 230.0)
    assert p.device_id == "13446301835500"  # not BCD: the first 6 bytes as a number + Luhn digit
    assert d.reply == _alt_frame(0x8001, H("0003" "0200" "00"), terminal, serial=0)


# --- the message table -----------------------------------------------------------------------

@pytest.mark.parametrize("msg_id", sorted(MESSAGES))
def test_every_catalogued_message_is_understood(msg_id):
    d = Jt808Connection().receive_frame(frame(msg_id, bytes(64)), NOW)
    assert d.unknown is None and d.checksum_ok


def test_heartbeat_short_vendor_form():
    (e,) = _one(0x0002, H("50" "1F")).events
    assert e.attributes == {"batteryLevel": 80, "rssi": 31}
    assert _one(0x0002, H("50")).events == ()
