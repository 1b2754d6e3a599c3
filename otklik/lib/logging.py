"""Structured logs: one JSON object a line (LOG_FORMAT=json), and the request's id on every line.

The request middleware (otklik/ops/middleware.py) puts the request's id and a way to its
user's id into context variables for the time of the request; `RequestContextFilter` copies
them onto every record logged meanwhile, whichever logger writes it, and `JsonFormatter` writes
the record as JSON.

Only whitelisted attributes of a record reach the output: a `extra={"request": …}` or a
record's arguments never dump an object (a request, a user) with personal data into the log.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
# A function giving the id of the request's user once it is known: asked when a line is
# logged, so that logging never makes the request read its session.
user_id_var: ContextVar[Callable[[], int | None] | None] = ContextVar("user_id", default=None)

# Attributes of a record written as fields when set (access lines, commands); nothing else.
FIELDS = (
    "request_id",
    "user_id",
    "method",
    "path",
    "route",
    "status",
    "duration_ms",
    "command",
    "counts",
)


def current_request_id() -> str:
    """The id of the request being served ("" outside a request)."""
    return request_id_var.get()


class RequestContextFilter(logging.Filter):
    """Adds `request_id` and `user_id` of the current request to every record (never drops)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id_var.get()
        if getattr(record, "user_id", None) is None:
            find = user_id_var.get()
            try:
                record.user_id = find() if find is not None else None
            except Exception:
                record.user_id = None
        return True


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time (ISO 8601, UTC), level, logger, message, the request's
    fields when known, and the exception with its traceback as `exception`."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in FIELDS:
            value = getattr(record, field, None)
            if value not in (None, ""):
                entry[field] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
