"""Commands to devices (the durable queue in storage/commands.py; the gateway
process that holds the device delivers it):

    POST   /api/v1/devices/{id}/commands       commands:write (+ commands:immobilise for
                                               engineStop/engineResume) {type, params, ttl}; wait=S
    GET    /api/v1/devices/{id}/commands       commands:write  newest first ?limit&before
    GET    /api/v1/devices/{id}/command-types  commands:write  the types the device's protocol carries
    GET    /api/v1/commands/{cid}              commands:write  ?wait=S: until final or S seconds
    DELETE /api/v1/commands/{cid}              commands:write  cancel a queued command (409 otherwise)

``wait=S`` holds the request until the command is answered (or failed,
expired, cancelled) or S seconds pass; the answer is the command as it is then.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, delete, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, PathParameter, QueryParameter

from protocols._commands import COMMAND_TYPES, Command, CommandError
from protocols.registry import UnknownProtocol, encode_command, supported_commands
from storage import commands as queue
from storage.commands import CommandRefused, CommandRow, CommandWaiter

from . import params as P
from .app import ERRORS, DeviceId, ErrorBody, need

__all__ = ["COMMAND_ROUTES"]

#: command types that also need the scope commands:immobilise
IMMOBILISE = frozenset({"engineStop", "engineResume"})
MAX_WAIT = 120.0


class NewCommand(msgspec.Struct, forbid_unknown_fields=True):
    type: str
    params: dict[str, Any] = {}
    #: seconds the command may wait for the device (at most the configured TTL)
    ttl: float | None = None


class CommandPage(msgspec.Struct):
    items: list[CommandRow]


class CommandTypes(msgspec.Struct):
    protocol: str | None
    types: list[str]


Wait = Annotated[float | None, QueryParameter(
    ge=0, le=MAX_WAIT, description=f"hold the request until the command is final or this many "
                                   f"seconds pass (at most {MAX_WAIT:g})")]
CommandId = Annotated[int, PathParameter(description="the command's id")]


async def _device(request: Request, state: State, device_id: str) -> tuple[str, str | None]:
    device_id = P.text("device_id", device_id)  # type: ignore[assignment]
    store = state.store
    if not await store.visible(device_id, request.scope["user"].groups):
        raise NotFoundException(f"unknown device {device_id}")
    protocol = await store.pool.fetchval("SELECT protocol FROM devices WHERE device_id = $1", device_id)
    return device_id, protocol


def _waiter(state: State) -> CommandWaiter:
    waiter = state.get("command_waiter")
    if waiter is None:
        waiter = state.command_waiter = CommandWaiter(state.store.pool)
    return waiter


def _check(protocol: str | None, body: NewCommand, device_id: str) -> None:
    """400 unless the device's protocol carries this type with these parameters."""
    if body.type not in COMMAND_TYPES:
        raise P.BadRequest(f"type: unknown command type {body.type!r} (known: {', '.join(COMMAND_TYPES)})")
    if len(msgspec.json.encode(body.params)) > 4096:
        raise P.BadRequest("params: at most 4 KiB of JSON")
    if protocol is None:
        return
    try:
        encode_command(protocol, Command(type=body.type, params=body.params), device_id)
    except CommandError as exc:
        raise P.BadRequest(f"{exc}") from None
    except UnknownProtocol:
        pass


@post("/devices/{device_id:str}/commands", guards=[need("commands:write")], status_code=201,
      responses=ERRORS)
async def send_command(request: Request, state: State, device_id: DeviceId,
                       data: JSONBody[NewCommand], wait: Wait = None) -> Response[CommandRow]:
    """Queue a command for the device; with ``wait`` the answer comes back in this response
    (201 with the command in its state then: answered, or still queued/sent)."""
    principal = request.scope["user"]
    if data.type in IMMOBILISE and not principal.allows("commands:immobilise"):
        raise PermissionDeniedException(f"{data.type} needs the scope commands:immobilise too")
    device_id, protocol = await _device(request, state, device_id)
    _check(protocol, data, device_id)
    if data.ttl is not None and data.ttl <= 0:
        raise P.BadRequest("ttl: must be positive")
    try:
        row = await queue.enqueue(state.store.pool, device_id, data.type, data.params, principal.name,
                                  state.config.commands, protocol=protocol, ttl=data.ttl)
        if wait:
            row = await _waiter(state).wait(state.store.pool, row.id, wait) or row
    except CommandRefused as exc:
        return Response(ErrorBody(error=str(exc), status=exc.status), status_code=exc.status,  # type: ignore
                        headers={"retry-after": "60"} if exc.status == 429 else {})
    return Response(row, status_code=201)


@get("/devices/{device_id:str}/commands", guards=[need("commands:write")], responses=ERRORS)
async def list_commands(request: Request, state: State, device_id: DeviceId,
                        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
                        before: Annotated[int | None, QueryParameter(
                            ge=1, description="ids below this one")] = None) -> CommandPage:
    """The device's commands, newest first."""
    device_id, _ = await _device(request, state, device_id)
    return CommandPage(items=await queue.list_for_device(state.store.pool, device_id, limit=limit,
                                                         before=before))


@get("/devices/{device_id:str}/command-types", guards=[need("commands:write")], responses=ERRORS)
async def command_types(request: Request, state: State, device_id: DeviceId) -> CommandTypes:
    """The command types the device's protocol carries (Traccar's names)."""
    device_id, protocol = await _device(request, state, device_id)
    try:
        types = supported_commands(protocol) if protocol else []
    except UnknownProtocol:
        types = []
    return CommandTypes(protocol=protocol, types=types)


async def _command(request: Request, state: State, command_id: int) -> CommandRow:
    row = await queue.get(state.store.pool, command_id)
    if row is None or not await state.store.visible(row.device_id, request.scope["user"].groups):
        raise NotFoundException(f"unknown command {command_id}")
    return row


@get("/commands/{command_id:int}", guards=[need("commands:write")], responses=ERRORS)
async def get_command(request: Request, state: State, command_id: CommandId,
                      wait: Wait = None) -> CommandRow:
    """One command: state, times, the bytes sent (hex), the device's answer."""
    row = await _command(request, state, command_id)
    if wait and row.state not in queue.FINAL:
        row = await _waiter(state).wait(state.store.pool, command_id, wait) or row
    return row


@delete("/commands/{command_id:int}", guards=[need("commands:write")], status_code=200,
        responses={**ERRORS, 409: ResponseSpec(ErrorBody, generate_examples=False,
                                                description="the command is not queued any more")})
async def cancel_command(request: Request, state: State, command_id: CommandId) -> Response[CommandRow]:
    """Cancel a queued command (409 when it was already sent or is final)."""
    row = await _command(request, state, command_id)
    cancelled = await queue.cancel(state.store.pool, command_id, request.scope["user"].name)
    if cancelled is None:
        latest = await queue.get(state.store.pool, command_id) or row
        return Response(ErrorBody(error=f"command {command_id} is {latest.state}, not queued",  # type: ignore
                                  status=409), status_code=409)
    return Response(cancelled)


COMMAND_ROUTES = [send_command, list_commands, command_types, get_command, cancel_command]
