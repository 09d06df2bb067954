"""Figures as sources give them — a point, a range, an open end — read, checked and written.

"some 10,000", "zwischen 1.000 und 3.000", "почти 600 тысяч" become a Figure (low, high,
qualifier, best) through figure_reading; one rule (figure_errors) says what is wrong with a
figure, keyed by the field it is about, for forms, the API and the importer alike.
"""

from __future__ import annotations

from app.domain.errors import FigureError
from app.domain.figure_reading import Figure, Found, Reading, find_figures, read_figure
from app.domain.numbers import MAX_VALUE, format_number
from app.domain.vocabulary import Qualifier
from app.i18n import N_
from app.i18n import gettext as _

__all__ = [
    "Figure",
    "FigureError",
    "Found",
    "Reading",
    "check_shape",
    "figure_errors",
    "find_figures",
    "fitting_qualifier",
    "format_figure",
    "parse_figure",
    "read_figure",
    "resolve_figure",
]

_QUALIFIERS = frozenset(q.value for q in Qualifier)


def parse_figure(text: str, lang: str | None = None) -> Figure:
    """Read the figure field an editor typed (English, German, Russian or Ukrainian news
    style; see figure_reading) into a checked Figure; FigureError names what was not read."""
    figure = read_figure(text, lang).figure
    check_shape(figure.low, figure.high, figure.qualifier, figure.best)
    return figure


# --------------------------------------------------------------------------------------------
# The figure-shape rule
# --------------------------------------------------------------------------------------------


# One whole sentence per field (low, high, best), so each translates on its own.
_NOT_WHOLE = {"low": N_("The low figure must be a whole number, not %(value)s."),
              "high": N_("The high figure must be a whole number, not %(value)s."),
              "best": N_("The best figure must be a whole number, not %(value)s.")}
_NEGATIVE = {"low": N_("The low figure cannot be negative: %(value)s."),
             "high": N_("The high figure cannot be negative: %(value)s."),
             "best": N_("The best figure cannot be negative: %(value)s.")}
_TOO_LARGE = {"low": N_("The low figure %(value)s is too large: figures above %(max)s are not "
                        "accepted."),
              "high": N_("The high figure %(value)s is too large: figures above %(max)s are "
                         "not accepted."),
              "best": N_("The best figure %(value)s is too large: figures above %(max)s are not "
                         "accepted.")}


def _value_error(name: str, value: object) -> str | None:
    # bool is an int subclass; True as a head count is always a bug upstream.
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        return _(_NOT_WHOLE[name], value=repr(value))
    if value < 0:
        return _(_NEGATIVE[name], value=value)
    if value > MAX_VALUE:
        return _(_TOO_LARGE[name], value=format_number(value), max=format_number(MAX_VALUE))
    return None


def _shape_error(low: int | None, high: int | None, qualifier: Qualifier) -> str | None:
    label = qualifier.label
    if qualifier in ("exact", "about", "between") and (low is None or high is None):
        return _("'%(label)s' needs both a low and a high figure.", label=label)
    if qualifier == "exact" and low != high:
        return _("An exact figure needs the same low and high figure; use 'between' for a "
                 "range.")
    if qualifier == "between" and low == high:
        return _("A 'between' range needs a low figure below the high figure; use 'exact' "
                 "for a single number.")
    if qualifier.takes_low_only and (low is None or high is not None):
        return _("'%(label)s' takes only a low figure, with no high figure.", label=label)
    if qualifier.takes_high_only and (high is None or low is not None):
        return _("'%(label)s' takes only a high figure, with no low figure.", label=label)
    return None


def figure_errors(
    low: int | None, high: int | None, qualifier: str, best: int | None = None
) -> dict[str, str]:
    """Every problem with this figure, keyed by the field it is about (low, high, best,
    qualifier); empty when the figure makes sense. Later checks need the earlier ones passed."""
    errors: dict[str, str] = {}
    if not isinstance(qualifier, str) or qualifier not in _QUALIFIERS:
        errors["qualifier"] = _("Unknown qualifier %(qualifier)s: use one of %(choices)s.",
                                qualifier=repr(qualifier), choices=", ".join(Qualifier))
    for name, value in (("low", low), ("high", high), ("best", best)):
        problem = _value_error(name, value)
        if problem:
            errors[name] = problem
    if errors:
        return errors
    if low is None and high is None:
        return {"low": _("Give at least a low or a high figure.")}
    if low is not None and high is not None and low > high:
        return {"low": _("The low figure is above the high figure: %(low)s > %(high)s.",
                         low=format_number(low), high=format_number(high))}
    shape = _shape_error(low, high, Qualifier(qualifier))
    if shape:
        return {"qualifier": shape}
    if best is not None and low is not None and best < low:
        return {"best": _("The best estimate %(best)s is below the low figure %(low)s.",
                          best=format_number(best), low=format_number(low))}
    if best is not None and high is not None and best > high:
        return {"best": _("The best estimate %(best)s is above the high figure %(high)s.",
                          best=format_number(best), high=format_number(high))}
    return {}


def check_shape(low: int | None, high: int | None, qualifier: str, best: int | None = None) -> None:
    """Raise FigureError unless low/high/best make sense for the qualifier."""
    errors = figure_errors(low, high, qualifier, best)
    if errors:
        raise FigureError(" ".join(errors.values()))


def fitting_qualifier(low: int | None, high: int | None, qualifier: str) -> str:
    """The qualifier a figure has under the shape rule: a 'between' range that is one number
    (low = high, which data loaded without these rules may hold) is that number, 'exact'.
    The importer reads and the exporter writes it so, so such a row round-trips."""
    if qualifier == Qualifier.BETWEEN.value and low is not None and low == high:
        return Qualifier.EXACT.value
    return qualifier


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
            return None, {"figure": _("Give the figure either as text or as low/high, not "
                                      "both.")}
        try:
            parsed = parse_figure(figure)
        except FigureError as exc:
            return None, {"figure": str(exc)}
        low, high = parsed.low, parsed.high
        qualifier = qualifier or parsed.qualifier
    if low is None and high is None:
        return None, {"low": _("Give at least a low or a high figure.")}
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
    """Display form that parse_figure reads back to the same low/high/qualifier, in the
    current language (app/i18n.py): "about 10,000" / "etwa 10.000"; one whole phrase per
    qualifier, so a translation may order its words as the language needs."""
    check_shape(low, high, qualifier, best)
    if qualifier in ("at_least", "more_than"):
        assert low is not None
        phrase = _("at least %(low)s") if qualifier == "at_least" else _("more than %(low)s")
        text = phrase % {"low": format_number(low)}
    elif qualifier in ("up_to", "fewer_than"):
        assert high is not None
        phrase = _("up to %(high)s") if qualifier == "up_to" else _("fewer than %(high)s")
        text = phrase % {"high": format_number(high)}
    else:
        assert low is not None and high is not None
        text = format_number(low)
        if high != low:
            text = _("%(low)s–%(high)s") % {"low": text, "high": format_number(high)}
        if qualifier == "about":
            text = _("about %(figure)s") % {"figure": text}
    # For a point figure best must equal it, so repeating it would only add noise.
    if best is not None and low != high:
        text = _("%(figure)s (best %(best)s)") % {"figure": text, "best": format_number(best)}
    return text
