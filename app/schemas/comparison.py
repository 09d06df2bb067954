"""A topic's comparison as the API answers it: per measure, the figures compared and those
shown beside the comparison, with the sentence and the overlap band or gap."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from app.domain.vocabulary import Confidence, Scope
from app.schemas.catalog import MeasureOut, SourceRef
from app.schemas.estimates import CitationOut


class ComparisonEntry(BaseModel):
    """A source's figure for a measure: a stored estimate or a derived sum."""

    estimate_id: int | None = Field(description="None for a derived figure.")
    source: SourceRef
    party_to_conflict: bool = Field(
        description="Whether the source is a party to the conflict in this topic.")
    low: int | None
    high: int | None
    best: int | None
    qualifier: str
    figure: str
    as_of: str | None
    stated_on: str | None
    dated: str | None = Field(
        description="The date the figure is placed by: as_of, else stated_on, else its "
                    "citations' earliest published_on.")
    scope: Scope
    scope_note: str
    period_start: str | None
    period_end: str | None
    confidence: Confidence
    confidence_note: str
    claimant: str
    notes: str
    derived: bool
    derived_label: str = Field(description="e.g. 'derived: killed + wounded'")
    derived_from: list[int] = Field(description="Ids of the estimates summed.")
    compared: bool = Field(description="Whether the figure is in the comparison (band, "
                                       "sentence); false for figures shown beside it.")
    left_out_because: str | None = Field(description="Why a figure is not compared.")
    citations: list[CitationOut]


class Span(BaseModel):
    low: int
    high: int | None


class MeasureComparison(MeasureOut):
    sentence: str = Field(description="The comparison in one sentence.")
    overlap: Span | None = Field(description="Where every compared figure agrees.")
    gap: Span | None = Field(description="The gap when no figure fits every compared one.")
    latest: list[ComparisonEntry] = Field(
        description="Each source's latest figure of each scope: the compared ones (derived "
                    "sums included) first, then those shown beside the comparison.")
    estimates: list[ComparisonEntry] = Field(
        description="The figures shown in the topic page's table: each source's latest of "
                    "each scope and the newest others. Every figure is in the topic's "
                    "figures.json download and, page by page, in /api/estimates.")
    total_figures: int = Field(description="Stored figures in view, whether listed or not.")


class Choices(BaseModel):
    """What the reader chose to compare (the query parameters, echoed)."""

    exclude_parties: bool
    sources: list[str]
    as_of_from: dt.date | None
    as_of_to: dt.date | None
    include_partial: bool
    exclude_uncertain: bool


class TopicDetail(BaseModel):
    slug: str
    title: str
    summary: str
    as_of: dt.date | None = Field(
        description="The UTC day of the record point (`recorded`), or null for the current "
                    "records.")
    recorded: str | None = Field(
        default=None, description="The record point the comparison is shown at: what "
        "Reckon's records held then (YYYY-MM-DD, the end of that UTC day, or an exact UTC "
        "time); null for the current records.")
    last_change: dt.datetime | None = Field(
        default=None, description="The time of the latest change the comparison includes: "
        "asked for with `recorded` set to it, the comparison never changes.")
    choices: Choices
    measures: list[MeasureComparison]
