"""Device side: a ``protocols.Fix`` as the OwnTracks app publishes it."""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = ["encode_location"]


def encode_location(fix: Any, tid: str = "") -> bytes:
    """A ``_type: location`` message for a ``protocols.Fix`` (simulator, tests)."""
    body: dict[str, Any] = {"_type": "location", "tst": int(fix.time.timestamp()),
                            "lat": fix.lat, "lon": fix.lon, "alt": round(fix.altitude_m),
                            "vel": round(fix.speed_kmh), "cog": round(fix.course_deg), "acc": 5,
                            "batt": fix.attributes.get("batteryLevel", 80)}
    if tid:
        body["tid"] = tid
    return msgspec.json.encode(body)
