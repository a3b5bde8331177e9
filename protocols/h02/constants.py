"""H02 constants: port, frame markers and sizes, status word bits."""

from __future__ import annotations

PROTOCOL = "h02"
DEFAULT_PORT = 5013
KNOT_KMH = 1.852

TEXT_START = 0x2A  # '*'
TEXT_END = 0x23  # '#'
BINARY_START = 0x24  # '$'
OTHER_START = 0x58  # 'X': a 32-byte binary form that is framed but not decoded
STARTS = frozenset((TEXT_START, BINARY_START, OTHER_START))

#: binary frame sizes: short (5-byte id), 8-byte id variant, long (5-byte id)
SHORT_SIZE = 32
ID8_SIZE = 42
LONG_SIZE = 45
BINARY_SIZES = (SHORT_SIZE, ID8_SIZE, LONG_SIZE)
#: longest text message accepted (SMS answers carry a few hundred characters)
MAX_TEXT = 2048

#: message types answered with the heartbeat echo ``*HQ,<id>,<type>#``
HEARTBEAT_TYPES = frozenset(("V0", "HTBT"))

# Status word (32 bits, mostly active-low).
BIT_VIBRATION = 0  # 0 -> vibration alarm
BIT_SOS = 1  # 0 -> SOS
BIT_OVERSPEED = 2  # 0 -> overspeed
BIT_IGNITION = 10  # 1 -> ACC on
BIT_SOS_2 = 18  # 0 -> SOS
BIT_POWER_CUT = 19  # 0 -> external power cut
#: idle status word: no alarm, ACC off
STATUS_IDLE = 0xFFFFFBFF
