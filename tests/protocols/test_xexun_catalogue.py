"""Xexun catalogue (protocols/xexun/_catalogue.py): one test per event text,
signal letter and tail column, built with the device-side encoder
(protocols/xexun/device.report); unknown texts and columns kept and counted;
the accepted time, date, number and checksum forms; a hypothesis round trip
over the whole catalogue."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols import ChecksumError
from protocols._checksum import nmea_checksum
from protocols._connection import ConnectionOptions
from protocols._records import Fix
from protocols.xexun import XexunConnection
from protocols.xexun._catalogue import ADC_KEYS, EVENTS, HEAD_COLUMNS, SIGNALS, TAIL_COLUMNS
from protocols.xexun.device import report

UTC = timezone.utc
NOW = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
IMEI = "861234567890126"
EXT = ConnectionOptions(extra={"extended": True})
T0 = datetime(2024, 7, 15, 14, 25, 30, tzinfo=UTC)
FIX = Fix(time=T0, lat=52.5, lon=-13.25, speed_kmh=18.52, course_deg=90.5, altitude_m=-20.5,
          satellites=7)
NO_EXTRA = ("", "", "", "", "", "")
BASE = {"serial": "240715142530", "number": "+10000000000", "signal": "F", "power": 4.1,
        "charge": True}


def decode(line: bytes, options: ConnectionOptions = EXT):
    (d,) = XexunConnection(options=options).feed(line, NOW)
    return d


def test_catalogue_shape():
    assert len(EVENTS) == 9 and SIGNALS == {"F", "L"}
    assert [c.key for c in HEAD_COLUMNS] == ["serial", "number"]
    assert [c.index for c in TAIL_COLUMNS] == [0, 1, 2, 3, 6, 7, 8, 9]
    assert ADC_KEYS == {"ADC1": "adc1", "ADC2": "adc2"}


@pytest.mark.parametrize("text", sorted(EVENTS))
@pytest.mark.parametrize("case", [str.lower, str.upper, str.title])
def test_event_text(text, case):
    d = decode(report(IMEI, FIX, event=case(text), extra=NO_EXTRA))
    (p,) = d.positions
    assert p.attributes == {**BASE, **EVENTS[text]} and d.unknown_items == 0
    # the default framer (GPRMC ... imei:<id>,) sees the same event
    (p,) = decode(report(IMEI, FIX, event=case(text)), ConnectionOptions()).positions
    assert p.attributes == {"signal": "F", **EVENTS[text]}


@pytest.mark.parametrize("signal", sorted(SIGNALS))
def test_signal_letter(signal):
    (p,) = decode(report(IMEI, FIX, signal=signal, extra=NO_EXTRA)).positions
    assert p.attributes["signal"] == signal


def test_unknown_event_text_is_kept_and_counted():
    d = decode(report(IMEI, FIX, event="door open!", extra=NO_EXTRA))
    assert d.positions[0].attributes == {**BASE, "event": "door open!"} and d.unknown_items == 1


def test_every_tail_column():
    fix = FIX
    d = decode(report(IMEI, fix, power=3.55, power_letter="L", adc=(0.2, 1.25), charging="0",
                      extra=("31", "7", "262", "01", "1A2B", "3C4D", "12.5")))
    (p,) = d.positions
    assert (p.satellites, p.altitude_m) == (7, -20.5)
    assert p.attributes == {"serial": "240715142530", "number": "+10000000000", "signal": "F",
                            "power": 3.55, "adc1": 0.2, "adc2": 1.25, "charge": False,
                            "io4": "31", "io5": "7", "io10": "12.5"}
    assert d.unknown_items == 3


def test_odd_power_parts_and_charging_are_kept():
    d = decode(report(IMEI, FIX, adc=(0.5, 0.25, 2.0), charging="x", extra=NO_EXTRA))
    attrs = d.positions[0].attributes
    assert (attrs["adc1"], attrs["adc2"], attrs["adc3"], attrs["io3"]) == (0.5, 0.25, "2.00V", "x")
    assert "charge" not in attrs and d.unknown_items == 2


def _frame(rmc: bytes, checksum: bytes | None = None) -> bytes:
    cs = checksum if checksum is not None else b"%02X" % nmea_checksum(rmc)
    return rmc + b"*" + cs + b",F,,imei:" + IMEI.encode() + b","


@pytest.mark.parametrize("time, date, expected", [
    ("142530.000", "150724", T0),                        # hhmmss.sss, ddmmyy
    ("142530", "150724", T0),                            # no fraction
    ("142530.5", "150724", T0),                          # fraction ignored
    ("235959", "311299", datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC)),  # yy 80-99 -> 19yy
    ("", "150724", datetime(2024, 7, 15, 12, 0, tzinfo=UTC)),              # empty time: now's time
    ("142530", "", datetime(2024, 3, 5, 14, 25, 30, tzinfo=UTC)),          # empty date: now's date
])
def test_time_and_date_forms(time, date, expected):
    rmc = f"GPRMC,{time},A,5230.0000,N,01315.0000,E,10.00,90.50,{date},,,A".encode()
    (p,) = XexunConnection().receive_frame(_frame(rmc), NOW).positions
    assert p.fix_time == expected


@pytest.mark.parametrize("lat, ns, lon, ew, expected", [
    ("5230.0000", "N", "01315.0000", "E", (52.5, 13.25)),
    ("5230.0000", "S", "01315.0000", "W", (-52.5, -13.25)),
    ("30.0000", "N", "1315.0000", "", (0.5, 13.25)),      # dropped zeros, missing E/W
    ("9000.0000", "S", "18000.0000", "W", (-90.0, -180.0)),
])
def test_coordinate_forms(lat, ns, lon, ew, expected):
    rmc = f"GPRMC,142530.000,A,{lat},{ns},{lon},{ew},,,150724,,,A".encode()
    (p,) = XexunConnection().receive_frame(_frame(rmc), NOW).positions
    assert (p.lat, p.lon) == pytest.approx(expected, abs=1e-12)
    assert p.speed_kmh is None and p.course_deg is None


@pytest.mark.parametrize("form, ok", [("upper", True), ("lower", True), ("wrong", False)])
def test_checksum_forms(form, ok):
    rmc = b"GPRMC,142530.000,A,5230.0000,N,01315.0000,E,10.00,90.50,150724,,,A"
    value = nmea_checksum(rmc)
    written = {"upper": b"%02X" % value, "lower": b"%02x" % value, "wrong": b"%02X" % (value ^ 1)}[form]
    d = XexunConnection().receive_frame(_frame(rmc, written), NOW)
    assert d.checksum_ok is ok and len(d.positions) == 1
    if not ok:
        with pytest.raises(ChecksumError):
            XexunConnection(options=ConnectionOptions(strict_checksum=True)).receive_frame(
                _frame(rmc, written), NOW)


_EVENT_TEXTS = st.sampled_from(sorted(EVENTS) + ["", "speed!", "stockade"])


@settings(max_examples=150, deadline=None)
@given(seconds=st.integers(0, 70 * 365 * 86400), lat=st.integers(-899999, 899999),
       lon=st.integers(-1799999, 1799999), sats=st.integers(0, 24), alt=st.integers(-5000, 90000),
       event=_EVENT_TEXTS, signal=st.sampled_from(sorted(SIGNALS)),
       power=st.integers(0, 1500), adc=st.lists(st.integers(0, 500), max_size=2),
       charging=st.sampled_from(["0", "1"]),
       extra=st.lists(st.sampled_from(["", "5", "abc"]), min_size=6, max_size=8))
def test_round_trip_over_the_catalogue(seconds, lat, lon, sats, alt, event, signal, power, adc,
                                       charging, extra):
    fix = Fix(time=datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds),
              lat=lat / 10000, lon=lon / 10000, altitude_m=alt / 10, satellites=sats)
    d = decode(report(IMEI, fix, event=event, signal=signal, power=power / 100,
                      adc=tuple(a / 100 for a in adc), charging=charging, extra=tuple(extra)))
    (p,) = d.positions
    assert (p.fix_time, p.satellites, p.altitude_m) == (fix.time, sats, fix.altitude_m)
    assert abs(p.lat - fix.lat) < 1e-9 and abs(p.lon - fix.lon) < 1e-9
    expected: dict = {"serial": f"{fix.time:%y%m%d%H%M%S}", "number": "+10000000000",
                      "signal": signal, "power": power / 100, "charge": charging == "1"}
    unknown = 0
    if event in EVENTS:
        expected.update(EVENTS[event])
    elif event:
        expected["event"] = event
        unknown += 1
    for n, value in enumerate(adc, start=1):
        expected[f"adc{n}"] = value / 100
    for index, text in enumerate(extra, start=4):
        if text and index not in (6, 7, 8, 9):
            expected[f"io{index}"] = text
            unknown += 1
    assert p.attributes == expected and d.unknown_items == unknown
