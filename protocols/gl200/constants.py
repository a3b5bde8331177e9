"""Queclink @Track constants: prefixes, binary headers, sizes, alarm names."""

from __future__ import annotations

PROTOCOL = "gl200"
DEFAULT_PORT = 5004

#: text message prefixes (``+RESP:GTFRI,...$``)
TEXT_PREFIXES = (b"+RESP:", b"+BUFF:", b"+ACK:")
#: 4-byte headers of binary messages (``+ACK`` only when not followed by ``:``)
BINARY_HEADERS = frozenset((b"+RSP", b"+BSP", b"+EVT", b"+BVT", b"+INF", b"+BNF", b"+HBD",
                            b"+CRD", b"+BRD", b"+LGN", b"+ACK"))

#: largest text message we accept (GTCAN reports run to ~700 bytes)
MAX_TEXT = 4096
#: binary frames announce their length; the shortest possible one
MIN_BINARY = 8

#: text terminators: ``$`` (documented) or a NUL byte (seen on some firmware)
TERMINATORS = b"$\x00"

#: report types whose block carries an alarm by type alone
ALARM_BY_TYPE: dict[str, str] = {
    "GTSOS": "sos",
    "GTSPD": "overspeed",
    "GTPNA": "powerOn",
    "GTPFA": "powerOff",
    "GTMPN": "powerRestored",
    "GTMPF": "powerCut",
    "GTBPL": "lowBattery",
    "GTTOW": "tow",
    "GTJDR": "jamming",
    "GTJDS": "jamming",
    "GTCRA": "accident",
    "GTSTC": "lowBattery",
    "GTEPF": "powerCut",
    "GTEPN": "powerRestored",
    "GTBTC": "powerRestored",
    "GTDOS": "door",
    "GTIDF": "idle",
}

#: GTHBM report type (last digit of ``<report id><report type>``) -> alarm
HARSH_BEHAVIOUR: dict[str, str] = {
    "0": "hardBraking",
    "1": "hardAcceleration",
    "2": "hardCornering",
    "3": "hardAcceleration",  # acceleration while turning
    "4": "hardBraking",       # braking while turning
}

#: +SACK acknowledgements (server -> device)
SACK = b"+SACK:"

#: report types that carry position blocks; without a fix they still become an
#: (outdated) position, as Traccar reports them
LOCATED_REPORTS = frozenset((
    "GTFRI", "GTRTL", "GTGEO", "GTSPD", "GTSOS", "GTPNL", "GTNMR", "GTDIS", "GTDOG", "GTIGL",
    "GTHBM", "GTERI", "GTIGN", "GTIGF", "GTLSW", "GTTSW", "GTIDA", "GTSTT", "GTTEM", "GTBPL",
    "GTCTN", "GTMPN", "GTMPF", "GTTRI", "GTSWG", "GTLBC", "GTGCR", "GTSTR", "GTOBD", "GTSTC",
    "GTEPN", "GTEPF", "GTBTC", "GTJDR", "GTJDS", "GTTOW", "GTCRA", "GTIDF", "GTGSS", "GTDAR",
    "GTAIS", "GTEPS", "GTGIN", "GTGOT", "GTPFL", "GTVGN", "GTVGF", "GTSTP", "GTLSP", "GTUPC",
    "GTDOS", "GTHBE", "GTRMD", "GTPNR", "GTGPJ", "GTRDM", "GTASC", "GTFLA", "GTCLT", "GTDTC",
))
