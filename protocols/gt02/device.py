"""Device side of GT02: heartbeat and 0x10 location packets; reading the heartbeat answer."""

from __future__ import annotations

import struct
from datetime import timezone
from typing import Sequence

from .._binary import encode_bcd
from .._device import DeviceAck, Outgoing
from .._errors import LocalProtocolError
from .._records import Fix
from . import encode
from .constants import HEARTBEAT_REPLY, MsgType

__all__ = ["Gt02Device", "encode_location", "encode_command_result"]

_LOCATION = struct.Struct(">6BIIBH3xI")


def encode_location(fix: Fix, *, extra_status: int = 0) -> bytes:
    """0x10 content at the protocol's resolution (1/30000 minute, 1 km/h, 1 degree, 1 s);
    ``extra_status``: further status bits (bits 3-31) to set."""
    t = fix.time.astimezone(timezone.utc)
    status = (0x01 if fix.valid else 0) | (0x02 if fix.lat >= 0 else 0) | (0x04 if fix.lon >= 0 else 0)
    status |= extra_status & ~0x07
    return _LOCATION.pack(t.year - 2000, t.month, t.day, t.hour, t.minute, t.second,
                          int(round(abs(fix.lat) * 1_800_000)), int(round(abs(fix.lon) * 1_800_000)),
                          max(0, min(255, int(round(fix.speed_kmh)))), int(round(fix.course_deg)) % 360,
                          status)


def encode_command_result(text: str) -> bytes:
    """0x1C content: text length (1 byte) + ASCII text."""
    data = text.encode("ascii")
    return bytes((len(data),)) + data


class Gt02Device:
    """A simulated GT02 tracker: no login, locations are not acknowledged."""

    expects_acks = False
    max_fixes_per_packet = 1

    def __init__(self, device_id: str, *, transport: str = "tcp", **options) -> None:
        if transport != "tcp":
            raise LocalProtocolError("gt02 runs over TCP only")
        if not device_id.isdigit() or len(device_id) > 15:
            raise LocalProtocolError(f"gt02: IMEI must be up to 15 digits, got {device_id!r}")
        self.device_id = device_id
        self.terminal = encode_bcd(device_id, 8)
        self.hello_acked = True
        self._serial = 0
        self._buffer = bytearray()

    def _next_serial(self) -> int:
        self._serial = (self._serial + 1) & 0xFFFF
        return self._serial

    def packet(self, protocol: int, content: bytes, *, power: int = 0, gsm: int = 0) -> bytes:
        """Any packet of this tracker (next serial)."""
        return encode.packet(protocol, content, self.terminal, self._next_serial(),
                             power=power, gsm=gsm)

    def hello(self) -> bytes:
        return b""

    def heartbeat(self, *, power: int = 4, gsm: int = 4) -> bytes:
        return encode.packet(MsgType.HEARTBEAT, b"\x00\x00", self.terminal, self._next_serial(),
                             power=power, gsm=gsm)

    def encode_fixes(self, fixes: Sequence[Fix]) -> Outgoing:
        if len(fixes) != 1:
            raise LocalProtocolError("gt02 carries exactly one fix per packet")
        serial = self._next_serial()
        return Outgoing(encode.packet(MsgType.LOCATION, encode_location(fixes[0]), self.terminal, serial),
                        token=serial, count=1)

    def receive_data(self, data: bytes) -> list[DeviceAck]:
        self._buffer += data
        acks: list[DeviceAck] = []
        while (i := self._buffer.find(HEARTBEAT_REPLY)) >= 0:
            del self._buffer[:i + len(HEARTBEAT_REPLY)]
            acks.append(DeviceAck("other"))
        del self._buffer[:max(0, len(self._buffer) - len(HEARTBEAT_REPLY) + 1)]
        return acks
