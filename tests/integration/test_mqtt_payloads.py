"""MQTT pieces without a broker: payload formats (exact records), topic
filters and shared subscriptions, device-id sources, broker URLs, the run
flags and the settings' error messages."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from gateway.mqtt.config import (IdSource, broker_address, flag_overrides, inner_filter, parse_filter,
                                 parse_id_source, topic_matches)
from gateway.mqtt.payloads import make_decoder
from gateway.settings import SettingsError, load_settings
from protocols import Event, Fix, Position, ProtocolError
from protocols.owntracks import encode_location as encode_owntracks
from protocols.uvis_json import encode_position as encode_uvis_json
from protocols.registry import get as get_protocol

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=timezone.utc)
T = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)


# -- topic filters -----------------------------------------------------------------------

@pytest.mark.parametrize("topic_filter, topic, matches", [
    ("a/+/c", "a/b/c", True),
    ("a/+/c", "a/b/d", False),
    ("a/+", "a/b/c", False),
    ("a/#", "a/b/c", True),
    ("a/#", "a", True),            # '#' also matches the parent level
    ("a/b", "a/b/", False),
    ("a/+", "a/", True),           # an empty level is a level
    ("#", "$SYS/broker", False),   # wildcards never match a leading '$' level
    ("+/broker", "$SYS/broker", False),
    ("$SYS/#", "$SYS/broker", True),
    ("$share/grp/owntracks/+/+", "owntracks/alice/phone", True),
    ("$share/grp/owntracks/+/+", "grp/owntracks/alice/phone", False),
])
def test_topic_matching_uses_the_inner_filter_of_shared_subscriptions(topic_filter, topic, matches) -> None:
    assert topic_matches(parse_filter(topic_filter), topic) is matches


def test_shared_subscription_filters() -> None:
    assert inner_filter("$share/g1/fleet/+/data") == "fleet/+/data"
    assert inner_filter("fleet/+/data") == "fleet/+/data"
    assert parse_filter("$share/g1/fleet/#") == ("fleet", "#")
    for bad, message in [("$share/g1", "expected $share/<group>/<filter>"),
                         ("$share//a", "expected $share/<group>/<filter>"),
                         ("$share/g+/a", "expected $share/<group>/<filter>"),
                         ("a/#/b", "'#' must be a whole last level"),
                         ("a/b#", "'#' must be a whole last level"),
                         ("a/b+/c", "'+' must be a whole level"),
                         ("", "empty topic filter")]:
        with pytest.raises(ValueError) as info:
            parse_filter(bad)
        assert str(info.value) == f"{bad!r}: {message}"


# -- device-id sources, broker URLs, flags -----------------------------------------------

def test_device_id_sources() -> None:
    assert parse_id_source("topic:1,2") == IdSource("topic", (1, 2))
    assert parse_id_source("topic:1,2").from_topic("owntracks/alice/phone") == "alice:phone"
    assert parse_id_source("topic:-1").from_topic("uvis/nmea/356000000000101") == "356000000000101"
    assert parse_id_source("topic:-2").from_topic("t/352093081452251/data") == "352093081452251"
    assert parse_id_source("topic:5").from_topic("a/b") is None
    assert parse_id_source("topic:1").from_topic("a//c") is None
    assert parse_id_source("payload:tid") == IdSource("payload", (), "tid")
    assert parse_id_source("payload") == IdSource("payload", (), None)
    assert parse_id_source("payload").from_topic("a/b") is None
    for bad in ("topic:x", "topic:", "header:a"):
        with pytest.raises(ValueError):
            parse_id_source(bad)


def test_broker_urls() -> None:
    assert broker_address("mqtt://broker.example") == ("broker.example", 1883, False, None, None,
                                                       "mqtt://broker.example:1883")
    assert broker_address("mqtts://u%40x:p%3Aw@10.0.0.5") == ("10.0.0.5", 8883, True, "u@x", "p:w",
                                                             "mqtts://10.0.0.5:8883")
    assert broker_address("mqtt://[::1]:1884").label == "mqtt://[::1]:1884"
    for bad in ("http://h", "mqtt://", "mqtt://h:port"):
        with pytest.raises(ValueError):
            broker_address(bad)


def test_run_flags_become_one_broker() -> None:
    assert flag_overrides("mqtt://h:1884?client_id=gw7&version=3.1.1",
                          ["owntracks/+/+=owntracks", "a=b/+=nmea"]) == {"brokers": [{
                              "url": "mqtt://h:1884", "client_id": "gw7", "version": "3.1.1",
                              "subscriptions": [{"filter": "owntracks/+/+", "format": "owntracks"},
                                                {"filter": "a=b/+", "format": "nmea"}]}]}
    assert flag_overrides(None, None) is None
    for url, subs in [(None, ["a=nmea"]), ("mqtt://h", None), ("mqtt://h", ["a"]), ("mqtt://h", ["=nmea"])]:
        with pytest.raises(ValueError):
            flag_overrides(url, subs)


def _mqtt_settings(**sub):
    return load_settings(env={}, overrides={"mqtt": {"brokers": [{"url": "mqtt://h", "subscriptions": [sub]}]}})


def test_settings_errors_name_the_option() -> None:
    cases = [
        ({"filter": "a/#/b", "format": "owntracks"}, "'a/#/b': '#' must be a whole last level"),
        ({"filter": "a", "format": "gps"}, "unknown format 'gps' (owntracks, uvis-json or a protocol: "),
        ({"filter": "a", "format": "owntracks", "device_id": "payload:x"},
         "device_id: owntracks takes payload:tid"),
        ({"filter": "a", "format": "teltonika", "device_id": "payload:imei"},
         "device_id: teltonika frames carry their own identity: use 'payload'"),
    ]
    for sub, message in cases:
        with pytest.raises(SettingsError) as info:
            _mqtt_settings(**sub)
        assert str(info.value).startswith("mqtt.brokers[0].subscriptions[0]: " + message)
    with pytest.raises(SettingsError, match=r"mqtt.brokers\[0\].version"):
        load_settings(env={}, overrides={"mqtt": {"brokers": [{"url": "mqtt://h", "version": "4",
                                                               "subscriptions": [{"filter": "a", "format": "nmea"}]}]}})
    assert _mqtt_settings(filter="a/+", format="t55").mqtt.brokers[0].subscriptions[0].format == "t55"


# -- OwnTracks --------------------------------------------------------------------------------

def test_owntracks_location() -> None:
    decoder = make_decoder("owntracks", None)
    payload = (b'{"_type":"location","tid":"ph","lat":54.68916,"lon":25.2798,"tst":1772600767,'
               b'"alt":112,"vel":36,"cog":270,"acc":8,"batt":64,"bs":1,"conn":"m","t":"u"}')
    positions, events = decoder.decode("owntracks/alice/phone", payload, NOW)
    assert list(positions) == [Position(
        device_id="alice:phone", protocol="owntracks", fix_time=T, valid=True, lat=54.68916,
        lon=25.2798, altitude_m=112.0, speed_kmh=36.0, course_deg=270.0,
        attributes={"accuracy": 8.0, "batteryLevel": 64, "charge": False})] and events == ()
    by_tid = make_decoder("owntracks", "payload:tid").decode("owntracks/alice/phone", payload, NOW)
    assert by_tid[0][0].device_id == "ph"
    minimal = b'{"_type":"location","lat":-1.5,"lon":2.25,"tst":1772600767}'
    assert decoder.decode("owntracks/a/b", minimal, NOW)[0][0] == Position(
        device_id="a:b", protocol="owntracks", fix_time=T, valid=True, lat=-1.5, lon=2.25)


@pytest.mark.parametrize("payload", [
    b'{"_type":"transition","event":"enter","tst":1}', b'{"_type":"lwt","tst":1}',
    b'{"_type":"waypoint","desc":"home","lat":1,"lon":2,"rad":50,"tst":1}', b'{"_type":"card"}', b"{}"])
def test_owntracks_messages_without_a_fix_yield_nothing(payload) -> None:
    assert make_decoder("owntracks", None).decode("owntracks/a/b", payload, NOW) == ((), ())


@pytest.mark.parametrize("topic, payload, message", [
    ("owntracks/a/b", b'{"_type":"location","lat":1,"lon":2}', "owntracks: location without lat, lon or tst"),
    ("owntracks/a/b", b'{"_type":"location","lat":91,"lon":2,"tst":1}', "owntracks: coordinates out of range (91.0, 2.0)"),
    ("owntracks/a/b", b'{"_type":"location","lat":"1","lon":2,"tst":1}', "owntracks: Expected `float | null`, got `str` - at `$.lat`"),
    ("owntracks/a/b", b'[1]', "owntracks: Expected `object`, got `array`"),
    ("owntracks/a/b", b'\xff', "owntracks: JSON is malformed: invalid character (byte 0)"),
    ("owntracks", b'{"_type":"location","lat":1,"lon":2,"tst":1}', "owntracks: no device id in 'owntracks'"),
    ("owntracks/a/b", b'{"_type":"location","lat":1,"lon":2,"tst":1e20}', "owntracks: bad tst 1e+20"),
])
def test_owntracks_garbage_raises_malformed(topic, payload, message) -> None:
    with pytest.raises(ProtocolError) as info:
        make_decoder("owntracks", None).decode(topic, payload, NOW)
    assert str(info.value) == message


def test_owntracks_encoder_round_trip() -> None:
    fix = Fix(time=T, lat=54.5, lon=-3.25, speed_kmh=50.4, course_deg=10.6, altitude_m=99.5)
    (p,), _ = make_decoder("owntracks", "payload:tid").decode("x", encode_owntracks(fix, "zz"), NOW)
    assert (p.device_id, p.fix_time, p.lat, p.lon, p.speed_kmh, p.course_deg, p.altitude_m) == (
        "zz", T, 54.5, -3.25, 50.0, 11.0, 100.0)  # OwnTracks sends whole km/h, degrees, metres


# -- UVIS JSON ---------------------------------------------------------------------------------

def test_uvis_json_position_event_and_round_trip() -> None:
    decoder = make_decoder("uvis-json", None)
    fix = Fix(time=T, lat=54.94535, lon=24.01762, speed_kmh=12.5, course_deg=270.0, altitude_m=5.0,
              satellites=9, attributes={"ignition": True, "power": 12.4})
    (p,), events = decoder.decode("any/topic", encode_uvis_json("864717003283581", fix), NOW)
    assert p == Position(device_id="864717003283581", protocol="uvis-json", fix_time=T, valid=True,
                         lat=54.94535, lon=24.01762, altitude_m=5.0, speed_kmh=12.5, course_deg=270.0,
                         satellites=9, attributes={"ignition": True, "power": 12.4})
    positions, (e,) = decoder.decode("t", b'{"device_id":"d","time":"2026-03-04T06:06:07+01:00",'
                                          b'"type":"status","attributes":{"batteryLevel":80}}', NOW)
    assert positions == [] and e == Event(device_id="d", protocol="uvis-json", time=T, type="status",
                                          attributes={"batteryLevel": 80})
    from_topic = make_decoder("uvis-json", "topic:1").decode(
        "fleet/truck9/pos", b'{"device_id":"ignored","fix_time":"2026-03-04T05:06:07Z","lat":1,"lon":2}', NOW)
    assert from_topic[0][0].device_id == "truck9"


@pytest.mark.parametrize("payload, message", [
    (b'{"fix_time":"2026-03-04T05:06:07","lat":1,"lon":2,"device_id":"d"}',
     "uvis-json: a time without a zone (expected ...Z)"),
    (b'{"fix_time":"2026-03-04T05:06:07Z","lat":1,"lon":2}', "uvis-json: no device id (topic 't')"),
    (b'{"fix_time":"2026-03-04T05:06:07Z","lat":1,"device_id":"d"}', "uvis-json: position without lat or lon"),
    (b'{"device_id":"d","time":"2026-03-04T05:06:07Z"}',
     "uvis-json: neither a position (fix_time, lat, lon) nor an event (time, type)"),
    (b'{"device_id":"d","fix_time":"2026-03-04T05:06:07Z","lat":1,"lon":2,"speed":3}',
     "uvis-json: Object contains unknown field `speed`"),
    (b'{"device_id":"d","fix_time":"2026-03-04T05:06:07Z","lat":1,"lon":200}',
     "uvis-json: coordinates out of range (1.0, 200.0)"),
])
def test_uvis_json_rejects(payload, message) -> None:
    with pytest.raises(ProtocolError) as info:
        make_decoder("uvis-json", None).decode("t", payload, NOW)
    assert str(info.value) == message


@hsettings(max_examples=200)
@given(st.one_of(st.binary(max_size=200),
                 st.dictionaries(st.sampled_from(["_type", "lat", "lon", "tst", "fix_time", "time", "type",
                                                  "device_id", "vel", "attributes"]),
                                 st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=30),
                                           st.just("location"), st.just("2026-03-04T05:06:07Z")))
                 .map(lambda d: json.dumps(d).encode())))
def test_json_formats_raise_only_protocol_errors(payload: bytes) -> None:
    for fmt, source in (("owntracks", None), ("uvis-json", "topic:-1")):
        try:
            make_decoder(fmt, source).decode("owntracks/a/b", payload, NOW)
        except ProtocolError:
            pass


# -- protocol frames -----------------------------------------------------------------------------

def test_frames_keep_a_session_per_topic_and_take_the_identity_from_the_payload() -> None:
    decoder = make_decoder("gt06", "payload")
    device = get_protocol("gt06").device("864717003283581")
    fix = Fix(time=T, lat=54.94535, lon=24.01762, speed_kmh=12, course_deg=270)
    assert decoder.decode("gt/x", device.encode_fixes([fix]).data, NOW) == ((), ())  # who is it?
    assert decoder.decode("gt/x", device.hello(), NOW) == ((), ())                    # login
    (p,), _ = decoder.decode("gt/x", device.encode_fixes([fix]).data, NOW)
    assert (p.device_id, p.protocol, p.fix_time, p.lat, p.lon) == ("864717003283581", "gt06", T,
                                                                    54.94535, 24.01762)
    assert decoder.decode("gt/other", device.encode_fixes([fix]).data, NOW) == ((), ())


def test_frame_sessions_are_bounded_and_garbage_raises_protocol_errors() -> None:
    from gateway.mqtt.payloads import FrameDecoder

    decoder = FrameDecoder(parse_id_source("topic:-1"), "teltonika", {}, max_sessions=2)
    fix = Fix(time=T, lat=1.5, lon=2.5)
    for imei in ("352093081452251", "352093081452252", "352093081452253"):
        (p,), _ = decoder.decode(f"t/{imei}", get_protocol("teltonika").device(imei).encode_fixes([fix]).data, NOW)
        assert p.device_id == imei
    assert list(decoder._sessions) == ["t/352093081452252", "t/352093081452253"]
    with pytest.raises(ProtocolError):
        decoder.decode("t/352093081452253", b"\x00\x00\x00\x00\x00\x00\x00\x02\x08", NOW)
