"""Who is making the request: API bearer tokens (sessions for pages come with the editor forms)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.db import SessionDep
from app.errors import NotAuthenticated, PermissionDenied
from app.models import User
from app.services import users

_bearer = HTTPBearer(auto_error=False, description="A token from `reckon user token EMAIL`.")


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
