"""Claiming a due capture and storing what its fetch gave: the capture worker's two short
transactions around a fetch (app/services/capture_runs.py). A claim is a lease: while it
runs no other worker takes the capture, and a result stored after it was lost is dropped."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, and_, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from app.db import Base
from app.domain.captures import CaptureState
from app.domain.quotes import normalise, quote_found
from app.models import Citation, PageCapture, utcnow

_CHECKS: Table = Base.metadata.tables["quote_checks"]
# Captures waiting for a fetch: never tried, or failed with a retry scheduled.
_WAITING = (CaptureState.PENDING.value, CaptureState.FAILED.value)


@dataclass(frozen=True)
class Claimed:
    id: int
    url: str
    attempts: int  # this attempt included
    claimed_until: dt.datetime


def _due(now: dt.datetime) -> Any:
    return and_(PageCapture.state.in_(_WAITING), PageCapture.next_attempt_at.is_not(None),
                PageCapture.next_attempt_at <= now,
                or_(PageCapture.claimed_until.is_(None), PageCapture.claimed_until < now))


def claim_due(session: Session, now: dt.datetime, lease: dt.timedelta, *,
              capture_id: int | None = None) -> Claimed | None:
    """Take the capture due first (or capture `capture_id`, if due) for one fetch: its claim
    runs until `now + lease`, so no other worker takes it meanwhile, and its attempt is
    counted before the fetch. The UPDATE re-checks the row, so of two workers racing for it
    one gets it."""
    candidates = select(PageCapture.id).where(_due(now))
    if capture_id is not None:
        candidates = candidates.where(PageCapture.id == capture_id)
    until = now + lease
    for candidate in session.scalars(candidates.order_by(PageCapture.next_attempt_at,
                                                         PageCapture.id).limit(10)):
        taken = session.execute(
            update(PageCapture).where(PageCapture.id == candidate, _due(now))
            .values(claimed_until=until, attempts=PageCapture.attempts + 1, updated_at=now)
            .execution_options(synchronize_session=False))
        if getattr(taken, "rowcount", 0) == 1:
            url, attempts = session.execute(
                select(PageCapture.requested_url, PageCapture.attempts)
                .where(PageCapture.id == candidate)).one()
            return Claimed(candidate, url, attempts, until)
    return None


def _ours(claimed: Claimed) -> Any:
    # A claim that ran out was taken over by another worker: its result wins.
    return and_(PageCapture.id == claimed.id, PageCapture.claimed_until == claimed.claimed_until)


@dataclass(frozen=True)
class PageContent:
    final_url: str
    http_status: int
    content_type: str
    body: bytes
    fetched_at: dt.datetime
    title: str
    author: str
    published_on: dt.date | None
    text: str


def store_capture(session: Session, claimed: Claimed, page: PageContent) -> bool:
    """Record a successful fetch (hashes of the bytes and of the text) and check the quotes of
    the URL's citations against it. False when the claim was lost meanwhile."""
    done = session.execute(
        update(PageCapture).where(_ours(claimed)).values(
            state=CaptureState.CAPTURED.value, final_url=page.final_url,
            http_status=page.http_status, content_type=page.content_type[:200],
            size=len(page.body), title=page.title, author=page.author,
            published_on=page.published_on, text=page.text,
            raw_sha256=hashlib.sha256(page.body).hexdigest(),
            text_sha256=hashlib.sha256(page.text.encode("utf-8")).hexdigest(),
            fetched_at=page.fetched_at, failure="", next_attempt_at=None, claimed_until=None,
            updated_at=utcnow())
        .execution_options(synchronize_session=False))
    if getattr(done, "rowcount", 0) != 1:
        return False
    check_quotes_of(session, claimed.id, claimed.url, page.text)
    return True


def store_failure(session: Session, claimed: Claimed, *, reason: str, status: int | None,
                  final_url: str, next_attempt_at: dt.datetime | None) -> bool:
    """Record a failed attempt with its reason and when it is tried again (None: never)."""
    now = utcnow()
    done = session.execute(
        update(PageCapture).where(_ours(claimed)).values(
            state=CaptureState.FAILED.value, failure=reason[:500], http_status=status,
            final_url=final_url, fetched_at=now, next_attempt_at=next_attempt_at,
            claimed_until=None, updated_at=now)
        .execution_options(synchronize_session=False))
    return getattr(done, "rowcount", 0) == 1


# ---- quote checks --------------------------------------------------------------------------

def store_checks(session: Session, checks: list[dict[str, Any]]) -> None:
    """Record quote checks (citation_id, capture_id, found, checked_at), replacing any."""
    if checks:
        session.execute(delete(_CHECKS).where(or_(*(
            and_(_CHECKS.c.citation_id == c["citation_id"],
                 _CHECKS.c.capture_id == c["capture_id"]) for c in checks))))
        session.execute(insert(_CHECKS), checks)


def check_quotes_of(session: Session, capture_id: int, url: str, text: str) -> None:
    """Whether each citation of `url` has its quote in this capture's `text`."""
    haystack = normalise(text)
    now = utcnow()
    store_checks(session, [
        {"citation_id": citation_id, "capture_id": capture_id,
         "found": quote_found(quote, text, normalised_text=haystack), "checked_at": now}
        for citation_id, quote in session.execute(
            select(Citation.id, Citation.quote).where(Citation.url == url, Citation.quote != "")
            .order_by(Citation.id))
        if quote.strip()])
