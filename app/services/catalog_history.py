"""Catalogue revisions: every change to a topic, measure, source or a source's party status
within a topic is kept — who, when, before, after and why — and listed with the changes."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.domain.actor import Actor
from app.i18n import N_
from app.models import CatalogRevision, Measure, Source, Topic
from app.services import audit_trail, chain

TOPIC_FIELDS = ("slug", "title", "summary")
MEASURE_FIELDS = ("slug", "label", "unit", "description", "position")
SOURCE_FIELDS = ("slug", "name", "short_name", "kind", "country", "party_to_conflict", "url",
                 "description")
FIELD_LABELS = {
    "slug": N_("Slug"), "title": N_("Title"), "summary": N_("Summary"), "label": N_("Label"),
    "unit": N_("Unit"),
    "description": N_("Description"), "position": N_("Order"), "name": N_("Name"),
    "short_name": N_("Short name"), "kind": N_("Kind"), "country": N_("Country"),
    "party_to_conflict": N_("Party to the conflict"), "url": N_("Website"), "topic": N_("Topic"),
    "source": N_("Source"),
}


def _fields(thing: object, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(thing, name) for name in names}


def topic_snapshot(topic: Topic) -> dict[str, Any]:
    return _fields(topic, TOPIC_FIELDS)


def measure_snapshot(measure: Measure) -> dict[str, Any]:
    return _fields(measure, MEASURE_FIELDS)


def source_snapshot(source: Source) -> dict[str, Any]:
    return _fields(source, SOURCE_FIELDS)


def record(
    session: Session, entity: str, action: str, before: dict[str, Any] | None,
    after: dict[str, Any], actor: Actor | None, comment: str = "", *,
    topic_id: int | None = None, measure_id: int | None = None, source_id: int | None = None,
) -> CatalogRevision:
    revision = CatalogRevision(
        entity=entity, action=action, before=before, after=after,
        user_id=actor.id if actor else None, comment=comment, topic_id=topic_id,
        measure_id=measure_id, source_id=source_id,
    )
    chain.link(session, revision)  # its id, time, place and hash in the history's chain
    session.add(revision)
    session.flush()
    audit_trail.note(session, "catalog_changed", entity=entity, action=action,
                     catalog_revision=revision.id, topic_id=topic_id, measure_id=measure_id,
                     source_id=source_id)
    return revision
