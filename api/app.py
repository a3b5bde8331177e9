"""The integrator API v1 (Litestar): the handlers' types are the OpenAPI
document (GET /openapi.json, GET /docs with Swagger UI from the
swagger-ui-bundle package's files: no internet needed).

    GET   /health                                 open; 503 only when the database does not answer
    GET   /metrics                                metrics:read (open on loopback)
    GET   /api/v1/devices                         devices:read  ?group&protocol&online&limit&after
    GET   /api/v1/devices/{id}                    devices:read  (last position, online, last seen)
    PATCH /api/v1/devices/{id}                    devices:write {name, group, attributes}
    GET   /api/v1/devices/{id}/positions          positions:read ?from&to&limit&after; format=
                                                  json|geojson|csv|gpx (or Accept) streams from..to
    GET   /api/v1/devices/{id}/summary            positions:read ?from&to
    GET   /api/v1/positions/latest                positions:read ?bbox&since&group&limit&after
    GET   /api/v1/events                          events:read ?device&type&from&to&limit&after
    WS    /api/v1/live, GET /api/v1/live/sse      live:read (api/live_routes.py)

A device outside the caller's groups is a 404 everywhere.
"""

from __future__ import annotations

from typing import Annotated, Any, Awaitable, Callable

import asyncpg
import msgspec
from litestar import Litestar, MediaType, Request, Response, Router, get, patch
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.config.cors import CORSConfig
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Components, SecurityScheme
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.response import Stream

from storage.api_store import ApiDevice, ApiEvent, ApiPosition, ApiStore, Summary

from . import params as P
from .config import ApiConfig
from .exports import FORMATS, MEDIA_TYPES, export

__all__ = ["build_litestar", "need", "DEFAULT_LIMIT", "MAX_LIMIT"]

DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"page size, 1..{MAX_LIMIT}")]
After = Annotated[str | None, QueryParameter(
    max_length=1024, description="the cursor from the previous page's `next` (opaque)")]
DeviceId = Annotated[str, PathParameter(description="the device's id (IMEI or the protocol's identity)")]


def _text(max_length: int, description: str | None = None, name: str | None = None) -> Any:
    """An optional text query parameter of at most ``max_length`` characters."""
    return Annotated[str | None, QueryParameter(name=name, max_length=max_length, description=description)]


Text64, Text256 = _text(64), _text(256)
TimeFrom = _text(64, "ISO 8601 or epoch seconds, inclusive", "from")
TimeTo = _text(64, "ISO 8601 or epoch seconds, exclusive", "to")
Bbox = _text(128, "min_lon,min_lat,max_lon,max_lat")
Since = _text(64, "only fixes at or after this time")


class ErrorBody(msgspec.Struct):
    error: str
    status: int


class DevicePage(msgspec.Struct):
    items: list[ApiDevice]
    #: the URL of the next page, or null at the end
    next: str | None


class PositionPage(msgspec.Struct):
    items: list[ApiPosition]
    next: str | None


class EventPage(msgspec.Struct):
    items: list[ApiEvent]
    next: str | None


class DevicePatch(msgspec.Struct, forbid_unknown_fields=True):
    name: str | None | msgspec.UnsetType = msgspec.UNSET
    group: str | None | msgspec.UnsetType = msgspec.UNSET
    attributes: dict[str, Any] | msgspec.UnsetType = msgspec.UNSET


def _errors(*codes: int) -> dict[int, ResponseSpec]:
    text = {400: "a parameter is invalid (the message names it)",
            401: "no valid credential (Authorization: Bearer TOKEN)",
            403: "the credential lacks the scope", 404: "no such device (or not in your groups)",
            429: "rate limit exceeded (Retry-After, RateLimit-* headers)",
            503: "too many requests in flight, or the database is busy (Retry-After)"}
    return {c: ResponseSpec(ErrorBody, generate_examples=False, description=text[c]) for c in codes}


#: what every data endpoint may answer besides 200
ERRORS = _errors(400, 401, 403, 404, 429, 503)


def need(scope: str) -> Callable[[ASGIConnection, BaseRouteHandler], Awaitable[None]]:
    """A route guard: the caller's credential carries ``scope`` (or admin)."""

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        # a coroutine: Litestar runs a plain function guard in a worker thread, a hop per request
        principal = connection.scope.get("user")
        if principal is None or not principal.allows(scope):
            raise PermissionDeniedException(f"this needs the scope {scope}")

    guard.__name__ = f"need_{scope.replace(':', '_')}"
    return guard


def _groups(request: Request) -> tuple[str, ...] | None:
    return request.scope["user"].groups


def _next(request: Request, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    from urllib.parse import urlencode

    query = {k: v for k, v in request.query_params.items() if k not in ("after", "access_token")}
    query["after"] = cursor
    return f"{request.url.path}?{urlencode(query)}"


def _page_response(items: bytes, nxt: str | None) -> Response:
    """``{"items": [...], "next": ...}`` around a page whose JSON PostgreSQL built."""
    return Response(b'{"items":' + items + b',"next":' + msgspec.json.encode(nxt) + b"}",
                    media_type=MediaType.JSON)


def _device_id(device_id: str) -> str:
    return P.text("device_id", device_id)  # type: ignore[return-value]


# -- devices -----------------------------------------------------------------

@get("/devices", guards=[need("devices:read")], responses=ERRORS)
async def list_devices(request: Request, state: State, limit: Limit = DEFAULT_LIMIT,
                       after: After = None,
                       group: Text256 = None, protocol: Text64 = None,
                       online: Annotated[bool | None, QueryParameter(
                           description="seen within the online window")] = None) -> DevicePage:
    """Devices by id; filters: group, protocol, online (seen within the online window)."""
    cursor = P.decode_cursor("d", after, "s")
    store: ApiStore = state.store
    rows = await store.devices(limit=limit, after=cursor[0] if cursor else None, groups=_groups(request),
                               group=P.text("group", group), protocol=P.text("protocol", protocol),
                               online=online)
    nxt = P.encode_cursor("d", rows[-1].device_id) if len(rows) == limit else None
    return DevicePage(items=rows, next=_next(request, nxt))


@get("/devices/{device_id:str}", guards=[need("devices:read")], responses=ERRORS)
async def get_device(request: Request, state: State, device_id: DeviceId) -> ApiDevice:
    """One device with its last position, online state, last seen and protocol."""
    device = await state.store.device(_device_id(device_id), _groups(request))
    if device is None:
        raise NotFoundException(f"unknown device {device_id}")
    return device


@patch("/devices/{device_id:str}", guards=[need("devices:write")], responses=ERRORS)
async def patch_device(request: Request, state: State, device_id: DeviceId,
                       data: JSONBody[DevicePatch]) -> ApiDevice:
    """Set a device's name, group and/or attributes (null clears name or group)."""
    changes: dict[str, Any] = {}
    for field, column in (("name", "name"), ("group", "group_name")):
        value = getattr(data, field)
        if value is not msgspec.UNSET:
            changes[column] = P.text(field, value)
    allowed = _groups(request)
    if "group_name" in changes and allowed is not None and changes["group_name"] not in allowed:
        raise PermissionDeniedException("group: a token limited to groups can move a device only "
                                        "into one of them")
    if data.attributes is not msgspec.UNSET:
        encoded = msgspec.json.encode(data.attributes)
        if len(encoded) > 16384 or b"\\u0000" in encoded:
            raise P.BadRequest("attributes: at most 16 KiB of JSON, no NUL characters")
        changes["attributes"] = data.attributes
    device = await state.store.update_device(_device_id(device_id), _groups(request), changes)
    if device is None:
        raise NotFoundException(f"unknown device {device_id}")
    return device


# -- positions ---------------------------------------------------------------

def _format(request: Request, fmt: str | None) -> str | None:
    if fmt is not None:
        return None if fmt == "page" else fmt
    accept = request.headers.get("accept", "")
    for name in ("geojson", "csv", "gpx"):
        if MEDIA_TYPES[name].split(";")[0] in accept:
            return name
    return None


@get("/devices/{device_id:str}/positions", guards=[need("positions:read")], responses=ERRORS,
     description="A page of fixes in fix-time order (from inclusive, to exclusive). With format= "
                 "json, geojson, csv or gpx (or the Accept header application/geo+json, text/csv, "
                 "application/gpx+xml) the whole range from..to is streamed instead (both required, "
                 "at most max_range_days).")
async def track(request: Request, state: State, device_id: DeviceId,
                start: TimeFrom = None, end: TimeTo = None,
                limit: Limit = DEFAULT_LIMIT, after: After = None,
                format: Annotated[str | None, QueryParameter(
                    pattern="^(page|json|geojson|csv|gpx)$",
                    description="page (default) or an export format")] = None
                ) -> Response[PositionPage]:
    device_id = _device_id(device_id)
    store: ApiStore = state.store
    fmt = _format(request, format)
    t0, t1 = P.time_range(start, end, required=fmt is not None,
                          max_days=state.config.max_range_days if fmt is not None else None)
    if fmt is None:  # a page: the visibility check and the page are one statement
        cursor = P.decode_cursor("p", after, "t")
        page = await store.track_page(device_id, _groups(request), start=t0, end=t1,
                                      after=cursor[0] if cursor else None, limit=limit)
        if page is None:
            raise NotFoundException(f"unknown device {device_id}")
        count, last, items = page
        nxt = P.encode_cursor("p", P.micros(last)) if count == limit and last is not None else None
        return _page_response(items, _next(request, nxt))
    if not await store.visible(device_id, _groups(request)):
        raise NotFoundException(f"unknown device {device_id}")
    assert fmt in FORMATS and t0 is not None and t1 is not None
    headers = {}
    if fmt != "json":
        ext = {"geojson": "geojson", "csv": "csv", "gpx": "gpx"}[fmt]
        headers["content-disposition"] = f'attachment; filename="track.{ext}"'
    return Stream(export(store, fmt, device_id, t0, t1), media_type=MEDIA_TYPES[fmt],
                  headers=headers)  # type: ignore[return-value]


@get("/devices/{device_id:str}/summary", guards=[need("positions:read")], responses=ERRORS)
async def summary(state: State, request: Request, device_id: DeviceId,
                  start: Annotated[str, QueryParameter(name="from", max_length=64, description="inclusive")],
                  end: Annotated[str, QueryParameter(name="to", max_length=64, description="exclusive")]
                  ) -> Summary:
    """Distance, maximum and average speed, moving time, first and last fix over from..to."""
    device_id = _device_id(device_id)
    t0, t1 = P.time_range(start, end, required=True, max_days=state.config.max_range_days)
    found = await state.store.summary(device_id, t0, t1, _groups(request))
    if found is None:
        raise NotFoundException(f"unknown device {device_id}")
    return found


@get("/positions/latest", guards=[need("positions:read")], responses=ERRORS)
async def latest(request: Request, state: State, limit: Limit = DEFAULT_LIMIT,
                 after: After = None,
                 bbox: Bbox = None, since: Since = None, group: Text256 = None) -> Response[PositionPage]:
    """Each device's newest fix, by device id."""
    cursor = P.decode_cursor("l", after, "s")
    count, last, items = await state.store.latest_json(
        limit=limit, after=cursor[0] if cursor else None, groups=_groups(request),
        group=P.text("group", group), since=P.moment("since", since), bbox=P.bbox(bbox))
    nxt = P.encode_cursor("l", last) if count == limit and last is not None else None
    return _page_response(items, _next(request, nxt))  # type: ignore[return-value]


@get("/events", guards=[need("events:read")], responses=ERRORS)
async def events(request: Request, state: State, limit: Limit = DEFAULT_LIMIT,
                 after: After = None,
                 device: Text256 = None,
                 type: Annotated[list[str] | None, QueryParameter(
                     max_items=32, description="event types (repeatable, or a,b)")] = None,
                 start: TimeFrom = None, end: TimeTo = None) -> EventPage:
    """Alarms and the other events by time."""
    t0, t1 = P.time_range(start, end)
    types = [t for value in type or () for t in value.split(",") if t] or None
    for t in types or ():
        P.text("type", t, 64)
    device = P.text("device", device)
    cursor = P.decode_cursor("e", after, "tssi")
    if device is not None and not await state.store.visible(device, _groups(request)):
        raise NotFoundException(f"unknown device {device}")
    rows = await state.store.events(limit=limit, groups=_groups(request), device=device, types=types,
                                    start=t0, end=t1, after=tuple(cursor) if cursor else None)
    nxt = None
    if len(rows) == limit:
        last, key = rows[-1]
        nxt = P.encode_cursor("e", P.micros(last.time), last.device_id, last.type, key)
    return EventPage(items=[e for e, _ in rows], next=_next(request, nxt))


# -- health, metrics, errors -------------------------------------------------

@get("/health", security=[{}], responses={503: ResponseSpec(dict, generate_examples=False,
                                                            description="the database does not answer")})
async def health(state: State) -> Response[dict]:
    """ok, degraded (200) or unavailable (503, the database does not answer). Open."""
    try:
        body = await state.health()
    except Exception:  # never the database's error text
        body = {"status": "unavailable", "database": "unreachable"}
    return Response(body, status_code=503 if body.get("status") == "unavailable" else 200)


@get("/metrics", guards=[need("metrics:read")], media_type="text/plain; version=0.0.4",
     security=[{}, {"bearer": []}], responses=_errors(401, 403, 429, 503))
async def metrics(state: State) -> bytes:
    """Prometheus metrics (open on loopback, else the scope metrics:read)."""
    return state.render_metrics()


def _error(request: Any, exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        status, message = exc.status_code, exc.detail
        extra = getattr(exc, "extra", None)
        if status == 400 and isinstance(extra, list) and extra:
            message = "; ".join(f"{e.get('key', '?')}: {e.get('message', '')}" if isinstance(e, dict)
                                else str(e) for e in extra)
        headers = exc.headers or {}
    elif isinstance(exc, (asyncpg.QueryCanceledError, asyncpg.TooManyConnectionsError,
                          asyncpg.PostgresConnectionError, OSError, TimeoutError)):
        status, message, headers = 503, "the database is busy or unreachable; retry", {"retry-after": "1"}
    elif isinstance(exc, asyncpg.DataError):
        status, message, headers = 400, "a parameter is out of range", {}
    else:
        import logging

        logging.getLogger("uvis.api").exception("unhandled error")
        status, message, headers = 500, "internal error", {}
    return Response(ErrorBody(error=str(message), status=status), status_code=status, headers=headers)


def build_litestar(store: ApiStore, config: ApiConfig, *, health_check: Callable[[], Awaitable[dict]],
                   render_metrics: Callable[[], bytes], hub: Any = None,
                   on_shutdown: list | None = None) -> Litestar:
    from swagger_ui_bundle import swagger_ui_path
    from litestar.static_files import create_static_files_router

    from .commands import COMMAND_ROUTES
    from .forward import FORWARD_ROUTES
    from .live_routes import live_sse, live_ws

    v1 = Router(path="/api/v1", route_handlers=[list_devices, get_device, patch_device, track, summary,
                                               latest, events, live_sse, live_ws, *COMMAND_ROUTES,
                                               *FORWARD_ROUTES])
    docs = SwaggerRenderPlugin(path="/docs", js_url="/docs/static/swagger-ui-bundle.js",
                               css_url="/docs/static/swagger-ui.css",
                               standalone_preset_js_url="/docs/static/swagger-ui-standalone-preset.js")
    openapi = OpenAPIConfig(
        title="UVIS Gateway API", version="1.0.0", path="/", render_plugins=[docs],
        description="Positions, devices, events and a live feed of GPS trackers. Every data endpoint "
                    "needs `Authorization: Bearer TOKEN` (an API token or a JWT).",
        security=[{"bearer": []}],
        components=Components(security_schemes={"bearer": SecurityScheme(
            type="http", scheme="bearer", description="API token (uvis_...) or JWT")}))
    app = Litestar(
        route_handlers=[v1, health, metrics,
                        create_static_files_router("/docs/static", [swagger_ui_path],
                                                   include_in_schema=False)],
        state=State({"store": store, "config": config, "health": health_check,
                     "render_metrics": render_metrics, "hub": hub}),
        openapi_config=openapi,
        exception_handlers={Exception: _error},
        cors_config=CORSConfig(allow_origins=list(config.cors_origins),
                               allow_headers=["authorization", "content-type", "last-event-id"],
                               allow_methods=["GET", "PATCH"]) if config.cors_origins else None,
        request_max_body_size=config.max_body_bytes,
        logging_config=None,  # the process (gateway/cli/run.py or gateway/cli/api.py) configures logging, not the app
        on_shutdown=on_shutdown or [],
        debug=False)
    _document_exports(app)
    return app


def _document_exports(app: Litestar) -> None:
    """The positions endpoint's other answers (format=...): generated from
    the same types, added to its 200 response."""
    from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Reference, Schema

    operation = app.openapi_schema.paths["/api/v1/devices/{device_id}/positions"].get
    content = operation.responses["200"].content
    page = content["application/json"].schema
    positions = Schema(type=OpenAPIType.ARRAY, items=Reference(ref="#/components/schemas/Position"))
    content["application/json"] = OpenAPIMediaType(schema=Schema(one_of=[page, positions]))
    for name in ("geojson", "csv", "gpx"):
        content[MEDIA_TYPES[name]] = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))
