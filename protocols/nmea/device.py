"""Device side: a tracker that speaks raw NMEA (used by simulators and tests).

``hello()`` is the identity line ``$PGID,<id>*hh``; each fix goes out as one
``$GPRMC`` (optionally followed by a ``$GPGGA`` for altitude and satellites).
Resolution of what we write: minutes with 4 decimals (1/600000 degree, so a
round trip holds to 8.4e-7 degree), time to the millisecond (truncated),
speed to 0.001 knot, course to 0.01 degree, altitude to 0.1 m.
"""

from __future__ import annotations

from collections import deque
from datetime import timezone
from typing import Sequence

from .._checksum import nmea_checksum
from .._device import DeviceAck, Outgoing
from .._errors import LocalProtocolError
from .._records import Fix
from .._text import format_dm
from .constants import ACK_REPLY, KNOT_KMH

__all__ = ["NmeaDevice", "sentence", "t55_rmc", "gpiop", "qze"]

_ACK_LINE = ACK_REPLY.strip()
_MAX_PENDING_BYTES = 4096


def sentence(body: str) -> bytes:
    """``$<body>*hh\\r\\n`` with the correct checksum."""
    raw = body.encode("ascii")
    return b"$%s*%02X\r\n" % (raw, nmea_checksum(raw))




def _rmc(fix: Fix) -> str:
    t = fix.time.astimezone(timezone.utc)
    lat, south = format_dm(fix.lat, 2), fix.lat < 0
    lon, west = format_dm(fix.lon, 3), fix.lon < 0
    return (f"GPRMC,{t:%H%M%S}.{t.microsecond // 1000:03d},{'A' if fix.valid else 'V'},"
            f"{lat},{'S' if south else 'N'},{lon},{'W' if west else 'E'},"
            f"{fix.speed_kmh / KNOT_KMH:.3f},{fix.course_deg:.2f},{t:%d%m%y},,,"
            f"{'A' if fix.valid else 'N'}")


def _gga(fix: Fix) -> str:
    t = fix.time.astimezone(timezone.utc)
    lat, south = format_dm(fix.lat, 2), fix.lat < 0
    lon, west = format_dm(fix.lon, 3), fix.lon < 0
    return (f"GPGGA,{t:%H%M%S}.{t.microsecond // 1000:03d},{lat},{'S' if south else 'N'},"
            f"{lon},{'W' if west else 'E'},{1 if fix.valid else 0},{fix.satellites:02d},1.0,"
            f"{fix.altitude_m:.1f},M,0.0,M,,")


def t55_rmc(fix: Fix, imei: str, *, ignition: bool, fuel: int, battery: int,
            parameters: Sequence[int] = ()) -> bytes:
    """An RMC with the T55 extension after its checksum (``T55_COLUMNS``):
    ``,<sats>,<imei>,<ign>,<fuel>,<battery>[,<io1>,<io2>...]``."""
    tail = [str(fix.satellites), imei, "1" if ignition else "0", f"{fuel:03d}", f"{battery:03d}"]
    tail += [str(p) for p in parameters]
    return sentence(_rmc(fix)).rstrip(b"\r\n") + ("," + ",".join(tail)).encode() + b"\r\n"


def gpiop(inputs: int, outputs: int, adc: Sequence[float], power: float, battery: float) -> bytes:
    """``$GPIOP``: 8-character bit strings (char i = bit i), four ADCs, power, battery (V)."""
    bits = lambda v: "".join("1" if v >> i & 1 else "0" for i in range(8))  # noqa: E731
    values = ",".join(f"{a:.2f}" for a in (*adc, power, battery))
    return sentence(f"GPIOP,{bits(inputs)},{bits(outputs)},{values}")


def qze(imei: str, event: int, fix: Fix, *, ignition: bool) -> bytes:
    """``QZE,imei,event,ddmmyyyy,hhmmss,lat,lon,km/h,course,A|V,ignition`` (no ``$``)."""
    t = fix.time.astimezone(timezone.utc)
    return (f"QZE,{imei},{event},{t:%d%m%Y},{t:%H%M%S},{fix.lat:.6f},{fix.lon:.6f},"
            f"{round(fix.speed_kmh)},{round(fix.course_deg)},{'A' if fix.valid else 'V'},"
            f"{1 if ignition else 0}\r\n").encode()


class NmeaDevice:
    """A raw NMEA tracker: identity line, then one RMC per fix."""

    max_fixes_per_packet = 1

    def __init__(self, device_id: str, *, transport: str = "tcp", ack: bool = False,
                 gga: bool = False) -> None:
        if transport not in ("tcp", "udp"):
            raise LocalProtocolError(f"nmea device: unknown transport {transport!r}")
        self.device_id = device_id
        self.transport = transport
        self.gga = gga
        self.expects_acks = bool(ack) and transport == "tcp"
        self.hello_acked = True  # NMEA has no login acknowledgement
        self._token = 0
        self._pending: deque[int] = deque()
        self._buffer = bytearray()

    def hello(self) -> bytes:
        return sentence(f"PGID,{self.device_id}")

    def heartbeat(self) -> bytes:
        return b""  # raw NMEA has no heartbeat

    def encode_fixes(self, fixes: Sequence[Fix]) -> Outgoing:
        if len(fixes) != 1:
            raise LocalProtocolError("nmea device: exactly one fix per packet")
        fix = fixes[0]
        data = sentence(_rmc(fix))
        if self.gga:
            data += sentence(_gga(fix))
        self._token += 1
        if self.expects_acks:
            self._pending.append(self._token)
        return Outgoing(data, self._token, 1)

    def receive_data(self, data: bytes) -> list[DeviceAck]:
        """Each ``OK1`` line acknowledges the oldest unacknowledged RMC packet."""
        self._buffer += data
        acks: list[DeviceAck] = []
        while (end := self._buffer.find(b"\n")) >= 0:
            line = bytes(self._buffer[:end]).strip()
            del self._buffer[: end + 1]
            if line == _ACK_LINE and self._pending:
                acks.append(DeviceAck("fixes", self._pending.popleft()))
            elif line:
                acks.append(DeviceAck("other"))
        if len(self._buffer) > _MAX_PENDING_BYTES:
            del self._buffer[:-_MAX_PENDING_BYTES]
        return acks
