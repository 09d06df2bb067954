"""Signing in and out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.domain.errors import NotAuthenticated, TooManyAttempts
from app.logs import audit
from app.services import accounts
from app.web.deps import FormDep, SessionDep, VisitorDep
from app.web.editor.common import redirect, safe_next
from app.web.forms.fields import field
from app.web.templating import render_page
from app.web.visitor import ANON_COOKIE, SESSION_COOKIE, Visitor, check_csrf, set_cookie

router = APIRouter()


def client_address(request: Request) -> str:
    """The client's address for throttling: the peer, or the address a trusted proxy
    forwarded (uvicorn's proxy headers, trusted only from RECKON_FORWARDED_ALLOW_IPS)."""
    return request.client.host if request.client else "unknown"


def _login_page(request: Request, visitor: Visitor, *, status: int = 200, email: str = "",
                message: str = "", next_url: str = "/") -> Response:
    response = render_page(request, "login.html", status_code=status, email=email,
                           message=message, next_url=next_url)
    if visitor.new_anon_id:
        set_cookie(request, response, ANON_COOKIE, visitor.anon_id, max_age=3600)
    return response


@router.get("/login", response_class=HTMLResponse, name="login")
def login_form(request: Request, visitor: VisitorDep, next: str = "/") -> Response:
    return _login_page(request, visitor, next_url=safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, session: SessionDep, visitor: VisitorDep, form: FormDep) -> Response:
    check_csrf(visitor, field(form, "csrf_token"))
    email, password = field(form, "email"), field(form, "password", strip=False)
    next_url = safe_next(field(form, "next"))
    try:
        user = accounts.authenticate(session, email, password, client_address(request))
    except TooManyAttempts as exc:
        response = _login_page(request, visitor, status=429, email=email, message=exc.message,
                               next_url=next_url)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except NotAuthenticated as exc:
        return _login_page(request, visitor, status=401, email=email, message=exc.message,
                           next_url=next_url)
    accounts.end_session(session, visitor.session_id)
    response = redirect(next_url)
    set_cookie(request, response, SESSION_COOKIE, accounts.start_session(session, user),
               max_age=int(accounts.ABSOLUTE_TIMEOUT.total_seconds()))
    response.delete_cookie(ANON_COOKIE, path="/")
    return response


@router.post("/logout", name="logout")
def logout(request: Request, session: SessionDep, visitor: VisitorDep, form: FormDep) -> Response:
    check_csrf(visitor, field(form, "csrf_token"))
    accounts.end_session(session, visitor.session_id)
    if visitor.actor is not None:
        audit("sign_out")
    response = redirect(request.url_for("home"))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
