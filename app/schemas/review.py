"""Review before publication: what a reviewer sends, and what waits as the API shows it."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.schemas.common import Reason, Short, StrictModel, Version


class ApproveIn(StrictModel):
    version: Version | None = Field(default=None, description="The estimate's version you "
                                    "reviewed (or If-Match).")
    comment: Short = ""


class RejectIn(StrictModel):
    version: Version | None = Field(default=None, description="The estimate's version you "
                                    "reviewed (or If-Match).")
    reason: Reason = Field(description="Why it is sent back: its author reads it.")


class WithdrawIn(StrictModel):
    version: Version | None = None
    comment: Short = ""


class ChangeOut(BaseModel):
    field: str
    label: str
    before: Any = Field(description="What readers see now (null for a new estimate).")
    after: Any = Field(description="What they would see once approved.")


class ProposalOut(BaseModel):
    """A new estimate or a change waiting for a second editor."""

    estimate_id: int
    kind: Literal["new", "edit"]
    author: str | None = Field(description="Null when imported without a user.")
    created_at: dt.datetime
    comment: str
    version: int = Field(description="The estimate's version it was put forward at; approve "
                                     "with this version.")
    current_version: int
    stale: bool = Field(description="The estimate changed since: it cannot be approved until "
                                    "its author saves it again (or it is sent back).")
    topic: str
    measure: str
    source: str
    proposed: dict[str, Any] = Field(description="The estimate as it would be published, in "
                                                 "the shape of a revision snapshot.")
    changes: list[ChangeOut]


class ReviewPage(BaseModel):
    total: int
    page: int
    per_page: int
    items: list[ProposalOut]
