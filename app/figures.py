"""Reading, checking and writing casualty/troop figures and partial dates.

Sources quote numbers in many shapes ("some 10,000", "1,2 Mio.", "zwischen 1.000 und 3.000"),
so this module turns what an editor types into a small, validated structure and back into a
consistent display form. Everything here is pure and stdlib-only so it can be used from request
handlers, importers and migrations alike.
"""

from __future__ import annotations

import calendar
import datetime
import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction

__all__ = [
    "QUALIFIERS",
    "QUALIFIER_LABELS",
    "Figure",
    "FigureError",
    "PartialDate",
    "check_shape",
    "format_figure",
    "format_number",
    "parse_figure",
    "parse_number",
    "parse_partial_date",
]


class FigureError(ValueError):
    """A figure or date could not be accepted; the message tells the editor what to do instead."""


QUALIFIERS: tuple[str, ...] = (
    "exact",
    "about",
    "at_least",
    "up_to",
    "between",
    "more_than",
    "fewer_than",
)

QUALIFIER_LABELS: dict[str, str] = {
    "exact": "exactly",
    "about": "about",
    "at_least": "at least",
    "up_to": "up to",
    "between": "between",
    "more_than": "more than",
    "fewer_than": "fewer than",
}

# Anything larger is certainly a typo for a head count, and the cap keeps arithmetic cheap.
MAX_VALUE = 10**15

# Bounds the regex work and the size of error messages for pasted junk.
_MAX_INPUT_CHARS = 200

_FIGURE_HELP = "write a number such as 1,200, a range such as 1,000–3,000, or 'at least 300'."
_NUMBER_HELP = (
    "write digits such as 1,200 or 10.000, optionally followed by a word such as "
    "'thousand' or 'million' (1.2 million)."
)


@dataclass(frozen=True)
class Figure:
    low: int | None
    high: int | None
    qualifier: str
    best: int | None = None


# --------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------

# "Billion" is 10**12 in German, but casualty and troop counts never reach that range, so the
# English reading is the only plausible one for this app.
_MULTIPLIERS: dict[str, int] = {
    "k": 10**3,
    "thousand": 10**3,
    "thousands": 10**3,
    "tausend": 10**3,
    "tsd": 10**3,
    "million": 10**6,
    "millions": 10**6,
    "millionen": 10**6,
    "mn": 10**6,
    "mio": 10**6,
    "billion": 10**9,
    "billions": 10**9,
    "bn": 10**9,
    "milliarde": 10**9,
    "milliarden": 10**9,
    "mrd": 10**9,
}

# A bare "m" could be million or (in some style guides) thousand, so it is recognised only in
# order to refuse it with a specific message instead of a generic one.
_AMBIGUOUS_MULTIPLIERS = frozenset({"m"})

_MULT_WORDS = sorted([*_MULTIPLIERS, *_AMBIGUOUS_MULTIPLIERS], key=len, reverse=True)

# Input is whitespace-normalised before matching, so a single space stands for every kind of
# space (no-break, narrow no-break, thin) a source may have used as a thousands separator.
_SEPARATORS = ",.'’ "
_NUM = (
    r"[0-9]+(?:[,.'’ ][0-9]+)*"
    r"(?: ?(?:" + "|".join(re.escape(w) for w in _MULT_WORDS) + r")(?![^\W\d_])\.?)?"
)
_NUM_PARTS_RE = re.compile(
    r"(?P<digits>[0-9]+(?:[,.'’ ][0-9]+)*) ?(?P<mult>[^\W\d_]+)?\.?", re.IGNORECASE
)
_NUM_RE = re.compile(_NUM, re.IGNORECASE)
_NEGATIVE_RE = re.compile(r"[-−–—‐] ?[0-9]")


def _normalise(text: str) -> str:
    # NFC so that a decomposed "ü" still matches "über"; whitespace collapsed so patterns can
    # use a single literal space.
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def _quote(text: str) -> str:
    shown = text.strip()
    if len(shown) > 60:
        shown = shown[:57] + "…"
    return f"'{shown}'"


def _digits_value(digits: str, source: str) -> Fraction:
    """Value of a digit string with thousands and/or decimal separators."""
    parts = re.split(r"([,.'’ ])", digits)
    groups = parts[0::2]
    seps = ["'" if s == "’" else s for s in parts[1::2]]
    if not seps:
        return Fraction(int(digits))

    fraction = ""
    last_sep, last_group = seps[-1], groups[-1]
    mixed_last = len(seps) > 1 and last_sep not in seps[:-1]
    if last_sep in ",." and (len(last_group) != 3 or mixed_last):
        # Only "," and "." ever mark decimals; a different last separator ("1.234,5") or a
        # group that is not three digits long ("1,2") means the writer meant a decimal.
        fraction = last_group
        groups, seps = groups[:-1], seps[:-1]

    if seps:
        well_grouped = (
            len(set(seps)) == 1
            and 1 <= len(groups[0]) <= 3
            and all(len(g) == 3 for g in groups[1:])
            and not (fraction and seps[0] == last_sep)
        )
        if not well_grouped:
            raise FigureError(
                f"Could not read {_quote(source)} as a number: thousands separators must be "
                "followed by groups of three digits, as in 1,234,567 or 1.234.567."
            )

    whole = int("".join(groups))
    if fraction:
        return whole + Fraction(int(fraction), 10 ** len(fraction))
    return Fraction(whole)


def _read_number(num: str) -> tuple[Fraction, int | None]:
    """Split a string matched by _NUM into its value and multiplier (None if none given)."""
    parts = _NUM_PARTS_RE.fullmatch(num)
    if parts is None:  # pragma: no cover - _NUM only matches strings of this shape
        raise FigureError(f"Could not read {_quote(num)} as a number: {_NUMBER_HELP}")
    if len(parts["digits"]) > 40:
        raise _too_large(num)
    value = _digits_value(parts["digits"], num)
    word = parts["mult"]
    if word is None:
        return value, None
    if word.lower() in _AMBIGUOUS_MULTIPLIERS:
        raise FigureError(
            f"{_quote(num)} is ambiguous: write 'million' or 'thousand' in full, "
            "as in 1.2 million or 300 thousand."
        )
    return value, _MULTIPLIERS[word.lower()]


def _too_large(source: str) -> FigureError:
    return FigureError(
        f"{_quote(source)} is too large: figures above {format_number(MAX_VALUE)} are not accepted."
    )


def _finish(value: Fraction, multiplier: int | None, source: str) -> int:
    scaled = value * (multiplier or 1)
    if scaled.denominator != 1:
        raise FigureError(
            f"{_quote(source)} is not a whole number: write a whole number such as 1,500, "
            "or use a word such as 'million' (1.5 million)."
        )
    result = scaled.numerator
    if result > MAX_VALUE:
        raise _too_large(source)
    return result


def parse_number(text: str) -> int:
    """Read one non-negative whole quantity written in English or German style."""
    cleaned = _normalise(text)
    if not cleaned:
        raise FigureError(f"Enter a number: {_NUMBER_HELP}")
    if len(cleaned) > _MAX_INPUT_CHARS:
        raise FigureError(f"Could not read {_quote(cleaned)} as a number: it is too long.")
    if _NEGATIVE_RE.match(cleaned):
        raise FigureError(
            f"Could not read {_quote(cleaned)} as a number: figures cannot be negative."
        )
    if _NUM_RE.fullmatch(cleaned) is None:
        raise FigureError(f"Could not read {_quote(cleaned)} as a number: {_NUMBER_HELP}")
    value, multiplier = _read_number(cleaned)
    return _finish(value, multiplier, cleaned)


def format_number(n: int) -> str:
    """1200 -> "1,200": the app's single display convention regardless of input style."""
    return f"{n:,}"


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


def _prefix(words: list[str]) -> str:
    # Words need a following space so "some300" or "overall 300" are not misread; symbols and
    # abbreviations ending in "." may sit directly against the number ("~300", "ca.300").
    alternatives = []
    for word in sorted(words, key=len, reverse=True):
        escaped = re.escape(word).replace(r"\ ", " ")
        tail = " ?" if not word[-1].isalnum() else " "
        alternatives.append(escaped + tail)
    return "(?:" + "|".join(alternatives) + ")"


_PREFIX_WORDS: dict[str, list[str]] = {
    "about": [
        "about", "approximately", "approx.", "approx", "around", "roughly", "some",
        "circa", "ca.", "ca", "c.", "~", "≈",
        "etwa", "rund", "ungefähr", "ungefaehr", "zirka",
    ],
    "at_least": [
        "at least", "no fewer than", "no less than", "not less than", "≥", ">=",
        "mindestens", "wenigstens",
    ],
    "more_than": [
        "more than", "over", "in excess of", "upwards of", ">",
        "mehr als", "über", "ueber",
    ],
    "up_to": [
        "up to", "as many as", "at most", "no more than", "≤", "<=",
        "bis zu", "höchstens", "hoechstens", "maximal",
    ],
    "fewer_than": [
        "fewer than", "less than", "under", "below", "<",
        "weniger als", "unter",
    ],
}  # fmt: skip

# Longest prefixes first across all qualifiers so ">=" wins over ">" and "no more than" is never
# shadowed by a shorter entry.
_PREFIX_RES: list[tuple[re.Pattern[str], str]] = sorted(
    (
        (re.compile(_prefix([word]), re.IGNORECASE), qualifier)
        for qualifier, words in _PREFIX_WORDS.items()
        for word in words
    ),
    key=lambda item: len(item[0].pattern),
    reverse=True,
)

_DASH = r" ?[-–—] ?"
_RANGE_RE = re.compile(rf"(?P<a>{_NUM})(?:{_DASH}| (?:to|bis) )(?P<b>{_NUM})", re.IGNORECASE)
_BETWEEN_RE = re.compile(
    rf"(?:between|zwischen|from|von) (?P<a>{_NUM})(?: (?:and|und|to|bis) |{_DASH})(?P<b>{_NUM})",
    re.IGNORECASE,
)
_PLUS_RE = re.compile(rf"(?P<a>{_NUM})(?: ?\+| or more| oder mehr)", re.IGNORECASE)


def _range_bounds(a: str, b: str) -> tuple[int, int]:
    a_value, a_mult = _read_number(a)
    b_value, b_mult = _read_number(b)
    high = _finish(b_value, b_mult, b)
    if a_mult is None and b_mult is not None:
        # "1-3 million" means 1,000,000-3,000,000. Only when that reading is impossible but the
        # bare first number fits ("300-1.2 million") is the first number taken as written.
        shared = a_value * b_mult
        if shared > high and a_value <= high and a_value.denominator == 1:
            return _finish(a_value, None, a), high
        return _finish(a_value, b_mult, f"{a} × {format_number(b_mult)}"), high
    return _finish(a_value, a_mult, a), high


def _ranged(low: int, high: int, about: bool) -> Figure:
    if low == high:
        return Figure(low, high, "about" if about else "exact")
    if low > high:
        raise FigureError(
            f"The low figure is above the high figure: {format_number(low)} > "
            f"{format_number(high)}. Put the smaller figure first."
        )
    return Figure(low, high, "about" if about else "between")


def _point_or_range(body: str, about: bool) -> Figure | None:
    if _NUM_RE.fullmatch(body):
        value, multiplier = _read_number(body)
        n = _finish(value, multiplier, body)
        return Figure(n, n, "about" if about else "exact")
    if m := _RANGE_RE.fullmatch(body):
        return _ranged(*_range_bounds(m["a"], m["b"]), about=about)
    return None


def _reject_negative(body: str, original: str) -> None:
    if _NEGATIVE_RE.match(body):
        raise FigureError(
            f"Could not read {_quote(original)} as a figure: figures cannot be negative. "
            + _FIGURE_HELP[0].upper()
            + _FIGURE_HELP[1:]
        )


def _match_figure(cleaned: str) -> Figure | None:
    for prefix_re, qualifier in _PREFIX_RES:
        prefix = prefix_re.match(cleaned)
        if prefix is None:
            continue
        body = cleaned[prefix.end() :]
        _reject_negative(body, cleaned)
        if qualifier == "about":
            return _point_or_range(body, about=True)
        if _NUM_RE.fullmatch(body) is None:
            return None
        value, multiplier = _read_number(body)
        n = _finish(value, multiplier, body)
        if qualifier in ("at_least", "more_than"):
            return Figure(n, None, qualifier)
        return Figure(None, n, qualifier)

    _reject_negative(cleaned, cleaned)
    if m := _BETWEEN_RE.fullmatch(cleaned):
        return _ranged(*_range_bounds(m["a"], m["b"]), about=False)
    if m := _PLUS_RE.fullmatch(cleaned):
        value, multiplier = _read_number(m["a"])
        return Figure(_finish(value, multiplier, m["a"]), None, "at_least")
    return _point_or_range(cleaned, about=False)


def parse_figure(text: str) -> Figure:
    """Read the figure field an editor typed (English or German) into a checked Figure."""
    cleaned = _normalise(text)
    if not cleaned:
        raise FigureError(f"Enter a figure: {_FIGURE_HELP}")
    if len(cleaned) > _MAX_INPUT_CHARS:
        raise FigureError(f"Could not read {_quote(cleaned)} as a figure: it is too long.")
    figure = _match_figure(cleaned)
    if figure is None:
        raise FigureError(f"Could not read {_quote(cleaned)} as a figure: {_FIGURE_HELP}")
    check_shape(figure.low, figure.high, figure.qualifier, figure.best)
    return figure


def _check_value(name: str, value: object) -> None:
    # bool is an int subclass; True as a head count is always a bug upstream.
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise FigureError(f"The {name} figure must be a whole number, not {value!r}.")
    if value < 0:
        raise FigureError(f"The {name} figure cannot be negative: {value}.")
    if value > MAX_VALUE:
        raise FigureError(
            f"The {name} figure {format_number(value)} is too large: figures above "
            f"{format_number(MAX_VALUE)} are not accepted."
        )


def check_shape(low: int | None, high: int | None, qualifier: str, best: int | None = None) -> None:
    """Raise FigureError unless low/high/best make sense for the qualifier."""
    if qualifier not in QUALIFIERS:
        raise FigureError(f"Unknown qualifier {qualifier!r}: use one of {', '.join(QUALIFIERS)}.")
    _check_value("low", low)
    _check_value("high", high)
    _check_value("best", best)
    if low is None and high is None:
        raise FigureError("Give at least a low or a high figure.")
    if low is not None and high is not None and low > high:
        raise FigureError(
            f"The low figure is above the high figure: {format_number(low)} > "
            f"{format_number(high)}."
        )

    label = QUALIFIER_LABELS[qualifier]
    if qualifier in ("exact", "about", "between") and (low is None or high is None):
        raise FigureError(f"'{label}' needs both a low and a high figure.")
    if qualifier == "exact" and low != high:
        raise FigureError(
            "An exact figure needs the same low and high figure; use 'between' for a range."
        )
    if qualifier == "between" and low == high:
        raise FigureError(
            "A 'between' range needs a low figure below the high figure; "
            "use 'exact' for a single number."
        )
    if qualifier in ("at_least", "more_than") and (low is None or high is not None):
        raise FigureError(f"'{label}' takes only a low figure, with no high figure.")
    if qualifier in ("up_to", "fewer_than") and (high is None or low is not None):
        raise FigureError(f"'{label}' takes only a high figure, with no low figure.")

    if best is not None:
        if low is not None and best < low:
            raise FigureError(
                f"The best estimate {format_number(best)} is below the low figure "
                f"{format_number(low)}."
            )
        if high is not None and best > high:
            raise FigureError(
                f"The best estimate {format_number(best)} is above the high figure "
                f"{format_number(high)}."
            )


def format_figure(
    low: int | None, high: int | None, qualifier: str, best: int | None = None
) -> str:
    """Display form that parse_figure reads back to the same low/high/qualifier."""
    check_shape(low, high, qualifier, best)
    if qualifier in ("at_least", "more_than"):
        assert low is not None
        text = f"{QUALIFIER_LABELS[qualifier]} {format_number(low)}"
    elif qualifier in ("up_to", "fewer_than"):
        assert high is not None
        text = f"{QUALIFIER_LABELS[qualifier]} {format_number(high)}"
    else:
        assert low is not None and high is not None
        text = format_number(low)
        if high != low:
            text += f"–{format_number(high)}"
        if qualifier == "about":
            text = f"about {text}"
    # For a point figure best must equal it, so repeating it would only add noise.
    if best is not None and low != high:
        text += f" (best {format_number(best)})"
    return text


# --------------------------------------------------------------------------------------------
# Partial dates
# --------------------------------------------------------------------------------------------

_PRECISIONS = ("day", "month", "year")
_MIN_YEAR, _MAX_YEAR = 1800, 2200
_MONTH_NAMES = (
    "", "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_DATE_HELP = "write the date as YYYY-MM-DD, YYYY-MM or YYYY (for example 2025-01-13)."


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to a day, a month or only a year; value is the first day of the period."""

    value: datetime.date
    precision: str

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
        # Month names are spelled out here rather than via strftime so output never depends on
        # the server locale.
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
        raise FigureError(
            f"{_quote(shown)} is outside the supported years {_MIN_YEAR}–{_MAX_YEAR}: " + _DATE_HELP
        )


def _real_day(year: int, month: int, day: int, shown: str) -> PartialDate:
    _check_year(year, shown)
    try:
        value = datetime.date(year, month, day)
    except ValueError:
        raise FigureError(f"{_quote(shown)} is not a real date: {_DATE_HELP}") from None
    return PartialDate(value, "day")


def parse_partial_date(text: str) -> PartialDate:
    """Read YYYY-MM-DD, YYYY-MM, YYYY or German DD.MM.YYYY into a PartialDate."""
    cleaned = text.strip()
    if not cleaned:
        raise FigureError(f"Enter a date: {_DATE_HELP}")
    if m := _ISO_DAY_RE.fullmatch(cleaned):
        return _real_day(int(m[1]), int(m[2]), int(m[3]), cleaned)
    if m := _GERMAN_DAY_RE.fullmatch(cleaned):
        return _real_day(int(m[3]), int(m[2]), int(m[1]), cleaned)
    if m := _ISO_MONTH_RE.fullmatch(cleaned):
        year, month = int(m[1]), int(m[2])
        _check_year(year, cleaned)
        if not 1 <= month <= 12:
            raise FigureError(f"{_quote(cleaned)} is not a real month: {_DATE_HELP}")
        return PartialDate(datetime.date(year, month, 1), "month")
    if _YEAR_RE.fullmatch(cleaned):
        year = int(cleaned)
        _check_year(year, cleaned)
        return PartialDate(datetime.date(year, 1, 1), "year")
    raise FigureError(f"Could not read {_quote(cleaned)} as a date: {_DATE_HELP}")
