"""The HTTP API (aiohttp): health, devices, positions, latest, metrics.

Reads through ``storage.base.Reader`` only; never imports ``gateway``. JSON
is the shape of ../shared/contracts/decode-cli.md.

    GET /health
    GET /devices?limit=&after=
    GET /devices/{device_id}/positions?from=&to=&limit=&after=
    GET /positions/latest?limit=&after=
    GET /metrics
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Awaitable, Callable
from urllib.parse import urlencode

import msgspec
from aiohttp import web

from protocols._json import format_time, position_dict
from storage.base import Reader

__all__ = ["build_app", "ApiServer", "MAX_LIMIT", "DEFAULT_LIMIT"]

DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
_json = msgspec.json.Encoder()

READER = web.AppKey("reader", object)
METRICS = web.AppKey("metrics", object)
HEALTH = web.AppKey("health", object)


class BadRequest(Exception):
    pass


def _respond(body: Any, status: int = 200) -> web.Response:
    return web.Response(body=_json.encode(body), status=status, content_type="application/json")


def _error(status: int, message: str) -> web.Response:
    return _respond({"error": message}, status)


def _limit(request: web.Request) -> int:
    text = request.query.get("limit")
    if text is None:
        return DEFAULT_LIMIT
    try:
        value = int(text)
    except ValueError:
        raise BadRequest("limit: not an integer") from None
    if not 1 <= value <= MAX_LIMIT:
        raise BadRequest(f"limit: must be between 1 and {MAX_LIMIT}")
    return value


def _time(request: web.Request, name: str) -> datetime | None:
    text = request.query.get(name)
    if not text:
        return None
    value = text.strip().replace(" ", "+")  # a '+' in a query string arrives as a space
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        if value.isdigit():  # epoch seconds
            return datetime.fromtimestamp(int(value), timezone.utc)
        moment = datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        raise BadRequest(f"{name}: not an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _next_url(request: web.Request, after: str) -> str:
    query = dict(request.query)
    query["after"] = after
    return f"{request.url.path}?{urlencode(query)}"


def _page(request: web.Request, items: list[dict], limit: int, cursor: str | None) -> web.Response:
    nxt = _next_url(request, cursor) if len(items) == limit and cursor is not None else None
    return _respond({"items": items, "next": nxt})


async def health(request: web.Request) -> web.Response:
    check: Callable[[], Awaitable[dict]] = request.app[HEALTH]
    try:
        state = await check()
    except Exception:  # the database is down: say so, do not crash (and never its error text)
        return _respond({"status": "unavailable", "database": "unreachable"}, 503)
    status = 503 if state.get("status") == "unavailable" else 200
    return _respond(state, status)


async def devices(request: web.Request) -> web.Response:
    reader: Reader = request.app[READER]
    limit = _limit(request)
    rows = await reader.devices(limit=limit, after=request.query.get("after"))
    body = [{"device_id": r.device_id, "protocol": r.protocol,
             "first_seen": format_time(r.first_seen), "last_seen": format_time(r.last_seen)}
            for r in rows]
    response = _respond(body)
    if len(rows) == limit and rows:
        response.headers["Link"] = f'<{_next_url(request, rows[-1].device_id)}>; rel="next"'
    return response


async def track(request: web.Request) -> web.Response:
    reader: Reader = request.app[READER]
    device_id = request.match_info["device_id"]
    limit = _limit(request)
    start, end, after = _time(request, "from"), _time(request, "to"), _time(request, "after")
    if start is not None and end is not None and end < start:
        raise BadRequest("to: earlier than from")
    rows = await reader.track(device_id, start=start, end=end, limit=limit, after=after)
    if not rows and not await reader.device_exists(device_id):
        return _error(404, f"unknown device {device_id}")
    items = [position_dict(p) for p in rows]
    cursor = items[-1]["fix_time"] if items else None
    return _page(request, items, limit, cursor)


async def latest(request: web.Request) -> web.Response:
    reader: Reader = request.app[READER]
    limit = _limit(request)
    rows = await reader.latest(limit=limit, after=request.query.get("after"))
    items = [position_dict(p) for p in rows]
    cursor = rows[-1].device_id if rows else None
    return _page(request, items, limit, cursor)


async def metrics(request: web.Request) -> web.Response:
    render: Callable[[], bytes] = request.app[METRICS]
    return web.Response(body=render(), headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})


@web.middleware
async def _errors(request: web.Request, handler: Callable) -> web.StreamResponse:
    try:
        return await handler(request)
    except BadRequest as exc:
        return _error(400, str(exc))


def build_app(reader: Reader, render_metrics: Callable[[], bytes],
              health_check: Callable[[], Awaitable[dict]]) -> web.Application:
    app = web.Application(middlewares=[_errors])
    app[READER] = reader
    app[METRICS] = render_metrics
    app[HEALTH] = health_check
    app.router.add_get("/health", health)
    app.router.add_get("/devices", devices)
    app.router.add_get("/devices/{device_id}/positions", track)
    app.router.add_get("/positions/latest", latest)
    app.router.add_get("/metrics", metrics)
    return app


class ApiServer:
    """Runs the app on the gateway's event loop."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self._runner = web.AppRunner(app, access_log=None)
        self._host, self._port = host, port
        self.port = port

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port, reuse_address=True)
        await site.start()
        server = site._server
        if server is not None and server.sockets:
            self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        await self._runner.cleanup()
