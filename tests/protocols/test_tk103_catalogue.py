"""TK103: every entry of protocols/tk103/_catalogue.py, built with the device
encoder (protocols/tk103/device.py); frames without an id; accepted forms.

Every frame here is written for these tests, not taken from another project.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings, strategies as st

from protocols import MalformedError
from protocols._records import Fix
from protocols.tk103 import Tk103Connection
from protocols.tk103._catalogue import (
    BO01_ALARMS, BQ81_ALARMS, COMMA_COMMANDS, FIXED_COMMANDS, STATUS_BITS,
)
from protocols.tk103.device import comma_frame, position_frame

UTC = timezone.utc
NOW = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
ID = "012345678901"
IMEI = "864768011069660"
A = pytest.approx
FIX = Fix(time=datetime(2024, 2, 1, 10, 15, 30, tzinfo=UTC), lat=-33.5, lon=151.25,
          speed_kmh=46.5, course_deg=90.25, altitude_m=-12.5, satellites=9)


def conn(device_id=None) -> Tk103Connection:
    return Tk103Connection(device_id=device_id)


def the_position(frame: bytes, c=None):
    d = (c or conn()).receive_frame(frame, NOW)
    assert len(d.positions) == 1 and d.events == ()
    return d, d.positions[0]


# --------------------------------------------------------------- status bits


def _status_with(entry) -> str:
    chars = ["1", "0", "0", "0", "0", "0", "0", "0"]  # charge False, ignition False
    if entry.bit < 0:
        chars[entry.char] = entry.match
    else:
        chars[entry.char] = format(1 << entry.bit, "X")
    return "".join(chars)


@pytest.mark.parametrize("entry", STATUS_BITS, ids=lambda e: e.key)
def test_status_bit(entry):
    _, p = the_position(position_frame(ID, FIX, status=_status_with(entry)))
    assert p.attributes[entry.key] is True
    others = {e.key for e in STATUS_BITS if e.key != entry.key and e.always}
    assert all(p.attributes[k] is False for k in others)
    rare = {e.key for e in STATUS_BITS if not e.always and e.key != entry.key}
    assert not rare & set(p.attributes)


def test_status_fuel_and_lowercase_hex():
    _, p = the_position(position_frame(ID, FIX, status="0100a1fe"))
    assert p.attributes["fuel"] == 0x1FE and p.attributes["ls1"] is p.attributes["ls3"] is True
    assert "ls2" not in p.attributes


# --------------------------------------------------------------- alarms


@pytest.mark.parametrize("digit, alarm", sorted(BO01_ALARMS.items()))
def test_bo01_alarm(digit, alarm):
    d, p = the_position(position_frame(ID, FIX, command="BO01", prefix=digit))
    assert p.attributes["alarm"] == alarm and d.unknown_items == 0
    assert (p.lat, p.lon, p.speed_kmh) == (A(-33.5), A(151.25), 46.5)


def test_bo01_unknown_digit_is_kept():
    d, p = the_position(position_frame(ID, FIX, command="BO01", prefix="9"))
    assert p.attributes["ioBO01"] == "9" and "alarm" not in p.attributes
    assert d.unknown_items == 1


@pytest.mark.parametrize("number, alarm", sorted(BQ81_ALARMS.items()))
def test_bq81_alarm(number, alarm):
    _, p = the_position(position_frame(ID, FIX, command="BQ81", prefix=f",ALARM,{number},77,"))
    assert p.attributes["alarm"] == alarm


def test_bq81_unknown_number_is_kept():
    d, p = the_position(position_frame(ID, FIX, command="BQ81", prefix=",ALARM,8,77,"))
    assert p.attributes["ioBQ81"] == "8" and d.unknown_items == 1


@pytest.mark.parametrize("command", sorted(COMMA_COMMANDS))
def test_comma_command(command):
    alarm, ignition = COMMA_COMMANDS[command]
    d, p = the_position(comma_frame(IMEI, command, FIX))
    assert p.attributes.get("alarm") == alarm and p.attributes.get("ignition") == ignition
    assert (p.altitude_m, p.satellites, p.course_deg) == (-12.5, 9, 90.25)
    assert p.fix_time == datetime(2024, 2, 1, 10, 15, 30, tzinfo=UTC) and d.unknown_items == 0


def test_comma_fields_beyond_the_columns_are_kept():
    d, p = the_position(comma_frame(IMEI, "ZC07", FIX, extra=("0", "x1")))
    assert (p.attributes["io9"], p.attributes["io10"]) == ("0", "x1") and d.unknown_items == 2


# --------------------------------------------------------------- command words


@pytest.mark.parametrize("command", sorted(k for k, v in FIXED_COMMANDS.items()
                                           if v in ("position", "reply")))
def test_fixed_command_with_a_position(command):
    _, p = the_position(position_frame(ID, FIX, command=command, odometer=0x1F4))
    assert (p.device_id, p.attributes["odometer"], p.speed_kmh) == (ID, 500, 46.5)


@pytest.mark.parametrize("command", sorted(k for k, v in FIXED_COMMANDS.items() if v == "reply"))
def test_fixed_command_answer_without_a_position(command):
    d = conn().receive_frame(f"({ID}{command}OK,1)".encode(), NOW)
    assert d.positions == ()
    assert [(e.type, e.attributes) for e in d.events] == [("commandResult", {"result": "OK,1"})]


def test_uncatalogued_word_without_a_position_is_unknown():
    d = conn().receive_frame(f"({ID}BX77whatever)".encode(), NOW)
    assert d.unknown is not None and d.unknown.message_type == "BX77"


def test_login_word_carries_imei_then_position_and_is_answered():
    d, p = the_position(position_frame(ID, FIX, command="BP05", prefix=IMEI))
    assert d.reply == f"({ID}AP05)".encode() and p.device_id == ID


# --------------------------------------------------------------- ids and forms


def test_frame_without_id_takes_the_session_identity():
    c = conn()
    c.receive_frame(f"({ID}BP00HSO)".encode(), NOW)
    frame = position_frame(ID, FIX).replace(ID.encode(), b"", 1)
    _, p = the_position(frame, c)
    assert p.device_id == ID
    comma = comma_frame(IMEI, "ZC11", FIX).replace(IMEI.encode(), b"", 1)
    _, q = the_position(comma, c)
    assert q.device_id == ID and q.attributes["alarm"] == "movement"


def test_frame_without_id_before_any_identity_is_malformed():
    with pytest.raises(MalformedError):
        conn().receive_frame(position_frame(ID, FIX).replace(ID.encode(), b"", 1), NOW)


def test_twelve_character_alphanumeric_id():
    _, p = the_position(position_frame("AB0123456789", FIX))
    assert p.device_id == "AB0123456789"


def test_temperature_and_tail():
    d, p = the_position(position_frame(ID, FIX, temperature=-17.5, tail="T113"))
    assert p.attributes["temp1"] == -17.5 and p.attributes["ioTail"] == "T113"
    assert d.unknown_items == 1


@pytest.mark.parametrize("date", ["010224", "10224"])
def test_comma_date_forms(date):
    frame = f"({IMEI},ZC07,{date},A,3330.0000S,15115.0000E,1.0,101530,90.00)".encode()
    _, p = the_position(frame)
    assert p.fix_time == datetime(2024, 2, 1, 10, 15, 30, tzinfo=UTC)


def test_fixed_date_is_yymmdd():
    _, p = the_position(position_frame(ID, FIX))
    assert p.fix_time == datetime(2024, 2, 1, 10, 15, 30, tzinfo=UTC)


# --------------------------------------------------------------- round trip


fixes = st.builds(
    Fix,
    time=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2079, 12, 31),
                      timezones=st.just(UTC)).map(lambda t: t.replace(microsecond=0)),
    lat=st.floats(-89.9, 89.9), lon=st.floats(-179.9, 179.9),
    speed_kmh=st.floats(0, 999).map(lambda v: round(v, 1)),
    course_deg=st.floats(0, 359.99).map(lambda v: round(v, 2)),
    altitude_m=st.floats(-400, 9000).map(lambda v: round(v, 2)),
    satellites=st.integers(0, 40), valid=st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(fix=fixes, status=st.text("0123456789ABCDEF", min_size=8, max_size=8),
       digit=st.sampled_from(sorted(BO01_ALARMS)), command=st.sampled_from(sorted(COMMA_COMMANDS)),
       odometer=st.integers(0, 0xFFFFFFFF), temperature=st.floats(-99.9, 99.9).map(
           lambda v: round(v, 1)))
def test_round_trip_over_the_catalogue(fix, status, digit, command, odometer, temperature):
    c = conn()
    d, p = the_position(position_frame(ID, fix, command="BO01", prefix=digit, status=status,
                                       odometer=odometer, temperature=temperature), c)
    expected = {e.key for e in STATUS_BITS if e.always} | {"fuel", "odometer", "temp1", "alarm"}
    assert expected <= set(p.attributes) and d.unknown_items == 0
    assert (p.attributes["alarm"], p.attributes["odometer"]) == (BO01_ALARMS[digit], odometer)
    assert p.attributes["fuel"] == int(status[5:], 16)
    assert p.attributes["temp1"] == A(temperature, abs=1e-9)
    assert (p.fix_time, p.valid) == (fix.time, fix.valid)
    assert p.lat == A(fix.lat, abs=1e-6) and p.lon == A(fix.lon, abs=1e-6)
    _, q = the_position(comma_frame(IMEI, command, fix), c)
    alarm, ignition = COMMA_COMMANDS[command]
    assert (q.attributes.get("alarm"), q.attributes.get("ignition")) == (alarm, ignition)
    assert (q.altitude_m, q.satellites) == (A(fix.altitude_m, abs=1e-9), fix.satellites)


@pytest.mark.parametrize("moment", ["101530", "101530.250"])
def test_comma_time_forms(moment):
    frame = f"({IMEI},ZC07,010224,A,3330.0000S,15115.0000E,1.0,{moment},90.00)".encode()
    _, p = the_position(frame)
    assert p.fix_time == datetime(2024, 2, 1, 10, 15, 30, tzinfo=UTC)
