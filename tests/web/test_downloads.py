"""Taking the data away: each chart's figures as CSV, the chart as SVG and PNG, and a topic's
figures as CSV and JSON — the same figures the page draws, under the reader's choices."""

from __future__ import annotations

import csv
import io
import struct
from typing import Any
from urllib.parse import urlsplit

import pytest
import resvg_py
from fastapi.testclient import TestClient
from fontTools.ttLib import TTFont
from lxml import etree, html
from lxml.etree import _Element
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from starlette.requests import Request

from app.domain.comparison import Choices
from app.domain.dates import utc_today
from app.domain.record_points import RecordPoint
from app.domain.vocabulary import Status
from app.models import Estimate, Measure, Topic
from app.services import comparison
from app.services.downloads import COLUMNS, neutralise
from app.web.pages.downloads import _png_fonts
from app.web.templating import templates
from tests import factories
from tests.web.parsing import doc as _doc

TOPIC = "north-korean-troops-in-russia"
MEASURES = ["deployed", "killed", "wounded", "casualties"]
SVG = "{http://www.w3.org/2000/svg}"
pytestmark = pytest.mark.usefixtures("demo")


def _csv(client: TestClient, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline=""))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    return list(reader)


def _drawn(client: TestClient, measure: str, query: str = "") -> set[tuple[Any, ...]]:
    """The rows of the measure's range chart on the topic page: source, low, high, compared."""
    page = _doc(client, f"/topics/{TOPIC}{query}")
    assert page.cssselect(f"section#measure-{measure}"), f"no section for {measure}"
    charts = page.cssselect(f"section#measure-{measure} svg.range-chart")
    if not charts:  # no figure in view: no chart is drawn
        return set()
    # Inline, a row not compared says so by its class alone.
    drawn = [{(g.get("data-source"), g.get("data-low"), g.get("data-high"),
               "not-compared" not in g.get("class").split())
              for g in svg.cssselect("g.row[data-source]")} for svg in charts]
    assert all(d == drawn[0] for d in drawn), "the chart's variants disagree"
    return drawn[0]


def _rows_as_drawn(rows: list[dict[str, str]]) -> set[tuple[Any, ...]]:
    return {(r["source"], r["low"], r["high"], r["compared"] == "true") for r in rows}


def _filename(response: Any) -> str:
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=")
    return str(disposition.split("filename=", 1)[1].strip('"'))


@pytest.mark.parametrize("measure", MEASURES)
def test_chart_csv_holds_the_figures_the_chart_draws(client: TestClient, session: Session,
                                                     measure: str) -> None:
    url = f"/topics/{TOPIC}/measures/{measure}.csv"
    rows = _csv(client, url)
    assert _rows_as_drawn(rows) == _drawn(client, measure)
    assert _filename(client.get(url)) == f"{TOPIC}-{measure}.csv"
    stored = {e.id: e for e in session.scalars(
        select(Estimate).join(Measure).join(Topic).where(Topic.slug == TOPIC)
        .options(selectinload(Estimate.source), selectinload(Estimate.citations)))}
    for row in rows:
        assert row["topic"] == TOPIC and row["measure"] == measure and row["in_chart"] == "true"
        if row["derived"]:  # a sum Reckon made: no id of its own, the ids of its parts
            assert row["id"] == "" and row["derived_from"] and row["citation_url"] == ""
            assert all(int(i) in stored for i in row["derived_from"].split())
            continue
        estimate = stored[int(row["id"])]
        assert estimate.source.slug == row["source"]
        assert (row["low"], row["high"]) == (str(estimate.low or ""), str(estimate.high or ""))
        assert row["qualifier"] == estimate.qualifier and row["scope"] == estimate.scope
        assert row["scope_note"] == estimate.scope_note
        assert row["confidence"] == estimate.confidence
        assert row["citation_url"].split("\n") == [c.url for c in estimate.citations]
        assert row["publication"].split("\n") == [c.publication for c in estimate.citations]
        assert row["quote"].split("\n") == [c.quote for c in estimate.citations]
        assert (row["compared"] == "true") == (row["left_out_because"] == "")


def test_chart_csv_says_why_a_figure_is_not_compared(client: TestClient) -> None:
    rows = {r["source"]: r for r in _csv(client, f"/topics/{TOPIC}/measures/deployed.csv")}
    media = rows["south-korean-media"]
    assert (media["scope"], media["compared"]) == ("increment", "false")
    assert media["left_out_because"].startswith("in addition to an earlier figure")
    assert rows["south-korea-nis"]["compared"] == "true"


@pytest.mark.parametrize("query", ["?exclude_parties=1", "?source=us-officials",
                                   "?include_partial=1", "?as_of_from=2025-02-01"])
def test_the_readers_choices_change_the_csv_as_they_change_the_chart(client: TestClient,
                                                                     query: str) -> None:
    for measure in ("deployed", "casualties"):
        chosen = _csv(client, f"/topics/{TOPIC}/measures/{measure}.csv{query}")
        assert _rows_as_drawn(chosen) == _drawn(client, measure, query)
    changed = {"?exclude_parties=1": "casualties", "?source=us-officials": "casualties",
               "?include_partial=1": "deployed", "?as_of_from=2025-02-01": "casualties"}[query]
    assert _csv(client, f"/topics/{TOPIC}/measures/{changed}.csv{query}") != _csv(
        client, f"/topics/{TOPIC}/measures/{changed}.csv")
    response = client.get(f"/topics/{TOPIC}/measures/casualties.csv{query}")
    assert _filename(response) == f"{TOPIC}-casualties-chosen.csv"


def test_a_party_left_out_by_choice_is_beside_the_comparison(client: TestClient) -> None:
    rows = {r["source"]: r for r in _csv(
        client, f"/topics/{TOPIC}/measures/casualties.csv?exclude_parties=1")}
    zelensky = rows["volodymyr-zelensky"]
    assert (zelensky["source_party"], zelensky["compared"]) == ("true", "false")
    assert "party" in zelensky["left_out_because"]


def test_formula_cells_are_neutralised(client: TestClient, session: Session) -> None:
    factories.source(session, "formulas", "=HYPERLINK(\"http://x\",\"y\")", country="@SUM(1)")
    factories.estimate(session, topic=TOPIC, measure="killed", source="formulas", low=700,
                       as_of="2025-03", claimant="+cmd|' /C calc'!A0", notes="-2+3",
                       citations=[{"publication": "=1+1", "url": "https://example.org/f",
                                   "quote": "=2*3 dead"}])
    session.commit()
    rows = {r["source"]: r for r in _csv(client, f"/topics/{TOPIC}/measures/killed.csv")}
    row = rows["formulas"]
    assert row["source_name"] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert row["source_country"] == "'@SUM(1)"
    assert row["claimant"] == "'+cmd|' /C calc'!A0"
    assert row["notes"] == "'-2+3"
    assert row["publication"] == "'=1+1" and row["quote"] == "'=2*3 dead"
    assert row["low"] == "700" and row["citation_url"] == "https://example.org/f"
    everything = _csv(client, f"/topics/{TOPIC}/figures.csv")
    assert not [c for r in everything for c in r.values() if c[:1] in ("=", "+", "-", "@")]
    assert [neutralise(x) for x in ("=a", "+a", "-a", "@a", "a=b", "", "2025-01")] == [
        "'=a", "'+a", "'-a", "'@a", "a=b", "", "2025-01"]


def _svg(client: TestClient, url: str) -> _Element:
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    root = etree.fromstring(response.content)  # well-formed XML, or this raises
    assert root.tag == f"{SVG}svg"
    return root


@pytest.mark.parametrize("measure", ["deployed", "casualties"])
def test_svg_download_is_the_embed_svg_with_the_charts_rows(client: TestClient,
                                                            measure: str) -> None:
    url = f"/topics/{TOPIC}/measures/{measure}.svg?exclude_parties=1"
    root = _svg(client, url)
    rows = {(g.get("data-source"), g.get("data-low"), g.get("data-high"),
             g.get("data-compared") != "no") for g in root.iter(f"{SVG}g")
            if "row" in (g.get("class") or "").split()}
    assert rows == _drawn(client, measure, "?exclude_parties=1")
    response = client.get(url)
    assert _filename(response) == f"{TOPIC}-{measure}-chosen.svg"
    embed = client.get(f"/embed/topics/{TOPIC}/{measure}.svg?exclude_parties=1")
    assert response.content == embed.content


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk, which must come first."""
    signature, _length, kind, width, height = struct.unpack(">8sI4sII", data[:24])
    assert signature == b"\x89PNG\r\n\x1a\n" and kind == b"IHDR"
    return width, height


@pytest.mark.parametrize("measure", MEASURES)
def test_png_download_decodes_at_twice_the_svgs_size(client: TestClient, measure: str) -> None:
    root = _svg(client, f"/topics/{TOPIC}/measures/{measure}.svg")
    response = client.get(f"/topics/{TOPIC}/measures/{measure}.png")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert _filename(response) == f"{TOPIC}-{measure}.png"
    width, height = _png_size(response.content)
    # Rendered at twice the size, for high-density screens and print.
    assert (width, height) == (2 * int(root.get("width")), 2 * int(root.get("height")))
    assert response.content.endswith(b"IEND\xaeB`\x82")


def test_png_text_is_set_in_the_chart_font_without_any_system_font() -> None:
    """The PNG uses the fonts the layout was measured with, converted for resvg: with system
    fonts switched off, text still draws (an image of text is larger than a blank one)."""
    files = _png_fonts()
    assert {TTFont(f)["name"].getDebugName(1) for f in files} == {"DejaVu Sans"}
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40">'
           '<text x="4" y="30" font-family="DejaVu Sans" font-size="24">Reckon 1,200</text></svg>')
    blank = resvg_py.svg_to_bytes(svg_string=svg, skip_system_fonts=True)
    drawn = resvg_py.svg_to_bytes(svg_string=svg, skip_system_fonts=True, font_files=files)
    assert len(bytes(drawn)) > len(bytes(blank)) + 200


def test_downloads_answer_304_and_head(client: TestClient) -> None:
    for kind in ("measures/killed.csv", "measures/killed.svg", "measures/killed.png",
                 "figures.csv", "figures.json"):
        url = f"/topics/{TOPIC}/{kind}"
        first = client.get(url)
        etag = first.headers["etag"]
        assert first.headers["last-modified"]
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        head = client.head(url)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["etag"] == etag
        assert head.headers["content-disposition"] == first.headers["content-disposition"]
        # Another comparison is another file.
        assert client.get(f"{url}?exclude_parties=1").headers["etag"] != etag


def test_unknown_topics_and_measures_are_404(client: TestClient) -> None:
    for url in (f"/topics/{TOPIC}/measures/eaten.csv", f"/topics/{TOPIC}/measures/eaten.svg",
                f"/topics/{TOPIC}/measures/eaten.png", "/topics/nope/figures.csv",
                "/topics/nope/figures.json", "/topics/nope/measures/killed.csv"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "content-disposition" not in response.headers


def _active_ids(session: Session) -> set[int]:
    return set(session.scalars(select(Estimate.id).join(Measure).join(Topic).where(
        Topic.slug == TOPIC, Estimate.status == Status.ACTIVE)))


def test_topic_csv_holds_every_figure_of_the_topic(client: TestClient, session: Session) -> None:
    factories.estimate(session, topic=TOPIC, measure="killed", source="south-korea-nis",
                       low=200, as_of="2024-12")  # older than its 300: not on the chart
    session.commit()
    response = client.get(f"/topics/{TOPIC}/figures.csv")
    assert _filename(response) == f"{TOPIC}-figures.csv"
    rows = _csv(client, f"/topics/{TOPIC}/figures.csv")
    assert {int(r["id"]) for r in rows if r["id"]} == _active_ids(session)
    assert len([r for r in rows if r["id"]]) == len(_active_ids(session))  # each once
    for measure in MEASURES:  # the chart's rows are in it, as the chart's own CSV has them
        chart = _csv(client, f"/topics/{TOPIC}/measures/{measure}.csv")
        assert [r for r in rows if r["measure"] == measure and r["in_chart"] == "true"] == chart
    older = [r for r in rows if r["in_chart"] == "false"]
    assert [(r["source"], r["low"]) for r in older] == [("south-korea-nis", "200")]
    assert older[0]["compared"] == "false" and older[0]["left_out_because"]
    assert any(r["derived"] == "derived: killed + wounded" for r in rows)


def test_topic_csv_with_a_figure_window_at_a_record_point(client: TestClient) -> None:
    today = utc_today().isoformat()
    url = f"/topics/{TOPIC}/figures.csv?as_of_to=2024-12-01&recorded={today}"
    rows = _csv(client, url)
    now = _csv(client, f"/topics/{TOPIC}/figures.csv")
    assert 0 < len(rows) < len(now)
    assert all(r["dated"] <= "2024-12-01" for r in rows if r["dated"])
    assert _filename(client.get(url)) == f"{TOPIC}-figures-chosen-as-of-{today}.csv"
    exact = client.get(f"/topics/{TOPIC}/figures.csv?recorded={today}T23:59:59.5Z")
    assert _filename(exact) == f"{TOPIC}-figures-as-of-{today}T235959-500000Z.csv"


def test_topic_json_holds_every_figure_of_the_topic(client: TestClient,
                                                    session: Session) -> None:
    response = client.get(f"/topics/{TOPIC}/figures.json?exclude_parties=1")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert _filename(response) == f"{TOPIC}-figures-chosen.json"
    data = response.json()
    assert data == client.get(f"/api/topics/{TOPIC}?exclude_parties=1").json()
    ids = {e["estimate_id"] for m in data["measures"] for e in m["estimates"]}
    assert ids == _active_ids(session)
    assert data["choices"]["exclude_parties"] is True


def _request(client: TestClient) -> Request:
    app = client.app
    return Request({"type": "http", "app": app, "router": app.router,  # type: ignore[attr-defined]
                    "method": "GET", "path": "/", "root_path": "", "scheme": "http",
                    "server": ("testserver", 80), "headers": [], "query_string": b""})


@pytest.mark.parametrize("recorded", [False, True])
def test_topic_downloads_partial_links_both_files_with_the_choices(
        client: TestClient, session: Session, recorded: bool) -> None:
    choices = Choices(exclude_parties=True)
    point = RecordPoint.end_of(utc_today()) if recorded else None
    view = comparison.topic_view(session, TOPIC, point, choices)
    expected_query = "exclude_parties=1" + (f"&recorded={point}" if point else "")
    markup = templates.get_template("_topic_downloads.html").render(
        request=_request(client), view=view, embed_query=f"?{expected_query}")
    links = html.fromstring(markup).cssselect("a")
    assert [(urlsplit(a.get("href")).path, urlsplit(a.get("href")).query) for a in links] == [
        (f"/topics/{TOPIC}/figures.csv", expected_query),
        (f"/topics/{TOPIC}/figures.json", expected_query)]
    for a in links:
        assert client.get(a.get("href")).status_code == 200


def test_each_chart_offers_its_downloads_and_an_embed_code(client: TestClient) -> None:
    page = _doc(client, f"/topics/{TOPIC}?exclude_parties=1")
    for measure in MEASURES:
        (box,) = page.cssselect(f"section#measure-{measure} figure .chart-downloads")
        links = {a.text_content(): a.get("href") for a in box.cssselect("p.downloads a")}
        assert {urlsplit(h).path for h in links.values()} == {
            f"/topics/{TOPIC}/measures/{measure}.{ext}" for ext in ("csv", "svg", "png")}
        assert all(urlsplit(h).query == "exclude_parties=1" for h in links.values())
        for href in links.values():
            assert client.get(href).status_code == 200
        (code,) = box.cssselect("textarea")
        assert code.get("readonly") is not None
        (label,) = box.cssselect(f"label[for='{code.get('id')}']")
        assert "Embed" in label.text_content()
        (iframe,) = html.fragment_fromstring(code.text_content(), create_parent="div").cssselect(
            "iframe")
        src = urlsplit(iframe.get("src"))
        assert (src.path, src.query) == (f"/embed/topics/{TOPIC}/{measure}", "exclude_parties=1")
        assert iframe.get("width") == "100%" and int(iframe.get("height")) >= 200
        assert iframe.get("title")
        assert client.get(iframe.get("src")).status_code == 200
