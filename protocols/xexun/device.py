"""Device side: a TK102/TK103-style Xexun tracker (simulators and tests).

Each fix goes out as one whole report line
``<yyMMddHHmmss>,<phone>,GPRMC,...*hh,F,,imei:<id>,<sats>,<alt>,F:4.10V,1,140,,,,,`` ended by
LF CR like the real devices, so both server framing modes cut it. No login,
no acknowledgement. Resolution: minutes with 4 decimals (1/600000 degree),
whole seconds, speed to 0.01 knot, course to 0.01 degree, altitude to 0.1 m.
"""

from __future__ import annotations

from datetime import timezone
from typing import Sequence

from .._checksum import nmea_checksum
from .._device import DeviceAck, Outgoing
from .._errors import LocalProtocolError
from .._records import Fix
from .._text import format_dm
from .constants import KNOT_KMH

__all__ = ["XexunDevice", "format_dm", "report"]




def report(device_id: str, fix: Fix, phone: str = "+10000000000", *, event: str = "",
           signal: str = "F", power: float = 4.10, power_letter: str = "F",
           adc: tuple[float, ...] = (), charging: str = "1",
           extra: tuple[str, ...] = ("140", "", "", "", "", "")) -> bytes:
    """One whole report line (columns of ``_catalogue``): ``event`` text after the
    signal letter, power ``<letter>:<volts>V`` with ``/ADC<n>=<volts>V`` parts,
    the charging column and the columns after it (``extra``)."""
    t = fix.time.astimezone(timezone.utc)
    rmc = (f"GPRMC,{t:%H%M%S}.000,{'A' if fix.valid else 'V'},"
           f"{format_dm(fix.lat, 2)},{'S' if fix.lat < 0 else 'N'},"
           f"{format_dm(fix.lon, 3)},{'W' if fix.lon < 0 else 'E'},"
           f"{fix.speed_kmh / KNOT_KMH:.2f},{fix.course_deg:.2f},{t:%d%m%y},,,A").encode("ascii")
    adcs = "".join(f"/ADC{n}={v:.2f}V" for n, v in enumerate(adc, start=1))
    tail = f"{power_letter}:{power:.2f}V{adcs},{charging},{','.join(extra)}"
    return (b"%s,%s,%s*%02X,%s,%s, imei:%s,%02d,%.1f,%s\n\r" % (
        f"{t:%y%m%d%H%M%S}".encode(), phone.encode(), rmc, nmea_checksum(rmc), signal.encode(),
        event.encode(), device_id.encode(), fix.satellites, fix.altitude_m, tail.encode()))


class XexunDevice:
    """A Xexun tracker: no hello, one report per fix, nothing acknowledged."""

    max_fixes_per_packet = 1
    expects_acks = False

    def __init__(self, device_id: str, *, transport: str = "tcp", phone: str = "+10000000000"):
        if transport != "tcp":
            raise LocalProtocolError(f"xexun device: unknown transport {transport!r}")
        if not device_id.isdigit():
            raise LocalProtocolError("xexun device: the id is an IMEI (digits only)")
        self.device_id = device_id
        self.transport = transport
        self.phone = phone
        self.hello_acked = True
        self._token = 0

    def hello(self) -> bytes:
        return b""

    def heartbeat(self) -> bytes:
        return b""

    def encode_fixes(self, fixes: Sequence[Fix]) -> Outgoing:
        if len(fixes) != 1:
            raise LocalProtocolError("xexun device: exactly one fix per packet")
        self._token += 1
        return Outgoing(report(self.device_id, fixes[0], self.phone), self._token, 1)

    def receive_data(self, data: bytes) -> list[DeviceAck]:
        """The server sends no replies; commands (``powercar...``) are 'other'."""
        return [DeviceAck("other")] if data else []
