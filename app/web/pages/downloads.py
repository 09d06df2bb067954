"""Downloads: a chart's figures as CSV, the chart itself as SVG (the standalone embed) or PNG
(rendered here from that same SVG), and all of a topic's figures as CSV or JSON. Each takes the
reader's choices and the record point like the topic page: a recorded page's downloads are
recorded at the same point."""

from __future__ import annotations

import json
import tempfile
from functools import cache
from pathlib import Path

import resvg_py
from fastapi import APIRouter, Request
from fastapi.responses import Response
from fontTools.ttLib import TTFont
from sqlalchemy.orm import Session

from app.charts.text import FONT_DIR
from app.domain.comparison import Choices
from app.domain.record_points import RecordPoint
from app.services import comparison, downloads
from app.web.api.topics import topic_detail
from app.web.caching import cached, settled
from app.web.choices import ChoicesDep, RecordedDep
from app.web.deps import SessionDep
from app.web.pages.embed import _embed_context  # so the SVG download is the embed's SVG
from app.web.templating import templates

router = APIRouter()
# Twice the SVG's size, so the picture stays sharp on high-density screens and in print.
PNG_ZOOM = 2
CSV_TYPE = "text/csv; charset=utf-8"


def _filename(slug: str, stem: str, ext: str, choices: Choices, at: RecordPoint | None) -> str:
    """A readable name that says which comparison it holds: slugs are ASCII, so no escaping."""
    parts = [slug, stem]
    if not choices.is_default:
        parts.append("chosen")
    if at:
        moment = at.param().replace(":", "").replace(".", "-") if at.exact else at.param()
        parts.append(f"as-of-{moment}")
    return f"{'-'.join(parts)}.{ext}"


def _attachment(body: str | bytes, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _chart_svg(request: Request, session: Session, slug: str, measure: str,
               choices: Choices, at: RecordPoint | None) -> str:
    """The standalone embed SVG of one measure, drawn from the embed's own context so the two
    never differ."""
    context = _embed_context(request, session, slug, measure, choices, at)
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
              choices: ChoicesDep, at: RecordedDep) -> Response:
    def render() -> Response:
        view = comparison.topic_view(session, slug, at, choices)
        rows = downloads.chart_rows(view, downloads.measure_of(view, measure))
        return _attachment(downloads.to_csv(rows), CSV_TYPE,
                           _filename(slug, measure, "csv", choices, at))

    return cached(request, session, render, settled=settled(at))


@router.get("/topics/{slug}/measures/{measure}.svg", name="chart_svg")
def chart_svg(request: Request, slug: str, measure: str, session: SessionDep,
              choices: ChoicesDep, at: RecordedDep) -> Response:
    def render() -> Response:
        return _attachment(_chart_svg(request, session, slug, measure, choices, at),
                           "image/svg+xml", _filename(slug, measure, "svg", choices, at))

    return cached(request, session, render, settled=settled(at))


@router.get("/topics/{slug}/measures/{measure}.png", name="chart_png")
def chart_png(request: Request, slug: str, measure: str, session: SessionDep,
              choices: ChoicesDep, at: RecordedDep) -> Response:
    def render() -> Response:
        png = svg_to_png(_chart_svg(request, session, slug, measure, choices, at))
        return _attachment(png, "image/png", _filename(slug, measure, "png", choices, at))

    return cached(request, session, render, settled=settled(at))


@router.get("/topics/{slug}/figures.csv", name="topic_csv")
def topic_csv(request: Request, slug: str, session: SessionDep, choices: ChoicesDep,
              at: RecordedDep) -> Response:
    def render() -> Response:
        view = comparison.topic_view(session, slug, at, choices)
        return _attachment(downloads.to_csv(downloads.topic_rows(view)), CSV_TYPE,
                           _filename(slug, "figures", "csv", choices, at))

    return cached(request, session, render, settled=settled(at))


@router.get("/topics/{slug}/figures.json", name="topic_json")
def topic_json(request: Request, slug: str, session: SessionDep, choices: ChoicesDep,
               at: RecordedDep) -> Response:
    def render() -> Response:
        # The JSON twin's answer (/api/topics/{slug}), as a file, with every figure in view.
        detail = topic_detail(comparison.topic_view(session, slug, at, choices), at, choices,
                              every=True)
        body = json.dumps(detail.model_dump(mode="json"), ensure_ascii=False, indent=2)
        return _attachment(body + "\n", "application/json",
                           _filename(slug, "figures", "json", choices, at))

    return cached(request, session, render, settled=settled(at))

