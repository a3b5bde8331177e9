"""Checksums by their catalogue names (crcmod from the crcmod-plus wheel: C speed)."""

from __future__ import annotations

from functools import reduce
from operator import xor

import crcmod

__all__ = ["crc16_x25", "crc16_arc", "crc16_modbus", "crc16_kermit", "crc16_xmodem",
           "crc16_ccitt_false", "xor8", "sum8", "nmea_checksum"]

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

#: CRC-16/MODBUS (Galileo): poly 0x8005 reflected, init 0xFFFF, xorout 0. Check 0x4B37.
crc16_modbus = crcmod.mkCrcFun(0x18005, initCrc=0xFFFF, rev=True, xorOut=0x0000)

#: CRC-16/KERMIT (Ruptela): poly 0x1021 reflected, init 0, xorout 0. Check 0x2189.
crc16_kermit = crcmod.mkCrcFun(0x11021, initCrc=0x0000, rev=True, xorOut=0x0000)

#: CRC-16/XMODEM: poly 0x1021, init 0, not reflected. Check 0x31C3.
crc16_xmodem = crcmod.mkCrcFun(0x11021, initCrc=0x0000, rev=False, xorOut=0x0000)

#: CRC-16/IBM-3740 (a.k.a. CCITT-FALSE): poly 0x1021, init 0xFFFF, not reflected. Check 0x29B1.
crc16_ccitt_false = crcmod.mkCrcFun(0x11021, initCrc=0xFFFF, rev=False, xorOut=0x0000)


def sum8(data: bytes) -> int:
    """Sum of all bytes modulo 256 (Meitrack)."""
    return sum(data) & 0xFF
