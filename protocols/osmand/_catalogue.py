"""The OsmAnd / Traccar Client catalogue, as data: every query parameter and
JSON member the apps send, with where it goes, its unit and its conversion.

Sources (read for facts, not translated):
  * OsmAnd "Online tracking" URL placeholders (osmand.net docs, Plugins ->
    Trip recording): ``lat``, ``lon``, ``timestamp``, ``hdop``, ``altitude``,
    ``speed``, ``bearing``, ``eta``, ``etfa``, ``eda``, ``edfa``.
  * Traccar Client for Android, ``ProtocolFormatter.kt``
    (traccar/traccar-client-android): ``id``, ``timestamp`` (Unix seconds),
    ``lat``, ``lon``, ``speed`` (knots), ``bearing``, ``altitude``,
    ``accuracy``, ``batt``, ``charge``, ``mock``, ``alarm``.
  * Traccar ``OsmAndProtocolDecoder`` (traccar/traccar, src/main): the
    server-side parameter names and attribute keys (``deviceid``, ``location``,
    ``heading``, ``valid``, ``cell``, ``wifi``, ``driverUniqueId``,
    ``notificationToken``); anything else becomes an attribute named after
    the parameter, typed number / boolean / text.
  * Transistor Software background-geolocation ``Location`` schema (the JSON
    form Traccar Client 9 posts).

What the catalogue lacks is kept under the parameter's own name (the
protocol's generic key) and counted in ``Decoded.unknown_items``.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Param", "QUERY_PARAMS", "QUERY_BY_NAME", "JsonMember", "JSON_LOCATION", "JSON_COORDS"]


class Param(NamedTuple):
    """One query parameter.

    ``target``: ``field:<Position field>``, ``attr:<attribute key>``,
    ``identity``, ``network:<attribute key>`` or ``ignored`` (not a record value).
    ``convert``: ``float``, ``bool``, ``text``, ``time``, ``location``, ``value``
    (Traccar's typing: number, ``true``/``false``, else text).
    """

    name: str
    target: str
    unit: str | None
    convert: str
    source: str


QUERY_PARAMS: tuple[Param, ...] = (
    Param("id", "identity", None, "text", "Traccar Client"),
    Param("deviceid", "identity", None, "text", "Traccar decoder"),
    Param("lat", "field:lat", "degrees", "float", "OsmAnd {0}"),
    Param("lon", "field:lon", "degrees", "float", "OsmAnd {1}"),
    Param("location", "field:lat,lon", "degrees", "location", "Traccar decoder"),
    Param("timestamp", "field:fix_time", "Unix s | Unix ms | ISO 8601 | yyyy-MM-dd HH:mm:ss",
          "time", "OsmAnd {2}"),
    Param("hdop", "field:hdop", None, "float", "OsmAnd {3}"),
    Param("altitude", "field:altitude_m", "m", "float", "OsmAnd {4}"),
    Param("speed", "field:speed_kmh", "knots (option 'speed': kn, kmh, mps, mph)", "float",
          "OsmAnd {5}"),
    Param("bearing", "field:course_deg", "degrees", "float", "OsmAnd {6}"),
    Param("heading", "field:course_deg", "degrees", "float", "Traccar decoder"),
    Param("valid", "field:valid", None, "bool", "Traccar decoder"),
    Param("accuracy", "attr:accuracy", "m", "float", "Traccar Client"),
    Param("batt", "attr:batteryLevel", "%", "float", "Traccar Client"),
    Param("charge", "attr:charge", None, "bool", "Traccar Client"),
    Param("mock", "attr:mock", None, "bool", "Traccar Client"),
    Param("alarm", "attr:alarm", None, "text", "Traccar Client (sos)"),
    Param("driverUniqueId", "attr:driverUniqueId", None, "text", "Traccar decoder"),
    Param("eta", "attr:eta", "Unix ms", "value", "OsmAnd {7}"),
    Param("etfa", "attr:etfa", "Unix ms", "value", "OsmAnd {8}"),
    Param("eda", "attr:eda", "m", "value", "OsmAnd {9}"),
    Param("edfa", "attr:edfa", "m", "value", "OsmAnd {10}"),
    Param("cell", "network:cell", "mcc,mnc,lac,cid[,rssi]", "text", "Traccar decoder"),
    Param("wifi", "network:wifi", "mac,rssi", "text", "Traccar decoder"),
    Param("notificationToken", "ignored", None, "text", "Traccar decoder (push token)"),
)
QUERY_BY_NAME = {p.name: p for p in QUERY_PARAMS}


class JsonMember(NamedTuple):
    """One member of a Transistor ``location`` (or its ``coords``) object."""

    name: str
    key: str | None     # attribute key or Position field; None: read elsewhere / not kept
    unit: str | None


#: members of ``location``; ``battery``, ``activity``, ``extras``, ``coords`` are objects
JSON_LOCATION: tuple[JsonMember, ...] = (
    JsonMember("timestamp", "fix_time", "ISO 8601"),
    JsonMember("coords", None, None),
    JsonMember("battery", None, None),          # level 0..1 -> batteryLevel %, is_charging -> charge
    JsonMember("activity", None, None),         # type -> activity
    JsonMember("extras", None, None),           # every scalar member -> an attribute
    JsonMember("is_moving", "motion", None),
    JsonMember("mock", "mock", None),
    JsonMember("alarm", "alarm", None),
    JsonMember("event", "event", None),
    JsonMember("odometer", "odometer", "m"),
    JsonMember("uuid", None, None),             # sample id: not a record value
    JsonMember("age", None, "ms"),              # sample age: not a record value
)
#: members of ``coords``
JSON_COORDS: tuple[JsonMember, ...] = (
    JsonMember("latitude", "lat", "degrees"),
    JsonMember("longitude", "lon", "degrees"),
    JsonMember("speed", "speed_kmh", "m/s (negative: unknown)"),
    JsonMember("heading", "course_deg", "degrees (negative: unknown)"),
    JsonMember("altitude", "altitude_m", "m"),
    JsonMember("accuracy", "accuracy", "m"),
    JsonMember("speed_accuracy", None, "m/s"),
    JsonMember("heading_accuracy", None, "degrees"),
    JsonMember("altitude_accuracy", None, "m"),
    JsonMember("ellipsoidal_altitude", None, "m"),
    JsonMember("floor", None, None),
)
