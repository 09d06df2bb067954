"""Pydantic models for API input and output."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from app import figures

SLUG_RE = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MAX_COUNT = 10**15

Qualifier = Literal["exact", "about", "at_least", "up_to", "between", "more_than", "fewer_than"]
SourceKind = Literal[
    "person", "government", "military", "intelligence", "media", "ngo", "researcher", "other"
]
Status = Literal["active", "retracted"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _printable(value: str) -> str:
    # PostgreSQL refuses NUL in text, and control characters are never part of a real quote.
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def _partial_date(value: str) -> str:
    try:
        return figures.parse_partial_date(value).iso()
    except figures.FigureError as exc:
        raise ValueError(str(exc)) from None


def _http_url(value: str) -> str:
    if value and not re.match(r"^https?://[^\s/$.?#][^\s]*$", value, re.IGNORECASE):
        raise ValueError("Give a web address starting with http:// or https://")
    return value


_clean = AfterValidator(_printable)
Code = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20), _clean]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), _clean]
Long = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10000), _clean]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), _clean
]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000), _clean
]

Slug = Annotated[str, StringConstraints(pattern=SLUG_RE, max_length=100)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
PartialDateText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=10),
    AfterValidator(_partial_date),
    Field(description="YYYY-MM-DD, YYYY-MM or YYYY", examples=["2025-01", "2025-01-13"]),
]
Url = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(_http_url)
]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- input -------------------------------------------------------------------------------

class CitationIn(StrictModel):
    url: Url = ""
    publication: Short = ""
    title: Short = ""
    published_on: dt.date | None = None
    quote: Long = ""
    quote_translation: Long = ""
    language: Code = ""
    retrieved_on: dt.date | None = None


class EstimateValues(StrictModel):
    """The figure and its context; shared by create and (all optional) patch."""

    low: Count | None = None
    high: Count | None = None
    best: Count | None = None
    qualifier: Qualifier | None = Field(
        default=None,
        description="Inferred when omitted: low alone or low = high is exact, low < high is "
        "between, high alone is up_to.",
    )
    figure: Short | None = Field(
        default=None, description="The figure as written, e.g. 'about 1,200' or '10.000–12.000'; "
        "parsed into low/high/qualifier. Give either this or low/high."
    )
    as_of: PartialDateText | None = None
    stated_on: PartialDateText | None = None
    claimant: Short = ""
    notes: Long = ""


class EstimateCreate(EstimateValues):
    topic: Slug
    measure: Slug
    source: Slug
    citations: list[CitationIn] = Field(min_length=1, max_length=20)
    comment: Short = ""


class EstimatePatch(StrictModel):
    version: int | None = Field(default=None, ge=1, le=2**31 - 1,
                                description="The version this edit is based on (or If-Match).")
    low: Count | None = None
    high: Count | None = None
    best: Count | None = None
    qualifier: Qualifier | None = None
    figure: Short | None = None
    as_of: PartialDateText | None = None
    stated_on: PartialDateText | None = None
    claimant: Short | None = None
    notes: Long | None = None
    citations: list[CitationIn] | None = Field(default=None, min_length=1, max_length=20)
    comment: Short = ""


class StatusChange(StrictModel):
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)
    reason: Reason


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
    kind: SourceKind = "other"
    country: Short = ""
    party_to_conflict: bool = False
    url: Url = ""
    description: Long = ""


# ---- output ------------------------------------------------------------------------------

class OrmModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


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


class CitationOut(OrmModel):
    url: str
    publication: str
    title: str
    published_on: dt.date | None
    quote: str
    quote_translation: str
    language: str
    retrieved_on: dt.date | None


class RevisionOut(OrmModel):
    number: int
    action: str
    user: str | None
    created_at: dt.datetime
    comment: str
    before: dict[str, Any] | None
    after: dict[str, Any]


class EstimateOut(BaseModel):
    id: int
    topic: TopicRef
    measure: MeasureOut
    source: SourceRef
    low: int | None
    high: int | None
    best: int | None
    qualifier: str
    figure: str = Field(description="The figure as a reader would say it, e.g. 'about 1,200'.")
    as_of: str | None = Field(description="YYYY-MM-DD, YYYY-MM or YYYY, as precise as known.")
    stated_on: str | None
    claimant: str
    notes: str
    status: Status
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    citations: list[CitationOut]


class EstimateDetail(EstimateOut):
    revisions: list[RevisionOut]


class EstimatePage(BaseModel):
    total: int
    page: int
    per_page: int
    items: list[EstimateOut]


class ComparisonEntry(BaseModel):
    """A source's latest figure for a measure: a stored estimate or a derived sum."""

    estimate_id: int | None = Field(description="None for a derived figure.")
    source: SourceRef
    low: int | None
    high: int | None
    best: int | None
    qualifier: str
    figure: str
    as_of: str | None
    stated_on: str | None
    claimant: str
    derived: bool
    derived_label: str = Field(description="e.g. 'derived: killed + wounded'")
    derived_from: list[int] = Field(description="Ids of the estimates summed.")
    citations: list[CitationOut]


class MeasureComparison(MeasureOut):
    latest: list[ComparisonEntry] = Field(
        description="Each source's latest active figure for this measure, derived sums included."
    )
    estimates: list[ComparisonEntry] = Field(description="All figures shown in the table.")


class TopicSummary(OrmModel):
    slug: str
    title: str
    summary: str
    measures: list[MeasureOut]


class TopicDetail(BaseModel):
    slug: str
    title: str
    summary: str
    as_of: dt.date | None = Field(description="The date the comparison is shown as of.")
    measures: list[MeasureComparison]


class SearchResults(BaseModel):
    query: str
    topics: list[TopicSummary]
    sources: list[SourceOut]


class SourceDetail(SourceOut):
    estimates: list[EstimateOut]


# ---- ORM -> output -----------------------------------------------------------------------

def partial_iso(value: dt.date | None, precision: str | None) -> str | None:
    if value is None or precision is None:
        return None
    return figures.PartialDate(value, precision).iso()


def estimate_out(e: Any) -> EstimateOut:
    return EstimateOut(
        id=e.id,
        topic=TopicRef.model_validate(e.measure.topic),
        measure=MeasureOut.model_validate(e.measure),
        source=SourceRef.model_validate(e.source),
        low=e.low,
        high=e.high,
        best=e.best,
        qualifier=e.qualifier,
        figure=figures.format_figure(e.low, e.high, e.qualifier, e.best),
        as_of=partial_iso(e.as_of, e.as_of_precision),
        stated_on=partial_iso(e.stated_on, e.stated_on_precision),
        claimant=e.claimant,
        notes=e.notes,
        status=e.status,
        version=e.version,
        created_at=e.created_at,
        updated_at=e.updated_at,
        citations=[CitationOut.model_validate(c) for c in e.citations],
    )


def estimate_detail(e: Any) -> EstimateDetail:
    return EstimateDetail(
        **estimate_out(e).model_dump(),
        revisions=[
            RevisionOut(
                number=r.number,
                action=r.action,
                user=r.user.display_name if r.user else None,
                created_at=r.created_at,
                comment=r.comment,
                before=r.before,
                after=r.after,
            )
            for r in e.revisions
        ],
    )


def comparison_entry(e: Any) -> ComparisonEntry:
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
        derived_from=[p.estimate_id for p in e.derived_from],
        citations=[
            CitationOut.model_validate(c) if not isinstance(c, dict) else CitationOut(**c)
            for c in e.citations
        ],
    )


class RevertIn(StrictModel):
    revision: int = Field(ge=1, le=2**31 - 1, description="The revision whose values to restore.")
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)
    comment: Short = ""


class ChangeOut(BaseModel):
    estimate_id: int
    number: int
    action: str
    user: str | None
    created_at: dt.datetime
    comment: str
    topic: str
    measure: str
    source: str
    figure: str


class ChangePage(BaseModel):
    total: int
    page: int
    per_page: int
    items: list[ChangeOut]


class UserOut(OrmModel):
    id: int
    email: str
    display_name: str
    role: str
    active: bool


class UserCreate(StrictModel):
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=320)]
    display_name: Short = ""
    role: Literal["editor", "admin"] = "editor"
    password: Annotated[str, StringConstraints(max_length=1000)]


class UserPatch(StrictModel):
    role: Literal["editor", "admin"] | None = None
    active: bool | None = None


def change_out(r: Any) -> ChangeOut:
    after = r.after
    return ChangeOut(
        estimate_id=r.estimate_id, number=r.number, action=r.action,
        user=r.user.display_name if r.user else None, created_at=r.created_at,
        comment=r.comment, topic=r.estimate.measure.topic.slug, measure=r.estimate.measure.slug,
        source=r.estimate.source.slug,
        figure=figures.format_figure(after["low"], after["high"], after["qualifier"],
                                     after.get("best")),
    )
