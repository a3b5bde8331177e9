"""Device side: a new-protocol Totem tracker (AT07/AT09 ``AA`` reports).

Each fix is one ``AA`` frame with a 4-digit serial; the server's
``$$0014AA<serial><cs>`` acknowledges the frame with that serial. No login.
Resolution: minutes with 4 decimals (1/600000 degree), whole seconds, whole
km/h (0-999), whole degrees of course, satellites 0-99.
"""

from __future__ import annotations

from datetime import timezone
from typing import Sequence

from .._checksum import xor8
from .._device import DeviceAck, Outgoing
from .._errors import LocalProtocolError
from .._records import Fix
from .._text import format_dm

__all__ = ["TotemDevice", "report"]

_ACK_HEAD = b"$$0014AA"
_ACK_LENGTH = 14
_MAX_PENDING_BYTES = 4096




def report(imei: str, fix: Fix, serial: int, status: int | None = None) -> bytes:
    """One ``AA`` frame (battery 4.2 V, power 13 V, ADC1 0, no temperatures)."""
    t = fix.time.astimezone(timezone.utc)
    if status is None:
        status = 0x4000 if fix.valid else 0
    body = (f"{status:08X}{t:%y%m%d%H%M%S}42130000"
            f"1A2B3C4D{fix.satellites:02d}20{round(fix.course_deg) % 360:03d}"
            f"{min(round(fix.speed_kmh), 999):03d}01.00000000"
            f"{format_dm(fix.lat, 2)}{'S' if fix.lat < 0 else 'N'}"
            f"{format_dm(fix.lon, 3)}{'W' if fix.lon < 0 else 'E'}{serial % 10000:04d}")
    length = 8 + len(imei) + 1 + len(body) + 2
    frame = f"$${length:04d}AA{imei}|{body}".encode("ascii")
    return frame + b"%02X" % xor8(frame)


class TotemDevice:
    """Sends ``AA`` reports; each is acknowledged by its serial."""

    max_fixes_per_packet = 1
    expects_acks = True

    def __init__(self, device_id: str, *, transport: str = "tcp") -> None:
        if transport != "tcp":
            raise LocalProtocolError(f"totem device: unknown transport {transport!r}")
        if not device_id.isdigit() or not 4 <= len(device_id) <= 20:
            raise LocalProtocolError("totem device: the id is an IMEI (digits only)")
        self.device_id = device_id
        self.transport = transport
        self.hello_acked = True  # no login
        self._serial = 0
        self._pending: dict[bytes, int] = {}
        self._buffer = bytearray()

    def hello(self) -> bytes:
        return b""

    def heartbeat(self) -> bytes:
        return b""

    def encode_fixes(self, fixes: Sequence[Fix]) -> Outgoing:
        if len(fixes) != 1:
            raise LocalProtocolError("totem device: exactly one fix per packet")
        self._serial = self._serial % 9999 + 1
        token = self._serial
        self._pending[b"%04d" % token] = token
        return Outgoing(report(self.device_id, fixes[0], token), token, 1)

    def receive_data(self, data: bytes) -> list[DeviceAck]:
        self._buffer += data
        acks: list[DeviceAck] = []
        while True:
            start = self._buffer.find(_ACK_HEAD)
            if start < 0 or len(self._buffer) - start < _ACK_LENGTH:
                break
            ack = bytes(self._buffer[start:start + _ACK_LENGTH])
            del self._buffer[:start + _ACK_LENGTH]
            token = self._pending.pop(ack[8:12], None)
            valid = ack[12:] == b"%02X" % xor8(ack[:12])
            acks.append(DeviceAck("fixes", token) if valid and token else DeviceAck("other"))
        if len(self._buffer) > _MAX_PENDING_BYTES:
            del self._buffer[:-_MAX_PENDING_BYTES]
        return acks
