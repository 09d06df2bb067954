"""A topic page's charts drawn on their own, as the page's images: the narrow range chart and
both timelines, in a light and a dark theme, with the page's choices and date — the same
drawings the page would otherwise carry inline, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from lxml.etree import _Element
from sqlalchemy.orm import Session

from app.charts.palette import DARK, DARK_PALETTE, LIGHT, PALETTE, contrast
from app.charts.timeline import outline_of
from app.domain.comparison import Choices
from app.domain.dates import utc_today
from app.domain.record_points import RecordPoint
from app.services import comparison
from app.web.pages.panels import measure_panels, range_drawing, timeline_drawing
from tests.fixtures import messy
from tests.web.parsing import chart, doc, drawing_url, rows, svg, timeline

OSTRAVA = f"/topics/{messy.OSTRAVA}"


@pytest.fixture
def data(session: Session) -> dict[str, str]:
    return messy.load(session)


def _narrow_urls(page: _Element, measure: str) -> dict[str, str]:
    (picture,) = page.cssselect(f"section#measure-{measure} .for-narrow picture")
    (dark,) = picture.cssselect("source")
    assert dark.get("media") == "(prefers-color-scheme: dark)"
    return {"light": picture.cssselect("img")[0].get("src"), "dark": dark.get("srcset")}


@pytest.mark.usefixtures("data")
def test_the_page_carries_one_drawing_of_each_chart(client: TestClient) -> None:
    page = doc(client, OSTRAVA)
    for section in page.cssselect("section.measure"):
        # Inline: only the wide range chart; the narrow one and the timelines are images.
        assert len(section.cssselect("svg.range-chart")) == 1
        assert section.cssselect(".for-wide svg.range-chart")
        assert not section.cssselect("svg.timeline-chart")
        measure = section.get("id").removeprefix("measure-")
        (img,) = section.cssselect(".for-narrow img")
        assert img.get("aria-describedby") == f"range-{measure}-desc"
        assert page.get_element_by_id(f"range-{measure}-desc").text_content().startswith(
            section.cssselect("p.sentence")[0].text_content())
        for theme, url in _narrow_urls(page, measure).items():
            drawn = svg(client, url)
            assert (drawn.get("width"), drawn.get("height")) == (img.get("width"),
                                                                 img.get("height"))
            assert drawn.get("fill") == (DARK if theme == "dark" else LIGHT).ink
        if not section.cssselect("figure.timeline"):
            continue
        (picture,) = section.cssselect("figure.timeline picture")
        sizes = {(s.get("srcset"), s.get("width"), s.get("height"))
                 for s in picture.cssselect("source")}
        (img,) = picture.cssselect("img")
        sizes.add((img.get("src"), img.get("width"), img.get("height")))
        assert len(sizes) == 4
        for url, width, height in sizes:
            drawn = svg(client, url)
            assert (drawn.get("width"), drawn.get("height")) == (width, height)
        label = section.cssselect("h2")[0].text.strip()
        assert img.get("alt").startswith(f"Valdorian troops in Ostrava: {label} over time. ")


@pytest.mark.usefixtures("data")
def test_the_narrow_image_draws_the_rows_of_the_wide_chart(client: TestClient) -> None:
    page = doc(client, OSTRAVA)
    for measure in ("deployed", "killed"):
        wide = rows(chart(page, measure))
        narrow = rows(svg(client, _narrow_urls(page, measure)["light"]))
        fields = ("source", "value", "date", "compared", "arrows", "low", "high")
        assert [{f: r[f] for f in fields} for r in narrow] == [
            {f: r[f] for f in fields} for r in wide]


@pytest.mark.usefixtures("data")
def test_dark_drawings_change_colours_not_shapes(client: TestClient) -> None:
    page = doc(client, OSTRAVA)
    for light_url, dark_url in (
            tuple(_narrow_urls(page, "killed").values()),
            (drawing_url(page, "killed"), drawing_url(page, "killed", theme="dark"))):
        light, dark = svg(client, light_url), svg(client, dark_url)

        def shapes(root: _Element) -> list[tuple[str, str | None, str | None]]:
            return [(e.tag, e.get("x"), e.get("width")) for e in root.iter("rect", "circle")]

        assert shapes(light) == shapes(dark)
        colours = {c.upper() for e in dark.iter() for c in (e.get("fill"), e.get("stroke"))
                   if c and re.fullmatch(r"#[0-9a-fA-F]{6}", c)}
        assert not colours & set(PALETTE)
        drawn = colours & set(DARK_PALETTE)
        assert drawn, colours
        assert all(contrast(c, DARK.background) >= 3 for c in drawn)
        texts = {e.get("fill") for e in dark.iter("text", "g") if e.get("fill")}
        assert texts <= {DARK.ink, DARK.muted, DARK.note} | set(DARK_PALETTE), texts


@pytest.mark.usefixtures("data")
def test_images_keep_the_readers_choices_and_date(client: TestClient) -> None:
    today = utc_today().isoformat()
    url = f"{OSTRAVA}?exclude_parties=1&as_of_to=2025-01-19&recorded={today}"
    page = doc(client, url)
    image = _narrow_urls(page, "killed")["light"]
    query = parse_qs(urlsplit(image).query)
    assert query["exclude_parties"] == ["1"] and query["as_of_to"] == ["2025-01-19"]
    assert query["recorded"] == [today]
    wide = rows(chart(page, "killed"))
    narrow = rows(svg(client, image))
    assert [(r["source"], r["compared"]) for r in narrow] == [
        (r["source"], r["compared"]) for r in wide]
    # A party to the conflict, shown beside the comparison by the reader's choice.
    assert ("ostravan-mod", False) in {(r["source"], r["compared"]) for r in narrow}
    drawn = timeline(client, page, "killed", layout="narrow")
    assert parse_qs(urlsplit(drawing_url(page, "killed", "narrow")).query)["recorded"] == [
        today]
    assert drawn.get("width") == "360"


CHOICES = [Choices(), Choices(exclude_parties=True), Choices(include_partial=True)]


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize("choices", CHOICES)
@pytest.mark.parametrize("dated_to", [None, dt.date(2025, 1, 19)])
@pytest.mark.parametrize("recorded", [False, True])
def test_a_drawing_on_its_own_is_the_one_the_page_computes(
        session: Session, choices: Choices, dated_to: dt.date | None, recorded: bool) -> None:
    """One measure loaded on its own (for an image) draws what the whole page computes: the
    same marks, and each source in the colour it has in every chart of the topic — of the
    current records or as recorded at a point."""
    choices = replace(choices, dated_to=dated_to)
    as_of = RecordPoint.at_time(dt.datetime.now(dt.UTC)) if recorded else None
    for slug in (messy.OSTRAVA, messy.MARROW, messy.CORVIA):
        panels = measure_panels(comparison.topic_overview(session, slug, as_of, choices,
                                                          outlines=True))
        for panel in panels:
            measure = panel.view.measure.slug
            alone = comparison.measure_view(session, slug, measure, choices, as_of)
            narrow = range_drawing(alone, "narrow")
            # The page gives its image the size of the drawing, without drawing it.
            assert panel.chart_narrow is None
            assert (narrow.width, narrow.height) == panel.narrow_size
            assert measure_panels(alone, draw_narrow=True)[0].chart_narrow == narrow
            assert range_drawing(alone, "wide") == panel.chart
            with_marks = comparison.measure_view(session, slug, measure, choices, as_of,
                                                 timeline=True)
            # The page draws no timeline: the size, legend and description it gives its
            # image are those of the drawing.
            assert outline_of(timeline_drawing(with_marks, "wide")) == panel.timeline
            assert outline_of(timeline_drawing(with_marks, "narrow")) == panel.timeline_narrow


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize("query", ["layout=tiny", "theme=sepia", "as_of=yesterday"])
def test_a_bad_drawing_request_is_refused_with_its_reason(client: TestClient,
                                                          query: str) -> None:
    for kind in ("range", "timeline"):
        response = client.get(f"{OSTRAVA}/measures/killed/{kind}.svg?{query}")
        assert response.status_code in (400, 422), response.status_code
        assert query.split("=")[0] in response.text
    assert client.get(f"{OSTRAVA}/measures/eaten/timeline.svg").status_code == 404


@pytest.mark.usefixtures("data")
def test_drawings_are_cached_like_pages(client: TestClient) -> None:
    url = f"{OSTRAVA}/measures/killed/timeline.svg?layout=narrow&theme=dark"
    first = client.get(url)
    assert first.status_code == 200 and first.headers["content-type"].startswith(
        "image/svg+xml")
    again = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and not again.content
    other = client.get(url.replace("dark", "light"))
    assert other.headers["etag"] != first.headers["etag"]
