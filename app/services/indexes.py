"""The catalogue as index pages list it: every topic with its measures, every source, and how
many figures each holds — counted in one query each, however large the catalogue."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.vocabulary import Status
from app.models import Estimate, Measure, Source, Topic
from app.services import catalog
from app.services.visibility import published


@dataclass(frozen=True)
class MeasureCount:
    measure: Measure
    figures: int


@dataclass(frozen=True)
class TopicIndexEntry:
    topic: Topic
    measures: list[MeasureCount]

    @property
    def figures(self) -> int:
        return sum(m.figures for m in self.measures)


@dataclass(frozen=True)
class SourceIndexEntry:
    source: Source
    figures: int


def topic_index(session: Session) -> list[TopicIndexEntry]:
    """Every topic (by title) with its measures in their order and the active figures of each
    (retracted figures are kept but no longer shown, so they are not counted)."""
    counts = dict(session.execute(
        select(Estimate.measure_id, func.count())
        .where(Estimate.status == Status.ACTIVE, published())
        .group_by(Estimate.measure_id)
    ).all())
    return [
        TopicIndexEntry(topic=t, measures=[
            MeasureCount(measure=m, figures=counts.get(m.id, 0))
            for m in t.measures
        ])
        for t in catalog.list_topics(session)
    ]


def source_index(session: Session) -> list[SourceIndexEntry]:
    """Every source (by name) with its active figures across all topics."""
    counts = dict(session.execute(
        select(Estimate.source_id, func.count())
        .where(Estimate.status == Status.ACTIVE, published())
        .group_by(Estimate.source_id)
    ).all())
    return [SourceIndexEntry(source=s, figures=counts.get(s.id, 0))
            for s in catalog.list_sources(session)]
