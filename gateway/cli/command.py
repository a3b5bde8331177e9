"""``uvis-gateway command send DEVICE TYPE [--param k=v ...] [--wait S]`` and
``command list DEVICE``: commands to devices for operators without an API
client, through the database (the queue in storage/commands.py), so whichever
gateway process holds the device delivers it.

send prints the command's id and state; with ``--wait S`` it waits until the
command is final (or S seconds pass), prints its final state and the device's
answer, and exits 0 only when the command was answered (1 otherwise, 2 for a
command refused or not valid for the device's protocol).
"""

from __future__ import annotations

import getpass
import json
import sys
from typing import Any

from .run import configure_logging, run_loop, settings_from_args
from ..settings import SettingsError

__all__ = ["main", "parse_params"]


def parse_params(items: list[str] | None) -> dict[str, Any]:
    """``k=v`` pairs; a value that is JSON (60, true, "x") is taken as such, else as text."""
    params: dict[str, Any] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--param {item!r}: expected KEY=VALUE")
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


def _line(row: Any) -> str:
    answer = row.answer_text if row.answer_text is not None else row.answer_hex
    parts = [f"{row.id}", row.state, row.type, json.dumps(row.params, separators=(",", ":")),
             f"by={row.requested_by}", f"created={row.created_at.isoformat()}",
             f"attempts={row.attempts}"]
    if answer is not None:
        parts.append(f"answer={answer!r}")
    if row.answer_meaning:
        parts.append(f"meaning={row.answer_meaning!r}")
    if row.error:
        parts.append(f"error={row.error!r}")
    return "\t".join(parts)


def _check(protocol: str | None, device: str, kind: str, params: dict[str, Any]) -> None:
    from protocols._commands import COMMAND_TYPES, Command
    from protocols.registry import UnknownProtocol, encode_command

    if kind not in COMMAND_TYPES:
        raise ValueError(f"{kind}: unknown command type (known: {', '.join(COMMAND_TYPES)})")
    if protocol is not None:
        try:
            encode_command(protocol, Command(type=kind, params=params), device)
        except UnknownProtocol:
            pass


def _embedded_running(settings: Any) -> bool:
    if settings.database_url is not None:
        return False
    from pathlib import Path

    from storage.embedded import _is_our_postmaster, _read_pidfile

    data_dir = Path(settings.data_dir) / "pg"
    info = _read_pidfile(data_dir)
    return info is not None and _is_our_postmaster(info[0], data_dir)


def main(args: Any) -> int:
    try:
        settings = settings_from_args(args)
        params = parse_params(getattr(args, "param", None))
        if args.action == "send":
            _check(None, args.device, args.type, params)
    except (SettingsError, ValueError) as exc:
        print(f"uvis-gateway command: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level if args.log_level else "WARNING")

    async def go() -> int:
        import asyncpg

        from protocols._commands import CommandError
        from storage import commands as queue

        from ..settings.commands import command_limits
        from ..runtime.database import open_database

        shared = _embedded_running(settings)
        try:
            db = await open_database(settings, max_size=2)
        except (OSError, asyncpg.PostgresError) as exc:
            print(f"uvis-gateway command: the database does not answer ({exc})", file=sys.stderr)
            return 1
        pool = db.store.pool
        try:
            if args.action == "list":
                for row in await queue.list_for_device(pool, args.device, limit=args.limit):
                    print(_line(row))
                return 0
            protocol = await pool.fetchval("SELECT protocol FROM devices WHERE device_id = $1",
                                           args.device)
            try:
                _check(protocol, args.device, args.type, params)
                row = await queue.enqueue(pool, args.device, args.type, params,
                                          f"cli:{getpass.getuser()}", command_limits(settings),
                                          protocol=protocol, ttl=args.ttl)
            except (ValueError, CommandError, queue.CommandRefused) as exc:
                print(f"uvis-gateway command: {exc}", file=sys.stderr)
                return 2
            print(f"command {row.id} {row.state} for {args.device}"
                  f"{'' if protocol else ' (device not seen yet: protocol unknown)'}", file=sys.stderr)
            if args.wait is None:
                print(_line(row))
                return 0
            row = await queue.CommandWaiter(db.url).wait(pool, row.id, args.wait) or row
            print(_line(row))
            return 0 if row.state == "answered" else 1
        finally:
            # the embedded server of a running gateway is the gateway's: never stopped from here
            await (db.store.close() if shared else db.close())

    return run_loop(go)
