"""Headers and protocol: the opener policy everywhere, HSTS with secure cookies, nothing a
signed-in editor saw kept in a cache, `__Host-` cookies over HTTPS, self-hosted API docs off
in production, every error in the reader's format with the security headers, and the audit
events of refusals — with no secret in them."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from lxml import html
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.middleware import Middleware
from starlette.types import Receive, Scope, Send

from app.config import PROJECT_DIR, Settings
from app.domain.errors import TooManyAttempts
from app.main import create_app
from app.services import catalog, comparison
from app.web.deps import get_session
from app.web.observability import RequestContext
from tests import factories
from tests.factories import PASSWORD, csrf_from
from tests.web.live import LogLines

TOPIC = "north-korean-troops-in-russia"
HSTS = "max-age=31536000; includeSubDomains"


def _app(settings: Settings, engine: Engine, session: Session) -> FastAPI:
    app = create_app(settings, engine=engine)

    def _test_session() -> Iterator[Session]:
        yield session
        session.commit()

    app.dependency_overrides[get_session] = _test_session
    return app


@pytest.fixture
def secure(settings: Settings, engine: Engine, session: Session) -> Iterator[TestClient]:
    """The app as served behind HTTPS (RECKON_SECURE_COOKIES=true)."""
    app = _app(settings.model_copy(update={"secure_cookies": True}), engine, session)
    with TestClient(app, base_url="https://testserver") as client:
        yield client


# ---- headers ---------------------------------------------------------------------------------

@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("path", [
    "/", f"/topics/{TOPIC}", "/api/topics", f"/embed/topics/{TOPIC}/casualties", "/healthz",
    "/static/reckon.css", "/docs", "/openapi.json", "/no-such-page",
])
def test_every_answer_has_the_opener_policy_and_no_hsts_over_http(client: TestClient,
                                                                   path: str) -> None:
    response = client.get(path)
    assert response.headers["cross-origin-opener-policy"] == "same-origin"
    assert "strict-transport-security" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.usefixtures("demo")
def test_hsts_with_secure_cookies(secure: TestClient) -> None:
    for path in ("/", "/api/topics", "/no-such-page"):
        assert secure.get(path).headers["strict-transport-security"] == HSTS


@pytest.mark.usefixtures("demo")
def test_a_signed_in_editor_s_pages_are_never_stored(client: TestClient,
                                                     session: Session) -> None:
    anonymous = client.get("/")
    assert anonymous.headers["cache-control"] == "public, max-age=0, must-revalidate"
    factories.sign_in(client, session)
    for path in ("/", f"/topics/{TOPIC}", "/estimates/new", "/changes"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store", path
    # What does not show the visitor keeps its own rules.
    assert client.get("/static/reckon.css").headers["cache-control"] != "no-store"


# ---- __Host- cookies -------------------------------------------------------------------------

def _set_cookies(response: Response) -> list[str]:
    return response.headers.get_list("set-cookie")


def test_cookies_carry_the_host_prefix_with_secure_cookies(secure: TestClient,
                                                           session: Session) -> None:
    (anon,) = _set_cookies(secure.get("/login"))
    assert anon.startswith("__Host-reckon_anon=")
    assert "Secure" in anon and "Path=/" in anon and "domain" not in anon.lower()
    account = factories.user(session)
    session.commit()
    token = csrf_from(secure.get("/login").text)
    signed_in = secure.post("/login", data={"email": account.email, "password": PASSWORD,
                                            "csrf_token": token}, follow_redirects=False)
    assert signed_in.status_code == 303, signed_in.text
    cookies = {c.split("=", 1)[0]: c for c in _set_cookies(signed_in)}
    assert set(cookies) == {"__Host-reckon_session", "__Host-reckon_anon"}
    assert all("Secure" in c and "Path=/" in c for c in cookies.values())
    assert "Max-Age=0" in cookies["__Host-reckon_anon"] or 'reckon_anon=""' in cookies[
        "__Host-reckon_anon"]
    assert secure.get("/estimates/new").status_code == 200
    value = secure.cookies["__Host-reckon_session"]

    # The plain name is what plain HTTP or a sibling subdomain could set: it is not believed.
    secure.cookies.clear()
    plain = secure.get("/estimates/new", headers={"cookie": f"reckon_session={value}"},
                       follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"].startswith("/login")
    prefixed = secure.get("/estimates/new", headers={"cookie": f"__Host-reckon_session={value}"})
    assert prefixed.status_code == 200

    token = csrf_from(prefixed.text)
    out = secure.post("/logout", data={"csrf_token": token}, follow_redirects=False,
                      headers={"cookie": f"__Host-reckon_session={value}"})
    (gone,) = _set_cookies(out)
    assert gone.startswith("__Host-reckon_session=") and "Secure" in gone and "Path=/" in gone


def test_plain_cookie_names_without_https(client: TestClient) -> None:
    (anon,) = _set_cookies(client.get("/login"))
    assert anon.startswith("reckon_anon=") and "Secure" not in anon


# ---- /docs -----------------------------------------------------------------------------------

def test_the_api_docs_load_nothing_from_elsewhere_and_run_no_inline_script(
        client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "http" not in csp and "cdn" not in csp
    assert "script-src 'self';" in csp and "connect-src 'self'" in csp
    page = html.fromstring(response.text)
    scripts = page.cssselect("script")
    assert len(scripts) == 2
    assert all(s.get("src") and not (s.text or "").strip() for s in scripts)
    assert not page.cssselect("style") and not page.cssselect("[style]")
    assert not [e for e in page.iter() if isinstance(e.tag, str)
                for name in e.attrib if name.startswith("on")]
    urls = [*(s.get("src") for s in scripts),
            *(link.get("href") for link in page.cssselect("link"))]
    assert len(urls) == 4
    for url in urls:
        assert urlsplit(url).netloc == "testserver", url
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    schema_url = page.cssselect("#swagger-ui")[0].get("data-openapi-url")
    assert client.get(schema_url).json()["info"]["title"] == "Reckon"
    assert client.get("/redoc").status_code == 404  # it would need a CDN or inline styles


def test_the_vendored_swagger_ui_is_the_pinned_release() -> None:
    folder = PROJECT_DIR / "static" / "swagger-ui"
    readme = (folder / "README.md").read_text()
    assert "swagger-ui-dist` **5.35.0**" in readme
    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        assert f"{digest}  {name}" in readme, name
    assert "Apache License" in (folder / "LICENSE").read_text()
    init = (PROJECT_DIR / "static" / "api-docs.js").read_text()
    assert "SwaggerUIBundle(" in init and "validatorUrl: null" in init
    assert not re.search(r"https?://", init)


@pytest.mark.parametrize(("enable", "status"), [(None, 404), (False, 404), (True, 200)])
def test_the_api_docs_are_off_in_production_unless_enabled(
        engine: Engine, session: Session, db_url: str, enable: bool | None,
        status: int) -> None:
    settings = Settings(environment="production", database_url=db_url, secret_key="p" * 40,
                        allowed_hosts="testserver", enable_docs=enable)
    with TestClient(_app(settings, engine, session)) as client:
        assert client.get("/docs").status_code == status
        assert client.get("/openapi.json").status_code == status
        assert client.get("/redoc").status_code == 404
        assert client.get("/api/topics").status_code == 200


# ---- every error in the reader's format ------------------------------------------------------

Call = Callable[[TestClient, dict[str, str]], Response]


def _raising(monkeypatch: pytest.MonkeyPatch, target: Any, name: str, exc: Exception) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise exc

    monkeypatch.setattr(target, name, fail)


PAGE_ERRORS: dict[int, Call] = {
    400: lambda c, _: c.get("/", headers={"Host": "evil.example"}),
    403: lambda c, _: c.post("/login", data={"csrf_token": "x"},
                             headers={"Origin": "https://evil.example"}),
    404: lambda c, _: c.get("/no-such-page"),
    405: lambda c, _: c.delete("/changes"),
    413: lambda c, _: c.post("/login", content=b"x" * (1024 * 1024 + 1),
                             headers={"content-type": "application/x-www-form-urlencoded"}),
    422: lambda c, _: c.get(f"/topics/{TOPIC}?as_of=0"),
}
API_ERRORS: dict[int, Call] = {
    400: lambda c, _: c.get("/api/topics", headers={"Host": "evil.example"}),
    403: lambda c, auth: c.get("/api/users", headers=auth),
    404: lambda c, _: c.get("/api/no-such-thing"),
    405: lambda c, _: c.delete("/api/topics"),
    413: lambda c, auth: c.post("/api/topics", content=b"x" * (1024 * 1024 + 1),
                                headers={**auth, "content-type": "application/json"}),
    415: lambda c, auth: c.post("/api/topics", content=b"slug=x", headers=auth),
    422: lambda c, _: c.get("/api/estimates?as_of_to=0"),
}


def _secured(response: Response) -> None:
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert response.headers["cross-origin-opener-policy"] == "same-origin"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-request-id"]


def _html_error(response: Response, status: int) -> str:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    _secured(response)
    page = html.fromstring(response.text)
    assert page.cssselect("h1") and page.cssselect("link[rel=stylesheet]")
    return str(page.cssselect("p.error-message")[0].text_content())


def _json_error(response: Response, status: int) -> Any:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"] == "application/json"
    _secured(response)
    return response.json()["detail"]


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("status", sorted(PAGE_ERRORS))
def test_each_error_of_a_page_is_an_html_page(client: TestClient, auth: dict[str, str],
                                              status: int) -> None:
    assert _html_error(PAGE_ERRORS[status](client, auth), status)


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("status", sorted(API_ERRORS))
def test_each_error_of_the_api_is_json(client: TestClient, auth: dict[str, str],
                                       status: int) -> None:
    assert _json_error(API_ERRORS[status](client, auth), status)


@pytest.mark.usefixtures("demo")
def test_throttling_and_bugs_in_the_reader_s_format(client: TestClient,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _raising(monkeypatch, comparison, "home_view", TooManyAttempts(30))
    _raising(monkeypatch, catalog, "list_topics", TooManyAttempts(30))
    assert "Too many" in _html_error(client.get("/"), 429)
    assert client.get("/").headers["retry-after"] == "30"
    assert "Too many" in _json_error(client.get("/api/topics"), 429)
    _raising(monkeypatch, comparison, "home_view", RuntimeError("bug"))
    _raising(monkeypatch, catalog, "list_topics", RuntimeError("bug"))
    assert "went wrong" in _html_error(client.get("/"), 500)
    assert "went wrong" in _json_error(client.get("/api/topics"), 500)


def test_a_database_down_is_a_503_in_the_reader_s_format(tmp_path: Path) -> None:
    unmigrated = create_app(Settings(environment="test", secret_key="u" * 32,
                                     database_url=f"sqlite:///{tmp_path / 'empty.db'}"))
    with TestClient(unmigrated) as client:
        assert "unavailable" in _html_error(client.get("/"), 503)
        assert "unavailable" in _json_error(client.get("/api/topics"), 503)


class _StampFromDatabase:
    """A middleware that reads the database before any route, as a data-stamp cache does."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] != "/healthz":
            raise OperationalError("SELECT max(changed_at) FROM stamps", {"secret": "p4ss"},
                                   Exception("server closed the connection unexpectedly"))
        await self.app(scope, receive, send)


def test_a_database_outage_met_in_a_middleware_is_a_503_too(tmp_path: Path) -> None:
    app = create_app(Settings(environment="test", secret_key="u" * 32,
                              database_url=f"sqlite:///{tmp_path / 'empty.db'}"))
    # Where another middleware of the stack would be: inside the request context.
    inside = [m.cls for m in app.user_middleware].index(RequestContext) + 1
    app.user_middleware.insert(inside, Middleware(_StampFromDatabase))
    log = LogLines()
    with TestClient(app) as client:
        assert "unavailable" in _html_error(client.get("/"), 503)
        assert "unavailable" in _json_error(client.get("/api/topics"), 503)
    events = log.events("database_unavailable")
    assert len(events) == 2 and not log.events("unexpected_error")
    assert events[0]["error"] == "OperationalError" and "p4ss" not in log.text


# ---- audit events, never a secret ------------------------------------------------------------

def test_refusals_are_audited_without_what_was_sent(client: TestClient, session: Session,
                                                    editor_token: str) -> None:
    factories.sign_in(client, session)
    session_cookie = client.cookies["reckon_session"]
    log = LogLines()
    forged = client.post("/logout", data={"csrf_token": "forged-token-4711",
                                          "password": "hunter2-secret"})
    assert forged.status_code == 403
    cross = client.post("/login", data={"email": "x@example.org", "password": "hunter3"},
                        headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    denied = client.get("/api/users", headers={"Authorization": f"Bearer {editor_token}"})
    assert denied.status_code == 403
    invalid = client.post("/api/estimates", headers={"Authorization": f"Bearer {editor_token}"},
                          json={"topic": TOPIC, "low": "sekret-figure-99"})
    assert invalid.status_code == 422
    (csrf,) = log.events("csrf_refused")
    assert csrf["path"] == "/logout" and csrf["user_id"] and csrf["audit"] is True
    (cross_site,) = log.events("cross_site_refused")
    assert cross_site["origin"] == "https://evil.example" and cross_site["client"]
    (permission,) = log.events("permission_denied")
    assert permission["path"] == "/api/users" and permission["user_id"]
    (validation,) = log.events("validation_failed")
    assert "body.low" in validation["fields"] and "body.measure" in validation["fields"]
    for secret in ("forged-token-4711", "hunter2-secret", "hunter3", "sekret-figure-99",
                   editor_token, session_cookie):
        assert secret not in log.text
