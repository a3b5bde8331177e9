"""The ``[limits]`` table: what one peer may cost the gateway (HAProxy's
``maxconn`` and ``timeout http-request``, nginx's ``limit_conn`` and
``client_header_timeout``). Enforced by gateway/runtime/guard.py; every field is
documented in gateway/cli/config.py's DOCS."""

from __future__ import annotations

import msgspec

__all__ = ["LimitsSettings", "ProtocolBudgetSettings", "LOOSER_BUDGETS"]


class ProtocolBudgetSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One protocol's error budget (``[[limits.protocols]]``): each field left
    out keeps the value of ``[limits]`` (or the protocol's looser built-in
    default, ``LOOSER_BUDGETS``)."""

    #: registry name or alias of the protocol (gt06, h02, nmea ...)
    protocol: str
    error_budget_frames: int | None = None
    error_budget_bytes: int | None = None
    error_ratio: float | None = None
    error_ratio_min_frames: int | None = None


#: Protocols whose healthy devices send many frames the decoder keeps as
#: unknown, with the facts: a built-in default only ever loosens ``[limits]``
#: (the looser of the two applies); ``[[limits.protocols]]`` overrides both.
LOOSER_BUDGETS: dict[str, dict[str, float]] = {
    # NMEA 0183 receivers stream GSA, GSV (one sentence per 4 satellites in
    # view, up to 4 per fix) and VTG besides the RMC/GGA we decode: a common
    # second is GGA, GSA, GSV x3, RMC, VTG, 5 of 7 lines "unknown" (71 %), over
    # the default ratio of 0.5 (protocols/nmea: other addresses become
    # UnknownMessage). Before an identity line these sentences are not counted.
    "nmea": {"error_ratio": 0.9},
}


class LimitsSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    #: device TCP connections open at once (all listeners of this process)
    max_connections: int = 50_000
    #: ... from one source address
    max_connections_per_address: int = 1_000
    #: ... that have not sent a valid frame yet
    max_prelogin_connections: int = 10_000
    #: networks (CIDR) the per-address cap and the penalty table leave alone:
    #: local proxies and load generators (the other caps still apply)
    exempt_networks: tuple[str, ...] = ("127.0.0.0/8", "::1/128")
    #: file descriptors kept free for the API, the database and the logs: past
    #: RLIMIT_NOFILE minus this, device listeners stop accepting (gateway/transports/listener.py)
    fd_reserve: int = 256
    #: seconds a connection has for its first valid frame (login)
    login_timeout: float = 60.0
    #: seconds a started frame (or HTTP request head) has to complete
    frame_timeout: float = 30.0
    #: before the first valid frame: bad frames (errors, unknown messages) and
    #: bytes a connection may send before it is closed
    error_budget_frames: int = 10
    error_budget_bytes: int = 65_536
    #: after it: the share of bad frames that closes the connection, counted
    #: over at least error_ratio_min_frames frames
    error_ratio: float = 0.5
    error_ratio_min_frames: int = 50
    #: frames one connection may decode per event-loop turn (the rest waits a turn)
    read_budget_frames: int = 256
    #: closes for abuse within penalty_seconds after which the address is
    #: refused for penalty_seconds (a table of penalty_table_size addresses)
    penalty_strikes: int = 3
    penalty_seconds: float = 300.0
    penalty_table_size: int = 100_000
    #: seconds between two aggregated log lines of one cause
    log_interval: float = 10.0
    #: raw archive: frames kept per second (all peers, and per peer), bytes per
    #: second, and the bytes kept of one frame
    archive_frames_per_second: int = 500
    archive_frames_per_peer_second: int = 5
    archive_bytes_per_second: int = 1_000_000
    archive_max_frame_bytes: int = 4096
    #: raw archive retention: frames older than this many hours are deleted
    #: (checked every minute; none: keep)
    archive_retention_hours: float | None = 168.0
    #: per-protocol error budgets (error_budget_frames, error_budget_bytes,
    #: error_ratio, error_ratio_min_frames); kept last: [[limits.protocols]]
    #: tables close the [limits] table in TOML
    protocols: tuple[ProtocolBudgetSettings, ...] = ()
