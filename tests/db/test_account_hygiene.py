"""What expires is purged, in bounded batches; failure counts are kept per pair, client and
account, keyed without the e-mail in clear — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.errors import NotAuthenticated
from app.models import ApiToken, LoginSession, LoginThrottle
from app.services import accounts, users
from tests import factories


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_purge_removes_only_what_has_expired_a_batch_at_a_time(session: Session) -> None:
    user = factories.user(session)
    now = dt.datetime.now(dt.UTC)
    for n in range(3):
        session.add(LoginSession(id=f"idle{n}".ljust(64, "0"), user_id=user.id,
                                 created_at=now, last_seen_at=now - dt.timedelta(minutes=31)))
        session.add(LoginSession(id=f"old{n}".ljust(64, "0"), user_id=user.id,
                                 created_at=now - dt.timedelta(hours=9), last_seen_at=now))
        session.add(LoginThrottle(key=f"client:192.0.2.{n}", failures=3,
                                  last_failure_at=now - dt.timedelta(hours=2)))
        users.issue_api_token(session, user, name=f"gone {n}", expires_in_days=1
                              ).token.expires_at = now - dt.timedelta(days=1)
    live = accounts.start_session(session, user)
    session.add(LoginThrottle(key="client:192.0.2.99", failures=1, last_failure_at=now))
    # Blocked still (however old the last failure): kept until the block runs out.
    session.add(LoginThrottle(key="client:192.0.2.98", failures=30,
                              last_failure_at=now - dt.timedelta(hours=2),
                              blocked_until=now + dt.timedelta(minutes=1)))
    users.issue_api_token(session, user, name="kept", expires_in_days=1)
    users.issue_api_token(session, user, name="forever")
    session.flush()

    first = accounts.purge_expired(session, limit=2)
    assert (first.sessions, first.throttles, first.tokens) == (2, 2, 2)
    rest = accounts.purge_expired(session)
    assert (rest.sessions, rest.throttles, rest.tokens) == (4, 1, 1)
    assert accounts.purge_expired(session).total == 0
    assert _count(session, LoginSession) == 1
    assert accounts.session_user(session, live) is not None
    assert set(session.scalars(select(LoginThrottle.key))) == {"client:192.0.2.99",
                                                               "client:192.0.2.98"}
    assert set(session.scalars(select(ApiToken.name))) == {"kept", "forever"}


def test_failures_are_counted_per_pair_client_and_account_without_the_email(
    session: Session
) -> None:
    account = factories.user(session, email="someone.known@example.org")
    for client in ("192.0.2.1", "192.0.2.1", "192.0.2.2"):
        with pytest.raises(NotAuthenticated):
            accounts.authenticate(session, "Someone.Known@example.org ", "wrong", client)
    rows = {r.key: r for r in session.scalars(select(LoginThrottle))}
    digest = accounts.account_hash(account.email)
    assert {key: row.failures for key, row in rows.items()} == {
        f"account:{digest}": 3, f"pair:{digest}:192.0.2.1": 2, f"pair:{digest}:192.0.2.2": 1,
        "client:192.0.2.1": 2, "client:192.0.2.2": 1}
    assert all(row.blocked_until is None for row in rows.values())
    assert {row.account for key, row in rows.items() if not key.startswith("client:")} == {
        digest}
    assert not any("someone" in key for key in rows)
    # A success forgets the pair's failures, not the client's nor the account's.
    accounts.authenticate(session, account.email, factories.PASSWORD, "192.0.2.1")
    keys = set(session.scalars(select(LoginThrottle.key)))
    assert f"pair:{digest}:192.0.2.1" not in keys and "client:192.0.2.1" in keys


def test_an_hour_without_failures_starts_the_count_again(session: Session) -> None:
    factories.user(session, email="someone@example.org")
    for _ in range(4):
        with pytest.raises(NotAuthenticated):
            accounts.authenticate(session, "someone@example.org", "wrong", "192.0.2.1")
    for row in session.scalars(select(LoginThrottle)):
        row.last_failure_at -= dt.timedelta(hours=1, minutes=1)
    session.flush()
    with pytest.raises(NotAuthenticated):
        accounts.authenticate(session, "someone@example.org", "wrong", "192.0.2.1")
    session.expire_all()
    assert set(session.scalars(select(LoginThrottle.failures))) == {1}
