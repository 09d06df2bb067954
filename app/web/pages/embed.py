"""Embeds: one measure's range chart as a standalone SVG, or as a minimal page for an iframe —
of the current records, or of the records at a point (then frozen, like a recorded page)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from app.charts.text import wrap
from app.domain.comparison import Choices
from app.domain.dates import utc_today
from app.domain.record_points import RecordPoint, describe
from app.i18n import gettext
from app.services import comparison
from app.web.caching import cached, settled
from app.web.choices import ChoicesDep, RecordedDep, recorded_params, with_choices
from app.web.deps import SessionDep
from app.web.pages.panels import measure_panels
from app.web.templating import render_page, templates

router = APIRouter()


def _embed_context(request: Request, session: Session, slug: str, measure: str,
                   choices: Choices, at: RecordPoint | None) -> dict[str, Any]:
    # Only this measure's chart is computed (NotFound for a measure the topic lacks).
    view = comparison.measure_view(session, slug, measure, choices, at)
    (panel,) = measure_panels(view, draw_narrow=True)
    return {"topic": view.topic, "panel": panel,
            # SVG text does not wrap by itself: broken into lines that fit, by the font's widths.
            "subtitle_lines": wrap(panel.chart.sentence, 12, panel.chart.width - 20,
                                   lines=20) or [panel.chart.sentence],
            "topic_url": with_choices(str(request.url_for("topic_page", slug=slug)), choices,
                                      **recorded_params(at)),
            # A recorded chart says what it shows, never the day it was drawn.
            "generated": gettext("records as of %(date)s", date=at.label()) if at
            else utc_today().isoformat(),
            "shows": describe(at, None)}


@router.get("/embed/topics/{slug}/{measure}.svg", name="embed_svg")
def embed_svg(request: Request, slug: str, measure: str, session: SessionDep,
              choices: ChoicesDep, at: RecordedDep) -> Response:
    def render() -> Response:
        context = _embed_context(request, session, slug, measure, choices, at)
        return templates.TemplateResponse(request, "embed/chart.svg.j2", context,
                                          media_type="image/svg+xml")

    return cached(request, session, render, settled=settled(at))


@router.get("/embed/topics/{slug}/{measure}", response_class=HTMLResponse, name="embed_page")
def embed_page(request: Request, slug: str, measure: str, session: SessionDep,
               choices: ChoicesDep, at: RecordedDep) -> Response:
    def render() -> Response:
        context = _embed_context(request, session, slug, measure, choices, at)
        return render_page(request, "embed/chart.html", **context)

    return cached(request, session, render, settled=settled(at))
