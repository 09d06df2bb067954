"""Review before publication in headless Chromium: a second editor finds what waits in the
review queue (linked, with its count, from the editors' navigation), approves a new estimate
there, and readers see it only then. Its own server and database, with RECKON_REVIEW=required."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.models import Estimate, Source
from app.schemas.estimates import EstimateCreate, EstimatePatch
from app.services import estimates, new_estimates, users
from tests.browser.conftest import TOPIC, _demo_database, _serve

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
PASSWORD = "Analytical engine, punched cards 1843"


@dataclass(frozen=True)
class ReviewServer:
    base_url: str
    new_id: int  # Ada's new estimate, waiting
    edited_id: int  # a demo estimate Ada proposed a change to


@pytest.fixture(scope="module")
def review_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewServer]:
    with _demo_database(tmp_path_factory, "review-db") as (url, session):
        ada = users.create_user(session, "ada@example.org", PASSWORD, display_name="Ada")
        users.create_user(session, "grace@example.org", PASSWORD, display_name="Grace")
        author = users.actor_of(ada)
        new = new_estimates.create_estimate(session, EstimateCreate(
            topic=TOPIC, measure="killed", source="us-officials", figure="etwa 4.321",
            as_of="2025-05", comment="US-Schätzung aus dem Pentagon-Briefing",
            citations=[{"url": "https://example.org/pentagon-briefing",
                        "publication": "Associated Press",
                        "quote": "roughly 4,321 North Korean soldiers killed"}]),
            author, review_required=True)
        edited = session.scalars(
            select(Estimate).join(Source).where(Source.slug == "south-korea-nis")
            .order_by(Estimate.id)).first()
        assert edited is not None
        estimates.update_estimate(session, edited.id, EstimatePatch(
            version=edited.version, figure="about 333", comment="NIS updated its count"),
            author, review_required=True)
        session.commit()
        new_id, edited_id = new.id, edited.id
    with _serve(url, "reckon-review-server", review="required") as base:
        yield ReviewServer(base, new_id, edited_id)


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any],
                         review_server: ReviewServer) -> dict[str, Any]:
    return {**browser_context_args, "base_url": review_server.base_url,
            "viewport": {"width": 1280, "height": 900}}


def _sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def _killed_figures(page: Page) -> list[int]:
    response = page.request.get(f"/api/estimates?topic={TOPIC}&measure=killed&per_page=100")
    assert response.ok
    return [item["low"] for item in response.json()["items"]]


def test_a_second_editor_approves_from_the_queue(page: Page, review_server: ReviewServer,
                                                 browser: Any) -> None:
    reader = browser.new_context(base_url=review_server.base_url).new_page()
    assert 4321 not in _killed_figures(reader)
    assert reader.goto(f"/estimates/{review_server.new_id}").status == 404

    _sign_in(page, "grace@example.org")
    review_link = page.locator("nav.account a.review-link")
    expect(review_link).to_contain_text("Review (2")
    review_link.click()
    expect(page).to_have_url(re.compile(r"/review$"))
    rows = page.locator("table.review-queue tbody tr")
    expect(rows).to_have_count(2)
    # Oldest first: the new estimate was put forward before the change.
    expect(rows.nth(0)).to_contain_text("New: about 4,321")
    expect(rows.nth(0)).to_contain_text("Ada")
    expect(rows.nth(1)).to_contain_text("Change:")
    expect(rows.nth(1)).to_contain_text("NIS updated its count")
    SCREENSHOTS.mkdir(exist_ok=True)
    shot = SCREENSHOTS / "review-queue.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 5_000

    rows.nth(0).get_by_role("button", name=f"Approve estimate {review_server.new_id}").click()
    expect(page).to_have_url(re.compile(r"/review$"))
    expect(rows).to_have_count(1)
    expect(page.locator("nav.account a.review-link")).to_contain_text("Review (1")
    assert 4321 in _killed_figures(reader)
    assert reader.goto(f"/estimates/{review_server.new_id}").status == 200

    # The change waits on its estimate's page, as a diff with the buttons of a reviewer.
    page.goto(f"/estimates/{review_server.edited_id}")
    panel = page.locator("section.review-panel")
    expect(panel).to_contain_text("Awaiting review")
    expect(panel.locator("table.diff")).to_contain_text("333")
    expect(panel.get_by_role("button", name="Approve this change")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "review-estimate.png"), full_page=True)
    reader.context.close()
