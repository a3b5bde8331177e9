"""OsmAnd session: HTTP/1.1 requests over one (keep-alive) TCP connection."""

from __future__ import annotations

from datetime import datetime

from .._connection import DEFAULT_OPTIONS, ConnectionOptions, StreamConnection
from .._errors import FramingError, MalformedError
from .._records import Decoded, Event, Position
from ._transistor import decode_json
from .constants import MAX_REQUEST_SIZE, PROTOCOL, SPEED_UNITS
from .decode import decode_query, parse_params
from .encode import BAD_REQUEST, NOT_FOUND, OK
from .framing import HttpRequestFramer, Request, parse_request

__all__ = ["OsmandConnection"]


def _speed_factor(options: ConnectionOptions) -> float:
    unit = options.extra.get("speed", "kn")
    if unit not in SPEED_UNITS:
        raise ValueError(f"osmand: speed unit {unit!r} is not one of {sorted(SPEED_UNITS)}")
    return SPEED_UNITS[unit]  # type: ignore[index]


class OsmandConnection(StreamConnection):
    """One TCP connection carrying HTTP requests; each request names its device."""

    protocol = PROTOCOL

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        super().__init__(HttpRequestFramer(min(options.max_frame_size, MAX_REQUEST_SIZE)),
                         device_id=device_id, options=options)
        self._speed_factor = _speed_factor(options)

    def receive_frame(self, frame: bytes, now: datetime) -> Decoded:
        try:
            request = parse_request(frame)
        except FramingError as exc:  # a whole frame: the stream itself is not at stake
            raise MalformedError(str(exc), data=frame) from None
        content_type = (request.head.header("content-type") or "").lower()
        try:
            if content_type.startswith("application/json"):
                device_id, records, unknown = decode_json(request.body, now)
                reject = NOT_FOUND
            else:
                result = decode_query(self._params(request), now, self._speed_factor)
                device_id, records = result.device_id, [*result.positions, *result.events]
                unknown = result.unknown
                reject = BAD_REQUEST
        except MalformedError:
            # answered 400; deferred like every response so HTTP replies keep request order
            return Decoded(reply=BAD_REQUEST, defer_reply=True)
        login = device_id if device_id != self.device_id else None
        self.device_id = device_id
        positions = tuple(r for r in records if isinstance(r, Position))
        events = tuple(r for r in records if isinstance(r, Event))
        return Decoded(positions=positions, events=events, reply=OK, defer_reply=True,
                       login=login, reject_reply=reject, unknown_items=unknown)

    @staticmethod
    def _params(request: Request) -> dict[str, list[str]]:
        query = request.head.target.partition("?")[2]
        if not query and request.body:
            query = request.body.decode("latin-1")
        return parse_params(query)
