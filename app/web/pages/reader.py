"""What readers browse: every topic, a topic's comparison, a source's record, one estimate."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.domain.record_points import describe
from app.services import (
    capture,
    catalog,
    comparison,
    estimates,
    listing,
    parties,
    recorded,
    review,
    review_queue,
    search,
)
from app.web.caching import cached, settled
from app.web.choices import ChoicesDep, RecordedDep, recorded_params, with_choices
from app.web.deps import SessionDep, VisitorDep
from app.web.pages import linked
from app.web.pages.cards import topic_cards
from app.web.pages.panels import measure_panels
from app.web.templating import render_page

router = APIRouter()

# A source's track record, a page at a time (its JSON twin pages the same way).
SOURCE_PER_PAGE = 100
# The home page's topic cards, by title; every topic is listed at /topics.
HOME_TOPICS = 12


@router.get("/", response_class=HTMLResponse, name="home")
def home(request: Request, session: SessionDep, visitor: VisitorDep,
         q: str = Query("", max_length=100)) -> Response:
    def render() -> Response:
        if q.strip():
            # Search results alone: the topic cards are on the home page, a link away.
            return render_page(request, "home.html", cards=[], q=q,
                               found=search.search(session, q),
                               json_url=request.url_for("search_catalog").include_query_params(
                                   q=q))
        topics, more = comparison.home_view(session, HOME_TOPICS)
        return render_page(request, "home.html", cards=topic_cards(topics), q=q, found=None,
                           more=more, json_url=request.url_for("list_topics"))

    return cached(request, session, render)


@router.get("/topics/{slug}", response_class=HTMLResponse, name="topic_page")
def topic_page(request: Request, slug: str, session: SessionDep, visitor: VisitorDep,
               choices: ChoicesDep, at: RecordedDep) -> Response:
    def render() -> Response:
        # Only what the page shows: the latest figures, the newest others and the timeline's
        # marks; every figure is a link away (measure_figures). As recorded at a point, the
        # page holds nothing that depends on the clock or on later records: every link on
        # it (charts, downloads, embeds, all figures, its JSON twin) carries the point.
        # Its timelines are images: only what their descriptions name is loaded.
        view = comparison.topic_overview(session, slug, at, choices, outlines=True)
        here = str(request.url_for("topic_page", slug=slug))
        dated = recorded_params(at)
        query = with_choices("", choices, **dated)
        return render_page(
            request, "topic.html", view=view, panels=measure_panels(view),
            json_url=with_choices(str(request.url_for("get_topic", slug=slug)), choices,
                                  **dated),
            current_url=here, choices=choices,
            sources=view.sources if view.sources is not None
            else recorded.by_name(parties.topic_sources(session, view.topic.id)),
            # The exact time of the latest change shown: nothing later can enter it.
            permalink=with_choices(here, choices, **recorded_params(view.cite_point)),
            latest_url=with_choices(here, choices), shows=describe(at, choices.dated_to),
            embed_query=query, figures_query=query,
            linked_data=linked.topic(request, session, view, query),
        )

    return cached(request, session, render, settled=settled(at))


@router.get("/sources/{slug}", response_class=HTMLResponse, name="source_page")
def source_page(
    request: Request, slug: str, session: SessionDep, visitor: VisitorDep,
    page: int = Query(1, ge=1, le=100_000),
) -> Response:
    def render() -> Response:
        source = catalog.get_source(session, slug)
        shown, total = listing.source_estimates(session, source.id, page=page,
                                                per_page=SOURCE_PER_PAGE)
        pages = max(1, -(-total // SOURCE_PER_PAGE))
        here = str(request.url_for("source_page", slug=slug))

        def page_url(number: int) -> str:
            return here + (f"?page={number}" if number > 1 else "")  # one address per page

        json_url = str(request.url_for("get_source", slug=slug))
        return render_page(request, "source.html", source=source, estimates=shown,
                           total=total, page=page, pages=pages,
                           prev_url=page_url(page - 1) if page > 1 else None,
                           next_url=page_url(page + 1) if page < pages else None,
                           first_url=page_url(1), last_url=page_url(pages),
                           topic_parties=parties.source_topics(session, source),
                           json_url=json_url + (f"?page={page}&per_page={SOURCE_PER_PAGE}"
                                                if page > 1 else ""))

    return cached(request, session, render)


@router.get("/estimates/{estimate_id}", response_class=HTMLResponse, name="estimate_page")
def estimate_page(
    request: Request, estimate_id: int, session: SessionDep, visitor: VisitorDep
) -> Response:
    def render() -> Response:
        # Readers see it only once published; editors see it whatever its review state,
        # with what waits for review and why the last proposal was sent back.
        editor = visitor.actor is not None
        estimate = estimates.get_estimate(session, estimate_id, unpublished=editor)
        party = parties.party_in_topic(session, estimate.measure.topic_id, estimate.source)
        waiting = review_queue.waiting_for(session, estimate) if editor else None
        last = review.latest_proposal(session, estimate.id) if editor else None
        captures = capture.citation_captures(session, estimate.citations)
        return render_page(request, "estimate.html", e=estimate, party=party, waiting=waiting,
                           sent_back=last if last and last.state == "rejected" else None,
                           captures=captures,
                           linked_data=linked.estimate(request, estimate, captures),
                           json_url=request.url_for("get_estimate", estimate_id=estimate_id))

    return cached(request, session, render)
