"""Topics and their comparison, measures, and search."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, status

from app.schemas.catalog import (
    MeasureCreate,
    MeasureOut,
    SearchResults,
    SourceOut,
    SourceRef,
    TopicCreate,
    TopicSummary,
)
from app.schemas.comparison import ComparisonEntry, MeasureComparison, TopicDetail
from app.schemas.estimates import CitationOut
from app.services import catalog, comparison, search
from app.services.comparison import Entry
from app.web.deps import CurrentEditor, SessionDep

router = APIRouter()


def comparison_entry(e: Entry) -> ComparisonEntry:
    return ComparisonEntry(
        estimate_id=e.estimate_id,
        source=SourceRef.model_validate(e.source),
        low=e.low,
        high=e.high,
        best=e.best,
        qualifier=e.qualifier,
        figure=e.figure,
        as_of=e.as_of.iso() if e.as_of else None,
        stated_on=e.stated_on.iso() if e.stated_on else None,
        claimant=e.claimant,
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


@router.get("/topics/{slug}", response_model=TopicDetail)
def get_topic(
    slug: str,
    session: SessionDep,
    as_of: Annotated[dt.date | None, Query(description="The comparison as it stood then.")] = None,
) -> TopicDetail:
    view = comparison.topic_view(session, slug, as_of)
    return TopicDetail(
        slug=view.topic.slug,
        title=view.topic.title,
        summary=view.topic.summary,
        as_of=as_of,
        measures=[
            MeasureComparison(
                **MeasureOut.model_validate(m.measure).model_dump(),
                latest=[comparison_entry(e) for e in m.latest],
                estimates=[comparison_entry(e) for e in m.entries],
            )
            for m in view.measures
        ],
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
    return TopicSummary.model_validate(catalog.create_topic(session, data))


@router.post(
    "/topics/{slug}/measures", response_model=MeasureOut, status_code=status.HTTP_201_CREATED
)
def create_measure(
    slug: str, data: MeasureCreate, session: SessionDep, editor: CurrentEditor
) -> MeasureOut:
    topic = catalog.get_topic(session, slug)
    return MeasureOut.model_validate(catalog.create_measure(session, topic, data))
