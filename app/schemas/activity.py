"""The list of recent changes: to estimates and to the catalogue."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ChangeKind = Literal["estimate", "topic", "measure", "source", "topic_source"]


class ChangeOut(BaseModel):
    # Built from the services' Activity values (app.services.activity).
    model_config = ConfigDict(from_attributes=True)

    kind: ChangeKind = Field(description="What changed: an estimate, or a topic, measure, "
                                         "source, or a source's party status in a topic.")
    summary: str = Field(description="The change in a few plain words.")
    estimate_id: int | None = Field(description="Null for a change to the catalogue.")
    number: int | None = Field(description="The estimate's revision number; null for a "
                                           "change to the catalogue.")
    action: str
    user: str | None
    created_at: dt.datetime
    comment: str
    topic: str | None = Field(description="The slug of the topic concerned, if any.")
    measure: str | None = Field(description="The slug of the measure concerned, if any.")
    source: str | None = Field(description="The slug of the source concerned, if any.")
    figure: str | None = Field(description="The estimate's figure after the change; null for "
                                           "a change to the catalogue.")


class ChainOut(BaseModel):
    length: int = Field(description="How many revisions (of estimates and of the catalogue) "
                                    "the history's hash chain holds.")
    head: str = Field(description="The hash of the latest of them (SHA-256, 64 hex digits; "
                                  "64 zeros while there is none). Keep it: a history "
                                  "rewritten since no longer ends in it (README, History).")


class ChangePage(BaseModel):
    total: int
    page: int
    per_page: int
    items: list[ChangeOut]
    chain: ChainOut = Field(description="The end of the history's hash chain, as of this "
                                        "answer.")
