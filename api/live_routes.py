"""Live endpoints: WebSocket /api/v1/live and server-sent events
/api/v1/live/sse. Filters: devices, groups, bbox, kinds (position, event),
types (event types); resume after a message id with ``Last-Event-ID`` (SSE)
or ``?after=`` (both). Each message is
``{"id", "kind", "received_at", "position"|"event": {...}}``; its id is the
record's place in the ingest log."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, AsyncIterator, Mapping

from litestar import Request, WebSocket, get, websocket
from litestar.datastructures import State
from litestar.params import HeaderParameter, QueryParameter
from litestar.response import Stream

from storage.ingest_log import Cursor

from . import params as P
from .app import need
from .auth import Principal
from .live import Dropped, LiveFilter

__all__ = ["live_sse", "live_ws", "live_filter"]

MAX_FILTER_ITEMS = 1000
KEEPALIVE_SECONDS = 15.0


def _items(name: str, value: str | None) -> frozenset[str] | None:
    if value is None or value == "":
        return None
    items = [v for v in value.split(",") if v]
    if len(items) > MAX_FILTER_ITEMS:
        raise P.BadRequest(f"{name}: at most {MAX_FILTER_ITEMS} values")
    return frozenset(P.text(name, v) for v in items)  # type: ignore[misc]


def live_filter(query: Mapping[str, str], principal: Principal) -> LiveFilter:
    for name, value in query.items():
        P.text(name, value, 64 * 1024)
    kinds = _items("kinds", query.get("kinds")) or frozenset({"position", "event"})
    if not kinds <= {"position", "event"}:
        raise P.BadRequest("kinds: position and/or event")
    return LiveFilter(devices=_items("devices", query.get("devices")),
                      groups=_items("groups", query.get("groups")),
                      allowed_groups=frozenset(principal.groups) if principal.groups is not None else None,
                      bbox=P.bbox(query.get("bbox")), kinds=kinds,
                      types=_items("types", query.get("types")))


def _resume(value: str | None) -> Cursor | None:
    if value is None or value == "":
        return None
    try:
        if len(value) > 64:
            raise ValueError
        cursor = Cursor.parse(value)
        if cursor.xid >= 1 << 63 or cursor.seq >= 1 << 63:
            raise ValueError
        return cursor
    except ValueError:
        raise P.BadRequest("after / Last-Event-ID: not a message id") from None


def _q(max_length: int, description: str) -> Any:
    return Annotated[str | None, QueryParameter(max_length=max_length, description=description)]


Devices = _q(65536, "device ids, comma-separated")
Groups = _q(65536, "groups, comma-separated")
Bbox = _q(128, "min_lon,min_lat,max_lon,max_lat")
Kinds = _q(64, "position,event (default both)")
Types = _q(4096, "event types, comma-separated")
After = _q(64, "resume after this message id")


@get("/live/sse", guards=[need("live:read")], media_type="text/event-stream")
async def live_sse(request: Request, state: State,
                   devices: Devices = None, groups: Groups = None, bbox: Bbox = None,
                   kinds: Kinds = None, types: Types = None, after: After = None,
                   last_event_id: Annotated[str | None, HeaderParameter(name="last-event-id",
                                                                         max_length=64)] = None) -> Stream:
    """Server-sent events; reconnecting with Last-Event-ID resumes without a gap."""
    principal: Principal = request.scope["user"]
    flt = live_filter(dict(request.query_params), principal)
    resume = _resume(last_event_id or after)
    hub = state.hub
    try:
        sub = hub.subscribe(flt, principal)
    except Dropped as exc:
        from litestar.exceptions import ServiceUnavailableException

        raise ServiceUnavailableException(str(exc), headers={"retry-after": "5"}) from None

    async def events() -> AsyncIterator[bytes]:
        """SSE frames; every message already queued goes out in one write."""
        stream = sub.messages(resume, KEEPALIVE_SECONDS)
        try:
            yield b": uvis live feed\nretry: 2000\n\n"
            async for item in stream:
                if item is None:
                    yield b": keep-alive\n\n"
                    continue
                chunk = [_frame(*item)]
                while not sub.replaying and not sub.queue.empty() and len(chunk) < 500:
                    nxt = sub.ready()  # what is queued already goes in the same write
                    if nxt is not None:
                        chunk.append(_frame(*nxt))
                yield b"".join(chunk)
        except Dropped as exc:
            yield b"event: close\ndata: " + str(exc).encode() + b"\n\n"
        finally:
            sub.close("gone")

    return Stream(events(), media_type="text/event-stream",
                  headers={"cache-control": "no-cache", "x-accel-buffering": "no"})


def _frame(cursor: Cursor, data: bytes) -> bytes:
    return b"id: " + str(cursor).encode() + b"\nevent: message\ndata: " + data + b"\n\n"


@websocket("/live", guards=[need("live:read")])
async def live_ws(socket: WebSocket, state: State) -> None:
    """WebSocket: the same messages as text frames; closed with code 4008 and a
    reason when the subscriber falls too far behind."""
    principal: Principal = socket.scope["user"]
    await socket.accept()
    try:
        flt = live_filter(dict(socket.query_params), principal)
        resume = _resume(socket.query_params.get("after"))
        sub = state.hub.subscribe(flt, principal)
    except (P.BadRequest, Dropped) as exc:
        await socket.close(code=4400 if isinstance(exc, P.BadRequest) else 4503,
                           reason=str(getattr(exc, "detail", exc))[:120])
        return

    async def pump() -> None:
        async for item in sub.messages(resume, KEEPALIVE_SECONDS):
            if item is not None:
                await socket.send_text(item[1].decode())

    async def watch_close() -> None:
        try:
            while True:
                await socket.receive_data(mode="text")
        except Exception:
            pass

    loop = asyncio.get_running_loop()
    sender, watcher = loop.create_task(pump()), loop.create_task(watch_close())
    sub.on_close = sender.cancel  # dropped while blocked in a send: stop sending at once
    try:
        await asyncio.wait([sender, watcher], return_when=asyncio.FIRST_COMPLETED)
    finally:
        reason = sub.closed
        sub.on_close = None
        sub.close("gone")
        sender.cancel()
        watcher.cancel()
        await asyncio.gather(sender, watcher, return_exceptions=True)
    if reason is not None and reason != "gone":
        try:
            await asyncio.wait_for(socket.close(code=4008, reason=reason[:120]), 2.0)
        except Exception:
            pass
