"""Checksums by their catalogue names (crcmod from the crcmod-plus wheel: C speed)."""

from __future__ import annotations

from functools import reduce
from operator import xor

import crcmod

__all__ = ["crc16_x25", "crc16_arc", "xor8", "nmea_checksum"]

#: CRC-16/X-25 (GT06's "CRC-ITU"): poly 0x1021 reflected, init 0xFFFF, xorout 0xFFFF.
#: crcmod's initCrc is the register value before the final xor, hence 0x0000 here.
crc16_x25 = crcmod.mkCrcFun(0x11021, initCrc=0x0000, rev=True, xorOut=0xFFFF)

#: CRC-16/ARC (Teltonika, "CRC16_IBM"): poly 0x8005 reflected, init 0, xorout 0.
crc16_arc = crcmod.mkCrcFun(0x18005, initCrc=0x0000, rev=True, xorOut=0x0000)


def xor8(data: bytes) -> int:
    """XOR of all bytes (NMEA, JT/T 808)."""
    return reduce(xor, data, 0)


def nmea_checksum(body: bytes) -> int:
    """NMEA 0183 checksum of the characters between ``$`` and ``*``."""
    return reduce(xor, body, 0)
