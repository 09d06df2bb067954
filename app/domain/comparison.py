"""What is compared with what: each source's latest figure, the rule that only like is compared
with like, the reader's choices, and the band where the compared figures overlap.

The rule for a source's *latest* figure, used by every page and the API:
1. a figure is dated by its `as_of`, else its `stated_on`, else its citations' earliest
   `published_on` (a month or a year counts from its first day);
2. the later date wins; a figure with none of these dates never displaces a dated one;
3. on the same date a total is preferred over a partial scope, then the later-recorded figure.

A source's figures are kept apart by scope: its latest total, its latest increment, its latest
area figure… The comparison (overlap band or gap, and the spread sentence) takes each source's
latest total unless it is disputed (or left out by the reader's choice); the reader may also
include the partial figures. Every other one of those latest figures is shown beside the
comparison with the reason, never dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from app.domain.dates import PartialDate
from app.domain.figures import format_figure
from app.domain.numbers import format_number
from app.domain.vocabulary import Confidence, Scope
from app.i18n import format_one_decimal, gettext, ngettext

# Figures further apart than this are named with their dates when they are compared.
SIX_MONTHS_DAYS = 183


class Claim(Protocol):
    """A figure as the comparison needs it."""

    @property
    def source_key(self) -> str: ...
    @property
    def scope(self) -> str: ...
    @property
    def scope_note(self) -> str: ...
    @property
    def confidence(self) -> str: ...
    @property
    def confidence_note(self) -> str: ...
    @property
    def party(self) -> bool: ...
    @property
    def when(self) -> PartialDate | None: ...
    @property
    def recorded(self) -> int: ...


C = TypeVar("C", bound=Claim)


def dated_by(as_of: PartialDate | None, stated_on: PartialDate | None,
             published_on: dt.date | None) -> PartialDate | None:
    """The date a figure is placed by: as_of, else stated_on, else when it was published."""
    if as_of is not None:
        return as_of
    if stated_on is not None:
        return stated_on
    return PartialDate(published_on, "day") if published_on is not None else None


def latest_key(claim: Claim) -> tuple[bool, dt.date, bool, int]:
    """Larger is later, by the rule in this module's docstring."""
    when = claim.when
    return (when is not None, when.value if when else dt.date.min, claim.scope == Scope.TOTAL,
            claim.recorded)


def latest(claims: Iterable[C]) -> C | None:
    return max(claims, key=latest_key, default=None)


@dataclass(frozen=True)
class Choices:
    """What the reader chose to compare; the defaults compare every source's latest total."""

    exclude_parties: bool = False
    sources: frozenset[str] = frozenset()  # empty: every source
    dated_from: dt.date | None = None
    dated_to: dt.date | None = None
    include_partial: bool = False
    exclude_uncertain: bool = False

    @property
    def is_default(self) -> bool:
        return self == Choices()

    def admits(self, claim: Claim) -> bool:
        """Whether the figure is in view at all (the chosen sources, the chosen dates)."""
        if self.sources and claim.source_key not in self.sources:
            return False
        if self.dated_from is None and self.dated_to is None:
            return True
        when = claim.when
        if when is None:
            return False
        return ((self.dated_from is None or when.end() >= self.dated_from)
                and (self.dated_to is None or when.value <= self.dated_to))


@dataclass(frozen=True)
class LeftOut:
    """Why a figure is shown beside the comparison instead of in it."""

    text: str
    partial: bool = False  # not a total: it is not comparable with totals


def left_out_because(claim: Claim, choices: Choices) -> LeftOut | None:
    """Why a source's latest figure is not compared; None when it is."""
    if claim.scope != Scope.TOTAL and not choices.include_partial:
        label = Scope(claim.scope).label
        return LeftOut(gettext("%(label)s: %(note)s", label=label, note=claim.scope_note)
                       if claim.scope_note else label, partial=True)
    if claim.confidence == Confidence.DISPUTED:
        return LeftOut(gettext("disputed: %(note)s", note=claim.confidence_note)
                       if claim.confidence_note else gettext("disputed"))
    if choices.exclude_uncertain and claim.confidence == Confidence.UNCERTAIN:
        return LeftOut(gettext("uncertain, left out by your choice"))
    if choices.exclude_parties and claim.party:
        return LeftOut(gettext("party to the conflict, left out by your choice"))
    return None


def select_claims(
    claims: Iterable[C], choices: Choices = Choices()
) -> tuple[list[C], list[tuple[C, LeftOut]]]:
    """The figures in view, split into those compared and those shown beside (with the reason):
    for each source, its latest figure of each scope."""
    latest_of: dict[tuple[str, str], C] = {}
    for claim in claims:
        if not choices.admits(claim):
            continue
        key = (claim.source_key, claim.scope)
        known = latest_of.get(key)
        if known is None or latest_key(claim) > latest_key(known):
            latest_of[key] = claim
    compared: list[C] = []
    beside: list[tuple[C, LeftOut]] = []
    for _, claim in sorted(latest_of.items(), key=lambda item: (item[0][0], _SCOPES[item[0][1]])):
        reason = left_out_because(claim, choices)
        if reason is not None:
            beside.append((claim, reason))
        else:
            compared.append(claim)
    return compared, beside


_SCOPES = {scope.value: order for order, scope in enumerate(Scope)}


# ---- the band and the sentence -------------------------------------------------------------

class Compared(Protocol):
    """A compared figure as the band and the sentence need it."""

    @property
    def label(self) -> str: ...
    @property
    def low(self) -> int | None: ...
    @property
    def high(self) -> int | None: ...
    @property
    def qualifier(self) -> str: ...
    @property
    def value_label(self) -> str: ...
    @property
    def when(self) -> PartialDate | None: ...


@dataclass(frozen=True)
class Span:
    """The overlap of all compared figures, or the gap between them; high None: no upper end."""

    low: int
    high: int | None

    @property
    def is_point(self) -> bool:
        return self.high == self.low


def overlap_or_gap(figures: Sequence[Compared]) -> tuple[Span | None, Span | None]:
    if len(figures) < 2:
        return None, None
    # Open bottoms reach down to zero and open tops go on forever.
    lo = max(f.low if f.low is not None else 0 for f in figures)
    highs = [f.high for f in figures if f.high is not None]
    hi = min(highs) if highs else None
    if hi is None or lo <= hi:
        return Span(lo, hi), None
    return None, Span(hi, lo)


def _join_names(names: Sequence[str]) -> str:
    if len(names) == 1:
        return names[0]
    return gettext("%(names)s and %(last)s", names=", ".join(names[:-1]), last=names[-1])


def _ratio_text(ratio: float) -> str:
    one_decimal = f"{ratio:.1f}"
    # 9.96 would print as "10.0"; from ten on whole numbers are precise enough.
    if ratio < 10 and one_decimal != "10.0":
        return format_one_decimal(float(one_decimal))
    return format_number(round(ratio))


def _extreme(figures: Sequence[Compared], value_of: Callable[[Compared], tuple[int, bool]],
             pick: Callable[[Iterable[int]], int]) -> tuple[int, bool, str, list[str]]:
    """The lowest or highest figure: its value, whether it is only a bound (an open end),
    the qualifier of that bound ("" when a figure is closed), and who gave it."""
    extreme = pick(value_of(f)[0] for f in figures)
    at = [f for f in figures if value_of(f)[0] == extreme]
    # One source's closed figure makes the extreme a figure, not just a bound.
    closed = [f for f in at if not value_of(f)[1]]
    words = "" if closed else at[0].qualifier
    return extreme, not closed, words, list(dict.fromkeys(f.label for f in at))


def _bottom(f: Compared) -> tuple[int, bool]:
    if f.low is not None:
        return f.low, False
    assert f.high is not None
    return f.high, True


def _top(f: Compared) -> tuple[int, bool]:
    if f.high is not None:
        return f.high, False
    assert f.low is not None
    return f.low, True


def _bound_text(qualifier: str, value: int) -> str:
    """A lowest or highest value, with the words of its open end: "at least 300"."""
    if qualifier in ("at_least", "more_than"):
        return format_figure(value, None, qualifier)
    if qualifier in ("up_to", "fewer_than"):
        return format_figure(None, value, qualifier)
    return format_number(value)


def _dates_clause(figures: Sequence[Compared]) -> str:
    dated = sorted((f.when for f in figures if f.when is not None), key=lambda d: d.value)
    if len(dated) < 2 or (dated[-1].value - dated[0].value).days <= SIX_MONTHS_DAYS:
        return ""
    undated = len(figures) - len(dated)
    first, last = dated[0].label(), dated[-1].label()
    if undated:
        return " " + gettext("The figures compared are dated from %(first)s to %(last)s "
                       "(%(undated)s undated).", first=first, last=last,
                       undated=format_number(undated))
    return " " + gettext("The figures compared are dated from %(first)s to %(last)s.",
                   first=first, last=last)


def _beside_clause(beside: int) -> str:
    if not beside:
        return ""
    return " " + ngettext("%(count)s other figure is shown below, not compared.",
                          "%(count)s other figures are shown below, not compared.",
                          beside, count=format_number(beside))


def spread_sentence(figures: Sequence[Compared], overlap: Span | None, gap: Span | None,
                    *, beside: int = 0) -> str:
    """Plain sentences, each whole in the reader's language: who says least, who says most,
    how far apart, whether one figure fits every source, and how far apart in time the
    compared figures are."""
    if not figures:
        if beside:
            return gettext("No figures to compare yet.") + _beside_clause(beside)
        return gettext("No estimates yet.")
    if len(figures) == 1:
        only = figures[0]
        return gettext("Only one source so far: %(source)s, %(figure)s.", source=only.label,
                 figure=only.value_label) + _beside_clause(beside)
    lowest, low_open, low_words, low_names = _extreme(figures, _bottom, min)
    highest, high_open, high_words, high_names = _extreme(figures, _top, max)
    if lowest == highest and not (low_open or high_open):
        # Everyone says the same number, so the overlap suffix would only repeat it.
        if len(figures) == 2:
            agree = gettext("Both sources agree: %(figure)s.", figure=format_number(lowest))
        else:
            agree = ngettext("All %(count)s sources agree: %(figure)s.",
                             "All %(count)s sources agree: %(figure)s.", len(figures),
                             count=format_number(len(figures)), figure=format_number(lowest))
        return agree + _beside_clause(beside)
    parts = {"low": _bound_text(low_words, lowest), "low_names": _join_names(low_names),
             "high": _bound_text(high_words, highest), "high_names": _join_names(high_names)}
    if 0 < lowest < highest:
        ratio = _ratio_text(highest / lowest)
        if low_open or high_open:
            text = gettext("Estimates range from %(low)s (%(low_names)s) to %(high)s "
                     "(%(high_names)s); the highest is at least %(ratio)s times the lowest.",
                     ratio=ratio, **parts)
        else:
            text = gettext("Estimates range from %(low)s (%(low_names)s) to %(high)s "
                     "(%(high_names)s); the highest is %(ratio)s times the lowest.",
                     ratio=ratio, **parts)
    else:
        text = gettext("Estimates range from %(low)s (%(low_names)s) to %(high)s (%(high_names)s).",
                 **parts)
    if gap is not None:
        text += " " + gettext("No single figure is consistent with every source.")
    elif overlap is not None:
        if overlap.high is None:
            common = format_figure(overlap.low, None, "at_least")
        elif overlap.is_point:
            common = format_number(overlap.low)
        elif overlap.low == 0:
            common = format_figure(None, overlap.high, "up_to")
        else:
            common = format_figure(overlap.low, overlap.high, "between")
        text += " " + gettext("All sources are consistent with %(common)s.", common=common)
    return text + _dates_clause(figures) + _beside_clause(beside)
