"""Reader pages, rendered on the server; each names its JSON twin in /api."""

from __future__ import annotations

import datetime as dt
import textwrap
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.orm import Session

from app import charts, figures
from app.auth import Visitor, VisitorDep
from app.config import PROJECT_DIR
from app.db import SessionDep
from app.errors import NotFound
from app.services import catalog, comparison, estimates, freshness
from app.services.comparison import Entry, MeasureView, TopicView

router = APIRouter(include_in_schema=False)
TEMPLATES_DIR: Path = PROJECT_DIR / "templates"

_env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,  # every template, .svg.j2 included: user text is escaped in SVG too
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["number"] = figures.format_number
_env.filters["figure"] = lambda e: figures.format_figure(e.low, e.high, e.qualifier, e.best)
_env.filters["kind"] = lambda kind: charts.KIND_LABELS.get(kind, kind)
_env.filters["figure_of"] = lambda snap: figures.format_figure(
    snap["low"], snap["high"], snap["qualifier"], snap.get("best")
)
_env.filters["partial"] = lambda v, p: figures.PartialDate(v, p).label() if v and p else "undated"
templates = Jinja2Templates(env=_env)

AsOf = Query(None, description="Show the comparison as it stood on this date (YYYY-MM-DD).")


# ---- caching -----------------------------------------------------------------------------

def _not_modified(request: Request, etag: str, last_modified: dt.datetime) -> bool:
    match = request.headers.get("if-none-match")
    if match is not None:
        return etag in [m.strip() for m in match.split(",")] or match.strip() == "*"
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return last_modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def cached(request: Request, session: Session, render: Any, *parts: str) -> Response:
    """Answer 304 when the client's copy is current; otherwise render with validators."""
    stamp, last_modified = freshness.data_stamp(session)
    visitor: Visitor | None = getattr(request.state, "visitor", None)
    user = visitor.user if visitor else None
    if user is not None:
        # Editors see their own controls and CSRF token: never share their copy.
        parts = (*parts, str(user.id), user.role, visitor.csrf_token if visitor else "")
    etag = freshness.etag_for(stamp, str(request.url.path), str(request.url.query), *parts)
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(last_modified, usegmt=True),
        "Cache-Control": "private, no-cache" if user else "public, max-age=0, must-revalidate",
        "Vary": "Cookie",
    }
    if _not_modified(request, etag, last_modified):
        return Response(status_code=304, headers=headers)
    response: Response = render()
    response.headers.update(headers)
    return response


# ---- links --------------------------------------------------------------------------------

class Urls:
    """Links for rows of a table: each route resolved once per request, not once per row
    (resolving walks every route, which dominates a page with thousands of rows)."""

    def __init__(self, request: Request) -> None:
        self._estimate = str(request.url_for("estimate_page", estimate_id=1))[:-1]
        self._source = str(request.url_for("source_page", slug="x"))[:-1]
        self._topic = str(request.url_for("topic_page", slug="x"))[:-1]

    def estimate(self, estimate_id: int | None) -> str:
        return f"{self._estimate}{estimate_id}"

    def source(self, slug: str) -> str:
        return f"{self._source}{slug}"

    def topic(self, slug: str) -> str:
        return f"{self._topic}{slug}"


def urls_for(request: Request) -> Urls:
    urls: Urls | None = getattr(request.state, "urls", None)
    if urls is None:
        urls = request.state.urls = Urls(request)
    return urls


# ---- chart models from comparison entries -------------------------------------------------

def _range_input(entry: Entry) -> charts.RangeInput:
    return charts.RangeInput(
        label=entry.source.name,
        low=entry.low,
        high=entry.high,
        best=entry.best,
        qualifier=entry.qualifier,
        value_label=entry.figure,
        date_label=entry.date_label,
        kind=entry.source.kind,
        party_to_conflict=entry.source.party_to_conflict,
        derived=entry.derived,
        key=entry.source.slug,
    )


def range_chart(view: MeasureView, colors: dict[str, str], width: int = 720) -> charts.RangeChart:
    return charts.range_chart(
        [_range_input(e) for e in view.latest],
        width=width, unit=view.measure.unit, colors=colors,
    )


def timeline_chart(view: MeasureView, colors: dict[str, str]) -> charts.TimelineChart:
    series: dict[str, list[charts.TimelinePoint]] = {}
    names: dict[str, str] = {}
    for entry in sorted(view.entries, key=Entry.sort_key):
        if entry.as_of is None:
            continue
        names[entry.source.slug] = entry.source.name
        series.setdefault(entry.source.slug, []).append(charts.TimelinePoint(
            when=entry.as_of.value, low=entry.low, high=entry.high,
            value_label=entry.figure, date_label=entry.date_label,
        ))
    return charts.timeline_chart(
        [charts.TimelineSeries(label=names[k], key=k, points=v) for k, v in series.items()],
        unit=view.measure.unit, colors=colors,
    )


def _measure_panels(view: TopicView) -> list[dict[str, Any]]:
    # One mapping for every chart of the topic, so a source keeps its colour throughout.
    colors = charts.assign_colors(view.source_keys)
    return [
        {
            "view": m,
            "chart": range_chart(m, colors),
            "timeline": timeline_chart(m, colors),
            "undated": sum(1 for e in m.entries if e.as_of is None),
        }
        for m in view.measures
    ]


# ---- pages -------------------------------------------------------------------------------

def render_page(request: Request, name: str, status_code: int = 200,
                **context: Any) -> HTMLResponse:
    context.setdefault("visitor", getattr(request.state, "visitor", None))
    context.setdefault("urls", urls_for(request))
    return templates.TemplateResponse(request, name, context, status_code=status_code)



@router.get("/", response_class=HTMLResponse, name="home")
def home(request: Request, session: SessionDep, visitor: VisitorDep,
         q: str = Query("", max_length=100)) -> Response:
    def render() -> Response:
        topics = comparison.home_view(session)
        colors = charts.assign_colors(sorted(
            {e.source.slug for t in topics for m in t.measures for e in m.latest}))
        cards = [
            {"view": t, "charts": [(m, range_chart(m, colors, width=560))
                                   for m in t.measures if m.latest]}
            for t in topics
        ]
        found = comparison.search(session, q) if q.strip() else None
        return render_page(request, "home.html", cards=cards, q=q, found=found,
                     json_url=request.url_for("list_topics"))

    return cached(request, session, render)


@router.get("/topics/{slug}", response_class=HTMLResponse, name="topic_page")
def topic_page(request: Request, slug: str, session: SessionDep, visitor: VisitorDep,
               as_of: dt.date | None = AsOf) -> Response:
    def render() -> Response:
        view = comparison.topic_view(session, slug, as_of)
        json_url = request.url_for("get_topic", slug=slug)
        here = request.url_for("topic_page", slug=slug)
        if as_of:
            json_url = json_url.include_query_params(as_of=as_of.isoformat())
        return render_page(
            request, "topic.html", view=view, panels=_measure_panels(view),
            json_url=json_url, today=dt.date.today(),
            permalink=here.include_query_params(
                as_of=(as_of or dt.date.today()).isoformat()),
            current_url=here,
        )

    return cached(request, session, render)


@router.get("/sources/{slug}", response_class=HTMLResponse, name="source_page")
def source_page(
    request: Request, slug: str, session: SessionDep, visitor: VisitorDep
) -> Response:
    def render() -> Response:
        source = catalog.get_source(session, slug)
        return render_page(request, "source.html", source=source,
                           estimates=estimates.source_estimates(session, source.id),
                           json_url=request.url_for("get_source", slug=slug))

    return cached(request, session, render)


@router.get("/estimates/{estimate_id}", response_class=HTMLResponse, name="estimate_page")
def estimate_page(
    request: Request, estimate_id: int, session: SessionDep, visitor: VisitorDep
) -> Response:
    def render() -> Response:
        estimate = estimates.get_estimate(session, estimate_id)
        return render_page(request, "estimate.html", e=estimate,
                           json_url=request.url_for("get_estimate", estimate_id=estimate_id))

    return cached(request, session, render)


def _embed_context(request: Request, session: Session, slug: str,
                   measure: str) -> dict[str, Any]:
    view = comparison.topic_view(session, slug)
    panel = next((p for p in _measure_panels(view)
                  if p["view"].measure.slug == measure), None)
    if panel is None:
        raise NotFound(f"Topic '{slug}' has no measure '{measure}'.")
    return {"topic": view.topic, "panel": panel,
            # SVG text does not wrap by itself.
            "subtitle_lines": textwrap.wrap(panel["chart"].sentence, 105),
            "topic_url": request.url_for("topic_page", slug=slug),
            "generated": dt.date.today()}


@router.get("/embed/topics/{slug}/{measure}.svg", name="embed_svg")
def embed_svg(request: Request, slug: str, measure: str, session: SessionDep) -> Response:
    def render() -> Response:
        context = _embed_context(request, session, slug, measure)
        return templates.TemplateResponse(request, "embed/chart.svg.j2", context,
                                          media_type="image/svg+xml")

    return cached(request, session, render)


@router.get("/embed/topics/{slug}/{measure}", response_class=HTMLResponse, name="embed_page")
def embed_page(request: Request, slug: str, measure: str, session: SessionDep) -> Response:
    def render() -> Response:
        context = _embed_context(request, session, slug, measure)
        return render_page(request, "embed/chart.html", **context)

    return cached(request, session, render)
