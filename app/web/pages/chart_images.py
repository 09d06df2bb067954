"""A topic page's charts drawn on their own, as the page's images: the narrow range chart and
both timelines are `<picture>`s choosing by the screen's width and colour scheme, so a topic
page carries one drawing of each chart rather than every variant, whatever its size. Each takes
the page's choices and record point, and is cached like a page."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.charts.palette import THEMES
from app.services import comparison
from app.web.caching import cached, settled
from app.web.choices import ChoicesDep, RecordedDep
from app.web.deps import SessionDep
from app.web.pages.panels import range_drawing, timeline_drawing
from app.web.templating import templates

router = APIRouter()
Layout = Literal["wide", "narrow"]
ThemeName = Literal["light", "dark"]
SVG_TYPE = "image/svg+xml"


def _svg(template: str, **context: object) -> Response:
    return Response(templates.get_template(template).render(context), media_type=SVG_TYPE)


@router.get("/topics/{slug}/measures/{measure}/range.svg", name="range_image")
def range_image(request: Request, slug: str, measure: str, session: SessionDep,
                choices: ChoicesDep, at: RecordedDep, layout: Layout = "narrow",
                theme: ThemeName = "light") -> Response:
    def render() -> Response:
        view = comparison.measure_view(session, slug, measure, choices, at)
        (m,) = view.measures
        return _svg("_range_chart.svg.j2", chart=range_drawing(view, layout),
                    chart_id=f"range-{layout}-{m.measure.slug}", theme=THEMES[theme],
                    title=f"{view.topic.title}: {m.measure.label}, latest figure per source")

    return cached(request, session, render, settled=settled(at))


@router.get("/topics/{slug}/measures/{measure}/timeline.svg", name="timeline_image")
def timeline_image(request: Request, slug: str, measure: str, session: SessionDep,
                   choices: ChoicesDep, at: RecordedDep, layout: Layout = "wide",
                   theme: ThemeName = "light") -> Response:
    def render() -> Response:
        view = comparison.measure_view(session, slug, measure, choices, at, timeline=True)
        (m,) = view.measures
        return _svg("_timeline.svg.j2", timeline=timeline_drawing(view, layout),
                    chart_id=f"timeline-{layout}-{m.measure.slug}", theme=THEMES[theme],
                    title=f"{view.topic.title}: {m.measure.label} over time")

    return cached(request, session, render, settled=settled(at))
