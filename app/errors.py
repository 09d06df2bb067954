"""Domain errors carry their HTTP status; handlers answer them as JSON (pages handle their own)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, OperationalError


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def detail(self) -> Any:
        return self.message


class NotFound(DomainError):
    status_code = 404


class NotAuthenticated(DomainError):
    status_code = 401


class PermissionDenied(DomainError):
    status_code = 403


class ValidationFailed(DomainError):
    """Field-level problems, keyed by field name (e.g. {"low": "…"}), reported together."""

    status_code = 422

    def __init__(self, fields: dict[str, str], message: str = "The input has mistakes.") -> None:
        super().__init__(message)
        self.fields = fields

    def detail(self) -> Any:
        # The same shape FastAPI uses for request validation, so clients parse one format.
        return [
            {"loc": ["body", *name.split(".")], "msg": msg, "type": "value_error"}
            for name, msg in self.fields.items()
        ]


class Conflict(DomainError):
    """The write was based on a version that is no longer current."""

    status_code = 409

    def __init__(self, message: str, *, current_version: int | None = None) -> None:
        super().__init__(message)
        self.current_version = current_version

    def detail(self) -> Any:
        return {"msg": self.message, "current_version": self.current_version}


def register_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse({"detail": exc.detail()}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # The offending input is left out: it may be NaN or Infinity, which JSON cannot carry.
        errors = [
            {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(IntegrityError)
    @app.exception_handler(DataError)
    async def _refused(request: Request, exc: DBAPIError) -> JSONResponse:
        # Last line of defence: input that slipped past validation and was refused by a
        # database constraint is the client's mistake, not a crash.
        return JSONResponse({"detail": "The database refused this input."}, status_code=422)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def _unavailable(request: Request, exc: DBAPIError) -> JSONResponse:
        return JSONResponse({"detail": "The database is unavailable."}, status_code=503)
