"""From an article, in headless Chromium, end to end: an editor signs in, opens the page from
the editor navigation, tries the demo article, sees the six candidates, unticks none,
corrects one, saves them all at once, and sees the estimates — published at once with review
off, waiting for a second editor with review on. Screenshots in tests/browser/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from app.services import users
from tests.browser.conftest import TOPIC, _demo_database, _serve
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


@pytest.fixture(scope="module", params=["off", "required"])
def extract_server(request: pytest.FixtureRequest,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    review = str(request.param)
    with _demo_database(tmp_path_factory, f"extract-{review}") as (url, session):
        users.create_user(session, "ada@example.org", PASSWORD, display_name="Ada")
        session.commit()
    with _serve(url, f"reckon-extract-{review}", review=review) as base:
        yield base, review


def _sign_in(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill("ada@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_the_demo_article_becomes_estimates(browser: Browser,
                                            extract_server: tuple[str, str]) -> None:
    base, review = extract_server
    context = browser.new_context(base_url=base, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    try:
        _sign_in(page)
        page.get_by_role("link", name="From an article").click()
        expect(page.get_by_role("heading", name="Estimates from an article")).to_be_visible()
        page.get_by_label("Topic", exact=True).select_option(TOPIC)
        page.get_by_role("link", name="Try it with the demo article").click()
        expect(page.get_by_label("The article’s text")).to_have_value(
            re.compile("Nordkorea schickt mehr Truppen"))
        expect(page.get_by_label("Publication")).to_have_value("The Telegraph")
        page.get_by_role("button", name="Find candidates").click()
        candidates = page.locator("fieldset.candidate")
        expect(candidates).to_have_count(6)
        expect(candidates.nth(1)).to_contain_text("Im vergangenen Jahr entsandte Nordkorea")
        expect(page.locator("#c-1-figure")).to_have_value("etwa 10.000-12.000")
        expect(page.locator("#c-1-source")).to_have_value("south-korea-nis")
        expect(page.locator("#c-0-scope")).to_have_value("increment")
        expect(page.locator("#c-4-source")).to_have_value("volodymyr-zelensky")
        expect(page.locator("#c-5-source")).to_have_value("us-officials")
        candidates.nth(0).screenshot(path=str(SCREENSHOTS / f"extract-candidate-{review}.png"))
        page.screenshot(path=str(SCREENSHOTS / f"extract-candidates-{review}.png"),
                        full_page=True)
        # A correction, and a mistake first: nothing is saved, the values stay.
        page.locator("#c-2-as_of").fill("Januar")
        page.get_by_role("button", name="Save the ticked candidates").click()
        expect(page.locator("#c-2-as_of-error")).to_be_visible()
        expect(page.locator("#c-2-as_of")).to_have_value("Januar")
        page.locator("#c-2-as_of").fill("2025-01")
        page.get_by_role("button", name="Save the ticked candidates").click()
        expect(page.get_by_role("heading", name="Saved from the article")).to_be_visible()
        items = page.locator("ul.saved-estimates li")
        expect(items).to_have_count(6)
        marker = "awaiting review" if review == "required" else "published"
        for i in range(6):
            expect(items.nth(i)).to_contain_text(marker)
        page.screenshot(path=str(SCREENSHOTS / f"extract-saved-{review}.png"), full_page=True)
        items.nth(2).get_by_role("link").click()
        expect(page.locator("main")).to_contain_text("etwa 300 nordkoreanische Soldaten")
    finally:
        context.close()
