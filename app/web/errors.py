"""Every error answered in the reader's format — an HTML page for pages, JSON for the API —
with the user's words, never internals; database trouble is logged once, with its cause."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
)
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.domain.errors import (
    Conflict,
    DomainError,
    ErrorKind,
    TooManyAttempts,
    ValidationFailed,
)
from app.domain.record_points import FORMAT_HELP as RECORD_POINT_HELP
from app.domain.review import StaleProposal
from app.i18n import N_, gettext
from app.logs import audit, get_logger
from app.services.health import DatabaseState, first_line
from app.web.templating import render_page
from app.web.visitor import CsrfRefused, SignInRequired

log = get_logger("web")

STATUS_OF: dict[ErrorKind, int] = {
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.INVALID: 422,
    ErrorKind.CONFLICT: 409,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.THROTTLED: 429,
}
_HTTP_MESSAGES = {
    404: N_("There is no page at this address."),
    405: N_("This address does not accept that kind of request."),
}
UNAVAILABLE = N_("The database is unavailable. Please try again in a minute.")
RETRY_AFTER = "30"


def wants_html(request: Request) -> bool:
    path = request.url.path
    return not path.startswith("/api") and path != "/openapi.json"


def error_page(request: Request, status: int, message: str,
               headers: dict[str, str] | None = None) -> Response:
    response = render_page(request, "error.html", status_code=status, status=status,
                           message=message)
    response.headers.update(headers or {})
    return response


def error_response(request: Request, status: int, message: str, *, detail: Any = None,
                   headers: dict[str, str] | None = None) -> Response:
    if wants_html(request):
        return error_page(request, status, message, headers)
    return JSONResponse({"detail": message if detail is None else detail},
                        status_code=status, headers=headers)


def _detail(exc: DomainError) -> Any:
    if isinstance(exc, ValidationFailed):
        # The same shape FastAPI uses for request validation, so clients parse one format.
        return [
            {"loc": ["body", *name.split(".")], "msg": msg, "type": "value_error"}
            for name, msg in exc.fields.items()
        ]
    if isinstance(exc, StaleProposal):
        return {"msg": exc.message, "current_version": exc.current_version,
                "proposal_version": exc.proposal_version, "changed_since": exc.changed}
    if isinstance(exc, Conflict):
        return {"msg": exc.message, "current_version": exc.current_version}
    return exc.message


def _headers(exc: DomainError, html: bool) -> dict[str, str]:
    if isinstance(exc, TooManyAttempts):
        return {"Retry-After": str(exc.retry_after)}
    if exc.kind == ErrorKind.UNAUTHENTICATED and not html:
        return {"WWW-Authenticate": "Bearer"}
    return {}


def _expected(error: dict[str, Any]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    name = str(error["loc"][-1])
    if kind == "record_point":
        return gettext("‘%(name)s’ should be %(help)s", name=name,
                       help=gettext(RECORD_POINT_HELP))
    if kind.startswith(("date", "datetime")):
        return gettext("‘%(name)s’ should be a real date written YYYY-MM-DD, such as "
                       "2025-01-31", name=name)
    if kind.startswith("int"):
        return gettext("‘%(name)s’ should be a whole number", name=name)
    if kind in ("greater_than_equal", "greater_than"):
        return gettext("‘%(name)s’ should be a number of at least %(limit)s", name=name,
                       limit=ctx.get("ge", ctx.get("gt")))
    if kind in ("less_than_equal", "less_than"):
        return gettext("‘%(name)s’ should be a number of at most %(limit)s", name=name,
                       limit=ctx.get("le", ctx.get("lt")))
    if kind == "string_too_long":
        return gettext("‘%(name)s’ should be at most %(limit)s characters long", name=name,
                       limit=ctx.get("max_length"))
    if kind == "missing":
        return gettext("‘%(name)s’ should be given", name=name)
    return gettext("‘%(name)s’ should be written differently", name=name)


def plain_address_problem(errors: list[dict[str, Any]]) -> str:
    """What is wrong with the address, in a reader's words: one whole sentence per mistake
    inside one translated sentence."""
    return gettext("The address has a mistake: %(problems)s.",
                   problems="; ".join(_expected(e) for e in errors))


def _field_names(errors: list[dict[str, Any]]) -> list[str]:
    """Where each mistake is ("body.low", "query.as_of_to"), never what was sent."""
    return sorted({".".join(str(part) for part in e["loc"]) for e in errors})


def _audit_domain_error(exc: DomainError) -> None:
    if isinstance(exc, CsrfRefused):
        audit("csrf_refused", level="warning")
    elif exc.kind == ErrorKind.FORBIDDEN:
        audit("permission_denied", level="warning", reason=exc.message)
    elif isinstance(exc, ValidationFailed):
        audit("validation_failed", fields=sorted(exc.fields))


def database_trouble(request: Request, exc: DBAPIError,
                     database_state: Callable[[], DatabaseState]) -> Response | None:
    """503 (logged as `database_unavailable`) when the database is down or not migrated, or
    failed this request and is back already; None for bad SQL on a healthy database, a bug.
    The log names the error class and the driver's first line, never the SQL parameters."""
    state = database_state()
    if state.ok and isinstance(exc, ProgrammingError):
        return None
    orig = getattr(exc, "orig", None)
    audit("database_unavailable", level="error", reason=state.problem or "database error",
          error=type(exc).__name__,
          driver_error=type(orig).__name__ if orig is not None else None,
          cause=state.cause or first_line(exc))
    return error_response(request, 503, gettext(UNAVAILABLE),
                          headers={"Retry-After": RETRY_AFTER})


def register_error_handlers(app: FastAPI, database_state: Callable[[], DatabaseState]) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        _audit_domain_error(exc)
        html = wants_html(request)
        return error_response(request, STATUS_OF[exc.kind], exc.message, detail=_detail(exc),
                              headers=_headers(exc, html) or None)

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(exc.location, status_code=303)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # The offending input is left out: it may be NaN or Infinity, which JSON cannot carry.
        errors = [
            {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()
        ]
        audit("validation_failed", fields=_field_names(errors))
        return error_response(request, 422, plain_address_problem(list(exc.errors())),
                              detail=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        headers = getattr(exc, "headers", None)
        if wants_html(request):
            known = _HTTP_MESSAGES.get(exc.status_code)
            message = gettext(known) if known else str(exc.detail)
            return error_page(request, exc.status_code, message, headers)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                            headers=headers)

    @app.exception_handler(IntegrityError)
    @app.exception_handler(DataError)
    async def _refused(request: Request, exc: DBAPIError) -> Response:
        # Last line of defence: input that slipped past validation and was refused by a
        # database constraint is the client's mistake, not a crash — but a gap to close.
        log.warning("database_refused_input", path=request.url.path, cause=first_line(exc))
        return error_response(request, 422, gettext("The database refused this input."))

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(ProgrammingError)
    def _database(request: Request, exc: DBAPIError) -> Response:
        answer = database_trouble(request, exc, database_state)
        if answer is None:
            raise exc  # a bug, not an outage: the request middleware logs it and answers 500
        return answer
