"""OsmAnd / Traccar Client: HTTP request framing, both request forms and the
exact response bytes, with hand-written requests (fact sheet, RFC 9112);
no Traccar requests."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from protocols import FramingError, MalformedError
from protocols._connection import ConnectionOptions
from protocols.osmand import SPEC, HttpRequestFramer, OsmandConnection
from protocols.osmand.encode import BAD_REQUEST, NOT_FOUND, OK, encode_response
from protocols.osmand.framing import parse_head
from protocols.registry import get

NOW = datetime(2024, 3, 1, 12, 30, tzinfo=timezone.utc)
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)

GET = (b"GET /?id=860000000000001&timestamp=1709294400&lat=54.687234&lon=25.279756"
       b"&speed=10&bearing=270.5&altitude=112.5&accuracy=4.5&hdop=1.2&batt=87.5&charge=true"
       b"&ignition=false&rpm=933&fuel=24.5&driver=Ann+Smith HTTP/1.1\r\n"
       b"Host: gw.example\r\nUser-Agent: test\r\n\r\n")
EXPECTED_GET = {"accuracy": 4.5, "batteryLevel": 87.5, "charge": True, "ignition": False,
                "rpm": 933, "fuel": 24.5, "driver": "Ann Smith"}
FORM_BODY = b"deviceid=abc&lat=-33.5&lon=-70.25&timestamp=2024-03-01T12%3A00%3A00Z&valid=false"
POST_FORM = (b"POST /path HTTP/1.1\r\nHost: gw\r\nContent-Type: application/x-www-form-urlencoded\r\n"
             b"Content-Length: " + str(len(FORM_BODY)).encode() + b"\r\n\r\n" + FORM_BODY)
JSON_BODY = (b'{"device_id":"phone-7","location":{"timestamp":"2024-03-01T12:00:00.250Z",'
             b'"coords":{"latitude":54.5,"longitude":25.25,"speed":10,"heading":90,'
             b'"accuracy":7,"altitude":100},"is_moving":true,"odometer":1500,"event":"heartbeat",'
             b'"battery":{"level":0.25,"is_charging":true},"activity":{"type":"walking"},'
             b'"extras":{"trip":3,"ratio":0.5,"note":"x","flag":false,"nested":{"a":1}}}}')
POST_JSON = (b"POST / HTTP/1.1\r\nContent-Type: application/json; charset=utf-8\r\n"
             b"Content-Length: " + str(len(JSON_BODY)).encode() + b"\r\n\r\n" + JSON_BODY)


def feed(chunks, conn=None):
    conn = conn or OsmandConnection()
    out = []
    for chunk in chunks:
        out.extend(conn.feed(chunk, NOW))
    return conn, out


def test_spec():
    assert get("osmand") is SPEC
    assert SPEC.default_port == 5055 and SPEC.transports == ("http",)
    assert SPEC.connection_for("http") is OsmandConnection and SPEC.connection_for("tcp") is None


def test_response_bytes():
    assert OK == b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    assert BAD_REQUEST == b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
    assert NOT_FOUND == b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
    assert encode_response(200, b"engineStop") == (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Length: 10\r\n\r\nengineStop")


def test_query_form():
    conn = OsmandConnection()
    d = conn.receive_frame(GET, NOW)
    assert d.reply == OK and d.defer_reply is True
    assert d.login == "860000000000001" and d.reject_reply == BAD_REQUEST
    (p,) = d.positions
    assert p.device_id == "860000000000001" and p.protocol == "osmand"
    assert p.fix_time == T0 and p.valid is True
    assert (p.lat, p.lon) == (54.687234, 25.279756)
    assert p.speed_kmh == pytest.approx(18.52) and p.course_deg == 270.5
    assert p.altitude_m == 112.5 and p.hdop == 1.2
    assert p.attributes == EXPECTED_GET
    assert conn.receive_frame(GET, NOW).login is None  # same device on the connection


def test_form_body_and_iso_time():
    (p,) = OsmandConnection().receive_frame(POST_FORM, NOW).positions
    assert p.device_id == "abc" and p.fix_time == T0 and p.valid is False
    assert (p.lat, p.lon) == (-33.5, -70.25) and p.speed_kmh is None


@pytest.mark.parametrize("stamp, expected", [
    ("1709294400", T0),
    ("1709294400000", T0),
    ("1709294400.5", datetime(2024, 3, 1, 12, 0, 0, 500000, tzinfo=timezone.utc)),
    ("2024-03-01T14%3A00%3A00%2B02%3A00", T0),
    ("2024-03-01+12%3A00%3A00", T0),
])
def test_timestamp_forms(stamp, expected):
    req = f"GET /?id=1&lat=1&lon=2&timestamp={stamp} HTTP/1.1\r\n\r\n".encode()
    assert OsmandConnection().receive_frame(req, NOW).positions[0].fix_time == expected


def test_missing_timestamp_uses_now_and_location_parameter():
    req = b"GET /?deviceid=9&location=10.5,-20.25&heading=-90 HTTP/1.1\r\n\r\n"
    (p,) = OsmandConnection().receive_frame(req, NOW).positions
    assert p.fix_time == NOW and (p.lat, p.lon) == (10.5, -20.25) and p.course_deg == 270.0


def test_empty_values_are_ignored():
    req = b"GET /?id=3&lat=1&lon=2&speed=&bearing=&note=&=5&timestamp= HTTP/1.1\r\n\r\n"
    (p,) = OsmandConnection().receive_frame(req, NOW).positions
    assert p.speed_kmh is None and p.course_deg is None and p.fix_time == NOW
    assert p.attributes == {}


def test_speed_unit_option():
    conn = OsmandConnection(options=ConnectionOptions(extra={"speed": "kmh"}))
    assert conn.receive_frame(GET, NOW).positions[0].speed_kmh == 10.0
    with pytest.raises(ValueError):
        OsmandConnection(options=ConnectionOptions(extra={"speed": "furlongs"}))


def test_no_coordinates_is_a_status_event_with_networks():
    req = (b"GET /?id=5&timestamp=1709294400&batt=50&cell=246,1,100,2000&cell=246,1,100,2001,-70"
           b"&wifi=AA-BB-CC-DD-EE-FF,-60 HTTP/1.1\r\n\r\n")
    d = OsmandConnection().receive_frame(req, NOW)
    assert not d.positions and d.reply == OK and d.defer_reply
    (e,) = d.events
    assert e.type == "status" and e.time == T0
    assert e.attributes == {"batteryLevel": 50, "cell": "246,1,100,2000;246,1,100,2001,-70",
                            "wifi": "AA:BB:CC:DD:EE:FF,-60"}


@pytest.mark.parametrize("query", [
    "lat=1&lon=2",                 # no id
    "id=&lat=1&lon=2",             # empty id
    "id=1&lat=91&lon=2",           # latitude out of range
    "id=1&lat=nan&lon=2",          # not a number
    "id=1&lat=1&lon=2&timestamp=2024-13-01T00:00:00Z",
    "id=1&location=5",
])
def test_unusable_query_is_400(query):
    d = OsmandConnection().receive_frame(f"GET /?{query} HTTP/1.1\r\n\r\n".encode(), NOW)
    assert d.reply == BAD_REQUEST and d.defer_reply and not d.positions and d.login is None


def test_json_form():
    conn = OsmandConnection()
    d = conn.receive_frame(POST_JSON, NOW)
    assert d.reply == OK and d.defer_reply and d.login == "phone-7" and d.reject_reply == NOT_FOUND
    (p,) = d.positions
    assert p.fix_time == datetime(2024, 3, 1, 12, 0, 0, 250000, tzinfo=timezone.utc)
    assert (p.lat, p.lon, p.altitude_m) == (54.5, 25.25, 100.0)
    assert p.speed_kmh == 36.0 and p.course_deg == 90.0
    assert p.attributes == {"batteryLevel": 25.0, "charge": True, "motion": True, "odometer": 1500,
                            "event": "heartbeat", "activity": "walking", "trip": 3, "ratio": 0.5,
                            "note": "x", "flag": False, "accuracy": 7.0}


def test_json_list_unknown_values_and_missing_coords():
    body = (b'{"device_id":"d","location":[{"timestamp":"2024-03-01T12:00:00Z",'
            b'"coords":{"latitude":1,"longitude":2,"speed":-1,"heading":-1},'
            b'"battery":{"level":-1}},{"timestamp":"2024-03-01T12:00:00Z"}]}')
    req = (b"POST / HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: "
           + str(len(body)).encode() + b"\r\n\r\n" + body)
    d = OsmandConnection().receive_frame(req, NOW)
    (p,) = d.positions
    (e,) = d.events
    assert p.speed_kmh is None and p.course_deg is None and p.attributes == {}
    assert e.type == "status" and e.time == T0


@pytest.mark.parametrize("body", [b"{", b"[]", b'{"location":{}}', b'{"device_id":true}',
                                  b'{"device_id":"d","location":{"timestamp":"soon"}}'])
def test_unusable_json_is_400(body):
    req = (b"POST / HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: "
           + str(len(body)).encode() + b"\r\n\r\n" + body)
    assert OsmandConnection().receive_frame(req, NOW).reply == BAD_REQUEST


def test_framed_request_without_final_blank_line():
    d = OsmandConnection().receive_frame(b"GET /?id=1&lat=1&lon=2 HTTP/1.1", NOW)
    assert d.reply == OK and len(d.positions) == 1


def test_framed_garbage_is_malformed_not_fatal():
    for frame in (b"\x16\x03\x01\x02\x00", b"GET / HTTP/2.0\r\n\r\n",
                  b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"):
        with pytest.raises(MalformedError):
            OsmandConnection().receive_frame(frame, NOW)


def test_keep_alive_stream_whole_byte_by_byte_and_every_split():
    stream = GET + b"\r\n" + POST_JSON + POST_FORM
    for chunks in ([stream], [bytes((b,)) for b in stream]):
        _, out = feed(chunks)
        assert [d.positions[0].device_id for d in out] == ["860000000000001", "phone-7", "abc"]
    for cut in range(1, len(stream)):
        _, out = feed([stream[:cut], stream[cut:]])
        assert [d.reply for d in out] == [OK, OK, OK]
        assert out[0].positions[0].attributes == EXPECTED_GET


def test_lf_only_line_ends():
    _, out = feed([b"GET /?id=1&lat=1&lon=2 HTTP/1.0\nHost: x\n\n"])
    assert out[0].reply == OK


@pytest.mark.parametrize("garbage", [
    b"\x00\x01\x02\r\n\r\n",
    b"GET /?id=1 HTTP/1.1\r\nBad Header\r\n\r\n",
    b"GET /?id=1 HTTP/1.1\r\n folded: x\r\n\r\n",
    b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
    b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
    b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"GET /a b HTTP/1.1\r\n\r\n",
])
def test_unframeable_request_closes(garbage):
    conn = OsmandConnection()
    with pytest.raises(FramingError) as info:
        conn.feed(GET + garbage, NOW)
    assert [d.reply for d in info.value.decoded] == [OK] and conn.closed


def test_bounds():
    framer = HttpRequestFramer(max_request=1000, max_head=200)
    with pytest.raises(FramingError):
        framer.next_frame(bytearray(b"GET /?" + b"a" * 300))            # head never ends
    with pytest.raises(FramingError):                                     # fails before the body
        framer.next_frame(bytearray(b"POST / HTTP/1.1\r\nContent-Length: 2000\r\n\r\n"))
    conn = OsmandConnection(options=ConnectionOptions(max_frame_size=4096))
    with pytest.raises(FramingError):
        conn.feed(b"GET /?" + b"x" * 5000, NOW)
    assert conn.buffered == 0


def test_parse_head_headers():
    head = parse_head(b"POST /p?q=1 HTTP/1.1\r\nHost:  a \r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 0")
    assert (head.method, head.target, head.version) == ("POST", "/p?q=1", "HTTP/1.1")
    assert head.header("x-a") == "1" and head.header("host") == "a" and head.content_length == 0
