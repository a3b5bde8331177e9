"""Catalogue check values (reveng CRC catalogue) of every shared checksum."""

import pytest

from protocols import _checksum as c


@pytest.mark.parametrize("fun, check", [
    (c.crc16_x25, 0x906E), (c.crc16_arc, 0xBB3D), (c.crc16_modbus, 0x4B37),
    (c.crc16_kermit, 0x2189), (c.crc16_xmodem, 0x31C3), (c.crc16_ccitt_false, 0x29B1),
])
def test_crc_catalogue_check_value(fun, check):
    assert fun(b"123456789") == check


def test_xor_and_sum():
    assert c.xor8(b"GPGGA,1") == 0x47 ^ 0x50 ^ 0x47 ^ 0x47 ^ 0x41 ^ 0x2C ^ 0x31
    assert c.sum8(b"\xff\x02") == 0x01
    assert c.nmea_checksum(b"") == 0
