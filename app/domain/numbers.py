"""Reading and writing head counts as sources print them: "1,200", "10.000", "1,2 Mio.".

Pure and stdlib-only, so forms, the importer and the API read numbers the same way.
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction

from app import i18n
from app.domain.errors import FigureError

# Anything larger is certainly a typo for a head count, and the cap keeps arithmetic cheap.
MAX_VALUE = 10**15

# Bounds the regex work and the size of error messages for pasted junk.
MAX_INPUT_CHARS = 200

_NUMBER_HELP = i18n.N_(
    "write digits such as 1,200 or 10.000, optionally followed by a word such as "
    "'thousand' or 'million' (1.2 million)."
)


def _could_not_read(text: str) -> FigureError:
    return FigureError(i18n.gettext("Could not read %(text)s as a number: %(help)s",
                                    text=quote(text), help=i18n.gettext(_NUMBER_HELP)))



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
NUM = (
    r"[0-9]+(?:[,.'’ ][0-9]+)*"
    r"(?: ?(?:" + "|".join(re.escape(w) for w in _MULT_WORDS) + r")(?![^\W\d_])\.?)?"
)
_NUM_PARTS_RE = re.compile(
    r"(?P<digits>[0-9]+(?:[,.'’ ][0-9]+)*) ?(?P<mult>[^\W\d_]+)?\.?", re.IGNORECASE
)
NUM_RE = re.compile(NUM, re.IGNORECASE)
NEGATIVE_RE = re.compile(r"[-−–—‐] ?[0-9]")


def normalise(text: str) -> str:
    # NFC so that a decomposed "ü" still matches "über"; whitespace collapsed so patterns can
    # use a single literal space.
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def quote(text: str) -> str:
    shown = text.strip()
    if len(shown) > 60:
        shown = shown[:57] + "…"
    return f"'{shown}'"


def digits_value(digits: str, source: str) -> Fraction:
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
            raise FigureError(i18n.gettext(
                "Could not read %(text)s as a number: thousands separators must be "
                "followed by groups of three digits, as in 1,234,567 or 1.234.567.",
                text=quote(source)))

    whole = int("".join(groups))
    if fraction:
        return whole + Fraction(int(fraction), 10 ** len(fraction))
    return Fraction(whole)


def read_number(num: str) -> tuple[Fraction, int | None]:
    """Split a string matched by _NUM into its value and multiplier (None if none given)."""
    parts = _NUM_PARTS_RE.fullmatch(num)
    if parts is None:  # pragma: no cover - _NUM only matches strings of this shape
        raise _could_not_read(num)
    if len(parts["digits"]) > 40:
        raise _too_large(num)
    value = digits_value(parts["digits"], num)
    word = parts["mult"]
    if word is None:
        return value, None
    if word.lower() in _AMBIGUOUS_MULTIPLIERS:
        raise FigureError(i18n.gettext(
            "%(number)s is ambiguous: write 'million' or 'thousand' in full, "
            "as in 1.2 million or 300 thousand.", number=quote(num)))
    return value, _MULTIPLIERS[word.lower()]


def _too_large(source: str) -> FigureError:
    return FigureError(i18n.gettext(
        "%(number)s is too large: figures above %(max)s are not accepted.",
        number=quote(source), max=format_number(MAX_VALUE)))


def finish(value: Fraction, multiplier: int | None, source: str) -> int:
    scaled = value * (multiplier or 1)
    if scaled.denominator != 1:
        raise FigureError(i18n.gettext(
            "%(number)s is not a whole number: write a whole number such as 1,500, "
            "or use a word such as 'million' (1.5 million).", number=quote(source)))
    result = scaled.numerator
    if result > MAX_VALUE:
        raise _too_large(source)
    return result


def parse_number(text: str) -> int:
    """Read one non-negative whole quantity written in English or German style."""
    cleaned = normalise(text)
    if not cleaned:
        raise FigureError(i18n.gettext("Enter a number: %(help)s",
                                       help=i18n.gettext(_NUMBER_HELP)))
    if len(cleaned) > MAX_INPUT_CHARS:
        raise FigureError(i18n.gettext("Could not read %(text)s as a number: it is too long.",
                                       text=quote(cleaned)))
    if NEGATIVE_RE.match(cleaned):
        raise FigureError(i18n.gettext(
            "Could not read %(text)s as a number: figures cannot be negative.",
            text=quote(cleaned)))
    if NUM_RE.fullmatch(cleaned) is None:
        raise _could_not_read(cleaned)
    value, multiplier = read_number(cleaned)
    return finish(value, multiplier, cleaned)


def format_number(n: int) -> str:
    """1200 -> "1,200" in English, "1.200" in German: the current language's convention
    (app/i18n.py), whatever the input's style."""
    return i18n.format_number(n)
