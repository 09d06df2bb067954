"""Citation capture through the app, on SQLite and PostgreSQL: saving an estimate queues its
pages without fetching them; after a run of the queue the estimate page and its JSON say
"captured …" and whether the quote was found; the stored text is plain text under a CSP
that allows nothing; editors re-capture (form and API) and see the quotes not found and the
failed captures."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.dates import PartialDate
from app.models import PageCapture, utcnow
from app.web.pages.captures import SEPARATOR
from tests import factories
from tests.capture_server import (
    BOILERPLATE,
    CHANGED_ENGLISH,
    ENGLISH_QUOTE,
    GERMAN_QUOTE,
    NewsSite,
    news_site,
    runner,
)


@pytest.fixture(scope="module")
def site() -> Iterator[NewsSite]:
    with news_site() as running:
        yield running


@pytest.fixture(autouse=True)
def fresh_site(site: NewsSite) -> None:
    site.reset()


@pytest.fixture
def topic(session: Session) -> None:
    factories.topic_with_measure(session)
    factories.source(session, "s", "US officials")
    session.commit()


def post_estimate(client: TestClient, auth: dict[str, str], *citations: dict[str, str]
                  ) -> dict[str, Any]:
    response = client.post("/api/estimates", headers=auth, json={
        "topic": "t", "measure": "killed", "source": "s", "figure": "about 1,200",
        "as_of": "2025-03", "citations": list(citations)})
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def capture_block(client: TestClient, estimate_id: int) -> list[html.HtmlElement]:
    response = client.get(f"/estimates/{estimate_id}")
    assert response.status_code == 200
    return list(html.fromstring(response.text).cssselect("div.citation"))


def today() -> str:
    return PartialDate(utcnow().date(), "day").label()


@pytest.mark.usefixtures("topic")
def test_a_saved_citation_is_captured_by_the_queue_and_shown_with_its_quote(
        client: TestClient, session: Session, auth: dict[str, str], site: NewsSite) -> None:
    created = post_estimate(client, auth,
                            {"url": site.url("/en/article"), "quote": ENGLISH_QUOTE,
                             "publication": "The Daily Record"},
                            {"url": site.url("/de/artikel"), "quote": "nicht im Artikel",
                             "language": "de"},
                            {"publication": "Press conference, no URL"})
    # Saving queued the pages and fetched none of them: the request never waits for a page.
    assert sum(site.requests.values()) == 0
    detail = client.get(f"/api/estimates/{created['id']}").json()
    assert [c["capture"] and c["capture"]["state"] for c in detail["citations"]] == [
        "pending", "pending", None]
    assert detail["citations"][0]["capture"]["text_url"] is None
    # Readers see nothing of a capture until it is done.
    assert [c.cssselect(".capture") for c in capture_block(client, created["id"])] == [[]] * 3

    before = client.get(f"/estimates/{created['id']}").headers["etag"]
    assert [o.state for o in runner(session).run_due()] == ["captured", "captured"]
    # The page changed, so its validator did: no cache keeps showing "pending".
    assert client.get(f"/estimates/{created['id']}",
                      headers={"If-None-Match": before}).status_code == 200

    english, german, spoken = capture_block(client, created["id"])
    (link,) = english.cssselect(".capture a.capture-link")
    assert link.text_content() == f"captured {today()}"
    assert english.cssselect(".capture-published")[0].text_content() == (
        " · published 12 March 2025, as the page says")
    assert english.cssselect(".quote-found")[0].text_content() == "quote found"
    assert german.cssselect(".quote-not-found")[0].text_content() == (
        "quote not found in the captured page")
    assert "published 13 January 2025" in german.text_content()
    assert not spoken.cssselect(".capture")
    assert not english.cssselect("form.recapture")  # a reader gets no button

    detail = client.get(f"/api/estimates/{created['id']}").json()
    first = detail["citations"][0]["capture"]
    assert first["state"] == "captured" and first["quote_found"] is True
    assert first["published_on"] == "2025-03-12" and first["author"] == "Jane Miller"
    assert detail["citations"][1]["capture"]["quote_found"] is False
    assert first["text_url"].endswith(link.get("href"))
    assert first["raw_sha256"] == hashlib.sha256(site.pages["/en/article"].body).hexdigest()


@pytest.mark.usefixtures("topic")
def test_the_captured_text_is_plain_text_under_a_csp_that_allows_nothing(
        client: TestClient, session: Session, auth: dict[str, str], site: NewsSite) -> None:
    # A page that tries to run script: its markup must never reach a reader as HTML.
    site.serve_html("/evil", "<html><head><title>Evil</title></head><body><article><p>"
                    "<script>alert(1)</script>Officials said that about 1,200 soldiers were "
                    "killed or wounded, the ministry confirmed in a statement on Monday "
                    "&lt;img src=x onerror=alert(1)&gt; after the talks.</p></article>"
                    "</body></html>")
    created = post_estimate(client, auth, {"url": site.url("/evil")})
    runner(session).run_due()
    capture = client.get(f"/api/estimates/{created['id']}").json()["citations"][0]["capture"]
    response = client.get(capture["text_url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert response.headers["x-content-type-options"] == "nosniff"
    head, text = response.text.split(SEPARATOR + "\n", 1)
    assert f"Captured by Reckon from {site.url('/evil')}" in head
    assert hashlib.sha256(text.encode()).hexdigest() == capture["text_sha256"]
    assert "<script>" not in response.text and "alert(1)</script>" not in response.text
    assert "<img src=x onerror=alert(1)>" in text  # the page's words, as words
    again = client.get(capture["text_url"], headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    assert client.get("/captures/999999.txt").status_code == 404


@pytest.mark.usefixtures("topic")
def test_an_editor_recaptures_a_changed_page_and_finds_the_quote_gone(
        client: TestClient, session: Session, site: NewsSite) -> None:
    factories.sign_in(client, session)
    url = site.url("/en/article")
    estimate = factories.estimate(session, figure="about 1,200", citations=[
        {"url": url, "quote": ENGLISH_QUOTE}])
    session.commit()
    runner(session).run_due()
    page = client.get(f"/estimates/{estimate.id}")
    (form,) = html.fromstring(page.text).cssselect("form.recapture")
    assert form.get("action").endswith(f"/estimates/{estimate.id}/recapture")
    fields = {i.get("name"): i.get("value") for i in form.cssselect("input")}
    assert fields["citation"] == "1"

    site.serve_html("/en/article", CHANGED_ENGLISH)
    response = client.post(form.get("action"), data=fields, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"/estimates/{estimate.id}#citations")
    (block,) = capture_block(client, estimate.id)
    assert "re-capture pending" in block.text_content()  # editors see the queue
    assert block.cssselect(".quote-found")  # readers still see the first capture

    runner(session).run_due()
    snapshots = session.scalars(select(PageCapture).order_by(PageCapture.id)).all()
    assert [s.state for s in snapshots] == ["captured", "captured"]
    assert len({s.raw_sha256 for s in snapshots}) == len({s.text_sha256 for s in snapshots}) == 2
    (block,) = capture_block(client, estimate.id)
    assert block.cssselect(".quote-not-found")

    listing = html.fromstring(client.get("/editor/captures").text)
    (row,) = listing.cssselect("table.captures tbody tr")
    assert row.cssselect("a")[0].get("href") == f"/estimates/{estimate.id}#citations"
    assert ENGLISH_QUOTE in row.text_content()
    assert f"captured {today()}" in row.text_content()
    assert html.fromstring(client.get("/").text).cssselect(
        "nav.account a[href$='/editor/captures']")


@pytest.mark.usefixtures("topic")
def test_recapturing_needs_an_editor_and_the_csrf_token(
        client: TestClient, session: Session, site: NewsSite) -> None:
    estimate = factories.estimate(session, low=1200, citations=[{"url": site.url("/en/article")}])
    session.commit()
    path = f"/estimates/{estimate.id}/recapture"
    assert client.post(path, data={"citation": "1"}, follow_redirects=False).status_code == 303
    assert client.get("/editor/captures", follow_redirects=False).status_code == 303
    factories.sign_in(client, session)
    assert client.post(path, data={"citation": "1"}).status_code == 403
    count = session.scalar(select(func.count()).select_from(PageCapture))
    assert count == 1  # only the capture queued when the citation was saved


@pytest.mark.usefixtures("topic")
def test_the_api_twin_queues_a_new_capture_and_answers_at_once(
        client: TestClient, session: Session, auth: dict[str, str], site: NewsSite) -> None:
    created = post_estimate(client, auth, {"url": site.url("/en/article")},
                            {"url": site.url("/de/artikel"), "quote": GERMAN_QUOTE})
    runner(session).run_due()
    path = f"/api/estimates/{created['id']}/captures"
    assert client.post(path).status_code == 401
    response = client.post(path, headers=auth, json={"citation": 2})
    assert response.status_code == 202
    (queued,) = response.json()["queued"]
    assert (queued["url"], queued["state"]) == (site.url("/de/artikel"), "pending")
    assert session.get(PageCapture, queued["id"]).state == "pending"
    assert session.scalar(select(func.count()).select_from(PageCapture)) == 3
    assert sum(site.requests.values()) == 2  # the two first captures; nothing fetched now
    everything = client.post(path, headers=auth)
    assert [q["url"] for q in everything.json()["queued"]] == [
        site.url("/de/artikel"), site.url("/en/article")]
    assert client.post(path, headers=auth, json={"citation": 5}).status_code == 404
    assert client.post("/api/estimates/99999/captures", headers=auth).status_code == 404


@pytest.mark.usefixtures("topic")
def test_failed_captures_are_listed_for_editors_with_their_reasons(
        client: TestClient, session: Session, site: NewsSite) -> None:
    factories.sign_in(client, session)
    estimate = factories.estimate(session, low=1200, citations=[
        {"url": site.url("/missing")}, {"url": site.url("/big")}, {"url": site.url("/slow")}])
    session.commit()
    runner(session).run_due()
    (block, *_rest) = capture_block(client, estimate.id)
    assert "not captured: HTTP 404 Not Found" in block.text_content()
    page = html.fromstring(client.get("/editor/captures/failed").text)
    rows = page.cssselect("table.captures tbody tr")
    reasons = sorted(r.cssselect("td.capture-failed")[0].text_content() for r in rows)
    assert reasons == ["HTTP 404 Not Found",
                       "timed out waiting for the page (after 0.5 s)",
                       "too large: 6,291,483 bytes announced, more than 5 MB"]
    slow = next(r for r in rows if "timed out" in r.text_content())
    assert "again after" in slow.text_content()
    (form,) = slow.cssselect("form")
    fields = {i.get("name"): i.get("value") for i in form.cssselect("input")}
    response = client.post(form.get("action"), data=fields, follow_redirects=False)
    assert response.status_code == 303
    waiting = session.scalars(select(PageCapture).where(PageCapture.state == "pending")).all()
    assert [w.requested_url for w in waiting] == [site.url("/slow")]


def test_the_estimate_page_escapes_what_a_captured_page_said(
        client: TestClient, session: Session, site: NewsSite, topic: None) -> None:
    site.serve_html("/markup", "<html><head><title>&lt;script&gt;alert(1)&lt;/script&gt;"
                    "</title><meta name='author' content='&quot;&gt;&lt;b&gt;x'></head><body>"
                    "<article><p>Officials said that about 1,200 soldiers were killed or "
                    "wounded in the region, a ministry statement said on Monday evening.</p>"
                    "</article></body></html>")
    factories.sign_in(client, session)
    estimate = factories.estimate(session, low=1, citations=[{"url": site.url("/markup")}])
    session.commit()
    runner(session).run_due()
    page = client.get(f"/estimates/{estimate.id}").text
    assert "<script>alert(1)" not in page and "<b>x" not in page
    assert all(b not in page for b in BOILERPLATE if b not in ("Home", "Sign in"))


@pytest.mark.usefixtures("topic")
def test_the_capture_of_a_figure_awaiting_review_is_shown_to_editors_only(
        app: Any, client: TestClient, session: Session, auth: dict[str, str],
        site: NewsSite) -> None:
    app.state.settings = app.state.settings.model_copy(update={"review": "required"})
    created = post_estimate(client, auth, {"url": site.url("/en/article")})
    assert created["review"] == "pending"
    runner(session).run_due()
    capture = session.scalars(select(PageCapture)).one()
    # What a pending figure cites stays hidden from readers, as the figure does.
    assert client.get(f"/captures/{capture.id}.txt").status_code == 404
    with TestClient(app) as editor:
        factories.sign_in(editor, session)
        shown = editor.get(f"/captures/{capture.id}.txt")
        assert shown.status_code == 200 and ENGLISH_QUOTE[:20] in shown.text
        assert shown.headers["cache-control"] == "no-store"
