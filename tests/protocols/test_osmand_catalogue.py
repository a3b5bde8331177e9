"""OsmAnd catalogue (protocols/osmand/_catalogue.py): one test per query
parameter and JSON member, built with the device-side encoder, exact values;
unknown parameters kept and counted; a hypothesis round trip over the whole
query catalogue."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols import Fix
from protocols.osmand import OsmandConnection
from protocols.osmand._catalogue import JSON_COORDS, JSON_LOCATION, QUERY_PARAMS
from protocols.osmand.decode import PARAMS
from protocols.osmand.device import encode_json_request, encode_query_request

NOW = datetime(2024, 3, 1, 12, 30, tzinfo=timezone.utc)
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)
FIX = Fix(time=T0, lat=54.5, lon=25.25, speed_kmh=18.52, course_deg=90.0, altitude_m=100.0)


def decode(request: bytes):
    (d,) = OsmandConnection().feed(request, NOW)
    return d


# parameter -> (value sent, where to look, expected); "pos:<field>" or "attr:<key>"
CASES = {
    "id": ("dev-9", "device_id", "dev-1"),          # the encoder's own id comes first and wins
    "deviceid": ("dev-9", "device_id", "dev-1"),
    "lat": (None, "pos:lat", 54.5),
    "lon": (None, "pos:lon", 25.25),
    "location": ("-10.5,20.25", "pos:lat,lon", (-10.5, 20.25)),
    "timestamp": (None, "pos:fix_time", T0),
    "hdop": (1.5, "pos:hdop", 1.5),
    "altitude": (None, "pos:altitude_m", 100.0),
    "speed": (None, "pos:speed_kmh", pytest.approx(18.52, abs=1e-9)),
    "bearing": (None, "pos:course_deg", 90.0),
    "heading": (135.5, "pos:course_deg", 135.5),
    "valid": ("false", "pos:valid", False),
    "accuracy": (4.5, "attr:accuracy", 4.5),
    "batt": (87.5, "attr:batteryLevel", 87.5),
    "charge": (True, "attr:charge", True),
    "mock": (True, "attr:mock", True),
    "alarm": ("sos", "attr:alarm", "sos"),
    "driverUniqueId": ("0012", "attr:driverUniqueId", "0012"),
    "eta": (1709298000000, "attr:eta", 1709298000000),
    "etfa": (1709297000000, "attr:etfa", 1709297000000),
    "eda": (12500, "attr:eda", 12500),
    "edfa": (800, "attr:edfa", 800),
    "cell": ("246,1,100,2000,-70", "attr:cell", "246,1,100,2000,-70"),
    "wifi": ("AA-BB-CC-DD-EE-FF,-60", "attr:wifi", "AA:BB:CC:DD:EE:FF,-60"),
    "notificationToken": ("tok", "attr:notificationToken", None),
}


def test_every_catalogue_parameter_has_a_handler_and_a_case():
    names = [p.name for p in QUERY_PARAMS]
    assert len(names) == len(set(names)) == 25
    assert set(PARAMS) == set(names) == set(CASES)


@pytest.mark.parametrize("param", QUERY_PARAMS, ids=lambda p: p.name)
def test_query_parameter(param):
    sent, where, expected = CASES[param.name]
    attrs = {param.name: sent} if sent is not None else {}
    d = decode(encode_query_request("dev-1", _fix(attrs)))
    assert d.unknown_items == 0
    (p,) = d.positions
    kind, _, name = where.partition(":")
    if kind == "device_id":
        assert p.device_id == expected
    elif kind == "pos" and name == "lat,lon":
        assert (p.lat, p.lon) == expected
    elif kind == "pos":
        assert getattr(p, name) == expected
    else:
        assert p.attributes.get(name) == expected
        if expected is None:
            assert p.attributes == {}


def _fix(attrs: dict) -> Fix:
    return Fix(time=FIX.time, lat=FIX.lat, lon=FIX.lon, speed_kmh=FIX.speed_kmh,
               course_deg=FIX.course_deg, altitude_m=FIX.altitude_m, attributes=attrs)


def test_unknown_parameters_are_kept_typed_and_counted():
    d = decode(encode_query_request("dev-1", _fix({"ignition": True, "rpm": 933, "fuel": 24.5,
                                                   "driver": "Ann Smith", "batt": 50})))
    (p,) = d.positions
    assert p.attributes == {"ignition": True, "rpm": 933, "fuel": 24.5, "driver": "Ann Smith",
                            "batteryLevel": 50.0}
    assert d.unknown_items == 4


@pytest.mark.parametrize("stamp, expected", [
    ("1709294400", T0),                                   # Unix seconds
    ("1709294400000", T0),                                # Unix milliseconds (>= 2^31 - 1)
    ("2024-03-01T12:00:00Z", T0),                         # ISO 8601, Z
    ("2024-03-01T14:00:00+02:00", T0),                    # ISO 8601, offset
    ("2024-03-01T12:00:00.250Z", T0 + timedelta(milliseconds=250)),
    ("2024-03-01 12:00:00", T0),                          # no zone: taken as UTC
])
def test_timestamp_forms(stamp, expected):
    from urllib.parse import quote
    req = f"GET /?id=1&lat=1&lon=2&timestamp={quote(stamp)} HTTP/1.1\r\n\r\n".encode()
    assert decode(req).positions[0].fix_time == expected


@pytest.mark.parametrize("text, expected", [
    ("-12.5", -12.5), ("12", 12.0), ("1e2", 100.0), ("+7.25", 7.25)])
def test_number_forms(text, expected):
    req = f"GET /?id=1&lat=1&lon=2&altitude={text} HTTP/1.1\r\n\r\n".encode()
    assert decode(req).positions[0].altitude_m == expected


def test_negative_altitude_and_extreme_coordinates():
    d = decode(encode_query_request("d", Fix(time=T0, lat=-90.0, lon=180.0, altitude_m=-420.5)))
    (p,) = d.positions
    assert (p.lat, p.lon, p.altitude_m) == (-90.0, 180.0, -420.5)


def test_json_catalogue_members():
    fix = Fix(time=T0, lat=54.5, lon=25.25, speed_kmh=36.0, course_deg=90.0, altitude_m=-5.0,
              attributes={"motion": True, "trip": 3})
    d = decode(encode_json_request("phone", fix))
    (p,) = d.positions
    assert (p.lat, p.lon, p.altitude_m, p.course_deg) == (54.5, 25.25, -5.0, 90.0)
    assert p.speed_kmh == pytest.approx(36.0)
    assert p.attributes == {"motion": True, "accuracy": 5.0, "trip": 3}
    assert d.unknown_items == 1  # the extras member
    assert {m.name for m in JSON_LOCATION} >= {"timestamp", "coords", "battery", "extras"}
    assert {m.name for m in JSON_COORDS} >= {"latitude", "longitude", "speed", "heading"}


def test_json_uncatalogued_members_are_kept_and_counted():
    body = (b'{"device_id":"p","location":{"timestamp":"2024-03-01T12:00:00Z","uuid":"u",'
            b'"sample":true,"coords":{"latitude":1.5,"longitude":2.5,"floor":2,"quality":7}}}')
    req = (b"POST / HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: "
           + str(len(body)).encode() + b"\r\n\r\n" + body)
    d = decode(req)
    (p,) = d.positions
    assert p.attributes == {"sample": True, "quality": 7}
    assert d.unknown_items == 2


_ATTR_VALUES = {
    "accuracy": st.floats(0, 1000, allow_nan=False), "batt": st.floats(0, 100),
    "charge": st.booleans(), "mock": st.booleans(),
    "alarm": st.sampled_from(["sos", "general"]), "driverUniqueId": st.from_regex(r"[A-Z0-9]{1,8}", fullmatch=True),
    "eta": st.integers(0, 2**40), "etfa": st.integers(0, 2**40),
    "eda": st.integers(0, 10**7), "edfa": st.integers(0, 10**7),
}
_KEYS = {p.name: p.target.partition(":")[2] for p in QUERY_PARAMS if p.target.startswith("attr:")}


@settings(max_examples=150, deadline=None)
@given(attrs=st.fixed_dictionaries({}, optional=_ATTR_VALUES),
       unknown=st.dictionaries(st.from_regex(r"x[a-z]{1,6}", fullmatch=True),
                               st.integers(-1000, 1000), max_size=3),
       lat=st.floats(-90, 90), lon=st.floats(-180, 180), alt=st.floats(-500, 9000))
def test_round_trip_over_the_query_catalogue(attrs, unknown, lat, lon, alt):
    assert set(_ATTR_VALUES) == set(_KEYS) - {"notificationToken"}
    fix = Fix(time=T0, lat=lat, lon=lon, altitude_m=alt, attributes={**attrs, **unknown})
    d = decode(encode_query_request("dev-1", fix))
    (p,) = d.positions
    assert (p.lat, p.lon, p.altitude_m) == (lat, lon, alt)
    expected = {_KEYS[k]: v for k, v in attrs.items()}
    expected.update(unknown)
    assert p.attributes == expected
    assert d.unknown_items == len(unknown)
