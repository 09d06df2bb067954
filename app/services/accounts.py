"""Signing in and out: server-side sessions, throttling of failed attempts that cannot lock
a real user out, changing and resetting passwords, unlocking, and purging what has expired.

Failed sign-ins are counted three ways (rows of `login_throttles`):
- per (account, client) pair — blocking: after a few failures that client must wait, with a
  delay that doubles and is capped; other clients signing in to the account are not affected;
- per client — blocking, after more failures (one client trying many accounts), also capped;
- per account — never blocking: a stranger cannot lock the real user out. When an account has
  very many failures (from many clients: a distributed guess), each client gets only one free
  failure on it before its pair is delayed; a client that does not fail is never held up.
An admin unlocks an account at once (`unlock`), without any e-mail."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Delete, case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from app.db import best_effort
from app.domain.actor import Actor
from app.domain.errors import NotAuthenticated, TooManyAttempts, ValidationFailed
from app.logs import audit
from app.models import ApiToken, LoginSession, LoginThrottle, User, utcnow
from app.services import users

IDLE_TIMEOUT = dt.timedelta(minutes=30)
ABSOLUTE_TIMEOUT = dt.timedelta(hours=8)
# Writing last_seen_at on every request would turn every page view into a write.
TOUCH_EVERY = dt.timedelta(minutes=1)
PAIR_FREE_FAILURES = 5
PAIR_FREE_UNDER_ATTACK = 1
CLIENT_FREE_FAILURES = 20
ACCOUNT_UNDER_ATTACK = 50  # failures on one account within FORGET_AFTER, from any clients
FIRST_DELAY = dt.timedelta(seconds=15)
MAX_DELAY = dt.timedelta(minutes=15)
FORGET_AFTER = dt.timedelta(hours=1)  # a count with no failure for this long starts again
PURGE_AT_SIGN_IN = 100  # rows of each kind removed, at most, by one sign-in


@cache
def _dummy_hash() -> str:
    """A real argon2 hash to verify against when the e-mail is unknown, so both cases cost the
    same; computed at the first sign-in, not at import."""
    return users.hash_password("not a real password, only for timing")


class SignInRefused(NotAuthenticated):
    """Wrong e-mail or password: the same answer for both."""


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _normal_email(email: str) -> str:
    return email.strip().lower()[:320]


def account_hash(email: str) -> str:
    """What throttle rows and log events say instead of the e-mail address."""
    return _digest(_normal_email(email))


def _email_domain(email: str) -> str:
    return _normal_email(email).rpartition("@")[2][:100]


# ---- throttling ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Keys:
    account: str  # the e-mail's hash
    pair: str
    client: str
    account_total: str

    @classmethod
    def of(cls, email: str, client: str) -> _Keys:
        account, client = account_hash(email), client[:64]
        return cls(account, f"pair:{account}:{client}", f"client:{client}",
                   f"account:{account}")


def _deleted(session: Session, stmt: Delete) -> int:
    result = cast(CursorResult[Any], session.execute(stmt))
    return int(result.rowcount or 0)


def _wait(session: Session, keys: _Keys, now: dt.datetime) -> tuple[int, str]:
    """Seconds this client must wait before trying this account again, and which count
    blocks it ("pair" or "client"); 0 when it may try now. The account count never blocks."""
    rows = session.execute(
        select(LoginThrottle.key, LoginThrottle.blocked_until)
        .where(LoginThrottle.key.in_([keys.pair, keys.client]),
               LoginThrottle.blocked_until > now)
    ).all()
    if not rows:
        return 0, ""
    key, until = max(rows, key=lambda row: row.blocked_until)
    seconds = (until - now).total_seconds() if until else 0
    return int(seconds) + 1, str(key).partition(":")[0]


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(LoginThrottle)


def _count_failure(session: Session, key: str, account: str | None, now: dt.datetime) -> int:
    """Add one failure to a count, atomically (concurrent failures neither collide on the
    key nor lose a count); the count after it."""
    stale = LoginThrottle.last_failure_at < now - FORGET_AFTER
    stmt = _insert(session).values(key=key, account=account, failures=1, last_failure_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=[LoginThrottle.key],
        set_={"failures": case((stale, 1), else_=LoginThrottle.failures + 1),
              "last_failure_at": now},
    ).returning(LoginThrottle.failures)
    return int(session.execute(stmt).scalar_one())


def _delay(failures: int, free: int) -> dt.timedelta | None:
    if failures < free:
        return None
    delay: dt.timedelta = FIRST_DELAY * 2 ** min(failures - free, 20)
    return min(delay, MAX_DELAY)


def _block(session: Session, key: str, until: dt.datetime) -> None:
    blocked: ColumnElement[bool] = LoginThrottle.blocked_until.is_(None) | (
        LoginThrottle.blocked_until < until)
    session.execute(update(LoginThrottle).where(LoginThrottle.key == key, blocked)
                    .values(blocked_until=until))


def _record_failure(session: Session, keys: _Keys, now: dt.datetime) -> None:
    on_account = _count_failure(session, keys.account_total, keys.account, now)
    free = PAIR_FREE_UNDER_ATTACK if on_account >= ACCOUNT_UNDER_ATTACK else PAIR_FREE_FAILURES
    for key, account, allowed in ((keys.pair, keys.account, free),
                                  (keys.client, None, CLIENT_FREE_FAILURES)):
        delay = _delay(_count_failure(session, key, account, now), allowed)
        if delay is not None:
            _block(session, key, now + delay)


@dataclass(frozen=True)
class Lock:
    """An account's failed sign-ins as an admin sees them."""

    failures: int  # within FORGET_AFTER, from every client
    blocked_clients: int  # clients that must wait before trying this account again
    blocked_until: dt.datetime | None  # the latest of their waits


def locks(session: Session, accounts: list[User]) -> dict[int, Lock]:
    """The accounts (by user id) that have recent failed sign-ins."""
    now = utcnow()
    by_hash = {account_hash(u.email): u.id for u in accounts}
    rows = session.scalars(select(LoginThrottle).where(
        LoginThrottle.account.in_(list(by_hash)),
        LoginThrottle.last_failure_at >= now - FORGET_AFTER)).all()
    found: dict[int, Lock] = {}
    for user_hash, user_id in by_hash.items():
        mine = [r for r in rows if r.account == user_hash]
        if not mine:
            continue
        total = sum(r.failures for r in mine if r.key.startswith("account:"))
        waits = [r.blocked_until for r in mine
                 if r.key.startswith("pair:") and r.blocked_until and r.blocked_until > now]
        found[user_id] = Lock(total, len(waits), max(waits, default=None))
    return found


def unlock(session: Session, user: User) -> int:
    """Forget the account's failed sign-ins, from every client: its user may sign in at once
    (a client that failed on many accounts stays blocked). The number of counts removed."""
    removed = _deleted(session, delete(LoginThrottle)
                       .where(LoginThrottle.account == account_hash(user.email)))
    audit("account_unlocked", target_user_id=user.id, counts_removed=removed)
    return removed


# ---- signing in ---------------------------------------------------------------------------

def authenticate(session: Session, email: str, password: str, client: str) -> User:
    """The user for these credentials; the same refusal for a wrong password or e-mail."""
    now = utcnow()
    keys = _Keys.of(email, client)
    wait, blocking = _wait(session, keys, now)
    if wait:
        audit("sign_in_throttled", level="warning", email_domain=_email_domain(email),
              account=keys.account[:16], blocked_by=blocking, retry_after=wait)
        raise TooManyAttempts(wait)
    user = session.scalars(select(User).where(User.email == _normal_email(email))).first()
    if user is None or not user.active:
        users.verify_hash(_dummy_hash(), password)
        user = None
    elif not users.verify_password(user, password):
        user = None
    if user is None:
        _record_failure(session, keys, now)
        audit("sign_in_failed", level="warning", email_domain=_email_domain(email),
              account=keys.account[:16])
        raise SignInRefused("The e-mail address or the password is wrong.")
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == keys.pair))
    purge_expired(session, limit=PURGE_AT_SIGN_IN, now=now)
    audit("sign_in", user_id=user.id)
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
        best_effort(session, lambda: setattr(found, "last_seen_at", now))
    return ActiveSession(users.actor_of(found.user), raw)


def end_session(session: Session, raw: str | None) -> None:
    if raw:
        session.execute(delete(LoginSession).where(LoginSession.id == _digest(raw)))


def sessions_of(session: Session, user: User) -> int:
    """How many sessions the user has open (signed in browsers)."""
    return session.scalar(select(func.count()).select_from(LoginSession)
                          .where(LoginSession.user_id == user.id)) or 0


def _end_sessions(session: Session, user: User, *, keep: str | None = None) -> int:
    stmt = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep:
        stmt = stmt.where(LoginSession.id != _digest(keep))
    return _deleted(session, stmt)


# ---- passwords ----------------------------------------------------------------------------

def change_password(session: Session, user: User, *, current: str, new: str, repeat: str,
                    client: str, keep_session: str | None) -> int:
    """The user changes their own password: the current one is required (a wrong one counts
    as a failed sign-in), the new one must be strong; every other session of theirs ends, the
    one in `keep_session` stays. The number of sessions ended."""
    now = utcnow()
    keys = _Keys.of(user.email, client)
    wait, _ = _wait(session, keys, now)
    if wait:
        audit("sign_in_throttled", level="warning", account=keys.account[:16],
              blocked_by="password_change", retry_after=wait)
        raise TooManyAttempts(wait)
    if not users.verify_password(user, current):
        _record_failure(session, keys, now)
        audit("password_change_refused", level="warning", target_user_id=user.id)
        raise ValidationFailed({"current_password": "This is not your current password."})
    if new != repeat:
        raise ValidationFailed({"repeat_password": "The two new passwords differ."})
    if new == current:
        raise ValidationFailed({"new_password": "Choose a password you have not used here."})
    users.set_password(session, user, new, field="new_password")
    ended = _end_sessions(session, user, keep=keep_session)
    audit("password_changed", target_user_id=user.id, sessions_ended=ended)
    return ended


def reset_password(session: Session, user: User, new: str) -> int:
    """An admin sets a new password (the `reckon user password` command): every session of
    the user ends. The number of sessions ended."""
    users.set_password(session, user, new)
    ended = _end_sessions(session, user)
    audit("password_reset", target_user_id=user.id, sessions_ended=ended)
    return ended


# ---- purging ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Purged:
    sessions: int
    throttles: int
    tokens: int

    @property
    def total(self) -> int:
        return self.sessions + self.throttles + self.tokens


def _delete_some(session: Session, model: type[Any], column: Any,
                 where: ColumnElement[bool], limit: int | None) -> int:
    if limit is not None:
        # A batch at a time, so a sign-in never waits on a big cleanup.
        keys = list(session.scalars(select(column).where(where).limit(limit)))
        if not keys:
            return 0
        where = column.in_(keys)
    return _deleted(session, delete(model).where(where))


def purge_expired(session: Session, *, limit: int | None = None,
                  now: dt.datetime | None = None) -> Purged:
    """Delete expired sessions, forgotten failure counts and expired API tokens (at most
    `limit` of each kind)."""
    now = now or utcnow()
    purged = Purged(
        sessions=_delete_some(
            session, LoginSession, LoginSession.id,
            (LoginSession.last_seen_at < now - IDLE_TIMEOUT)
            | (LoginSession.created_at < now - ABSOLUTE_TIMEOUT), limit),
        throttles=_delete_some(
            session, LoginThrottle, LoginThrottle.key,
            (LoginThrottle.last_failure_at < now - FORGET_AFTER)
            & (LoginThrottle.blocked_until.is_(None) | (LoginThrottle.blocked_until < now)),
            limit),
        tokens=_delete_some(session, ApiToken, ApiToken.id, ApiToken.expires_at < now,
                            limit),
    )
    if purged.total:
        audit("sessions_purged", sessions=purged.sessions, throttles=purged.throttles,
              tokens=purged.tokens)
    return purged
