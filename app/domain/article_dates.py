"""The dates an article's sentences speak of ("im Januar", "last year", "seit Anfang Februar",
"в прошлом году", "торік", "13 January 2025"), resolved against its publication date, each
with its precision (day, month or year)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from app.domain.dates import PartialDate

# Each month's names: English and German as whole words (capitalised in both languages, so
# "may" the verb is no month), Russian and Ukrainian in every case form.
_MONTH_NAMES: tuple[str, ...] = (
    r"January|Januar|Jänner|январ[ьяе]|січ(?:ень|ня|ні)",
    r"February|Februar|феврал[ьяе]|лют(?:ий|ого|ому)",
    r"March|März|марта?|марте|берез(?:ень|ня|ні)",
    r"April|апрел[ьяе]|квіт(?:ень|ня|ні)",
    r"May|Mai|ма[йяе]|трав(?:ень|ня|ні)",
    r"June|Juni|июн[ьяе]|черв(?:ень|ня|ні)",
    r"July|Juli|июл[ьяе]|лип(?:ень|ня|ні)",
    r"August|августа?|августе|серп(?:ень|ня|ні)",
    r"September|сентябр[ьяе]|верес(?:ень|ня|ні)",
    r"October|Oktober|октябр[ьяе]|жовт(?:ень|ня|ні)",
    r"November|ноябр[ьяе]|листопад[аі]?",
    r"December|Dezember|декабр[ьяе]|груд(?:ень|ня|ні)",
)
_MONTH_RES = tuple(re.compile(rf"(?:{names})") for names in _MONTH_NAMES)
_MONTH_WORD = r"[^\W\d_]+"
_MONTH_RE = re.compile(rf"\b({_MONTH_WORD})\b(?:\s+(\d{{4}}))?", re.IGNORECASE)
_DAY_MONTH_RE = re.compile(rf"\b(\d{{1,2}})\.?\s+({_MONTH_WORD})\s+(\d{{4}})\b", re.IGNORECASE)
_MONTH_DAY_RE = re.compile(rf"\b({_MONTH_WORD})\s+(\d{{1,2}}),\s+(\d{{4}})\b", re.IGNORECASE)
_ISO_RE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_YEAR_RE = re.compile(r"\b(?:in|im jahr(?:e)?|in the year|в|у|year|jahr)\s+(\d{4})\b"
                      r"|\b(\d{4})\s+(?:году|году\b|році|року|г\.|р\.)", re.IGNORECASE)

_PREVIOUS_YEAR = (r"last year|the previous year|im vergangenen jahr|vergangenes jahr|"
                  r"letztes jahr|im letzten jahr|im vorjahr|в прошлом году|в минувшем году|"
                  r"в прошедшем году|торік|минулого року|у минулому році|в минулому році")
_PREVIOUS_YEAR_OF = (r"last year|letzten jahres|des vergangenen jahres|vergangenen jahres|"
                     r"des vorjahres|прошлого года|минувшего года|минулого року")
_THIS_YEAR = (r"this year|dieses jahr|in diesem jahr|dieses jahres|в этом году|этого года|"
              r"цього року|у цьому році|в цьому році")
_THIS_MONTH = (r"this month|earlier this month|diesen monat|in diesem monat|dieses monats|"
               r"в этом месяце|этого месяца|цього місяця|у цьому місяці|в цьому місяці")
_LAST_MONTH = (r"last month|im vergangenen monat|letzten monat|im letzten monat|"
               r"vergangenen monat|в прошлом месяце|минулого місяця|у минулому місяці")
_SINCE_RE = re.compile(
    r"(?<!\w)(?:since|seit|с|со|з|із|від)(?:\s+(?:the|early|late|mid|anfang|ende|mitte|"
    r"beginn|start|начала|конца|середины|початку|кінця|середини|of|des|der|\d+\.?|\d+(?:st|nd|"
    r"rd|th)))*\s+$", re.IGNORECASE)
_YESTERDAY = r"yesterday|gestern|вчера|вчора"
_TODAY = r"today|heute|сегодня|сьогодні"


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    text: str
    date: PartialDate
    since: bool = False  # "seit Anfang Februar": where a count starts, not when it stood


def month_of(word: str) -> int | None:
    """The month a word names ("Januar", "January", "января", "січні"), else None."""
    for number, names in enumerate(_MONTH_RES, start=1):
        if names.fullmatch(word) or (word[:1] > "z" and names.fullmatch(word.lower())):
            return number
    return None


def _month_date(month: int, published: PartialDate, year: int | None) -> PartialDate:
    """A month without its year is the latest one not after the publication."""
    if year is None:
        year = published.value.year
        if published.precision != "year" and month > published.value.month:
            year -= 1
    return PartialDate(datetime.date(year, month, 1), "month")


def _plausible(year: int) -> bool:
    return 1900 <= year <= 2100


def find_dates(text: str, published: PartialDate) -> list[DateMention]:
    """Every date the text speaks of, in order, resolved against the publication date."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], date: PartialDate | None) -> None:
        if date is None or any(s < m.end() and m.start() < e for s, e in taken):
            return
        taken.append((m.start(), m.end()))
        found.append(DateMention(m.start(), m.end(), m.group(0), date))

    pub = published.value
    month_start = pub.replace(day=1)
    for m in _ISO_RE.finditer(text):
        try:
            add(m, PartialDate(datetime.date(int(m[1]), int(m[2]), int(m[3])), "day"))
        except ValueError:
            continue
    for m in _DAY_MONTH_RE.finditer(text):
        add(m, _day(int(m[3]), month_of(m[2]), int(m[1])))
    for m in _MONTH_DAY_RE.finditer(text):
        add(m, _day(int(m[3]), month_of(m[1]), int(m[2])))
    for pattern, make in (
        (rf"\b({_MONTH_WORD})\s+(?:{_PREVIOUS_YEAR_OF})", "month_last_year"),
        (_PREVIOUS_YEAR, "last_year"),
        (_THIS_YEAR, "this_year"),
        (_LAST_MONTH, "last_month"),
        (_THIS_MONTH, "this_month"),
        (_YESTERDAY, "yesterday"),
        (_TODAY, "today"),
    ):
        for m in re.finditer(rf"(?<!\w)(?:{pattern})(?!\w)", text, re.IGNORECASE):
            add(m, _relative(make, m, published, month_start))
    for m in _MONTH_RE.finditer(text):
        month = month_of(m[1])
        year = int(m[2]) if m[2] and _plausible(int(m[2])) else None
        if month is not None:
            add(m, _month_date(month, published, year))
    for m in _YEAR_RE.finditer(text):
        year = int(m[1] or m[2])
        if _plausible(year):
            add(m, PartialDate(datetime.date(year, 1, 1), "year"))
    return [DateMention(d.start, d.end, d.text, d.date, since=bool(_SINCE_RE.search(
        text[max(0, d.start - 30):d.start]))) for d in sorted(found, key=lambda d: d.start)]


def _day(year: int, month: int | None, day: int) -> PartialDate | None:
    if month is None or not _plausible(year):
        return None
    try:
        return PartialDate(datetime.date(year, month, day), "day")
    except ValueError:
        return None


def _relative(kind: str, m: re.Match[str], published: PartialDate,
              month_start: datetime.date) -> PartialDate | None:
    year = published.value.year
    if kind == "month_last_year":
        month = month_of(m[1])
        return PartialDate(datetime.date(year - 1, month, 1), "month") if month else None
    if kind == "last_year":
        return PartialDate(datetime.date(year - 1, 1, 1), "year")
    if kind == "this_year":
        return PartialDate(datetime.date(year, 1, 1), "year")
    if published.precision == "year":
        return None  # "this month" of an article known only by its year
    if kind == "this_month":
        return PartialDate(month_start, "month")
    if kind == "last_month":
        previous = month_start - datetime.timedelta(days=1)
        return PartialDate(previous.replace(day=1), "month")
    if published.precision != "day":
        return PartialDate(month_start, "month")
    if kind == "yesterday":
        return PartialDate(published.value - datetime.timedelta(days=1), "day")
    return published
