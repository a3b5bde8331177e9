"""The GPS056 catalogue, as data: message types, GPSL fields, status block.

Sources (read for facts, not translated): shared/protocols/gps056.md (fact
sheet, from the protocol as Traccar implements it; no public vendor document
was found) and Traccar ``Gps056ProtocolDecoder`` (traccar/traccar,
src/main): types ``LOGN``/``GPSL``/``SYNC``, their answers, the field order,
the ADC scaling (x 5.06 -> mV, little-endian signed) and the attribute keys.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["MessageType", "MESSAGE_TYPES", "Field", "GPSL_FIELDS", "STATUS_BLOCK"]


class MessageType(NamedTuple):
    kind: str              # the 4 letters before ``_xx``
    record: str            # "login", "position", "status"
    answer: str            # the answer's 4 letters; ``_xx``, the IMEI and ``tail`` follow
    tail: str              # what the answer carries before ``#``


MESSAGE_TYPES: tuple[MessageType, ...] = (
    MessageType("LOGN", "login", "LGSA", "'1'"),
    MessageType("GPSL", "position", "GPSA", "the frame's 2 echo bytes"),
    MessageType("SYNC", "status", "SYSA", "nothing"),
)


class Field(NamedTuple):
    name: str
    offset: int
    size: int
    key: str | None
    fmt: str | None        # struct format of a status-block item
    scale: float
    unit: str | None


#: the GPSL body, in order (27 bytes)
GPSL_FIELDS: tuple[Field, ...] = (
    Field("date", 0, 3, "fix_time", None, 1, "DD MM YY, binary, year 2000 + YY"),
    Field("time", 3, 3, "fix_time", None, 1, "hh mm ss, binary, UTC"),
    Field("latitude", 6, 5, "lat", None, 1, "u16 deg*100+min, u16 min fraction*10000, N|S"),
    Field("longitude", 11, 5, "lon", None, 1, "same, E|W"),
    Field("speed", 16, 1, "speed_kmh", None, 1, "km/h"),
    Field("course", 17, 2, "course_deg", None, 1, "degrees"),
    Field("status block", 19, 6, None, None, 1, "STATUS_BLOCK"),
    Field("echo", 25, 2, None, None, 1, "copied into the answer"),
)
#: the status block (GPSL at offset 19, the whole SYNC body)
STATUS_BLOCK: tuple[Field, ...] = (
    Field("inputs", 0, 1, "input", "B", 1, "bit mask"),
    Field("outputs", 1, 1, "output", "B", 1, "bit mask"),
    Field("ADC", 2, 2, "adc1", "<h", 5.06, "mV (raw x 5.06)"),
    Field("satellites", 4, 1, "sat", "B", 1, None),
    Field("GSM signal", 5, 1, "rssi", "B", 1, None),
)
