"""Constants of the TK103 bracketed text protocol ``(...)`` (Traccar's ``tk103``)."""

from __future__ import annotations

from typing import Final

from ._catalogue import BATTERY_LEVELS, BO01_ALARMS, BQ81_ALARMS, FIXED_COMMANDS  # noqa: F401

PROTOCOL: Final = "tk103"
DEFAULT_PORT: Final = 5002

#: while more than this many bytes are buffered without a complete frame, the
#: framer drops the data up to the next ``(`` after the current one
MAX_PENDING: Final = 1024

START: Final = 0x28  # "("
END: Final = 0x29  # ")"
TEXT_QUOTE: Final = 0x24  # "$": free text inside a frame is wrapped in $...$

#: fixed-form command words
HANDSHAKE: Final = "BP00"
LOGIN: Final = "BP05"
POSITION: Final = "BR00"
ALARM: Final = "BO01"
ALARM_EXT: Final = "BQ81"
CELL: Final = "BZ00"
VIN: Final = "BV00"
BMS_RAW: Final = "BS50"
BMS_PAIRS: Final = "BS51"

#: fixed-form commands known to carry nothing we store (no record, no reply)
IGNORED_COMMANDS: Final = frozenset(k for k, v in FIXED_COMMANDS.items() if v == "ignored")

#: comma-form command words with a meaning of their own
BATTERY: Final = "ZC20"
RESULT: Final = "ZC03"
LBS_PREFIX: Final = "DW5"

ABSENT_LEVEL: Final = 255
ABSENT_VOLTAGE: Final = 65535
