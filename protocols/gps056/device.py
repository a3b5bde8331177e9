"""Device side of GPS056: LOGN, SYNC and GPSL frames; reading the server's answers."""

from __future__ import annotations

from datetime import timezone
from typing import Sequence

from .._device import DeviceAck, Outgoing
from .._errors import LocalProtocolError
from .._records import Fix
from . import encode
from .constants import LOCATION, LOGIN, STATUS

__all__ = ["Gps056Device", "encode_location_body", "encode_status_block"]


def _coordinate(value: float, positive: bytes, negative: bytes) -> bytes:
    """u16 degrees*100 + minutes, u16 minute fraction * 10000, hemisphere letter."""
    ten_thousandths = int(round(abs(value) * 60 * 10000))
    degrees, rest = divmod(ten_thousandths, 60 * 10000)
    minutes, fraction = divmod(rest, 10000)
    return ((degrees * 100 + minutes).to_bytes(2, "big") + fraction.to_bytes(2, "big")
            + (positive if value >= 0 else negative))


def encode_status_block(*, inputs: int = 0, outputs: int = 0, adc: int = 0, satellites: int = 0,
                        rssi: int = 20) -> bytes:
    """The 6-byte status block (``_catalogue.STATUS_BLOCK``); ``adc`` raw, signed 16 bits."""
    return (bytes((inputs, outputs)) + adc.to_bytes(2, "little", signed=True)
            + bytes((max(0, min(255, satellites)), rssi)))


def encode_location_body(fix: Fix, echo: bytes, *, inputs: int = 0, outputs: int = 0,
                         rssi: int = 20, adc: int = 0) -> bytes:
    t = fix.time.astimezone(timezone.utc)
    body = bytes((t.day, t.month, t.year - 2000, t.hour, t.minute, t.second))
    body += _coordinate(fix.lat, b"N", b"S") + _coordinate(fix.lon, b"E", b"W")
    body += bytes((max(0, min(255, int(round(fix.speed_kmh)))),))
    body += (int(round(fix.course_deg)) % 360).to_bytes(2, "big")
    body += encode_status_block(inputs=inputs, outputs=outputs, adc=adc,
                                satellites=fix.satellites, rssi=rssi)
    return body + echo


class Gps056Device:
    """A simulated GPS056 tracker (see protocols/_device.py)."""

    expects_acks = True
    max_fixes_per_packet = 1

    def __init__(self, device_id: str, *, transport: str = "tcp", **options) -> None:
        if transport != "tcp":
            raise LocalProtocolError("gps056 runs over TCP only")
        if not (device_id.isdigit() and len(device_id) == 15):
            raise LocalProtocolError(f"gps056: the IMEI must be 15 digits, got {device_id!r}")
        self.device_id = device_id
        self.hello_acked = False
        self._serial = 0
        self._buffer = bytearray()
        self._answers = {
            f"*LGSA_11{device_id}1#".encode("ascii"): DeviceAck("hello"),
            f"*SYSA_11{device_id}#".encode("ascii"): DeviceAck("other"),
        }
        self._location_prefix = f"*GPSA_02{device_id}".encode("ascii")

    def hello(self) -> bytes:
        return encode.packet(LOGIN, "_11", self.device_id, b"2.1")

    def heartbeat(self, **status: int) -> bytes:
        """``SYNC`` with a status block (``encode_status_block`` keywords; zeros by default)."""
        block = encode_status_block(**status) if status else bytes(6)
        return encode.packet(STATUS, "_11", self.device_id, block)

    def encode_fixes(self, fixes: Sequence[Fix]) -> Outgoing:
        if len(fixes) != 1:
            raise LocalProtocolError("gps056 carries exactly one fix per packet")
        self._serial = self._serial % 0xFFFF + 1
        echo = self._serial.to_bytes(2, "big")
        body = encode_location_body(fixes[0], echo)
        return Outgoing(encode.packet(LOCATION, "_02", self.device_id, body), token=self._serial)

    def receive_data(self, data: bytes) -> list[DeviceAck]:
        self._buffer += data
        acks: list[DeviceAck] = []
        while (start := self._buffer.find(b"*")) >= 0:
            del self._buffer[:start]
            wait, ack = self._answer()
            if wait:
                return acks
            if ack is not None:
                if ack.kind == "hello":
                    self.hello_acked = True
                acks.append(ack)
        self._buffer.clear()
        return acks

    def _answer(self) -> tuple[bool, DeviceAck | None]:
        """(more bytes needed, the answer consumed at the buffer's start or None)."""
        buf = self._buffer
        for answer, ack in self._answers.items():
            if buf.startswith(answer):
                del buf[:len(answer)]
                return False, ack
        prefix = self._location_prefix
        if buf.startswith(prefix) and len(buf) >= len(prefix) + 3 and buf[len(prefix) + 2] == 0x23:
            token = int.from_bytes(buf[len(prefix):len(prefix) + 2], "big")
            del buf[:len(prefix) + 3]
            return False, DeviceAck("fixes", token=token)
        head = bytes(buf)
        if len(buf) < len(prefix) + 3 and any(a.startswith(head) or head.startswith(a)
                                              for a in (*self._answers, prefix)):
            return True, None
        del buf[:1]  # not an answer of ours: skip the "*"
        return False, None
