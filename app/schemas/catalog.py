"""Topics, measures and sources: what may be created, and how they are shown."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from app.domain.vocabulary import SourceKind
from app.schemas.common import Long, Name, OrmModel, Short, Slug, StrictModel, Url


class TopicCreate(StrictModel):
    slug: Slug
    title: Name
    summary: Long = ""


class MeasureCreate(StrictModel):
    slug: Slug
    label: Name
    unit: Annotated[Name, StringConstraints(max_length=50)] = "people"
    description: Long = ""


class SourceCreate(StrictModel):
    slug: Slug
    name: Name
    kind: SourceKind = SourceKind.OTHER
    country: Short = ""
    party_to_conflict: bool = False
    url: Url = ""
    description: Long = ""


class TopicRef(OrmModel):
    slug: str
    title: str


class MeasureOut(OrmModel):
    slug: str
    label: str
    unit: str
    description: str


class SourceOut(OrmModel):
    slug: str
    name: str
    kind: str
    country: str
    party_to_conflict: bool
    url: str
    description: str


class SourceRef(OrmModel):
    slug: str
    name: str
    kind: str
    party_to_conflict: bool


class TopicSummary(OrmModel):
    slug: str
    title: str
    summary: str
    measures: list[MeasureOut]


class SearchResults(OrmModel):
    query: str
    topics: list[TopicSummary]
    sources: list[SourceOut]
