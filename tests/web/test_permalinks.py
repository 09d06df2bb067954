"""Permalinks that never move: "Cite this comparison" freezes the record point (the exact time
of the latest change the page shows) and the reader's choices; the page it names — and every
chart image, embed, figure list, download and JSON twin it links to — renders the same bytes
after any later change: figures created, edited, retracted, restored or approved, sources
renamed, measures relabelled and reordered, party status changed. On SQLite and PostgreSQL,
with messy data (tests/fixtures/messy.py) and review before publication switched on."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from lxml import html
from lxml.etree import _Element
from sqlalchemy import Engine, event, insert, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.domain import record_points
from app.domain.dates import PartialDate, utc_today
from app.domain.record_points import RecordPoint
from app.domain.vocabulary import Status
from app.models import Citation, Estimate, Measure, Revision, Source, place
from app.schemas.catalog import MeasureCreate, MeasurePatch, SourcePatch, TopicCreate, TopicPatch
from app.schemas.estimates import EstimateCreate, EstimatePatch
from app.services import catalog, catalog_edits, chain, estimates, new_estimates, parties
from tests import factories
from tests.fixtures import messy
from tests.web.parsing import doc as _doc

OSTRAVA = messy.OSTRAVA
PAGE = f"/topics/{OSTRAVA}"
CITATION = [{"publication": "The Fictional Gazette", "url": "https://example.org/fictional"}]


@pytest.fixture
def settings(db_url: str) -> Settings:
    # Review before publication on: an approval after the point must not enter a permalink.
    return Settings(environment="test", database_url=db_url, secret_key="t" * 32,
                    review="required")


def _create(session: Session, measure: str, source: str, figure: str, topic: str = OSTRAVA,
            **values: Any) -> Estimate:
    return new_estimates.create_estimate(session, EstimateCreate(
        topic=topic, measure=measure, source=source, figure=figure,
        citations=values.pop("citations", CITATION), **values), None)


def _find(session: Session, source: str, figure_low: int, measure: str = "killed") -> Estimate:
    return session.scalars(select(Estimate).join(Source).join(Measure).where(
        Source.slug == source, Measure.slug == measure, Estimate.low == figure_low)).one()


def _edit(session: Session, e: Estimate, **values: Any) -> None:
    estimates.update_estimate(session, e.id, EstimatePatch(version=e.version, **values), None)
    session.commit()


def _status(session: Session, e: Estimate, status: Status) -> None:
    estimates.set_status(session, e.id, status, "checked again", None, version=e.version)
    session.commit()


def _editor(session: Session) -> dict[str, str]:
    return {"Authorization": f"Bearer {factories.api_token(session)}"}


@pytest.fixture
def messy_desk(session: Session) -> dict[str, Any]:
    """The messy data set, and before the point: figures known only by the day or month they
    were stated, one placed only by its publication, a source revising its figure several
    times, a retraction — and, waiting for review, a new figure and a change."""
    messy.load(session)
    # A name in lower case: databases sort it differently (collations); pages never do.
    factories.source(session, "de-facto", "de Facto Monitor", kind="ngo")
    _create(session, "deployed", "de-facto", "about 9,500", as_of="2025-01")
    _create(session, "deployed", "kestrel-monitor", "about 9,000", stated_on="2025-02")
    _create(session, "killed", "red-lantern-society", "about 450", citations=[{
        "publication": "Lantern Bulletin", "url": "https://example.org/lantern",
        "published_on": "2025-01-25"}])
    nia = _find(session, "northwind-nia", 300)
    for figure, as_of in (("about 320", "2025-02"), ("about 350", "2025-02"),
                          ("about 340", "2025-02-20")):
        _edit(session, nia, figure=figure, as_of=as_of)
    _status(session, _find(session, "valdorian-staff", 12), Status.RETRACTED)
    session.commit()
    return {"alice": _editor(session), "bob": _editor(session)}


def _cite(client: TestClient, url: str) -> str:
    (link,) = _doc(client, url).cssselect("p.permalink a")
    return str(link.get("href"))


def _recorded_links(page: _Element) -> list[str]:
    """Every address on a recorded page that carries its record point: chart images (every
    source of a <picture>), downloads, embeds, all figures, the JSON twin, the preview."""
    found = set()
    for element in page.iter():
        for name in ("href", "src", "srcset", "content"):
            value = element.get(name)
            if value and "recorded=" in value:
                found.add(value)
    return sorted(found)


def _bodies(client: TestClient, urls: list[str]) -> dict[str, bytes]:
    bodies = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.text[:300])
        bodies[url] = response.content
    return bodies


def _later_changes(client: TestClient, session: Session, desk: dict[str, Any],
                   pending: list[int]) -> None:
    """One of every kind of change, each made after the point."""
    _create(session, "killed", "northwind-nia", "about 1,500", as_of="2025-03")  # created
    _edit(session, _find(session, "ostravan-mod", 1000), figure="at least 1,300")  # edited
    _status(session, _find(session, "harbor-institute", 500), Status.RETRACTED)  # retracted
    _status(session, _find(session, "valdorian-staff", 12), Status.ACTIVE)  # restored
    nia = catalog.get_source(session, "northwind-nia")
    catalog_edits.update_source(session, nia.slug, SourcePatch(
        name="Northwind Intelligence Agency (renamed)", short_name="NWIA", kind="government",
        version=nia.version), None)
    harbor = catalog.get_source(session, "harbor-institute")
    catalog_edits.update_source(session, harbor.slug, SourcePatch(
        party_to_conflict=True, version=harbor.version), None)
    killed = next(m for m in catalog.get_topic(session, OSTRAVA).measures if m.slug == "killed")
    catalog_edits.update_measure(session, OSTRAVA, "killed", MeasurePatch(
        label="Killed in action", unit="soldiers", description="Deaths in combat only.",
        position=0, version=killed.version), None)
    topic = catalog.get_topic(session, OSTRAVA)
    catalog_edits.update_topic(session, OSTRAVA, TopicPatch(
        title="Valdorian forces in Ostrava", summary="Renamed after the point.",
        version=topic.version), None)
    parties.set_party(session, OSTRAVA, "meridian-post", True, None)
    parties.set_party(session, OSTRAVA, "ostravan-mod", None, None)
    catalog.create_measure(session, catalog.get_topic(session, OSTRAVA),
                           MeasureCreate(slug="captured", label="Captured"))
    factories.source(session, "latecomer", "A Latecomer Source")
    session.commit()
    _create(session, "captured", "latecomer", "about 60", as_of="2025-02")
    _create(session, "killed", "latecomer", "about 2,600", as_of="2025-02")
    session.commit()
    for estimate_id in pending:  # approved by a second editor
        version = client.get(f"/api/estimates/{estimate_id}", headers=desk["bob"]).json()[
            "version"]
        response = client.post(f"/api/estimates/{estimate_id}/approve", headers=desk["bob"],
                               json={"version": version})
        assert response.status_code == 200, response.text


def _propose(client: TestClient, session: Session, desk: dict[str, Any]) -> list[int]:
    """A new figure and a change to a published one, waiting for a second editor."""
    created = client.post("/api/estimates", headers=desk["alice"], json={
        "topic": OSTRAVA, "measure": "killed", "source": "kestrel-monitor-extrapolation",
        "figure": "about 7,777", "as_of": "2025-02", "citations": CITATION})
    assert created.status_code == 201, created.text
    assert created.json()["review"] == "pending"
    mod = _find(session, "northwind-nia", 10_000, "deployed")
    changed = client.patch(f"/api/estimates/{mod.id}", headers=desk["alice"],
                           json={"version": mod.version, "figure": "about 8,888"})
    assert changed.status_code == 200, changed.text
    # Published after both, so the point falls after them: they wait, unseen, before it.
    _create(session, "missing", "kestrel-monitor", "about 1,234", as_of="2025-02")
    session.commit()
    return [created.json()["id"], mod.id]


@pytest.mark.parametrize("query", ["", "?exclude_parties=1&source=northwind-nia"
                                       "&source=meridian-post&source=ostravan-mod"
                                       "&as_of_to=2025-02-28&include_partial=1"])
def test_a_permalink_renders_the_same_bytes_after_any_later_change(
        client: TestClient, session: Session, messy_desk: dict[str, Any], query: str) -> None:
    pending = _propose(client, session, messy_desk)
    cited = _cite(client, PAGE + query)
    point = parse_qs(urlsplit(cited).query)["recorded"][0]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z", point)
    for name, values in parse_qs(urlsplit(PAGE + query).query).items():
        assert sorted(parse_qs(urlsplit(cited).query)[name]) == sorted(values)  # frozen
    page = client.get(cited)
    assert page.status_code == 200
    links = _recorded_links(html.fromstring(page.text))
    killed = f"{PAGE}/measures/killed"
    assert {f"{killed}/range.svg", f"{killed}/timeline.svg", f"{killed}.csv", f"{killed}.svg",
            f"{killed}.png", f"{PAGE}/figures.csv", f"{PAGE}/figures.json",
            f"/embed/topics/{OSTRAVA}/killed", f"/embed/topics/{OSTRAVA}/killed.svg",
            f"/api/topics/{OSTRAVA}"} <= {urlsplit(link).path for link in links}, links
    before = _bodies(client, [cited, *links])

    _later_changes(client, session, messy_desk, pending)

    live = client.get(PAGE + query).text
    for change in ("Killed in action", "Valdorian forces in Ostrava", "8,888"):
        assert change in live  # the changes took effect…
    after = _bodies(client, [cited, *links])
    for url, body in before.items():
        assert after[url] == body, f"{url} changed after the point"  # …but not here
    for change in ("Killed in action", "Valdorian forces", "renamed", "8,888", "7,777",
                   "Latecomer", "at least 1,300", "about 1,500"):
        assert change not in page.text
    # The cited page cites itself: nothing it shows changed after its point.
    assert _cite(client, cited) == cited


def _without_point(markup: str) -> str:
    """A recorded page's markup with its record point taken out of every address."""
    point = r"recorded=\d{4}-\d{2}-\d{2}T[0-9:.]+Z"
    markup = re.sub(r'<input type="hidden" name="recorded" value="[^"]+">', "", markup)
    markup = re.sub(rf"\?{point}(&amp;amp;|&amp;|&)?", "?", markup)
    return re.sub(rf"(&amp;amp;|&amp;|&){point}", "", markup).replace('?"', '"').replace(
        "?#", "#")


@pytest.mark.parametrize("query", ["", "?exclude_parties=1&include_partial=1"])
def test_the_cited_page_shows_what_the_reader_saw(
        client: TestClient, session: Session, messy_desk: dict[str, Any], query: str) -> None:
    """Rebuilt from the history, the comparison is the one the reader cited from: every
    chart, sentence, table and figure list alike, and the JSON twin's every figure."""
    _propose(client, session, messy_desk)
    live = _doc(client, PAGE + query)
    cited = _cite(client, PAGE + query)
    recorded = _doc(client, cited)
    sections = {s.get("id"): _without_point(html.tostring(s, encoding="unicode"))
                for s in recorded.cssselect("section.measure")}
    expected = {s.get("id"): html.tostring(s, encoding="unicode")
                for s in live.cssselect("section.measure")}
    assert sections == expected
    assert _without_point(html.tostring(recorded.cssselect("form.choices")[0],
                                        encoding="unicode")) == html.tostring(
        live.cssselect("form.choices")[0], encoding="unicode")
    api = f"/api/topics/{OSTRAVA}{query}"
    then = client.get(cited.replace(PAGE, f"/api/topics/{OSTRAVA}")).json()
    now = client.get(api).json()
    assert then["last_change"] == now["last_change"]
    assert {**then, "recorded": None, "as_of": None} == now


def test_what_a_recorded_page_holds(client: TestClient, session: Session,
                                    messy_desk: dict[str, Any]) -> None:
    """Figures recorded after the point are absent; figures without an as_of are kept and
    placed by the day they were stated (or published); a retraction made before the point
    holds; each figure is as its latest revision by then left it; the catalogue is as it was."""
    early = _create(session, "killed", "tallis-observatory", "about 610", stated_on="2025-01-30")
    session.commit()
    cited = _cite(client, PAGE)
    _create(session, "killed", "tallis-observatory", "about 990", stated_on="2025-02-10")
    _edit(session, _find(session, "northwind-nia", 340), figure="about 1,000")
    killed = next(m for m in catalog.get_topic(session, OSTRAVA).measures if m.slug == "killed")
    catalog_edits.update_measure(session, OSTRAVA, "killed", MeasurePatch(
        label="Killed in action", position=99, version=killed.version), None)
    session.commit()

    page = _doc(client, cited)
    table = page.cssselect("section#measure-killed table.estimates")[0]
    cells = {tr.cssselect("th a")[0].text_content(): tr for tr in table.cssselect("tbody tr")}
    tallis = cells["Tallis Observatory"]
    assert tallis.cssselect('td[data-label="Figure"] a')[0].get("href").endswith(
        f"/estimates/{early.id}")  # the later one, recorded after the point, is absent
    assert tallis.cssselect('td[data-label="As of"]')[0].text_content() == "undated"
    assert tallis.cssselect('td[data-label="Stated"]')[0].text_content() == "30 January 2025"
    text = page.text_content()
    assert "about 990" not in text and "about 1,000" not in text
    assert "about 340" in table.text_content()  # the last of the source's revisions by then
    assert "about 450" in table.text_content()  # no date of its own: placed by publication
    assert "Valdorian General Staff" not in table.text_content()  # retracted before the point
    # The measures as they were: the label and the order (deployed, killed, missing).
    assert [h.text_content().split(" (")[0] for h in page.cssselect("section.measure h2")] == [
        "Deployed", "Killed", "Missing"]
    twin = client.get(cited.replace(PAGE, f"/api/topics/{OSTRAVA}")).json()
    assert [m["label"] for m in twin["measures"]] == ["Deployed", "Killed", "Missing"]
    killed_twin = twin["measures"][1]
    assert killed_twin["version"] == 1  # the relabelling came later
    assert twin["recorded"] == parse_qs(urlsplit(cited).query)["recorded"][0]
    assert twin["last_change"].replace("+00:00", "Z") == twin["recorded"]
    tallis_twin = next(e for e in killed_twin["latest"] if e["source"]["slug"] ==
                       "tallis-observatory")
    assert (tallis_twin["as_of"], tallis_twin["stated_on"], tallis_twin["dated"]) == (
        None, "2025-01-30", "2025-01-30")


def test_a_topic_or_a_measure_created_after_the_point_is_not_there(
        client: TestClient, session: Session) -> None:
    factories.source(session, "s", "Source S")
    session.commit()
    point = RecordPoint.at_time(dt.datetime.now(dt.UTC))
    catalog.create_topic(session, TopicCreate(slug="later", title="Later"))
    factories.topic_with_measure(session, "early", "killed")
    session.commit()
    early = RecordPoint.at_time(dt.datetime.now(dt.UTC))
    catalog.create_measure(session, catalog.get_topic(session, "early"),
                           MeasureCreate(slug="wounded", label="Wounded"))
    factories.estimate(session, topic="early", measure="wounded", figure="5")
    session.commit()
    response = client.get(f"/topics/later?recorded={point}")
    assert response.status_code == 404
    assert "was not yet recorded on" in response.text
    page = _doc(client, f"/topics/early?recorded={early}")
    assert [s.get("id") for s in page.cssselect("section.measure")] == ["measure-killed"]
    assert client.get(f"/topics/early/measures/wounded/figures?recorded={early}"
                      ).status_code == 404
    assert client.get(f"/topics/early?recorded={point}").status_code == 404


def test_the_old_as_of_address_is_the_record_point_of_that_day(
        client: TestClient, session: Session, messy_desk: dict[str, Any]) -> None:
    today = utc_today().isoformat()
    old = client.get(f"{PAGE}?as_of={today}&exclude_parties=1")
    new = client.get(f"{PAGE}?recorded={today}&exclude_parties=1")
    assert old.status_code == new.status_code == 200
    assert old.content == new.content
    page = html.fromstring(old.text)
    assert page.cssselect("p.as-of-note strong")[0].text_content() == (
        f"Records as of {PartialDate(utc_today(), 'day').label()}.")
    assert page.cssselect("input#recorded")[0].get("value") == today
    api = f"/api/topics/{OSTRAVA}"
    assert client.get(f"{api}?as_of={today}").json() == client.get(
        f"{api}?recorded={today}").json()
    assert client.get(f"{api}?as_of={today}").json()["as_of"] == today
    # An old link of a day before anything was recorded shows nothing of what came later.
    assert client.get(f"{PAGE}?as_of=2020-01-01").status_code == 404
    csv = client.get(f"/topics/{OSTRAVA}/figures.csv?as_of={today}")
    assert csv.content == client.get(f"/topics/{OSTRAVA}/figures.csv?recorded={today}").content


def test_a_recorded_page_says_what_it_shows(client: TestClient, session: Session,
                                           messy_desk: dict[str, Any]) -> None:
    cited = _cite(client, f"{PAGE}?as_of_to=2025-01-31")
    point = RecordPoint.parse(parse_qs(urlsplit(cited).query)["recorded"][0])
    assert point.exact
    page = _doc(client, cited)
    note = page.cssselect("p.as-of-note strong")[0].text_content()
    assert note == (f"Records as of {PartialDate(point.day, 'day').label()}, "
                    f"{point.at:%H:%M} UTC; figures dated up to 31 January 2025.")
    assert page.cssselect("input#recorded")[0].get("value") == point.day.isoformat()
    (hidden,) = page.cssselect('form.choices input[name="recorded"]')
    assert hidden.get("value") == point.param()
    assert not page.cssselect("input[max]")  # nothing on it depends on today
    embed = client.get(cited.replace(PAGE, f"/embed/topics/{OSTRAVA}") .replace(
        "?", "/killed.svg?", 1))
    assert embed.status_code == 200
    assert f"Source: Reckon, records as of {point.label()} —" in embed.text
    live = _doc(client, f"{PAGE}?as_of_to=2025-01-31")
    assert live.cssselect("p.as-of-note strong")[0].text_content() == (
        "Figures dated up to 31 January 2025.")


def test_a_settled_record_point_may_be_kept_for_a_day(
        client: TestClient, session: Session, messy_desk: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    cited = _cite(client, PAGE)
    links = _recorded_links(_doc(client, cited))
    revalidate = "public, max-age=0, must-revalidate"
    # Just now: a change still being written may be stamped before it, so it is revalidated.
    assert client.get(cited).headers["cache-control"] == revalidate
    monkeypatch.setattr(record_points, "SETTLED_AFTER", dt.timedelta(0))
    for url in (cited, *links):
        assert client.get(url).headers.get("cache-control") in (
            "public, max-age=86400", None), url  # the JSON API sets none
    assert client.get(cited).headers["cache-control"] == "public, max-age=86400"
    assert client.get(PAGE).headers["cache-control"] == revalidate
    factories.sign_in(client, session)
    assert client.get(cited).headers["cache-control"] == "no-store"


@pytest.mark.parametrize("value", ["2025-02-30", "yesterday", "2025-01-01T10:00:00",
                                   "2025-01-01T25:00:00Z", "2025-01-01T10:00:00+01:00",
                                   "2025-01-01 10:00:00Z", "20250101"])
def test_a_bad_record_point_is_refused_with_a_clear_message(client: TestClient,
                                                            value: str) -> None:
    page = client.get(PAGE, params={"recorded": value})
    assert page.status_code == 422
    message = html.fromstring(page.text).cssselect("p.error-message")[0].text_content()
    assert "‘recorded’ should be a day written YYYY-MM-DD or an exact UTC time written " \
           "YYYY-MM-DDTHH:MM:SSZ" in message
    api = client.get(f"/api/topics/{OSTRAVA}", params={"recorded": value})
    assert api.status_code == 422
    assert api.json()["detail"][0]["loc"] == ["query", "recorded"]
    for url in (f"{PAGE}/measures/killed/range.svg", f"/embed/topics/{OSTRAVA}/killed",
                f"{PAGE}/figures.csv", f"{PAGE}/measures/killed/figures"):
        assert client.get(url, params={"recorded": value}).status_code == 422, url


def _count_queries(engine: Engine, client: TestClient, url: str) -> int:
    count = 0

    def _on_execute(*_: Any) -> None:
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", _on_execute)
    try:
        response = client.get(url)
        assert response.status_code == 200, (url, response.text[:300])
    finally:
        event.remove(engine, "before_cursor_execute", _on_execute)
    return count


def _grow(session: Session) -> None:
    """Many more figures, each revised a few times, and many catalogue changes."""
    measures = {m.slug: m.id for m in catalog.get_topic(session, OSTRAVA).measures}
    extra = [Source(slug=f"src-{n}", name=f"Source {n}") for n in range(25)]
    session.add_all(extra)
    session.flush()
    now = dt.datetime.now(dt.UTC)
    rows = []
    for n in range(1_200):
        month = dt.date(2023 + n % 3, 1 + n % 12, 1)
        rows.append({"measure_id": measures[("deployed", "killed", "missing")[n % 3]],
                     "source_id": extra[n % 25].id, "low": 100 + n, "high": 200 + n,
                     "qualifier": "between", "created_at": now, "updated_at": now,
                     "as_of": None if n % 7 == 0 else month,
                     "as_of_precision": None if n % 7 == 0 else "month",
                     "stated_on": month if n % 7 == 0 else None,
                     "stated_on_precision": "month" if n % 7 == 0 else None,
                     "scope": "area" if n % 10 == 0 else "total",
                     "scope_note": "one region only" if n % 10 == 0 else ""})
    ids = session.scalars(insert(Estimate).returning(Estimate.id, sort_by_parameter_order=True),
                          rows).all()
    session.execute(insert(Citation), [
        {"estimate_id": eid, "publication": f"Paper {n}", "url": "https://example.org"}
        for n, eid in enumerate(ids)])
    revisions = []
    for eid, row in zip(ids, rows, strict=True):
        for number in (1, 2, 3):  # revised twice
            revisions.append({
                "estimate_id": eid, "number": number, "created_at": now,
                "action": "create" if number == 1 else "edit", "after": {
                    "low": row["low"] + number, "high": row["high"] + number, "best": None,
                    "qualifier": "between",
                    "as_of": f"{row['as_of']:%Y-%m}" if row["as_of"] else None,
                    "stated_on": f"{row['stated_on']:%Y-%m}" if row["stated_on"] else None,
                    "scope": row["scope"], "scope_note": row["scope_note"], "claimant": "",
                    "notes": "", "status": "active", "citations": []}})
    chain.append(session, Revision, revisions)
    place(session)
    for n, source in enumerate(extra[:10]):  # renamed, and marked a party in the topic
        catalog_edits.update_source(session, source.slug, SourcePatch(
            name=f"Source {n} (renamed)", version=source.version), None)
        parties.set_party(session, OSTRAVA, source.slug, True, None)
    for m in catalog.get_topic(session, OSTRAVA).measures:
        catalog_edits.update_measure(session, OSTRAVA, m.slug, MeasurePatch(
            label=f"{m.label} (relabelled)", version=m.version), None)
    session.commit()


RECORDED = "recorded=2100-01-01"
RECORDED_URLS = [
    f"{PAGE}?{RECORDED}", f"{PAGE}?{RECORDED}&exclude_parties=1&as_of_to=2025-06-30",
    f"{PAGE}/measures/killed/figures?{RECORDED}", f"/api/topics/{OSTRAVA}?{RECORDED}",
    f"/embed/topics/{OSTRAVA}/killed.svg?{RECORDED}", f"/embed/topics/{OSTRAVA}/killed?{RECORDED}",
    f"{PAGE}/measures/killed/timeline.svg?{RECORDED}", f"{PAGE}/figures.csv?{RECORDED}",
    f"{PAGE}/measures/killed.csv?{RECORDED}",
]


@pytest.mark.parametrize("url", RECORDED_URLS)
def test_the_record_date_path_costs_a_constant_number_of_queries(
        client: TestClient, session: Session, engine: Engine, url: str) -> None:
    messy.load(session)
    before = _count_queries(engine, client, url)
    _grow(session)
    assert _count_queries(engine, client, url) == before
    if "figures?" in url:  # and the growth is there to be seen
        lede = _doc(client, url).cssselect("p.lede")[0].text_content()
        assert int(lede.split(" figure")[0].replace(",", "")) > 400
