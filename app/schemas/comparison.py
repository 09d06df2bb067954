"""A topic's comparison as the API answers it: per measure, each source's latest figure."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from app.schemas.catalog import MeasureOut, SourceRef
from app.schemas.estimates import CitationOut


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


class TopicDetail(BaseModel):
    slug: str
    title: str
    summary: str
    as_of: dt.date | None = Field(description="The date the comparison is shown as of.")
    measures: list[MeasureComparison]
