"""Running the capture queue: claim a due capture in a short transaction, fetch and extract
its page with no transaction open (no database connection is held while the network is
waited for), store the result in another short transaction. `reckon capture` runs it once;
with RECKON_CAPTURE=on the app runs it in a worker thread every few seconds."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import make_sessionmaker, writing
from app.domain.captures import CaptureState, next_attempt
from app.logs import audit, get_logger
from app.models import utcnow
from app.services import capture_claims
from app.services.extraction import NothingExtracted, extract
from app.services.fetching import FetchFailed, FetchPolicy, fetch

Transactions = Callable[[], AbstractContextManager[Session]]
_log = get_logger("capture")


def transactions(engine: Engine) -> Transactions:
    """Short write transactions on `engine`, each committed when its block ends (on SQLite
    they take the write lock at once: BEGIN IMMEDIATE)."""
    factory = make_sessionmaker(writing(engine))

    @contextmanager
    def transaction() -> Iterator[Session]:
        with factory() as session, session.begin():
            yield session

    return transaction


@dataclass(frozen=True)
class Outcome:
    """What one capture came to, for `reckon capture` and the log."""

    capture_id: int
    url: str
    state: str
    reason: str = ""
    http_status: int | None = None
    size: int | None = None
    title: str = ""
    published_on: dt.date | None = None
    next_attempt_at: dt.datetime | None = None
    kept: bool = True  # False: another worker took the claim over meanwhile

    def describe(self) -> str:
        if self.state == CaptureState.CAPTURED:
            said = f"captured #{self.capture_id} {self.url} (HTTP {self.http_status}, " \
                   f"{self.size or 0:,} bytes"
            said += f", published {self.published_on}" if self.published_on else ""
            return said + (f"): {self.title}" if self.title else ")")
        retry = (f"; tried again after {self.next_attempt_at:%Y-%m-%d %H:%M} UTC"
                 if self.next_attempt_at else "; not tried again")
        return f"failed #{self.capture_id} {self.url}: {self.reason}{retry}"


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base: dt.timedelta = dt.timedelta(minutes=5)
    ceiling: dt.timedelta = dt.timedelta(days=1)


class Capturer:
    """Runs captures through `transactions` with the fetch `policy`; `should_stop` is asked
    between captures and while a body streams in, so a shutdown does not wait for a slow
    page."""

    def __init__(self, transactions: Transactions, policy: FetchPolicy,
                 retry: RetryPolicy | None = None,
                 should_stop: Callable[[], bool] | None = None) -> None:
        self.transactions = transactions
        self.policy = policy
        self.retry = retry or RetryPolicy()
        self.should_stop = should_stop or (lambda: False)
        # A claim outlives the longest fetch, so it only lapses when its worker died.
        self.lease = dt.timedelta(seconds=policy.total_timeout + policy.connect_timeout + 60)

    @classmethod
    def of(cls, settings: Settings, transactions: Transactions,
           should_stop: Callable[[], bool] | None = None) -> Capturer:
        return cls(transactions, FetchPolicy.of(settings),
                   RetryPolicy(max_attempts=settings.capture_max_attempts,
                               base=dt.timedelta(seconds=settings.capture_retry_after)),
                   should_stop)

    def run_due(self, *, limit: int | None = None) -> list[Outcome]:
        """Capture the due pages one by one until none is due (or `limit` were done)."""
        outcomes: list[Outcome] = []
        while (limit is None or len(outcomes) < limit) and not self.should_stop():
            outcome = self.run_one()
            if outcome is None:
                break
            outcomes.append(outcome)
        return outcomes

    def run_one(self, capture_id: int | None = None) -> Outcome | None:
        """Claim and capture the page due first (or capture `capture_id` if it is due)."""
        with self.transactions() as session:
            claimed = capture_claims.claim_due(session, utcnow(), self.lease, capture_id=capture_id)
        if claimed is None:
            return None
        return self._capture(claimed)

    def _capture(self, claimed: capture_claims.Claimed) -> Outcome:
        try:
            fetched = fetch(claimed.url, self.policy, should_stop=self.should_stop)
            found = extract(fetched.body, fetched.content_type, fetched.charset,
                            fetched.final_url)
        except FetchFailed as failed:
            return self._failed(claimed, failed.reason, retryable=failed.retryable,
                                status=failed.status, final_url=failed.final_url)
        except NothingExtracted as empty:
            return self._failed(claimed, str(empty), retryable=False,
                                status=fetched.status, final_url=fetched.final_url)
        except Exception as exc:  # a page the extractor chokes on must not stop the queue
            _log.exception("capture_error", capture_id=claimed.id, url=claimed.url)
            return self._failed(claimed, f"could not read the page ({type(exc).__name__})",
                                retryable=False, status=None, final_url="")
        page = capture_claims.PageContent(
            final_url=fetched.final_url, http_status=fetched.status,
            content_type=fetched.content_type, body=fetched.body,
            fetched_at=fetched.fetched_at, title=found.title, author=found.author,
            published_on=found.published_on, text=found.text)
        with self.transactions() as session:
            kept = capture_claims.store_capture(session, claimed, page)
        outcome = Outcome(claimed.id, claimed.url, CaptureState.CAPTURED.value,
                          http_status=fetched.status, size=len(fetched.body), title=found.title,
                          published_on=found.published_on, kept=kept)
        audit("capture_done", capture_id=claimed.id, url=claimed.url, status=fetched.status,
              bytes=len(fetched.body), final_url=fetched.final_url, attempt=claimed.attempts,
              kept=kept)
        return outcome

    def _failed(self, claimed: capture_claims.Claimed, reason: str, *, retryable: bool,
                status: int | None, final_url: str) -> Outcome:
        retry_at = next_attempt(claimed.attempts, utcnow(), retryable=retryable,
                                max_attempts=self.retry.max_attempts, base=self.retry.base,
                                ceiling=self.retry.ceiling)
        with self.transactions() as session:
            kept = capture_claims.store_failure(session, claimed, reason=reason, status=status,
                                         final_url=final_url, next_attempt_at=retry_at)
        audit("capture_failed", level="warning", capture_id=claimed.id, url=claimed.url,
              reason=reason, status=status, attempt=claimed.attempts,
              retry_at=retry_at.isoformat() if retry_at else None, kept=kept)
        return Outcome(claimed.id, claimed.url, CaptureState.FAILED.value, reason=reason,
                       http_status=status, next_attempt_at=retry_at, kept=kept)


class CaptureWorker:
    """The app's capture thread: runs the due queue every `interval` seconds until stopped.
    An error (the database down, a bug) is logged and the thread goes on, waiting longer
    after each error in a row (at most ten minutes)."""

    BATCH = 20  # captures per cycle, so a long queue does not starve the stop check

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._stop = threading.Event()
        self.interval = settings.capture_interval
        self.capturer = Capturer.of(settings, transactions(engine), self._stop.is_set)
        self._thread: threading.Thread | None = None
        self.cycles = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="reckon-capture", daemon=True)
        self._thread.start()
        _log.info("capture_worker_started", interval=self.interval)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():  # pragma: no cover - a fetch stuck in connect()
                _log.warning("capture_worker_still_running", waited=timeout)
        _log.info("capture_worker_stopped")

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        errors = 0
        while not self._stop.wait(min(self.interval * (2 ** min(errors, 10)), 600.0)):
            try:
                self.capturer.run_due(limit=self.BATCH)
                errors = 0
            except Exception:
                errors += 1
                _log.exception("capture_worker_error", errors_in_a_row=errors)
            self.cycles += 1
