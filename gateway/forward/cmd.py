"""``uvis-gateway forward list|redrive``: the dead letters of the destinations.

list: the dead letters not re-driven yet (``--all``: re-driven ones too):
id, destination, when, attempts, device, message id, reason.

redrive [--destination NAME] [--id N ...]: send them again to their
destination (as configured: ``--config`` and/or ``--forward URL``), in id
order, each as it was first built (same message id, same body); the ones the
destination acknowledges are marked re-driven, the others stay.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["main", "redrive"]


async def redrive(pool: Any, destinations: dict[str, Any], *, only: str | None = None,
                  ids: list[int] | None = None, batch: int = 500) -> dict[str, int]:
    """Re-drive the open dead letters; ``destinations``: name -> settings.
    Returns counts: sent, failed, unknown (no such destination configured)."""
    from storage import forward_store

    from .destinations import make_destination
    from .messages import message_from_payload

    stats = {"sent": 0, "failed": 0, "unknown": 0}
    opened: dict[str, Any] = {}
    try:
        after = 0
        while True:
            letters = await forward_store.dead_letters(pool, destination=only, ids=ids,
                                                       limit=batch, after_id=after)
            if not letters:
                return stats
            after = letters[-1].id
            by_dest: dict[str, list] = {}
            for letter in letters:
                by_dest.setdefault(letter.destination, []).append(letter)
            for name, group in by_dest.items():
                if name not in destinations:
                    stats["unknown"] += len(group)
                    continue
                if name not in opened:
                    opened[name] = make_destination(destinations[name])
                    await opened[name].open()
                messages = [message_from_payload(bytes(letter.payload)) for letter in group]
                failures = await opened[name].send(messages)
                failed = {id(m) for m, _ in failures}
                done = [letter.id for letter, m in zip(group, messages) if id(m) not in failed]
                await forward_store.mark_redriven(pool, done)
                stats["sent"] += len(done)
                stats["failed"] += len(group) - len(done)
    finally:
        for destination in opened.values():
            await destination.close()


def main(args: Any) -> int:
    from ..cli.run import configure_logging, run_loop, settings_from_args
    from ..settings import SettingsError

    try:
        settings = settings_from_args(args)
    except SettingsError as exc:
        print(f"uvis-gateway forward: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level if args.log_level else "WARNING")

    async def go() -> int:
        from storage import forward_store

        from ..runtime.database import open_database

        db = await open_database(settings, max_size=2)
        try:
            pool = db.store.pool
            if args.action == "list":
                letters = await forward_store.dead_letters(
                    pool, destination=args.destination, redriven=None if args.all else False,
                    ids=args.id, limit=args.limit)
                for d in letters:
                    state = f"\tredriven {d.redriven_at.isoformat()}" if d.redriven_at else ""
                    print(f"{d.id}\t{d.destination}\t{d.dead_at.isoformat()}\t{d.attempts}\t"
                          f"{d.device_id}\t{d.message_id}\t{d.reason}{state}")
                print(f"{len(letters)} dead letters", file=sys.stderr)
                return 0
            configured = {d.name: d for d in settings.forward.destinations}
            stats = await redrive(pool, configured, only=args.destination, ids=args.id)
            print(f"re-drove {stats['sent']} dead letters; {stats['failed']} failed again, "
                  f"{stats['unknown']} belong to destinations not configured here")
            return 0 if not stats["failed"] and not stats["unknown"] else 1
        finally:
            await db.close()

    return run_loop(go)
