"""Topics, measures and sources: the things estimates are about and by."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.errors import NotFound, ValidationFailed
from app.models import Measure, Source, Topic
from app.schemas import SLUG_RE, MeasureCreate, SourceCreate, TopicCreate

DEFAULT_MEASURES = {
    "deployed": ("Deployed", 0),
    "killed": ("Killed", 10),
    "wounded": ("Wounded", 20),
    "casualties": ("Casualties (killed + wounded)", 30),
    "captured": ("Captured", 40),
    "missing": ("Missing", 50),
}


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:100].rstrip("-") or "item"


def measure_label(name: str) -> str:
    """The label for a measure known only by what an editor or a file called it."""
    default = DEFAULT_MEASURES.get(slugify(name))
    if default:
        return default[0]
    return name.replace("-", " ").capitalize() if is_slug(name) else name


def is_slug(value: str) -> bool:
    return bool(re.match(SLUG_RE, value)) and len(value) <= 100


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
        raise NotFound(f"No topic '{slug}'.")
    return topic


def create_topic(session: Session, data: TopicCreate) -> Topic:
    if session.scalar(select(func.count()).where(Topic.slug == data.slug)):
        raise ValidationFailed({"slug": f"A topic with the slug '{data.slug}' already exists."})
    topic = Topic(slug=data.slug, title=data.title, summary=data.summary)
    topic.measures = []
    session.add(topic)
    session.flush()
    return topic


def create_measure(session: Session, topic: Topic, data: MeasureCreate) -> Measure:
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
        raise NotFound(f"No source '{slug}'.")
    return source


def create_source(session: Session, data: SourceCreate) -> Source:
    if session.scalar(select(func.count()).where(Source.slug == data.slug)):
        raise ValidationFailed({"slug": f"A source with the slug '{data.slug}' already exists."})
    source = Source(**data.model_dump())
    session.add(source)
    session.flush()
    return source
