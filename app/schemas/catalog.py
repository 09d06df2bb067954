"""Topics, measures and sources: what may be created, and how they are shown."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StringConstraints

from app.domain.vocabulary import SourceKind
from app.schemas.common import Long, Name, OrmModel, Short, Slug, StrictModel, Url, Version

ShortName = Annotated[Short, StringConstraints(max_length=60)]
Unit = Annotated[Name, StringConstraints(max_length=50)]


def _not_bool_or_float(value: Any) -> Any:
    # The catalogue form sends the position as typed (text); JSON must send a whole number.
    if isinstance(value, bool | float):
        raise ValueError("Give a whole number, e.g. 10")
    return value


Position = Annotated[int, BeforeValidator(_not_bool_or_float), Field(ge=0, le=100_000)]


class TopicCreate(StrictModel):
    slug: Slug
    title: Name
    summary: Long = ""


class MeasureCreate(StrictModel):
    slug: Slug
    label: Name
    unit: Unit = "people"
    description: Long = ""


class SourceCreate(StrictModel):
    slug: Slug | None = Field(default=None, description="Made from the name when omitted.")
    name: Name
    short_name: ShortName = ""
    kind: SourceKind = SourceKind.OTHER
    country: Short = ""
    party_to_conflict: bool = False
    url: Url = ""
    description: Long = ""


class Change(StrictModel):
    """What every catalogue edit carries: the version it is based on, and why."""

    version: Version | None = Field(default=None,
                                    description="The version this edit is based on (or If-Match).")
    comment: Short = ""


class TopicPatch(Change):
    title: Name | None = None
    summary: Long | None = None


class MeasurePatch(Change):
    label: Name | None = None
    unit: Unit | None = None
    description: Long | None = Field(default=None, description="The measure's definition.")
    position: Position | None = Field(default=None, description="Display order within the topic.")


class SourcePatch(Change):
    name: Name | None = None
    short_name: ShortName | None = None
    kind: SourceKind | None = None
    country: Short | None = None
    party_to_conflict: bool | None = Field(default=None,
                                           description="The default for every topic.")
    url: Url | None = None
    description: Long | None = None


class PartyIn(StrictModel):
    """A source's party status within one topic; null falls back to the source's default."""

    party_to_conflict: bool | None
    comment: Short = ""


class TopicRef(OrmModel):
    slug: str
    title: str


class MeasureOut(OrmModel):
    slug: str
    label: str
    unit: str
    description: str
    position: int
    version: int = Field(description="What a change to it is based on (PATCH …/measures/…).")


class SourceOut(OrmModel):
    slug: str
    name: str
    short_name: str
    kind: str
    country: str
    party_to_conflict: bool
    url: str
    description: str
    version: int


class SourceRef(OrmModel):
    slug: str
    name: str
    short_name: str
    kind: str
    party_to_conflict: bool


class TopicSourceOut(OrmModel):
    """A source with figures in a topic, and its party status there."""

    source: SourceRef
    default: bool = Field(description="The source's own default, for every topic.")
    own: bool | None = Field(description="This topic's own mark (what PUT …/party sets); "
                                         "null when the default applies.")
    party_to_conflict: bool = Field(description="Its status in this topic: the topic's own "
                                                "mark, else the default.")


class TopicSummary(OrmModel):
    slug: str
    title: str
    summary: str
    version: int
    measures: list[MeasureOut]


class SearchResults(OrmModel):
    query: str
    topics: list[TopicSummary]
    sources: list[SourceOut]
