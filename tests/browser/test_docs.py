"""The API docs in headless Chromium: Swagger UI from static/swagger-ui/ renders the schema
under the page's strict CSP, asks no other site for anything, and its "Try it out" reaches
the API."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request, expect

from tests.browser.test_reader import watch

pytestmark = pytest.mark.browser


def test_the_api_docs_render_under_their_csp_from_this_site_only(page: Page,
                                                                  live_server: str) -> None:
    w = watch(page)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/docs")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible(timeout=15_000)
    assert operations.count() >= 12
    expect(page.locator(".info .title")).to_contain_text("Reckon")

    # Open one read and run it: Swagger UI fetches the API with the page's connect-src.
    topics = page.locator(".opblock-get:has(.opblock-summary-path[data-path='/api/topics'])")
    expect(topics).to_have_count(1)
    topics.locator(".opblock-summary").click()
    answers: list[Request] = []
    page.on("requestfinished", lambda request: answers.append(request))
    topics.get_by_role("button", name="Try it out").click()
    topics.get_by_role("button", name="Execute").click()
    expect(topics.locator(".live-responses-table tr.response .response-col_status")).to_have_text(
        "200", timeout=10_000)
    assert any(urlsplit(r.url).path == "/api/topics" for r in answers)

    w.assert_clean()
    own = urlsplit(live_server).netloc
    elsewhere = [url for url in requested
                 if not url.startswith("data:") and urlsplit(url).netloc != own]
    assert elsewhere == []
