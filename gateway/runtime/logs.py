"""Logging set-up: ``--log-format text`` (one line per record) or ``json``
(one JSON object per line for Loki or ELK: time, level, logger, message and,
when the record carries them, protocol, peer, device, cause, count,
addresses). Messages are already escaped where they hold device text
(gateway/runtime/log_aggregator.py ``escape``); JSON encoding escapes the rest."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

__all__ = ["JsonFormatter", "configure_logging", "FIELDS"]

#: extra attributes copied into the JSON object when a record has them
FIELDS = ("protocol", "peer", "device", "cause", "count", "addresses", "worker")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                out[name] = value if isinstance(value, (int, float, str, bool)) else str(value)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=True, separators=(",", ":"))


def configure_logging(level: str, fmt: str = "text", stream=None) -> None:
    """A root handler on stderr in the chosen format (like ``logging.basicConfig``:
    left alone when the root logger has handlers already, e.g. under pytest)."""
    root = logging.getLogger()
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    if root.handlers:
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
