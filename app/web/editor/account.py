"""The signed-in editor's own account: their details, changing their password, and their API
tokens (named, listed, created — the token shown once —, revoked one by one)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from app.domain.errors import TooManyAttempts, ValidationFailed
from app.i18n import N_, gettext
from app.models import User, utcnow
from app.services import accounts, users
from app.services.users import NewToken
from app.web.deps import EditorVisitor, FormDep, SessionDep
from app.web.editor.common import redirect
from app.web.editor.signin import client_address
from app.web.forms.fields import field, whole_number
from app.web.templating import render_page
from app.web.visitor import Visitor, check_csrf

router = APIRouter()
_DONE = {
    "password": N_("Your password was changed. Every other browser signed in as you was "
                   "signed out; this one stays signed in."),
    "revoked": N_("The token was revoked: it no longer works."),
}


def _done(done: str) -> str:
    return gettext(_DONE[done]) if done in _DONE else ""


def _me(session: Session, visitor: Visitor) -> User:
    assert visitor.actor is not None  # EditorVisitor guarantees it
    return users.get_user(session, visitor.actor.id)


@router.get("/account", response_class=HTMLResponse, name="account")
def account_page(request: Request, session: SessionDep, visitor: EditorVisitor,
                 done: str = "") -> Response:
    me = _me(session, visitor)
    tokens = users.list_api_tokens(session, me)
    return render_page(request, "account.html", me=me, message=_done(done),
                       open_sessions=accounts.sessions_of(session, me),
                       tokens=len([t for t in tokens if not users.token_expired(t)]))


def _password_page(request: Request, *, status: int = 200,
                   errors: dict[str, str] | None = None, message: str = "") -> Response:
    return render_page(request, "account_password.html", status_code=status,
                       errors=errors or {}, message=message,
                       min_length=users.MIN_PASSWORD_LENGTH)


@router.get("/account/password", response_class=HTMLResponse, name="account_password")
def password_form(request: Request, visitor: EditorVisitor) -> Response:
    return _password_page(request)


@router.post("/account/password", response_class=HTMLResponse)
def change_password(request: Request, session: SessionDep, visitor: EditorVisitor,
                    form: FormDep) -> Response:
    check_csrf(visitor, field(form, "csrf_token"))
    me = _me(session, visitor)
    try:
        accounts.change_password(
            session, me, current=field(form, "current_password", strip=False),
            new=field(form, "new_password", strip=False),
            repeat=field(form, "repeat_password", strip=False),
            client=client_address(request), keep_session=visitor.session_id)
    except TooManyAttempts as exc:
        response = _password_page(request, status=429, message=exc.message)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except ValidationFailed as exc:
        return _password_page(request, status=422, errors=exc.fields)
    return redirect(request.url_for("account").include_query_params(done="password"))


def _tokens_page(request: Request, session: Session, me: User, *, status: int = 200,
                 values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                 created: NewToken | None = None, message: str = "") -> Response:
    response = render_page(
        request, "tokens.html", status_code=status, tokens=users.list_api_tokens(session, me),
        values=values or {}, errors=errors or {}, created=created, message=message,
        now=utcnow(), max_days=users.MAX_TOKEN_DAYS)
    if created is not None:
        response.headers["Cache-Control"] = "no-store"  # the token is on this page, once
    return response


@router.get("/account/tokens", response_class=HTMLResponse, name="account_tokens")
def tokens_page(request: Request, session: SessionDep, visitor: EditorVisitor,
                done: str = "") -> Response:
    return _tokens_page(request, session, _me(session, visitor), message=_done(done))


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token(request: Request, session: SessionDep, visitor: EditorVisitor,
                 form: FormDep) -> Response:
    check_csrf(visitor, field(form, "csrf_token"))
    me = _me(session, visitor)
    values = {"name": field(form, "name")[:200], "expires_in_days": field(form, "expires_in_days")}
    days = whole_number(values["expires_in_days"]) if values["expires_in_days"] else None
    try:
        if values["expires_in_days"] and days is None:
            raise ValidationFailed({"expires_in_days": gettext(
                "Give a whole number of days, or leave it empty for no expiry.")})
        created = users.issue_api_token(session, me, name=values["name"], expires_in_days=days)
    except ValidationFailed as exc:
        return _tokens_page(request, session, me, status=422, values=values, errors=exc.fields)
    return _tokens_page(request, session, me, status=201, created=created)


@router.post("/account/tokens/{token_id}/revoke", response_class=HTMLResponse,
             name="revoke_token")
def revoke_token(request: Request, token_id: int, session: SessionDep, visitor: EditorVisitor,
                 form: FormDep) -> Response:
    check_csrf(visitor, field(form, "csrf_token"))
    users.revoke_api_token(session, _me(session, visitor), token_id)
    return redirect(request.url_for("account_tokens").include_query_params(done="revoked"))
