"""What one peer may cost before it is cut off: error budgets per connection (or
UDP peer), resolved per protocol, and the penalty table of addresses closed for
abuse too often. Nothing here awaits or grows without bound.
"""

from __future__ import annotations

from collections import OrderedDict

import msgspec

from ..settings.limits import LOOSER_BUDGETS, LimitsSettings

__all__ = ["Budget", "ErrorBudget", "PenaltyTable", "error_budget_for"]


class PenaltyTable:
    """Addresses that were closed for abuse ``strikes`` times within ``seconds``
    are refused for ``seconds``. Bounded: the least recently struck entries go
    first."""

    def __init__(self, size: int, strikes: int, seconds: float) -> None:
        self._size = max(1, size)
        self._strikes = max(1, strikes)
        self._seconds = seconds
        #: host -> [strikes in the current window, window start, refused until]
        self._table: OrderedDict[str, list[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._table)

    def strike(self, host: str, now: float) -> bool:
        """Count one offence; True when the address is refused from now on."""
        entry = self._table.pop(host, None)
        if entry is None or now - entry[1] > self._seconds:
            entry = [0, now, entry[2] if entry is not None else 0.0]
        entry[0] += 1
        if entry[0] >= self._strikes:
            entry[2] = now + self._seconds
            entry[0], entry[1] = 0, now
        self._table[host] = entry
        while len(self._table) > self._size:
            self._table.popitem(last=False)
        return entry[2] > now

    def refused(self, host: str, now: float) -> bool:
        entry = self._table.get(host)
        return entry is not None and entry[2] > now

    def penalized(self, now: float) -> int:
        return sum(1 for entry in self._table.values() if entry[2] > now)


class ErrorBudget(msgspec.Struct, frozen=True, kw_only=True):
    """One protocol's error budget, resolved (``error_budget_for``)."""

    frames: int
    bytes: int
    ratio: float
    min_frames: int


_BUDGET_FIELDS = {"error_budget_frames": "frames", "error_budget_bytes": "bytes",
                  "error_ratio": "ratio", "error_ratio_min_frames": "min_frames"}


def error_budget_for(limits: LimitsSettings, protocol: str) -> ErrorBudget:
    """``protocol``'s budget: ``[limits]``, loosened by the protocol's built-in
    default (``LOOSER_BUDGETS``: the looser value applies), then the protocol's
    ``[[limits.protocols]]`` entry, which overrides both."""
    values = {short: getattr(limits, name) for name, short in _BUDGET_FIELDS.items()}
    for name, value in LOOSER_BUDGETS.get(protocol, {}).items():
        short = _BUDGET_FIELDS[name]
        # looser: more frames or bytes, a higher ratio; min_frames: more frames too
        values[short] = max(values[short], type(values[short])(value))
    from protocols.registry import UnknownProtocol, get

    for entry in limits.protocols:
        try:
            name = get(entry.protocol).name
        except UnknownProtocol:
            name = entry.protocol
        if name != protocol:
            continue
        for field, short in _BUDGET_FIELDS.items():
            value = getattr(entry, field)
            if value is not None:
                values[short] = value
    return ErrorBudget(**values)


class Budget:
    """One connection's (or UDP peer's) error budget.

    Before its first valid frame (a login, a position or an event) a peer may
    send ``frames`` bad frames (decode errors, unknown messages) and ``bytes``
    bytes; after it, bad frames may be at most ``ratio`` of the frames, counted
    over at least ``min_frames`` (halved as they go, so old behaviour fades).
    Each method returns the reason to close, or None. The numbers are the
    protocol's (``Guard.budget``).
    """

    __slots__ = ("limits", "valid", "bad", "good", "bytes")

    def __init__(self, limits: ErrorBudget) -> None:
        self.limits = limits
        self.valid = False
        self.bad = 0
        self.good = 0
        self.bytes = 0

    def received(self, size: int) -> str | None:
        if self.valid:
            return None
        self.bytes += size
        if self.bytes > self.limits.bytes:
            return f"no valid frame within {self.limits.bytes} bytes"
        return None

    def good_frame(self) -> None:
        self.valid = True
        self.good += 1
        if self.good + self.bad >= 4 * self.limits.min_frames:
            self.good //= 2
            self.bad //= 2

    def bad_frame(self) -> str | None:
        self.bad += 1
        limits = self.limits
        if not self.valid:
            if self.bad > limits.frames:
                return f"{self.bad} bad frames before a valid one"
            return None
        total = self.good + self.bad
        if total >= limits.min_frames and self.bad > limits.ratio * total:
            return f"{self.bad} of its last {total} frames were bad"
        return None
