"""Estimates and their citations and revisions: API input, and the shapes the API answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from app.domain.dates import partial_iso
from app.domain.figures import format_figure
from app.domain.vocabulary import Confidence, Qualifier, Review, Scope, Status
from app.models import Estimate
from app.schemas.captures import CaptureOut
from app.schemas.catalog import MeasureOut, SourceOut, SourceRef, TopicRef
from app.schemas.common import (
    Code,
    Count,
    IsoDate,
    Long,
    OrmModel,
    PartialDateText,
    Reason,
    Short,
    Slug,
    StrictModel,
    Url,
    Version,
)
from app.schemas.review import ProposalOut

# ---- input -------------------------------------------------------------------------------


class CitationIn(StrictModel):
    """The fields of domain.citations.CITATION_FIELDS (a test keeps the two in step)."""

    url: Url = ""
    publication: Short = ""
    title: Short = ""
    published_on: IsoDate | None = None
    quote: Long = ""
    quote_translation: Long = ""
    language: Code = ""
    retrieved_on: IsoDate | None = None


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
    scope: Scope = Field(default=Scope.TOTAL, description="What the figure covers: only "
                         "totals are compared with one another.")
    scope_note: Long = Field(default="", description="Required unless the scope is total, "
                             "e.g. 'Kursk region only'.")
    period_start: PartialDateText | None = Field(default=None,
                                                 description="With the scope 'period'.")
    period_end: PartialDateText | None = None
    confidence: Confidence = Confidence.REPORTED
    confidence_note: Long = Field(default="", description="Required when uncertain or "
                                  "disputed: why.")
    claimant: Short = ""
    notes: Long = ""


class EstimateDraft(EstimateValues):
    """A new estimate before it is placed in a topic, measure and source."""

    citations: list[CitationIn] = Field(min_length=1, max_length=20)
    comment: Short = ""


class EstimateCreate(EstimateDraft):
    topic: Slug
    measure: Slug
    source: Slug


class EstimatePatch(StrictModel):
    version: Version | None = Field(
        default=None, description="The version this edit is based on (or If-Match)."
    )
    low: Count | None = None
    high: Count | None = None
    best: Count | None = None
    qualifier: Qualifier | None = None
    figure: Short | None = None
    as_of: PartialDateText | None = None
    stated_on: PartialDateText | None = None
    scope: Scope | None = None
    scope_note: Long | None = None
    period_start: PartialDateText | None = None
    period_end: PartialDateText | None = None
    confidence: Confidence | None = None
    confidence_note: Long | None = None
    claimant: Short | None = None
    notes: Long | None = None
    citations: list[CitationIn] | None = Field(default=None, min_length=1, max_length=20)
    comment: Short = ""


class StatusChange(StrictModel):
    version: Version | None = None
    reason: Reason


class RevertIn(StrictModel):
    revision: Version = Field(description="The revision whose values to restore.")
    version: Version | None = None
    comment: Short = ""


# ---- output ------------------------------------------------------------------------------


class CitationOut(OrmModel):
    url: str
    publication: str
    title: str
    published_on: dt.date | None
    quote: str
    quote_translation: str
    language: str
    retrieved_on: dt.date | None
    capture: CaptureOut | None = Field(
        default=None, description="The latest capture of the cited page (README, Citation "
        "capture); given by GET /api/estimates/{id}, null elsewhere and for a citation "
        "without a URL.")


class RevisionOut(OrmModel):
    number: int
    action: str
    user: str | None
    created_at: dt.datetime
    comment: str
    before: dict[str, Any] | None
    after: dict[str, Any]
    sequence: int = Field(description="Its place in the hash chain over all revisions "
                          "(README, History).")
    prev_hash: str = Field(description="The SHA-256 of the revision before it in the chain "
                           "(64 zeros for the first).")
    hash: str = Field(description="The SHA-256 of this revision's canonical JSON with "
                      "prev_hash; `reckon verify` recomputes it.")


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
    scope: Scope
    scope_note: str
    period_start: str | None
    period_end: str | None
    confidence: Confidence
    confidence_note: str
    claimant: str
    notes: str
    status: Status
    review: Review = Field(description="Readers see only approved estimates; editors (with a "
                           "token) also see pending ones and those sent back (rejected).")
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    citations: list[CitationOut]

    @classmethod
    def of(cls, e: Estimate) -> EstimateOut:
        return cls(
            id=e.id,
            topic=TopicRef.model_validate(e.measure.topic),
            measure=MeasureOut.model_validate(e.measure),
            source=SourceRef.model_validate(e.source),
            low=e.low,
            high=e.high,
            best=e.best,
            qualifier=e.qualifier,
            figure=format_figure(e.low, e.high, e.qualifier, e.best),
            as_of=partial_iso(e.as_of, e.as_of_precision),
            stated_on=partial_iso(e.stated_on, e.stated_on_precision),
            scope=Scope(e.scope),
            scope_note=e.scope_note,
            period_start=partial_iso(e.period_start, e.period_start_precision),
            period_end=partial_iso(e.period_end, e.period_end_precision),
            confidence=Confidence(e.confidence),
            confidence_note=e.confidence_note,
            claimant=e.claimant,
            notes=e.notes,
            status=Status(e.status),
            review=Review(e.review),
            version=e.version,
            created_at=e.created_at,
            updated_at=e.updated_at,
            citations=[CitationOut.model_validate(c) for c in e.citations],
        )


class EstimateDetail(EstimateOut):
    revisions: list[RevisionOut]
    proposal: ProposalOut | None = Field(
        default=None, description="What waits for review, shown to editors (with a token).")

    @classmethod
    def of(cls, e: Estimate, proposal: ProposalOut | None = None) -> EstimateDetail:
        return cls(
            **EstimateOut.of(e).model_dump(),
            proposal=proposal,
            revisions=[
                RevisionOut(
                    number=r.number,
                    action=r.action,
                    user=r.user.display_name if r.user else None,
                    created_at=r.created_at,
                    comment=r.comment,
                    before=r.before,
                    after=r.after,
                    sequence=r.sequence,
                    prev_hash=r.prev_hash,
                    hash=r.hash,
                )
                for r in e.revisions
            ],
        )


class EstimatePage(BaseModel):
    total: int
    page: int
    per_page: int
    items: list[EstimateOut]


class SourceDetail(SourceOut):
    total: int = Field(description="The source's published estimates, in all.")
    page: int
    per_page: int
    estimates: list[EstimateOut] = Field(description="This page of them, newest first.")
