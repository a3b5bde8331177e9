"""H02: every entry of protocols/h02/_catalogue.py through the device encoder
(protocols/h02/device.py); accepted forms (validity, coordinates, time).

Every message here is written for these tests, not taken from another project.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings, strategies as st

from protocols._records import Fix
from protocols.h02 import H02Connection
from protocols.h02._catalogue import LINK_COLUMNS, MESSAGE_TYPES, STATUS_ALARMS, STATUS_FLAGS
from protocols.h02.device import encode_binary, encode_heartbeat, encode_v1

UTC = timezone.utc
NOW = datetime(2024, 3, 5, 10, 20, 30, tzinfo=UTC)
DEV = "1234567890"
A = pytest.approx
FIX = Fix(time=datetime(2024, 3, 5, 10, 15, 30, tzinfo=UTC), lat=-33.5, lon=151.25,
          speed_kmh=18.52, course_deg=90.0)
QUIET = 0xFFFFFFFF & ~(1 << 10)  # every active-low bit idle, ACC off


def conn(**extra) -> H02Connection:
    from protocols._connection import ConnectionOptions
    return H02Connection(options=ConnectionOptions(extra=extra))


def the_position(frame: bytes):
    d = conn().receive_frame(frame, NOW)
    assert len(d.positions) == 1 and d.events == ()
    return d, d.positions[0]


@pytest.mark.parametrize("entry", STATUS_ALARMS, ids=lambda e: f"bit{e.bit}")
def test_status_alarm_bit(entry):
    _, p = the_position(encode_v1(DEV, FIX, status=QUIET & ~(1 << entry.bit)))
    assert p.attributes["alarm"] == entry.value
    assert p.attributes["status"] == QUIET & ~(1 << entry.bit)


def test_quiet_status_raises_no_alarm():
    _, p = the_position(encode_v1(DEV, FIX, status=QUIET))
    assert "alarm" not in p.attributes and p.attributes["ignition"] is False


def test_only_the_first_alarm_in_catalogue_order_is_reported():
    both = QUIET & ~(1 << 2) & ~(1 << 19)  # overspeed and power cut
    _, p = the_position(encode_v1(DEV, FIX, status=both))
    assert p.attributes["alarm"] == "overspeed"


@pytest.mark.parametrize("entry", STATUS_FLAGS, ids=lambda e: e.key)
def test_status_flag(entry):
    _, on = the_position(encode_v1(DEV, FIX, status=QUIET | 1 << entry.bit))
    _, off = the_position(encode_v1(DEV, FIX, status=QUIET & ~(1 << entry.bit)))
    assert (on.attributes[entry.key], off.attributes[entry.key]) == (entry.value, not entry.value)


def test_binary_report_uses_the_same_status_table():
    fix = Fix(time=FIX.time, lat=FIX.lat, lon=FIX.lon, attributes={"ignition": True})
    d = conn().receive_frame(encode_binary(DEV, fix, battery=5), NOW)
    (p,) = d.positions
    assert p.attributes == {"status": 0xFFFFFFFF, "ignition": True, "batteryLevel": 80}


# --------------------------------------------------------------- message types


@pytest.mark.parametrize("kind", sorted(k for k, v in MESSAGE_TYPES.items() if v == "position"
                                        and k != "VP1") + ["V2", "V5", "V6", "V8", "V19", "VI1"])
def test_position_types(kind):
    answer = ("S20", "DONE", "101000") if kind == "V4" else ()
    d, p = the_position(encode_v1(DEV, FIX, kind=kind, answer=answer))
    assert (p.lat, p.lon, p.fix_time, p.valid) == (A(-33.5), A(151.25), FIX.time, True)
    assert p.speed_kmh == A(18.52, abs=1e-9) and p.course_deg == 90.0
    if kind == "V4":
        assert p.attributes["result"] == "S20,DONE"
    assert (d.reply is not None) == (kind == "V1")


@pytest.mark.parametrize("validity", ["A", "B"])
def test_vp1_position_letters_both_mean_a_fix(validity):
    frame = f"*hq,{DEV},VP1,{validity},3330.0000,S,15115.0000,E,10.00,90.0,050324#".encode()
    _, p = the_position(frame)
    assert p.valid is True and (p.lat, p.lon) == (A(-33.5), A(151.25))
    assert p.fix_time == datetime(2024, 3, 5, tzinfo=UTC)


@pytest.mark.parametrize("battery", [None, 87])
def test_heartbeat_battery(battery):
    d = conn().receive_frame(encode_heartbeat(DEV, battery), NOW)
    assert d.reply == f"*HQ,{DEV},HTBT#".encode()
    if battery is None:
        assert d.events == ()
    else:
        assert [(e.type, e.attributes) for e in d.events] == [("status", {"batteryLevel": 87})]


def test_link_columns():
    values = {"rssi": 18, "sat": 7, "batteryLevel": 55, "steps": 1200, "turnovers": 3}
    fields = ["*HQ", DEV, "LINK", "091500"] + [""] * 5 + ["050324", "FFFFFBFF"]
    for key, index in LINK_COLUMNS.items():
        fields[index] = str(values[key])
    (e,) = conn().receive_frame((",".join(fields) + "#").encode(), NOW).events
    assert {k: e.attributes[k] for k in LINK_COLUMNS} == values


def test_v3_cells_and_battery():
    frame = (f"*HQ,{DEV},V3,091500,26201,02,004011,012345,150,-70,004011,012346,140,-80,"
             f"0300,0,X,050324,FFFFFBFF#").encode()
    (e,) = conn().receive_frame(frame, NOW).events
    assert e.attributes == {"status": 0xFFFFFBFF, "ignition": False, "mcc": 262, "mnc": 1,
                            "lac": 4011, "cid": 12345, "cellCount": 2, "battery": 0x300}


# --------------------------------------------------------------- forms and kept fields


def test_sensor_tail_with_negative_altitude_and_temperature():
    d, p = the_position(encode_v1(DEV, FIX, tail=("1500", "-5", "42.5", "-20", "0FA0", "3039")))
    assert p.altitude_m == -20.0
    assert {k: p.attributes[k] for k in ("odometer", "temp1", "fuel", "lac", "cid")} == {
        "odometer": 1500, "temp1": -5, "fuel": 42.5, "lac": 0x0FA0, "cid": 0x3039}
    assert d.unknown_items == 0


def test_free_tail_is_kept_and_counted():
    d, p = the_position(encode_v1(DEV, FIX, tail=("262", "01", "fa0")))
    assert (p.attributes["io1"], p.attributes["io2"], p.attributes["io3"]) == ("262", "01", "fa0")
    assert d.unknown_items == 3


@pytest.mark.parametrize("validity, valid", [("A", True), ("V", False), ("B", False),
                                             ("", False), ("0", True), ("2", True)])
def test_validity_forms(validity, valid):
    frame = f"*HQ,{DEV},V1,101530,{validity},3330.0000,S,15115.0000,E,0,0,050324,FFFFFBFF#"
    _, p = the_position(frame.encode())
    assert p.valid is valid


@pytest.mark.parametrize("lat, lon", [
    ("3330.0000", "15115.0000"), ("-33-30.0000", "-151-15.0000"), ("33300000", "151150000"),
])
def test_coordinate_forms(lat, lon):
    frame = f"*HQ,{DEV},V1,101530,A,{lat},S,{lon},E,0,0,050324,FFFFFBFF#".encode()
    _, p = the_position(frame)
    assert (p.lat, p.lon) == (A(-33.5, abs=1e-9), A(151.25, abs=1e-9))


# --------------------------------------------------------------- round trip


fixes = st.builds(
    Fix,
    time=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2079, 12, 31),
                      timezones=st.just(UTC)).map(lambda t: t.replace(microsecond=0)),
    lat=st.floats(-89.9, 89.9), lon=st.floats(-179.9, 179.9),
    speed_kmh=st.floats(0, 300), course_deg=st.integers(0, 359).map(float),
    valid=st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(fix=fixes, status=st.integers(0, 0xFFFFFFFF),
       kind=st.sampled_from(["V1", "V4", "V5", "V19"]))
def test_round_trip_over_the_catalogue(fix, status, kind):
    answer = ("S20", "DONE") if kind == "V4" else ()
    _, p = the_position(encode_v1(DEV, fix, kind=kind, answer=answer, status=status))
    first = next((e for e in STATUS_ALARMS if not status >> e.bit & 1), None)
    assert p.attributes.get("alarm") == (first.value if first else None)
    assert p.attributes["ignition"] is bool(status >> 10 & 1)
    assert p.attributes["status"] == status
    assert (p.fix_time, p.valid) == (fix.time, fix.valid)
    assert p.lat == A(fix.lat, abs=1e-6) and p.lon == A(fix.lon, abs=1e-6)


@pytest.mark.parametrize("time_text, date_text, expected", [
    ("101530", "050324", datetime(2024, 3, 5, 10, 15, 30, tzinfo=UTC)),
    ("", "050324", datetime(2024, 3, 5, tzinfo=UTC)),
    ("101530", "", NOW),
    ("", "", NOW),
])
def test_time_and_date_forms(time_text, date_text, expected):
    frame = f"*HQ,{DEV},V1,{time_text},A,3330.0000,S,15115.0000,E,0,0,{date_text},FFFFFBFF#"
    _, p = the_position(frame.encode())
    assert p.fix_time == expected
