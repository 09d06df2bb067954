"""Large topics stay fast and light: the topic page shows each source's latest figures, the
newest others and a bounded timeline, loaded in SQL; every figure is on pages of its own.
Checked by structure on SQLite and PostgreSQL, and against the in-memory rules."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from lxml.etree import _Element
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.comparison import Choices
from app.domain.dates import PartialDate, utc_today
from app.models import Citation, Estimate, Measure, Revision, Source, Topic
from app.services import chain, comparison, marks
from app.services.comparison import RECENT, TopicView
from app.services.revisions import citation_dict
from tests import factories
from tests.fixtures import messy
from tests.web.parsing import chart, doc, rows, timeline

DEMO = "north-korean-troops-in-russia"
START = dt.date(2024, 1, 1)


def _grow(session: Session, n: int, *, sources: int = 6, months: int = 24, seed: int = 1,
          topic: str = "big", measure: str = "killed", start: dt.date = START) -> None:
    """`n` more figures of one measure, spread over `sources` sources and `months` months, in
    every shape the rules tell apart: ranges and open ends, known to a day, a month or a year,
    placed only by the day stated or by publication, and some partial or disputed."""
    in_topic = select(Measure.id).join(Topic).where(Topic.slug == topic, Measure.slug == measure)
    if session.scalar(in_topic) is None:
        factories.topic_with_measure(session, topic, measure)
        for i in range(sources):
            factories.source(session, f"src-{i}", f"Source {i}", party_to_conflict=i == 0)
    measure_id = session.scalars(in_topic).one()
    ids = {s.slug: s.id for s in session.scalars(select(Source))}
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    added = []
    for i in range(n):
        day = start + dt.timedelta(days=rng.randrange(months * 30))
        low = rng.randrange(100, 5_000)
        shape = rng.random()
        high: int | None = low if shape < 0.4 else low + rng.randrange(1, 2_000)
        qualifier = "about" if shape < 0.4 else "between"
        if shape > 0.9:
            high, qualifier = None, "at_least"
        values: dict[str, Any] = {}
        when = rng.random()
        if when < 0.6:
            values.update(as_of=day, as_of_precision="day")
        elif when < 0.8:
            values.update(as_of=day.replace(day=1), as_of_precision="month")
        elif when < 0.85:
            values.update(as_of=day.replace(month=1, day=1), as_of_precision="year")
        elif when < 0.95:
            values.update(stated_on=day, stated_on_precision="day")
        source = rng.randrange(sources)
        scope = "area" if source == 1 and rng.random() < 0.3 else "total"
        e = Estimate(measure_id=measure_id, source_id=ids[f"src-{source}"], low=low, high=high,
                     qualifier=qualifier, scope=scope,
                     scope_note="one region only" if scope == "area" else "",
                     confidence="disputed" if rng.random() < 0.05 else "reported",
                     confidence_note="contradicted", created_at=now, updated_at=now,
                     **values)
        # Figures with no date of their own are placed by their publication (or not at all).
        e.citations = [Citation(publication=f"Paper {i}", url="https://example.org",
                                published_on=day if when < 0.98 else None)]
        added.append(e)
    session.add_all(added)
    session.flush()
    revisions = [Revision(estimate_id=e.id, number=1, action="create", created_at=now, after={
        "low": e.low, "high": e.high, "best": None, "qualifier": e.qualifier,
        "as_of": _iso(e.as_of, e.as_of_precision), "scope": e.scope,
        "scope_note": e.scope_note, "confidence": e.confidence,
        "confidence_note": e.confidence_note,
        "stated_on": _iso(e.stated_on, e.stated_on_precision), "claimant": "", "notes": "",
        "status": "active", "citations": [citation_dict(c) for c in e.citations]})
        for e in added]
    chain.link(session, *revisions)  # each in its place in the history's chain
    session.add_all(revisions)
    session.commit()


def _iso(day: dt.date | None, precision: str | None) -> str | None:
    if day is None:
        return None
    return {"day": day.isoformat(), "month": day.isoformat()[:7], "year": str(day.year)}[
        precision or "day"]


def _newest_first(session: Session, *, sources: set[str] | None = None,
                  dated_to: dt.date | None = None) -> list[tuple[int, str, str]]:
    """Every active figure of the measure (id, source, scope), newest first by the rule of
    the README, worked out here in Python from the rows."""
    published: dict[int, dt.date] = {}
    for eid, day in session.execute(select(Citation.estimate_id, Citation.published_on)):
        if day is not None:
            published[eid] = min(day, published.get(eid, day))
    found = []
    for e, slug in session.execute(select(Estimate, Source.slug).join(Source).join(Measure)
                                   .join(Topic).where(Estimate.status == "active",
                                                      Topic.slug == "big")):
        dated = e.as_of or e.stated_on or published.get(e.id)
        if sources is not None and slug not in sources:
            continue
        if dated_to is not None and (dated is None or dated > dated_to):
            continue
        found.append(((dated is not None, dated or dt.date.min, e.id), (e.id, slug, e.scope)))
    return [figure for _, figure in sorted(found, reverse=True)]


def _figure_ids(table: _Element) -> list[int]:
    return [int(a.get("href").rsplit("/", 1)[1])
            for a in table.cssselect('tbody tr td[data-label="Figure"] > a')]


def _table(page: _Element, measure: str = "killed") -> _Element:
    (table,) = page.cssselect(f"section#measure-{measure} table.estimates")
    return table


def _all_link(page: _Element, measure: str = "killed") -> _Element:
    (link,) = page.cssselect(f"section#measure-{measure} p.all-figures a")
    return link


@pytest.fixture
def big(session: Session) -> list[tuple[int, str, str]]:
    _grow(session, 300)
    return _newest_first(session)


def test_a_crowded_measure_shows_its_newest_figures_and_links_to_all_of_them(
    client: TestClient, big: list[tuple[int, str, str]]
) -> None:
    page = doc(client, "/topics/big")
    latest: dict[tuple[str, str], int] = {}
    for eid, source, scope in big:
        latest.setdefault((source, scope), eid)
    others = [eid for eid, _, _ in big if eid not in set(latest.values())][:RECENT]
    shown = _figure_ids(_table(page))
    assert sorted(shown) == sorted([*latest.values(), *others])
    assert shown == [eid for eid, _, _ in big if eid in set(shown)]  # newest first
    link = _all_link(page)
    assert link.text_content() == "All 300 figures"

    url: str | None = link.get("href")
    seen: list[int] = []
    previous = None
    for number in range(1, 7):
        assert url is not None
        listed = doc(client, url)
        assert _figure_ids(listed.cssselect("table.estimates")[0]) == [
            eid for eid, _, _ in big[(number - 1) * 50:number * 50]]
        seen += _figure_ids(listed.cssselect("table.estimates")[0])
        heads = {rel: listed.cssselect(f'head link[rel="{rel}"]') for rel in ("prev", "next")}
        if previous is None:
            assert not heads["prev"] and not listed.cssselect('a[rel="prev"]')
        else:
            assert heads["prev"][0].get("href") == previous
            assert listed.cssselect('nav.pager a[rel="prev"]')[0].get("href") == previous
        # The JSON twin lists the same figures in the same order.
        (twin,) = listed.cssselect('link[rel="alternate"][type="application/json"]')
        body = client.get(twin.get("href")).json()
        assert [item["id"] for item in body["items"]] == seen[-len(body["items"]):]
        assert body["total"] == 300
        previous, url = url, (heads["next"][0].get("href") if heads["next"] else None)
    assert url is None  # page 6 is the last
    assert seen == [eid for eid, _, _ in big]
    assert client.get(f"{previous}".replace("page=6", "page=7")).status_code == 404


def test_the_all_figures_page_marks_the_latest_figures_not_compared(
    client: TestClient, big: list[tuple[int, str, str]]
) -> None:
    area = next(eid for eid, _, scope in big if scope == "area")  # src-1's latest area figure
    position = [eid for eid, _, _ in big].index(area)
    listed = doc(client, f"/topics/big/measures/killed/figures?page={position // 50 + 1}")
    (row,) = [tr for tr in listed.cssselect("table.estimates tbody tr")
              if tr.cssselect(f'a[href$="/estimates/{area}"]')]
    assert "not-compared" in row.get("class")
    assert row.cssselect("div.left-out")[0].text_content() == "Not compared with totals"


def test_choices_and_the_record_date_carry_over_to_all_figures(
    client: TestClient, big: list[tuple[int, str, str]], session: Session
) -> None:
    chosen = "source=src-2&source=src-3&as_of_to=2025-06-30&exclude_parties=1"
    link = _all_link(doc(client, f"/topics/big?{chosen}"))
    query = parse_qs(urlsplit(link.get("href")).query)
    assert query["source"] == ["src-2", "src-3"] and query["as_of_to"] == ["2025-06-30"]
    expected = _newest_first(session, sources={"src-2", "src-3"},
                             dated_to=dt.date(2025, 6, 30))
    assert link.text_content() == f"All {len(expected)} figures"
    listed = doc(client, link.get("href"))
    assert _figure_ids(listed.cssselect("table.estimates")[0]) == [e[0] for e in expected[:50]]
    (twin,) = listed.cssselect('link[rel="alternate"][type="application/json"]')
    body = client.get(twin.get("href")).json()
    assert body["total"] == len(expected)
    assert [item["id"] for item in body["items"]] == [e[0] for e in expected[:50]]

    # As recorded at a point, with a figure window: figures dated later are left out, the
    # link keeps both.
    today = utc_today()
    past = doc(client, f"/topics/big?recorded={today}&as_of_to=2025-01-31")
    link = _all_link(past)
    query = parse_qs(urlsplit(link.get("href")).query)
    assert query["recorded"] == [today.isoformat()] and query["as_of_to"] == ["2025-01-31"]
    listed = doc(client, link.get("href"))
    assert f"Records as of {PartialDate(today, 'day').label()}." in listed.cssselect(
        "p.lede")[0].text_content()
    ids = _figure_ids(listed.cssselect("table.estimates")[0])
    assert ids == [e[0] for e in _newest_first(session, dated_to=dt.date(2025, 1, 31))
                   if e[0] in set(ids)][:50]
    assert ids[0] == next(e[0] for e in big if e[0] in set(ids))


def _size(client: TestClient, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200
    return len(response.content)


def test_the_topic_page_weighs_the_same_for_many_more_figures(
    client: TestClient, session: Session
) -> None:
    # Ten sources over ten months: up to a dozen figures a source are drawn one by one, more
    # by the month; the table holds each source's latest and the newest others. So the page
    # grows until about 120 figures, then stays the same.
    _grow(session, 100, sources=10, months=10)
    few = _size(client, "/topics/big")
    sizes = []
    for n, seed in ((200, 2), (300, 3), (600, 4)):
        _grow(session, n, sources=10, months=10, seed=seed)
        sizes.append(_size(client, "/topics/big"))  # 300, 600, then 1,200 figures
    # What varies is which figures are the latest (an open end draws a little more).
    assert max(sizes) - min(sizes) < 8_000, sizes
    assert few < max(sizes) + 2_000, (few, sizes)
    page = doc(client, "/topics/big")
    assert _all_link(page).text_content() == "All 1,200 figures"
    assert len(_table(page).cssselect("tbody tr")) <= 10 * 2 + RECENT
    drawn = timeline(client, page, "killed")
    assert len(drawn.cssselect(".mark")) <= marks.MARKS_PER_CHART


def _shape(view: TopicView) -> dict[str, Any]:
    """What the charts, the sentence and the table show, comparable between two views."""
    return {m.measure.slug: {
        "compared": [(e.estimate_id, e.source.slug, e.figure, e.date_label) for e in m.compared],
        "beside": [(e.estimate_id, e.source.slug, e.figure, r.text) for e, r in m.beside],
        "sentence": m.sentence,
        "recent": [e.estimate_id for e in m.recent],
        "counts": (m.total_figures, m.undated, m.partial, m.hidden_figures),
        "timeline": sorted((e.source.slug, e.when.value, e.when.end(), e.low, e.high, e.figure,
                            e.date_label) for e in m.timeline if e.when is not None),
    } for m in view.measures}


CHOICES = [Choices(), Choices(exclude_parties=True), Choices(include_partial=True),
           Choices(exclude_uncertain=True), Choices(dated_from=dt.date(2024, 12, 15)),
           Choices(dated_to=dt.date(2024, 12, 15), sources=frozenset({"src-1", "src-2",
                                                                      "meridian-post"})),
           Choices(dated_from=dt.date(2025, 1, 20), dated_to=dt.date(2025, 2, 3))]


def test_what_is_loaded_in_sql_is_what_the_rules_pick_from_every_figure(
    session: Session
) -> None:
    factories.load_demo(session)
    messy.load(session)
    _grow(session, 300, months=30)
    # A few from long ago (dates before 1970 are placed by negative days in SQL).
    _grow(session, 40, months=12, seed=9, start=dt.date(1899, 6, 1))
    for topic in (DEMO, messy.OSTRAVA, messy.CORVIA, messy.MARROW, "big"):
        for choices in CHOICES:
            every = comparison.topic_view(session, topic, choices=choices)
            shown = comparison.topic_overview(session, topic, choices=choices)
            assert _shape(shown) == _shape(every), (topic, choices)


def test_the_embed_draws_one_measure_as_the_topic_page_does(client: TestClient,
                                                            session: Session) -> None:
    factories.load_demo(session)
    page = chart(doc(client, f"/topics/{DEMO}"), "casualties")
    response = client.get(f"/embed/topics/{DEMO}/casualties")
    embed = doc(client, f"/embed/topics/{DEMO}/casualties").cssselect("svg.range-chart")[0]
    assert response.status_code == 200
    drawn = [(r["source"], r["value"], r["derived"]) for r in rows(embed)]
    assert drawn == [(r["source"], r["value"], r["derived"]) for r in rows(page)]
    # Each source keeps its colour: the embed knows the other measures' sources too.
    assert [g.get("class") for g in embed.cssselect("g.row")] == [
        g.get("class") for g in page.cssselect("g.row")]
    assert client.get(f"/embed/topics/{DEMO}/nope.svg").status_code == 404
