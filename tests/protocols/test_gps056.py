"""GPS056: exact frames built from the fact sheet's layout, replies, streams, device, properties."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from protocols._device import DeviceAck
from protocols._errors import MalformedError, ProtocolError
from protocols._records import Fix
from protocols.gps056 import SPEC, Gps056Connection, Gps056Device

NOW = datetime(2024, 3, 5, 10, 20, 30, tzinfo=timezone.utc)
IMEI = "356789012345678"


def frame(kind: str, body: bytes, *, terminator: bytes = b"#") -> bytes:
    head = kind.encode() + IMEI.encode()
    return b"$$" + b"%02d" % (len(head) + len(body)) + head + body + terminator


LOGIN = frame("LOGN_11", b"2.1")
# 2024-03-05 10:20:30; 29 deg 35.4184' S = 0x0B77 0x1058 'S'; 73 deg 57.7067' E = 0x1CBD 0x1B9B 'E';
# 42 km/h; course 91; inputs 0x10, outputs 0x03, ADC 0x00FB little-endian = 251, 10 sats, rssi 7;
# echo "$#" (flag characters inside the binary body)
GPSL_BODY = bytes.fromhex("05031809141E" "0B771058") + b"S" + bytes.fromhex("1CBD1B9B") + b"E"
GPSL_BODY += bytes.fromhex("2A" "005B" "1003FB000A07") + b"$#"
LOCATION = frame("GPSL_02", GPSL_BODY)
SYNC = frame("SYNC_11", bytes.fromhex("0102FFFF0305"))


def test_spec():
    assert (SPEC.name, SPEC.default_port, SPEC.transports) == ("gps056", 5141, ("tcp",))


def test_frame_length_rule():
    assert len(LOGIN) == 30 and LOGIN[2:4] == b"25"


def test_login_reply_immediate():
    d = Gps056Connection().receive_frame(LOGIN, NOW)
    assert d.login == IMEI and d.positions == () and d.events == () and not d.defer_reply
    assert d.reply == b"*LGSA_11" + IMEI.encode() + b"1#"


def test_location_exact_with_echo_reply():
    d = Gps056Connection().receive_frame(LOCATION, NOW)
    (p,) = d.positions
    assert (p.device_id, p.fix_time, p.valid) == (IMEI, datetime(2024, 3, 5, 9, 20, 30, tzinfo=timezone.utc),
                                                    True)
    assert p.lat == pytest.approx(-(29 + 35.4184 / 60), abs=1e-12)
    assert p.lon == pytest.approx(73 + 57.7067 / 60, abs=1e-12)
    assert (p.speed_kmh, p.course_deg, p.satellites) == (42.0, 91.0, 10)
    assert p.attributes == {"input": 16, "output": 3, "adc1": 251 * 5.06, "rssi": 7}
    assert d.reply == b"*GPSA_02" + IMEI.encode() + b"$##" and d.defer_reply


def test_sync_status_event_and_reply():
    d = Gps056Connection().receive_frame(SYNC, NOW)
    (e,) = d.events
    assert (e.type, e.time) == ("status", NOW)
    assert e.attributes == {"input": 1, "output": 2, "adc1": -5.06, "sat": 3, "rssi": 5}
    assert d.reply == b"*SYSA_11" + IMEI.encode() + b"#" and d.defer_reply


def test_frame_without_terminator_and_unknown_type():
    assert len(Gps056Connection().receive_frame(LOCATION[:-1], NOW).positions) == 1
    d = Gps056Connection().receive_frame(frame("ABCD_01", b"x"), NOW)
    assert d.unknown.message_type == "ABCD_01" and d.reply is None


@pytest.mark.parametrize("bad", [b"$$2", b"$$xxLOGN_11" + IMEI.encode() + b"#",
                                 b"$$25LOGN_11" + b"A" * 15 + b"2.1#", frame("GPSL_02", GPSL_BODY[:20])])
def test_malformed(bad):
    with pytest.raises(MalformedError):
        Gps056Connection().receive_frame(bad, NOW)


def test_stream_whole_bytewise_every_split_and_trailing_bytes():
    stream = LOGIN + LOCATION + b"\x00\x30" + SYNC
    whole = Gps056Connection().feed(stream, NOW)
    assert [bool(d.login) for d in whole] == [True, False, False] and len(whole[1].positions) == 1
    conn = Gps056Connection()
    assert [d for b in stream for d in conn.feed(bytes((b,)), NOW)] == whole
    for cut in range(len(stream) + 1):
        conn = Gps056Connection()
        assert conn.feed(stream[:cut], NOW) + conn.feed(stream[cut:], NOW) == whole
        assert conn.buffered == 0


def test_resync_after_bad_candidates():
    conn = Gps056Connection()
    decoded = conn.feed(b"$x$$9" + b"$$30LOGN_11" + b"junk" + LOGIN, NOW)
    assert [d.login for d in decoded] == [IMEI] and conn.buffered == 0


def test_device_login_sync_and_location_acks():
    dev = Gps056Device(IMEI)
    conn = Gps056Connection()
    (d,) = conn.feed(dev.hello(), NOW)
    assert dev.receive_data(b"xx" + d.reply[:10]) == []
    assert dev.receive_data(d.reply[10:]) == [DeviceAck("hello")] and dev.hello_acked
    (d,) = conn.feed(dev.heartbeat(), NOW)
    assert dev.receive_data(d.reply) == [DeviceAck("other")]


fixes = st.builds(
    Fix,
    time=st.integers(0, 99 * 365 * 86400).map(
        lambda s: datetime(2000, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=s)),
    lat=st.floats(-89.9, 89.9), lon=st.floats(-179.9, 179.9),
    speed_kmh=st.integers(0, 255).map(float), course_deg=st.integers(0, 359).map(float),
    satellites=st.integers(0, 30),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(fixes, min_size=1, max_size=4), st.lists(st.integers(0, 10_000), max_size=6))
def test_round_trip_device_to_connection(batch, cuts):
    dev = Gps056Device(IMEI)
    outs = [dev.encode_fixes([fix]) for fix in batch]
    stream = dev.hello() + b"".join(o.data for o in outs)
    points = sorted({c % (len(stream) + 1) for c in cuts}) + [len(stream)]
    conn, decoded, last = Gps056Connection(), [], 0
    for p in points:
        decoded += conn.feed(stream[last:p], NOW)
        last = p
    got = [p for d in decoded for p in d.positions]
    assert len(got) == len(batch)
    for fix, p in zip(batch, got):
        assert p.fix_time == fix.time.replace(microsecond=0)
        assert abs(p.lat - fix.lat) <= 0.5 / 600_000 + 1e-9 and abs(p.lon - fix.lon) <= 0.5 / 600_000 + 1e-9
        assert (p.speed_kmh, p.course_deg, p.satellites) == (fix.speed_kmh, fix.course_deg, fix.satellites)
    acks = dev.receive_data(b"".join(d.reply for d in decoded))
    assert acks[0] == DeviceAck("hello") and [a.token for a in acks[1:]] == [o.token for o in outs]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=150), max_size=6))
def test_garbage_only_protocol_errors_and_bounded(chunks):
    conn = Gps056Connection()
    for chunk in chunks:
        try:
            conn.feed(chunk, NOW)
        except ProtocolError:
            pass
        assert conn.buffered <= 104 + len(chunk)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["LOGN_11", "GPSL_02", "SYNC_11", "ABCD_01"]), st.binary(max_size=60))
def test_random_bodies_decode_or_raise_protocol_error(kind, body):
    try:
        Gps056Connection().receive_frame(frame(kind, body), NOW)
    except ProtocolError:
        pass
