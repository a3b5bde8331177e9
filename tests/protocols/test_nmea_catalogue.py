"""NMEA (t55): every catalogue entry of protocols/nmea/_catalogue.py, built with
the device-side encoder, plus the accepted time, date and checksum forms.

All lines are written here (checksums by ``device.sentence``); none is taken
from another project's test suite.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest
from hypothesis import given, settings, strategies as st

from protocols import ChecksumError, MalformedError
from protocols._connection import ConnectionOptions
from protocols._records import Fix, UnknownMessage
from protocols.nmea import NmeaConnection
from protocols.nmea._catalogue import (
    GPIOP_COLUMNS, IDENTITY_ONLY, QZE_COLUMNS, SENTENCES, T55_COLUMNS, WMCS_TAGS,
)
from protocols.nmea._standard import nmea_date, nmea_time
from protocols.nmea._vendor import _WMCS_TAGS
from protocols.nmea.device import gpiop, qze, sentence, t55_rmc

UTC = timezone.utc
NOW = datetime(2024, 3, 5, 12, 0, 0, tzinfo=UTC)
DEV = "861234567890100"
A = pytest.approx
FIX = Fix(time=datetime(2024, 2, 1, 10, 15, 30, tzinfo=UTC), lat=-33.5, lon=151.25,
          speed_kmh=18.52, course_deg=90.0, satellites=7)


def conn(device_id=DEV, **options) -> NmeaConnection:
    return NmeaConnection(device_id=device_id, options=ConnectionOptions(**options))


# --------------------------------------------------------------- catalogue tables


def test_catalogue_tables_agree_with_the_decoders():
    assert set(_WMCS_TAGS) == set(WMCS_TAGS)
    assert all(_WMCS_TAGS[tag][0] == arity for tag, arity in WMCS_TAGS.items())
    assert IDENTITY_ONLY == {"PGID", "DEVID", "PCPTI", "IMEI", "PSIWMDID", "CONNECT", "GPFID"}
    assert set(SENTENCES.values()) == {"position", "event", "identity"}


T55_EXPECTED = {"sat": 7, "ignition": True, "fuel": 42, "battery": 87}


@pytest.mark.parametrize("column", [c for c in T55_COLUMNS if c.kind != "id"],
                         ids=lambda c: c.key)
def test_t55_column(column):
    d = conn(None).receive_frame(t55_rmc(FIX, "861234567890125", ignition=True, fuel=42,
                                         battery=87), NOW)
    p = d.positions[0]
    value = p.satellites if column.key == "sat" else p.attributes[column.key]
    assert value == T55_EXPECTED[column.key]
    assert d.login == p.device_id == "861234567890125" and d.unknown_items == 0


def test_t55_parameters_beyond_the_table_are_kept_as_io_and_counted():
    line = t55_rmc(FIX, "861234567890125", ignition=False, fuel=0, battery=12,
                   parameters=(123, 456, 7))
    d = conn(None).receive_frame(line, NOW)
    assert d.positions[0].attributes == {"ignition": False, "fuel": 0, "battery": 12,
                                         "io1": 123, "io2": 456, "io3": 7}
    assert d.unknown_items == 3


GPIOP_EXPECTED = {"input": 0b10000101, "output": 0b10, "adc1": 1.25, "adc2": 0.5,
                  "adc3": 3.0, "adc4": 0.0, "power": 12.6, "battery": 4.05}


@pytest.mark.parametrize("column", GPIOP_COLUMNS, ids=lambda c: c.key)
def test_gpiop_column(column):
    d = conn().receive_frame(gpiop(0b10000101, 0b10, (1.25, 0.5, 3.0, 0.0), 12.6, 4.05), NOW)
    assert d.events[0].type == "io" and d.events[0].time == NOW
    assert d.events[0].attributes[column.key] == A(GPIOP_EXPECTED[column.key], abs=1e-9)
    assert d.unknown_items == 0


def test_gpiop_extra_field_is_kept():
    line = sentence("GPIOP,00000000,00000000,0.00,0.00,0.00,0.00,12.00,4.00,77")
    d = conn().receive_frame(line, NOW)
    assert d.events[0].attributes["io8"] == 77 and d.unknown_items == 1


@pytest.mark.parametrize("column", QZE_COLUMNS, ids=lambda c: c.key)
@pytest.mark.parametrize("ignition", [False, True])
def test_qze_column(column, ignition):
    d = conn(None).receive_frame(qze("861234567890123", 35, FIX, ignition=ignition), NOW)
    p = d.positions[0]
    assert {"event": 35, "ignition": ignition}[column.key] == p.attributes[column.key]
    assert (p.lat, p.lon, p.speed_kmh, p.course_deg) == (-33.5, 151.25, 19.0, 90.0)
    assert p.fix_time == datetime(2024, 2, 1, 10, 15, 30, tzinfo=UTC)


def test_gptxt_net_columns():
    d = conn().receive_frame(sentence("GPTXT,NET,1003,A1,-53,232 01"), NOW)
    assert d.events[0].attributes == {"lac": 0x1003, "cid": 0xA1, "rssi": -53,
                                      "mcc": 232, "mnc": 1}


# --------------------------------------------------------------- forms


@pytest.mark.parametrize("text, expected", [
    ("101530", time(10, 15, 30, tzinfo=UTC)),
    ("101530.5", time(10, 15, 30, 500000, tzinfo=UTC)),
    ("101530.", time(10, 15, 30, tzinfo=UTC)),
    ("91530.25", time(9, 15, 30, 250000, tzinfo=UTC)),  # leading zero dropped
])
def test_time_forms(text, expected):
    assert nmea_time(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("010224", date(2024, 2, 1)),
    ("311299", date(1999, 12, 31)),
    ("10224", date(2024, 2, 1)),  # dmmyy: leading zero dropped
    ("01022024", date(2024, 2, 1)),  # four-digit year
])
def test_date_forms(text, expected):
    assert nmea_date(text) == expected


def test_short_date_in_an_rmc():
    line = b"$GPRMC,91530,A,3330.0000,S,15115.0000,E,10.0,90.0,10224,,"
    p = conn().receive_frame(line, NOW).positions[0]
    assert p.fix_time == datetime(2024, 2, 1, 9, 15, 30, tzinfo=UTC)


BODY = "GPRMC,101530,A,3330.0000,S,15115.0000,E,10.0,90.0,010224,,"
GOOD = sentence(BODY).strip()
DIGITS = GOOD[-2:]


@pytest.mark.parametrize("line, checksum_ok", [
    (GOOD, True),                                     # *HH
    (GOOD[:-2] + DIGITS.lower(), True),               # *hh
    (b"$" + BODY.encode() + b" * " + DIGITS, True),   # blanks around the star
    (b"$" + BODY.encode(), True),                     # no checksum at all (None: not a mismatch)
    (b"$" + BODY.encode() + b"*", True),              # a star without digits
    (b"$" + BODY.encode() + b"*7", True),             # one digit: nothing to verify
    (GOOD[:-2] + b"00", False),                       # mismatch: flagged
    (GOOD[:-2] + b"ZZ", False),                       # non-hex: flagged
])
def test_checksum_forms(line, checksum_ok):
    d = conn().receive_frame(line, NOW)
    assert d.checksum_ok is checksum_ok
    assert (d.positions[0].lat, d.positions[0].lon) == (-33.5, 151.25)


def test_checksum_mismatch_in_strict_mode_raises_but_missing_does_not():
    with pytest.raises(ChecksumError):
        conn(strict_checksum=True).receive_frame(GOOD[:-2] + b"00", NOW)
    assert conn(strict_checksum=True).receive_frame(b"$" + BODY.encode() + b"*", NOW).positions


# --------------------------------------------------------------- identity and proprietary


def test_pcpti_identity_with_a_blank():
    c = conn(None)
    assert c.receive_frame(b"$PCPTI,Cradle Point 7,101530,0*00", NOW).login == "Cradle Point 7"
    assert c.receive_frame(GOOD, NOW).positions[0].device_id == "Cradle Point 7"


@pytest.mark.parametrize("line", [
    sentence("PMTK001,314,3"), sentence("PSRF156,1"), sentence("PGRME,15.0,M,45.0,M,25.0,M"),
    b"$PMTK314,0,1,0,1*28",
])
def test_proprietary_sentence_inside_an_identified_session_is_kept_as_unknown(line):
    d = conn().receive_frame(line, NOW)
    assert d.positions == () and d.events == ()
    assert isinstance(d.unknown, UnknownMessage) and d.unknown.device_id == DEV


def test_negative_altitude_and_far_coordinates():
    line = sentence("GPGGA,101530,8959.9999,S,17959.9999,W,1,05,1.0,-46.5,M,0.0,M,,")
    p = conn().receive_frame(line, NOW).positions[0]
    assert p.altitude_m == -46.5
    assert p.lat == A(-(89 + 59.9999 / 60), abs=1e-12)
    assert p.lon == A(-(179 + 59.9999 / 60), abs=1e-12)


def test_bad_lines_still_raise():
    with pytest.raises(MalformedError):
        conn().receive_frame(b"$GPRMC,101530,A,3330.0000,S,15115.0000,E,1,2,321324,,", NOW)


# --------------------------------------------------------------- round trip


fixes = st.builds(
    Fix,
    time=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2079, 12, 31),
                      timezones=st.just(UTC)).map(lambda t: t.replace(microsecond=0)),
    lat=st.floats(-89.9, 89.9), lon=st.floats(-179.9, 179.9),
    speed_kmh=st.floats(0, 300), course_deg=st.floats(0, 359.99),
    satellites=st.integers(0, 40), valid=st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(fix=fixes, ignition=st.booleans(), fuel=st.integers(0, 100),
       battery=st.integers(0, 999), params=st.lists(st.integers(0, 99999), max_size=4),
       event=st.integers(0, 99), inputs=st.integers(0, 255), outputs=st.integers(0, 255))
def test_round_trip_over_the_catalogue(fix, ignition, fuel, battery, params, event, inputs,
                                       outputs):
    c = conn(None)
    d = c.receive_frame(t55_rmc(fix, "861234567890125", ignition=ignition, fuel=fuel,
                                battery=battery, parameters=params), NOW)
    p = d.positions[0]
    assert p.attributes == {"ignition": ignition, "fuel": fuel, "battery": battery,
                            **{f"io{i}": v for i, v in enumerate(params, 1)}}
    assert (p.satellites, p.valid, d.unknown_items) == (fix.satellites, fix.valid, len(params))
    assert p.lat == A(fix.lat, abs=1e-6) and p.lon == A(fix.lon, abs=1e-6)
    assert p.fix_time == fix.time
    q = c.receive_frame(qze("861234567890123", event, fix, ignition=ignition), NOW).positions[0]
    assert q.attributes == {"event": event, "ignition": ignition} and q.fix_time == fix.time
    e = c.receive_frame(gpiop(inputs, outputs, (1.0, 2.0, 3.0, 4.0), 12.5, 4.1), NOW).events[0]
    assert (e.attributes["input"], e.attributes["output"]) == (inputs, outputs)


@pytest.mark.parametrize("line", [b"$PGID,*00", b"$PCPTI,,101530,0", b"$DEVID,*00"])
def test_identity_sentence_without_id_inside_an_identified_session_changes_nothing(line):
    c = conn()
    d = c.receive_frame(line, NOW)
    assert (d.positions, d.events, d.login, c.device_id) == ((), (), None, DEV)
    with pytest.raises(MalformedError):
        conn(None).receive_frame(line, NOW)
