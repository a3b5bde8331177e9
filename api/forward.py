"""Forwarding's dead letters (storage/forward_store.py): what a destination
refused for longer than its retry budget. Re-driving is the operator's
command (`uvis-gateway forward redrive`), so the API only shows them:

    GET /api/v1/forward/dead-letters   admin   ?destination&after&limit&redriven
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import get
from litestar.datastructures import State
from litestar.params import Parameter

from storage.forward_store import dead_letters

from . import params as P
from .app import ERRORS, need

__all__ = ["FORWARD_ROUTES", "ApiDeadLetter"]


class ApiDeadLetter(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    destination: str
    #: the message's stable id (consumers drop repeats by it)
    message_id: str
    kind: str
    device_id: str
    #: the message as it would have been published (JSON text)
    payload: str
    reason: str
    attempts: int
    first_try: datetime
    dead_at: datetime
    redriven_at: datetime | None


class DeadLetterPage(msgspec.Struct):
    items: list[ApiDeadLetter]
    #: pass as ``after`` for the next page; null on the last one
    next: int | None


@get("/forward/dead-letters", guards=[need("admin")], responses=ERRORS)
async def list_dead_letters(
        state: State, destination: str | None = Parameter(default=None, max_length=200),
        after: int = Parameter(default=0, ge=0, le=2 ** 62),
        limit: int = Parameter(default=100, ge=1, le=1000),
        redriven: bool | None = Parameter(default=False, description="false (default): only those "
                                          "not re-driven; true: only re-driven ones")) -> DeadLetterPage:
    """Dead letters by id, oldest first (scope ``admin``)."""
    destination = P.text("destination", destination)
    rows = await dead_letters(state.store.pool, destination=destination, redriven=redriven,
                              limit=limit, after_id=after)
    items = [ApiDeadLetter(id=r.id, destination=r.destination, message_id=r.message_id, kind=r.kind,
                           device_id=r.device_id, payload=bytes(r.payload).decode("utf-8", "replace"),
                           reason=r.reason, attempts=r.attempts, first_try=r.first_try,
                           dead_at=r.dead_at, redriven_at=r.redriven_at) for r in rows]
    return DeadLetterPage(items=items, next=items[-1].id if len(items) == limit else None)


FORWARD_ROUTES = [list_dead_letters]
