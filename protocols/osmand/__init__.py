"""OsmAnd / Traccar Client: positions as HTTP/1.1 requests (Traccar name ``osmand``).

Wire format (fact sheet shared/protocols/osmand.md; RFC 9112 for HTTP/1.1):
HTTP/1.1 requests over TCP, keep-alive, any path. Two forms:

- query (OsmAnd, Traccar Client, scripts): ``GET /?id=123456&timestamp=
  1700000000&lat=..&lon=..&speed=..&bearing=..&altitude=..&accuracy=..&batt=..``
  or the same parameters as an ``application/x-www-form-urlencoded`` body
  when the URI has no query. ``id``/``deviceid`` names the device; speed is
  in knots (option ``extra["speed"]``: kmh, mps, mph); ``timestamp`` is Unix
  seconds, milliseconds, ISO 8601 or ``yyyy-MM-dd HH:mm:ss`` (taken as UTC);
  other parameters become attributes (integer, decimal, boolean or text).
  Without coordinates the request becomes a ``status`` event.
- JSON (``Content-Type: application/json``): the Transistor
  background-geolocation body (``device_id``, ``location`` object or list),
  see ``_transistor``.

Replies (exact bytes): ``HTTP/1.1 200 OK`` + ``Content-Length: 0`` for a
usable request, after the records are committed; ``400 Bad Request`` for a
request without a device id or with unusable values. Every response is
deferred (``defer_reply``), records or not: HTTP/1.1 answers must keep
request order, and the gateway queues a deferred reply without records behind
the earlier commits. A device refused by the gateway's allow-list gets
``reject_reply``: 400 for the query form, 404 for the JSON form (Traccar's
answers for an unknown device).

Framing (``framing``): request line, header fields, ``Content-Length`` body;
no chunked bodies. Bounds: 16 KiB of head, and a whole request of at most
``min(options.max_frame_size, 64 KiB)``.

Resync policy: none. A request that cannot be framed or exceeds a bound
raises ``FramingError`` and the connection closes (the next request's start
cannot be known). Identity: every request names its device; a request naming
a device other than the connection's current one sets ``Decoded.login``.
"""

from __future__ import annotations

from .._spec import ProtocolSpec
from .connection import OsmandConnection
from .device import OsmandDevice
from .framing import HttpRequestFramer

__all__ = ["SPEC", "OsmandConnection", "OsmandDevice", "HttpRequestFramer"]

SPEC = ProtocolSpec(
    name="osmand",
    default_port=5055,
    transports=("http",),
    tcp_connection=OsmandConnection,
    device=OsmandDevice,
    summary="OsmAnd and Traccar Client apps: positions as HTTP/1.1 query or JSON requests",
)
