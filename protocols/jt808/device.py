"""Device side of JT/T 808: authentication, heartbeat, 0x0200 / 0x0704 reports; reading 0x8001."""

from __future__ import annotations

import struct
from datetime import timedelta, timezone
from typing import Sequence

from .._device import DeviceAck, Outgoing
from .._errors import LocalProtocolError, ProtocolError
from .._records import Fix
from . import encode
from ._header import parse_frame
from .constants import MsgType
from .framing import Jt808Framer

__all__ = ["Jt808Device", "encode_location_body", "terminal_bytes"]

_BASIC = struct.Struct(">IIIIhHH")
_U16 = struct.Struct(">H")
_CST = timezone(timedelta(hours=8))


def terminal_bytes(device_id: str) -> tuple[bytes, int | None]:
    """(terminal id bytes, version): 6 BCD bytes for up to 12 digits, else the 2019 10-byte form."""
    if not device_id.isdigit() or len(device_id) > 20:
        raise LocalProtocolError(f"jt808: terminal id must be up to 20 digits, got {device_id!r}")
    if len(device_id) <= 12:
        return bytes.fromhex(device_id.rjust(12, "0")), None
    return bytes.fromhex(device_id.rjust(20, "0")), 1


def encode_location_body(fix: Fix, *, alarm: int = 0, utc_offset: timezone = _CST) -> bytes:
    """Basic block (1e-6 degrees, 0.1 km/h, local BCD time) + items 0x01, 0x30, 0x31."""
    status = 0x02 if fix.valid else 0
    if fix.attributes.get("ignition"):
        status |= 0x01
    if fix.lat < 0:
        status |= 0x04
    if fix.lon < 0:
        status |= 0x08
    local = fix.time.astimezone(utc_offset)
    body = _BASIC.pack(alarm, status, int(round(abs(fix.lat) * 1e6)), int(round(abs(fix.lon) * 1e6)),
                       int(round(fix.altitude_m)), int(round(fix.speed_kmh * 10)),
                       int(round(fix.course_deg)) % 360)
    body += bytes.fromhex(local.strftime("%y%m%d%H%M%S"))
    odometer = fix.attributes.get("odometer")
    if isinstance(odometer, int):
        body += b"\x01\x04" + (odometer // 100).to_bytes(4, "big")
    rssi = fix.attributes.get("rssi")
    if isinstance(rssi, int):
        body += bytes((0x30, 1, rssi & 0xFF))
    return body + bytes((0x31, 1, max(0, min(255, fix.satellites))))


class Jt808Device:
    """A simulated JT/T 808 terminal (see protocols/_device.py)."""

    expects_acks = True
    max_fixes_per_packet = 16

    def __init__(self, device_id: str, *, transport: str = "tcp", **options) -> None:
        if transport != "tcp":
            raise LocalProtocolError("jt808 runs over TCP only")
        self.device_id = device_id
        self.terminal, self.version = terminal_bytes(device_id)
        self.hello_acked = False
        self._serial = 0
        self._auth_serial: int | None = None
        self._framer = Jt808Framer()
        self._buffer = bytearray()

    def _packet(self, msg_id: int, body: bytes) -> tuple[bytes, int]:
        serial = self._serial
        self._serial = (serial + 1) & 0xFFFF
        return encode.packet(msg_id, body, self.terminal, serial, self.version), serial

    def hello(self) -> bytes:
        data, self._auth_serial = self._packet(MsgType.AUTH, self.device_id.encode("ascii"))
        return data

    def heartbeat(self) -> bytes:
        return self._packet(MsgType.HEARTBEAT, b"")[0]

    def encode_fixes(self, fixes: Sequence[Fix]) -> Outgoing:
        if not 1 <= len(fixes) <= self.max_fixes_per_packet:
            raise LocalProtocolError(f"jt808 carries 1..{self.max_fixes_per_packet} fixes per packet")
        if len(fixes) == 1:
            data, serial = self._packet(MsgType.LOCATION, encode_location_body(fixes[0]))
        else:
            body = _U16.pack(len(fixes)) + b"\x01"
            for fix in fixes:
                item = encode_location_body(fix)
                body += _U16.pack(len(item)) + item
            data, serial = self._packet(MsgType.LOCATION_BATCH, body)
        return Outgoing(data, token=serial, count=len(fixes))

    def receive_data(self, data: bytes) -> list[DeviceAck]:
        self._buffer += data
        acks: list[DeviceAck] = []
        while (frame := self._framer.next_frame(self._buffer)) is not None:
            try:
                header, _ = parse_frame(frame)
            except ProtocolError:
                continue
            ack = self._read(header)
            if ack is not None:
                acks.append(ack)
        return acks

    def _read(self, header) -> DeviceAck | None:
        if header.msg_id != MsgType.GENERAL_RESPONSE or len(header.body) != 5:
            return None
        reply_serial, reply_id = _U16.unpack_from(header.body, 0)[0], _U16.unpack_from(header.body, 2)[0]
        result = header.body[4]
        if reply_id == MsgType.AUTH and reply_serial == self._auth_serial:
            if result != 0:
                return DeviceAck("rejected")
            self.hello_acked = True
            return DeviceAck("hello")
        if reply_id in (MsgType.LOCATION, MsgType.LOCATION_BATCH) and result == 0:
            return DeviceAck("fixes", token=reply_serial)
        return DeviceAck("other", token=reply_serial)
