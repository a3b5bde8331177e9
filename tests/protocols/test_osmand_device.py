"""OsmAnd device side and robustness: hypothesis round trips (query and JSON
forms) through random chunks, responses read back in order, and random bytes
only raising ProtocolError with a bounded buffer."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols import Fix, LocalProtocolError, ProtocolError
from protocols._device import DeviceAck
from protocols.osmand import OsmandConnection, OsmandDevice
from protocols.osmand.encode import BAD_REQUEST, NOT_FOUND, OK

NOW = datetime(2024, 3, 1, 12, 30, tzinfo=timezone.utc)
BASE = datetime(2020, 1, 1, tzinfo=timezone.utc)

fixes = st.builds(
    Fix,
    time=st.integers(0, 10**8).map(lambda s: BASE + timedelta(seconds=s)),
    lat=st.floats(-90, 90), lon=st.floats(-180, 180),
    speed_kmh=st.floats(0, 500), course_deg=st.floats(0, 359.9),
    altitude_m=st.floats(-400, 9000), valid=st.booleans(),
    attributes=st.fixed_dictionaries({}, optional={
        "ignition": st.booleans(), "rpm": st.integers(0, 10000),
        "note": st.text(st.sampled_from("abcXYZ &=+%/?#ü€"), min_size=1, max_size=10)
                .filter(lambda t: t not in ("true", "false"))}),
)


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:])]


@settings(max_examples=150, deadline=None)
@given(fix=fixes, form=st.sampled_from(["query", "json"]),
       cuts=st.lists(st.integers(0, 1000), max_size=6))
def test_round_trip(fix, form, cuts):
    device = OsmandDevice("dev-1", form=form)
    out = device.encode_fixes([fix])
    conn = OsmandConnection()
    decoded = []
    for chunk in split(out.data, cuts):
        decoded.extend(conn.feed(chunk, NOW))
    (d,) = decoded
    assert d.reply == OK and d.defer_reply and d.login == "dev-1"
    (p,) = d.positions
    assert p.fix_time == fix.time and (p.lat, p.lon) == (fix.lat, fix.lon)
    assert p.speed_kmh == pytest.approx(fix.speed_kmh, rel=1e-9, abs=1e-9)
    assert p.course_deg == pytest.approx(fix.course_deg) and p.altitude_m == pytest.approx(fix.altitude_m)
    if form == "query":
        assert p.valid == fix.valid
    for key, value in fix.attributes.items():
        assert p.attributes[key] == value
    assert device.receive_data(d.reply) == [DeviceAck("fixes", out.token)]


def test_responses_in_order_split_and_rejections():
    device = OsmandDevice("d")
    fix = Fix(time=BASE, lat=1.0, lon=2.0)
    tokens = [device.encode_fixes([fix]).token for _ in range(3)]
    stream = OK + BAD_REQUEST + b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nstop"
    acks = [a for b in stream for a in device.receive_data(bytes((b,)))]
    assert acks == [DeviceAck("fixes", tokens[0]), DeviceAck("rejected"), DeviceAck("fixes", tokens[2])]
    assert OsmandDevice("d").receive_data(NOT_FOUND) == [DeviceAck("rejected")]


def test_device_shape():
    device = OsmandDevice("d")
    assert device.hello() == b"" and device.hello_acked and device.expects_acks
    assert device.max_fixes_per_packet == 1
    with pytest.raises(LocalProtocolError):
        device.encode_fixes([Fix(time=BASE, lat=0, lon=0)] * 2)
    with pytest.raises(LocalProtocolError):
        OsmandDevice("d", transport="udp")
    with pytest.raises(LocalProtocolError):
        OsmandDevice("d", form="xml")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=6))
def test_random_stream(chunks):
    conn = OsmandConnection()
    for chunk in chunks:
        if conn.closed:
            return
        try:
            conn.feed(chunk, NOW)
        except ProtocolError:
            pass
        assert conn.buffered <= 32 * 1024 + len(chunk)


request_lines = st.builds(
    lambda method, query, headers, body: (
        f"{method} /?{query} HTTP/1.1\r\n".encode("latin-1", "replace")
        + b"".join(h + b"\r\n" for h in headers) + b"Content-Length: "
        + str(len(body)).encode() + b"\r\n\r\n" + body),
    st.sampled_from(["GET", "POST"]),
    st.text(max_size=80).map(lambda t: t.replace(" ", "").replace("\r", "").replace("\n", "")),
    st.lists(st.sampled_from([b"Content-Type: application/json", b"Host: x",
                              b"Content-Type: application/x-www-form-urlencoded"]), max_size=2),
    st.binary(max_size=120) | st.just(b'{"device_id":"d","location":{"coords":{"latitude":1e999}}}'),
)


@settings(max_examples=300, deadline=None)
@given(request_lines)
def test_random_requests(request):
    for conn in (OsmandConnection(), OsmandConnection()):
        try:
            conn.receive_frame(request, NOW)
            conn.feed(request, NOW)
        except ProtocolError:
            pass
