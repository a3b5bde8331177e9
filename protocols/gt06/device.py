"""Device side of GT06: login, heartbeat and 0x12 GPS+LBS frames; reading our acks.
The other catalogue messages' encoders live in _device_messages.py (re-exported here)."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from datetime import UTC, timedelta

from .._commands import CommandReceived
from .._device import DeviceAck, Outgoing
from .._errors import LocalProtocolError
from .._records import Fix
from . import encode
from ._device_messages import (  # the catalogue's other device-side encoders
    cell_2g,
    cell_4g,
    encode_alarm,
    encode_alarm_95,
    encode_command_reply,
    encode_info,
    encode_io,
    encode_lbs_status,
    encode_location_37,
    encode_modular,
    encode_obd,
    encode_status,
    encode_status_36,
    encode_upload_location,
    encode_value,
    encode_wifi,
    gps_block,
    status_block,
)
from .constants import MsgType

__all__ = ["Gt06Device", "cell_2g", "cell_4g", "encode_alarm", "encode_alarm_95", "encode_command_reply", "encode_heartbeat", "encode_info", "encode_io", "encode_lbs_status", "encode_location", "encode_location_37", "encode_login", "encode_modular", "encode_obd", "encode_status", "encode_status_36", "encode_upload_location", "encode_value", "encode_wifi", "gps_block", "status_block"]

_LOCATION = struct.Struct(">6BBIIBH")  # date, info, lat, lon, speed, course/status
_ACK_SIZE = 10


def encode_login(imei: str, serial: int, *, model: int = 0x3620, tz_word: int | None = 0x3200) -> bytes:
    if not (imei.isdigit() and len(imei) <= 16):
        raise LocalProtocolError(f"gt06: IMEI must be up to 16 digits, got {imei!r}")
    body = bytes.fromhex(imei.rjust(16, "0")) + model.to_bytes(2, "big")
    if tz_word is not None:
        body += tz_word.to_bytes(2, "big")
    return encode.packet(MsgType.LOGIN, body, serial)


def encode_heartbeat(serial: int, *, info: int = 0x46, voltage: int = 6, gsm: int = 4) -> bytes:
    """0x13: terminal info (ACC on, GPS tracking), voltage level, GSM signal, no alarm, English."""
    return encode.packet(MsgType.STATUS, bytes((info, voltage, gsm, 0x00, 0x02)), serial)


def tz_word_offset(tz_word: int | None) -> int:
    """Minutes east of UTC of a login time-zone word (upper 12 bits hhmm, bit 3 west)."""
    if not tz_word:
        return 0
    hhmm = tz_word >> 4
    minutes = (hhmm // 100) * 60 + hhmm % 100
    return -minutes if tz_word & 0x08 else minutes


def encode_location(fix: Fix, serial: int, *, mcc: int = 460, mnc: int = 0,
                    lac: int = 0x287D, cell: int = 0x1FB8, utc_offset_min: int = 0) -> bytes:
    """0x12 GPS + LBS at the protocol's resolution (1/30000 min, 1 km/h, 1 degree, 1 s); the
    date in the device's zone (``utc_offset_min``, the one its login announced)."""
    t = fix.time.astimezone(UTC) + timedelta(minutes=utc_offset_min)
    word = int(round(fix.course_deg)) % 360 & 0x03FF
    if fix.lat >= 0:
        word |= 0x0400
    if fix.lon < 0:
        word |= 0x0800
    if fix.valid:
        word |= 0x1000
    ignition = fix.attributes.get("ignition")
    if ignition is not None:
        word |= 0x4000 | (0x8000 if ignition else 0)
    sats = max(0, min(15, fix.satellites))
    speed = max(0, min(255, int(round(fix.speed_kmh))))
    gps = _LOCATION.pack(t.year - 2000, t.month, t.day, t.hour, t.minute, t.second, 0xC0 | sats,
                         int(round(abs(fix.lat) * 1_800_000)), int(round(abs(fix.lon) * 1_800_000)),
                         speed, word)
    lbs = mcc.to_bytes(2, "big") + bytes((mnc,)) + lac.to_bytes(2, "big") + cell.to_bytes(3, "big")
    return encode.packet(MsgType.GPS_LBS, gps + lbs, serial)


#: what a Concox unit answers to the commands we send (GT06N user manual's replies)
DEVICE_ANSWERS: dict[str, str] = {
    "RELAY,1#": "Cut off the fuel supply: Success!",
    "RELAY,0#": "Restore fuel supply: Success!",
    "RESET#": "Reset OK!",
}


class Gt06Device:
    """A simulated GT06 tracker (see protocols/_device.py)."""

    expects_acks = True
    max_fixes_per_packet = 1

    def __init__(self, device_id: str, *, transport: str = "tcp", **options) -> None:
        if transport != "tcp":
            raise LocalProtocolError("gt06 runs over TCP only")
        self.device_id = device_id
        self.hello_acked = False
        self._serial = 0
        self._buffer = bytearray()
        self._login_serial: int | None = None
        #: the login's time-zone word (default GMT+8:00, as shipped); dates are sent in that zone
        self._tz_word: int | None = options.get("tz_word", 0x3200)

    def _next_serial(self) -> int:
        self._serial = (self._serial + 1) & 0xFFFF
        return self._serial

    def hello(self) -> bytes:
        serial = self._next_serial()
        self._login_serial = serial
        return encode_login(self.device_id, serial, tz_word=self._tz_word)

    def heartbeat(self) -> bytes:
        return encode_heartbeat(self._next_serial())

    def encode_fixes(self, fixes: Sequence[Fix]) -> Outgoing:
        if len(fixes) != 1:
            raise LocalProtocolError("gt06 carries exactly one fix per packet")
        serial = self._next_serial()
        return Outgoing(encode_location(fixes[0], serial, utc_offset_min=tz_word_offset(self._tz_word)),
                        token=serial, count=1)

    def receive_data(self, data: bytes) -> list[DeviceAck | CommandReceived]:
        self._buffer += data
        acks: list[DeviceAck | CommandReceived] = []
        while True:
            start = self._buffer.find(b"\x78\x78")
            if start < 0:
                del self._buffer[:-1]
                return acks
            del self._buffer[:start]
            if len(self._buffer) < 5:
                return acks
            size = self._buffer[2] + 5
            if len(self._buffer) < size:
                return acks
            frame = bytes(self._buffer[:size])
            del self._buffer[:size]
            ack = self._read_ack(frame)
            if ack is not None:
                acks.append(ack)

    def _read_command(self, frame: bytes) -> CommandReceived | None:
        """0x80: length, server flag (4), ASCII command, [language (2)]; answered with 0x15
        echoing the flag (the device's text: DEVICE_ANSWERS, else ``<command>OK``)."""
        size = frame[4]
        if size < 4 or len(frame) < 5 + size + 6:
            return None
        flag = int.from_bytes(frame[5:9], "big")
        text = frame[9:5 + size].decode("latin-1")
        answer = DEVICE_ANSWERS.get(text.upper(), text.rstrip("#") + " OK")
        reply = encode_command_reply(answer, self._next_serial(), server_flag=flag)
        return CommandReceived(token=flag, answer=reply, command=text)

    def _read_ack(self, frame: bytes) -> DeviceAck | CommandReceived | None:
        if frame[3] == MsgType.SERVER_COMMAND and len(frame) > _ACK_SIZE:
            return self._read_command(frame)
        if len(frame) != _ACK_SIZE or frame[2] != 5 or not frame.endswith(b"\r\n"):
            return None
        msg_type = frame[3]
        serial = int.from_bytes(frame[4:6], "big")
        if msg_type == MsgType.LOGIN:
            if serial == self._login_serial:
                self.hello_acked = True
                return DeviceAck("hello")
            return None
        if msg_type == MsgType.GPS_LBS:
            return DeviceAck("fixes", token=serial)
        return DeviceAck("other", token=serial)
