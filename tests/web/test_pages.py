"""Reader pages, tested by structure: parse the HTML and the inline SVG, check positions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import html
from lxml.etree import _Element
from sqlalchemy import Engine, event, insert, select
from sqlalchemy.orm import Session

from app.models import Citation, Estimate, Measure, Revision, Source, place
from app.schemas.estimates import EstimatePatch
from app.services import chain, estimates, new_estimates
from tests import factories
from tests.web.parsing import chart as _chart
from tests.web.parsing import doc as _doc
from tests.web.parsing import rows as _rows
from tests.web.parsing import scale as _scale
from tests.web.parsing import timeline

TOPIC = "north-korean-troops-in-russia"
XSS = '<script>alert(1)</script>"><svg onload=alert(1)>'
pytestmark = pytest.mark.usefixtures("demo")


def test_casualties_compare_zelensky_derived_nis_and_us(client: TestClient) -> None:
    doc = _doc(client, f"/topics/{TOPIC}")
    svg = _chart(doc, "casualties")
    rows = _rows(svg)
    assert [(r["source"], r["value"], r["derived"]) for r in rows] == [
        ("us-officials", "about 1,200", False),
        ("south-korea-nis", "about 3,000", True),
        ("volodymyr-zelensky", "4,000", False),
    ]
    assert "derived" in rows[1]["kind"] and "party to the conflict" in rows[2]["kind"]
    (sentence,) = doc.cssselect("section#measure-casualties p.sentence")
    assert sentence.text_content().startswith(
        "Estimates range from 1,200 (US officials) to 4,000 (Volodymyr Zelensky); "
        "the highest is 3.3 times the lowest.")
    assert svg.get("role") == "img"
    assert svg.cssselect("title")[0].text_content().endswith("Casualties (killed + wounded)"
                                                            ", latest figure per source")
    assert "Estimates range from 1,200" in svg.cssselect("desc")[0].text_content()
    assert svg.cssselect("rect.gap"), "1,200 and 4,000 cannot both be right: a gap is drawn"
    table = doc.cssselect("section#measure-casualties table.estimates")[0].text_content()
    assert "derived: killed + wounded" in table and "about 300" in table


def test_deployed_shows_two_ranges(client: TestClient) -> None:
    doc = _doc(client, f"/topics/{TOPIC}")
    rows = _rows(_chart(doc, "deployed"))
    # The 1,000–3,000 are *more* troops: shown beside the total, not compared with it.
    assert [(r["source"], r["value"], r["compared"]) for r in rows] == [
        ("south-korea-nis", "about 10,000–12,000", True),
        ("south-korean-media", "1,000–3,000", False),
    ]
    assert rows[1]["note"] == ("in addition to an earlier figure: additional troops sent this "
                               "month, according to local reports")
    assert all(r["x2"] - r["x1"] > 20 for r in rows)  # bars, not dots
    (sentence,) = doc.cssselect("section#measure-deployed p.sentence")
    assert sentence.text_content() == (
        "Only one source so far: South Korea's National Intelligence Service (NIS), about "
        "10,000–12,000. 1 other figure is shown below, not compared.")


def test_every_bar_spans_its_values_on_the_axis(client: TestClient) -> None:
    doc = _doc(client, f"/topics/{TOPIC}")
    checked = 0
    for svg in doc.cssselect("section.measure .for-wide svg.range-chart"):
        intercept, slope = _scale(svg)
        for row in _rows(svg):
            if row["low"] is not None:
                assert row["x1"] == pytest.approx(intercept + slope * row["low"], abs=1.0)
            if row["high"] is not None:
                assert row["x2"] == pytest.approx(intercept + slope * row["high"], abs=1.0)
            checked += 1
    assert checked == 7


def test_open_ended_figures_get_arrows(client: TestClient, session: Session) -> None:
    factories.source(session, "gov-a", "Government A")
    factories.source(session, "gov-b", "Government B")
    for slug, figure in (("gov-a", "at least 300"), ("gov-b", "up to 3,000")):
        new_estimates.create_estimate(session, _create(measure="killed", source=slug, figure=figure,
                                                       as_of="2025-01"), None)
    session.commit()
    rows = {r["source"]: r for r in _rows(_chart(_doc(client, f"/topics/{TOPIC}"), "killed"))}
    assert rows["gov-a"]["arrows"] == ["arrow arrow-high"]
    assert rows["gov-b"]["arrows"] == ["arrow arrow-low"]
    assert rows["gov-a"]["value"] == "at least 300" and rows["gov-b"]["value"] == "up to 3,000"


def _create(**values: Any) -> Any:
    from app.schemas.estimates import EstimateCreate

    return EstimateCreate(topic=TOPIC, citations=[{"publication": "Gazette"}], **values)


def test_figures_spanning_orders_of_magnitude_use_a_labelled_log_scale(
    client: TestClient, session: Session
) -> None:
    factories.source(session, "big", "Big Claims Inc")
    new_estimates.create_estimate(session, _create(measure="killed", source="big",
                                                   figure="1 million", as_of="2025-01"), None)
    session.commit()
    svg = _chart(_doc(client, f"/topics/{TOPIC}"), "killed")
    assert "logarithmic" in svg.cssselect("text.axis-label")[0].text_content()
    xs = {r["source"]: r["x1"] for r in _rows(svg)}
    assert xs["south-korea-nis"] < xs["big"]


def test_the_figure_window_leaves_out_later_figures(client: TestClient) -> None:
    doc = _doc(client, f"/topics/{TOPIC}?as_of_to=2025-01-31")
    assert [r["source"] for r in _rows(_chart(doc, "deployed"))] == ["south-korea-nis"]
    assert len(_rows(_chart(doc, "casualties"))) == 3
    assert doc.cssselect("p.as-of-note")[0].text_content() == (
        "Figures dated up to 31 January 2025.")
    permalink = doc.cssselect("p.permalink a")[0].get("href")
    assert permalink.startswith(f"http://testserver/topics/{TOPIC}?as_of_to=2025-01-31"
                                "&recorded=20")
    early = _doc(client, f"/topics/{TOPIC}?as_of_to=2024-12-31")
    assert [r["source"] for r in _rows(_chart(early, "deployed"))] == ["south-korea-nis"]
    assert not early.cssselect("section#measure-killed svg.range-chart")
    assert "No estimates yet." in early.cssselect("section#measure-killed p.sentence")[0].text


def test_a_permalink_ignores_revisions_made_later(client: TestClient,
                                                  session: Session) -> None:
    permalink = _doc(client, f"/topics/{TOPIC}").cssselect("p.permalink a")[0].get("href")
    us = session.scalar(select(Estimate.id).join(Source).join(Measure).where(
        Source.slug == "us-officials", Measure.slug == "casualties"))
    assert us is not None
    estimates.update_estimate(session, us, EstimatePatch(version=1, low=1500, high=1500), None)
    session.commit()
    then = {r["source"]: r["value"] for r in _rows(_chart(_doc(client, permalink),
                                                          "casualties"))}
    now = {r["source"]: r["value"]
           for r in _rows(_chart(_doc(client, f"/topics/{TOPIC}"), "casualties"))}
    assert then["us-officials"] == "about 1,200"
    assert now["us-officials"] == "about 1,500"
    recorded = permalink.split("recorded=")[1]
    api = client.get(f"/api/topics/{TOPIC}", params={"recorded": recorded}).json()
    assert {e["figure"] for e in api["measures"][3]["latest"]} >= {"about 1,200"}


def test_a_bad_as_of_date_is_a_clear_error(client: TestClient) -> None:
    response = client.get(f"/topics/{TOPIC}?as_of=2025-02-30")
    assert response.status_code == 422
    assert "as_of" in html.fromstring(response.text).cssselect("p.error-message")[0].text


def test_timeline_draws_each_sources_figures_over_time(client: TestClient,
                                                       session: Session) -> None:
    us = session.scalar(select(Estimate.id).join(Source).join(Measure).where(
        Source.slug == "us-officials", Measure.slug == "casualties"))
    assert us is not None
    new_estimates.create_estimate(session, _create(measure="casualties", source="us-officials",
                                                   figure="about 2,500", as_of="2025-03"), None)
    session.commit()
    doc = _doc(client, f"/topics/{TOPIC}")
    drawn = timeline(client, doc, "casualties")
    (series,) = drawn.cssselect('g.series[data-source="us-officials"]')
    marks = series.cssselect("rect.mark")
    assert len(marks) == 2
    (x1, y1), (x2, y2) = [(float(m.get("x")) + float(m.get("width")) / 2,
                           float(m.get("y")) + float(m.get("height")) / 2) for m in marks]
    assert x2 > x1 and y2 < y1  # later and higher: the revision upward is visible
    assert series.cssselect("polyline")


@pytest.mark.parametrize(("url", "twin"), [
    ("/", "/api/topics"),
    (f"/topics/{TOPIC}", f"/api/topics/{TOPIC}"),
    ("/sources/south-korea-nis", "/api/sources/south-korea-nis"),
    ("/estimates/{eid}", "/api/estimates/{eid}"),
])
def test_every_page_names_its_json_twin(client: TestClient, session: Session, url: str,
                                        twin: str) -> None:
    eid = session.scalar(select(Estimate.id).order_by(Estimate.id))
    url, twin = url.format(eid=eid), twin.format(eid=eid)
    (link,) = _doc(client, url).cssselect('link[rel="alternate"][type="application/json"]')
    assert link.get("href").endswith(twin)
    assert client.get(link.get("href")).status_code == 200


def _page_and_twin(client: TestClient, url: str) -> tuple[_Element, Any]:
    doc = _doc(client, url)
    (link,) = doc.cssselect('link[rel="alternate"][type="application/json"]')
    return doc, client.get(link.get("href")).json()


def test_home_twin_lists_the_topics_and_measures_the_page_shows(client: TestClient) -> None:
    doc, twin = _page_and_twin(client, "/")
    shown = {card.cssselect("h2 a")[0].text_content():
             [a.text_content() for a in card.cssselect("dl.headlines dt a")]
             for card in doc.cssselect("article.topic-card")}
    assert shown == {t["title"]: [m["label"] for m in t["measures"]] for t in twin}
    assert shown  # the demo has a topic


def test_topic_twin_carries_the_figures_each_chart_and_table_shows(client: TestClient) -> None:
    doc, twin = _page_and_twin(client, f"/topics/{TOPIC}")
    assert doc.cssselect("h1")[0].text == twin["title"]
    for measure in twin["measures"]:
        section = doc.cssselect(f"section#measure-{measure['slug']}")[0]
        charted = sorted((r["source"], r["value"]) for r in _rows(_chart(doc, measure["slug"])))
        assert charted == sorted((e["source"]["slug"], e["figure"]) for e in measure["latest"])
        tabled = sorted(row.cssselect("td")[0].text_content().split("derived")[0].strip()
                        for row in section.cssselect("table.estimates tbody tr"))
        derived = [e for e in measure["latest"] if e["derived"]]
        assert tabled == sorted(e["figure"] for e in measure["estimates"] + derived)


def test_source_twin_carries_the_track_record_the_page_shows(client: TestClient) -> None:
    doc, twin = _page_and_twin(client, "/sources/south-korea-nis")
    assert doc.cssselect("h1")[0].text == twin["name"]
    rows = [[td.text_content().strip() for td in tr.cssselect("td")]
            for tr in doc.cssselect("table.estimates tbody tr")]
    assert [(r[0], r[1], r[2], r[5]) for r in rows] == [
        (e["topic"]["title"], e["measure"]["label"], e["figure"], e["status"])
        for e in twin["estimates"]]
    assert len(rows) == 3


def test_estimate_twin_carries_the_figure_and_citations_the_page_shows(
    client: TestClient, session: Session
) -> None:
    eid = session.scalar(select(Estimate.id).join(Source).where(
        Source.slug == "south-korea-nis").order_by(Estimate.id))
    doc, twin = _page_and_twin(client, f"/estimates/{eid}")
    assert doc.cssselect("h1")[0].text_content() == f"{twin['measure']['label']}: {twin['figure']}"
    quotes = [b.text_content().strip("“”") for b in doc.cssselect("div.citation blockquote")]
    assert quotes == [c["quote"] for c in twin["citations"] if c["quote"]]
    assert quotes  # the demo's NIS figures carry the German quote
    history = doc.cssselect("ol.revisions li")
    assert len(history) == len(twin["revisions"])


def test_source_page_is_a_track_record(client: TestClient) -> None:
    doc = _doc(client, "/sources/volodymyr-zelensky")
    assert doc.cssselect("h1")[0].text == "Volodymyr Zelensky"
    assert "⚑ yes" in doc.cssselect("dl.facts")[0].text_content()
    cells = [td.text_content().strip() for td in doc.cssselect("table.estimates tbody td")]
    assert cells[:3] == ["North Korean troops in Russia", "Casualties (killed + wounded)", "4,000"]


def test_estimate_page_shows_citation_and_history(client: TestClient, session: Session) -> None:
    eid = session.scalar(select(Estimate.id).join(Measure).where(Measure.slug == "killed"))
    doc = _doc(client, f"/estimates/{eid}")
    assert doc.cssselect("h1")[0].text_content() == "Killed: about 300"
    (quote,) = doc.cssselect("blockquote")
    assert quote.get("lang") == "de" and "etwa 300" in quote.text_content()
    assert [li.text_content().split()[0] for li in doc.cssselect("ol.revisions li")] == ["create"]


def test_retracted_estimates_are_struck_through_and_leave_the_chart(
    client: TestClient, session: Session
) -> None:
    eid = session.scalar(select(Estimate.id).join(Source).join(Measure).where(
        Source.slug == "volodymyr-zelensky", Measure.slug == "casualties"))
    assert eid is not None
    estimates.set_status(session, eid, "retracted", "misquoted", None, version=1)
    session.commit()
    assert _doc(client, f"/estimates/{eid}").cssselect("h1 s")
    sources = [r["source"] for r in _rows(_chart(_doc(client, f"/topics/{TOPIC}"),
                                                 "casualties"))]
    assert "volodymyr-zelensky" not in sources


def test_embed_svg_is_standalone(client: TestClient) -> None:
    response = client.get(f"/embed/topics/{TOPIC}/casualties.svg")
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "frame-ancestors *" in response.headers["content-security-policy"]
    from lxml import etree

    root = etree.fromstring(response.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = " ".join(root.itertext())
    assert "Volodymyr Zelensky" in texts and "Source: Reckon" in texts
    assert client.get(f"/embed/topics/{TOPIC}/eaten.svg").status_code == 404


def test_security_headers(client: TestClient) -> None:
    page = client.get(f"/topics/{TOPIC}")
    assert page.headers["content-security-policy"] == (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    embed = client.get(f"/embed/topics/{TOPIC}/casualties")
    assert "frame-ancestors *" in embed.headers["content-security-policy"]
    assert "x-frame-options" not in embed.headers
    doc = html.fromstring(page.text)
    # Nothing runs: the one <script> is the JSON-LD data block, which browsers never execute.
    assert [s.get("type") for s in doc.cssselect("script")] == ["application/ld+json"]
    assert not doc.cssselect("style")
    assert not doc.xpath("//*[@style]"), "inline style attributes would break the CSP"


def test_pages_answer_304_until_something_changes(client: TestClient, auth: dict[str, str],
                                                  session: Session) -> None:
    first = client.get(f"/topics/{TOPIC}")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = client.get(f"/topics/{TOPIC}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get(f"/topics/{TOPIC}",
                      headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get("/", headers={"If-None-Match": etag}).status_code == 200  # per URL
    created = client.post("/api/estimates", headers=auth, json={
        "topic": TOPIC, "measure": "killed", "source": "us-officials", "figure": "about 500",
        "citations": [{"publication": "Post"}]})
    assert created.status_code == 201
    changed = client.get(f"/topics/{TOPIC}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


def _count_queries(engine: Engine, client: TestClient, url: str) -> int:
    count = 0

    def _on_execute(*_: Any) -> None:
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", _on_execute)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", _on_execute)
    return count


@pytest.mark.parametrize("url", ["/", f"/topics/{TOPIC}", "/sources/us-officials",
                                 f"/topics/{TOPIC}?recorded=2100-01-01&as_of_to=2025-06-01",
                                 f"/topics/{TOPIC}?exclude_parties=1&as_of_from=2024-03-01",
                                 f"/topics/{TOPIC}/measures/killed/figures",
                                 f"/topics/{TOPIC}/measures/killed/figures?recorded=2100-01-01",
                                 f"/embed/topics/{TOPIC}/casualties.svg",
                                 "/?q=korea", f"/api/topics/{TOPIC}",
                                 "/api/sources/us-officials", "/sources/us-officials?page=3"])
def test_queries_per_page_do_not_grow_with_estimates(
    client: TestClient, session: Session, engine: Engine, url: str
) -> None:
    before = _count_queries(engine, client, url)
    # Thousands, in bulk (more than 500: SQLAlchemy's selectin loading batches 500 ids per
    # query), with partial, undated and stated-only figures among them.
    measures = {m.slug: m.id for m in session.scalars(select(Measure))}
    us = session.scalars(select(Source).where(Source.slug == "us-officials")).one()
    extra = [Source(slug=f"src-{n}", name=f"Source {n}") for n in range(30)]
    session.add_all(extra)
    session.flush()
    now = dt.datetime.now(dt.UTC)
    rows = []
    for n in range(2_100):
        month = dt.date(2023 + n % 3, 1 + n % 12, 1)
        rows.append({
            "measure_id": measures[("killed", "wounded", "casualties")[n % 3]],
            "source_id": (us if n % 2 else extra[n % 30]).id, "low": 100 + n,
            "high": 200 + n, "qualifier": "between", "created_at": now, "updated_at": now,
            "as_of": None if n % 17 == 0 else month,
            "as_of_precision": None if n % 17 == 0 else "month",
            "stated_on": month if n % 17 == 0 and n % 2 else None,
            "stated_on_precision": "month" if n % 17 == 0 and n % 2 else None,
            "scope": "area" if n % 10 == 0 else "total",
            "scope_note": "one region only" if n % 10 == 0 else ""})
    ids = session.scalars(insert(Estimate).returning(Estimate.id, sort_by_parameter_order=True),
                          rows).all()
    session.execute(insert(Citation), [
        {"estimate_id": eid, "publication": f"Paper {n}", "url": "https://example.org"}
        for n, eid in enumerate(ids)])
    chain.append(session, Revision, [
        {"estimate_id": eid, "number": 1, "action": "create", "created_at": now, "after": {
            "low": row["low"], "high": row["high"], "best": None, "qualifier": "between",
            "as_of": f"{row['as_of']:%Y-%m}" if row["as_of"] else None,
            "stated_on": f"{row['stated_on']:%Y-%m}" if row["stated_on"] else None,
            "scope": row["scope"], "scope_note": row["scope_note"], "claimant": "",
            "notes": "", "status": "active", "citations": []}}
        for eid, row in zip(ids, rows, strict=True)])
    place(session)  # bulk inserts skip the ORM, which places each estimate after a flush
    session.commit()
    assert _count_queries(engine, client, url) == before


def test_search_finds_topics_and_sources(client: TestClient) -> None:
    doc = _doc(client, "/?q=zelensky")
    links = [a.text_content() for a in doc.cssselect("section.search-results a")]
    assert links == ["Volodymyr Zelensky"]
    assert _doc(client, "/?q=korean").cssselect("section.search-results a")
    assert "Nothing matches" in _doc(client, "/?q=%00%25_").cssselect(
        "section.search-results")[0].text_content()


def test_unknown_pages_are_html_404(client: TestClient) -> None:
    for url in ("/topics/nope", "/sources/nope", "/estimates/424242", "/no/such/page"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")


def test_user_text_is_escaped_in_html_and_svg(client: TestClient, session: Session) -> None:
    factories.source(session, "xss", XSS)
    new_estimates.create_estimate(session, _create(
        measure="killed", source="xss", figure="500", as_of="2025-01",
        notes="<b>bold</b>", claimant="<i>x</i>"), None)
    session.commit()
    for url in (f"/topics/{TOPIC}", "/", "/sources/xss", "/?q=script"):
        doc = _doc(client, url)
        # Only the JSON-LD data block (topic pages), whose text holds no markup at all.
        assert not doc.xpath("//script[not(@type='application/ld+json')]")
        assert all("<" not in (block.text or "") for block in doc.xpath("//script"))
        assert not doc.xpath("//*[@onload]")
        assert not doc.xpath("//b") and not doc.xpath("//i")
        assert XSS[:25] in doc.text_content()
    svg = _chart(_doc(client, f"/topics/{TOPIC}"), "killed")
    names = [t.text_content() for t in svg.cssselect("text.source-name")]
    assert any(n.startswith("<script>alert(1)</scrip") for n in names)  # truncated label
    embed = client.get(f"/embed/topics/{TOPIC}/killed.svg").text
    assert "<script>" not in embed and "&lt;script&gt;alert(1)&lt;/script&gt;" in embed
