"""Topics and their comparison, measures, and search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.domain.comparison import Choices, LeftOut
from app.domain.comparison import Span as DomainSpan
from app.domain.dates import PartialDate
from app.domain.record_points import RecordPoint
from app.domain.vocabulary import Confidence, Scope
from app.schemas.catalog import (
    MeasureCreate,
    MeasureOut,
    SearchResults,
    SourceOut,
    SourceRef,
    TopicCreate,
    TopicSummary,
)
from app.schemas.comparison import Choices as ChoicesOut
from app.schemas.comparison import ComparisonEntry, MeasureComparison, Span, TopicDetail
from app.schemas.estimates import CitationOut
from app.services import catalog, comparison, search
from app.services.comparison import Entry, MeasureView, TopicView
from app.web.caching import cached, settled
from app.web.choices import ChoicesDep, RecordedDep
from app.web.deps import CurrentEditor, SessionDep

router = APIRouter()


def _iso(date: PartialDate | None) -> str | None:
    return date.iso() if date else None


def comparison_entry(e: Entry, left_out: LeftOut | None = None) -> ComparisonEntry:
    return ComparisonEntry(
        estimate_id=e.estimate_id,
        source=SourceRef.model_validate(e.source),
        party_to_conflict=e.party,
        low=e.low,
        high=e.high,
        best=e.best,
        qualifier=e.qualifier,
        figure=e.figure,
        as_of=_iso(e.as_of),
        stated_on=_iso(e.stated_on),
        dated=_iso(e.when),
        scope=Scope(e.scope),
        scope_note=e.scope_note,
        period_start=_iso(e.period_start),
        period_end=_iso(e.period_end),
        confidence=Confidence(e.confidence),
        confidence_note=e.confidence_note,
        claimant=e.claimant,
        notes=e.notes,
        compared=left_out is None,
        left_out_because=left_out.text if left_out else None,
        derived=e.derived,
        derived_label=e.derived_label,
        derived_from=[p.estimate_id for p in e.derived_from if p.estimate_id is not None],
        citations=[
            CitationOut.model_validate(c) if not isinstance(c, dict) else CitationOut(**c)
            for c in e.citations
        ],
    )


@router.get("/topics", response_model=list[TopicSummary])
def list_topics(session: SessionDep) -> list[TopicSummary]:
    return [TopicSummary.model_validate(t) for t in catalog.list_topics(session)]


def _span(span: DomainSpan | None) -> Span | None:
    return Span(low=span.low, high=span.high) if span else None


def measure_comparison(m: MeasureView, *, every: bool = False) -> MeasureComparison:
    """`every`: list every figure in view (the download); else the table's (the API)."""
    overlap, gap = m.bands
    beside = dict((id(e), reason) for e, reason in m.beside)
    # The latest figures are among the listed ones too (the same objects): each is built once.
    built: dict[int, ComparisonEntry] = {}

    def entry(e: Entry) -> ComparisonEntry:
        found = built.get(id(e))
        if found is None:
            found = built[id(e)] = comparison_entry(e, beside.get(id(e)))
        return found

    return MeasureComparison(
        **MeasureOut.model_validate(m.measure).model_dump(),
        sentence=m.sentence,
        overlap=_span(overlap),
        gap=_span(gap),
        latest=[entry(e) for e in m.latest],
        estimates=[entry(e) for e in (m.entries if every else m.recent)],
        total_figures=m.total_figures,
    )


@router.get("/topics/{slug}", response_model=TopicDetail)
def get_topic(request: Request, slug: str, session: SessionDep, choices: ChoicesDep,
              at: RecordedDep) -> Response:
    """The comparison now, or as recorded at a point (`recorded`): then it never changes.
    Bounded like the topic page (each source's latest figures and the newest others, loaded
    alone); every figure is in `/topics/{slug}/figures.json` and `/api/estimates`. With
    ETag and Last-Modified, like the pages."""
    def render() -> Response:
        # The JSON lists no timeline's marks: they are not built.
        detail = topic_detail(comparison.topic_overview(session, slug, at, choices,
                                                        timelines=False), at, choices)
        return Response(detail.model_dump_json(), media_type="application/json")

    return cached(request, session, render, settled=settled(at))


def topic_detail(view: TopicView, at: RecordPoint | None, choices: Choices,
                 *, every: bool = False) -> TopicDetail:
    return TopicDetail(
        slug=view.topic.slug,
        title=view.topic.title,
        summary=view.topic.summary,
        as_of=view.as_of,
        recorded=at.param() if at else None,
        last_change=view.last_change,
        choices=ChoicesOut(
            exclude_parties=choices.exclude_parties, sources=sorted(choices.sources),
            as_of_from=choices.dated_from, as_of_to=choices.dated_to,
            include_partial=choices.include_partial, exclude_uncertain=choices.exclude_uncertain,
        ),
        measures=[measure_comparison(m, every=every) for m in view.measures],
    )


@router.get("/search", response_model=SearchResults)
def search_catalog(session: SessionDep,
                   q: Annotated[str, Query(max_length=100)] = "") -> SearchResults:
    topics, sources = search.search(session, q)
    return SearchResults(
        query=q,
        topics=[TopicSummary.model_validate(t) for t in topics],
        sources=[SourceOut.model_validate(x) for x in sources],
    )


@router.post("/topics", response_model=TopicSummary, status_code=status.HTTP_201_CREATED)
def create_topic(data: TopicCreate, session: SessionDep, editor: CurrentEditor) -> TopicSummary:
    return TopicSummary.model_validate(catalog.create_topic(session, data, editor))


@router.post(
    "/topics/{slug}/measures", response_model=MeasureOut, status_code=status.HTTP_201_CREATED
)
def create_measure(
    slug: str, data: MeasureCreate, session: SessionDep, editor: CurrentEditor
) -> MeasureOut:
    topic = catalog.get_topic(session, slug)
    return MeasureOut.model_validate(catalog.create_measure(session, topic, data, editor))
