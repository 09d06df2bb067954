"""Captures of cited pages, in the database: the queue (a pending snapshot for every cited URL
that has none, queued in the transaction that saves the citation — whatever saves it: the
form, the API, an import, a revert), what readers and editors are shown, and whether each
quote is in its page's captured text. Claiming a due snapshot and storing what its fetch gave
are app/services/capture_claims.py; fetching is app/services/capture_runs.py, outside any
transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Table,
    case,
    event,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from app.db import Base
from app.domain.actor import Actor
from app.domain.captures import CaptureState, CaptureSummary, CitationCapture
from app.domain.errors import NotFound, ValidationFailed
from app.domain.quotes import normalise, quote_found
from app.i18n import gettext as _
from app.models import Citation, CitedPage, Estimate, PageCapture, QuoteCheck, utcnow
from app.services import audit_trail

# The worker's transactions (capture_claims.py), here too for those who read captures.
from app.services.capture_claims import Claimed as Claimed
from app.services.capture_claims import PageContent as PageContent
from app.services.capture_claims import claim_due as claim_due
from app.services.capture_claims import store_capture as store_capture
from app.services.capture_claims import store_checks
from app.services.capture_claims import store_failure as store_failure
from app.services.many_rows import insert_rows
from app.services.visibility import published

MAX_CAPTURE_ID = 2**31 - 1
_PAGES: Table = Base.metadata.tables["cited_pages"]


def url_key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


# ---- the queue -------------------------------------------------------------------------------

def _insert_pages(session: Session, urls: Iterable[str], now: dt.datetime) -> dict[str, int]:
    """Add a page for each URL that has none; answers the new pages' ids by URL. Two
    transactions adding the same URL at once add it once (the other's insert is a no-op)."""
    rows = {url_key(u): u for u in urls}
    if not rows:
        return {}
    dialect = session.get_bind().dialect.name
    build = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (build(_PAGES)
            .values([{"url": u, "url_sha256": k, "created_at": now} for k, u in rows.items()])
            .on_conflict_do_nothing(index_elements=["url_sha256"])
            .returning(_PAGES.c.id, _PAGES.c.url))
    return {url: page_id for page_id, url in session.execute(stmt)}


def _page_ids(session: Session, urls: Iterable[str]) -> dict[str, int]:
    keys = {url_key(u) for u in urls}
    if not keys:
        return {}
    return {url: page_id for page_id, url in session.execute(
        select(CitedPage.id, CitedPage.url).where(CitedPage.url_sha256.in_(keys)))}


def _add_pending(session: Session, pages: dict[str, int], now: dt.datetime,
                 actor: Actor | None = None) -> list[int]:
    if not pages:
        return []
    return list(session.scalars(
        insert(PageCapture).returning(PageCapture.id),
        [{"page_id": page_id, "requested_url": url, "final_url": "", "state":
          CaptureState.PENDING.value, "failure": "", "attempts": 0, "next_attempt_at": now,
          "created_at": now, "updated_at": now, "content_type": "", "title": "", "author": "",
          "text": "", "requested_by_id": actor.id if actor else None}
         for url, page_id in sorted(pages.items())]))


def queue_urls(session: Session, urls: Iterable[str]) -> list[int]:
    """A pending capture for each of `urls` that was never captured nor queued; answers the
    new captures' ids. Nothing is fetched here."""
    now = utcnow()
    return _add_pending(session, _insert_pages(session, {u for u in urls if u}, now), now)


_CAPTURES: Table = Base.metadata.tables["page_captures"]
_CAPTURE_COLUMNS = ("page_id", "requested_url", "final_url", "state", "failure", "attempts",
                    "next_attempt_at", "created_at", "updated_at", "content_type", "title",
                    "author", "text", "requested_by_id")
_MANY = 10_000  # URLs per statement: IN lists well under SQLite's limit of 32,766 parameters


def citations_saved(session: Session, saved: dict[int, tuple[str, str]]) -> None:
    """What the flush listener below does for citations saved without the ORM (an import's
    bulk inserts): `saved` maps each citation's id to its URL and quote. The queue grows by
    executemany batches (no statement per URL), as queue_urls would."""
    urls = sorted({url for url, _quote in saved.values() if url})
    now = utcnow()
    pending = CaptureState.PENDING.value
    seen: set[str] = set()  # URLs with a page already: only they can have a snapshot
    for start in range(0, len(urls), _MANY):
        keys = {url_key(u): u for u in urls[start:start + _MANY]}
        known = set(session.scalars(select(CitedPage.url_sha256)
                                    .where(CitedPage.url_sha256.in_(keys))))
        seen |= {keys[k] for k in known}
        new = {k: u for k, u in keys.items() if k not in known}
        if not new:
            continue
        # Driver executemany (services.many_rows): Core's per-parameter work cost more than
        # the inserts at 100,000 URLs.
        insert_rows(session, _PAGES, ("url", "url_sha256", "created_at"),
                    [(u, k, now) for k, u in new.items()], skip_conflicts_on=("url_sha256",))
        pages: dict[str, int] = {url: page_id for url, page_id in session.execute(
            select(CitedPage.url, CitedPage.id).where(CitedPage.url_sha256.in_(new)))}
        # Every column a Core insert would fill with its default, given.
        insert_rows(session, _CAPTURES, _CAPTURE_COLUMNS, [
            (pages[url], url, "", pending, "", 0, now, now, now, "", "", "", "", None)
            for url in sorted(pages)])
    items = sorted((cid, saved[cid]) for cid in saved if saved[cid][0] in seen)
    for start in range(0, len(items), _MANY):
        _check_saved_quotes(session, dict(items[start:start + _MANY]))


@dataclass(frozen=True)
class Queued:
    id: int
    url: str


def recapture(session: Session, urls: Iterable[str], actor: Actor | None) -> list[Queued]:
    """A new snapshot of each URL, queued now (the earlier ones are kept); a URL whose
    snapshot still waits for its first fetch is not queued twice. Answers the waiting
    captures. Scheduled retries of failed captures are dropped: the new one replaces
    them."""
    wanted = {u for u in urls if u}
    now = utcnow()
    _insert_pages(session, wanted, now)
    pages = _page_ids(session, wanted)
    waiting: dict[int, int] = {page_id: capture_id for page_id, capture_id in session.execute(
        select(PageCapture.page_id, func.min(PageCapture.id))
        .where(PageCapture.page_id.in_(pages.values()),
               PageCapture.state == CaptureState.PENDING.value)
        .group_by(PageCapture.page_id))}
    session.execute(
        update(PageCapture)
        .where(PageCapture.page_id.in_(pages.values()),
               PageCapture.state == CaptureState.FAILED.value,
               PageCapture.next_attempt_at.is_not(None))
        .values(next_attempt_at=None, updated_at=now)
        .execution_options(synchronize_session=False))
    added = _add_pending(session, {u: p for u, p in pages.items() if p not in waiting}, now,
                         actor)
    for capture_id in added:
        audit_trail.note(session, "capture_requested", capture_id=capture_id,
                         user_id=actor.id if actor else None)
    queued = set(waiting.values()) | set(added)
    return [Queued(capture_id, url) for capture_id, url in session.execute(
        select(PageCapture.id, PageCapture.requested_url)
        .where(PageCapture.id.in_(queued)).order_by(PageCapture.id))]


def recapture_estimate(session: Session, estimate_id: int, actor: Actor | None,
                       citation: int | None = None) -> list[Queued]:
    """A new capture of the URLs the estimate cites, or of its `citation`-th citation's
    (counted from 1, in the order shown)."""
    if not 1 <= estimate_id <= MAX_CAPTURE_ID or session.get(Estimate, estimate_id) is None:
        raise NotFound(_("No estimate %(id)s.", id=estimate_id))
    urls = list(session.scalars(select(Citation.url).where(Citation.estimate_id == estimate_id)
                                .order_by(Citation.position, Citation.id)))
    if citation is not None:
        if not 1 <= citation <= len(urls):
            raise NotFound(_("Estimate %(id)s has no citation %(number)s.", id=estimate_id,
                             number=citation))
        urls = urls[citation - 1:citation]
    if not any(urls):
        raise ValidationFailed({"citation": _("There is no URL to capture: the citation names "
                                              "a publication only.")})
    return recapture(session, urls, actor)


def cited_urls(session: Session) -> list[str]:
    """Every URL a citation cites now."""
    return list(session.scalars(select(Citation.url).where(Citation.url != "").distinct()
                                .order_by(Citation.url)))


def url_of(session: Session, capture_id: int) -> str:
    if not 1 <= capture_id <= MAX_CAPTURE_ID:
        raise NotFound(_("No capture %(id)s.", id=capture_id))
    url = session.scalar(select(CitedPage.url).join(PageCapture, PageCapture.page_id ==
                                                     CitedPage.id)
                         .where(PageCapture.id == capture_id))
    if url is None:
        raise NotFound(_("No capture %(id)s.", id=capture_id))
    return url


# Citations saved in a flush, noted while their ids are known and queued once it is done.
_NOTED = "reckon.cited_urls"


@event.listens_for(Session, "after_flush")
def _note_citations(session: Session, _context: object) -> None:
    noted: list[Citation] = session.info.setdefault(_NOTED, [])
    noted += [obj for obj in (*session.new, *session.dirty)
              if isinstance(obj, Citation) and obj.url]


@event.listens_for(Session, "after_flush_postexec")
def _queue_noted(session: Session, _context: object) -> None:
    noted: list[Citation] | None = session.info.pop(_NOTED, None)
    # Only now does the flush mark the citations an edit replaced (orphans) as deleted.
    saved = {c.id: (c.url, c.quote or "") for c in noted or ()
             if c.id is not None and not inspect(c).was_deleted}
    if saved:
        queue_urls(session, {url for url, _quote in saved.values()})
        _check_saved_quotes(session, saved)


# ---- quotes ----------------------------------------------------------------------------------

def _latest_captured(session: Session, urls: Iterable[str]) -> dict[str, tuple[int, str]]:
    """The latest captured snapshot of each URL that has one: its id and its text."""
    keys = {url_key(u) for u in urls}
    if not keys:
        return {}
    other = aliased(PageCapture)
    newest = (select(func.max(other.id))
              .where(other.page_id == CitedPage.id,
                     other.state == CaptureState.CAPTURED.value)
              .scalar_subquery())
    rows = session.execute(
        select(CitedPage.url, PageCapture.id, PageCapture.text)
        .join(PageCapture, PageCapture.page_id == CitedPage.id)
        .where(CitedPage.url_sha256.in_(keys), PageCapture.id == newest))
    return {url: (capture_id, text) for url, capture_id, text in rows}


def _check_saved_quotes(session: Session, noted: dict[int, tuple[str, str]]) -> None:
    quoted = {cid: (url, quote) for cid, (url, quote) in noted.items() if quote.strip()}
    captured = _latest_captured(session, {url for url, _ in quoted.values()})
    now = utcnow()
    normalised: dict[int, str] = {}
    checks = []
    for citation_id, (url, quote) in sorted(quoted.items()):
        if url in captured:
            capture_id, text = captured[url]
            if capture_id not in normalised:
                normalised[capture_id] = normalise(text)
            checks.append({"citation_id": citation_id, "capture_id": capture_id,
                           "found": quote_found(quote, text,
                                                normalised_text=normalised[capture_id]),
                           "checked_at": now})
    store_checks(session, checks)


# ---- what readers and editors see --------------------------------------------------------

_SUMMARY_COLUMNS = (PageCapture.id, PageCapture.state, PageCapture.fetched_at,
                    PageCapture.published_on, PageCapture.title, PageCapture.author,
                    PageCapture.final_url, PageCapture.http_status, PageCapture.failure,
                    PageCapture.attempts, PageCapture.next_attempt_at, PageCapture.raw_sha256,
                    PageCapture.text_sha256)


def latest_captures(session: Session, urls: Iterable[str]) -> dict[str, CaptureSummary]:
    """For each URL that has captures, in one query: its latest successful capture (else its
    latest attempt), and the newest snapshot's state when that is a later one."""
    keys = {url_key(u) for u in urls if u}
    if not keys:
        return {}
    ranked = (
        select(PageCapture.id, CitedPage.url,
               func.row_number().over(
                   partition_by=PageCapture.page_id,
                   order_by=(case((PageCapture.state == CaptureState.CAPTURED.value, 0),
                                  else_=1), PageCapture.id.desc())).label("pick"),
               func.max(PageCapture.id).over(partition_by=PageCapture.page_id).label("newest"))
        .join(CitedPage, PageCapture.page_id == CitedPage.id)
        .where(CitedPage.url_sha256.in_(keys))
        .subquery())
    newest = aliased(PageCapture)
    rows = session.execute(
        select(*_SUMMARY_COLUMNS, ranked.c.url, newest.id.label("newest_id"),
               newest.state.label("newest_state"), newest.failure.label("newest_failure"))
        .join(ranked, ranked.c.id == PageCapture.id)
        .join(newest, newest.id == ranked.c.newest)
        .where(ranked.c.pick == 1))
    return {row.url: summary_of(row) for row in rows}


def summary_of(row: Any) -> CaptureSummary:
    """A CaptureSummary from a row of _SUMMARY_COLUMNS with url, newest_id, newest_state and
    newest_failure."""
    return CaptureSummary(
        id=row.id, url=row.url, state=row.state, fetched_at=row.fetched_at,
        published_on=row.published_on, title=row.title, author=row.author,
        final_url=row.final_url, http_status=row.http_status, failure=row.failure,
        attempts=row.attempts, next_attempt_at=row.next_attempt_at, raw_sha256=row.raw_sha256,
        text_sha256=row.text_sha256, newest_id=row.newest_id, newest_state=row.newest_state,
        newest_failure=row.newest_failure)


def citation_captures(session: Session,
                      citations: Sequence[Citation]) -> dict[int, CitationCapture]:
    """Each citation's latest capture (by citation id) and whether its quote is in it."""
    summaries = latest_captures(session, {c.url for c in citations})
    found: dict[tuple[int, int], bool] = {}
    ids = [c.id for c in citations if c.id is not None]
    if ids:
        found = {(cid, capid): ok for cid, capid, ok in session.execute(
            select(QuoteCheck.citation_id, QuoteCheck.capture_id, QuoteCheck.found)
            .where(QuoteCheck.citation_id.in_(ids)))}
    result = {}
    for c in citations:
        summary = summaries.get(c.url)
        if summary is None or c.id is None:
            continue
        quote: bool | None = None
        if c.quote.strip() and summary.captured:
            quote = found.get((c.id, summary.id))
            if quote is None:  # saved before the check existed: worked out, not stored
                quote = quote_found(c.quote, capture_text(session, summary.id).text)
        result[c.id] = CitationCapture(summary, quote)
    return result


def estimate_captures(session: Session, estimate_id: int) -> list[CitationCapture | None]:
    """The latest capture of each citation of an estimate, in the citations' order."""
    citations = list(session.scalars(
        select(Citation).where(Citation.estimate_id == estimate_id)
        .order_by(Citation.position, Citation.id)))
    found = citation_captures(session, citations)
    return [found.get(c.id) for c in citations]


def capture_text(session: Session, capture_id: int, *, for_reader: bool = True) -> PageCapture:
    """A captured snapshot, its text included; NotFound for a pending or failed one, and for
    a reader when no published estimate cites its page (an estimate awaiting review must
    not show, through its capture, what it cites)."""
    if not 1 <= capture_id <= MAX_CAPTURE_ID:
        raise NotFound(_("No capture %(id)s.", id=capture_id))
    query = select(PageCapture).where(PageCapture.id == capture_id,
                                      PageCapture.state == CaptureState.CAPTURED.value)
    if for_reader:
        cited = (select(Citation.id)
                 .join(Estimate, Citation.estimate_id == Estimate.id)
                 .join(CitedPage, CitedPage.url == Citation.url)
                 .where(CitedPage.id == PageCapture.page_id, published()))
        query = query.where(cited.exists())
    capture = session.scalar(query)
    if capture is None:
        raise NotFound(_("No captured text %(id)s: it does not exist, or its page could not be "
                         "captured (yet).", id=capture_id))
    return capture
