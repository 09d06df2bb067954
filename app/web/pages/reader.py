"""What readers browse: every topic, a topic's comparison, a source's record, one estimate."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.charts.palette import assign_colors
from app.domain.dates import utc_today
from app.schemas.common import IsoDate
from app.services import catalog, comparison, estimates, listing, parties, search
from app.web.caching import cached
from app.web.choices import ChoicesDep, with_choices
from app.web.deps import SessionDep, VisitorDep
from app.web.pages.panels import CARD_NARROW, CARD_WIDE, measure_panels, measure_range_chart
from app.web.templating import render_page

router = APIRouter()
AsOf = Query(None, description="Show the comparison as it stood on this date (YYYY-MM-DD).")


@router.get("/", response_class=HTMLResponse, name="home")
def home(request: Request, session: SessionDep, visitor: VisitorDep,
         q: str = Query("", max_length=100)) -> Response:
    def render() -> Response:
        topics = comparison.home_view(session)
        colors = assign_colors(sorted(
            {e.source.slug for t in topics for m in t.measures for e in m.latest}))
        cards = [
            {"view": t, "charts": [(m, measure_range_chart(m, colors, CARD_WIDE),
                                    measure_range_chart(m, colors, CARD_NARROW))
                                   for m in t.measures if m.latest]}
            for t in topics
        ]
        found = search.search(session, q) if q.strip() else None
        return render_page(request, "home.html", cards=cards, q=q, found=found,
                           json_url=request.url_for("list_topics"))

    return cached(request, session, render)


@router.get("/topics/{slug}", response_class=HTMLResponse, name="topic_page")
def topic_page(request: Request, slug: str, session: SessionDep, visitor: VisitorDep,
               choices: ChoicesDep, as_of: IsoDate | None = AsOf) -> Response:
    def render() -> Response:
        # Only what the page shows: the latest figures, the newest others and the timeline's
        # marks; every figure is a link away (measure_figures).
        view = comparison.topic_overview(session, slug, as_of, choices)
        here = str(request.url_for("topic_page", slug=slug))
        dated = {"as_of": as_of.isoformat()} if as_of else {}
        today = utc_today()
        return render_page(
            request, "topic.html", view=view, panels=measure_panels(view),
            json_url=with_choices(str(request.url_for("get_topic", slug=slug)), choices,
                                  **dated),
            today=today, current_url=here, choices=choices,
            sources=parties.topic_sources(session, view.topic.id),
            permalink=with_choices(here, choices, as_of=(as_of or today).isoformat()),
            latest_url=with_choices(here, choices),
            embed_query=with_choices("", choices),
            figures_query=with_choices("", choices, **dated),
        )

    return cached(request, session, render)


@router.get("/sources/{slug}", response_class=HTMLResponse, name="source_page")
def source_page(
    request: Request, slug: str, session: SessionDep, visitor: VisitorDep
) -> Response:
    def render() -> Response:
        source = catalog.get_source(session, slug)
        return render_page(request, "source.html", source=source,
                           estimates=listing.source_estimates(session, source.id),
                           topic_parties=parties.source_topics(session, source),
                           json_url=request.url_for("get_source", slug=slug))

    return cached(request, session, render)


@router.get("/estimates/{estimate_id}", response_class=HTMLResponse, name="estimate_page")
def estimate_page(
    request: Request, estimate_id: int, session: SessionDep, visitor: VisitorDep
) -> Response:
    def render() -> Response:
        estimate = estimates.get_estimate(session, estimate_id)
        party = parties.party_in_topic(session, estimate.measure.topic_id, estimate.source)
        return render_page(request, "estimate.html", e=estimate, party=party,
                           json_url=request.url_for("get_estimate", estimate_id=estimate_id))

    return cached(request, session, render)
