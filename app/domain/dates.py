"""Dates known to a day, a month or only a year ("2025-01-13", "2025-01", "2025")."""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

from app.domain.errors import FigureError
from app.domain.numbers import quote
from app.domain.vocabulary import DatePrecision
from app.i18n import N_, format_partial, gettext

_MIN_YEAR, _MAX_YEAR = 1800, 2200
_PRECISIONS = tuple(DatePrecision)
_MONTH_NAMES = (
    "", "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_DATE_HELP = N_("write the date as YYYY-MM-DD, YYYY-MM or YYYY (for example 2025-01-13).")


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to a day, a month or only a year; value is the first day of the period."""

    value: datetime.date
    precision: str  # a DatePrecision value

    def __post_init__(self) -> None:
        # datetime is a date subclass but does not compare with plain dates, which would break
        # ordering later in a far less obvious place.
        if not isinstance(self.value, datetime.date) or isinstance(self.value, datetime.datetime):
            raise FigureError(f"A partial date needs a datetime.date, not {self.value!r}.")
        if self.precision not in _PRECISIONS:
            raise FigureError(
                f"Unknown date precision {self.precision!r}: use one of {', '.join(_PRECISIONS)}."
            )
        if self.precision == "month" and self.value.day != 1:
            raise FigureError("A month-precision date must fall on the first day of the month.")
        if self.precision == "year" and (self.value.month, self.value.day) != (1, 1):
            raise FigureError("A year-precision date must fall on 1 January.")

    def iso(self) -> str:
        if self.precision == "day":
            return self.value.isoformat()
        if self.precision == "month":
            return f"{self.value.year:04d}-{self.value.month:02d}"
        return f"{self.value.year:04d}"

    def label(self) -> str:
        # In the reader's language ("13 January 2025" / "13. Januar 2025") through Babel's
        # data, never the server's locale (app/i18n.py).
        return format_partial(self.value, self.precision)

    def english_label(self) -> str:
        """The label in English whatever the request's language (logs, CLI, files)."""
        month = _MONTH_NAMES[self.value.month]
        if self.precision == "day":
            return f"{self.value.day} {month} {self.value.year}"
        if self.precision == "month":
            return f"{month} {self.value.year}"
        return str(self.value.year)

    def end(self) -> datetime.date:
        if self.precision == "day":
            return self.value
        if self.precision == "month":
            last = calendar.monthrange(self.value.year, self.value.month)[1]
            return self.value.replace(day=last)
        return self.value.replace(month=12, day=31)

    def __str__(self) -> str:
        return self.iso()


_ISO_DAY_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_ISO_MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{2})")
_YEAR_RE = re.compile(r"[0-9]{4}")
_GERMAN_DAY_RE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")


def _check_year(year: int, shown: str) -> None:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise FigureError(gettext(
            "%(date)s is outside the supported years %(first)s–%(last)s: %(help)s",
            date=quote(shown), first=_MIN_YEAR, last=_MAX_YEAR, help=gettext(_DATE_HELP)))


def _real_day(year: int, month: int, day: int, shown: str) -> PartialDate:
    _check_year(year, shown)
    try:
        value = datetime.date(year, month, day)
    except ValueError:
        raise FigureError(gettext("%(date)s is not a real date: %(help)s", date=quote(shown),
                                  help=gettext(_DATE_HELP))) from None
    return PartialDate(value, "day")


def parse_partial_date(text: str) -> PartialDate:
    """Read YYYY-MM-DD, YYYY-MM, YYYY or German DD.MM.YYYY into a PartialDate."""
    cleaned = text.strip()
    if not cleaned:
        raise FigureError(gettext("Enter a date: %(help)s", help=gettext(_DATE_HELP)))
    if m := _ISO_DAY_RE.fullmatch(cleaned):
        return _real_day(int(m[1]), int(m[2]), int(m[3]), cleaned)
    if m := _GERMAN_DAY_RE.fullmatch(cleaned):
        return _real_day(int(m[3]), int(m[2]), int(m[1]), cleaned)
    if m := _ISO_MONTH_RE.fullmatch(cleaned):
        year, month = int(m[1]), int(m[2])
        _check_year(year, cleaned)
        if not 1 <= month <= 12:
            raise FigureError(gettext("%(date)s is not a real month: %(help)s",
                                      date=quote(cleaned), help=gettext(_DATE_HELP)))
        return PartialDate(datetime.date(year, month, 1), "month")
    if _YEAR_RE.fullmatch(cleaned):
        year = int(cleaned)
        _check_year(year, cleaned)
        return PartialDate(datetime.date(year, 1, 1), "year")
    raise FigureError(gettext("Could not read %(text)s as a date: %(help)s",
                              text=quote(cleaned), help=gettext(_DATE_HELP)))


def partial_date(value: datetime.date | None, precision: str | None) -> PartialDate | None:
    """The stored (date, precision) pair as a PartialDate, or None when unknown."""
    return PartialDate(value, precision) if value is not None and precision else None


def partial_iso(value: datetime.date | None, precision: str | None) -> str | None:
    known = partial_date(value, precision)
    return known.iso() if known else None


def parse_optional_date(text: str | None) -> PartialDate | None:
    return parse_partial_date(text) if text else None


def utc_today() -> datetime.date:
    """Today where Reckon keeps its clock: dates of record are UTC, whatever the server's zone."""
    return datetime.datetime.now(datetime.UTC).date()
