"""Per-device models set on a live connection (``set_model``) after the login.

The device does not say its model; the gateway looks it up once the login
identified the device and calls ``set_model``. The same bytes then decode
differently: a GT06 0x13 heartbeat's last two bytes are alarm + language by
default and an LW* family's external power word; Meitrack's ADC counts are
scaled per model.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from protocols._records import Fix
from protocols.gt06 import Gt06Connection, encode
from protocols.gt06 import device as gt06_device
from protocols.gt06._device_messages import encode_status
from protocols.meitrack import MeitrackConnection, MeitrackUdpConnection
from protocols.meitrack.device import aaa_report
from protocols.registry import NAMES, takes_model

NOW = datetime(2024, 3, 5, 10, 20, 30, tzinfo=UTC)
IMEI = "864717003283581"
BASE = {"status": 0x46, "ignition": True, "charge": True, "blocked": False, "armed": False,
        "batteryLevel": 100, "rssi": 4}
#: 0x13 with the bytes 00 7C after the GSM level: no alarm + language 0x7C, or (LW*) 12.4 V
HEARTBEAT = encode_status(2, alarm=0x00, language=0x7C)
#: 01 2C: an SOS alarm, or (LW*) 30.0 V
HEARTBEAT_SOS = encode_status(3, alarm=0x01, language=0x2C)


def logged_in_gt06() -> Gt06Connection:
    conn = Gt06Connection()
    conn.receive_data(gt06_device.encode_login(IMEI, 1))
    (login,) = [d for d in iter(lambda: conn.next_decoded(NOW), None)]
    assert login.login == IMEI
    return conn


def heartbeat_attributes(conn: Gt06Connection, frame: bytes) -> tuple[str, dict]:
    conn.receive_data(frame)
    (decoded,) = list(iter(lambda: conn.next_decoded(NOW), None))
    (event,) = decoded.events
    assert decoded.reply == encode.ack(0x13, int.from_bytes(frame[-6:-4], "big"))
    return event.type, event.attributes


def test_gt06_heartbeat_without_a_model_reads_alarm_and_language():
    conn = logged_in_gt06()
    assert heartbeat_attributes(conn, HEARTBEAT) == ("status", BASE)
    assert heartbeat_attributes(conn, HEARTBEAT_SOS) == ("alarm", {**BASE, "alarm": "sos"})


def test_gt06_set_model_after_login_reads_the_lw_power_word():
    conn = logged_in_gt06()
    conn.set_model("LW4G-4B")
    assert conn.family == "lw"
    assert heartbeat_attributes(conn, HEARTBEAT) == ("status", {**BASE, "power": 12.4})
    assert heartbeat_attributes(conn, HEARTBEAT_SOS) == ("status", {**BASE, "power": 30.0})


def test_gt06_set_model_changes_and_clears_the_family():
    conn = logged_in_gt06()
    conn.set_model("SEEWORLD")
    assert heartbeat_attributes(conn, HEARTBEAT_SOS) == ("status", {**BASE, "power": 1.0})
    conn.set_model("R11")  # power u16 (0.01 V) where the voltage level was
    assert heartbeat_attributes(conn, HEARTBEAT) == (
        "status", {"status": 0x46, "ignition": True, "charge": True, "blocked": False,
                   "armed": False, "rssi": 0, "event": 0x7C, "power": 15.4})
    conn.set_model(None)
    assert conn.family is None
    assert heartbeat_attributes(conn, HEARTBEAT) == ("status", BASE)
    conn.set_model("NO-SUCH-MODEL")  # an unknown name is no family: the defaults
    assert heartbeat_attributes(conn, HEARTBEAT_SOS) == ("alarm", {**BASE, "alarm": "sos"})


def test_gt06_constructor_model_equals_set_model():
    a, b = Gt06Connection(model="LW4G"), Gt06Connection()
    b.set_model("LW4G")
    for conn in (a, b):
        conn.receive_frame(gt06_device.encode_login(IMEI, 1), NOW)
        (event,) = conn.receive_frame(HEARTBEAT, NOW).events
        assert event.attributes["power"] == 12.4


FIX = Fix(time=datetime(2024, 5, 2, 3, 4, 5, tzinfo=UTC), lat=-33.866543, lon=151.190148,
          speed_kmh=10, course_deg=90, satellites=9)


@pytest.mark.parametrize("factory", [MeitrackConnection, MeitrackUdpConnection])
def test_meitrack_set_model_scales_adc_of_later_frames(factory):
    conn = factory()
    frame = aaa_report("353358017784062", FIX, analog="0000|0000|0000|0800|0400")
    (p,) = conn.receive_frame(frame, NOW).positions
    assert (p.attributes["battery"], p.attributes["power"]) == (20.48, 10.24)
    conn.set_model("mvt380")  # case-insensitive, like Traccar's model names
    (p,) = conn.receive_frame(frame, NOW).positions
    assert (p.attributes["battery"], p.attributes["power"]) == (12.0, 48.0)
    conn.set_model(None)
    (p,) = conn.receive_frame(frame, NOW).positions
    assert (p.attributes["battery"], p.attributes["power"]) == (20.48, 10.24)


def test_the_protocols_that_take_a_model():
    assert [name for name in NAMES if takes_model(name)] == ["gt06", "meitrack"]
