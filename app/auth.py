"""Who is making the request: API bearer tokens, browser sessions, CSRF tokens and roles."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Receive, Scope, Send

from app.db import SessionDep
from app.errors import DomainError, NotAuthenticated, PermissionDenied
from app.models import User
from app.services import accounts, users

SESSION_COOKIE = "reckon_session"
ANON_COOKIE = "reckon_anon"
_bearer = HTTPBearer(auto_error=False, description="A token from `reckon user token EMAIL`.")


# ---- API ---------------------------------------------------------------------------------

def api_editor(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    if credentials is None:
        raise NotAuthenticated("Sign in: send 'Authorization: Bearer <token>'.")
    user = users.user_for_token(session, credentials.credentials)
    if user is None:
        raise NotAuthenticated("The API token is unknown, revoked, or its user is disabled.")
    if user.role not in ("editor", "admin"):
        raise PermissionDenied("Only editors may change estimates.")
    return user


CurrentEditor = Annotated[User, Depends(api_editor)]


def api_admin(user: CurrentEditor) -> User:
    if user.role != "admin":
        raise PermissionDenied("Only admins may do this.")
    return user


CurrentAdmin = Annotated[User, Depends(api_admin)]


# ---- browser sessions --------------------------------------------------------------------

@dataclass
class Visitor:
    """The browser behind a page request: signed in or not, and its CSRF token."""

    user: User | None
    session_id: str | None
    anon_id: str
    new_anon_id: bool
    csrf_token: str
    # Copied out of the ORM object so an error page can still show them after a rollback.
    name: str = ""
    role: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _csrf_token(secret: str, binding: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{binding}".encode(), hashlib.sha256).hexdigest()


def get_visitor(request: Request, session: SessionDep) -> Visitor:
    secret: str = request.app.state.settings.secret_key
    active = accounts.session_user(session, request.cookies.get(SESSION_COOKIE))
    anon = request.cookies.get(ANON_COOKIE, "")
    new_anon = not (16 <= len(anon) <= 100)
    if new_anon:
        anon = secrets.token_urlsafe(24)
    binding = f"session:{active.raw_id}" if active else f"anon:{anon}"
    visitor = Visitor(
        user=active.user if active else None,
        session_id=active.raw_id if active else None,
        anon_id=anon,
        new_anon_id=new_anon,
        csrf_token=_csrf_token(secret, binding),
        name=active.user.display_name if active else "",
        role=active.user.role if active else "",
    )
    request.state.visitor = visitor
    return visitor


VisitorDep = Annotated[Visitor, Depends(get_visitor)]


class SignInRequired(DomainError):
    """A page that needs an editor, asked for by someone signed out: send them to sign in."""

    status_code = 303

    def __init__(self, next_url: str) -> None:
        super().__init__("Sign in to continue.")
        self.location = f"/login?next={quote(next_url, safe='/?=&')}"


def page_editor(request: Request, visitor: VisitorDep) -> Visitor:
    if visitor.user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target if request.method == "GET" else request.url.path)
    return visitor


def page_admin(visitor: Annotated[Visitor, Depends(page_editor)]) -> Visitor:
    if not visitor.is_admin:
        raise PermissionDenied("Only admins may manage users.")
    return visitor


EditorVisitor = Annotated[Visitor, Depends(page_editor)]
AdminVisitor = Annotated[Visitor, Depends(page_admin)]


def check_csrf(visitor: Visitor, token: str | None) -> None:
    if not token or not hmac.compare_digest(token, visitor.csrf_token):
        raise PermissionDenied(
            "This form has expired or did not come from Reckon. Reload the page and try again."
        )


def set_cookie(request: Request, response: Response, key: str, value: str,
               *, max_age: int) -> None:
    """Every cookie Reckon sets: out of reach of scripts, not sent on cross-site posts."""
    response.set_cookie(key, value, max_age=max_age, httponly=True, samesite="lax",
                        secure=bool(request.app.state.settings.secure_cookies), path="/")


# ---- cross-site request refusal ----------------------------------------------------------

class CrossSiteGuard:
    """Refuses state-changing requests a browser marks as coming from another site."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            fetch_site = headers.get("sec-fetch-site")
            origin = headers.get("origin")
            host = headers.get("host", "")
            same_origin = origin is None or origin.split("://", 1)[-1] == host
            if fetch_site in ("cross-site", "same-site") or not same_origin:
                await _forbidden(send)
                return
        await self.app(scope, receive, send)


async def _forbidden(send: Send) -> None:
    body = b'{"detail":"Cross-site requests may not change anything."}'
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
