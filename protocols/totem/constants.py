"""Totem / Istartek constants (fact sheet shared/protocols/totem.md; AT09
protocol v2.43; AVL02 manual, GPRS format)."""

from __future__ import annotations

PROTOCOL = "totem"
DEFAULT_PORT = 5007
#: Traccar's frame decoder keeps at most 1024 bytes
MAX_FRAME = 1024
#: shortest frame Traccar cuts
MIN_FRAME = 10
KNOT_KMH = 1.852

ACK_OLD = b"ACK OK\r\n"
DEFAULT_PASSWORD = "000000"

#: alarm, status and IO tables live in the catalogue
from ._catalogue import (NEW_ALARMS, OLD1_IO, OLD2_IO, OLD_ALARMS, STATUS_ALARMS,  # noqa: E402,F401
                         STATUS_FLAGS, STATUS_GPS_VALID, STATUS_GPS_VALID_WITH_TEMP2)

#: command codes (server -> device)
COMMANDS = {"reboot": "006", "factoryReset": "007", "version": "056", "position": "012",
            "engineStop": "025,C,1", "engineResume": "025,C,0"}
