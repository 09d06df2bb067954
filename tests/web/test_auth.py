"""Sign-in, sessions, throttling, CSRF and roles — on the real app and database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.domain.errors import NotAuthenticated, TooManyAttempts
from app.models import Estimate, LoginSession, LoginThrottle, Revision, User
from app.services import accounts
from tests import factories
from tests.factories import PASSWORD, csrf_from, sign_in
from tests.web.live import LogLines

TOPIC = "north-korean-troops-in-russia"
STRANGER = "203.0.113.9"
OWN_CLIENT = "198.51.100.7"


def _login(client: TestClient, email: str, password: str) -> tuple[int, str]:
    status, text, _ = _attempt(client, email, password)
    return status, text


def _attempt(client: TestClient, email: str, password: str) -> tuple[int, str, int | None]:
    """One sign-in through the form: status, page, and Retry-After when throttled."""
    token = csrf_from(client.get("/login").text)
    response = client.post("/login", data={"email": email, "password": password,
                                           "csrf_token": token}, follow_redirects=False)
    retry = response.headers.get("retry-after")
    return response.status_code, response.text, int(retry) if retry else None


@contextmanager
def _from(app: FastAPI, address: str) -> Iterator[TestClient]:
    """A browser at another address (the address uvicorn gives the app, after any trusted
    proxy's forwarded header)."""
    with TestClient(app, client=(address, 40000)) as other:
        yield other


def _unblock(session: Session) -> None:
    """Let every current delay run out, as time would."""
    session.execute(update(LoginThrottle).values(
        blocked_until=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    session.commit()


def _writes(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (session.scalar(select(func.count()).select_from(Estimate)) or 0,
            session.scalar(select(func.count()).select_from(Revision)) or 0)


def test_sign_in_sets_a_strict_cookie_and_a_new_id_each_time(
    client: TestClient, session: Session
) -> None:
    account = factories.user(session)
    session.commit()
    token = csrf_from(client.get("/login").text)
    response = client.post("/login", data={"email": account.email.upper(), "password": PASSWORD,
                                           "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("reckon_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # a setting turns it on behind HTTPS
    first = client.cookies["reckon_session"]
    assert _login(client, account.email, PASSWORD)[0] == 303
    second = client.cookies["reckon_session"]
    assert first != second
    stored = session.scalars(select(LoginSession.id)).all()
    assert first not in stored and second not in stored  # only hashes are kept
    assert len(stored) == 1  # signing in again ended the previous session


def test_secure_cookie_setting(app: FastAPI, session: Session) -> None:
    app.state.settings.secure_cookies = True
    account = factories.user(session)
    session.commit()
    with TestClient(app, base_url="https://testserver") as client:
        token = csrf_from(client.get("/login").text)
        response = client.post("/login", data={"email": account.email, "password": PASSWORD,
                                               "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


def test_wrong_password_and_unknown_email_get_the_same_answer(
    client: TestClient, session: Session
) -> None:
    account = factories.user(session)
    session.commit()
    wrong = _login(client, account.email, "not the password at all")
    unknown = _login(client, "nobody@example.org", "not the password at all")
    assert wrong[0] == unknown[0] == 401
    assert "The e-mail address or the password is wrong." in wrong[1]
    assert wrong[1].replace(account.email, "X") == unknown[1].replace("nobody@example.org", "X")


def test_failed_sign_ins_are_throttled_but_not_forever(client: TestClient,
                                                       session: Session) -> None:
    account = factories.user(session)
    session.commit()
    statuses = [_login(client, account.email, f"wrong {n}")[0] for n in range(6)]
    assert statuses == [401] * 5 + [429]
    status, body = _login(client, account.email, PASSWORD)
    assert status == 429 and "Too many failed sign-ins" in body  # even the right password
    token = csrf_from(client.get("/login").text)
    blocked = client.post("/login", data={"email": account.email, "password": PASSWORD,
                                          "csrf_token": token})
    assert 0 < int(blocked.headers["retry-after"]) <= 60
    # The block runs out: the real editor gets back in.
    session.execute(update(LoginThrottle).values(
        blocked_until=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    session.commit()
    assert _login(client, account.email, PASSWORD)[0] == 303


def test_passwords_are_argon2id_and_rehashed_when_parameters_change(
    client: TestClient, session: Session
) -> None:
    account = factories.user(session)
    assert account.password_hash.startswith("$argon2id$")
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    account.password_hash = weak
    session.commit()
    assert _login(client, account.email, PASSWORD)[0] == 303
    session.expire_all()
    upgraded = session.get(User, account.id)
    assert upgraded is not None and upgraded.password_hash != weak
    assert upgraded.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize("age", [
    {"last_seen_at": dt.timedelta(minutes=31)},
    {"created_at": dt.timedelta(hours=8, minutes=1)},
])
def test_sessions_expire_when_idle_or_old(client: TestClient, session: Session,
                                          age: dict[str, dt.timedelta]) -> None:
    sign_in(client, session)
    assert client.get("/estimates/new", follow_redirects=False).status_code == 200
    now = dt.datetime.now(dt.UTC)
    session.execute(update(LoginSession).values({k: now - v for k, v in age.items()}))
    session.commit()
    response = client.get("/estimates/new", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_sign_out_ends_the_session_and_the_old_cookie_is_refused(
    client: TestClient, session: Session
) -> None:
    sign_in(client, session)
    old = client.cookies["reckon_session"]
    token = csrf_from(client.get("/estimates/new").text)
    assert client.post("/logout", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    assert client.get("/logout").status_code == 405  # no GET changes anything
    client.cookies.set("reckon_session", old)
    replay = client.get("/estimates/new", follow_redirects=False)
    assert replay.status_code == 303 and replay.headers["location"].startswith("/login")
    assert session.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_disabling_an_editor_ends_their_session_at_once(client: TestClient,
                                                        session: Session) -> None:
    editor = sign_in(client, session)
    assert client.get("/estimates/new", follow_redirects=False).status_code == 200
    editor.active = False
    session.commit()
    assert client.get("/estimates/new", follow_redirects=False).status_code == 303
    assert _login(client, editor.email, PASSWORD)[0] == 401


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("path", [
    "/estimates/new", "/estimates/{id}/edit", "/estimates/{id}/retract",
    "/estimates/{id}/restore", "/estimates/{id}/revert", "/admin/users", "/admin/users/1",
])
def test_anonymous_writes_are_sent_to_sign_in_and_change_nothing(
    client: TestClient, session: Session, path: str
) -> None:
    eid = session.scalar(select(Estimate.id))
    before = _writes(session)
    token = csrf_from(client.get("/login").text)
    response = client.post(path.format(id=eid), data={"csrf_token": token, "reason": "x",
                                                      "figure": "5", "version": "1"},
                           follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    assert _writes(session) == before


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(("headers", "token"), [
    ({}, None), ({}, "forged"), ({"Origin": "https://evil.example"}, "ok"),
    ({"Sec-Fetch-Site": "cross-site"}, "ok"), ({"Origin": "null"}, "ok"),
])
def test_forged_or_cross_site_posts_are_refused(
    client: TestClient, session: Session, headers: dict[str, str], token: str | None
) -> None:
    sign_in(client, session)
    good = csrf_from(client.get("/estimates/new").text)
    eid = session.scalar(select(Estimate.id))
    before = _writes(session)
    data = {"reason": "forged retraction", "version": "1"}
    if token:
        data["csrf_token"] = good if token == "ok" else token
    response = client.post(f"/estimates/{eid}/retract", data=data, headers=headers)
    assert response.status_code == 403
    assert _writes(session) == before


@pytest.mark.usefixtures("demo")
def test_the_api_refuses_writes_without_a_token(client: TestClient, session: Session) -> None:
    eid = session.scalar(select(Estimate.id))
    before = _writes(session)
    for method, path in (("post", "/api/estimates"), ("patch", f"/api/estimates/{eid}"),
                         ("post", f"/api/estimates/{eid}/retract"),
                         ("post", f"/api/estimates/{eid}/revert"), ("get", "/api/users"),
                         ("post", "/api/topics"), ("post", "/api/sources")):
        response = (client.get(path) if method == "get"
                    else getattr(client, method)(path, json={}))
        assert response.status_code == 401, path
    assert _writes(session) == before


def test_only_admins_manage_users(client: TestClient, session: Session) -> None:
    sign_in(client, session, role="editor")
    assert client.get("/admin/users").status_code == 403
    token = factories.api_token(session, role="editor")
    assert client.get("/api/users", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 403
    admin = factories.api_token(session, role="admin")
    listed = client.get("/api/users", headers={"Authorization": f"Bearer {admin}"})
    assert listed.status_code == 200
    assert {u["role"] for u in listed.json()} == {"editor", "admin"}


def test_admins_add_promote_and_disable_users_through_the_api(client: TestClient,
                                                              session: Session) -> None:
    editor = {"Authorization": f"Bearer {factories.api_token(session, role='editor')}"}
    admin = {"Authorization": f"Bearer {factories.api_token(session, role='admin')}"}
    new = {"email": "New.Editor@Example.org", "password": factories.PASSWORD,
           "display_name": "New Editor"}
    assert client.post("/api/users", headers=editor, json=new).status_code == 403
    created = client.post("/api/users", headers=admin, json=new)
    assert created.status_code == 201
    user = created.json()
    assert (user["email"], user["role"], user["active"]) == ("new.editor@example.org",
                                                             "editor", True)
    assert client.patch(f"/api/users/{user['id']}", headers=editor,
                        json={"role": "admin"}).status_code == 403
    promoted = client.patch(f"/api/users/{user['id']}", headers=admin,
                            json={"role": "admin", "active": False})
    assert (promoted.json()["role"], promoted.json()["active"]) == ("admin", False)
    weak = client.post("/api/users", headers=admin, json={**new, "email": "b@example.org",
                                                          "password": "short"})
    assert weak.status_code == 422
    assert weak.json()["detail"][0]["loc"] == ["body", "password"]
    session.expire_all()
    assert session.scalar(select(User.active).where(User.id == user["id"])) is False


# ---- throttling that cannot lock the real user out -----------------------------------------

def test_a_strangers_failures_do_not_lock_out_the_real_user(app: FastAPI,
                                                            session: Session) -> None:
    account = factories.user(session)
    session.commit()
    log = LogLines()
    with _from(app, STRANGER) as stranger:
        statuses = [_attempt(stranger, account.email, f"guess {n}")[0] for n in range(12)]
        assert statuses == [401] * 5 + [429] * 7
        # The pair is blocked: even the right password from the stranger's address waits.
        assert _attempt(stranger, account.email, PASSWORD)[0] == 429
    with _from(app, OWN_CLIENT) as own:
        assert _attempt(own, account.email, PASSWORD)[0] == 303
        assert own.get("/estimates/new", follow_redirects=False).status_code == 200
    failed, throttled = log.events("sign_in_failed"), log.events("sign_in_throttled")
    assert len(failed) == 5 and len(throttled) == 8
    assert {e["client"] for e in failed + throttled} == {STRANGER}
    assert {e["email_domain"] for e in failed} == {"example.org"}
    assert {e["blocked_by"] for e in throttled} == {"pair"}
    (signed_in,) = log.events("sign_in")
    assert (signed_in["user_id"], signed_in["client"]) == (account.id, OWN_CLIENT)
    # Neither the passwords tried nor the address typed are written.
    assert "guess 3" not in log.text and PASSWORD not in log.text
    assert account.email.split("@")[0] not in log.text


def test_the_pairs_delay_doubles_up_to_a_cap(app: FastAPI, session: Session) -> None:
    account = factories.user(session)
    session.commit()
    waits = []
    with _from(app, STRANGER) as stranger:
        assert [_attempt(stranger, account.email, "wrong")[0] for _ in range(5)] == [401] * 5
        for _ in range(8):
            status, _page, retry = _attempt(stranger, account.email, "wrong")
            assert status == 429 and retry is not None
            waits.append(retry)
            _unblock(session)
            assert _attempt(stranger, account.email, "wrong")[0] == 401
    cap = int(accounts.MAX_DELAY.total_seconds())
    expected = [min(15 * 2 ** n, cap) for n in range(8)]  # 15 s, 30 s, … 15 min, 15 min
    assert all(0 <= wait - delay <= 1 for wait, delay in zip(waits, expected, strict=True))
    assert expected[-2:] == [cap, cap] == [900, 900]  # at most 15 minutes, however long


def test_a_client_trying_many_accounts_is_blocked_on_every_account(
    app: FastAPI, session: Session
) -> None:
    account = factories.user(session)
    session.commit()
    with _from(app, STRANGER) as stranger:
        statuses = [_attempt(stranger, f"guess{n}@example.org", "wrong")[0] for n in range(20)]
        assert statuses == [401] * 20
        status, page, retry = _attempt(stranger, account.email, PASSWORD)
        assert status == 429 and retry in (15, 16) and "Too many failed sign-ins" in page
    with _from(app, OWN_CLIENT) as own:
        assert _attempt(own, account.email, PASSWORD)[0] == 303


def test_an_attack_from_many_clients_holds_up_only_the_clients_that_fail(
    app: FastAPI, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The threshold made small, so that the test needs few slow (argon2) guesses.
    monkeypatch.setattr(accounts, "ACCOUNT_UNDER_ATTACK", 15)
    account = factories.user(session)
    session.commit()
    refused = throttled = 0
    for n in range(3):  # a botnet: five guesses per address, then it must wait
        for _ in range(6):
            try:
                accounts.authenticate(session, account.email, "guess", f"10.0.0.{n}")
            except TooManyAttempts:
                throttled += 1
            except NotAuthenticated:
                refused += 1
    session.commit()
    assert (refused, throttled) == (15, 3)
    # The real user signs in at once from their own address…
    with _from(app, OWN_CLIENT) as own:
        assert _attempt(own, account.email, PASSWORD)[0] == 303
    # …while a new address that fails gets one free failure on this account, not five.
    with _from(app, STRANGER) as stranger:
        assert [_attempt(stranger, account.email, "guess")[0] for _ in range(2)] == [401, 429]
        assert _attempt(stranger, "someone.else@example.org", "guess")[0] == 401


def test_an_admin_unlocks_an_account_at_once(client: TestClient, app: FastAPI,
                                             session: Session) -> None:
    account = factories.user(session)
    session.commit()
    with _from(app, OWN_CLIENT) as own:
        for n in range(6):
            _attempt(own, account.email, f"forgotten {n}")
        assert _attempt(own, account.email, PASSWORD)[0] == 429
        factories.sign_in(client, session, role="admin")
        page = html.fromstring(client.get("/admin/users").text)
        row = next(tr for tr in page.cssselect("tbody tr")
                   if tr.cssselect("td")[0].text == account.email)
        assert row.cssselect("td.sign-ins")[0].text_content().startswith("5; 1 client must wait")
        token = csrf_from(client.get("/admin/users").text)
        log = LogLines()
        response = client.post(f"/admin/users/{account.id}",
                               data={"csrf_token": token, "action": "unlock"},
                               follow_redirects=False)
        assert response.status_code == 303
        (event,) = log.events("account_unlocked")
        assert event["target_user_id"] == account.id and event["counts_removed"] == 2
        assert _attempt(own, account.email, PASSWORD)[0] == 303
    page = html.fromstring(client.get("/admin/users").text)
    assert not page.cssselect("button[value=unlock]")


def test_unlocking_needs_an_admin_and_the_forms_token(client: TestClient, app: FastAPI,
                                                      session: Session) -> None:
    account = factories.user(session)
    session.commit()
    with _from(app, OWN_CLIENT) as own:
        for _ in range(5):
            _attempt(own, account.email, "wrong")
    token = csrf_from(client.get("/login").text)
    anonymous = client.post(f"/admin/users/{account.id}",
                            data={"csrf_token": token, "action": "unlock"},
                            follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    sign_in(client, session, role="editor")
    token = csrf_from(client.get("/estimates/new").text)
    assert client.post(f"/admin/users/{account.id}",
                       data={"csrf_token": token, "action": "unlock"}).status_code == 403
    editor = {"Authorization": f"Bearer {factories.api_token(session, role='editor')}"}
    assert client.post(f"/api/users/{account.id}/unlock", headers=editor).status_code == 403
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(LoginThrottle)
                          .where(LoginThrottle.blocked_until.is_not(None))) == 1
    admin = {"Authorization": f"Bearer {factories.api_token(session, role='admin')}"}
    unlocked = client.post(f"/api/users/{account.id}/unlock", headers=admin)
    assert unlocked.status_code == 200 and unlocked.json()["email"] == account.email
    with _from(app, OWN_CLIENT) as own:
        assert _attempt(own, account.email, PASSWORD)[0] == 303


def test_sign_out_is_logged_without_the_session_id(client: TestClient,
                                                   session: Session) -> None:
    editor = sign_in(client, session)
    cookie = client.cookies["reckon_session"]
    token = csrf_from(client.get("/estimates/new").text)
    log = LogLines()
    assert client.post("/logout", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    (event,) = log.events("sign_out")
    assert event["user_id"] == editor.id and event["path"] == "/logout"
    assert cookie not in log.text and token not in log.text


def test_a_sign_in_purges_what_has_expired(client: TestClient, session: Session) -> None:
    account = factories.user(session)
    old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=9)
    session.add(LoginSession(id="x" * 64, user_id=account.id, created_at=old, last_seen_at=old))
    session.add(LoginThrottle(key="client:192.0.2.1", failures=3, last_failure_at=old))
    session.commit()
    log = LogLines()
    assert _login(client, account.email, PASSWORD)[0] == 303
    session.expire_all()
    assert session.get(LoginSession, "x" * 64) is None
    assert session.get(LoginThrottle, "client:192.0.2.1") is None
    (event,) = log.events("sessions_purged")
    assert (event["sessions"], event["throttles"], event["tokens"]) == (1, 1, 0)
