"""Candidate estimates read from an article: what POST /api/extract accepts and answers."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.schemas.common import Code, Short, StrictModel, Url

ArticleText = Annotated[str, StringConstraints(max_length=100_000)]


class ExtractIn(StrictModel):
    text: ArticleText = Field(default="", description="The article's text. Empty with `url`: "
                              "the text of Reckon's latest capture of that page.")
    lang: Code = Field(default="de", description="en, de, ru or uk.")
    published: Annotated[str, StringConstraints(strip_whitespace=True, max_length=10)] = Field(
        default="", description="The publication date: YYYY-MM-DD, YYYY-MM or YYYY; relative "
        "dates ('last year', 'im Januar') are read from it.")
    topic: Annotated[str, StringConstraints(max_length=100)] = Field(
        default="", description="The topic's slug: its measures are looked for (else the "
        "default measures).")
    url: Url = ""
    publication: Short = ""


class CandidateOut(BaseModel):
    measure: str
    source: str | None = Field(description="A known source's slug; null for a new one, "
                               "named in source_name.")
    source_name: str
    low: int | None
    high: int | None
    best: int | None
    qualifier: str
    scope: str
    scope_note: str
    as_of: str | None = Field(description="A partial ISO date, e.g. 2025-01.")
    stated_on: str | None
    quote: str
    language: str
    figure_text: str
    decided_by: list[str]
    note: str
