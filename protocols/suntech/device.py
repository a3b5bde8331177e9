"""Device side: a Suntech Universal tracker (used by simulators and tests).

Each fix goes out as one Universal ``STT`` report with header mask ``3FFFFF``
(model, SW, message type, date, time, cell, MCC, MNC, LAC, RX, lat, lon,
speed, course, satellites, fix, input, output, mode, reason, message number),
CR-terminated. The keep-alive is ``ALV;<ID>``. The server answers nothing:
``expects_acks`` is False. Resolution of what we write: 1e-6 degree, whole
seconds, 0.01 km/h, 0.01 degree.

The other report families of the catalogue (``_catalogue.py``) are written by
the functions of ``_device_reports`` (legacy, ST4xx/ST9xx, Universal with
masks, Universal binary, zip), re-exported here for simulators and tests.
"""

from __future__ import annotations

from datetime import timezone
from typing import Sequence

from .._commands import CommandReceived
from .._device import DeviceAck, Outgoing
from .._errors import LocalProtocolError
from .._records import Fix

from ._device_reports import (  # noqa: E402  (re-exported device-side encoders)
    binary_report, legacy_report, st4_report, st9_report, universal_report, zip_report,
)

__all__ = ["SuntechDevice", "encode_stt", "legacy_report", "universal_report", "binary_report",
           "zip_report", "st4_report", "st9_report"]

MODEL = "56"
FIRMWARE = "1.0.15"
_MAX_BUFFER = 4096


def encode_stt(device_id: str, fix: Fix, index: int) -> bytes:
    t = fix.time.astimezone(timezone.utc)
    ignition = "1" if fix.attributes.get("ignition") else "0"
    fields = (
        "STT", device_id, "3FFFFF", MODEL, FIRMWARE, "1", f"{t:%Y%m%d}", f"{t:%H:%M:%S}",
        "00000000", "0", "0", "0000", "0", f"{fix.lat:+.6f}", f"{fix.lon:+.6f}",
        f"{fix.speed_kmh:.2f}", f"{fix.course_deg:.2f}", str(fix.satellites),
        "1" if fix.valid else "0", "0000000" + ignition, "00000000", "1", "1", str(index),
    )
    return (";".join(fields) + "\r").encode("ascii")


class SuntechDevice:
    """A Universal-protocol tracker: one STT report per fix, no server answers."""

    max_fixes_per_packet = 1
    expects_acks = False

    def __init__(self, device_id: str, *, transport: str = "tcp") -> None:
        if transport != "tcp":
            raise LocalProtocolError(f"suntech device: unsupported transport {transport!r}")
        if not device_id or not device_id.isalnum():
            raise LocalProtocolError(f"suntech device: bad device id {device_id!r}")
        self.device_id = device_id
        self.transport = transport
        self.hello_acked = True  # no login
        self._token = 0
        self._buffer = bytearray()

    def hello(self) -> bytes:
        return b""

    def heartbeat(self) -> bytes:
        return f"ALV;{self.device_id}\r".encode("ascii")

    def encode_fixes(self, fixes: Sequence[Fix]) -> Outgoing:
        if len(fixes) != 1:
            raise LocalProtocolError("suntech device: exactly one fix per packet")
        self._token += 1
        return Outgoing(encode_stt(self.device_id, fixes[0], self._token % 10000), self._token, 1)

    def receive_data(self, data: bytes) -> list[DeviceAck | CommandReceived]:
        """Suntech servers only send commands (none acknowledges a report): Universal
        ``CMD;<ID>;<group>;<action>`` is answered ``RES;<ID>;<group>;<action>``, legacy
        ``<model>CMD;<ID>;02;<action>`` with ``<model>CMD;Res;<ID>;<firmware>;<action>``."""
        self._buffer += data
        out: list[DeviceAck | CommandReceived] = []
        while (end := self._buffer.find(b"\r")) >= 0:
            line = bytes(self._buffer[:end]).decode("latin-1")
            del self._buffer[:end + 1]
            out.append(self._command(line))
        if len(self._buffer) > _MAX_BUFFER:
            del self._buffer[:-_MAX_BUFFER]
        return out

    def _command(self, line: str) -> DeviceAck | CommandReceived:
        f = line.split(";")
        if len(f) < 3 or not f[0].endswith("CMD") or f[1] != self.device_id:
            return DeviceAck("other")
        if f[0] == "CMD":
            answer = ";".join(["RES", self.device_id, *f[2:]])
        else:
            answer = ";".join([f[0], "Res", self.device_id, FIRMWARE, *f[3:]])
        return CommandReceived(answer=(answer + "\r").encode("latin-1"), command=line)
