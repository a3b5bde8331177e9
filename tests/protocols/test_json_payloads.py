"""OwnTracks and UVIS JSON (the MQTT payload formats): each wire format once in
protocols/, its device-side encoder next to its decoder, round trips exact."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from protocols import Fix, MalformedError, owntracks, uvis_json

FIX = Fix(time=datetime(2026, 5, 6, 7, 8, 9, tzinfo=timezone.utc), lat=51.5, lon=-0.125,
          speed_kmh=36.0, course_deg=90.0, altitude_m=12.0, satellites=7,
          attributes={"batteryLevel": 64})


def test_owntracks_round_trip() -> None:
    (position,) = owntracks.decode_message(owntracks.encode_location(FIX), "alice:phone")
    assert (position.device_id, position.fix_time, position.lat, position.lon) == (
        "alice:phone", FIX.time, FIX.lat, FIX.lon)
    assert (position.speed_kmh, position.course_deg, position.altitude_m) == (36, 90, 12)
    assert position.attributes == {"accuracy": 5, "batteryLevel": 64}
    (by_tid,) = owntracks.decode_message(owntracks.encode_location(FIX, tid="ph"), None)
    assert by_tid.device_id == "ph"
    assert owntracks.decode_message(b'{"_type":"waypoint"}', "x") == ()
    with pytest.raises(MalformedError, match="no device id in 'owntracks'"):
        owntracks.decode_message(owntracks.encode_location(FIX), "", "owntracks")


def test_uvis_json_round_trip() -> None:
    positions, events = uvis_json.decode_message(uvis_json.encode_position("dev-1", FIX), None)
    (position,) = positions
    assert events == []
    assert (position.device_id, position.protocol, position.fix_time, position.lat, position.lon,
            position.satellites, position.attributes) == (
        "dev-1", "uvis-json", FIX.time, FIX.lat, FIX.lon, 7, {"batteryLevel": 64})
    (from_topic,), _ = uvis_json.decode_message(uvis_json.encode_position("dev-1", FIX), "t:9")
    assert from_topic.device_id == "t:9"
    with pytest.raises(MalformedError, match=r"coordinates out of range \(91"):
        uvis_json.decode_message(b'{"device_id":"d","fix_time":"2026-01-01T00:00:00Z",'
                                 b'"lat":91,"lon":0}', None)
