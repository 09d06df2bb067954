"""What editors are asked to look at: figures whose quote is not in the latest capture of the
page they cite, and pages whose newest capture failed. Each list is one query for its page
and one for its count."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from app.domain.captures import CaptureState
from app.domain.vocabulary import Status
from app.models import (
    Citation,
    CitedPage,
    Estimate,
    Measure,
    PageCapture,
    QuoteCheck,
    Source,
    Topic,
)


@dataclass(frozen=True)
class QuoteNotFound:
    estimate_id: int
    topic_title: str
    measure_label: str
    source_name: str
    url: str
    quote: str
    capture_id: int
    captured_at: dt.datetime | None


@dataclass(frozen=True)
class FailedCapture:
    capture_id: int
    url: str
    failure: str
    http_status: int | None
    attempts: int
    attempted_at: dt.datetime | None
    next_attempt_at: dt.datetime | None
    captured_before: bool  # an earlier capture of the page succeeded and is still shown
    citations: int  # how many citations cite the page now
    estimate_id: int | None  # one of the estimates citing it


def _page_of(stmt: Select[*tuple[Any, ...]], session: Session, page: int,
             per_page: int) -> tuple[list[Any], int]:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), total or 0


def quotes_not_found(session: Session, *, page: int = 1,
                     per_page: int = 50) -> tuple[list[QuoteNotFound], int]:
    """Citations of active estimates whose quote is not in the latest successful capture of
    their URL, the most recently captured first."""
    latest = (select(PageCapture.page_id, func.max(PageCapture.id).label("id"))
              .where(PageCapture.state == CaptureState.CAPTURED.value)
              .group_by(PageCapture.page_id).subquery())
    stmt = (
        select(Estimate.id, Topic.title, Measure.label, Source.name, Citation.url,
               Citation.quote, PageCapture.id, PageCapture.fetched_at)
        .select_from(QuoteCheck)
        .join(latest, latest.c.id == QuoteCheck.capture_id)
        .join(PageCapture, PageCapture.id == latest.c.id)
        .join(Citation, Citation.id == QuoteCheck.citation_id)
        .join(Estimate, Estimate.id == Citation.estimate_id)
        .join(Measure, Measure.id == Estimate.measure_id)
        .join(Topic, Topic.id == Measure.topic_id)
        .join(Source, Source.id == Estimate.source_id)
        .where(QuoteCheck.found.is_(False), Estimate.status == Status.ACTIVE.value)
        .order_by(PageCapture.fetched_at.desc(), Citation.id))
    rows, total = _page_of(stmt, session, page, per_page)
    return [QuoteNotFound(*row) for row in rows], total


def failed_captures(session: Session, *, page: int = 1,
                    per_page: int = 50) -> tuple[list[FailedCapture], int]:
    """Pages whose newest capture failed (retries scheduled or given up), the most recent
    attempt first."""
    newest = (select(PageCapture.page_id, func.max(PageCapture.id).label("id"))
              .group_by(PageCapture.page_id).subquery())
    earlier = aliased(PageCapture)
    captured_before = (select(func.count(earlier.id))
                       .where(earlier.page_id == CitedPage.id,
                              earlier.state == CaptureState.CAPTURED.value)
                       .scalar_subquery())
    stmt = (
        select(PageCapture.id, CitedPage.url, PageCapture.failure, PageCapture.http_status,
               PageCapture.attempts, PageCapture.fetched_at, PageCapture.next_attempt_at,
               captured_before)
        .join(newest, newest.c.id == PageCapture.id)
        .join(CitedPage, CitedPage.id == PageCapture.page_id)
        .where(PageCapture.state == CaptureState.FAILED.value)
        .order_by(PageCapture.fetched_at.desc(), PageCapture.id.desc()))
    rows, total = _page_of(stmt, session, page, per_page)
    urls = [row[1] for row in rows]
    cited: dict[str, tuple[int, int]] = {}
    if urls:
        cited = {url: (count, estimate_id) for url, count, estimate_id in session.execute(
            select(Citation.url, func.count(Citation.id), func.max(Citation.estimate_id))
            .where(Citation.url.in_(urls)).group_by(Citation.url))}
    return [FailedCapture(capture_id=row[0], url=row[1], failure=row[2], http_status=row[3],
                          attempts=row[4], attempted_at=row[5], next_attempt_at=row[6],
                          captured_before=bool(row[7]), citations=cited.get(row[1], (0, 0))[0],
                          estimate_id=cited.get(row[1], (0, None))[1])
            for row in rows], total
