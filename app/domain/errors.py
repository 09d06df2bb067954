"""Errors that mean "the request cannot be done as asked". Each carries a kind; the web layer
maps kinds to HTTP statuses and answers them as an HTML page or as JSON."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class ErrorKind(StrEnum):
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    CONFLICT = "conflict"
    FORBIDDEN = "forbidden"
    UNAUTHENTICATED = "unauthenticated"
    THROTTLED = "throttled"


class DomainError(Exception):
    kind: ClassVar[ErrorKind] = ErrorKind.INVALID

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    kind = ErrorKind.NOT_FOUND


class NotAuthenticated(DomainError):
    kind = ErrorKind.UNAUTHENTICATED


class PermissionDenied(DomainError):
    kind = ErrorKind.FORBIDDEN


class ValidationFailed(DomainError):
    """Field-level problems, keyed by field name (e.g. {"low": "…"}), reported together."""

    kind = ErrorKind.INVALID

    def __init__(self, fields: dict[str, str], message: str = "The input has mistakes.") -> None:
        super().__init__(message)
        self.fields = fields


class Conflict(DomainError):
    """The write was based on a version that is no longer current."""

    kind = ErrorKind.CONFLICT

    def __init__(self, message: str, *, current_version: int | None = None) -> None:
        super().__init__(message)
        self.current_version = current_version


class TooManyAttempts(DomainError):
    kind = ErrorKind.THROTTLED

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, round(retry_after / 60))
        super().__init__(
            f"Too many failed sign-ins. Wait {retry_after} seconds"
            f"{'' if retry_after < 60 else f' (about {minutes} min)'} and try again."
        )
        self.retry_after = retry_after


class FigureError(ValueError):
    """A figure or date could not be accepted; the message tells the editor what to do instead."""
