"""Server -> device: HTTP/1.1 responses (exact bytes).

Traccar answers a usable request ``200 OK`` with an empty body, or with the
text of one queued command (that is how Traccar Client receives commands).
"""

from __future__ import annotations

__all__ = ["encode_response", "OK", "BAD_REQUEST", "NOT_FOUND"]

_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found"}


def encode_response(status: int, body: bytes = b"") -> bytes:
    """``HTTP/1.1 <status> <reason>`` + Content-Length (+ a text body when there is one)."""
    head = f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
    if body:
        head += "Content-Type: text/plain; charset=utf-8\r\n"
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode("ascii") + body


#: ``HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n``
OK = encode_response(200)
BAD_REQUEST = encode_response(400)
NOT_FOUND = encode_response(404)
