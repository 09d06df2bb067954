"""Topics, measures and sources: the things estimates are about and by — found by slug or
name, and created when an estimate names one that does not exist yet."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.domain.actor import Actor
from app.domain.errors import NotFound, ValidationFailed
from app.domain.slugs import make_slug, unique_slug
from app.domain.vocabulary import CatalogEntity, RevisionAction, SourceKind
from app.i18n import gettext as _
from app.models import Measure, Source, Topic
from app.schemas.catalog import MeasureCreate, SourceCreate, TopicCreate
from app.schemas.common import SLUG_RE
from app.services.catalog_history import measure_snapshot, record, source_snapshot, topic_snapshot

DEFAULT_MEASURES = {
    "deployed": ("Deployed", 0),
    "killed": ("Killed", 10),
    "wounded": ("Wounded", 20),
    "casualties": ("Casualties (killed + wounded)", 30),
    "captured": ("Captured", 40),
    "missing": ("Missing", 50),
}
_KINDS = frozenset(k.value for k in SourceKind)


def slugify(text: str, fallback: str = "measure") -> str:
    return make_slug(text, fallback)


def is_slug(value: str) -> bool:
    return bool(re.match(SLUG_RE, value)) and len(value) <= 100


def measure_label(name: str) -> str:
    """The label for a measure known only by what an editor or a file called it."""
    default = DEFAULT_MEASURES.get(slugify(name))
    if default:
        return default[0]
    return _title_from(name)


def _title_from(name: str) -> str:
    return name.replace("-", " ").capitalize() if is_slug(name) else name


# ---- topics ------------------------------------------------------------------------------

def list_topics(session: Session) -> list[Topic]:
    return list(
        session.scalars(
            select(Topic).options(joinedload(Topic.measures)).order_by(Topic.title)
        ).unique()
    )


def get_topic(session: Session, slug: str) -> Topic:
    topic = (
        session.scalars(
            select(Topic).where(Topic.slug == slug).options(selectinload(Topic.measures))
        ).one_or_none()
        if is_slug(slug)
        else None
    )
    if topic is None:
        raise NotFound(_("No topic “%(slug)s”.", slug=slug))
    return topic


def create_topic(session: Session, data: TopicCreate, actor: Actor | None = None) -> Topic:
    if session.scalar(select(func.count()).where(Topic.slug == data.slug)):
        raise ValidationFailed({"slug": f"A topic with the slug '{data.slug}' already exists."})
    topic = Topic(slug=data.slug, title=data.title, summary=data.summary)
    topic.measures = []
    session.add(topic)
    session.flush()
    record(session, CatalogEntity.TOPIC, RevisionAction.CREATE, None, topic_snapshot(topic),
           actor, topic_id=topic.id)
    return topic


def new_topic_slug(session: Session, title: str) -> str:
    return unique_slug(make_slug(title, "topic"), lambda s: bool(session.scalar(
        select(func.count()).where(Topic.slug == s))))


def create_measure(session: Session, topic: Topic, data: MeasureCreate,
                   actor: Actor | None = None) -> Measure:
    if any(m.slug == data.slug for m in topic.measures):
        raise ValidationFailed(
            {"slug": f"Topic '{topic.slug}' already has a measure '{data.slug}'."}
        )
    # The usual measures keep their usual order; others follow in the order they were added.
    position = DEFAULT_MEASURES.get(data.slug, ("", 100 + len(topic.measures)))[1]
    measure = Measure(
        topic=topic,
        slug=data.slug,
        label=data.label,
        unit=data.unit,
        description=data.description,
        position=position,
    )
    session.add(measure)
    session.flush()
    record(session, CatalogEntity.MEASURE, RevisionAction.CREATE, None,
           measure_snapshot(measure), actor, topic_id=topic.id, measure_id=measure.id)
    return measure


# ---- sources -----------------------------------------------------------------------------

def list_sources(session: Session) -> list[Source]:
    return list(session.scalars(select(Source).order_by(Source.name)))


def get_source(session: Session, slug: str) -> Source:
    source = (
        session.scalars(select(Source).where(Source.slug == slug)).one_or_none()
        if is_slug(slug)
        else None
    )
    if source is None:
        raise NotFound(_("No source “%(slug)s”.", slug=slug))
    return source


def _source_slug_taken(session: Session, slug: str) -> bool:
    return bool(session.scalar(select(func.count()).where(Source.slug == slug)))


def create_source(session: Session, data: SourceCreate, actor: Actor | None = None) -> Source:
    """A new source; without a slug, one is made from the name (readable in any script, with
    a number added when another source has it)."""
    if data.slug is None:
        slug = unique_slug(make_slug(data.name, "source"),
                           lambda s: _source_slug_taken(session, s))
    elif _source_slug_taken(session, data.slug):
        raise ValidationFailed({"slug": f"A source with the slug '{data.slug}' already exists."})
    else:
        slug = data.slug
    source = Source(**data.model_dump(exclude={"slug"}), slug=slug)
    session.add(source)
    session.flush()
    record(session, CatalogEntity.SOURCE, RevisionAction.CREATE, None, source_snapshot(source),
           actor, source_id=source.id)
    return source


# ---- get or create -----------------------------------------------------------------------

@dataclass
class Resolver:
    """Finds topics, measures and sources by slug or name — creating what does not exist yet —
    with one rule for the estimate form and the importer. Loads the catalogue once per unit of
    work and remembers what it created."""

    session: Session
    actor: Actor | None = None
    created_topics: list[str] = field(default_factory=list)
    created_measures: list[str] = field(default_factory=list)
    created_sources: list[str] = field(default_factory=list)
    _topics: dict[str, Topic] | None = None
    _sources: dict[str, Source] | None = None

    @property
    def topics(self) -> dict[str, Topic]:
        if self._topics is None:
            self._topics = {t.slug: t for t in self.session.scalars(
                select(Topic).options(selectinload(Topic.measures)))}
        return self._topics

    @property
    def sources(self) -> dict[str, Source]:
        if self._sources is None:
            self._sources = {s.slug: s for s in self.session.scalars(select(Source))}
        return self._sources

    def find_topic(self, name: str) -> Topic | None:
        """By slug, or by title (in any case)."""
        return self.topics.get(name) or next(
            (t for t in self.topics.values() if t.title.casefold() == name.casefold()), None)

    def topic(self, name: str, meta: dict[str, Any] | None = None) -> Topic:
        found = self.find_topic(name)
        if found is None:
            meta = meta or {}
            title = (meta.get("title") or _title_from(name))[:200]
            slug = meta.get("slug") or (name if is_slug(name) else None)
            if slug is None or slug in self.topics:
                slug = unique_slug(make_slug(title, "topic"), lambda s: s in self.topics)
            found = create_topic(self.session, TopicCreate(
                slug=slug, title=title, summary=meta.get("summary", "")), self.actor)
            self.topics[found.slug] = found
            self.created_topics.append(found.slug)
        return found

    def measure(self, topic: Topic, name: str, meta: dict[str, Any] | None = None) -> Measure:
        """By slug, or by label (in any case)."""
        found = next((m for m in topic.measures if m.slug == name
                      or m.label.casefold() == name.casefold()), None)
        if found is None:
            meta = meta or {}
            taken = {m.slug for m in topic.measures}
            slug = meta.get("slug") or unique_slug(slugify(name), lambda s: s in taken)
            found = create_measure(self.session, topic, MeasureCreate(
                slug=slug,
                label=(meta.get("label") or measure_label(name))[:200],
                unit=meta.get("unit") or "people",
                description=meta.get("description", ""),
            ), self.actor)
            self.created_measures.append(f"{topic.slug}/{found.slug}")
        return found

    def find_source(self, name: str) -> Source | None:
        """By slug, or by name or short name (in any case)."""
        folded = name.casefold()
        return self.sources.get(name) or next(
            (s for s in self.sources.values() if s.name.casefold() == folded), None
        ) or next((s for s in self.sources.values()
                   if s.short_name and s.short_name.casefold() == folded), None)

    def source(self, name: str, meta: dict[str, Any] | None = None) -> Source:
        found = self.find_source(name)
        if found is None:
            values = {k: v for k, v in (meta or {}).items() if k in SourceCreate.model_fields}
            values.setdefault("name", name[:200])
            if "slug" not in values and is_slug(name):
                values["slug"] = name  # named by its slug
            if values.get("slug") in self.sources:
                values["slug"] = None  # taken by another source: one is made from the name
            if values.get("kind") not in _KINDS:
                values["kind"] = SourceKind.OTHER
            found = create_source(self.session, SourceCreate(**values), self.actor)
            self.sources[found.slug] = found
            self.created_sources.append(found.slug)
        return found
