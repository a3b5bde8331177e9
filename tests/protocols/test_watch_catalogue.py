"""Watch catalogue (protocols/watch/_catalogue.py): one test per message type,
status bit, position column and command confirmation, built with the
device-side encoder (WatchDevice.frame, location_content, link_content,
message_content); accepted date/time/number forms; a hypothesis round trip
over the position types and the status table."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols import Fix
from protocols.watch import WatchConnection, WatchDevice
from protocols.watch._catalogue import (ALARM_BITS, COMMAND_ACKS, KNOWN_STATUS_BITS, LINK_COLUMNS,
                                        MESSAGE_TYPES, MOTION_BIT, POSITION_COLUMNS)
from protocols.watch.decode import DECODERS, HEALTH, REPLIES
from protocols.watch.device import link_content, location_content, message_content

NOW = datetime(2024, 3, 5, 12, 0, tzinfo=timezone.utc)
T0 = datetime(2024, 3, 5, 10, 15, 30, tzinfo=timezone.utc)
DEV = "8800000015"
FIX = Fix(time=T0, lat=51.501234, lon=-0.126789, speed_kmh=12.5, course_deg=270.5,
          altitude_m=-12.5, satellites=9, attributes={"steps": 321})
AMR = b"#!AMR\n[],*}\x00\xff"

# type -> (content built by the device encoder, expected (record kind, attributes))
_HEALTH = {
    "heart": (message_content("heart", 72), {"heartRate": 72}),
    "pulse": (message_content("PULSE", 65), {"heartRate": 65}),
    "bphrt": (message_content("bphrt", 121, 80, 70), {"pressureHigh": "121", "pressureLow": "80",
                                                       "heartRate": 70}),
    "blood": (message_content("BLOOD", 110, 70), {"pressureHigh": "110", "pressureLow": "70"}),
    "oxygen": (message_content("oxygen", 0, 98), {"bloodOxygen": 98}),
    "temp": (message_content("TEMP", 36.6), {"temp1": 36.6}),
    "btemp2": (message_content("btemp2", 1, 36.25), {"temp1": 36.25}),
}


def decode(data: bytes, conn: WatchConnection | None = None):
    (d,) = (conn or WatchConnection()).feed(data, NOW)
    return d


def test_catalogue_drives_the_dispatch_tables():
    names = [t.name for t in MESSAGE_TYPES]
    assert len(names) == len(set(names)) == 23
    assert set(DECODERS) | set(HEALTH) == set(names)
    assert set(HEALTH) == set(_HEALTH)
    assert REPLIES == {"LK": "LK", "INIT": "INIT,1", "AL": "AL", "ALCUSTOMER1": "AL",
                       "TKQ": "TKQ", "TKQ2": "TKQ2", "JXTK": "JXTKR,1"}
    assert [c.index for c in POSITION_COLUMNS] == list(range(16))
    assert [c.key for c in LINK_COLUMNS] == ["steps", None, "batteryLevel"]


def _reply(device: WatchDevice, content: str | None) -> bytes | None:
    return None if content is None else device.frame(content)


@pytest.mark.parametrize("t", MESSAGE_TYPES, ids=lambda t: t.name)
def test_message_type(t):
    device = WatchDevice(DEV, manufacturer="3G")
    expected_reply = _reply(device, t.reply)
    if t.record == "position":
        d = decode(device.frame(location_content(t.name, FIX, battery=75, gsm=80)))
        (p,) = d.positions
        assert (p.fix_time, p.lat, p.lon, p.valid) == (T0, 51.501234, -0.126789, True)
        assert (p.speed_kmh, p.course_deg, p.altitude_m, p.satellites) == (12.5, 270.5, -12.5, 9)
        attrs = {"rssi": 80, "batteryLevel": 75, "steps": 321}
        if t.name.startswith("AL"):
            attrs["alarm"] = "general"
        assert p.attributes == attrs
    elif t.record == "health":
        content, attrs = _HEALTH[t.name]
        d = decode(device.frame(content))
        (e,) = d.events
        assert (e.type, e.attributes, e.time, e.device_id) == ("health", attrs, NOW, DEV)
    elif t.name == "LK":
        d = decode(device.frame(link_content(1200, 3, 64)))
        (e,) = d.events
        assert (e.type, e.attributes) == ("status", {"steps": 1200, "batteryLevel": 64})
    elif t.name == "JXTK":
        conn = WatchConnection()
        first = decode(device.frame("JXTK,0,clip,1,2", AMR), conn)
        assert first.events == () and first.reply == expected_reply
        d = decode(device.frame("JXTK,0,clip,2,2", AMR), conn)
        assert d.events[0].attributes == {"audio": "clip.amr"}
    elif t.record == "media":
        d = decode(device.frame(t.name, AMR))
        (e,) = d.events
        key = "image" if t.name == "img" else "audio"
        assert e.type == "media" and e.attributes == {key: "jpg" if key == "image" else "amr",
                                                      f"{key}Size": len(AMR)}
    else:  # INIT, TKQ, TKQ2: answered, no record
        d = decode(device.frame(message_content(t.name, "13800000000", 1) if t.name == "INIT"
                                else t.name))
        assert d.positions == () and d.events == () and d.unknown is None
    assert d.reply == expected_reply and d.unknown_items == 0


@pytest.mark.parametrize("bit, alarm", ALARM_BITS)
def test_status_alarm_bits(bit, alarm):
    device = WatchDevice(DEV)
    d = decode(device.frame(location_content("UD", FIX, status=1 << bit)))
    assert d.positions[0].attributes["alarm"] == alarm and d.unknown_items == 0


def test_status_first_bit_wins_and_motion():
    device = WatchDevice(DEV)
    d = decode(device.frame(location_content("UD", FIX, status=(1 << 20) | (1 << 16) | (1 << MOTION_BIT))))
    assert d.positions[0].attributes == {"rssi": 80, "batteryLevel": 90, "steps": 321,
                                         "alarm": "sos", "motion": True}


@pytest.mark.parametrize("bit", sorted(set(range(32)) - KNOWN_STATUS_BITS))
def test_status_bits_outside_the_catalogue_are_kept_and_counted(bit):
    device = WatchDevice(DEV)
    d = decode(device.frame(location_content("UD", FIX, status=(1 << bit) | 1)))
    attrs = d.positions[0].attributes
    assert attrs["status"] == (1 << bit) | 1 and attrs["alarm"] == "lowBattery"
    assert d.unknown_items == 1


@pytest.mark.parametrize("keyword", sorted(COMMAND_ACKS))
def test_command_confirmation(keyword):
    d = decode(WatchDevice(DEV).frame(message_content(keyword, "ok") if keyword == "UPLOAD"
                                      else keyword))
    (e,) = d.events
    text = f"{keyword},ok" if keyword == "UPLOAD" else keyword
    assert (e.type, e.attributes, e.time) == ("commandResult", {"result": text}, NOW)
    assert d.reply is None and d.unknown is None


def test_unknown_type_is_an_unknown_message():
    d = decode(WatchDevice(DEV).frame("rcapture,1"))
    assert d.unknown is not None and d.unknown.message_type == "rcapture"
    assert d.positions == () and d.events == ()


@pytest.mark.parametrize("date, time, expected", [
    ("050324", "101530", T0),                                   # DDMMYY, HHMMSS
    ("050324", "101530.5", T0 + timedelta(milliseconds=500)),   # fractional seconds
    ("311299", "235959", datetime(1999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)),  # yy >= 80: 19yy
    ("010179", "000000", datetime(2079, 1, 1, tzinfo=timezone.utc)),                # yy < 80: 20yy
])
def test_date_and_time_forms(date, time, expected):
    content = f"UD,{date},{time},A,1.5,N,2.5,E,0,0,0,4,50,80,0,0,00000000,0"
    assert decode(WatchDevice(DEV).frame(content)).positions[0].fix_time == expected


@pytest.mark.parametrize("lat, ns, lon, ew, expected", [
    ("22.5", "N", "113.25", "E", (22.5, 113.25)),
    ("22.5", "S", "113.25", "W", (-22.5, -113.25)),
    ("-33.480366", "N", "-70.7630692", "", (-33.480366, -70.7630692)),  # sign kept, no letter
    (" 90.000000", "S", " 180.0", "E", (-90.0, 180.0)),                # leading spaces, limits
])
def test_coordinate_forms(lat, ns, lon, ew, expected):
    content = f"UD,050324,101530,A,{lat},{ns},{lon},{ew},0,0,-431.5,4,50,80,0,0,00000000,0"
    p = decode(WatchDevice(DEV).frame(content)).positions[0]
    assert (p.lat, p.lon, p.altitude_m) == (*expected, -431.5)


_POSITION_TYPES = [t.name for t in MESSAGE_TYPES if t.record == "position"]


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(_POSITION_TYPES),
       seconds=st.integers(0, 20 * 365 * 86400),
       lat=st.integers(-90_000_000, 90_000_000), lon=st.integers(-180_000_000, 180_000_000),
       speed=st.integers(0, 30000), course=st.integers(0, 3599), alt=st.integers(-5000, 90000),
       sats=st.integers(0, 40), battery=st.integers(0, 100), gsm=st.integers(0, 100),
       steps=st.integers(0, 99999), status=st.integers(0, 2**32 - 1), valid=st.booleans())
def test_round_trip_over_the_catalogue(kind, seconds, lat, lon, speed, course, alt, sats, battery,
                                       gsm, steps, status, valid):
    fix = Fix(time=datetime(2001, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=seconds),
              lat=lat / 1e6, lon=lon / 1e6, speed_kmh=speed / 100, course_deg=course / 10,
              altitude_m=alt / 10, satellites=sats, valid=valid, attributes={"steps": steps})
    device = WatchDevice(DEV, manufacturer="SG")
    d = decode(device.frame(location_content(kind, fix, battery=battery, gsm=gsm, status=status)))
    (p,) = d.positions
    assert (p.fix_time, p.valid, p.satellites) == (fix.time, valid, sats)
    assert (p.lat, p.lon) == (fix.lat, fix.lon)
    assert (p.speed_kmh, p.course_deg, p.altitude_m) == (fix.speed_kmh, fix.course_deg, fix.altitude_m)
    expected: dict = {"rssi": gsm, "batteryLevel": battery, "steps": steps}
    alarm = next((name for bit, name in ALARM_BITS if status >> bit & 1), None)
    if alarm is None and kind.startswith("AL"):
        alarm = "general"
    if alarm is not None:
        expected["alarm"] = alarm
    if status >> MOTION_BIT & 1:
        expected["motion"] = True
    unknown = sum(1 for b in range(32) if status >> b & 1 and b not in KNOWN_STATUS_BITS)
    if unknown:
        expected["status"] = status
    assert p.attributes == expected and d.unknown_items == unknown
    assert d.reply == (device.frame("AL") if kind.startswith("AL") else None)
