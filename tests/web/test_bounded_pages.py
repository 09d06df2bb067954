"""Every public page shows a bounded share of what is stored: at thousands of estimates the
home, topic and source pages and their JSON twins stay under 300 KB; a source's record and
its twin go a page at a time; the topic's twin lists what the page's table shows (every
figure is in the download) and carries validators; search shows only its results; pages
are gzipped when the client accepts it. Tuning of the garbage collector and templates."""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.main import GC_THRESHOLDS, create_app
from app.models import Citation, Estimate, Measure, Revision, Source, place
from app.services import chain
from app.web.pages.reader import HOME_TOPICS
from app.web.templating import templates
from tests import factories
from tests.web.parsing import doc

TOPIC = "north-korean-troops-in-russia"
LIMIT = 300_000


def _bulk(session: Session, n: int) -> None:
    """`n` more estimates in the demo topic, half of them by us-officials, in bulk: ranges,
    dated to the day or the month or by the day stated, some partial, with citations and
    a first revision each."""
    measures = [m.id for m in session.scalars(select(Measure).join(Measure.topic)
                                              .where(Measure.topic.has(slug=TOPIC)))]
    us = session.scalars(select(Source).where(Source.slug == "us-officials")).one()
    extra = [Source(slug=f"bulk-{i}", name=f"Bulk source {i} <&>") for i in range(40)]
    session.add_all(extra)
    session.flush()
    now = dt.datetime.now(dt.UTC)
    rows = []
    for i in range(n):
        day = dt.date(2023, 1, 1) + dt.timedelta(days=i % 900)
        stated = i % 13 == 0
        rows.append({
            "measure_id": measures[i % len(measures)],
            "source_id": (us if i % 2 else extra[i % 40]).id, "low": 100 + i,
            "high": 150 + 2 * i, "qualifier": "between", "created_at": now, "updated_at": now,
            "as_of": None if stated else (day if i % 3 else day.replace(day=1)),
            "as_of_precision": None if stated else ("day" if i % 3 else "month"),
            "stated_on": day if stated else None, "stated_on_precision": "day" if stated else None,
            "scope": "area" if i % 11 == 0 else "total",
            "scope_note": "one oblast only" if i % 11 == 0 else "",
            "notes": "Reported “in passing” — see the <b>transcript</b>."})
    ids = session.scalars(insert(Estimate).returning(Estimate.id, sort_by_parameter_order=True),
                          rows).all()
    session.execute(insert(Citation), [
        {"estimate_id": eid, "publication": f"Paper {i % 17}",
         "url": f"https://example.org/{i}", "published_on": rows[i]["stated_on"]}
        for i, eid in enumerate(ids)])
    chain.append(session, Revision, [
        {"estimate_id": eid, "number": 1, "action": "create", "created_at": now, "after": {
            "low": row["low"], "high": row["high"], "best": None, "qualifier": "between",
            "as_of": (row["as_of"].isoformat() if row["as_of_precision"] == "day"
                      else f"{row['as_of']:%Y-%m}") if row["as_of"] else None,
            "stated_on": row["stated_on"].isoformat() if row["stated_on"] else None,
            "scope": row["scope"], "scope_note": row["scope_note"], "claimant": "",
            "notes": row["notes"], "status": "active", "citations": []}}
        for eid, row in zip(ids, rows, strict=True)])
    place(session)
    session.commit()


@pytest.mark.usefixtures("demo")
def test_no_page_passes_300_kb_at_thousands_of_estimates(client: TestClient,
                                                         session: Session) -> None:
    _bulk(session, 5_000)
    assert session.scalar(select(func.count(Estimate.id))) > 5_000
    for url in ("/", "/?q=korea", f"/topics/{TOPIC}", "/sources/us-officials",
                "/sources/us-officials?page=2", f"/api/topics/{TOPIC}",
                "/api/sources/us-officials", f"/embed/topics/{TOPIC}/casualties.svg"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert len(response.content) < LIMIT, (url, len(response.content))


@pytest.mark.usefixtures("demo")
def test_a_source_record_goes_a_page_at_a_time(client: TestClient, session: Session) -> None:
    _bulk(session, 450)
    total = session.scalar(select(func.count(Estimate.id)).join(Source)
                           .where(Source.slug == "us-officials"))
    assert total is not None and 200 < total <= 300
    first = doc(client, "/sources/us-officials")
    assert f"{total} estimates, newest first." in first.text_content()
    (pager, _) = first.cssselect("nav.pager")
    assert "Page 1 of 3" in pager.text_content()
    (older,) = pager.cssselect("a[rel=next]")
    assert older.get("href").endswith("/sources/us-officials?page=2")
    assert not pager.cssselect("a[rel=prev]")

    shown: list[str] = []
    for page in (1, 2, 3):
        listed = doc(client, f"/sources/us-officials?page={page}" if page > 1
                     else "/sources/us-officials")
        links = [a.get("href") for a in listed.cssselect("table.estimates tbody tr td a")
                 if "/estimates/" in (a.get("href") or "")]
        assert len(links) == (100 if page < 3 else total - 200)
        shown += links
        twin = client.get(f"/api/sources/us-officials?page={page}&per_page=100").json()
        assert (twin["total"], twin["page"], twin["per_page"]) == (total, page, 100)
        assert [f"/estimates/{e['id']}" for e in twin["estimates"]] == links
    # Every estimate once, newest first across the pages.
    assert len(set(shown)) == total
    every = client.get("/api/sources/us-officials?per_page=500").json()["estimates"]
    assert [f"/estimates/{e['id']}" for e in every] == shown
    days = [(e["as_of"] + "-01-01")[:10] for e in every if e["as_of"]]
    assert days == sorted(days, reverse=True)
    last = doc(client, "/sources/us-officials?page=3")
    assert not last.cssselect("nav.pager a[rel=next]")
    assert last.cssselect("nav.pager a[rel=prev]")[0].get("href").endswith(
        "/sources/us-officials?page=2")


@pytest.mark.usefixtures("demo")
def test_the_topic_twin_lists_the_table_and_the_download_every_figure(
    client: TestClient, session: Session
) -> None:
    _bulk(session, 600)
    twin = client.get(f"/api/topics/{TOPIC}")
    assert twin.status_code == 200
    page = doc(client, f"/topics/{TOPIC}")
    download = client.get(f"/topics/{TOPIC}/figures.json").json()
    stored = {m.slug: n for m, n in session.execute(
        select(Measure, func.count(Estimate.id)).join(Estimate).join(Measure.topic)
        .where(Measure.topic.has(slug=TOPIC), Estimate.status == "active")
        .group_by(Measure.id))}
    for measure, every in zip(twin.json()["measures"], download["measures"], strict=True):
        section = page.cssselect(f"section#measure-{measure['slug']}")[0]
        tabled = [a.get("href") for a in section.cssselect(
            'table.estimates tbody tr td[data-label="Figure"] > a')]
        assert [f"/estimates/{e['estimate_id']}" for e in measure["estimates"]] == tabled
        assert measure["total_figures"] == every["total_figures"] == stored.get(
            measure["slug"], 0)
        assert len(every["estimates"]) == stored.get(measure["slug"], 0)
        assert measure["latest"] == every["latest"]
    assert sum(stored.values()) > 600
    # Validators, as on the pages: the same answer revalidates to 304.
    etag = twin.headers["etag"]
    assert twin.headers["last-modified"]
    again = client.get(f"/api/topics/{TOPIC}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.content


@pytest.mark.usefixtures("demo")
def test_search_shows_its_results_not_every_topic(client: TestClient) -> None:
    found = doc(client, "/?q=korea")
    assert found.cssselect("section.search-results a")
    assert not found.cssselect("article.topic-card") and not found.cssselect("svg")
    (back,) = [a for a in found.cssselect("main a") if a.text_content() == "All topics"]
    assert back.get("href").endswith("/")
    assert doc(client, "/").cssselect("article.topic-card")


@pytest.mark.usefixtures("demo")
def test_the_home_page_shows_a_bounded_number_of_topics(client: TestClient,
                                                        session: Session) -> None:
    assert not doc(client, "/").cssselect("p.more-topics")
    for i in range(HOME_TOPICS + 3):
        factories.topic_with_measure(session, f"extra-{i:02d}", "killed")
    session.commit()
    home = doc(client, "/")
    titles = [a.text_content() for a in home.cssselect("article.topic-card h2 a")]
    every = sorted(t["title"] for t in client.get("/api/topics").json())
    assert titles == every[:HOME_TOPICS]
    (more,) = home.cssselect("p.more-topics a")
    assert more.get("href").endswith("/topics") and more.text_content() == "All topics"
    assert len(doc(client, "/topics").cssselect("main a[href*='/topics/']")) >= len(every)


@pytest.mark.usefixtures("demo")
def test_pages_and_json_are_gzipped_when_accepted(client: TestClient) -> None:
    for url in ("/", f"/topics/{TOPIC}", "/sources/us-officials", f"/api/topics/{TOPIC}",
                f"/embed/topics/{TOPIC}/casualties.svg"):
        zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
        plain = client.get(url, headers={"Accept-Encoding": "identity"})
        assert zipped.headers.get("content-encoding") == "gzip", url
        assert int(zipped.headers["content-length"]) < len(plain.content) / 2, url
        assert "content-encoding" not in plain.headers
        assert zipped.content == plain.content  # the client unzips it
        # One validator for both: a 304 whichever the client holds.
        assert zipped.headers["etag"].removeprefix("W/") == plain.headers["etag"].removeprefix(
            "W/")
    assert json.loads(client.get(f"/api/topics/{TOPIC}",
                                 headers={"Accept-Encoding": "gzip"}).content)["slug"] == TOPIC


@pytest.fixture
def tuned(settings: Settings, engine: Engine) -> Iterator[FastAPI]:
    gc.set_threshold(700, 10, 10)
    yield create_app(settings.model_copy(update={"gc_tuning": True}), engine=engine)
    gc.set_threshold(700, 10, 10)
    gc.unfreeze()


def test_the_collector_is_tuned_while_serving_and_restored_after(tuned: FastAPI) -> None:
    with TestClient(tuned) as client:
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 10_000  # what start-up built
        assert client.get("/healthz").status_code in (200, 503)
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


def test_tests_keep_the_default_collector_and_templates_reload_only_in_development(
    app: FastAPI, settings: Settings, engine: Engine
) -> None:
    before = gc.get_threshold()
    with TestClient(app):
        assert gc.get_threshold() == before
        assert templates.env.auto_reload is False
    create_app(settings.model_copy(update={"environment": "development"}), engine=engine)
    assert templates.env.auto_reload is True
    create_app(settings, engine=engine)
    assert templates.env.auto_reload is False
