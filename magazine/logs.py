"""Log lines that can be followed from a request to the work it started.

Every request gets an id (``RequestIdMiddleware``: the caller's ``X-Request-ID`` when it is a
sane token, a new one otherwise), held in a context variable from the first middleware until
Django's ``request_finished`` signal.
``RequestIdFilter`` puts it on every log record as ``request_id``; work the request promised
(``magazine.outbox.promise``) stores it on the task's row, and the worker runs the task under
the same id, so the task's log lines carry the id of the request that asked for it.

``JsonFormatter`` writes one JSON object per line (``LOG_FORMAT=json``, for production log
collectors); the text format is for people reading a terminal.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import os
import re
from datetime import UTC, datetime

NO_REQUEST = "-"
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default=NO_REQUEST)
# Letters, digits and . _ : - , up to 128 characters: UUIDs, hex ids, the ids proxies and load
# balancers make. Anything else (spaces, quotes, newlines, very long values) is replaced.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def request_id_from(header: str | None) -> str:
    """The caller's id when it is a sane token, otherwise a new one."""
    if header and SANE_REQUEST_ID.fullmatch(header):
        return header
    return os.urandom(16).hex()  # what uuid4().hex holds, without building a UUID


def current_request_id() -> str:
    """The id of the request (or promised task) being handled; ``"-"`` outside one."""
    return _request_id.get()


def start_request(request_id: str) -> None:
    """Log under ``request_id`` until ``end_request`` (on ``request_finished``): Django logs a
    response's 4xx/5xx line after the last middleware has returned, and a streamed body is
    produced later still."""
    _request_id.set(request_id)


def end_request(**kwargs) -> None:
    _request_id.set(NO_REQUEST)


@contextlib.contextmanager
def request_id_context(request_id: str):
    """Log under ``request_id`` inside the block (blank: as outside any request)."""
    token = _request_id.set(request_id or NO_REQUEST)
    try:
        yield
    finally:
        _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` to every record that passes the handler it is attached to."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


# What every LogRecord has; anything else on a record came from ``extra=`` and is written too.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, and
    ``exception`` (the traceback) and any ``extra=`` fields when present."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", NO_REQUEST),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
