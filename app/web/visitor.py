"""The browser behind a page request: signed in or not, its CSRF token, its cookies."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Request, Response
from sqlalchemy.orm import Session

from app.domain.actor import Actor
from app.domain.errors import PermissionDenied
from app.services import accounts

# The names handlers use. With secure cookies the browser holds them as "__Host-" + name
# (sent over HTTPS only, for this host only, for every path), renamed at the edge by
# app/web/cookies.py; without HTTPS browsers refuse that prefix, so the plain names are used.
SESSION_COOKIE = "reckon_session"
ANON_COOKIE = "reckon_anon"
COOKIE_NAMES = (SESSION_COOKIE, ANON_COOKIE)
HOST_PREFIX = "__Host-"


@dataclass(frozen=True)
class Visitor:
    actor: Actor | None
    session_id: str | None
    anon_id: str
    new_anon_id: bool
    csrf_token: str

    @property
    def is_admin(self) -> bool:
        return self.actor is not None and self.actor.is_admin


class SignInRequired(Exception):
    """A page that needs an editor, asked for by someone signed out: send them to sign in."""

    def __init__(self, next_url: str) -> None:
        super().__init__("Sign in to continue.")
        self.location = f"/login?next={quote(next_url, safe='/?=&')}"


class CsrfRefused(PermissionDenied):
    """A form posted without the CSRF token of this visitor (expired, or forged)."""


def _csrf_token(secret: str, binding: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{binding}".encode(), hashlib.sha256).hexdigest()


def identify(request: Request, session: Session) -> Visitor:
    secret: str = request.app.state.settings.secret_key
    active = accounts.session_user(session, request.cookies.get(SESSION_COOKIE))
    anon = request.cookies.get(ANON_COOKIE, "")
    new_anon = not (16 <= len(anon) <= 100)
    if new_anon:
        anon = secrets.token_urlsafe(24)
    binding = f"session:{active.raw_id}" if active else f"anon:{anon}"
    visitor = Visitor(
        actor=active.actor if active else None,
        session_id=active.raw_id if active else None,
        anon_id=anon,
        new_anon_id=new_anon,
        csrf_token=_csrf_token(secret, binding),
    )
    request.state.visitor = visitor
    return visitor


def check_csrf(visitor: Visitor, token: str | None) -> None:
    if not token or not hmac.compare_digest(token, visitor.csrf_token):
        raise CsrfRefused(
            "This form has expired or did not come from Reckon. Reload the page and try again."
        )


def set_cookie(request: Request, response: Response, key: str, value: str,
               *, max_age: int) -> None:
    """Every cookie Reckon sets: out of reach of scripts, not sent on cross-site posts."""
    response.set_cookie(key, value, max_age=max_age, httponly=True, samesite="lax",
                        secure=bool(request.app.state.settings.secure_cookies), path="/")
