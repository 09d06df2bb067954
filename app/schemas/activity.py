"""The list of recent changes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from app.domain.figures import format_figure
from app.models import Revision


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

    @classmethod
    def of(cls, r: Revision) -> ChangeOut:
        after = r.after
        return cls(
            estimate_id=r.estimate_id, number=r.number, action=r.action,
            user=r.user.display_name if r.user else None, created_at=r.created_at,
            comment=r.comment, topic=r.estimate.measure.topic.slug,
            measure=r.estimate.measure.slug, source=r.estimate.source.slug,
            figure=format_figure(after["low"], after["high"], after["qualifier"],
                                 after.get("best")),
        )


class ChangePage(BaseModel):
    total: int
    page: int
    per_page: int
    items: list[ChangeOut]
