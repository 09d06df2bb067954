"""`reckon user …` and `reckon db purge`, run in-process against a database file of their own:
passwords (strength, admin reset), unlocking, named tokens; the audit lines hold no secret."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import cli
from app.config import get_settings
from app.db import make_engine, make_sessionmaker
from app.domain.errors import NotAuthenticated, TooManyAttempts
from app.models import ApiToken, LoginSession, LoginThrottle, User
from app.services import accounts, users

PASSWORD = "velvet quarry lantern oboe"
NEW_PASSWORD = "copper heron mosaic tundra"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("RECKON_DATABASE_URL", url)
    monkeypatch.setenv("RECKON_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("RECKON_REVIEW", "off")
    get_settings.cache_clear()
    assert cli.main(["db", "upgrade"]) == 0
    yield url
    get_settings.cache_clear()


class Db:
    """Look at (and arrange) the database the command works on, between commands."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)

    def __enter__(self) -> Session:
        self.session = make_sessionmaker(self.engine)()
        return self.session

    def __exit__(self, *exc: object) -> None:
        self.session.commit()
        self.session.close()
        self.engine.dispose()


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str,
         stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def _events(err: str, name: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    return [e for e in lines if e["event"] == name]


def _add(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
         email: str = "ed@example.org") -> None:
    assert _run(monkeypatch, capsys, "user", "add", email, "--password-stdin",
                stdin=PASSWORD + "\n")[0] == 0


@pytest.mark.parametrize("weak", ["Summer2024!!", "qwerty123456", "ed.example.org!!"])
def test_user_add_refuses_weak_passwords_with_the_reason(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], weak: str
) -> None:
    status, _, err = _run(monkeypatch, capsys, "user", "add", "ed@example.org",
                          "--password-stdin", stdin=weak + "\n")
    assert status == 1
    (message,) = [line for line in err.splitlines() if line.startswith("reckon: ")]
    assert message.startswith("reckon: This password is too weak. ") and len(message) > 45
    assert weak not in err
    with Db(db) as s:
        assert s.scalar(select(func.count()).select_from(User)) == 0


def test_user_password_resets_checks_strength_and_ends_every_session(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _add(monkeypatch, capsys)
    with Db(db) as s:
        user = users.get_user_by_email(s, "ed@example.org")
        for _ in range(2):
            accounts.start_session(s, user)
    status, _, err = _run(monkeypatch, capsys, "user", "password", "ed@example.org",
                          "--password-stdin", stdin="qwerty123456\n")
    assert status == 1 and "too weak" in err and "qwerty123456" not in err
    status, out, err = _run(monkeypatch, capsys, "user", "password", "Ed@Example.org",
                            "--password-stdin", stdin=NEW_PASSWORD + "\n")
    assert status == 0
    assert out.strip() == "New password set for ed@example.org; 2 session(s) ended."
    (event,) = _events(err, "password_reset")
    assert event["sessions_ended"] == 2
    assert NEW_PASSWORD not in err and PASSWORD not in err
    with Db(db) as s:
        assert s.scalar(select(func.count()).select_from(LoginSession)) == 0
        user = users.get_user_by_email(s, "ed@example.org")
        assert users.verify_password(user, NEW_PASSWORD)
        assert not users.verify_password(user, PASSWORD)
    assert _run(monkeypatch, capsys, "user", "password", "nobody@example.org",
                "--password-stdin", stdin=NEW_PASSWORD + "\n")[0] == 1


def test_user_unlock_lets_the_user_sign_in_at_once(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _add(monkeypatch, capsys)
    with Db(db) as s:
        for _ in range(5):
            with pytest.raises(NotAuthenticated):
                accounts.authenticate(s, "ed@example.org", "forgotten", "192.0.2.1")
        with pytest.raises(TooManyAttempts):
            accounts.authenticate(s, "ed@example.org", PASSWORD, "192.0.2.1")
    status, out, err = _run(monkeypatch, capsys, "user", "unlock", "ed@example.org")
    assert status == 0
    assert out.strip() == "Unlocked ed@example.org: 2 failed sign-in count(s) forgotten."
    (event,) = _events(err, "account_unlocked")
    assert event["counts_removed"] == 2
    with Db(db) as s:
        assert accounts.authenticate(s, "ed@example.org", PASSWORD, "192.0.2.1").email == (
            "ed@example.org")
        # The client's own count (failures on any account) is not the account's to forget.
        assert s.scalar(select(LoginThrottle.failures)
                        .where(LoginThrottle.key == "client:192.0.2.1")) == 5


def test_named_tokens_are_created_listed_and_revoked(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _add(monkeypatch, capsys)
    status, out, err = _run(monkeypatch, capsys, "user", "token", "ed@example.org",
                            "--name", "nightly import", "--expires-in-days", "7")
    assert status == 0
    secret = out.strip()
    assert secret.startswith("rk_") and "“nightly import”" in err and "expires" in err
    (event,) = _events(err, "token_created")
    assert event["name"] == "nightly import" and secret not in err
    _, forever, _ = _run(monkeypatch, capsys, "user", "token", "ed@example.org",
                         "--name", "desk")
    with Db(db) as s:
        assert users.actor_for_token(s, secret) is not None
    status, out, _ = _run(monkeypatch, capsys, "user", "tokens", "ed@example.org")
    assert status == 0 and secret not in out and forever.strip() not in out
    header, *rows = out.splitlines()
    assert header.split() == ["id", "created", "(UTC)", "last", "used", "expires", "name"]
    by_name = {row.split("  ")[-1].strip(): row for row in rows}
    assert set(by_name) == {"nightly import", "desk"}
    in_a_week = dt.datetime.now(dt.UTC) + dt.timedelta(days=7)
    assert f"{in_a_week:%Y-%m-%d}" in by_name["nightly import"]
    assert "never" in by_name["desk"].split("  ", 3)[-1]
    assert by_name["nightly import"].split()[4] != "never"  # used just now
    token_id = by_name["nightly import"].split()[0]

    assert _run(monkeypatch, capsys, "user", "revoke-token", "ed@example.org", "999")[0] == 1
    status, out, err = _run(monkeypatch, capsys, "user", "revoke-token", "ed@example.org",
                            token_id)
    assert status == 0 and out.strip() == f"Revoked token {token_id} of ed@example.org."
    assert _events(err, "token_revoked")[0]["token_id"] == int(token_id)
    with Db(db) as s:
        assert users.actor_for_token(s, secret) is None
        assert users.actor_for_token(s, forever.strip()) is not None
    for bad in (["--expires-in-days", "0"], ["--name", ""]):
        status, _, err = _run(monkeypatch, capsys, "user", "token", "ed@example.org", *bad)
        assert status == 1 and err.splitlines()[-1].startswith("reckon: ")
    _add(monkeypatch, capsys, "other@example.org")
    # One user's token id is not another's to revoke.
    with Db(db) as s:
        forever_id = s.scalar(select(ApiToken.id).where(ApiToken.name == "desk"))
    assert _run(monkeypatch, capsys, "user", "revoke-token", "other@example.org",
                str(forever_id))[0] == 1
    assert _run(monkeypatch, capsys, "user", "tokens", "other@example.org")[1].strip() == (
        "other@example.org has no API tokens.")


def test_db_purge_removes_what_has_expired_only(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _add(monkeypatch, capsys)
    now = dt.datetime.now(dt.UTC)
    with Db(db) as s:
        user = users.get_user_by_email(s, "ed@example.org")
        s.add_all([
            LoginSession(id="idle" + "0" * 60, user_id=user.id, created_at=now,
                         last_seen_at=now - dt.timedelta(minutes=31)),
            LoginSession(id="live" + "0" * 60, user_id=user.id, created_at=now,
                         last_seen_at=now),
            LoginThrottle(key="client:192.0.2.1", failures=9,
                          last_failure_at=now - dt.timedelta(hours=2)),
            LoginThrottle(key="client:192.0.2.2", failures=9, last_failure_at=now),
        ])
        users.issue_api_token(s, user, name="gone", expires_in_days=1).token.expires_at = (
            now - dt.timedelta(seconds=1))
        users.issue_api_token(s, user, name="kept", expires_in_days=1)
    status, out, err = _run(monkeypatch, capsys, "db", "purge")
    assert status == 0
    assert out.strip() == ("Purged 1 expired session(s), 1 old failed sign-in count(s) and "
                           "1 expired API token(s).")
    (event,) = _events(err, "sessions_purged")
    assert (event["sessions"], event["throttles"], event["tokens"]) == (1, 1, 1)
    with Db(db) as s:
        assert s.scalars(select(LoginSession.id)).all() == ["live" + "0" * 60]
        assert s.scalars(select(LoginThrottle.key)).all() == ["client:192.0.2.2"]
        assert s.scalars(select(ApiToken.name)).all() == ["kept"]
    assert _run(monkeypatch, capsys, "db", "purge")[1].startswith("Purged 0 expired")
