"""PROXY protocol v1 and v2 header parser (sans-IO).

When a load balancer (HAProxy ``send-proxy`` / ``send-proxy-v2``, AWS NLB,
...) sits in front of a TCP listener, the first bytes of every connection are
a PROXY header naming the real client. ``ProxyHeaderParser.feed`` takes bytes
as they arrive and returns ``None`` until the header is complete, then a
``ProxyHeader`` holding the addresses and whatever followed the header (the
device's first bytes). Anything that is not a valid header raises
``ProxyHeaderError``; the caller closes the connection.

Specification: https://www.haproxy.org/download/2.6/doc/proxy-protocol.txt

* v1: ``PROXY TCP4|TCP6|UNKNOWN <src> <dst> <sport> <dport>\\r\\n``, at most
  107 bytes including the CRLF.
* v2: the 12-byte signature, version/command, family/transport, a 16-bit
  length, the addresses, then TLVs (skipped). ``LOCAL`` (health checks from
  the proxy itself) and ``UNSPEC``/``UNIX`` families carry no usable client
  address: ``source`` is ``None`` and the socket's own peer applies.

Bounded: the buffer never holds more than a v1 line or a v2 header of at most
``max_v2_length`` address+TLV bytes.
"""

from __future__ import annotations

import ipaddress
import struct

__all__ = ["ProxyHeader", "ProxyHeaderError", "ProxyHeaderParser", "V2_SIGNATURE", "V1_MAX"]

V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
V1_PREFIX = b"PROXY "
V1_MAX = 107
_V2_HEAD = struct.Struct("!12sBBH")
_INET = struct.Struct("!4s4sHH")
_INET6 = struct.Struct("!16s16sHH")
#: v2 family/transport byte -> address block layout (STREAM and DGRAM alike)
_V2_FAMILIES = {0x11: (_INET, 4), 0x12: (_INET, 4), 0x21: (_INET6, 6), 0x22: (_INET6, 6)}


class ProxyHeaderError(ValueError):
    """The connection did not start with a valid PROXY protocol header."""


class ProxyHeader:
    __slots__ = ("version", "local", "source", "destination", "rest")

    def __init__(self, version: int, local: bool, source: tuple[str, int] | None,
                 destination: tuple[str, int] | None, rest: bytes) -> None:
        self.version = version
        #: True for v2 LOCAL and v1 UNKNOWN: the proxy speaks for itself
        self.local = local
        self.source = source
        self.destination = destination
        #: bytes after the header: the start of the device's own stream
        self.rest = rest

    def __repr__(self) -> str:
        return (f"ProxyHeader(v{self.version}, local={self.local}, source={self.source}, "
                f"destination={self.destination}, rest={len(self.rest)} bytes)")


class ProxyHeaderParser:
    __slots__ = ("_buffer", "_max_v2")

    def __init__(self, max_v2_length: int = 4096) -> None:
        self._buffer = b""
        self._max_v2 = max_v2_length

    def feed(self, data: bytes) -> ProxyHeader | None:
        """Add bytes; the header once complete, else None. Raises ProxyHeaderError."""
        buf = self._buffer + data
        self._buffer = buf
        if buf[:1] == b"P":
            if not V1_PREFIX.startswith(buf[:6]):
                raise ProxyHeaderError(f"not a PROXY header: {buf[:8]!r}")
            return self._v1(buf)
        if buf[:1] == b"\r":
            if not V2_SIGNATURE.startswith(buf[:12]):
                raise ProxyHeaderError(f"not a PROXY v2 signature: {buf[:12].hex()}")
            return self._v2(buf)
        if buf:
            raise ProxyHeaderError(f"no PROXY header: the stream starts with {buf[:8].hex()}")
        return None

    def _v1(self, buf: bytes) -> ProxyHeader | None:
        end = buf.find(b"\r\n", 0, V1_MAX)
        if end < 0:
            if len(buf) >= V1_MAX:
                raise ProxyHeaderError(f"PROXY v1 line longer than {V1_MAX} bytes")
            return None
        return parse_v1(buf[:end], buf[end + 2:])

    def _v2(self, buf: bytes) -> ProxyHeader | None:
        if len(buf) < 16:
            return None
        _, ver_cmd, family, length = _V2_HEAD.unpack_from(buf)
        if ver_cmd >> 4 != 2:
            raise ProxyHeaderError(f"PROXY v2: unsupported version {ver_cmd >> 4}")
        command = ver_cmd & 0x0F
        if command > 1:
            raise ProxyHeaderError(f"PROXY v2: unknown command {command}")
        if length > self._max_v2:
            raise ProxyHeaderError(f"PROXY v2: header of {length} bytes is over {self._max_v2}")
        if len(buf) < 16 + length:
            return None
        rest = buf[16 + length:]
        layout = _V2_FAMILIES.get(family)
        if command == 0 or layout is None:  # LOCAL, or UNSPEC/UNIX: no IP client address
            if command == 1 and family >> 4 > 3:
                raise ProxyHeaderError(f"PROXY v2: unknown address family {family:#04x}")
            return ProxyHeader(2, command == 0, None, None, rest)
        shape, ip_version = layout
        if length < shape.size:
            raise ProxyHeaderError(f"PROXY v2: {length} bytes cannot hold the addresses")
        src, dst, sport, dport = shape.unpack_from(buf, 16)
        return ProxyHeader(2, False, (_ip(src, ip_version), sport), (_ip(dst, ip_version), dport), rest)


def _ip(packed: bytes, version: int) -> str:
    return str(ipaddress.IPv4Address(packed) if version == 4 else ipaddress.IPv6Address(packed))


def parse_v1(line: bytes, rest: bytes = b"") -> ProxyHeader:
    """One v1 line without its CRLF: ``PROXY TCP4 src dst sport dport``."""
    try:
        text = line.decode("ascii")
    except UnicodeDecodeError:
        raise ProxyHeaderError("PROXY v1: non-ASCII header") from None
    parts = text.split(" ")
    if len(parts) >= 2 and parts[1] == "UNKNOWN":
        return ProxyHeader(1, True, None, None, rest)
    if len(parts) != 6 or parts[1] not in ("TCP4", "TCP6"):
        raise ProxyHeaderError(f"PROXY v1: malformed header {text!r}")
    version = 4 if parts[1] == "TCP4" else 6
    try:
        src, dst = ipaddress.ip_address(parts[2]), ipaddress.ip_address(parts[3])
        sport, dport = _port(parts[4]), _port(parts[5])
    except ValueError:
        raise ProxyHeaderError(f"PROXY v1: malformed header {text!r}") from None
    if src.version != version or dst.version != version:
        raise ProxyHeaderError(f"PROXY v1: {parts[1]} with addresses {parts[2]}, {parts[3]}")
    return ProxyHeader(1, False, (str(src), sport), (str(dst), dport), rest)


def _port(text: str) -> int:
    if not text.isdigit() or not text.isascii() or (len(text) > 1 and text[0] == "0"):
        raise ValueError(text)
    value = int(text)
    if value > 65535:
        raise ValueError(text)
    return value


def encode_v1(source: tuple[str, int], destination: tuple[str, int]) -> bytes:
    """A v1 header (for tests and tools): TCP4 or TCP6 after the source address."""
    family = "TCP6" if ipaddress.ip_address(source[0]).version == 6 else "TCP4"
    return f"PROXY {family} {source[0]} {destination[0]} {source[1]} {destination[1]}\r\n".encode()


def encode_v2(source: tuple[str, int] | None, destination: tuple[str, int] | None,
              tlvs: bytes = b"") -> bytes:
    """A v2 header (for tests and tools): PROXY over TCP, or LOCAL without addresses."""
    if source is None or destination is None:
        return _V2_HEAD.pack(V2_SIGNATURE, 0x20, 0x00, len(tlvs)) + tlvs
    src, dst = ipaddress.ip_address(source[0]), ipaddress.ip_address(destination[0])
    shape, family = (_INET, 0x11) if src.version == 4 else (_INET6, 0x21)
    body = shape.pack(src.packed, dst.packed, source[1], destination[1]) + tlvs
    return _V2_HEAD.pack(V2_SIGNATURE, 0x21, family, len(body)) + body
