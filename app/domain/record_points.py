"""The record point of a comparison: what Reckon's records held at a moment — the end of a UTC
day ("2026-11-25") or an exact UTC time ("2026-11-25T14:03:07.123456Z") — as a permalink
names it, and the words a page says about it ("Records as of 25 November 2026, 14:03 UTC").

A figure recorded after the point, and every later edit, retraction, restoration, approval
or rejection, is not part of it; so a page addressed by a point that has passed never
changes. The *figure date* window (the reader's `as_of_to`) is another thing: which dates the
figures refer to."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from app.domain.dates import PartialDate
from app.i18n import N_, gettext

# A change is written within a request: a point this far in the past is settled, as no
# transaction still open can hold a change stamped before it.
SETTLED_AFTER = dt.timedelta(minutes=5)
FORMAT_HELP = N_("a day written YYYY-MM-DD or an exact UTC time written YYYY-MM-DDTHH:MM:SSZ, "
               "such as 2026-11-25 or 2026-11-25T14:03:07Z")
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z")


class BadRecordPoint(ValueError):
    """Text that names no record point."""


@dataclass(frozen=True)
class RecordPoint:
    """Records created at or before `at` (UTC, to the microsecond). `exact` when given as a
    time, else the point is the last microsecond of a UTC day."""

    at: dt.datetime
    exact: bool

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() != dt.timedelta(0):
            raise BadRecordPoint("A record point is a UTC time.")

    @classmethod
    def end_of(cls, day: dt.date) -> RecordPoint:
        return cls(dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC), exact=False)

    @classmethod
    def at_time(cls, moment: dt.datetime) -> RecordPoint:
        """Exactly `moment` (aware; a naive one is taken as UTC, as SQLite hands them back)."""
        aware = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment
        return cls(aware.astimezone(dt.UTC), exact=True)

    @classmethod
    def parse(cls, text: str) -> RecordPoint:
        """YYYY-MM-DD (the end of that UTC day) or YYYY-MM-DDTHH:MM:SS[.ffffff]Z."""
        cleaned = text.strip()
        try:
            if m := _DAY.fullmatch(cleaned):
                return cls.end_of(dt.date(int(m[1]), int(m[2]), int(m[3])))
            if m := _TIME.fullmatch(cleaned):
                micro = int((m[7] or "0").ljust(6, "0"))
                return cls(dt.datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]),
                                       int(m[6]), micro, tzinfo=dt.UTC), exact=True)
        except ValueError:
            raise BadRecordPoint(gettext("Not a real date or time: %(help)s.",
                                         help=gettext(FORMAT_HELP))) from None
        raise BadRecordPoint(gettext("Write the record point as %(help)s.",
                                     help=gettext(FORMAT_HELP)))

    @property
    def day(self) -> dt.date:
        return self.at.date()

    def param(self) -> str:
        """As a permalink writes it: parse(param()) == self."""
        if not self.exact:
            return self.day.isoformat()
        text = self.at.strftime("%Y-%m-%dT%H:%M:%S")
        if self.at.microsecond:
            text += f".{self.at.microsecond:06d}"
        return f"{text}Z"

    def label(self) -> str:
        """"25 November 2026", or "25 November 2026, 14:03 UTC" for an exact time."""
        day = PartialDate(self.day, "day").label()
        return f"{day}, {self.at:%H:%M} UTC" if self.exact else day

    def settled(self, now: dt.datetime) -> bool:
        """Whether nothing can be recorded at or before the point any more."""
        return self.at <= now - SETTLED_AFTER

    def __str__(self) -> str:
        return self.param()


def describe(point: RecordPoint | None, dated_to: dt.date | None) -> str:
    """What a comparison shows, in words: "Records as of 25 November 2026; figures dated up
    to 30 June 2025." The figure window alone, or nothing, for the current records."""
    day = PartialDate(dated_to, "day").label() if dated_to is not None else ""
    if point is not None and dated_to is not None:
        return gettext("Records as of %(point)s; figures dated up to %(day)s.",
                       point=point.label(), day=day)
    if point is not None:
        return gettext("Records as of %(point)s.", point=point.label())
    if dated_to is not None:
        return gettext("Figures dated up to %(day)s.", day=day)
    return ""
