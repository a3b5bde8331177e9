"""Device side: a new-protocol Totem tracker (AT07/AT09 ``AA`` reports).

Each fix is one ``AA`` frame with a 4-digit serial; the server's
``$$0014AA<serial><cs>`` acknowledges the frame with that serial. No login.
Resolution: minutes with 4 decimals (1/600000 degree), whole seconds, whole
km/h (0-999), whole degrees of course, satellites 0-99.
"""

from __future__ import annotations

from datetime import timezone
from typing import Sequence

from .._checksum import crc16_modbus, xor8
from .._device import DeviceAck, Outgoing
from .._errors import LocalProtocolError
from .._records import Fix
from .._text import format_dm

__all__ = ["TotemDevice", "report", "new_report", "rfid_report", "obd_report", "old1_report",
           "old2_report", "old3_report"]

_ACK_HEAD = b"$$0014AA"
_ACK_LENGTH = 14
_MAX_PENDING_BYTES = 4096




def report(imei: str, fix: Fix, serial: int, status: int | None = None) -> bytes:
    """One ``AA`` frame (battery 4.2 V, power 13 V, ADC1 0, no temperatures)."""
    if status is None:
        status = 0x4000 if fix.valid else 0
    return new_report(imei, fix, serial, status=status, adc=(0,))


def _new_frame(kind: str, imei: str, body: str) -> bytes:
    frame = f"$${8 + len(imei) + 1 + len(body) + 2:04d}{kind}{imei}|{body}".encode("ascii")
    return frame + b"%02X" % xor8(frame)


def new_report(imei: str, fix: Fix, serial: int, *, kind: str = "AA", status: int = 0,
               battery: str = "4213", adc: tuple[int, ...] = (10,), temps: tuple[str, ...] = (),
               cell: str = "1A2B3C4D", rssi: int = 20, hdop: float = 1.0, odometer_km: int = 0,
               temp3: str = "") -> bytes:
    """Any new-protocol report (``_catalogue.NEW_COLUMNS``): ``battery`` is the raw group
    (``BBPP`` or ``BBB``), ``adc`` 1 or 4 values, ``temps`` 0-2 raw 4-character groups,
    ``cell`` LAC+CID (+MNC+MCC), ``temp3`` the optional group after the position."""
    t = fix.time.astimezone(timezone.utc)
    body = (f"{status:08X}{t:%y%m%d%H%M%S}{battery}{''.join(f'{a:04X}' for a in adc)}"
            f"{''.join(temps)}{cell}{fix.satellites:02d}{rssi:02d}{round(fix.course_deg) % 360:03d}"
            f"{min(round(fix.speed_kmh), 999):03d}{hdop:04.1f}{odometer_km:07d}"
            f"{format_dm(fix.lat, 2)}{'S' if fix.lat < 0 else 'N'}"
            f"{format_dm(fix.lon, 3)}{'W' if fix.lon < 0 else 'E'}{temp3}{serial % 10000:04d}")
    return _new_frame(kind, imei, body)


def _stamp(fix: Fix) -> str:
    return f"{fix.time.astimezone(timezone.utc):%y%m%d%H%M%S}"


def rfid_report(imei: str, fix: Fix, card: str) -> bytes:
    """``E2``: ``<yymmddhhmmss>,<lon>,<lat>,<card>``."""
    return _new_frame("E2", imei, f"{_stamp(fix)},{fix.lon:.6f},{fix.lat:.6f},{card}|")


def obd_report(imei: str, fix: Fix, values: tuple[int, ...], version: str = "v1") -> bytes:
    """``E5``: time, lon, lat, OBD version, the 13 ``OBD_COLUMNS`` values."""
    fields = ",".join(str(v) for v in values)
    return _new_frame("E5", imei, f"{_stamp(fix)},{fix.lon:.6f},{fix.lat:.6f},{version},{fields},|")


def _old_frame(imei: str, body: str) -> bytes:
    size = 2 + 2 + len(imei) + 1 + len(body) + 1 + 4
    frame = f"$${size:02X}{imei}|{body}|".encode("ascii")
    return frame + b"%04X" % crc16_modbus(frame)


def _rmc(fix: Fix) -> str:
    t = fix.time.astimezone(timezone.utc)
    rmc = (f"GPRMC,{t:%H%M%S}.000,{'A' if fix.valid else 'V'},{format_dm(fix.lat, 2)},"
           f"{'S' if fix.lat < 0 else 'N'},{format_dm(fix.lon, 3)},{'W' if fix.lon < 0 else 'E'},"
           f"{fix.speed_kmh / 1.852:.2f},{fix.course_deg:.2f},{t:%d%m%y},,,A")
    checksum = 0
    for ch in rmc.encode("ascii"):
        checksum ^= ch
    return f"${rmc}*{checksum:02X}"


def old1_report(imei: str, fix: Fix, *, code: str = "AA", io: str = "000000000000",
                voltage: str = "14201250", adc: str | None = None, temp: str = "0025",
                odometer_km: float = 0.0, dops: tuple[float, float, float] = (1.5, 0.9, 1.2),
                serial: int = 1) -> bytes:
    """Old-1 (AVL02): ``<code>$GPRMC...|PDOP|HDOP|VDOP|IO|RTC|ABBBIIII|[ADC|]LACCI|temp|km|serial``."""
    t = fix.time.astimezone(timezone.utc)
    extras = [f"{d:04.1f}" for d in dops] + [io, f"{t:%Y%m%d%H%M%S}", voltage]
    extras += ([adc] if adc is not None else []) + ["00001A2B", temp, f"{odometer_km:.4f}",
                                                   f"{serial:04d}"]
    return _old_frame(imei, code + _rmc(fix) + "|" + "|".join(extras))


def old2_report(imei: str, fix: Fix, *, code: str = "AA", io: str = "000000000000",
                voltage: str = "14112", adc: str = "0012", temp: str = "25",
                odometer_km: float = 0.0, hdop: float = 1.2, serial: int = 1) -> bytes:
    """Old-2: ``<code><ddmmyy><hhmmss>|A|lat|N|lon|E|knots|course|HDOP|IO|CBBPP|ADC|LACCI|temp|km|serial``."""
    t = fix.time.astimezone(timezone.utc)
    fields = [f"{code}{t:%d%m%y%H%M%S}", "A" if fix.valid else "V", format_dm(abs(fix.lat), 2),
              "S" if fix.lat < 0 else "N", format_dm(abs(fix.lon), 3), "W" if fix.lon < 0 else "E",
              f"{fix.speed_kmh / 1.852:.2f}", f"{fix.course_deg:.0f}", f"{hdop:.1f}", io, voltage,
              adc, "253162F5", temp, f"{odometer_km:.4f}", f"{serial:04d}"]
    return _old_frame(imei, "|".join(fields))


def old3_report(imei: str, fix: Fix, *, code: str = "AA", io: str = "C001", charging: str = "1",
                battery: int = 42, power: int = 13, adc: tuple[str, str] = ("0010", "0200"),
                temps: tuple[str, str] = ("025", "026"), pdop: float = 2.3, odometer_km: int = 0,
                serial: int = 1) -> bytes:
    """Old-3: one fixed-width record (``_catalogue.OLD3_COLUMNS``); speed in whole knots."""
    t = fix.time.astimezone(timezone.utc)
    body = (f"{code}{t:%d%m%y%H%M%S}{io}{charging}{battery:02d}{power:02d}{adc[0]}{adc[1]}"
            f"{temps[0]}{temps[1]}2AB34CDA{'A' if fix.valid else 'V'}{fix.satellites:02d}"
            f"{round(fix.course_deg) % 360:03d}{round(fix.speed_kmh / 1.852):03d}{pdop:04.1f}"
            f"{odometer_km:07d}{format_dm(abs(fix.lat), 2)}{'S' if fix.lat < 0 else 'N'}"
            f"{format_dm(abs(fix.lon), 3)}{'W' if fix.lon < 0 else 'E'}{serial:04d}")
    size = 2 + 2 + len(imei) + 1 + len(body) + 4
    frame = f"$${size:02X}{imei}|{body}".encode("ascii")
    return frame + b"%04X" % crc16_modbus(frame)


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
