"""Captures of cited pages: their states, when a failed one is tried again, and what the
pages and the API are told about a citation's latest capture."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class CaptureState(StrEnum):
    PENDING = "pending"  # waiting for its (first) fetch
    CAPTURED = "captured"  # fetched and its text extracted
    FAILED = "failed"  # the last attempt failed; tried again at next_attempt_at, if set


# A client error is the page's answer, not a hiccup: only these are worth asking again.
RETRIED_CLIENT_ERRORS = frozenset({408, 425, 429})


def status_retried(status: int) -> bool:
    """Whether a capture that got HTTP `status` is tried again later."""
    return status >= 500 or status in RETRIED_CLIENT_ERRORS


def retry_delay(attempts: int, base: dt.timedelta, ceiling: dt.timedelta) -> dt.timedelta:
    """Exponential back-off: `base` after the first failed attempt, doubling each time, never
    more than `ceiling`."""
    if attempts < 1:
        return dt.timedelta(0)
    return min(base * (1 << min(attempts - 1, 30)), ceiling)


def next_attempt(attempts: int, now: dt.datetime, *, retryable: bool, max_attempts: int,
                 base: dt.timedelta, ceiling: dt.timedelta) -> dt.datetime | None:
    """When a capture that failed on its `attempts`-th try is tried again; None for never."""
    if not retryable or attempts >= max_attempts:
        return None
    return now + retry_delay(attempts, base, ceiling)


@dataclass(frozen=True)
class CaptureSummary:
    """What is known of a URL's captures: the latest that succeeded (or, while none has, the
    latest attempt), and the state of the newest snapshot when that is a later one (a
    re-capture waiting or failed)."""

    id: int
    url: str
    state: str
    fetched_at: dt.datetime | None
    published_on: dt.date | None
    title: str
    author: str
    final_url: str
    http_status: int | None
    failure: str
    attempts: int
    next_attempt_at: dt.datetime | None
    raw_sha256: str | None
    text_sha256: str | None
    newest_id: int
    newest_state: str
    newest_failure: str

    @property
    def captured(self) -> bool:
        return self.state == CaptureState.CAPTURED

    @property
    def captured_on(self) -> dt.date | None:
        return self.fetched_at.date() if self.captured and self.fetched_at else None

    @property
    def recapture_state(self) -> str | None:
        """The state of a newer snapshot than this one (a re-capture), if there is one."""
        return self.newest_state if self.newest_id != self.id else None


@dataclass(frozen=True)
class CitationCapture:
    """A citation's latest capture, and whether its quote is in the captured text (None when
    there is no quote or no captured text to look in)."""

    capture: CaptureSummary
    quote_found: bool | None
