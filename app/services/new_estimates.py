"""New estimates: by topic, measure and source slugs (the API, an import, which may keep the
id and version an export gave), or placed by the estimate form, which may name a topic, a
measure or a source that does not exist yet. Each starts with its first revision, and waits
for a second editor when review is required (services.review)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from app.domain.actor import Actor
from app.domain.errors import ValidationFailed
from app.domain.vocabulary import Review, RevisionAction, Status
from app.models import Estimate, Measure, Source, Topic, utcnow
from app.schemas.estimates import EstimateCreate, EstimateDraft
from app.services import catalog, review
from app.services.estimates import CLAIM_FIELDS, checked_figure, new_citation, set_claim, set_dates
from app.services.revisions import add_revision


def _resolve_refs(
    session: Session, topic: str, measure: str, source: str
) -> tuple[Measure, Source]:
    row = session.scalars(
        select(Measure)
        .join(Measure.topic)
        .where(Topic.slug == topic, Measure.slug == measure)
        .options(contains_eager(Measure.topic))
    ).one_or_none()
    src = session.scalars(select(Source).where(Source.slug == source)).one_or_none()
    errors = {}
    if row is None:
        if session.scalars(select(Topic.id).where(Topic.slug == topic)).first():
            errors["measure"] = f"Topic '{topic}' has no measure '{measure}'."
        else:
            errors["topic"] = f"No topic '{topic}'."
    if src is None:
        errors["source"] = f"No source '{source}'."
    if errors:
        raise ValidationFailed(errors)
    assert row is not None and src is not None
    return row, src


def insert_estimate(
    session: Session,
    measure: Measure,
    source: Source,
    draft: EstimateDraft,
    actor: Actor | None,
    *,
    status: str = Status.ACTIVE,
    comment: str | None = None,
    estimate_id: int | None = None,
    version: int | None = None,
    review_required: bool = False,
) -> Estimate:
    """A new estimate of `measure` by `source`, with its first revision. An import may give
    the id and version the estimate had where it was exported, so a round trip keeps both.
    When review is required it is saved unpublished and waits for a second editor."""
    claim = draft.model_dump(include=set(CLAIM_FIELDS))
    fig = checked_figure(figure=draft.figure, low=draft.low, high=draft.high, best=draft.best,
                         qualifier=draft.qualifier, claim=claim)
    now = utcnow()
    estimate = Estimate(
        id=estimate_id, measure=measure, source=source, low=fig.low, high=fig.high,
        best=fig.best, qualifier=fig.qualifier, claimant=draft.claimant, notes=draft.notes,
        status=status, created_at=now, updated_at=now,
        created_by_id=actor.id if actor else None, updated_by_id=actor.id if actor else None,
        review=(Review.PENDING if review_required else Review.APPROVED).value,
    )
    set_dates(estimate, {"as_of": draft.as_of, "stated_on": draft.stated_on})
    set_claim(estimate, claim)
    estimate.citations = [new_citation(c, i) for i, c in enumerate(draft.citations)]
    session.add(estimate)
    session.flush()
    if estimate_id is not None:
        _follow_id_sequence(session, estimate_id)
    if version is not None and version != estimate.version:
        # The ORM writes version 1 at INSERT whatever was set (version_id_col), so the given
        # version is written after it, and the ORM told, so the next UPDATE checks it.
        session.execute(update(Estimate).where(Estimate.id == estimate.id)
                        .values(version=version)
                        .execution_options(synchronize_session=False))
        set_committed_value(estimate, "version", version)
    said = draft.comment if comment is None else comment
    add_revision(session, estimate, RevisionAction.CREATE, None, actor, said, number=version)
    if review_required:
        review.submit_new(session, estimate, actor, said)
    return estimate


def _follow_id_sequence(session: Session, estimate_id: int) -> None:
    """After an explicit id, PostgreSQL's sequence must move past it or the next estimate
    created without an id collides with it (SQLite takes max(id) + 1 by itself). nextval()
    never goes back, so a concurrent writer's id is never handed out twice."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(
            "SELECT setval(pg_get_serial_sequence('estimates', 'id'), "
            "GREATEST(:id, nextval(pg_get_serial_sequence('estimates', 'id'))))"),
            {"id": estimate_id})


def create_estimate(session: Session, data: EstimateCreate, actor: Actor | None, *,
                    review_required: bool = False) -> Estimate:
    measure, source = _resolve_refs(session, data.topic, data.measure, data.source)
    return insert_estimate(session, measure, source, data, actor,
                           review_required=review_required)


@dataclass(frozen=True)
class Placement:
    """Where the estimate form puts a new estimate: chosen or new topic and source, and a
    measure by name (created when the topic does not have it yet)."""

    topic: str  # a topic slug, or "" with new_topic_title
    measure: str
    source: str  # a source slug, or "" with new_source
    new_topic_title: str = ""
    new_source: dict[str, Any] | None = None
    measure_unit: str = ""  # for a measure the topic does not have yet


def create_placed(
    session: Session, place: Placement, draft: EstimateDraft, actor: Actor | None, *,
    review_required: bool = False,
) -> Estimate:
    """Create what the form names but does not exist yet, then the estimate — all or nothing."""
    with session.begin_nested():
        resolver = catalog.Resolver(session, actor)
        if place.new_topic_title:
            topic = resolver.topic(place.new_topic_title, {"title": place.new_topic_title})
        else:
            found = resolver.topics.get(place.topic)
            if found is None:
                raise ValidationFailed({"topic": "Choose a topic from the list."})
            topic = found
        measure = resolver.measure(
            topic, place.measure, {"unit": place.measure_unit} if place.measure_unit else None)
        if place.new_source is not None:
            source = resolver.source(place.new_source["name"], place.new_source)
        else:
            known = resolver.sources.get(place.source)
            if known is None:
                raise ValidationFailed({"source": "Choose a source from the list."})
            source = known
        return insert_estimate(session, measure, source, draft, actor,
                               review_required=review_required)
