"""Party to the conflict, per topic: a source's own default, overridden within one topic."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from app.domain.actor import Actor
from app.domain.vocabulary import CatalogEntity, RevisionAction
from app.models import Estimate, Measure, Source, Topic, TopicSource
from app.services import catalog
from app.services.catalog_history import record
from app.services.visibility import published


@dataclass(frozen=True)
class PartyStatus:
    source: Source
    own: bool | None  # the topic's own mark; None: the source's default applies

    @property
    def party(self) -> bool:
        return self.source.party_to_conflict if self.own is None else self.own


def topic_sources(session: Session, topic_id: int) -> list[PartyStatus]:
    """The sources with figures in the topic (or a mark of their own in it), by name."""
    in_topic = select(Estimate.source_id).join(Measure, Estimate.measure_id == Measure.id) \
        .where(Measure.topic_id == topic_id, published())
    marked = select(TopicSource.source_id).where(TopicSource.topic_id == topic_id)
    own: dict[int, bool] = {
        source_id: party for source_id, party in session.execute(
            select(TopicSource.source_id, TopicSource.party_to_conflict)
            .where(TopicSource.topic_id == topic_id))}
    sources = session.scalars(select(Source).where(or_(Source.id.in_(in_topic),
                                                       Source.id.in_(marked)))
                              .order_by(Source.name))
    return [PartyStatus(source, own.get(source.id)) for source in sources]


def set_party(session: Session, topic_slug: str, source_slug: str, party: bool | None,
              actor: Actor | None, comment: str = "") -> PartyStatus:
    """Mark a source as a party to the conflict in one topic (True), as not one (False), or
    fall back to its default (None). A change leaves a revision; no change, nothing."""
    topic = catalog.get_topic(session, topic_slug)
    source = catalog.get_source(session, source_slug)
    row = session.get(TopicSource, (topic.id, source.id))
    before = None if row is None else row.party_to_conflict
    if before == party:
        return PartyStatus(source, party)
    if party is None:
        session.execute(delete(TopicSource).where(TopicSource.topic_id == topic.id,
                                                  TopicSource.source_id == source.id))
    elif row is None:
        session.add(TopicSource(topic_id=topic.id, source_id=source.id, party_to_conflict=party))
    else:
        row.party_to_conflict = party
    session.flush()

    def state(own: bool | None) -> dict[str, object]:
        return {"topic": topic.slug, "source": source.slug, "party_to_conflict": own,
                "default": source.party_to_conflict}

    record(session, CatalogEntity.TOPIC_SOURCE, RevisionAction.EDIT, state(before), state(party),
           actor, comment, topic_id=topic.id, source_id=source.id)
    return PartyStatus(source, party)


def party_in_topic(session: Session, topic_id: int, source: Source) -> bool:
    row = session.get(TopicSource, (topic_id, source.id))
    return source.party_to_conflict if row is None else row.party_to_conflict


@dataclass(frozen=True)
class TopicParty:
    topic: Topic
    own: bool | None  # the topic's own mark; None: the source's default applies
    party: bool


def source_topics(session: Session, source: Source) -> list[TopicParty]:
    """A source's party status in each topic it has figures in (or a mark of its own)."""
    in_topic = select(Measure.topic_id).join(Estimate, Estimate.measure_id == Measure.id) \
        .where(Estimate.source_id == source.id, published())
    marked = select(TopicSource.topic_id).where(TopicSource.source_id == source.id)
    own: dict[int, bool] = {
        topic_id: party for topic_id, party in session.execute(
            select(TopicSource.topic_id, TopicSource.party_to_conflict)
            .where(TopicSource.source_id == source.id))}
    topics = session.scalars(select(Topic).where(or_(Topic.id.in_(in_topic),
                                                     Topic.id.in_(marked)))
                             .order_by(Topic.title))
    return [TopicParty(t, own.get(t.id), own.get(t.id, source.party_to_conflict))
            for t in topics]
