"""A measure's figures, all of them, a page at a time (the topic page shows the newest)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.schemas.common import IsoDate
from app.services.figures_page import PER_PAGE, FiguresPage, figures_page
from app.web.caching import cached
from app.web.choices import ChoicesDep, with_choices
from app.web.deps import SessionDep, VisitorDep
from app.web.templating import render_page

router = APIRouter()


def _twin(request: Request, shown: FiguresPage) -> str:
    """The JSON of the same figures: this page of /api/estimates, or — as of a past date,
    which only the topic's twin rebuilds — the topic as it stood then."""
    slug = shown.topic.slug
    if shown.as_of is not None:
        return with_choices(str(request.url_for("get_topic", slug=slug)), shown.choices,
                            as_of=shown.as_of.isoformat())
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
    choices: ChoicesDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    as_of: Annotated[IsoDate | None, Query(
        description="The figures as they were recorded on this date (YYYY-MM-DD).")] = None,
) -> Response:
    def render() -> Response:
        shown = figures_page(session, slug, measure, page, choices, as_of, PER_PAGE)
        here = str(request.url_for("measure_figures", slug=slug, measure=measure))
        dated = {"as_of": as_of.isoformat()} if as_of else {}

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
        )

    return cached(request, session, render)
