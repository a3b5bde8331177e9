"""``uvis-gateway token create|list|revoke``: API tokens.

create prints the secret once, alone on standard output (everything else goes
to standard error), so a script can capture it: ``TOKEN=$(uvis-gateway token
create --name dispatch --scope positions:read)``. Only its SHA-256 is stored.
A running API sees a new or revoked token within its token cache time (2 s).
"""

from __future__ import annotations

import re
import sys
from datetime import datetime, timedelta, timezone
from typing import Any

from .run import configure_logging, run_loop, settings_from_args
from ..settings import SettingsError

__all__ = ["main", "parse_expiry"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,99}$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}


def parse_expiry(text: str | None, now: datetime) -> datetime | None:
    """``90d``, ``12h``, ``1y`` ... or an ISO 8601 time; None: never."""
    if not text or text == "never":
        return None
    match = re.fullmatch(r"(\d{1,6})([smhdwy])", text)
    if match:
        return now + timedelta(seconds=int(match[1]) * _UNITS[match[2]])
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--expires: expected e.g. 90d, 12h, 1y or an ISO 8601 time, got {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _check(args: Any) -> None:
    from api.config import SCOPES

    if args.action == "create":
        if not args.name or not _NAME.match(args.name):
            raise ValueError("--name: 1-100 letters, digits and _ . @ : - (starting with a letter or digit)")
        if not args.scope:
            raise ValueError(f"--scope: at least one of {', '.join(SCOPES)}")
        for scope in args.scope:
            if scope not in SCOPES:
                raise ValueError(f"--scope {scope}: unknown (known: {', '.join(SCOPES)})")
        for group in args.group or ():
            if not group or len(group) > 256 or any(ord(c) < 32 for c in group):
                raise ValueError(f"--group {group!r}: 1-256 printable characters")
    elif args.action == "revoke" and not args.name:
        raise ValueError("revoke: which token? (token revoke NAME)")


def main(args: Any) -> int:
    try:
        settings = settings_from_args(args)
        _check(args)
        expires = parse_expiry(getattr(args, "expires", None), datetime.now(timezone.utc))
    except (SettingsError, ValueError) as exc:
        print(f"uvis-gateway token: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level if args.log_level else "WARNING")

    async def go() -> int:
        import asyncpg

        from storage.api_store import create_token, list_tokens, revoke_token

        from .command import _embedded_running
        from ..runtime.database import open_database

        shared = _embedded_running(settings)  # a running gateway's embedded server stays up
        db = await open_database(settings, max_size=2)
        try:
            async with db.store.pool.acquire() as conn:
                if args.action == "create":
                    try:
                        secret = await create_token(conn, args.name, args.scope, args.group or (), expires)
                    except asyncpg.UniqueViolationError:
                        print(f"uvis-gateway token: a token named {args.name} exists (revoke it, or "
                              "choose another name)", file=sys.stderr)
                        return 1
                    print(f"token {args.name}: scopes {' '.join(args.scope)}; groups "
                          f"{' '.join(args.group) if args.group else '(all devices)'}; expires "
                          f"{expires.isoformat() if expires else 'never'}. The secret is shown once:",
                          file=sys.stderr)
                    print(secret, flush=True)
                    return 0
                if args.action == "revoke":
                    if await revoke_token(conn, args.name):
                        print(f"token {args.name} revoked", file=sys.stderr)
                        return 0
                    print(f"uvis-gateway token: no live token named {args.name}", file=sys.stderr)
                    return 1
                now = datetime.now(timezone.utc)
                for t in await list_tokens(conn):
                    state = ("revoked" if t.revoked_at else
                             "expired" if t.expires_at and t.expires_at <= now else "active")
                    print(f"{t.name}\t{state}\tscopes={','.join(t.scopes)}\t"
                          f"groups={','.join(t.groups) or '*'}\tcreated={t.created_at.isoformat()}\t"
                          f"expires={t.expires_at.isoformat() if t.expires_at else 'never'}")
                return 0
        finally:
            await (db.store.close() if shared else db.close())

    return run_loop(go)
