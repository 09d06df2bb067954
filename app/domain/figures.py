"""Figures as sources give them — a point, a range, an open end — read, checked and written.

"some 10,000", "zwischen 1.000 und 3.000", "at least 300" become a Figure (low, high, qualifier,
best); one rule (figure_errors) says what is wrong with a figure, keyed by the field it is about,
for forms, the API and the importer alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.domain.errors import FigureError
from app.domain.numbers import (
    MAX_INPUT_CHARS,
    MAX_VALUE,
    NEGATIVE_RE,
    NUM,
    NUM_RE,
    finish,
    format_number,
    normalise,
    quote,
    read_number,
)
from app.domain.vocabulary import Qualifier

__all__ = [
    "Figure",
    "FigureError",
    "check_shape",
    "figure_errors",
    "format_figure",
    "parse_figure",
    "resolve_figure",
]

_QUALIFIERS = frozenset(q.value for q in Qualifier)
_FIGURE_HELP = "write a number such as 1,200, a range such as 1,000–3,000, or 'at least 300'."


@dataclass(frozen=True)
class Figure:
    low: int | None
    high: int | None
    qualifier: str  # a Qualifier value
    best: int | None = None


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
_RANGE_RE = re.compile(rf"(?P<a>{NUM})(?:{_DASH}| (?:to|bis) )(?P<b>{NUM})", re.IGNORECASE)
_BETWEEN_RE = re.compile(
    rf"(?:between|zwischen|from|von) (?P<a>{NUM})(?: (?:and|und|to|bis) |{_DASH})(?P<b>{NUM})",
    re.IGNORECASE,
)
_PLUS_RE = re.compile(rf"(?P<a>{NUM})(?: ?\+| or more| oder mehr)", re.IGNORECASE)


def _range_bounds(a: str, b: str) -> tuple[int, int]:
    a_value, a_mult = read_number(a)
    b_value, b_mult = read_number(b)
    high = finish(b_value, b_mult, b)
    if a_mult is None and b_mult is not None:
        # "1-3 million" means 1,000,000-3,000,000. Only when that reading is impossible but the
        # bare first number fits ("300-1.2 million") is the first number taken as written.
        shared = a_value * b_mult
        if shared > high and a_value <= high and a_value.denominator == 1:
            return finish(a_value, None, a), high
        return finish(a_value, b_mult, f"{a} × {format_number(b_mult)}"), high
    return finish(a_value, a_mult, a), high


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
    if NUM_RE.fullmatch(body):
        value, multiplier = read_number(body)
        n = finish(value, multiplier, body)
        return Figure(n, n, "about" if about else "exact")
    if m := _RANGE_RE.fullmatch(body):
        return _ranged(*_range_bounds(m["a"], m["b"]), about=about)
    return None


def _reject_negative(body: str, original: str) -> None:
    if NEGATIVE_RE.match(body):
        raise FigureError(
            f"Could not read {quote(original)} as a figure: figures cannot be negative. "
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
        if NUM_RE.fullmatch(body) is None:
            return None
        value, multiplier = read_number(body)
        n = finish(value, multiplier, body)
        if qualifier in ("at_least", "more_than"):
            return Figure(n, None, qualifier)
        return Figure(None, n, qualifier)

    _reject_negative(cleaned, cleaned)
    if m := _BETWEEN_RE.fullmatch(cleaned):
        return _ranged(*_range_bounds(m["a"], m["b"]), about=False)
    if m := _PLUS_RE.fullmatch(cleaned):
        value, multiplier = read_number(m["a"])
        return Figure(finish(value, multiplier, m["a"]), None, "at_least")
    return _point_or_range(cleaned, about=False)


def parse_figure(text: str) -> Figure:
    """Read the figure field an editor typed (English or German) into a checked Figure."""
    cleaned = normalise(text)
    if not cleaned:
        raise FigureError(f"Enter a figure: {_FIGURE_HELP}")
    if len(cleaned) > MAX_INPUT_CHARS:
        raise FigureError(f"Could not read {quote(cleaned)} as a figure: it is too long.")
    figure = _match_figure(cleaned)
    if figure is None:
        raise FigureError(f"Could not read {quote(cleaned)} as a figure: {_FIGURE_HELP}")
    check_shape(figure.low, figure.high, figure.qualifier, figure.best)
    return figure


# --------------------------------------------------------------------------------------------
# The figure-shape rule
# --------------------------------------------------------------------------------------------


def _value_error(name: str, value: object) -> str | None:
    # bool is an int subclass; True as a head count is always a bug upstream.
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        return f"The {name} figure must be a whole number, not {value!r}."
    if value < 0:
        return f"The {name} figure cannot be negative: {value}."
    if value > MAX_VALUE:
        return (
            f"The {name} figure {format_number(value)} is too large: figures above "
            f"{format_number(MAX_VALUE)} are not accepted."
        )
    return None


def _shape_error(low: int | None, high: int | None, qualifier: Qualifier) -> str | None:
    label = qualifier.label
    if qualifier in ("exact", "about", "between") and (low is None or high is None):
        return f"'{label}' needs both a low and a high figure."
    if qualifier == "exact" and low != high:
        return "An exact figure needs the same low and high figure; use 'between' for a range."
    if qualifier == "between" and low == high:
        return (
            "A 'between' range needs a low figure below the high figure; "
            "use 'exact' for a single number."
        )
    if qualifier.takes_low_only and (low is None or high is not None):
        return f"'{label}' takes only a low figure, with no high figure."
    if qualifier.takes_high_only and (high is None or low is not None):
        return f"'{label}' takes only a high figure, with no low figure."
    return None


def figure_errors(
    low: int | None, high: int | None, qualifier: str, best: int | None = None
) -> dict[str, str]:
    """Every problem with this figure, keyed by the field it is about (low, high, best,
    qualifier); empty when the figure makes sense. Later checks need the earlier ones passed."""
    errors: dict[str, str] = {}
    if not isinstance(qualifier, str) or qualifier not in _QUALIFIERS:
        errors["qualifier"] = (
            f"Unknown qualifier {qualifier!r}: use one of {', '.join(Qualifier)}."
        )
    for name, value in (("low", low), ("high", high), ("best", best)):
        problem = _value_error(name, value)
        if problem:
            errors[name] = problem
    if errors:
        return errors
    if low is None and high is None:
        return {"low": "Give at least a low or a high figure."}
    if low is not None and high is not None and low > high:
        return {"low": f"The low figure is above the high figure: {format_number(low)} > "
                       f"{format_number(high)}."}
    shape = _shape_error(low, high, Qualifier(qualifier))
    if shape:
        return {"qualifier": shape}
    if best is not None and low is not None and best < low:
        return {"best": f"The best estimate {format_number(best)} is below the low figure "
                        f"{format_number(low)}."}
    if best is not None and high is not None and best > high:
        return {"best": f"The best estimate {format_number(best)} is above the high figure "
                        f"{format_number(high)}."}
    return {}


def check_shape(low: int | None, high: int | None, qualifier: str, best: int | None = None) -> None:
    """Raise FigureError unless low/high/best make sense for the qualifier."""
    errors = figure_errors(low, high, qualifier, best)
    if errors:
        raise FigureError(" ".join(errors.values()))


def _infer_qualifier(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return Qualifier.EXACT.value if low == high else Qualifier.BETWEEN.value
    return Qualifier.AT_LEAST.value if low is not None else Qualifier.UP_TO.value


def keeps_qualifier(current: str, low: int | None, high: int | None) -> bool:
    """Whether the current qualifier still fits new bounds (an 'about' stays 'about')."""
    return current in _QUALIFIERS and (
        _shape_error(low, high, Qualifier(current)) is None
    )


def resolve_figure(
    *,
    figure: str | None,
    low: int | None,
    high: int | None,
    best: int | None,
    qualifier: str | None,
) -> tuple[Figure | None, dict[str, str]]:
    """What the writer gave (text, or low/high/qualifier) as a checked figure, or the problems
    keyed by field."""
    if figure:
        if low is not None or high is not None:
            return None, {"figure": "Give the figure either as text or as low/high, not both."}
        try:
            parsed = parse_figure(figure)
        except FigureError as exc:
            return None, {"figure": str(exc)}
        low, high = parsed.low, parsed.high
        qualifier = qualifier or parsed.qualifier
    if low is None and high is None:
        return None, {"low": "Give at least a low or a high figure."}
    if not qualifier and high is None:
        # A lone number in a spreadsheet cell is a point figure; "at least" must be said.
        high = low
    qualifier = qualifier or _infer_qualifier(low, high)
    errors = figure_errors(low, high, qualifier, best)
    if errors:
        return None, errors
    return Figure(low, high, qualifier, best), {}


def format_figure(
    low: int | None, high: int | None, qualifier: str, best: int | None = None
) -> str:
    """Display form that parse_figure reads back to the same low/high/qualifier."""
    check_shape(low, high, qualifier, best)
    label = Qualifier(qualifier).label
    if qualifier in ("at_least", "more_than"):
        assert low is not None
        text = f"{label} {format_number(low)}"
    elif qualifier in ("up_to", "fewer_than"):
        assert high is not None
        text = f"{label} {format_number(high)}"
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
