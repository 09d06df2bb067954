"""Signing in and out: server-side sessions, and throttling of failed attempts."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from functools import cache

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from app.domain.actor import Actor
from app.domain.errors import NotAuthenticated, TooManyAttempts
from app.models import LoginSession, LoginThrottle, User, utcnow
from app.services import users

IDLE_TIMEOUT = dt.timedelta(minutes=30)
ABSOLUTE_TIMEOUT = dt.timedelta(hours=8)
# Writing last_seen_at on every request would turn every page view into a write.
TOUCH_EVERY = dt.timedelta(minutes=1)
FREE_FAILURES = 5
FIRST_DELAY = dt.timedelta(seconds=15)
MAX_DELAY = dt.timedelta(minutes=15)
FORGET_AFTER = dt.timedelta(hours=1)


@cache
def _dummy_hash() -> str:
    """A real argon2 hash to verify against when the e-mail is unknown, so both cases cost the
    same; computed at the first sign-in, not at import."""
    return users.hash_password("not a real password, only for timing")


class SignInRefused(NotAuthenticated):
    """Wrong e-mail or password: the same answer for both."""


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _throttle_keys(email: str, client: str) -> list[str]:
    return [f"account:{email.strip().lower()[:320]}", f"client:{client[:64]}"]


def _wait_seconds(session: Session, keys: list[str], now: dt.datetime) -> int:
    rows = session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all()
    waits = [(r.blocked_until - now).total_seconds() for r in rows
             if r.blocked_until and r.blocked_until > now]
    return int(max(waits, default=0)) + (1 if waits else 0)


def _record_failure(session: Session, keys: list[str], now: dt.datetime) -> None:
    for key in keys:
        row = session.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, last_failure_at=now)
            session.add(row)
        elif now - row.last_failure_at > FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= FREE_FAILURES:
            delay = FIRST_DELAY * 2 ** (row.failures - FREE_FAILURES)
            row.blocked_until = now + min(delay, MAX_DELAY)
    session.flush()


def authenticate(session: Session, email: str, password: str, client: str) -> User:
    """The user for these credentials; the same refusal for a wrong password or e-mail."""
    now = utcnow()
    keys = _throttle_keys(email, client)
    wait = _wait_seconds(session, keys, now)
    if wait:
        raise TooManyAttempts(wait)
    user = session.scalars(select(User).where(User.email == email.strip().lower())).first()
    if user is None or not user.active:
        users.verify_hash(_dummy_hash(), password)
        user = None
    elif not users.verify_password(user, password):
        user = None
    if user is None:
        _record_failure(session, keys, now)
        raise SignInRefused("The e-mail address or the password is wrong.")
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == keys[0]))
    return user


def start_session(session: Session, user: User) -> str:
    """A new session id for the cookie; a fresh one at every sign-in (no fixation)."""
    raw = secrets.token_urlsafe(32)
    session.add(LoginSession(id=_digest(raw), user_id=user.id))
    session.flush()
    return raw


@dataclass(frozen=True)
class ActiveSession:
    actor: Actor
    raw_id: str


def session_user(session: Session, raw: str | None) -> ActiveSession | None:
    if not raw or len(raw) > 100:
        return None
    found = session.scalars(
        select(LoginSession).where(LoginSession.id == _digest(raw))
        .options(joinedload(LoginSession.user))
    ).first()
    if found is None:
        return None
    now = utcnow()
    expired = (now - found.last_seen_at > IDLE_TIMEOUT
               or now - found.created_at > ABSOLUTE_TIMEOUT)
    if expired or not found.user.active:
        session.delete(found)
        session.flush()
        return None
    if now - found.last_seen_at > TOUCH_EVERY:
        found.last_seen_at = now
    return ActiveSession(users.actor_of(found.user), raw)


def end_session(session: Session, raw: str | None) -> None:
    if raw:
        session.execute(delete(LoginSession).where(LoginSession.id == _digest(raw)))

