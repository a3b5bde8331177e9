"""OsmAnd / Traccar Client HTTP constants: limits, responses, units.

References: the OsmAnd and Traccar Client apps' request format (fact sheet
shared/protocols/osmand.md), RFC 9112 (HTTP/1.1 message syntax) for framing.
"""

from __future__ import annotations

from datetime import datetime, timezone

__all__ = ["PROTOCOL", "MAX_HEAD_SIZE", "MAX_REQUEST_SIZE", "KNOT_KMH", "SPEED_UNITS",
           "UNIX_EPOCH", "MILLIS_THRESHOLD"]

PROTOCOL = "osmand"

#: request line + headers + blank line (h11's default bound on an incomplete event is 16 KiB)
MAX_HEAD_SIZE = 16 * 1024
#: a whole request, head and body (Traccar aggregates up to 64 KiB; the
#: connection's ``options.max_frame_size`` lowers it)
MAX_REQUEST_SIZE = 64 * 1024

KNOT_KMH = 1.852
#: ``speed`` parameter unit (option ``extra["speed"]``; Traccar's ``osmand.speed``) -> km/h factor
SPEED_UNITS = {"kn": KNOT_KMH, "knots": KNOT_KMH, "kmh": 1.0, "mps": 3.6, "mph": 1.609344}

UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
#: integer timestamps at or above this are milliseconds (Traccar: 2^31 - 1)
MILLIS_THRESHOLD = 2**31 - 1
