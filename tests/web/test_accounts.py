"""The editor's own account: changing the password, strong passwords at every door, and named
API tokens (listed, last use, expiry, revoked one by one) — on the real app and database."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.config import PROJECT_DIR
from app.models import ApiToken, LoginSession, LoginThrottle, User
from app.services import accounts, users
from tests import factories
from tests.factories import PASSWORD, csrf_from, sign_in
from tests.web.live import LogLines

NEW_PASSWORD = "velvet quarry lantern oboe"
WEAK = ["Summer2024!!", "qwerty123456", "short pass"]
VNU = PROJECT_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _page(client: TestClient, url: str) -> tuple[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return csrf_from(response.text), html.fromstring(response.text)


def _change(client: TestClient, current: str, new: str, repeat: str | None = None) -> Any:
    token, _ = _page(client, "/account/password")
    return client.post("/account/password", follow_redirects=False, data={
        "csrf_token": token, "current_password": current, "new_password": new,
        "repeat_password": new if repeat is None else repeat})


def _login(client: TestClient, email: str, password: str) -> int:
    token = csrf_from(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": token},
                       follow_redirects=False).status_code


def _error(response: Any, name: str) -> str:
    doc = html.fromstring(response.text)
    (field,) = doc.cssselect(f"input#{name}")
    assert field.get("aria-invalid") == "true"
    assert f"{name}-error" in field.get("aria-describedby", "").split()
    return str(doc.cssselect(f"p#{name}-error")[0].text_content())


# ---- the account page and changing one's password ------------------------------------------

def test_the_account_page_is_linked_from_the_header_and_needs_a_signed_in_editor(
    client: TestClient, session: Session
) -> None:
    for url in ("/account", "/account/password", "/account/tokens"):
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={url}"
    editor = sign_in(client, session)
    _, home = _page(client, "/")
    (link,) = [a for a in home.cssselect("nav.account a") if a.text == "Account"]
    _, page = _page(client, link.get("href"))
    details = [dd.text_content() for dd in page.cssselect("dl.account-details dd")]
    assert details[0] == editor.email and details[2] == "editor"
    links = {a.text: a.get("href") for a in page.cssselect("dl.account-details a")}
    assert _page(client, links["Change your password"])[1].cssselect("input#new_password")
    assert _page(client, links["Manage your API tokens"])[1].cssselect("input#name")


def test_changing_the_password_needs_the_current_one_and_ends_the_other_sessions(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    editor = sign_in(client, session)
    with TestClient(app) as other:  # the same editor in another browser
        assert _login(other, editor.email, PASSWORD) == 303
        assert other.get("/account", follow_redirects=False).status_code == 200
        log = LogLines()
        wrong = _change(client, "not my password at all", NEW_PASSWORD)
        assert wrong.status_code == 422
        assert _error(wrong, "current_password") == "This is not your current password."
        assert "not my password at all" not in wrong.text and NEW_PASSWORD not in wrong.text
        session.expire_all()
        assert session.scalar(select(func.count()).select_from(LoginThrottle)
                              .where(LoginThrottle.key.startswith("pair:"))) == 1
        differ = _change(client, PASSWORD, NEW_PASSWORD, repeat=NEW_PASSWORD + "x")
        assert differ.status_code == 422
        assert _error(differ, "repeat_password") == "The two new passwords differ."

        done = _change(client, PASSWORD, NEW_PASSWORD)
        assert done.status_code == 303 and done.headers["location"].endswith(
            "/account?done=password")
        _, page = _page(client, done.headers["location"])  # this browser stays signed in
        assert "Every other browser signed in as you was signed out" in page.cssselect(
            "div.reading")[0].text_content()
        stale = other.get("/account", follow_redirects=False)  # the other one does not
        assert stale.status_code == 303 and stale.headers["location"].startswith("/login")
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(LoginSession)
                          .where(LoginSession.user_id == editor.id)) == 1
    (event,) = log.events("password_changed")
    assert event["target_user_id"] == editor.id == event["user_id"]
    assert event["sessions_ended"] == 1
    assert log.events("password_change_refused")
    for secret in (PASSWORD, NEW_PASSWORD, "not my password at all",
                   client.cookies["reckon_session"]):
        assert secret not in log.text
    assert _login(client, editor.email, PASSWORD) == 401
    assert _login(client, editor.email, NEW_PASSWORD) == 303
    session.expire_all()
    changed = session.get(User, editor.id)
    assert changed is not None and changed.password_changed_at is not None


def test_guessing_the_current_password_is_throttled(client: TestClient,
                                                    session: Session) -> None:
    sign_in(client, session)
    statuses = [_change(client, f"guess {n}", NEW_PASSWORD).status_code for n in range(6)]
    assert statuses == [422] * 5 + [429]
    blocked = _change(client, PASSWORD, NEW_PASSWORD)
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) <= 16
    assert "Too many failed sign-ins" in blocked.text


def test_changing_the_password_needs_the_forms_token(client: TestClient,
                                                     session: Session) -> None:
    editor = sign_in(client, session)
    before = editor.password_hash
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "repeat_password": NEW_PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 403
    session.expire_all()
    assert session.scalar(select(User.password_hash).where(User.id == editor.id)) == before


# ---- strong passwords, at every door -------------------------------------------------------

@pytest.mark.parametrize("weak", WEAK)
def test_a_weak_new_password_is_refused_with_the_reason(client: TestClient, session: Session,
                                                        weak: str) -> None:
    editor = sign_in(client, session)
    before = editor.password_hash
    response = _change(client, PASSWORD, weak)
    assert response.status_code == 422
    reason = _error(response, "new_password")
    assert reason.startswith("This password is too weak.") and len(reason) > 30
    doc = html.fromstring(response.text)  # no password is sent back
    assert all(i.get("value") is None for i in doc.cssselect("input[type=password]"))
    assert weak not in response.text and PASSWORD not in response.text
    session.expire_all()
    assert session.scalar(select(User.password_hash).where(User.id == editor.id)) == before


def test_a_password_built_on_the_users_own_name_is_refused(session: Session) -> None:
    account = factories.user(session, email="marguerite.oswald@example.org")
    account.display_name = "Marguerite Oswald"
    built_on_name = "marguerite oswald 77"
    assert users.password_problem(built_on_name) is None  # a stranger's would pass
    reason = users.password_problem(built_on_name, account.email, account.display_name)
    assert reason is not None and "name or e-mail address" in reason


@pytest.mark.parametrize("weak", WEAK)
def test_admins_cannot_create_users_with_weak_passwords(client: TestClient, session: Session,
                                                        weak: str) -> None:
    sign_in(client, session, role="admin")
    token, _ = _page(client, "/admin/users")
    response = client.post("/admin/users", data={
        "csrf_token": token, "email": "new.editor@example.org", "display_name": "New Editor",
        "role": "admin", "password": weak})
    assert response.status_code == 422
    assert _error(response, "password").startswith("This password is too weak.")
    doc = html.fromstring(response.text)  # the input is kept, except the password
    assert doc.cssselect("input#email")[0].get("value") == "new.editor@example.org"
    assert doc.cssselect("input#display_name")[0].get("value") == "New Editor"
    assert doc.cssselect("select#role option[selected]")[0].get("value") == "admin"
    assert doc.cssselect("input#password")[0].get("value") is None and weak not in response.text
    admin = {"Authorization": f"Bearer {factories.api_token(session, role='admin')}"}
    api = client.post("/api/users", headers=admin, json={
        "email": "new.editor@example.org", "password": weak})
    assert api.status_code == 422
    (detail,) = api.json()["detail"]
    assert detail["loc"] == ["body", "password"]
    assert detail["msg"].startswith("This password is too weak.") and len(detail["msg"]) > 30
    assert session.scalar(select(User).where(User.email == "new.editor@example.org")) is None


# ---- API tokens ----------------------------------------------------------------------------

def _create_token(client: TestClient, name: str, days: str = "") -> Any:
    token, _ = _page(client, "/account/tokens")
    return client.post("/account/tokens", data={"csrf_token": token, "name": name,
                                                "expires_in_days": days})


def _rows(client: TestClient) -> dict[str, list[str]]:
    _, page = _page(client, "/account/tokens")
    return {tr.cssselect("td")[0].text_content(): [td.text_content().strip()
                                                   for td in tr.cssselect("td")]
            for tr in page.cssselect("table#tokens tbody tr")}


def test_tokens_are_named_shown_once_listed_used_and_revoked(client: TestClient,
                                                            session: Session) -> None:
    sign_in(client, session, role="admin")
    log = LogLines()
    created = _create_token(client, "  data desk   import ", "30")
    assert created.status_code == 201 and created.headers["cache-control"] == "no-store"
    secret = html.fromstring(created.text).cssselect("input#new-token")[0].get("value")
    assert secret.startswith("rk_")
    rows = _rows(client)
    assert list(rows) == ["data desk import"]  # spaces tidied
    name, made, used, expires, _ = rows["data desk import"]
    assert name == "data desk import"
    assert used == "never" and made.endswith("UTC")
    in_30_days = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    assert expires == f"{in_30_days:%Y-%m-%d %H:%M} UTC" or expires.startswith(
        f"{in_30_days:%Y-%m-%d}")
    assert secret not in client.get("/account/tokens").text  # shown once, never again

    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/users", headers=bearer).status_code == 200
    assert rows != _rows(client) and _rows(client)["data desk import"][2].endswith("UTC")

    (stored,) = session.scalars(select(ApiToken).where(ApiToken.name == "data desk import"))
    token, _ = _page(client, "/account/tokens")
    revoked = client.post(f"/account/tokens/{stored.id}/revoke", data={"csrf_token": token},
                          follow_redirects=False)
    assert revoked.status_code == 303
    assert revoked.headers["location"].endswith("/account/tokens?done=revoked")
    assert client.get("/api/users", headers=bearer).status_code == 401
    assert _rows(client) == {}
    (made_event,) = log.events("token_created")
    assert (made_event["token_id"], made_event["name"]) == (stored.id, "data desk import")
    (revoked_event,) = log.events("token_revoked")
    assert revoked_event["token_id"] == stored.id
    assert secret not in log.text and secret[3:] not in log.text


def test_an_expired_token_does_not_authenticate(client: TestClient, session: Session) -> None:
    account = factories.user(session, role="admin")
    new = users.issue_api_token(session, account, name="short-lived", expires_in_days=1)
    token_id = new.token.id
    session.commit()
    bearer = {"Authorization": f"Bearer {new.secret}"}
    assert client.get("/api/users", headers=bearer).status_code == 200
    session.execute(update(ApiToken).values(
        expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    session.commit()
    assert client.get("/api/users", headers=bearer).status_code == 401
    assert accounts.purge_expired(session).tokens == 1
    assert session.get(ApiToken, token_id) is None


def test_a_token_page_shows_expired_tokens_until_they_are_purged(
    client: TestClient, session: Session
) -> None:
    editor = sign_in(client, session)
    new = users.issue_api_token(session, editor, name="old script", expires_in_days=1)
    new.token.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    session.commit()
    row = _rows(client)["old script"]
    assert row[3].startswith("expired ")
    _, page = _page(client, "/account")
    assert page.cssselect("dl.account-details dd")[5].text_content().startswith("0 active")


def test_token_forms_are_checked_and_keep_the_input(client: TestClient,
                                                    session: Session) -> None:
    sign_in(client, session)
    for name, days, field in (("", "", "name"), ("x" * 101, "", "name"),
                              ("script", "0", "expires_in_days"),
                              ("script", "soon", "expires_in_days"),
                              ("script", "3651", "expires_in_days")):
        response = _create_token(client, name, days)
        assert response.status_code == 422, (name, days)
        assert _error(response, field)
        doc = html.fromstring(response.text)
        assert doc.cssselect("input#expires_in_days")[0].get("value") == days
        assert not doc.cssselect("input#new-token")
    assert session.scalar(select(func.count()).select_from(ApiToken)) == 0
    assert client.post("/account/tokens", data={"name": "x", "csrf_token": "forged"}
                       ).status_code == 403
    assert session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_an_editor_cannot_revoke_someone_elses_token(client: TestClient,
                                                     session: Session) -> None:
    other = factories.user(session, role="admin")
    theirs = users.issue_api_token(session, other, name="theirs")
    session.commit()
    sign_in(client, session)
    token, _ = _page(client, "/account/tokens")
    response = client.post(f"/account/tokens/{theirs.token.id}/revoke",
                           data={"csrf_token": token})
    assert response.status_code == 404
    for bad in ("0", str(2**40)):
        assert client.post(f"/account/tokens/{bad}/revoke",
                           data={"csrf_token": token}).status_code == 404
    assert client.get("/api/users", headers={
        "Authorization": f"Bearer {theirs.secret}"}).status_code == 200
    token = csrf_from(client.get("/login").text)
    client.cookies.clear()
    anonymous = client.post(f"/account/tokens/{theirs.token.id}/revoke",
                            data={"csrf_token": token}, follow_redirects=False)
    assert anonymous.status_code == 303
    assert session.get(ApiToken, theirs.token.id) is not None


def test_last_use_is_recorded_to_the_minute(client: TestClient, session: Session) -> None:
    account = factories.user(session, role="admin")
    new = users.issue_api_token(session, account, name="reader")
    session.commit()
    bearer = {"Authorization": f"Bearer {new.secret}"}
    assert client.get("/api/users", headers=bearer).status_code == 200
    session.expire_all()
    first = session.get(ApiToken, new.token.id)
    assert first is not None and first.last_used_at is not None
    seen = first.last_used_at
    assert client.get("/api/users", headers=bearer).status_code == 200
    session.expire_all()
    again = session.get(ApiToken, new.token.id)
    assert again is not None and again.last_used_at == seen  # not a write per request
    session.execute(update(ApiToken).values(last_used_at=seen - dt.timedelta(minutes=2)))
    session.commit()
    assert client.get("/api/users", headers=bearer).status_code == 200
    session.expire_all()
    later = session.get(ApiToken, new.token.id)
    assert later is not None and later.last_used_at is not None
    assert later.last_used_at > seen - dt.timedelta(minutes=1)


# ---- the pages are valid HTML --------------------------------------------------------------

def test_account_pages_are_valid_html(client: TestClient, app: FastAPI, session: Session,
                                      tmp_path: Path) -> None:
    java = shutil.which("java")
    if not (java and VNU.exists()):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("the Nu HTML checker needs java and `npm ci` (vnu-jar)")
        pytest.skip("the Nu HTML checker needs java and `npm ci` (vnu-jar)")
    locked = factories.user(session)
    session.commit()
    with TestClient(app, client=("192.0.2.8", 1)) as other:
        for _ in range(5):
            _login(other, locked.email, "wrong")
    sign_in(client, session, role="admin")
    pages = {
        "account": client.get("/account?done=password"),
        "password": client.get("/account/password"),
        "password-errors": _change(client, PASSWORD, "Summer2024!!"),
        "tokens-empty": client.get("/account/tokens"),
        "token-created": _create_token(client, "desk", "7"),
        "tokens-errors": _create_token(client, "", "x"),
        "tokens": client.get("/account/tokens?done=revoked"),
        "users-locked": client.get("/admin/users"),
    }
    for name, response in pages.items():
        assert response.status_code in (200, 201, 422), name
        (tmp_path / f"{name}.html").write_text(response.text)
    assert "Unlock" in pages["users-locked"].text
    result = subprocess.run(
        [str(java), "-jar", str(VNU), "--errors-only", "--format", "json",
         *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True, text=True, timeout=120, check=False)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    problems = [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
                for m in messages if m.get("type") == "error"]
    assert not problems, "\n".join(problems)
