"""Validation at the storage boundary: the one place every record passes
(TCP, UDP, HTTP, MQTT, spool replay, raw-frame replay, quarantine replay)
before it meets the database.

What PostgreSQL would refuse, or what would poison the data, is decided here
and never left to the database:

- **repaired and marked**: a NUL or an unencodable character in a text
  attribute or key is replaced (``\\ufffd``), an over-long string is cut, a
  number that does not fit its column (``satellites`` outside 0..32767, a
  ``real`` that is NaN, infinite or beyond 3.4e38) becomes null, an attribute
  that is not finite, too deep or too large is dropped; every such name is
  listed in ``attributes["invalid"]`` (``"speed_kmh"``, ``"attributes.x"``).
  The event type, a text column, is cleaned the same way.
- **a broken clock** (a fix time more than ``future_margin`` ahead of the
  batch's ``received_at``, or before ``earliest``): the record is stored at
  ``received_at`` with ``valid=false``, the device's time kept in
  ``attributes["deviceTime"]`` and the reason in ``attributes["timeInvalid"]``
  (``"future"`` or ``"past"``), so it can neither pin ``latest_positions`` nor
  create far-future TimescaleDB chunks.
- **quarantined** (``Rejected``): what cannot be repaired without inventing
  data: a device id or protocol that is empty, too long or holds NUL or an
  unencodable character (cleaning it would credit another device), and
  coordinates that are not finite or outside +-90 / +-180.

The common record (ASCII text, finite numbers in range, a few scalar
attributes) passes with a handful of type checks and is returned as is.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any, Sequence

import msgspec

from protocols import Event, Position

__all__ = ["Limits", "Rejected", "validate_batch", "validate_position", "validate_event"]

_REAL_MAX = 3.4028234663852886e38
_SMALLINT_MAX = 32767
_REPLACEMENT = "\ufffd"


class Limits(msgspec.Struct, frozen=True, kw_only=True):
    max_id_length: int = 128          # device_id, protocol
    max_type_length: int = 64         # event type
    max_key_length: int = 128         # attribute keys
    max_string_length: int = 4096     # attribute strings (longer ones are cut)
    max_keys: int = 256               # keys per attributes object (nested ones too)
    max_depth: int = 8                # nesting of attribute objects and lists
    max_list_length: int = 1024
    future_margin: timedelta = timedelta(days=1)
    earliest: datetime = datetime(2000, 1, 1, tzinfo=timezone.utc)


DEFAULT_LIMITS = Limits()


class Rejected(msgspec.Struct, frozen=True, kw_only=True):
    """A record that cannot be stored, with why. ``index`` is its place in the
    batch's positions (kind "position") or events (kind "event")."""

    kind: str
    index: int
    record: Position | Event
    reason: str


# -- text ----------------------------------------------------------------------

def _text_problem(value: Any, limit: int) -> str | None:
    """Why an identity text cannot be stored as is, or None."""
    if not isinstance(value, str) or not value:
        return "empty or not text"
    if len(value) > limit:
        return f"longer than {limit} characters"
    if "\x00" in value:
        return "holds a NUL character"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "holds an unencodable character"
    return None


def _clean_text(value: str, limit: int) -> str:
    if not value.isascii():
        value = value.encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> '?'
    return value.replace("\x00", _REPLACEMENT)[:limit]


def _text_ok(value: str, limit: int) -> bool:
    return len(value) <= limit and "\x00" not in value and (
        value.isascii() or _encodable(value))


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# -- attributes ----------------------------------------------------------------

def _attributes_ok(attrs: Any, limits: Limits, depth: int = 0) -> bool:
    """The fast check: True when the attributes can be stored exactly as they are
    (written for speed: it runs on every record)."""
    if type(attrs) is not dict or len(attrs) > limits.max_keys or depth >= limits.max_depth:
        return False
    try:
        keys = "".join(attrs)
    except TypeError:  # a key that is not text
        return False
    if "\x00" in keys or not keys.isascii() and not _encodable(keys) or (
            len(keys) > limits.max_key_length and max(map(len, attrs)) > limits.max_key_length):
        return False
    str_limit = limits.max_string_length
    for value in attrs.values():
        t = type(value)
        if t is str:
            if not (len(value) <= str_limit and "\x00" not in value
                    and (value.isascii() or _encodable(value))):
                return False
        elif t is float:
            if value - value != 0.0:  # NaN or infinite
                return False
        elif t is int:
            if not _INT_MIN <= value <= _INT_BOUND:
                return False
        elif t is not bool and value is not None and not _value_ok(value, limits, depth):
            return False
    return depth > 0 or "invalid" not in attrs or type(attrs["invalid"]) is list


def _value_ok(value: Any, limits: Limits, depth: int) -> bool:
    t = type(value)
    if t is str:
        return _text_ok(value, limits.max_string_length)
    if t is float:
        return math.isfinite(value)
    if t is int:
        return _INT_MIN <= value <= _INT_BOUND
    if t is bool or value is None:
        return True
    if t is dict:
        return _attributes_ok(value, limits, depth + 1)
    if t is list:
        return (len(value) <= limits.max_list_length and depth + 1 < limits.max_depth
                and all(_value_ok(v, limits, depth + 1) for v in value))
    return False


_INT_BOUND = 10 ** 100
_INT_MIN = -_INT_BOUND


def _clean_value(value: Any, path: str, limits: Limits, depth: int, invalid: list[str]) -> Any:
    """The storable form of one attribute value, or ``_DROP``; names what changed."""
    t = type(value)
    if value is None or t is bool:
        return value
    if t is int:
        if _INT_MIN <= value <= _INT_BOUND:
            return value
    elif t is float:
        if math.isfinite(value):
            return value
    elif isinstance(value, str):
        if _text_ok(value, limits.max_string_length):
            return value
        invalid.append(path)
        return _clean_text(value, limits.max_string_length)
    elif depth + 1 >= limits.max_depth:
        pass
    elif isinstance(value, dict):
        return _clean_attributes(value, limits, depth + 1, invalid, path + ".")
    elif isinstance(value, (list, tuple)):
        if len(value) <= limits.max_list_length:
            out = [_clean_value(v, f"{path}[{i}]", limits, depth + 1, invalid)
                   for i, v in enumerate(value)]
            return [v for v in out if v is not _DROP]
    elif isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()[:limits.max_string_length]
    elif isinstance(value, datetime):
        return value.isoformat()
    invalid.append(path)
    return _DROP


_DROP = object()


def _clean_attributes(attrs: Any, limits: Limits, depth: int, invalid: list[str],
                      prefix: str = "attributes.") -> dict[str, Any]:
    if not isinstance(attrs, dict):
        invalid.append(prefix.rstrip("."))
        return {}
    out: dict[str, Any] = {}
    for n, (key, value) in enumerate(attrs.items()):
        name = key if isinstance(key, str) else str(key)
        if not _text_ok(name, limits.max_key_length):
            name = _clean_text(name, limits.max_key_length)
            invalid.append(prefix + name)
        if n >= limits.max_keys:
            invalid.append(prefix + name)
            continue
        if depth == 0 and name == "invalid":
            continue  # rebuilt below from what this check found
        cleaned = _clean_value(value, prefix + name, limits, depth, invalid)
        if cleaned is not _DROP:
            out[name] = cleaned
    return out


def _checked_attributes(attrs: Any, limits: Limits, invalid: list[str]) -> dict[str, Any]:
    if _attributes_ok(attrs, limits):
        return attrs
    return _clean_attributes(attrs, limits, 0, invalid)


def _with_invalid(attrs: dict[str, Any], invalid: list[str]) -> dict[str, Any]:
    earlier = attrs.get("invalid") if isinstance(attrs.get("invalid"), list) else []
    names = sorted({*(n for n in earlier if isinstance(n, str)), *invalid})
    return {**attrs, "invalid": names[:64]}


# -- time ----------------------------------------------------------------------

def _clock_problem(t: Any, received_at: datetime, limits: Limits) -> str | None:
    if not isinstance(t, datetime) or t.tzinfo is None:
        return "past"
    if t > received_at + limits.future_margin:
        return "future"
    if t < limits.earliest:
        return "past"
    return None


def _time_attributes(attrs: dict[str, Any], t: Any, problem: str) -> dict[str, Any]:
    shown = t.isoformat() if isinstance(t, datetime) else repr(t)[:64]
    return {**attrs, "deviceTime": shown, "timeInvalid": problem}


# -- records -------------------------------------------------------------------

def _real(value: Any) -> bool:
    return value is None or (type(value) in (float, int) and math.isfinite(value)
                             and -_REAL_MAX <= value <= _REAL_MAX)


_REALS = ("altitude_m", "speed_kmh", "course_deg", "hdop")


def _position_clean(p: Position, latest: datetime, limits: Limits) -> bool:
    """The fast path: True when ``p`` can be stored exactly as it is."""
    try:
        return (p.device_id in _GOOD_IDS and p.protocol in _GOOD_IDS
                and -90.0 <= p.lat <= 90.0 and -180.0 <= p.lon <= 180.0
                and (p.speed_kmh is None or -_REAL_MAX <= p.speed_kmh <= _REAL_MAX)
                and (p.course_deg is None or -_REAL_MAX <= p.course_deg <= _REAL_MAX)
                and (p.altitude_m is None or -_REAL_MAX <= p.altitude_m <= _REAL_MAX)
                and (p.hdop is None or -_REAL_MAX <= p.hdop <= _REAL_MAX)
                and (p.satellites is None or 0 <= p.satellites <= _SMALLINT_MAX)
                and limits.earliest <= p.fix_time <= latest
                and (not p.attributes or _attributes_ok(p.attributes, limits)))
    except TypeError:  # a value of the wrong type: the slow path names it
        return False


#: identity texts already found storable (device ids and protocol names repeat)
_GOOD_IDS: set[str] = set()
_MAX_GOOD_IDS = 200_000


def _identity_problem(value: Any, limit: int) -> str | None:
    if value in _GOOD_IDS:
        return None
    problem = _text_problem(value, limit)
    if problem is None:
        if len(_GOOD_IDS) >= _MAX_GOOD_IDS:
            _GOOD_IDS.clear()
        _GOOD_IDS.add(value)
    return problem


def validate_position(p: Position, received_at: datetime, limits: Limits = DEFAULT_LIMITS,
                      latest: datetime | None = None) -> Position | str:
    """The position to store (``p`` itself when nothing is wrong), or why it
    must be quarantined. ``latest``: received_at + future_margin, when known."""
    if _position_clean(p, latest or received_at + limits.future_margin, limits):
        return p
    for name in ("device_id", "protocol"):
        problem = _identity_problem(getattr(p, name), limits.max_id_length)
        if problem:
            return f"{name} {problem}"
    lat, lon = p.lat, p.lon
    if not (type(lat) in (float, int) and type(lon) in (float, int)
            and -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return f"coordinates out of range ({lat!r}, {lon!r})"
    invalid: list[str] = []
    changes: dict[str, Any] = {}
    for name in _REALS:
        if not _real(getattr(p, name)):
            invalid.append(name)
            changes[name] = None
    sats = p.satellites
    if sats is not None and not (type(sats) is int and 0 <= sats <= _SMALLINT_MAX):
        invalid.append("satellites")
        changes["satellites"] = None
    attrs = _checked_attributes(p.attributes, limits, invalid)
    problem = _clock_problem(p.fix_time, received_at, limits)
    if problem:
        attrs = _time_attributes(attrs, p.fix_time, problem)
        changes["fix_time"], changes["valid"] = received_at, False
    if invalid:
        attrs = _with_invalid(attrs, invalid)
    if attrs is not p.attributes:
        changes["attributes"] = attrs
    return msgspec.structs.replace(p, **changes) if changes else p


def validate_event(e: Event, received_at: datetime,
                   limits: Limits = DEFAULT_LIMITS) -> Event | str:
    for name in ("device_id", "protocol"):
        problem = _identity_problem(getattr(e, name), limits.max_id_length)
        if problem:
            return f"{name} {problem}"
    invalid: list[str] = []
    changes: dict[str, Any] = {}
    if not isinstance(e.type, str) or not e.type:
        return "event type empty or not text"
    if not _text_ok(e.type, limits.max_type_length):
        invalid.append("type")
        changes["type"] = _clean_text(e.type, limits.max_type_length)
    attrs = _checked_attributes(e.attributes, limits, invalid)
    problem = _clock_problem(e.time, received_at, limits)
    if problem:
        attrs = _time_attributes(attrs, e.time, problem)
        changes["time"] = received_at
    if invalid:
        attrs = _with_invalid(attrs, invalid)
    if attrs is not e.attributes:
        changes["attributes"] = attrs
    return msgspec.structs.replace(e, **changes) if changes else e


def validate_batch(positions: Sequence[Position], events: Sequence[Event],
                   received_at: datetime, limits: Limits = DEFAULT_LIMITS,
                   ) -> tuple[list[Position], list[Event], list[Rejected], int]:
    """The storable positions and events of a batch (repaired where needed),
    the records to quarantine, and how many records were repaired."""
    good_p: list[Position] = []
    good_e: list[Event] = []
    rejected: list[Rejected] = []
    repaired = 0
    latest = received_at + limits.future_margin
    for i, p in enumerate(positions):
        checked = validate_position(p, received_at, limits, latest)
        if type(checked) is str:
            rejected.append(Rejected(kind="position", index=i, record=p, reason=checked))
        else:
            good_p.append(checked)
            repaired += checked is not p
    for i, e in enumerate(events):
        checked = validate_event(e, received_at, limits)
        if type(checked) is str:
            rejected.append(Rejected(kind="event", index=i, record=e, reason=checked))
        else:
            good_e.append(checked)
            repaired += checked is not e
    return good_p, good_e, rejected, repaired
