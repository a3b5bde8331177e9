"""GPS103: every entry of protocols/gps103/_catalogue.py through the device
encoder (protocols/gps103/device.py); accepted time and coordinate forms.

Every message here is written for these tests, not taken from another project.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings, strategies as st

from protocols import MalformedError
from protocols._records import Fix
from protocols.gps103 import Gps103Connection
from protocols.gps103._catalogue import (
    ALT_COLUMNS, KEYWORD_ALARMS, KEYWORD_IGNITION, OBD_COLUMNS, PREFIX_KEYWORDS,
)
from protocols.gps103.device import alternative_report, obd_report, report

UTC = timezone.utc
NOW = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
IMEI = "861234567890123"
A = pytest.approx
FIX = Fix(time=datetime(2024, 3, 5, 11, 30, 15, tzinfo=UTC), lat=-33.5, lon=151.25,
          speed_kmh=18.52, course_deg=90.5, altitude_m=-12.5, satellites=9,
          attributes={"ignition": True})


def one(data: bytes):
    return Gps103Connection(device_id=IMEI).receive_frame(data, NOW)


def the_position(data: bytes):
    d = one(data)
    assert len(d.positions) == 1 and d.events == ()
    return d, d.positions[0]


@pytest.mark.parametrize("keyword, alarm", sorted(KEYWORD_ALARMS.items()))
def test_alarm_keyword(keyword, alarm):
    d, p = the_position(report(IMEI, FIX, keyword=keyword))
    assert p.attributes["alarm"] == alarm and d.unknown_items == 0
    assert (p.lat, p.lon, p.altitude_m) == (A(-33.5), A(151.25), -12.5)


@pytest.mark.parametrize("keyword, ignition", sorted(KEYWORD_IGNITION.items()))
def test_ignition_keyword(keyword, ignition):
    fix = Fix(time=FIX.time, lat=1.0, lon=2.0)
    _, p = the_position(report(IMEI, fix, keyword=keyword))
    assert p.attributes == {"ignition": ignition}


@pytest.mark.parametrize("keyword, expected", [
    ("T:+22", {"alarm": "temperature", "temp1": 22}),
    ("T:-5", {"alarm": "temperature", "temp1": -5}),
    ("oil 51.67", {"alarm": "fuelLeak", "fuel": 51.67}),
    ("oil1", {"alarm": "fuelLeak"}),
    ("vt14", {}),
])
def test_prefix_keyword(keyword, expected):
    assert next(p for p in PREFIX_KEYWORDS if keyword.startswith(p))
    fix = Fix(time=FIX.time, lat=1.0, lon=2.0)
    d, p = the_position(report(IMEI, fix, keyword=keyword))
    assert p.attributes == expected and d.unknown_items == 0


def test_unknown_keyword_is_kept_as_event_and_counted():
    fix = Fix(time=FIX.time, lat=1.0, lon=2.0)
    d, p = the_position(report(IMEI, fix, keyword="qt"))
    assert p.attributes == {"event": "qt"} and d.unknown_items == 1


def test_regular_columns():
    _, p = the_position(report(IMEI, FIX, door=False, fuel1=51.93, fuel2=10.5, temp=-7))
    assert p.attributes == {"ignition": True, "door": False, "fuel1": 51.93, "fuel2": 10.5,
                            "temp1": -7}
    assert (p.speed_kmh, p.course_deg, p.altitude_m) == (A(18.52, abs=1e-3), 90.5, -12.5)
    assert p.fix_time == FIX.time


def test_fields_beyond_the_columns_are_kept():
    d, p = the_position(report(IMEI, FIX, temp=20, extra=("77", "x")))
    assert (p.attributes["io19"], p.attributes["io20"]) == ("77", "x") and d.unknown_items == 2


OBD_VALUES = ["12345", "1.5", "8.2", "10.5", "60", "25.5%", "90", "12.0%", "2100", "13.8"]
OBD_EXPECTED = {"odometer": 12345, "fuelConsumption": 1.5, "fuelAverage": 8.2,
                "hours": 37_800_000, "obdSpeed": 60.0, "engineLoad": 25.5, "coolantTemp": 90,
                "throttle": 12.0, "rpm": 2100, "battery": 13.8}


@pytest.mark.parametrize("column", OBD_COLUMNS, ids=lambda c: c.key)
def test_obd_column(column):
    d = one(obd_report(IMEI, "240305113015", OBD_VALUES, ["P0101"]))
    (e,) = d.events
    assert e.attributes[column.key] == OBD_EXPECTED[column.key]
    assert e.attributes["dtcs"] == "P0101"


ALT_EXPECTED = {"event": 7, "sensorId": "S1", "sensorVoltage": 3.3, "rssi": 21,
                "ignition": True, "charge": False, "error": "E2"}


@pytest.mark.parametrize("column", ALT_COLUMNS, ids=lambda c: c.key)
def test_alternative_column(column):
    frame = alternative_report(IMEI, FIX, event=7, sensor_id="S1", sensor_volts=3.3, rssi=21,
                               hdop=0.9, ignition=True, charge=False, error="E2")
    _, p = the_position(frame)
    assert p.attributes[column.key] == ALT_EXPECTED[column.key]
    assert (p.lat, p.lon, p.speed_kmh, p.altitude_m, p.hdop, p.satellites) == (
        -33.5, 151.25, 19.0, -12.0, 0.9, 9)


# --------------------------------------------------------------- forms


@pytest.mark.parametrize("local", [
    "2403051430", "240305143015", "24/03/05 14:30", "24/03/05 14:30:15", "240305 1430",
])
def test_local_time_forms(local):
    frame = (f"imei:{IMEI},tracker,{local},,F,113015.000,A,5230.1234,N,01322.5678,E,0,0;")
    _, p = the_position(frame.encode())
    # local 14:30 against UTC 11:30 -> +3 h; seconds from the UTC field
    assert p.fix_time == datetime(2024, 3, 5, 11, 30, 15, tzinfo=UTC)


@pytest.mark.parametrize("local", ["", "000000000", "0000000119"])
def test_missing_local_date_uses_the_utc_time_on_todays_date(local):
    frame = f"imei:{IMEI},tracker,{local},,F,113015.000,A,5230.1234,N,01322.5678,E,0,0;"
    _, p = the_position(frame.encode())
    assert p.fix_time == datetime(2024, 3, 5, 11, 30, 15, tzinfo=UTC)


def test_no_usable_time_at_all_is_malformed():
    with pytest.raises(MalformedError):
        one(f"imei:{IMEI},tracker,,,F,,A,5230.1234,N,01322.5678,E,0,0;".encode())


@pytest.mark.parametrize("coordinates", [
    "5230.1234,N,01322.5678,W", "N,5230.1234,W,01322.5678,", "N,5230.1234,W,01322.5678",
])
def test_hemisphere_before_or_after(coordinates):
    frame = f"imei:{IMEI},tracker,2403051430,,F,113015.000,A,{coordinates},5.0,45.0;"
    _, p = the_position(frame.encode())
    assert (p.lat, p.lon) == (A(52 + 30.1234 / 60, abs=1e-12), A(-(13 + 22.5678 / 60), abs=1e-12))
    assert (p.speed_kmh, p.course_deg) == (A(5.0 * 1.852), 45.0)


# --------------------------------------------------------------- round trip


fixes = st.builds(
    Fix,
    time=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2079, 12, 31),
                      timezones=st.just(UTC)).map(lambda t: t.replace(microsecond=0)),
    lat=st.floats(-89.9, 89.9), lon=st.floats(-179.9, 179.9),
    speed_kmh=st.floats(0, 300), course_deg=st.floats(0, 359.99).map(lambda v: round(v, 2)),
    altitude_m=st.floats(-400, 9000).map(lambda v: round(v, 1)), valid=st.booleans(),
    attributes=st.fixed_dictionaries({"ignition": st.booleans()}),
)
keywords = st.sampled_from(sorted(KEYWORD_ALARMS) + sorted(KEYWORD_IGNITION) + ["tracker"])


@settings(max_examples=150, deadline=None)
@given(fix=fixes, keyword=keywords, door=st.booleans(),
       fuel=st.floats(0, 100).map(lambda v: round(v, 2)), temp=st.integers(-40, 125),
       offset=st.integers(-659, 780))
def test_round_trip_over_the_catalogue(fix, keyword, door, fuel, temp, offset):
    frame = report(IMEI, fix, keyword=keyword, utc_offset_minutes=offset, door=door, fuel1=fuel,
                   temp=temp)
    d, p = the_position(frame)
    # the ignition column, when present, wins over the acc on/off keyword (as in Traccar)
    expected = {"door": door, "fuel1": fuel, "temp1": temp, "ignition": fix.attributes["ignition"]}
    if keyword in KEYWORD_ALARMS:
        expected["alarm"] = KEYWORD_ALARMS[keyword]
    assert p.attributes == expected and d.unknown_items == 0
    assert (p.fix_time, p.valid, p.altitude_m) == (fix.time, fix.valid, fix.altitude_m)
    assert p.lat == A(fix.lat, abs=1e-6) and p.lon == A(fix.lon, abs=1e-6)
    assert p.speed_kmh == A(fix.speed_kmh, abs=0.002)


def test_report_without_id_inside_an_identified_session_takes_the_session_identity():
    c = Gps103Connection()
    assert c.receive_frame(f"##,imei:{IMEI},A;".encode(), NOW).login == IMEI
    frame = b"imei:,tracker,2403051430,,F,113015.000,A,5230.1234,N,01322.5678,E,0,0;"
    (p,) = c.receive_frame(frame, NOW).positions
    assert p.device_id == IMEI and p.lat == A(52 + 30.1234 / 60, abs=1e-12)
    with pytest.raises(MalformedError):
        Gps103Connection().receive_frame(frame, NOW)
