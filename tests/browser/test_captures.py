"""An estimate page with captured citations in headless Chromium: what a reader sees next to
each citation (captured date linking to the stored text, the page's publication date, quote
found or not), the stored text shown as plain text with nothing run, and an editor's
Re-capture button; screenshots for a person to look at."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.domain.dates import PartialDate
from app.main import create_app
from app.models import utcnow
from app.services.capture_runs import Capturer, transactions
from app.services.fetching import FetchPolicy
from tests import factories
from tests.capture_server import ENGLISH_QUOTE, news_site
from tests.conftest import _migrate
from tests.web.live import serve_app

pytestmark = pytest.mark.browser

NewContext = Callable[..., BrowserContext]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


@dataclass(frozen=True)
class Captured:
    base_url: str
    estimate_id: int
    editor_email: str


@pytest.fixture(scope="module")
def captured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Captured]:
    """An estimate citing an English article (its quote in the page) and a German one (its
    quote not), both captured from the test news site by the queue the worker runs."""
    url = f"sqlite:///{tmp_path_factory.mktemp('capture-db') / 'reckon.db'}"
    _migrate(url)
    with news_site() as site:
        engine = make_engine(url)
        try:
            with make_sessionmaker(engine)() as session:
                factories.topic_with_measure(session)
                factories.source(session, "us-officials", "US officials")
                estimate = factories.estimate(
                    session, source="us-officials", figure="about 1,200", as_of="2025-03",
                    citations=[
                        {"url": site.url("/en/article"), "quote": ENGLISH_QUOTE,
                         "publication": "The Daily Record", "title": "North Korean troops",
                         "language": "en"},
                        {"url": site.url("/de/artikel"), "publication": "Der Tagesbote",
                         "quote": "Die Verluste sind gering", "language": "de"}])
                editor = factories.user(session)
                session.commit()
                estimate_id, email = estimate.id, editor.email
            policy = FetchPolicy(allow_private=True, read_timeout=2)
            outcomes = Capturer(transactions(engine), policy).run_due()
            assert [o.state for o in outcomes] == ["captured", "captured"]
        finally:
            engine.dispose()
    with serve_app(create_app(Settings(environment="test", database_url=url,
                                       secret_key="b" * 32, review="off"))) as base:
        yield Captured(base, estimate_id, email)


def _shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 5_000


def _watch_console(page: Page) -> list[str]:
    errors: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", note)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_a_reader_sees_what_was_captured_next_to_each_citation(
        new_context: NewContext, captured: Captured) -> None:
    page = new_context(viewport={"width": 1100, "height": 900}).new_page()
    errors = _watch_console(page)
    page.goto(f"{captured.base_url}/estimates/{captured.estimate_id}")
    english, german = page.locator("div.citation").all()
    today = PartialDate(utcnow().date(), "day").label()
    expect(english.locator("a.capture-link")).to_have_text(f"captured {today}")
    expect(english.locator(".capture-published")).to_contain_text("published 12 March 2025")
    expect(english.locator(".quote-found")).to_have_text("quote found")
    expect(english.locator(".quote-found")).to_be_visible()
    expect(german.locator(".quote-not-found")).to_have_text(
        "quote not found in the captured page")
    expect(german.locator(".capture-published")).to_contain_text("published 13 January 2025")
    expect(page.locator("form.recapture")).to_have_count(0)
    _shoot(page, "capture-estimate-reader")
    assert errors == []  # no CSP violation, no script error

    english.locator("a.capture-link").click()
    expect(page.locator("body")).to_contain_text("Captured by Reckon from")
    expect(page.locator("body")).to_contain_text(ENGLISH_QUOTE)
    # Shown as text: the browser built no element from the page's markup.
    assert page.evaluate("document.querySelectorAll('a, script, img, article').length") == 0
    _shoot(page, "capture-text")


def test_an_editor_recaptures_from_the_estimate_page(
        new_context: NewContext, captured: Captured) -> None:
    page = new_context(viewport={"width": 1100, "height": 900}).new_page()
    errors = _watch_console(page)
    page.goto(f"{captured.base_url}/login")
    page.get_by_label("E-mail").fill(captured.editor_email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.goto(f"{captured.base_url}/estimates/{captured.estimate_id}")
    expect(page.get_by_role("button", name="Re-capture")).to_have_count(2)
    page.get_by_role("button", name="Re-capture").first.click()
    expect(page).to_have_url(f"{captured.base_url}/estimates/{captured.estimate_id}#citations")
    first = page.locator("div.citation").first
    expect(first.locator(".capture-pending")).to_have_text("re-capture pending")
    expect(first.locator(".quote-found")).to_be_visible()  # the last capture is still shown
    _shoot(page, "capture-estimate-editor")
    page.get_by_role("link", name="Captures").click()
    expect(page.locator("table.captures tbody tr")).to_have_count(1)
    expect(page.locator("table.captures")).to_contain_text("Die Verluste sind gering")
    _shoot(page, "capture-editor-list")
    assert errors == []
