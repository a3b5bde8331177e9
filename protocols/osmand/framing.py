"""HTTP/1.1 request framing, sans-IO (in the manner of h11's server side).

``HttpRequestFramer.next_frame(buffer)`` cuts one whole request: request line,
header fields, blank line, then ``Content-Length`` bytes of body. Empty lines
before a request line are skipped (RFC 9112 section 2.2). Line ends may be
CR LF or a bare LF.

Bounds: the head may not exceed ``MAX_HEAD_SIZE`` bytes and the whole request
``max_request`` bytes; both are checked as soon as they can be (a
``Content-Length`` over the bound fails before the body arrives).

Resync policy: none. A request that cannot be framed (not an HTTP/1.x request
line, a malformed header field, an invalid or conflicting Content-Length,
``Transfer-Encoding`` (chunked bodies are not accepted: the OsmAnd and
Traccar Client apps send a length), or a bound exceeded) raises
``FramingError``: the connection closes, since the start of the next request
cannot be known.
"""

from __future__ import annotations

from typing import NamedTuple

from .._errors import FramingError
from .constants import MAX_HEAD_SIZE, MAX_REQUEST_SIZE

__all__ = ["Head", "Request", "HttpRequestFramer", "parse_head", "parse_request", "head_end"]

_TOKEN = frozenset(b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_VERSIONS = {b"HTTP/1.1": "HTTP/1.1", b"HTTP/1.0": "HTTP/1.0"}
_EMPTY_LINES = b"\r\n"


class Head(NamedTuple):
    method: str
    target: str
    version: str
    #: (lower-case name, value) in arrival order
    headers: tuple[tuple[str, str], ...]
    content_length: int

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (lower case), or None."""
        return next((value for key, value in self.headers if key == name), None)


class Request(NamedTuple):
    head: Head
    body: bytes


def _bad(message: str, data: bytes) -> FramingError:
    return FramingError(f"osmand: {message}", data=data)


def _is_token(text: bytes) -> bool:
    return bool(text) and _TOKEN.issuperset(text)


def _request_line(line: bytes) -> tuple[str, str, str]:
    parts = line.split(b" ")
    if len(parts) != 3:
        raise _bad("not an HTTP request line", line)
    method, target, version = parts
    if not _is_token(method) or not target or version not in _VERSIONS:
        raise _bad("not an HTTP/1.x request line", line)
    if any(b <= 0x20 or b >= 0x7F for b in target):
        raise _bad("request target is not printable ASCII", line)
    return method.decode("ascii"), target.decode("ascii"), _VERSIONS[version]


def _content_length(values: list[str], head: bytes) -> int:
    if not values:
        return 0
    if len(set(values)) != 1 or not values[0].isdigit() or not values[0].isascii():
        raise _bad("invalid or conflicting Content-Length", head)
    if len(values[0]) > 12:
        raise _bad("Content-Length too large", head)
    return int(values[0])


def parse_head(head: bytes) -> Head:
    """Request line and header fields (``head`` without the blank line)."""
    lines = head.split(b"\n")
    method, target, version = _request_line(lines[0].removesuffix(b"\r"))
    headers: list[tuple[str, str]] = []
    lengths: list[str] = []
    for raw in lines[1:]:
        line = raw.removesuffix(b"\r")
        name, colon, value = line.partition(b":")
        if not colon or not _is_token(name):  # also rejects obsolete line folding
            raise _bad("malformed header field", line)
        key = name.decode("ascii").lower()
        text = value.strip(b" \t").decode("latin-1")
        if key == "transfer-encoding":
            raise _bad("Transfer-Encoding is not supported (send Content-Length)", line)
        if key == "content-length":
            lengths.append(text)
        headers.append((key, text))
    return Head(method, target, version, tuple(headers), _content_length(lengths, head))


def head_end(data: bytes | bytearray) -> tuple[int, int] | None:
    """(end of the head, start of the body), or None while the blank line is missing."""
    crlf = data.find(b"\r\n\r\n")
    lf = data.find(b"\n\n")
    if lf >= 0 and (crlf < 0 or lf < crlf):
        return lf, lf + 2
    if crlf >= 0:
        return crlf, crlf + 4
    return None


def parse_request(frame: bytes) -> Request:
    """One whole request (what the framer cut, or a ``decode --framed`` line)."""
    data = frame.lstrip(_EMPTY_LINES)
    bounds = head_end(data)
    if bounds is None:
        # a framed request without a body may lack its final blank line
        bounds = (len(data.rstrip(_EMPTY_LINES)), len(data))
    head = parse_head(data[: bounds[0]])
    body = data[bounds[1] : bounds[1] + head.content_length]
    if len(body) != head.content_length:
        raise _bad(f"body of {len(body)} bytes, Content-Length {head.content_length}", frame)
    return Request(head, body)


class HttpRequestFramer:
    """Cuts whole HTTP requests off a buffer (see the module docstring)."""

    __slots__ = ("max_request", "max_head")

    def __init__(self, max_request: int = MAX_REQUEST_SIZE, max_head: int = MAX_HEAD_SIZE) -> None:
        self.max_request = max_request
        self.max_head = min(max_head, max_request)

    def next_frame(self, buffer: bytearray) -> bytes | None:
        skip = len(buffer) - len(buffer.lstrip(_EMPTY_LINES))
        if skip:
            del buffer[:skip]
        bounds = head_end(buffer)
        if bounds is None:
            if len(buffer) > self.max_head:
                raise _bad(f"request head over {self.max_head} bytes", buffer)
            return None
        end, body_start = bounds
        if end > self.max_head:
            raise _bad(f"request head over {self.max_head} bytes", buffer)
        head = parse_head(bytes(buffer[:end]))
        size = body_start + head.content_length
        if size > self.max_request:
            raise _bad(f"request of {size} bytes over {self.max_request}", buffer)
        if len(buffer) < size:
            return None
        frame = bytes(buffer[:size])
        del buffer[:size]
        return frame
