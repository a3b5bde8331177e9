"""Totem catalogue (protocols/totem/_catalogue.py): one test per message type,
alarm/event code, status bit, IO bit and column, built with the device-side
encoders (protocols/totem/device.py); unknown types, codes and status bits
kept and counted; accepted forms; a hypothesis round trip over the new
protocol's catalogue."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols import Fix
from protocols._connection import ConnectionOptions
from protocols.totem import TotemConnection
from protocols.totem._catalogue import (KNOWN_STATUS_MASK, NEW_TYPES, OBD_COLUMNS, OLD1_IO, OLD2_IO,
                                        OLD3_COLUMNS, OLD_CODES, STATUS_BITS)
from protocols.totem.device import (new_report, obd_report, old1_report, old2_report, old3_report,
                                    rfid_report)

UTC = timezone.utc
NOW = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
IMEI = "861234567890126"
T0 = datetime(2024, 7, 15, 14, 25, 30, tzinfo=UTC)
FIX = Fix(time=T0, lat=52.5, lon=-13.25, speed_kmh=120.0, course_deg=90.0, satellites=9)
STRICT = ConnectionOptions(strict_checksum=True)


def decode(frame: bytes):
    d = TotemConnection(options=STRICT).receive_frame(frame, NOW)
    assert d.checksum_ok and d.login == IMEI
    return d


def test_catalogue_shape():
    codes = [t.code for t in NEW_TYPES]
    assert len(codes) == len(set(codes)) == 17
    assert sum(w for _, w, _ in OLD3_COLUMNS) == 94 and len(OBD_COLUMNS) == 13
    assert len(OLD_CODES) == 20 and len(STATUS_BITS) == 12


@pytest.mark.parametrize("t", NEW_TYPES, ids=lambda t: t.code)
def test_new_type(t):
    if t.record == "report":
        d = decode(new_report(IMEI, FIX, 45, kind=t.code, status=1 << 14))
        (p,) = d.positions
        assert (p.fix_time, p.valid, p.lat, p.lon, p.speed_kmh) == (T0, True, 52.5, -13.25, 120.0)
        assert p.attributes.get("alarm") == t.alarm and "event" not in p.attributes
        assert d.reply == b"$$0014AA0045" + b"%02X" % _xor(b"$$0014AA0045") and d.defer_reply
    elif t.record == "rfid":
        d = decode(rfid_report(IMEI, FIX, "00A1B2C3"))
        (p,) = d.positions
        assert (p.lat, p.lon, p.valid, p.fix_time) == (52.5, -13.25, True, T0)
        assert p.attributes == {"driverUniqueId": "00A1B2C3"}
    else:
        values = (1500, 20, 8, 12600, 2100, 64, 3, 40, 85, 30, 45, 12, 70)
        d = decode(obd_report(IMEI, FIX, values))
        (p,) = d.positions
        assert (p.lat, p.lon) == (52.5, -13.25)
        assert p.attributes == {"odometer": 1500, "fuelUsed": 20, "fuelConsumption": 8,
                                "power": 12.6, "rpm": 2100, "obdSpeed": 64, "coolantTemp": 85,
                                "intakeTemp": 30, "engineLoad": 45, "throttle": 12, "fuel": 70}
    assert d.unknown_items == 0 and d.unknown is None


def _xor(data: bytes) -> int:
    value = 0
    for b in data:
        value ^= b
    return value


def test_unknown_type_with_a_report_is_kept_as_event_and_counted():
    d = decode(new_report(IMEI, FIX, 1, kind="03", status=1 << 14))
    (p,) = d.positions
    assert p.attributes["event"] == "03" and "alarm" not in p.attributes and d.unknown_items == 1


@pytest.mark.parametrize("bit, key, kind", STATUS_BITS)
def test_status_bit(bit, key, kind):
    valid_bit = 1 << 12 if kind.startswith("gps (with") else 1 << 14
    temps = ("0019", "0020") if bit == 12 else ()
    d = decode(new_report(IMEI, FIX, 1, status=(1 << bit) | valid_bit, temps=temps))
    (p,) = d.positions
    attrs = p.attributes
    assert attrs["status"] == (1 << bit) | valid_bit and d.unknown_items == 0
    if kind == "alarm":
        assert attrs["alarm"] == key
    elif kind == "flag":
        assert attrs[key] is True
    else:
        assert p.valid is True
        # the other GPS bit alone does not make the fix valid
        other = 1 << 14 if bit == 12 else 1 << 12
        (q,) = decode(new_report(IMEI, FIX, 1, status=other, temps=temps)).positions
        assert q.valid is False


@pytest.mark.parametrize("bit", sorted(set(range(32)) - {b for b, _, _ in STATUS_BITS}))
def test_status_bits_outside_the_catalogue_are_counted(bit):
    d = decode(new_report(IMEI, FIX, 1, status=(1 << bit) | (1 << 14)))
    assert d.positions[0].attributes["status"] == (1 << bit) | (1 << 14) and d.unknown_items == 1


@pytest.mark.parametrize("battery, adc, temps, cell, temp3, expected", [
    ("4213", (10,), (), "1A2B3C4D", "", {"battery": 4.2, "power": 13.0, "adc1": 10}),
    ("415", (1, 2, 3, 4), ("0019",), "1A2B3C4D", "",
     {"battery": 4.15, "adc1": 1, "adc2": 2, "adc3": 3, "adc4": 4, "temp1": "0019"}),
    ("4213", (10,), (), "1A2B3C4D01262", "", {"battery": 4.2, "power": 13.0, "adc1": 10}),
    ("0912", (0,), ("0019", "0020"), "1A2B3C4D", "0021",
     {"battery": 0.9, "power": 12.0, "adc1": 0, "temp1": "0019", "temp2": "0020", "temp3": "0021"}),
])
def test_new_columns_and_optional_groups(battery, adc, temps, cell, temp3, expected):
    """The optional groups are told apart by the total width only (as in Traccar); a
    3-digit battery together with MNC/MCC has the width of other layouts and is read as
    them, so it is not among these cases."""
    d = decode(new_report(IMEI, FIX, 7, battery=battery, adc=adc, temps=temps, cell=cell,
                          temp3=temp3, rssi=25, hdop=2.5, odometer_km=42))
    (p,) = d.positions
    attrs = dict(p.attributes)
    for key in ("status", "ignition", "charge", "out1", "out2", "out3"):
        attrs.pop(key)
    assert attrs == {**expected, "rssi": 25, "odometer": 42000}
    assert (p.hdop, p.satellites, p.course_deg) == (2.5, 9, 90.0)


@pytest.mark.parametrize("c", OLD_CODES, ids=lambda c: c.code)
@pytest.mark.parametrize("variant", ["old1", "old2", "old3"])
def test_old_code(c, variant):
    encoder = {"old1": old1_report, "old2": old2_report, "old3": old3_report}[variant]
    d = decode(encoder(IMEI, FIX, code=c.code))
    attrs = d.positions[0].attributes
    assert attrs.get("alarm") == c.alarm and attrs.get("event") == c.event
    assert d.unknown_items == 0 and d.reply == b"ACK OK\r\n"


def test_unknown_old_code_is_kept_and_counted():
    d = decode(old2_report(IMEI, FIX, code="7F"))
    assert d.positions[0].attributes["event"] == "7F" and d.unknown_items == 1


@pytest.mark.parametrize("bit, key", OLD1_IO)
def test_old1_io_bit(bit, key):
    io = format(1 << bit, "012b")
    attrs = decode(old1_report(IMEI, FIX, io=io)).positions[0].attributes
    assert attrs[key] is True and attrs["status"] == 1 << bit
    assert [k for _, k in OLD1_IO if attrs[k]] == [key]


def test_old1_sos_bit_and_every_column():
    d = decode(old1_report(IMEI, FIX, io="000000000001", voltage="03671251", adc="0512",
                           temp="0345", odometer_km=12.5, dops=(1.5, 0.9, 1.2)))
    (p,) = d.positions
    assert p.hdop == 0.9 and p.course_deg == 90.0
    assert p.attributes == {"alarm": "sos", "pdop": 1.5, "vdop": 1.2, "status": 1, "in1": False,
                            "in2": False, "in3": False, "in4": False, "out1": False,
                            "out2": False, "charge": False, "battery": 3.67, "power": 1251,
                            "adc1": "0512", "temp1": "0345", "odometer": 12500.0}


@pytest.mark.parametrize("bit, key", OLD2_IO)
def test_old2_io_bit(bit, key):
    attrs = decode(old2_report(IMEI, FIX, io=format(1 << bit, "012b"))).positions[0].attributes
    assert attrs[key] is True and attrs["status"] == 1 << bit
    assert [k for _, k in OLD2_IO if attrs[k]] == [key]


def test_old3_columns():
    fix = Fix(time=T0, lat=-52.5, lon=13.25, speed_kmh=10 * 1.852, course_deg=270.0, satellites=8)
    d = decode(old3_report(IMEI, fix, code="30", io="8001", charging="0", battery=41, power=12,
                           adc=("0011", "0022"), temps=("024", "-05"), pdop=3.5, odometer_km=99))
    (p,) = d.positions
    assert (p.lat, p.lon, p.course_deg, p.satellites) == (-52.5, 13.25, 270.0, 8)
    assert p.speed_kmh == pytest.approx(10 * 1.852)
    assert p.attributes == {"io1": "8001", "battery": 4.1, "power": 12.0, "adc1": "0011",
                            "adc2": "0022", "temp1": "024", "temp2": "-05", "pdop": 3.5,
                            "odometer": 99000.0, "charge": False, "alarm": "parking"}


@pytest.mark.parametrize("when", [
    datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),   # two-digit year 99 -> 1999 (old), ddmmyy
    datetime(2024, 2, 29, 0, 0, 0, tzinfo=UTC),
])
def test_old_date_forms(when):
    fix = Fix(time=when, lat=1.0, lon=2.0)
    for encoder in (old1_report, old2_report, old3_report):
        assert decode(encoder(IMEI, fix)).positions[0].fix_time == when


def test_extreme_coordinates():
    fix = Fix(time=T0, lat=-90.0, lon=180.0)
    for frame in (new_report(IMEI, fix, 1, status=1 << 14), old2_report(IMEI, fix),
                  old3_report(IMEI, fix), rfid_report(IMEI, fix, "1")):
        (p,) = decode(frame).positions
        assert (p.lat, p.lon) == (-90.0, 180.0)


_REPORT_CODES = [t.code for t in NEW_TYPES if t.record == "report"]


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(_REPORT_CODES), seconds=st.integers(0, 79 * 365 * 86400),
       lat=st.integers(-5_399_999, 5_399_999), lon=st.integers(-10_799_999, 10_799_999),
       speed=st.integers(0, 999), course=st.integers(0, 359), sats=st.integers(0, 99),
       status=st.integers(0, 2**32 - 1), rssi=st.integers(0, 31), odometer=st.integers(0, 9_999_999),
       adc=st.lists(st.integers(0, 0xFFFF), min_size=1, max_size=1) | st.lists(
           st.integers(0, 0xFFFF), min_size=4, max_size=4))
def test_round_trip_over_the_new_catalogue(kind, seconds, lat, lon, speed, course, sats, status,
                                           rssi, odometer, adc):
    fix = Fix(time=datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds),
              lat=lat / 60000, lon=lon / 60000, speed_kmh=float(speed), course_deg=float(course),
              satellites=sats)
    d = decode(new_report(IMEI, fix, 9, kind=kind, status=status, adc=tuple(adc), rssi=rssi,
                          odometer_km=odometer))
    (p,) = d.positions
    assert (p.fix_time, p.speed_kmh, p.course_deg, p.satellites) == (fix.time, fix.speed_kmh,
                                                                     fix.course_deg, sats)
    assert abs(p.lat - fix.lat) < 1e-9 and abs(p.lon - fix.lon) < 1e-9
    assert p.valid == bool(status >> 14 & 1)
    alarm = dict((t.code, t.alarm) for t in NEW_TYPES).get(kind) or next(
        (k for b, k, kind_ in STATUS_BITS if kind_ == "alarm" and status >> b & 1), None)
    expected = {"status": status, "battery": 4.2, "power": 13.0, "rssi": rssi,
                "odometer": odometer * 1000,
                **{f"adc{n}": v for n, v in enumerate(adc, start=1)},
                **{k: bool(status >> b & 1) for b, k, kind_ in STATUS_BITS if kind_ == "flag"}}
    if alarm is not None:
        expected["alarm"] = alarm
    assert p.attributes == expected
    assert d.unknown_items == bin(status & ~KNOWN_STATUS_MASK).count("1")
