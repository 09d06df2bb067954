"""A measure's figures, all of them, a page at a time (the topic page shows the newest)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.domain.record_points import describe
from app.services.figures_page import PER_PAGE, FiguresPage, figures_page
from app.web.caching import cached, settled
from app.web.choices import ChoicesDep, RecordedDep, recorded_params, with_choices
from app.web.deps import SessionDep, VisitorDep
from app.web.templating import render_page

router = APIRouter()


def _twin(request: Request, shown: FiguresPage) -> str:
    """The JSON of the same figures: this page of /api/estimates, or — as recorded at a
    point, which only the topic's twin rebuilds — the topic as it stood then."""
    slug = shown.topic.slug
    if shown.recorded is not None:
        return with_choices(str(request.url_for("get_topic", slug=slug)), shown.choices,
                            **recorded_params(shown.recorded))
    params = [("topic", slug), ("measure", shown.measure.slug), ("status", "active"),
              *(("source", s) for s in sorted(shown.choices.sources))]
    if shown.choices.dated_from:
        params.append(("dated_from", shown.choices.dated_from.isoformat()))
    if shown.choices.dated_to:
        params.append(("dated_to", shown.choices.dated_to.isoformat()))
    params += [("page", str(shown.page)), ("per_page", str(shown.per_page))]
    return f"{request.url_for('list_estimates')}?{urlencode(params)}"


@router.get("/topics/{slug}/measures/{measure}/figures", response_class=HTMLResponse,
            name="measure_figures")
def measure_figures(
    request: Request, slug: str, measure: str, session: SessionDep, visitor: VisitorDep,
    choices: ChoicesDep, at: RecordedDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    def render() -> Response:
        shown = figures_page(session, slug, measure, page, choices, at, PER_PAGE)
        here = str(request.url_for("measure_figures", slug=slug, measure=measure))
        dated = recorded_params(at)

        def page_url(number: int) -> str:
            # Page 1 has no number: one address per page.
            return with_choices(here, choices, **dated,
                                **({"page": str(number)} if number > 1 else {}))

        topic_url = with_choices(str(request.url_for("topic_page", slug=slug)), choices,
                                 **dated)
        return render_page(
            request, "figures.html", shown=shown, json_url=_twin(request, shown),
            prev_url=page_url(page - 1) if page > 1 else None,
            next_url=page_url(page + 1) if page < shown.pages else None,
            first_url=page_url(1), last_url=page_url(shown.pages),
            topic_url=topic_url, measure_url=f"{topic_url}#measure-{measure}",
            # The other choices only mark which latest figures are not compared.
            filtered=bool(choices.sources or choices.dated_from or choices.dated_to),
            shows=describe(at, None),
        )

    return cached(request, session, render, settled=settled(at))
