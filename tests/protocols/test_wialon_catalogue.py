"""Wialon IPS: every catalogue entry (packet types, body columns, params types and
names, date/time/CRC forms) written with the device-side encoder and decoded with
exact values; a round trip over the catalogue."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols._records import Fix
from protocols.wialon import WialonConnection, WialonUdpConnection
from protocols.wialon.constants import BODY_COLUMNS, PACKET_TYPES, PARAM_TYPES, PARAMS
from protocols.wialon.device import body, packet, short_body, with_crc

UTC = timezone.utc
NOW = datetime(2024, 3, 5, 12, 0, 0, tzinfo=UTC)
IMEI = "861234567890126"
T = datetime(2024, 7, 15, 14, 25, 30, tzinfo=UTC)
FIX = Fix(time=T, lat=52.5, lon=-13.25, speed_kmh=45.5, course_deg=271.0, altitude_m=-12.5,
          satellites=9)


def session() -> WialonConnection:
    conn = WialonConnection()
    (d,) = conn.feed(packet("L", f"2.0;{IMEI};NA"), NOW)
    assert d.login == IMEI and d.reply == b"#AL#1\r\n"
    return conn


def one(conn: WialonConnection, data: bytes):
    (d,) = conn.feed(data, NOW)
    return d


#: device packet type -> (packet, answer, records)
DEVICE_PACKETS = {
    "L": (packet("L", f"2.0;{IMEI};NA"), b"#AL#1\r\n", 0),
    "SD": (packet("SD", short_body(FIX)), b"#ASD#1\r\n", 1),
    "D": (packet("D", body(FIX)), b"#AD#1\r\n", 1),
    "B": (packet("B", "|".join([short_body(FIX), body(FIX)])), b"#AB#2\r\n", 2),
    "P": (b"#P#\r\n", b"#AP#\r\n", 0),
    "M": (packet("M", "Hello"), b"#AM#1\r\n", 1),
    "I": (packet("I", "1024;0;1;150724;142530;photo.jpg"), None, 0),
    "IT": (packet("IT", "file.ddd;2048;1"), None, 0),
    "T": (packet("T", "1;0;00FF"), None, 0),
}


@pytest.mark.parametrize("kind", sorted(k for k, v in PACKET_TYPES.items()
                                        if v[0].startswith("device")))
def test_every_device_packet_type(kind):
    frame, answer, records = DEVICE_PACKETS[kind]
    d = one(session(), frame)
    assert d.reply == answer
    assert len(d.positions) + len(d.events) == records
    decoded = PACKET_TYPES[kind][3]
    assert (d.unknown is None) == decoded
    if not decoded:
        assert d.unknown.message_type == kind


#: column -> check on the decoded position
COLUMN_CHECKS = {
    "Date": lambda p: p.fix_time == T, "Time": lambda p: p.fix_time == T,
    "Lat1": lambda p: p.lat == pytest.approx(52.5), "Lat2": lambda p: p.lat > 0,
    "Lon1": lambda p: p.lon == pytest.approx(-13.25), "Lon2": lambda p: p.lon < 0,
    "Speed": lambda p: p.speed_kmh == 45.5, "Course": lambda p: p.course_deg == 271.0,
    "Alt": lambda p: p.altitude_m == -12.5, "Sats": lambda p: (p.satellites, p.valid) == (9, True),
    "HDOP": lambda p: p.hdop == 0.9,
    "Inputs": lambda p: p.attributes["input"] == 5,
    "Outputs": lambda p: p.attributes["output"] == 2,
    "Adc": lambda p: (p.attributes["adc1"], p.attributes["adc2"]) == (12.5, 0.25),
    "Ibutton": lambda p: p.attributes["driverUniqueId"] == "04A1B2",
    "Params": lambda p: p.attributes["fuel"] == 45.8,
}


@pytest.mark.parametrize("column", [c[0] for c in BODY_COLUMNS])
def test_every_body_column(column):
    d = one(session(), packet("D", body(FIX, hdop=0.9, inputs=5, outputs=2, adc=(12.5, 0.25),
                                        ibutton="04A1B2", params=[("fuel", 2, 45.8)])))
    (p,) = d.positions
    assert COLUMN_CHECKS[column](p) and d.unknown_items == 0 and d.checksum_ok


PARAM_VALUES = {"1": ("564", 564), "2": ("45", 45.0), "3": ("0123", "0123")}


@pytest.mark.parametrize("code", sorted(PARAM_TYPES))
def test_every_param_type(code):
    text, value = PARAM_VALUES[code]
    d = one(session(), packet("D", body(FIX, params=[("Name", int(code), text),
                                                     ("flag", int(code), "true")])))
    got = d.positions[0].attributes
    assert got["name"] == value and type(got["name"]) is type(value)
    assert got["flag"] is True and d.unknown_items == 0


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_every_catalogued_param(name):
    key, kind, _unit = PARAMS[name]
    for code in (1, 2, 3):
        d = one(session(), packet("D", body(FIX, params=[(name.upper(), code, "87")])))
        got = d.positions[0].attributes
        expected = 87 if kind == "int" else 87.0
        assert got[key] == expected and type(got[key]) is type(expected)
        assert key == name or name not in got


def test_params_outside_the_catalogue_kept_and_counted():
    d = one(session(), packet("D", body(FIX, params=[("x", 7, "abc"), ("y", 1, "NA")]) + ";extra"))
    p = d.positions[0]
    assert (p.attributes["x"], p.attributes["field17"], "y" in p.attributes) == (
        "abc", "extra", False)
    assert d.unknown_items == 2
    d = one(session(), packet("D", body(FIX).rsplit(";", 1)[0] + ";a:1:2,stray"))
    assert d.positions[0].attributes["param2"] == "stray" and d.unknown_items == 1


@pytest.mark.parametrize("date_form,time_form,expected", [
    ("%d%m%y", "%H%M%S", T), ("%d%m%Y", "%H%M%S", T),
    ("%d%m%y", "%H%M%S.250000000", T.replace(microsecond=250000)),
])
def test_date_and_time_forms(date_form, time_form, expected):
    d = one(session(), packet("SD", short_body(FIX, date_form=date_form, time_form=time_form)))
    assert d.positions[0].fix_time == expected


def test_na_date_time_is_server_time_and_na_location_uses_the_last_one():
    conn = session()
    d = one(conn, packet("SD", short_body(None)))
    (e,) = d.events
    assert (e.type, e.time, d.reply) == ("status", NOW, b"#ASD#1\r\n")
    one(conn, packet("D", body(FIX)))
    d = one(conn, packet("D", "NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;bat:1:50"))
    (p,) = d.positions
    assert (p.fix_time, p.lat, p.lon, p.altitude_m, p.valid) == (
        NOW, pytest.approx(52.5), pytest.approx(-13.25), -12.5, False)
    assert p.attributes == {"batteryLevel": 50, "outdated": True}


@pytest.mark.parametrize("form", ["upper", "lower", "v1.1", "bad"])
def test_crc_forms(form):
    msg = short_body(FIX)
    crc = with_crc(msg)[-4:]
    text = {"upper": f"{msg};{crc}", "lower": f"{msg};{crc.lower()}", "v1.1": msg,
            "bad": msg + ";0000"}[form]
    conn = WialonConnection()
    conn.feed(packet("L", f"{IMEI};NA", crc=False), NOW)
    d = one(conn, f"#SD#{text}\r\n".encode())
    assert len(d.positions) == 1 and d.reply == b"#ASD#1\r\n"
    assert d.checksum_ok is (form != "bad")


def test_udp_identity_from_the_datagram_or_the_session():
    conn = WialonUdpConnection()
    d = conn.receive_frame(packet("D", body(FIX), prefix=f"2.0;{IMEI}"), NOW)
    assert d.login == IMEI and d.positions[0].device_id == IMEI
    d = conn.receive_frame(packet("D", body(FIX)), NOW)
    assert d.positions[0].device_id == IMEI


param_items = st.one_of(
    st.tuples(st.just(1), st.integers(-10**12, 10**12)),
    st.tuples(st.just(2), st.floats(-1e6, 1e6).map(lambda x: round(x, 3))),
    st.tuples(st.just(3), st.text("abcXYZ_-.#/ ", min_size=1, max_size=8).filter(
        lambda s: s.lower() not in ("true", "false", "na"))),
)
fixes = st.builds(
    Fix,
    time=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2079, 1, 1),
                      timezones=st.just(UTC)).map(lambda t: t.replace(microsecond=0)),
    lat=st.floats(-89.9, 89.9), lon=st.floats(-179.9, 179.9), speed_kmh=st.floats(0, 500),
    course_deg=st.floats(0, 359.99), altitude_m=st.floats(-400, 9000),
    satellites=st.integers(0, 40),
)


@settings(max_examples=120, deadline=None)
@given(records=st.lists(st.tuples(fixes, st.lists(param_items, max_size=4)), min_size=1,
                        max_size=4), black_box=st.booleans())
def test_round_trip_over_the_catalogue(records, black_box):
    bodies = [body(fix, hdop=1.5, inputs=3, outputs=1, params=[
        (f"p{n}", kind, value) for n, (kind, value) in enumerate(params)])
        for fix, params in records]
    conn = session()
    if black_box:
        out = conn.feed(packet("B", "|".join(bodies)), NOW)
    else:
        out = [d for b in bodies for d in conn.feed(packet("D", b), NOW)]
    got = [p for d in out for p in d.positions]
    assert len(got) == len(records) and sum(d.unknown_items for d in out) == 0
    for p, (fix, params) in zip(got, records):
        assert p.fix_time == fix.time and p.satellites == fix.satellites
        assert p.lat == pytest.approx(fix.lat, abs=1e-7) and p.lon == pytest.approx(fix.lon,
                                                                                    abs=1e-7)
        assert p.speed_kmh == pytest.approx(fix.speed_kmh, abs=0.005 + 1e-9)
        assert p.altitude_m == pytest.approx(fix.altitude_m, abs=0.05 + 1e-9)
        assert (p.hdop, p.attributes["input"], p.attributes["output"]) == (1.5, 3, 1)
        for n, (kind, value) in enumerate(params):
            got_value = p.attributes[f"p{n}"]
            expected = {1: int, 2: float, 3: str}[kind](value)
            assert got_value == expected and type(got_value) is type(expected)
        assert p.attributes.get("archive", False) is black_box
