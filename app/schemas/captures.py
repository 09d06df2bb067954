"""Captures of cited pages as the API shows them."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from app.domain.captures import CaptureState, CitationCapture
from app.schemas.common import StrictModel


class CaptureOut(BaseModel):
    """A citation's latest capture: the latest that succeeded, else the latest attempt."""

    id: int
    state: CaptureState = Field(description="pending (waiting to be fetched), captured, or "
                                "failed (`failure` says why; tried again at "
                                "`next_attempt_at` unless null).")
    fetched_at: dt.datetime | None = Field(description="When the page was fetched (for a "
                                           "failed capture: the last attempt).")
    published_on: dt.date | None = Field(description="The publication date the page gives.")
    title: str
    author: str
    final_url: str = Field(description="Where the page was found, after redirects.")
    http_status: int | None
    quote_found: bool | None = Field(description="Whether the citation's quote is in the "
                                     "captured text (ignoring case, whitespace and "
                                     "punctuation); null without a quote or a captured text.")
    text_url: str | None = Field(description="The captured text, as text/plain.")
    raw_sha256: str | None = Field(description="SHA-256 of the page's bytes as fetched.")
    text_sha256: str | None = Field(description="SHA-256 of the captured text (UTF-8).")
    failure: str
    next_attempt_at: dt.datetime | None
    recapture_state: CaptureState | None = Field(
        description="The state of a newer capture than this one (a re-capture waiting or "
                    "failed), if there is one.")

    @classmethod
    def of(cls, found: CitationCapture, text_url: str | None) -> CaptureOut:
        c = found.capture
        return cls(
            id=c.id, state=CaptureState(c.state), fetched_at=c.fetched_at,
            published_on=c.published_on, title=c.title, author=c.author,
            final_url=c.final_url, http_status=c.http_status, quote_found=found.quote_found,
            text_url=text_url if c.captured else None, raw_sha256=c.raw_sha256,
            text_sha256=c.text_sha256, failure=c.failure, next_attempt_at=c.next_attempt_at,
            recapture_state=(CaptureState(c.recapture_state) if c.recapture_state else None))


class RecaptureIn(StrictModel):
    citation: int | None = Field(default=None, ge=1, le=2**31 - 1,
                                 description="Only this citation's URL (its id is the "
                                             "citation's position in `citations`, from 1).")


class QueuedOut(BaseModel):
    id: int
    url: str
    state: CaptureState = CaptureState.PENDING


class RecaptureOut(BaseModel):
    queued: list[QueuedOut] = Field(description="The captures now waiting for the worker.")
