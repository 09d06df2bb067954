"""Dependencies for handlers: the request's database session (which owns the transaction),
the visitor of a page, the editor behind an API token, and a bounded form reader."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import FormData

from app.domain.actor import Actor
from app.domain.errors import NotAuthenticated, PermissionDenied
from app.logs import bind_request
from app.services import review_queue, users
from app.web.visitor import SignInRequired, Visitor, identify

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: commit when the handler returned, roll back when it raised.
    Handlers never commit or roll back themselves; services use savepoints for partial undo."""
    # A request that may change data begins its transaction as a writer (IMMEDIATE on
    # SQLite): concurrent writers then queue for the lock instead of failing on it.
    factory: sessionmaker[Session] = (
        request.app.state.sessionmaker if request.method in SAFE_METHODS
        else request.app.state.writing_sessionmaker)
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# scope="function": commit before the response is sent, so a failed commit is an error answer.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


# ---- pages -------------------------------------------------------------------------------

def get_visitor(request: Request, session: SessionDep) -> Visitor:
    visitor = identify(request, session)
    if visitor.actor is not None:
        bind_request(user_id=visitor.actor.id)
        # What waits for review, in the editors' navigation on every page (one query).
        request.state.review_counts = review_queue.counts(session, visitor.actor)
    return visitor


VisitorDep = Annotated[Visitor, Depends(get_visitor)]


def page_editor(request: Request, visitor: VisitorDep) -> Visitor:
    if visitor.actor is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target if request.method == "GET" else request.url.path)
    return visitor


def page_admin(visitor: Annotated[Visitor, Depends(page_editor)]) -> Visitor:
    if not visitor.is_admin:
        raise PermissionDenied("Only admins may manage users.")
    return visitor


EditorVisitor = Annotated[Visitor, Depends(page_editor)]
AdminVisitor = Annotated[Visitor, Depends(page_admin)]


async def _form(request: Request) -> FormData:
    return await request.form(max_files=0, max_fields=300, max_part_size=64 * 1024)


FormDep = Annotated[FormData, Depends(_form)]


# ---- API ---------------------------------------------------------------------------------

_bearer = HTTPBearer(auto_error=False, description="A token from `reckon user token EMAIL`.")


def api_editor(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None:
        raise NotAuthenticated("Sign in: send 'Authorization: Bearer <token>'.")
    actor = users.actor_for_token(session, credentials.credentials)
    if actor is None:
        raise NotAuthenticated("The API token is unknown, revoked or expired, or its user is "
                               "disabled.")
    bind_request(user_id=actor.id)
    return actor


CurrentEditor = Annotated[Actor, Depends(api_editor)]


def api_reader(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor | None:
    """A read by anyone: None without a token (a reader, who sees what is published), the
    editor with one (who also sees what waits for review); a bad token is still a 401."""
    return None if credentials is None else api_editor(session, credentials)


ReaderOrEditor = Annotated[Actor | None, Depends(api_reader)]


def review_required(request: Request) -> bool:
    """Whether a new estimate or a change to what readers compare waits for a second editor
    (RECKON_REVIEW)."""
    return bool(request.app.state.settings.review_required)


ReviewRequired = Annotated[bool, Depends(review_required)]


def api_admin(actor: CurrentEditor) -> Actor:
    if not actor.is_admin:
        raise PermissionDenied("Only admins may do this.")
    return actor


CurrentAdmin = Annotated[Actor, Depends(api_admin)]
