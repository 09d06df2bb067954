"""Structured logging: one JSON object per line (UTC time, level, event, and for a request
its id, method, path, client address and user id), through the standard library so any
handler — a file, journald, pytest's caplog — receives it. `audit` records who did what:
sign-ins, refusals, changes to the data. JSON escapes control characters; values under names
that hold secrets are never written."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import structlog

LOGGER_NAME = "reckon"
# One mutable mapping per request, shared by reference: a dependency running in a worker
# thread (which gets a copy of the request's context) can still add the user id to it.
_REQUEST: ContextVar[dict[str, Any] | None] = ContextVar("reckon_request", default=None)
# Defence in depth: whatever a caller passes under these names is not written.
SECRET_NAMES = frozenset({"password", "new_password", "current_password", "token", "secret",
                          "session", "session_id", "cookie", "csrf", "csrf_token",
                          "authorization"})


def _request_fields(_logger: Any, _name: str, event: MutableMapping[str, Any]
                    ) -> MutableMapping[str, Any]:
    for key, value in (_REQUEST.get() or {}).items():
        event.setdefault(key, value)
    return event


def _drop_secrets(_logger: Any, _name: str, event: MutableMapping[str, Any]
                  ) -> MutableMapping[str, Any]:
    for key in SECRET_NAMES & event.keys():
        event[key] = "[not logged]"
    return event


_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    _request_fields,
    _drop_secrets,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


@contextmanager
def request_scope(**fields: Any) -> Iterator[None]:
    """Every event logged while serving one request carries `fields` (and what is bound
    later with bind_request)."""
    token = _REQUEST.set(dict(fields))
    try:
        yield
    finally:
        _REQUEST.reset(token)


def bind_request(**fields: Any) -> None:
    """Add to the current request's fields (e.g. the user id once the visitor is known)."""
    current = _REQUEST.get()
    if current is not None:
        current.update(fields)


def configure_logging(level: str = "INFO") -> None:
    """Route Reckon's events to stderr as JSON lines. Safe to call again (the app factory and
    the CLI both call it): the handler is replaced, never added twice."""
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
    ))
    logger = logging.getLogger(LOGGER_NAME)
    logger.handlers = [handler]
    logger.setLevel(level.upper())


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(f"{LOGGER_NAME}.{name}")
    return logger


_audit = get_logger("audit")


def audit(event: str, *, level: str = "info", **fields: Any) -> None:
    """One event of the audit trail (logger `reckon.audit`): what happened, to what (ids, never
    form values or secrets); the request's id, client, path and user are added."""
    getattr(_audit, level)(event, audit=True, **fields)
