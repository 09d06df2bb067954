"""Domain errors carry their HTTP status; handlers answer them as JSON (pages handle their own)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException


class DomainError(Exception):
    status_code = 400
    # Where a page request should be sent instead of an error page (e.g. to sign in).
    location: str | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def detail(self) -> Any:
        return self.message

    def headers(self) -> dict[str, str]:
        return {}


class NotFound(DomainError):
    status_code = 404


class NotAuthenticated(DomainError):
    status_code = 401

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


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


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api") and request.url.path != "/openapi.json"


def _html_error(request: Request, status: int, message: str) -> Response:
    from app.pages import templates  # the pages module imports this one

    context = {"status": status, "message": message,
               "visitor": getattr(request.state, "visitor", None)}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


def register_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        if _wants_html(request):
            if exc.location:
                return RedirectResponse(exc.location, status_code=303)
            response = _html_error(request, exc.status_code, exc.message)
            response.headers.update(exc.headers())
            return response
        return JSONResponse({"detail": exc.detail()}, status_code=exc.status_code,
                            headers=exc.headers() or None)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # The offending input is left out: it may be NaN or Infinity, which JSON cannot carry.
        errors = [
            {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()
        ]
        if _wants_html(request):
            where = ", ".join(f"{e['loc'][-1]}: {e['msg']}" for e in errors)
            return _html_error(request, 422, f"The address has a mistake ({where}).")
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_html(request) and exc.status_code == 404:
            return _html_error(request, 404, "There is no page at this address.")
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

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
