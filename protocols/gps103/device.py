"""Device side: a GPS103 (Coban TK103-2) tracker, used by the simulators and tests.

``hello()`` is the login ``##,imei:<IMEI>,A;`` (answered ``LOAD``),
``heartbeat()`` the bare ``<IMEI>;`` (answered ``ON``); each fix goes out as one
``imei:<IMEI>,tracker,...;`` report, which the server never acknowledges
(``expects_acks`` False). The report's date/time field is written in the
device's local time (``utc_offset_minutes``, in (-11 h, +13 h]), the UTC field as
``hhmmss.000``. Resolution of what we write: minutes with 4 decimals
(1/600000 degree), whole seconds, speed to 0.001 knot, course to 0.01 degree,
altitude to 0.1 m.
"""

from __future__ import annotations

import re
from datetime import timedelta, timezone
from typing import Sequence

from .._text import format_dm
from .._commands import CommandReceived
from .._device import DeviceAck, Outgoing
from .._errors import LocalProtocolError
from .._records import Fix
from .constants import HEARTBEAT_REPLY, KNOT_KMH, LOGIN_REPLY

__all__ = ["Gps103Device", "report", "obd_report", "alternative_report"]

_MAX_PENDING_BYTES = 4096
#: a whole unterminated server command (the server writes one per packet)
_COMMAND = re.compile(rb"\*\*,imei:\d+,[A-Za-z0-9]+(,[^;*]*)?")


def report(device_id: str, fix: Fix, *, keyword: str = "tracker", utc_offset_minutes: int = 0,
           phone: str = "", door: bool | None = None, fuel1: float | None = None,
           fuel2: float | None = None, temp: int | None = None,
           extra: Sequence[str] = ()) -> bytes:
    """One regular report for ``fix`` (terminated by ``;``): the columns of
    ``_catalogue.REGULAR_COLUMNS`` (ignition from ``fix.attributes``), then ``extra``."""
    t = fix.time.astimezone(timezone.utc)
    local = t + timedelta(minutes=utc_offset_minutes)
    lat, south = format_dm(fix.lat, 2), fix.lat < 0
    lon, west = format_dm(fix.lon, 3), fix.lon < 0
    ignition = fix.attributes.get("ignition")
    acc = "" if ignition is None else "1" if ignition else "0"
    tail = ",".join([acc, "" if door is None else "1" if door else "0",
                     "" if fuel1 is None else f"{fuel1:.2f}%",
                     "" if fuel2 is None else f"{fuel2:.2f}%",
                     "" if temp is None else f"{temp:+d}", *extra])
    text = (f"imei:{device_id},{keyword},{local:%y%m%d%H%M%S},{phone},F,{t:%H%M%S}.000,"
            f"{'A' if fix.valid else 'V'},{lat},{'S' if south else 'N'},{lon},"
            f"{'W' if west else 'E'},{fix.speed_kmh / KNOT_KMH:.3f},{fix.course_deg:.2f},"
            f"{fix.altitude_m:.1f},{tail};")
    return text.encode("ascii")


def obd_report(device_id: str, local: str, values: Sequence[str],
               dtcs: Sequence[str] = ()) -> bytes:
    """``imei:<id>,OBD,<yyMMddHHmmss>,<OBD_COLUMNS values in order>,<DTCs...>;``."""
    return f"imei:{device_id},OBD,{local},{','.join(values)},{','.join(dtcs)};".encode("ascii")


def alternative_report(device_id: str, fix: Fix, *, event: int, sensor_id: str,
                       sensor_volts: float, rssi: int, hdop: float, ignition: bool,
                       charge: bool, error: str) -> bytes:
    """The "alternative" report (decimal degrees, km/h), ended by ``*``."""
    t = fix.time.astimezone(timezone.utc)
    return (f"imei:{device_id},0,{event},{sensor_id},{sensor_volts:.2f},{t:%H%M%S},{t:%d%m%y},"
            f"{rssi},{1 if fix.valid else 0},{fix.lat:.6f},{fix.lon:.6f},{round(fix.speed_kmh)},"
            f"{round(fix.course_deg)},{round(fix.altitude_m)},{hdop:.1f},{fix.satellites},"
            f"{int(ignition)},{int(charge)},{error}*").encode("ascii")


class Gps103Device:
    """A Coban-style tracker: login, then one report per fix."""

    max_fixes_per_packet = 1
    expects_acks = False

    def __init__(self, device_id: str, *, transport: str = "tcp",
                 utc_offset_minutes: int = 0) -> None:
        if transport not in ("tcp", "udp"):
            raise LocalProtocolError(f"gps103 device: unknown transport {transport!r}")
        if not -660 < utc_offset_minutes <= 780:
            # the server derives the offset from hh:mm alone: -11 h reads as +13 h
            raise LocalProtocolError("gps103 device: the offset must be in (-11 h, +13 h]")
        self.device_id = device_id
        self.transport = transport
        self.utc_offset_minutes = utc_offset_minutes
        self.hello_acked = False
        self._token = 0
        self._buffer = bytearray()
        #: the last fix sent (what a B command is answered with), None before the first
        self.last_fix: Fix | None = None

    def hello(self) -> bytes:
        return f"##,imei:{self.device_id},A;".encode("ascii")

    def heartbeat(self) -> bytes:
        return f"{self.device_id};".encode("ascii")

    def encode_fixes(self, fixes: Sequence[Fix]) -> Outgoing:
        if len(fixes) != 1:
            raise LocalProtocolError("gps103 device: exactly one fix per packet")
        self._token += 1
        self.last_fix = fixes[0]
        data = report(self.device_id, fixes[0], utc_offset_minutes=self.utc_offset_minutes)
        return Outgoing(data, self._token, 1)

    def _command(self, text: str) -> DeviceAck | CommandReceived:
        """``**,imei:<IMEI>,<code>[,<param>]``: B is answered by one ``tracker`` report of
        the last fix; the others are obeyed silently (Coban sends no acknowledgement); E (the
        SOS acknowledgement) is not a command."""
        code = text.split(",")[2] if text.count(",") >= 2 else ""
        if code == "E":
            return DeviceAck("other")
        answer = b""
        if code == "B" and self.last_fix is not None:
            answer = report(self.device_id, self.last_fix, utc_offset_minutes=self.utc_offset_minutes)
        return CommandReceived(answer=answer, command=text)

    def receive_data(self, data: bytes) -> list[DeviceAck | CommandReceived]:
        """``LOAD`` -> hello; ``ON`` and ``**,...`` commands -> other (none ends a line)."""
        self._buffer += data
        acks: list[DeviceAck | CommandReceived] = []
        buf = self._buffer
        while buf:
            if buf.startswith(LOGIN_REPLY):
                del buf[:len(LOGIN_REPLY)]
                self.hello_acked = True
                acks.append(DeviceAck("hello"))
            elif buf.startswith(HEARTBEAT_REPLY):
                del buf[:len(HEARTBEAT_REPLY)]
                acks.append(DeviceAck("other"))
            elif buf.startswith(b"**,"):
                # ``;``-terminated (SOS ack) or unterminated (commands): up to the next reply
                end = buf.find(b";")
                nxt = min((i for i in (buf.find(b"**,", 3), buf.find(LOGIN_REPLY))
                           if i >= 0), default=-1)
                if 0 <= end and (nxt < 0 or end < nxt):
                    message = bytes(buf[:end])
                    del buf[:end + 1]
                elif nxt >= 0:
                    message = bytes(buf[:nxt])
                    del buf[:nxt]
                elif _COMMAND.fullmatch(buf):
                    message = bytes(buf)  # an unterminated command written on its own
                    buf.clear()
                else:
                    break  # wait for the terminator or the next reply
                acks.append(self._command(message.decode("ascii", "replace")))
            elif any(m.startswith(bytes(buf)) for m in (LOGIN_REPLY, HEARTBEAT_REPLY, b"**,")):
                break  # a reply cut short: wait for the rest
            else:
                del buf[:1]  # noise
        if len(buf) > _MAX_PENDING_BYTES:
            del buf[:-_MAX_PENDING_BYTES]
        return acks
