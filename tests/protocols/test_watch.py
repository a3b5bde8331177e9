"""Watch: exact vectors (written from the fact sheet), replies, framing and escapes, device side."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from protocols._device import DeviceAck
from protocols._errors import FramingError, LocalProtocolError, MalformedError
from protocols._records import Fix
from protocols.watch import SPEC, WatchConnection, WatchDevice, WatchFramer
from protocols.watch import encode
from protocols.watch._position import status_alarm
from protocols.watch.framing import unescape

NOW = datetime(2024, 3, 5, 10, 20, 30, tzinfo=timezone.utc)
DEV = "1234567890"
FIX_TIME = datetime(2024, 3, 5, 10, 15, 30, tzinfo=timezone.utc)


def frame(content: bytes, *, mf: bytes = b"SG", dev: bytes = DEV.encode(), index: bytes | None = None) -> bytes:
    head = b"[" + mf + b"*" + dev + b"*" + (index + b"*" if index else b"")
    return head + b"%04X*" % len(content) + content + b"]"


UD = frame(b"UD,050324,101530,A,51.501234,N,0.126789,W,12.50,270.5,35.0,9,80,75,1234,0,00000010,"
           b"2,255,234,10,4011,12345,40,4011,12346,33,1,home,aa:bb:cc:dd:ee:ff,-60,1.5")


def test_spec():
    assert (SPEC.name, SPEC.default_port, SPEC.transports) == ("watch", 5093, ("tcp",))
    assert SPEC.tcp_connection is WatchConnection and SPEC.udp_connection is None


def test_ud_exact():
    c = WatchConnection()
    d = c.receive_frame(UD, NOW)
    assert d.login == DEV and c.device_id == DEV and d.reply is None and c.manufacturer == "SG"
    (p,) = d.positions
    assert p.device_id == DEV and p.protocol == "watch" and p.fix_time == FIX_TIME and p.valid
    assert p.lat == 51.501234 and p.lon == -0.126789
    assert (p.speed_kmh, p.course_deg, p.altitude_m, p.satellites) == (12.5, 270.5, 35.0, 9)
    assert p.attributes == {"rssi": 80, "batteryLevel": 75, "steps": 1234, "motion": True}
    assert c.receive_frame(UD, NOW).login is None


def test_signs_hemispheres_and_blanks():
    content = b"UD2,050324,101530,V,-33.480366,N, -70.7630692,,0,0,0,0,100,34,0,0,00000000,0"
    (p,) = WatchConnection().receive_frame(frame(content), NOW).positions
    assert (p.lat, p.lon, p.valid) == (-33.480366, -70.7630692, False)
    content = b"UD_LTE,050324,101530,V,33.5,S,70.25,W,,,,,,,,,"
    (p,) = WatchConnection().receive_frame(frame(content), NOW).positions
    assert (p.lat, p.lon, p.speed_kmh, p.satellites, p.attributes) == (-33.5, -70.25, None, None, {})


@pytest.mark.parametrize("status,alarm", [
    (0x1, "lowBattery"), (0x2, "geofenceExit"), (0x4, "geofenceEnter"), (1 << 14, "powerCut"),
    (1 << 16, "sos"), (1 << 17, "lowBattery"), (1 << 18, "geofenceExit"),
    (1 << 19, "geofenceEnter"), (1 << 20, "removing"), (1 << 21, "fallDown"),
    (1 << 22, "fallDown"), (0x10, None), ((1 << 16) | (1 << 20), "sos"), (0, None),
])
def test_status_alarms(status, alarm):
    assert status_alarm(status) == alarm


def test_alarm_reply_and_general_alarm():
    content = b"AL,050324,101530,A,22.5,N,113.9,E,0,0,0,5,100,82,0,0,00000000,0"
    c = WatchConnection()
    d = c.receive_frame(frame(content, mf=b"3G"), NOW)
    assert d.positions[0].attributes["alarm"] == "general"
    assert d.reply == b"[3G*1234567890*0002*AL]" and d.defer_reply
    d = c.receive_frame(frame(content.replace(b"AL,", b"ALCUSTOMER1,").replace(b"00000000", b"00010000"),
                              mf=b"3G"), NOW)
    assert d.positions[0].attributes["alarm"] == "sos" and d.reply == b"[3G*1234567890*0002*AL]"


def test_zj_index_echoed():
    imei = b"123456789012345"
    c = WatchConnection()
    d = c.receive_frame(frame(b"LK,0,0,19", mf=b"ZJ", dev=imei, index=b"0034"), NOW)
    assert d.reply == b"[ZJ*123456789012345*0034*0002*LK]" and d.defer_reply
    (e,) = d.events
    assert e.type == "status" and e.attributes == {"steps": 0, "batteryLevel": 19} and e.time == NOW
    assert c.index == "0034" and c.command("CR") == b"[ZJ*123456789012345*0001*0002*CR]"


def test_replies_without_records_are_immediate():
    c = WatchConnection()
    for content, reply in ((b"LK", b"LK"), (b"INIT,13800000000,1,ABC", b"INIT,1"), (b"TKQ", b"TKQ"),
                           (b"TKQ2", b"TKQ2")):
        d = c.receive_frame(frame(content), NOW)
        assert d.reply == b"[SG*1234567890*%04x*" % len(reply) + reply + b"]"
        assert not d.defer_reply and not d.positions and not d.events
    d = c.receive_frame(frame(b"rcapture"), NOW)
    assert d.unknown is not None and d.unknown.message_type == "rcapture" and d.reply is None


def test_health():
    c = WatchConnection()
    cases = [
        (b"heart,72", {"heartRate": 72}), (b"PULSE,65", {"heartRate": 65}),
        (b"bphrt,121,80,70,,,,", {"pressureHigh": "121", "pressureLow": "80", "heartRate": 70}),
        (b"BLOOD,110,70", {"pressureHigh": "110", "pressureLow": "70"}),
        (b"oxygen,1,97", {"bloodOxygen": 97}), (b"TEMP,36.6", {"temp1": 36.6}),
        (b"btemp2,1,36.25", {"temp1": 36.25}),
    ]
    for content, attrs in cases:
        d = c.receive_frame(frame(content), NOW)
        (e,) = d.events
        assert (e.type, e.attributes, e.time, d.reply) == ("health", attrs, NOW, None)
    assert c.receive_frame(frame(b"btemp2,0,36.25"), NOW).events == ()
    with pytest.raises(MalformedError):
        c.receive_frame(frame(b"TEMP,hot"), NOW)


def test_voice_and_photo():
    c = WatchConnection()
    d = c.receive_frame(frame(b"JXTK,0,clip_1,1,2,#!AMR\x00\x01"), NOW)
    assert d.events == () and d.reply == b"[SG*1234567890*0007*JXTKR,1]" and not d.defer_reply
    d = c.receive_frame(frame(b"JXTK,0,clip_1,2,2,\x02\x03"), NOW)
    assert d.events[0].attributes == {"audio": "clip_1.amr"} and d.defer_reply
    (e,) = c.receive_frame(frame(b"TK,#!AMR[],*}\xff"), NOW).events
    assert e.type == "media" and e.attributes == {"audio": "amr", "audioSize": 11}
    (e,) = c.receive_frame(frame(b"img,\xff\xd8\xff\xe0"), NOW).events
    assert e.attributes == {"image": "jpg", "imageSize": 4}


@pytest.mark.parametrize("bad", [
    b"SG*1234567890*0002*LK]", b"[SG*1234567890*LK]", b"[SG*12 34*0002*LK]",
    b"[SG*1234567890*00G2*LK]", frame(b"UD,320324,101530,A,1,N,2,E"), frame(b"UD,050324,101530"),
    frame(b"UD,050324,101530,A,91.0,N,2,E"), frame(b"UD,050324,101530,A,1,X,2,E"),
])
def test_malformed(bad):
    with pytest.raises(MalformedError):
        WatchConnection().receive_frame(bad, NOW)


def test_encode_and_escape():
    assert encode.envelope("SG", DEV, b"LK") == b"[SG*1234567890*0002*LK]"
    assert encode.envelope("ZJ", DEV, b"AL", "0034") == b"[ZJ*1234567890*0034*0002*AL]"
    assert encode.command("3G", DEV, "UPLOAD,60") == b"[SG*1234567890*0009*UPLOAD,60]"
    assert encode.message_text("Hi") == "MESSAGE,00480069"
    raw = b"}[],*\x01x"
    escaped = encode.escape(raw)
    assert escaped == b"}\x01}\x02}\x03}\x04}\x05\x01x"
    assert unescape(escaped) == raw


# ---------------------------------------------------------------- framing

VOICE = b"[CS*1234567890*000c*TK," + encode.escape(b"#!AMR}[],*\xff") + b"]"
LK = frame(b"LK,0,0,53", mf=b"3G")
STREAM = LK + b"\r\n" + VOICE + UD


def summary(decoded):
    return [(d.positions, d.events, d.reply) for d in decoded]


def test_framer_unescapes_and_counts_depth():
    buf = bytearray(VOICE + b"[3G*1*0002*a[b]c]")
    f = WatchFramer()
    assert f.next_frame(buf) == b"[CS*1234567890*000c*TK,#!AMR}[],*\xff]"
    assert f.next_frame(buf) == b"[3G*1*0002*a[b]c]" and not buf


def test_stream_whole_bytewise_and_every_split():
    expected = summary(WatchConnection().feed(STREAM, NOW))
    assert len(expected) == 3 and expected[1][1][0].attributes == {"audio": "amr", "audioSize": 11}
    c = WatchConnection()
    out = []
    for i in range(len(STREAM)):
        out += c.feed(STREAM[i:i + 1], NOW)
    assert summary(out) == expected
    for cut in range(len(STREAM) + 1):
        c = WatchConnection()
        out = c.feed(STREAM[:cut], NOW) + c.feed(STREAM[cut:], NOW)
        assert summary(out) == expected, cut
        assert c.buffered == 0


def test_garbage_skipped_and_bad_escape_resyncs():
    c = WatchConnection()
    out = c.feed(b"xx\r\n" + LK + b"junk" + LK, NOW)
    assert len(out) == 2 and c._framer.skipped == 8
    with pytest.raises(MalformedError):
        c.feed(b"[3G*1*0002*TK,}\x09]" + LK, NOW)
    out = c.feed(b"", NOW)
    assert len(out) == 1 and out[0].reply == b"[3G*1234567890*0002*LK]" and not c.closed


def test_unclosed_frame_is_bounded():
    c = WatchConnection()
    with pytest.raises(FramingError):
        c.feed(b"[" * 10 + b"a" * (33 * 1024), NOW)
    assert c.closed and c.buffered == 0


# ---------------------------------------------------------------- device

def test_device_hello_fixes_and_alarm_acks():
    fix = Fix(time=FIX_TIME, lat=51.501234, lon=-0.126789, speed_kmh=12.5, course_deg=270.5,
              altitude_m=35.0, satellites=9)
    dev = WatchDevice(DEV)
    assert dev.hello() == b"[3G*1234567890*0002*LK]" and not dev.expects_acks
    out = dev.encode_fixes([fix])
    assert out.data.startswith(b"[3G*1234567890*")
    c = WatchConnection()
    (d,) = c.feed(dev.hello(), NOW)
    assert dev.receive_data(d.reply[:5]) == []
    assert dev.receive_data(d.reply[5:]) == [DeviceAck("hello")] and dev.hello_acked
    (d,) = c.feed(out.data, NOW)
    p = d.positions[0]
    assert (p.fix_time, p.lat, p.lon, p.speed_kmh, p.course_deg, p.altitude_m, p.satellites) == (
        FIX_TIME, 51.501234, -0.126789, 12.5, 270.5, 35.0, 9) and d.reply is None
    alarm = WatchDevice(DEV, manufacturer="ZJ", index="0001", alarm=True)
    out = alarm.encode_fixes([fix])
    (d,) = c.feed(out.data, NOW)
    assert d.reply == b"[ZJ*1234567890*0001*0002*AL]"
    assert alarm.receive_data(d.reply) == [DeviceAck("fixes", out.token)]


def test_device_misuse():
    with pytest.raises(LocalProtocolError):
        WatchDevice(DEV, transport="udp")
    with pytest.raises(LocalProtocolError):
        WatchDevice("a*b")
    with pytest.raises(LocalProtocolError):
        WatchDevice(DEV).encode_fixes([])
    with pytest.raises(LocalProtocolError):
        WatchConnection().command("CR")
