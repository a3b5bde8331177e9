"""GPS056 catalogue (protocols/gps056/_catalogue.py): one test per message
type, GPSL field and status-block item, built with the device-side encoder
(Gps056Device, encode_location_body, encode_status_block); the accepted
coordinate forms; a hypothesis round trip over the whole catalogue."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols import Fix
from protocols.gps056 import Gps056Connection
from protocols.gps056 import encode
from protocols.gps056._catalogue import GPSL_FIELDS, MESSAGE_TYPES, STATUS_BLOCK
from protocols.gps056.constants import REPLY_PREFIX
from protocols.gps056.device import Gps056Device, encode_location_body

UTC = timezone.utc
NOW = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
IMEI = "862462033782946"
T0 = datetime(2024, 3, 5, 9, 20, 30, tzinfo=UTC)
FIX = Fix(time=T0, lat=-29.5, lon=73.25, speed_kmh=42.0, course_deg=91.0, satellites=10)
ECHO = b"$#"


def decode(data: bytes, conn=None):
    (d,) = (conn or Gps056Connection()).feed(data, NOW)
    return d


def test_catalogue_shape():
    assert REPLY_PREFIX == {"LOGN": "LGSA", "GPSL": "GPSA", "SYNC": "SYSA"}
    assert sum(f.size for f in GPSL_FIELDS) == 27
    assert [f.offset for f in GPSL_FIELDS] == [0, 3, 6, 11, 16, 17, 19, 25]
    assert [f.key for f in STATUS_BLOCK] == ["input", "output", "adc1", "sat", "rssi"]


def _frame(t, device: Gps056Device) -> bytes:
    if t.record == "login":
        return device.hello()
    if t.record == "position":
        body = encode_location_body(FIX, ECHO, inputs=0x10, outputs=3, rssi=7, adc=251)
        return encode.packet("GPSL", "_02", IMEI, body)
    return device.heartbeat(inputs=1, outputs=2, adc=-1, satellites=3, rssi=5)


@pytest.mark.parametrize("t", MESSAGE_TYPES, ids=lambda t: t.kind)
def test_message_type(t):
    device = Gps056Device(IMEI)
    d = decode(_frame(t, device))
    assert d.login == IMEI and d.unknown is None and d.unknown_items == 0
    if t.record == "login":
        assert d.reply == b"*LGSA_11" + IMEI.encode() + b"1#" and not d.defer_reply
        assert d.positions == () and d.events == ()
    elif t.record == "position":
        (p,) = d.positions
        assert (p.fix_time, p.valid, p.lat, p.lon) == (T0, True, -29.5, 73.25)
        assert (p.speed_kmh, p.course_deg, p.satellites) == (42.0, 91.0, 10)
        assert p.attributes == {"input": 16, "output": 3, "adc1": 251 * 5.06, "rssi": 7}
        assert d.reply == b"*GPSA_02" + IMEI.encode() + ECHO + b"#" and d.defer_reply
    else:
        (e,) = d.events
        assert (e.type, e.time) == ("status", NOW)
        assert e.attributes == {"input": 1, "output": 2, "adc1": -5.06, "sat": 3, "rssi": 5}
        assert d.reply == b"*SYSA_11" + IMEI.encode() + b"#" and d.defer_reply
    assert device.receive_data(d.reply) != []


@pytest.mark.parametrize("item", STATUS_BLOCK, ids=lambda f: f.key)
@pytest.mark.parametrize("value", [0, 1, 127])
def test_status_block_item(item, value):
    kwargs = {"input": "inputs", "output": "outputs", "adc1": "adc", "sat": "satellites",
              "rssi": "rssi"}
    (e,) = decode(Gps056Device(IMEI).heartbeat(**{kwargs[item.key]: value})).events
    assert e.attributes[item.key] == value * item.scale


@pytest.mark.parametrize("hemisphere, expected", [(b"N", 29.5), (b"S", -29.5), (b" ", 29.5),
                                                  (b"\x00", 29.5)])
def test_coordinate_forms(hemisphere, expected):
    body = bytearray(encode_location_body(Fix(time=T0, lat=29.5, lon=1.0), ECHO))
    body[10:11] = hemisphere
    assert decode(encode.packet("GPSL", "_02", IMEI, bytes(body))).positions[0].lat == expected


def test_minutes_as_written_and_extreme_values():
    body = bytearray(encode_location_body(Fix(time=T0, lat=-90.0, lon=-180.0, speed_kmh=255), ECHO))
    (p,) = decode(encode.packet("GPSL", "_02", IMEI, bytes(body))).positions
    assert (p.lat, p.lon, p.speed_kmh) == (-90.0, -180.0, 255.0)
    body[6:10] = (1075).to_bytes(2, "big") + (5000).to_bytes(2, "big")  # 10 deg 75.5 min
    (p,) = decode(encode.packet("GPSL", "_02", IMEI, bytes(body))).positions
    assert p.lat == pytest.approx(-(10 + 75.5 / 60), abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(seconds=st.integers(0, 99 * 365 * 86400), lat=st.integers(-5_400_000, 5_400_000),
       lon=st.integers(-10_800_000, 10_800_000), speed=st.integers(0, 255),
       course=st.integers(0, 359), sats=st.integers(0, 255), inputs=st.integers(0, 255),
       outputs=st.integers(0, 255), adc=st.integers(-32768, 32767), rssi=st.integers(0, 255),
       echo=st.binary(min_size=2, max_size=2))
def test_round_trip_over_the_catalogue(seconds, lat, lon, speed, course, sats, inputs, outputs,
                                       adc, rssi, echo):
    fix = Fix(time=datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds),
              lat=lat / 60000, lon=lon / 60000, speed_kmh=float(speed), course_deg=float(course),
              satellites=sats)
    body = encode_location_body(fix, echo, inputs=inputs, outputs=outputs, rssi=rssi, adc=adc)
    d = decode(encode.packet("GPSL", "_02", IMEI, body))
    (p,) = d.positions
    assert (p.fix_time, p.speed_kmh, p.course_deg, p.satellites) == (fix.time, fix.speed_kmh,
                                                                     fix.course_deg, sats)
    assert abs(p.lat - fix.lat) < 1e-9 and abs(p.lon - fix.lon) < 1e-9
    assert p.attributes == {"input": inputs, "output": outputs, "adc1": adc * 5.06, "rssi": rssi}
    assert d.reply == b"*GPSA_02" + IMEI.encode() + echo + b"#"
