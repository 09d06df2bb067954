"""Downloads: a chart's figures as CSV, the chart itself as SVG (the standalone embed) or PNG
(rendered here from that same SVG), and all of a topic's figures as CSV or JSON. Each takes the
reader's choices like the topic page; the figures (CSV, JSON) also take its `as_of` date, the
pictures show the latest figures, as the embeds do."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from functools import cache
from pathlib import Path

import resvg_py
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from fontTools.ttLib import TTFont
from sqlalchemy.orm import Session

from app.charts.text import FONT_DIR
from app.domain.comparison import Choices
from app.schemas.common import IsoDate
from app.services import comparison, downloads
from app.web.api.topics import get_topic
from app.web.caching import cached
from app.web.choices import ChoicesDep
from app.web.deps import SessionDep
from app.web.pages.embed import _embed_context  # so the SVG download is the embed's SVG
from app.web.templating import templates

router = APIRouter()
AsOf = Query(None, description="The figures as the records stood on this date (YYYY-MM-DD).")
# Twice the SVG's size, so the picture stays sharp on high-density screens and in print.
PNG_ZOOM = 2
CSV_TYPE = "text/csv; charset=utf-8"


def _filename(slug: str, stem: str, ext: str, choices: Choices, as_of: dt.date | None) -> str:
    """A readable name that says which comparison it holds: slugs are ASCII, so no escaping."""
    parts = [slug, stem]
    if not choices.is_default:
        parts.append("chosen")
    if as_of:
        parts.append(f"as-of-{as_of.isoformat()}")
    return f"{'-'.join(parts)}.{ext}"


def _attachment(body: str | bytes, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _chart_svg(request: Request, session: Session, slug: str, measure: str,
               choices: Choices) -> str:
    """The standalone embed SVG of one measure, drawn from the embed's own context so the two
    never differ (the embed shows the latest figures: no `as_of`)."""
    context = _embed_context(request, session, slug, measure, choices)
    return templates.get_template("embed/chart.svg.j2").render({**context, "request": request})


@cache
def _png_fonts() -> list[str]:
    """The chart fonts as TrueType, which resvg reads (it cannot read the WOFF2 the pages
    serve): the PNG is then set in the very font the layout was measured with, on any machine,
    and system fonts only draw what our subset lacks."""
    folder = Path(tempfile.mkdtemp(prefix="reckon-fonts-"))
    files = []
    for woff2 in sorted(FONT_DIR.glob("*.woff2")):
        font = TTFont(woff2)
        font.flavor = None
        target = folder / f"{woff2.stem}.ttf"
        font.save(target)
        files.append(str(target))
    return files


def svg_to_png(svg: str) -> bytes:
    return bytes(resvg_py.svg_to_bytes(svg_string=svg, zoom=PNG_ZOOM, font_files=_png_fonts()))


@router.get("/topics/{slug}/measures/{measure}.csv", name="chart_csv")
def chart_csv(request: Request, slug: str, measure: str, session: SessionDep,
              choices: ChoicesDep, as_of: IsoDate | None = AsOf) -> Response:
    def render() -> Response:
        view = comparison.topic_view(session, slug, as_of, choices)
        rows = downloads.chart_rows(view, downloads.measure_of(view, measure))
        return _attachment(downloads.to_csv(rows), CSV_TYPE,
                           _filename(slug, measure, "csv", choices, as_of))

    return cached(request, session, render)


@router.get("/topics/{slug}/measures/{measure}.svg", name="chart_svg")
def chart_svg(request: Request, slug: str, measure: str, session: SessionDep,
              choices: ChoicesDep) -> Response:
    def render() -> Response:
        return _attachment(_chart_svg(request, session, slug, measure, choices),
                           "image/svg+xml", _filename(slug, measure, "svg", choices, None))

    return cached(request, session, render)


@router.get("/topics/{slug}/measures/{measure}.png", name="chart_png")
def chart_png(request: Request, slug: str, measure: str, session: SessionDep,
              choices: ChoicesDep) -> Response:
    def render() -> Response:
        png = svg_to_png(_chart_svg(request, session, slug, measure, choices))
        return _attachment(png, "image/png", _filename(slug, measure, "png", choices, None))

    return cached(request, session, render)


@router.get("/topics/{slug}/figures.csv", name="topic_csv")
def topic_csv(request: Request, slug: str, session: SessionDep, choices: ChoicesDep,
              as_of: IsoDate | None = AsOf) -> Response:
    def render() -> Response:
        view = comparison.topic_view(session, slug, as_of, choices)
        return _attachment(downloads.to_csv(downloads.topic_rows(view)), CSV_TYPE,
                           _filename(slug, "figures", "csv", choices, as_of))

    return cached(request, session, render)


@router.get("/topics/{slug}/figures.json", name="topic_json")
def topic_json(request: Request, slug: str, session: SessionDep, choices: ChoicesDep,
               as_of: IsoDate | None = AsOf) -> Response:
    def render() -> Response:
        # The JSON twin's own answer (/api/topics/{slug}), as a file.
        detail = get_topic(slug, session, choices, as_of)
        body = json.dumps(detail.model_dump(mode="json"), ensure_ascii=False, indent=2)
        return _attachment(body + "\n", "application/json",
                           _filename(slug, "figures", "json", choices, as_of))

    return cached(request, session, render)

