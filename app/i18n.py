"""The interface's languages: gettext catalogs (app/locale/<code>/LC_MESSAGES/messages.po),
the current locale of a request, and numbers and dates written the way it reads them.

The locale is a context variable, set by the web layer for each request (app/web/locale.py)
and "en" everywhere else (CLI, tests, workers): any layer may call `gettext` and friends, the
domain included, without knowing about requests. Module-level texts are marked with
`lazy_gettext` (translated each time they are shown) or `N_` (marked only; translate with
`gettext(text)` where shown). Catalogs are compiled from the committed .po files in memory,
once per process, when first used: there is no .mo file to forget to rebuild.

`gettext("about %(n)s", n=…)` formats with %-style named parameters, like Jinja's new-style
gettext, so a whole sentence is one message and translators may move its parts."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, negotiate_locale
from babel.dates import format_date as _babel_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import LazyProxy, NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LOCALE = "en"
# The interface's languages, each with its name in itself (for the switch).
LANGUAGES: dict[str, str] = {"en": "English", "de": "Deutsch"}

_current: ContextVar[str] = ContextVar("reckon_locale", default=DEFAULT_LOCALE)


def get_locale() -> str:
    return _current.get()


def set_locale(code: str) -> None:
    """Set the current locale for the rest of this context (a request's task)."""
    _current.set(code if code in LANGUAGES else DEFAULT_LOCALE)


@contextmanager
def use_locale(code: str) -> Iterator[None]:
    """Run a block in one locale: e.g. locale-free outputs (CSV) inside a German request."""
    token = _current.set(code if code in LANGUAGES else DEFAULT_LOCALE)
    try:
        yield
    finally:
        _current.reset(token)


def negotiate(accept_language: str | None) -> str | None:
    """The best of LANGUAGES for an Accept-Language header ("de-DE,de;q=0.9,en;q=0.5"),
    by q-value, or None when it names none of them."""
    if not accept_language:
        return None
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")[:30]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag and q > 0:
            ranked.append((-q, index, tag.strip().replace("_", "-")))
    preferred = [tag for _, _, tag in sorted(ranked)]
    return negotiate_locale(preferred, list(LANGUAGES), sep="-")


@cache
def translations(code: str) -> NullTranslations:
    """The catalog of one language, compiled from its .po file in memory (English, the
    language of the source strings, has none)."""
    po = LOCALE_DIR / code / "LC_MESSAGES" / "messages.po"
    if code == DEFAULT_LOCALE or not po.exists():
        return NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=code)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer)


def _format(text: str, params: dict[str, Any]) -> str:
    return text % params if params else text


# The plain callables (no formatting): what Jinja's new-style gettext wraps.
def plain_gettext(message: str) -> str:
    return translations(get_locale()).ugettext(message)


def plain_ngettext(singular: str, plural: str, n: int) -> str:
    return translations(get_locale()).ungettext(singular, plural, n)


def plain_pgettext(context: str, message: str) -> str:
    return translations(get_locale()).upgettext(context, message)


def plain_npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations(get_locale()).unpgettext(context, singular, plural, n)


def gettext(message: str, **params: Any) -> str:
    return _format(plain_gettext(message), params)


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    params.setdefault("num", n)
    return _format(plain_ngettext(singular, plural, n), params)


def pgettext(context: str, message: str, **params: Any) -> str:
    return _format(plain_pgettext(context, message), params)


def npgettext(context: str, singular: str, plural: str, n: int, **params: Any) -> str:
    params.setdefault("num", n)
    return _format(plain_npgettext(context, singular, plural, n), params)


_ = gettext


def N_(message: str) -> str:
    """Mark a text for extraction only; translate it with gettext(text) where it is shown."""
    return message


def lazy_gettext(message: str, **params: Any) -> str:
    """A text translated each time it is turned into a string, in the locale of that moment:
    for texts built at import time (labels, messages kept in module constants)."""
    proxy: Any = LazyProxy(gettext, message, enable_cache=False, **params)
    return proxy  # type: ignore[no-any-return]


# Numbers and dates as the current locale writes them.

def format_number(n: int | float, locale: str | None = None) -> str:
    """10000 -> "10,000" in English, "10.000" in German."""
    return _number(n, locale or get_locale())


# A page writes thousands of numbers and dates, most of them repeated, and Babel parses the
# locale's name on every call: remembering what was written makes each repeat a lookup.
@lru_cache(maxsize=16_384, typed=True)
def _number(n: int | float, code: str) -> str:
    return format_decimal(n, locale=code)


@lru_cache(maxsize=16_384, typed=True)
def _one_decimal(x: float, code: str) -> str:
    return format_decimal(x, format="#,##0.0", locale=code)


@lru_cache(maxsize=16_384, typed=True)
def _date(value: datetime.date, pattern: str, code: str) -> str:
    return _babel_date(value, pattern, locale=code)


def format_one_decimal(x: float, locale: str | None = None) -> str:
    """3.25 -> "3.3" / "3,3" (a ratio in a sentence)."""
    return _one_decimal(x, locale or get_locale())


def month_name(month: int, locale: str | None = None) -> str:
    """1 -> "January" / "Januar" (standing alone)."""
    return _month_name(month, locale or get_locale())


@cache
def _month_name(month: int, code: str) -> str:
    return str(Locale.parse(code).months["stand-alone"]["wide"][month])


def format_day(value: datetime.date, locale: str | None = None) -> str:
    """"25 November 2026" / "25. November 2026"."""
    code = locale or get_locale()
    return _date(value, "d MMMM y" if code == "en" else "long", code)


def format_month(value: datetime.date, locale: str | None = None) -> str:
    """"February 2025" / "Februar 2025" (the month as a word on its own: LLLL)."""
    return _date(value, "LLLL y", locale or get_locale())


def format_partial(value: datetime.date, precision: str, locale: str | None = None) -> str:
    """A date known to a day, a month or a year, as the locale writes it."""
    if precision == "day":
        return format_day(value, locale)
    if precision == "month":
        return format_month(value, locale)
    return str(value.year)


def format_short_day(value: datetime.date, locale: str | None = None) -> str:
    """"25 Nov 2026" / "25. Nov. 2026": for chart labels, where space is short."""
    code = locale or get_locale()
    return _date(value, "d MMM y" if code == "en" else "medium", code)


def format_short_month(value: datetime.date, locale: str | None = None) -> str:
    """"Feb 2025" / "Feb. 2025"."""
    return _date(value, "LLL y", locale or get_locale())


UNITS = {"people": N_("people")}


def unit_label(unit: str) -> str:
    """A measure's unit in the reader's language when it is a known one ("people"),
    else as the editor wrote it."""
    return gettext(UNITS[unit]) if unit in UNITS else unit


def language_name(code: str) -> str:
    """A language's name in the current locale ("German" / "Deutsch"), for citations."""
    try:
        return Locale.parse(code.replace("-", "_")).get_display_name(get_locale()) or code
    except (ValueError, TypeError, LookupError):
        return code
