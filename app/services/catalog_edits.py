"""Correcting the catalogue: topics, measures and sources. Each edit is based on a version,
refused when that version is outdated, and leaves a revision."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.domain.actor import Actor
from app.domain.errors import Conflict, NotFound, ValidationFailed
from app.domain.vocabulary import CatalogEntity, RevisionAction
from app.models import Measure, Source, Topic
from app.schemas.catalog import Change, MeasurePatch, SourcePatch, TopicPatch
from app.services import catalog
from app.services.catalog_history import (
    measure_snapshot,
    record,
    source_snapshot,
    topic_snapshot,
)

T = TypeVar("T", Topic, Measure, Source)


def _version_of(patch: Change, version: int | None) -> int:
    given = patch.version if patch.version is not None else version
    if given is None:
        raise ValidationFailed(
            {"version": "Give the version this change is based on (a 'version' field or an "
                        "If-Match header), so a newer change is never overwritten."})
    return given


def _edit(session: Session, thing: T, patch: Change, version: int | None, actor: Actor | None,
          snapshot: Callable[[T], dict[str, Any]], entity: CatalogEntity,
          **ids: int | None) -> T:
    """Apply the fields the patch sets; a patch that changes nothing writes nothing."""
    given = _version_of(patch, version)
    what = f"This {entity}"
    if given != thing.version:
        raise Conflict(f"{what} was changed since version {given}; it is now at version "
                       f"{thing.version}. Reload it and apply your change again.",
                       current_version=thing.version)
    before = snapshot(thing)
    changes = {k: v for k, v in patch.model_dump(exclude={"version", "comment"},
                                                 exclude_unset=True).items() if v is not None}
    try:
        with session.begin_nested():
            for name, value in changes.items():
                setattr(thing, name, value)
            after = snapshot(thing)
            if after != before:
                session.flush()
                record(session, entity, RevisionAction.EDIT, before, after, actor,
                       patch.comment, **ids)
    except StaleDataError:
        # The savepoint's rollback expired `thing`: reading its version loads the winner's.
        raise Conflict(f"{what} was changed by someone else while you were saving.",
                       current_version=thing.version) from None
    return thing


def update_topic(session: Session, slug: str, patch: TopicPatch, actor: Actor | None, *,
                 version: int | None = None) -> Topic:
    topic = catalog.get_topic(session, slug)
    return _edit(session, topic, patch, version, actor, topic_snapshot, CatalogEntity.TOPIC,
                 topic_id=topic.id)


def update_measure(session: Session, topic_slug: str, measure_slug: str, patch: MeasurePatch,
                   actor: Actor | None, *, version: int | None = None) -> Measure:
    topic = catalog.get_topic(session, topic_slug)
    measure = next((m for m in topic.measures if m.slug == measure_slug), None)
    if measure is None:
        raise NotFound(f"Topic '{topic_slug}' has no measure '{measure_slug}'.")
    return _edit(session, measure, patch, version, actor, measure_snapshot,
                 CatalogEntity.MEASURE, topic_id=topic.id, measure_id=measure.id)


def update_source(session: Session, slug: str, patch: SourcePatch, actor: Actor | None, *,
                  version: int | None = None) -> Source:
    source = catalog.get_source(session, slug)
    return _edit(session, source, patch, version, actor, source_snapshot, CatalogEntity.SOURCE,
                 source_id=source.id)
