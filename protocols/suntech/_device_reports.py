"""Device side: every Suntech report family of the catalogue, written from a ``Fix``.

Used by tests and simulators (``device.py`` re-exports them). Resolution: 1e-6
degree, whole seconds, 0.001 km/h (legacy) or 0.01 km/h (Universal, binary,
zip), 0.01 degree. Legacy columns follow ``_catalogue.LEGACY_COLUMNS``,
Universal ones ``UNIVERSAL_COLUMNS``, binary ``BINARY_COLUMNS``, zip
``ZIP_TYPES``.
"""

from __future__ import annotations

import struct
from datetime import datetime, timezone
from typing import Mapping, Sequence

from .._records import Fix

__all__ = ["legacy_report", "universal_report", "binary_report", "zip_report", "st4_report",
           "st9_report", "uex_checksum"]

UTC = timezone.utc


def _utc(fix: Fix) -> datetime:
    return fix.time.astimezone(UTC)


def uex_checksum(data: str) -> str:
    """The 8-bit sum a UEX report carries after its data (2 hex digits)."""
    return f"{sum(data.encode('latin-1')) & 0xFF:02X}"


def legacy_report(kind: str, device_id: str, fix: Fix | None = None, *, model: str = "ST300",
                  model_id: str | None = "04", sw: str = "512", code: int | None = None,
                  io: str = "000000", odometer: int = 0, power: float = 12.0,
                  uex: str | None = None, extras: Sequence[str] = (),
                  date_form: str = "%Y%m%d", time_form: str = "%H:%M:%S") -> bytes:
    """``<MODEL><TYPE>;ID;[MODEL_ID];SW;DATE;TIME;CELL;LAT;LON;SPD;CRS;SATT;FIX;DIST;PWR;IO;``
    then per type: STT mode;msg num, EMG/EVT/ALT the id, UEX length;data;checksum; then
    ``extras``. ``ALV`` -> ``<MODEL>ALV;ID``; ``CMD`` -> ``<MODEL>CMD;Res;ID;SW;<uex or "">``;
    ``HTE`` -> travel report ending with the driver id (``uex``)."""
    if kind == "ALV":
        return f"{model}ALV;{device_id}\r".encode("ascii")
    if kind == "CMD":
        return f"{model}CMD;Res;{device_id};{sw};{uex or ''}\r".encode("latin-1")
    assert fix is not None
    t = _utc(fix)
    if kind == "HTE":
        return (f"{model}HTE;{device_id};{t:%Y%m%d};{t:%H:%M:%S};{odometer};{uex or ''}\r"
                .encode("latin-1"))
    fields = [model + kind, device_id] + ([model_id] if model_id else []) + [
        sw, t.strftime(date_form), t.strftime(time_form), "1f",
        f"{fix.lat:+010.6f}", f"{fix.lon:+011.6f}", f"{fix.speed_kmh:07.3f}",
        f"{fix.course_deg:06.2f}", str(fix.satellites), "1" if fix.valid else "0",
        str(odometer), f"{power:.2f}", io]
    if kind == "STT":
        fields += ["2", f"{code or 0:04d}"]
    elif kind == "UEX":
        data = uex or ""
        fields += [str(len(data)), data, uex_checksum(data)]
    else:
        fields.append(str(code))
    return (";".join(fields + list(extras)) + "\r").encode("latin-1")


def _universal_columns(fix: Fix, tail: Sequence[str]) -> list[str]:
    """Columns for mask bits 1..21 (model ... tail)."""
    t = _utc(fix)
    ignition = "1" if fix.attributes.get("ignition") else "0"
    return ["56", "1.0.15", "1", f"{t:%Y%m%d}", f"{t:%H:%M:%S}", "00000000", "0", "0", "0000",
            "0", f"{fix.lat:+.6f}", f"{fix.lon:+.6f}", f"{fix.speed_kmh:.2f}",
            f"{fix.course_deg:.2f}", str(fix.satellites), "1" if fix.valid else "0",
            "0000000" + ignition, "00000000", *tail]


def universal_report(kind: str, device_id: str, fix: Fix, *, mask: int = 0x3FFFFF,
                     tail: Sequence[str] = ("1", "1", "1"), extra: str | None = None,
                     assign: Mapping[int, str] | None = None, uex: str | None = None) -> bytes:
    """``TYPE;ID;MASK;<column per set bit 1..21>[;RESERVED][;ASSIGN_MASK;<value per bit>]``;
    for ``UEX`` the serial data (length;data;checksum) follows bit 18."""
    columns = _universal_columns(fix, tail)
    if assign is not None:
        mask |= 1 << 23
    if extra is not None:
        mask |= 1 << 22
    bits = 18 if kind == "UEX" else 21
    fields = [kind, device_id, f"{mask:06X}"]
    fields += [columns[bit] for bit in range(bits) if mask >> (bit + 1) & 1]
    if kind == "UEX":
        data = uex or ""
        fields += [str(len(data)), data, uex_checksum(data)]
    if extra is not None:
        fields.append(extra)
    if assign is not None:
        fields.append(f"{sum(1 << (n - 1) for n in assign):08X}")
        fields += [assign[n] for n in sorted(assign)]
    return (";".join(fields) + "\r").encode("latin-1")


def _bcd(digits: str) -> bytes:
    return bytes.fromhex(digits)


def _sign_magnitude(value: float) -> int:
    raw = round(abs(value) * 1e6)
    return raw | 0x80000000 if value < 0 else raw


def binary_report(kind: int, device_id: str, fix: Fix, *, alert_id: int | None = None,
                  modifier: int = 0, driver: bytes | None = None, input_byte: int = 1,
                  output_byte: int = 0, rssi: int = 20) -> bytes:
    """``81``/``82 | length | ID (BCD) | mask | columns`` with every column of bits 1-18
    (and 19-20, 21 with a driver id, when ``alert_id`` is given)."""
    t = _utc(fix)
    body = (bytes([56]) + bytes([1, 0, 15]) + b"\x01"
            + bytes([t.year % 100, t.month, t.day, t.hour, t.minute, t.second])
            + bytes(4) + bytes(2) + bytes(2) + bytes(2) + bytes([rssi])
            + struct.pack(">II", _sign_magnitude(fix.lat), _sign_magnitude(fix.lon))
            + struct.pack(">HH", round(fix.speed_kmh * 100), round(fix.course_deg * 100))
            + bytes([fix.satellites, 1 if fix.valid else 0, input_byte, output_byte]))
    mask = 0x07FFFF
    if alert_id is not None:
        mask |= 0x180000
        body += bytes([alert_id]) + struct.pack(">H", modifier)
        if driver is not None:
            mask |= 0x200000
            body += driver
    data = _bcd(device_id) + mask.to_bytes(3, "big") + body
    return bytes([kind]) + struct.pack(">H", len(data)) + data


def _deg_bcd(value: float) -> bytes:
    micro = round(abs(value) * 1e6)
    return bytes([micro // 1_000_000]) + _bcd(f"{micro % 1_000_000:06d}")


def _int_bcd(value: float) -> bytes:
    hundredths = round(value * 100)
    return struct.pack(">H", hundredths // 100) + _bcd(f"{hundredths % 100:02d}")


def zip_report(zip_type: int, device_id: str, fix: Fix, code: int, *, io: int = 0,
               odometer: int = 0, power: float = 12.0,
               hbm: tuple[int, float, bool] | None = None) -> bytes:
    """``02 | length | type | ID (5 BCD) | model | SW | date time | LAC | BSIC | lat | lon |
    speed | course | flags | distance | power | IO | id byte [| H_METER | BCK_VOLT |
    MSG_TYPE] | 03``; ``hbm`` = (hour meter minutes, backup volts, real time)."""
    t = _utc(fix)
    flags = (0x80 if fix.valid else 0) | (0x40 if fix.lat < 0 else 0) \
        | (0x20 if fix.lon < 0 else 0) | (fix.satellites & 0x1F)
    volts = round(power * 100)
    body = (bytes([zip_type]) + _bcd(f"{device_id:0<10}") + b"\x28" + b"\x81\x3f"
            + bytes([t.year % 100, t.month, t.day, t.hour, t.minute, t.second])
            + b"\x10\x51" + b"\x29" + _deg_bcd(fix.lat) + _deg_bcd(fix.lon)
            + _int_bcd(fix.speed_kmh) + _int_bcd(fix.course_deg) + bytes([flags])
            + struct.pack(">I", odometer) + bytes([volts // 100]) + _bcd(f"{volts % 100:02d}")
            + bytes([io, code]))
    if hbm is not None:
        minutes, backup, realtime = hbm
        centi = round(backup * 100)
        body += (struct.pack(">I", minutes) + bytes([centi // 100]) + _bcd(f"{centi % 100:02d}")
                 + bytes([1 if realtime else 0]))
    return b"\x02" + struct.pack(">H", len(body)) + body + b"\x03"


def st4_report(device_id: str, fix: Fix | None, *, kind: str = "STT", model: str = "01",
               sw: str = "426", battery: float = 3.98, index: int = 176,
               motion: bool | None = None, temperature: str = "25") -> bytes:
    """ST410/419: ``HDR;ID;SW;MODEL;[variant];7 cells;BATT;MODE;MSG_NUM;STATUS;...;
    date;time;lat;lon;spd;crs;sats;fix`` (``fix`` None: empty date columns)."""
    cells = ["24153", "724", "4", "-65", "365", "0"] + ["0"] * 36
    fields = [f"ST410{kind}", device_id, sw, model] + (["04"] if model == "41" else []) + cells
    fields += [f"{battery:.2f}", "1", f"{index:04d}", "2"]
    if model == "41":
        fields += ["00010000", temperature, "2" if motion else "1"]
    if fix is None:
        fields += [""] * 8
    else:
        t = _utc(fix)
        fields += [f"{t:%Y%m%d}", f"{t:%H:%M:%S}", f"{fix.lat:+.6f}", f"{fix.lon:+.6f}",
                   f"{fix.speed_kmh:07.3f}", f"{fix.course_deg:.2f}", str(fix.satellites),
                   "1" if fix.valid else "0"]
    return (";".join(fields) + "\r").encode("ascii")


def st9_report(kind: str, device_id: str, fix: Fix, *, sw: str | None = "410",
               cell: str | None = None, odometer: int | None = None) -> bytes:
    """ST910/940: ``ST910;<kind>;ID;[SW];date;time;[CELL];lat;lon;spd;crs;fix;[odometer]``."""
    t = _utc(fix)
    fields = ["ST910", kind, device_id] + ([sw] if sw else []) + [f"{t:%Y%m%d}",
                                                                  f"{t:%H:%M:%S}"]
    fields += ([cell] if cell else []) + [f"{fix.lat:+.6f}", f"{fix.lon:+.6f}",
                                          f"{fix.speed_kmh:07.3f}", f"{fix.course_deg:.2f}",
                                          "1" if fix.valid else "0"]
    if odometer is not None:
        fields.append(str(odometer))
    return (";".join(fields) + "\r").encode("ascii")
