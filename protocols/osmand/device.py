"""Device side: what the OsmAnd / Traccar Client apps send and how they read our answers.

``OsmandDevice(device_id, transport="http", form="query")``: one fix per
request, ``GET /?id=..&timestamp=..&lat=..&lon=..&speed=..&bearing=..
&altitude=..`` (speed in knots, as the apps send it; ``batt``, ``charge``,
``ignition`` ... from ``Fix.attributes``), or with ``form="json"`` a
``POST /`` of the Transistor JSON body (speed in m/s). Requests are
HTTP/1.1 keep-alive; responses come back in request order, so each ``200``
acknowledges the oldest request still open, and a ``400``/``404`` means the
server refused the device.
"""

from __future__ import annotations

from collections import deque
from datetime import timezone
from typing import Any, Sequence
from urllib.parse import quote

import msgspec

from .._device import DeviceAck, Outgoing
from .._errors import LocalProtocolError
from .._records import Fix
from .constants import KNOT_KMH

__all__ = ["OsmandDevice", "encode_query_request", "encode_json_request"]

_json = msgspec.json.Encoder()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return quote(str(value), safe="")


def encode_query_request(device_id: str, fix: Fix, host: str = "gateway") -> bytes:
    params = {
        "id": device_id,
        "timestamp": int(fix.time.astimezone(timezone.utc).timestamp()),
        "lat": repr(fix.lat), "lon": repr(fix.lon),
        "speed": repr(fix.speed_kmh / KNOT_KMH), "bearing": repr(fix.course_deg),
        "altitude": repr(fix.altitude_m),
    }
    if not fix.valid:
        params["valid"] = "false"
    for key, value in fix.attributes.items():
        params.setdefault(key, value)
    query = "&".join(f"{quote(k, safe='')}={_text(v)}" for k, v in params.items())
    return f"GET /?{query} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode("ascii")


def encode_json_request(device_id: str, fix: Fix, host: str = "gateway") -> bytes:
    location = {
        "timestamp": fix.time.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "coords": {"latitude": fix.lat, "longitude": fix.lon, "speed": fix.speed_kmh / 3.6,
                   "heading": fix.course_deg, "altitude": fix.altitude_m, "accuracy": 5},
        "is_moving": bool(fix.attributes.get("motion", False)),
        "extras": {k: v for k, v in fix.attributes.items() if k != "motion"},
    }
    body = _json.encode({"device_id": device_id, "location": location})
    head = (f"POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("ascii") + body


class OsmandDevice:
    """A simulated OsmAnd / Traccar Client app (see protocols/_device.py)."""

    expects_acks = True
    max_fixes_per_packet = 1

    def __init__(self, device_id: str, *, transport: str = "http", form: str = "query",
                 **options: Any) -> None:
        if transport not in ("http", "tcp"):
            raise LocalProtocolError(f"osmand: no {transport!r} transport (HTTP over TCP)")
        if form not in ("query", "json"):
            raise LocalProtocolError(f"osmand: form is 'query' or 'json', not {form!r}")
        self.device_id = device_id
        self.form = form
        self.hello_acked = True
        self._next_token = 0
        self._pending: deque[int] = deque()
        self._buffer = bytearray()

    def hello(self) -> bytes:
        return b""

    def heartbeat(self) -> bytes:
        return b""

    def encode_fixes(self, fixes: Sequence[Fix]) -> Outgoing:
        if len(fixes) != 1:
            raise LocalProtocolError("osmand: one fix per request")
        encode = encode_json_request if self.form == "json" else encode_query_request
        data = encode(self.device_id, fixes[0])
        token = self._next_token
        self._next_token += 1
        self._pending.append(token)
        return Outgoing(data, token, 1)

    def receive_data(self, data: bytes) -> list[DeviceAck]:
        self._buffer += data
        acks: list[DeviceAck] = []
        while (status := self._next_response()) is not None:
            token = self._pending.popleft() if self._pending else None
            if status == 200 and token is not None:
                acks.append(DeviceAck("fixes", token))
            elif status in (400, 404):
                acks.append(DeviceAck("rejected"))
            else:
                acks.append(DeviceAck("other"))
        return acks

    def _next_response(self) -> int | None:
        """Status of the next complete response in the buffer (consumed), or None."""
        buf = self._buffer
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            return None
        lines = bytes(buf[:end]).decode("latin-1").split("\r\n")
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if len(buf) < end + 4 + length:
            return None
        del buf[: end + 4 + length]
        parts = lines[0].split(" ")
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
