"""The rules of comparison: which figure is a source's latest, what is compared with what, and
what the sentence says — on plain values, without a database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from app.domain.comparison import (
    Choices,
    dated_by,
    latest,
    left_out_because,
    overlap_or_gap,
    select_claims,
    spread_sentence,
)
from app.domain.dates import PartialDate, parse_partial_date


@dataclass(frozen=True)
class Fig:
    source_key: str
    low: int | None
    high: int | None
    qualifier: str = "exact"
    when: PartialDate | None = None
    scope: str = "total"
    scope_note: str = ""
    confidence: str = "reported"
    confidence_note: str = ""
    party: bool = False
    recorded: int = 0

    @property
    def label(self) -> str:
        return self.source_key.upper()

    @property
    def value_label(self) -> str:
        return f"{self.low}-{self.high}"


def d(text: str) -> PartialDate:
    return parse_partial_date(text)


# ---- which figure is the latest -----------------------------------------------------------

def test_a_figure_is_dated_by_as_of_else_stated_on_else_its_citations() -> None:
    assert dated_by(d("2024"), d("2025-02"), dt.date(2025, 3, 1)) == d("2024")
    assert dated_by(None, d("2025-02"), dt.date(2025, 3, 1)) == d("2025-02")
    assert dated_by(None, None, dt.date(2025, 3, 1)) == d("2025-03-01")
    assert dated_by(None, None, None) is None


def test_a_recent_stated_on_beats_an_old_as_of() -> None:
    old = Fig("a", 1, 1, when=d("2023-05"), recorded=9)
    recent = Fig("a", 2, 2, when=dated_by(None, d("2025-01-10"), None), recorded=1)
    assert latest([old, recent]) is recent


def test_an_undated_figure_never_displaces_a_dated_one() -> None:
    dated = Fig("a", 1, 1, when=d("2020"), recorded=1)
    undated = Fig("a", 2, 2, when=None, recorded=99)
    assert latest([undated, dated]) is dated
    assert latest([undated]) is undated


def test_on_the_same_day_a_total_wins_then_the_later_recorded() -> None:
    total = Fig("a", 1000, 1000, when=d("2025-01-13"), recorded=1)
    area = Fig("a", 300, 300, when=d("2025-01-13"), scope="area", scope_note="Kursk",
                recorded=2)
    assert latest([area, total]) is total
    newer_total = Fig("a", 1100, 1100, when=d("2025-01-13"), recorded=3)
    assert latest([total, area, newer_total]) is newer_total


# ---- what is compared ---------------------------------------------------------------------

def test_partial_figures_are_shown_beside_with_their_note() -> None:
    total = Fig("nis", 10_000, 12_000, "about", when=d("2024"))
    more = Fig("media", 1_000, 3_000, "between", when=d("2025-02"), scope="increment",
               scope_note="additional troops sent this month")
    compared, beside = select_claims([total, more])
    assert compared == [total]
    assert [(f, r.text, r.partial) for f, r in beside] == [
        (more, "in addition to an earlier figure: additional troops sent this month", True)]


def test_each_source_keeps_its_latest_total_beside_a_later_partial_figure() -> None:
    total = Fig("a", 5_000, 5_000, when=d("2025-01"))
    week = Fig("a", 200, 200, when=d("2025-03"), scope="period", scope_note="one week")
    compared, beside = select_claims([total, week])
    assert compared == [total] and [f for f, _ in beside] == [week]


def test_a_disputed_latest_total_is_not_compared_and_no_older_total_stands_in() -> None:
    older = Fig("a", 100, 100, when=d("2024"))
    disputed = Fig("a", 900, 900, when=d("2025"), confidence="disputed",
                   confidence_note="contradicts the same ministry")
    compared, beside = select_claims([older, disputed])
    assert compared == []
    assert [(f, r.text) for f, r in beside] == [
        (disputed, "disputed: contradicts the same ministry")]


@pytest.mark.parametrize(("choices", "compared_keys"), [
    (Choices(), ["gov", "ngo", "party"]),
    (Choices(exclude_parties=True), ["gov", "ngo"]),
    (Choices(exclude_uncertain=True), ["gov", "party"]),
    (Choices(sources=frozenset({"gov", "party"})), ["gov", "party"]),
    (Choices(dated_from=dt.date(2025, 1, 1)), ["ngo", "party"]),
    (Choices(dated_to=dt.date(2024, 12, 31)), ["gov"]),
    (Choices(include_partial=True), ["gov", "gov", "ngo", "party"]),
])
def test_the_readers_choices(choices: Choices, compared_keys: list[str]) -> None:
    figures = [
        Fig("gov", 100, 100, when=d("2024-06")),
        Fig("gov", 40, 40, when=d("2025-02"), scope="area", scope_note="one region"),
        Fig("ngo", 150, 150, when=d("2025-01"), confidence="uncertain",
            confidence_note="date inferred"),
        Fig("party", 900, 900, when=d("2025-02"), party=True),
    ]
    compared, beside = select_claims(figures, choices)
    assert sorted(f.source_key for f in compared) == compared_keys
    in_view = [f for f in figures if choices.admits(f)]
    # Nothing in view is dropped: what is not compared is shown beside.
    assert len(compared) + len(beside) == len(in_view)


def test_left_out_reasons_name_the_readers_choice() -> None:
    party = Fig("p", 1, 1, party=True)
    assert left_out_because(party, Choices()) is None
    reason = left_out_because(party, Choices(exclude_parties=True))
    assert reason is not None and reason.text == "party to the conflict, left out by your choice"
    assert not reason.partial


# ---- the band and the sentence ------------------------------------------------------------

def test_the_sentence_states_open_ends_as_bounds() -> None:
    nis = Fig("nis", 300, 300, "about", when=d("2025-01"))
    us = Fig("us officials", 1_100, None, "more_than", when=d("2025-01"))
    overlap, gap = overlap_or_gap([nis, us])
    sentence = spread_sentence([nis, us], overlap, gap)
    assert sentence.startswith(
        "Estimates range from 300 (NIS) to more than 1,100 (US OFFICIALS); "
        "the highest is at least 3.7 times the lowest.")
    assert "No single figure is consistent with every source." in sentence


def test_an_open_bottom_lowest_figure_says_so() -> None:
    low = Fig("a", None, 80_000, "fewer_than", when=d("2025-01"))
    high = Fig("b", 120_000, 120_000, when=d("2025-01"))
    assert spread_sentence([low, high], *overlap_or_gap([low, high])).startswith(
        "Estimates range from fewer than 80,000 (A) to 120,000 (B); the highest is at least "
        "1.5 times the lowest.")


def test_the_sentence_names_the_dates_when_figures_lie_far_apart() -> None:
    early = Fig("a", 5_937, 5_937, when=d("2022-09"))
    late = Fig("b", 325_000, 325_000, when=d("2025-12"))
    sentence = spread_sentence([early, late], *overlap_or_gap([early, late]))
    assert sentence.endswith(" The figures compared are dated from September 2022 to "
                             "December 2025.")
    close = Fig("c", 6_000, 6_000, when=d("2023-01"))
    assert "dated from" not in spread_sentence([early, close], *overlap_or_gap([early, close]))


def test_the_sentence_counts_the_figures_shown_beside() -> None:
    only = Fig("nis", 10_000, 12_000, "about", when=d("2024"))
    assert spread_sentence([only], None, None, beside=1) == (
        "Only one source so far: NIS, 10000-12000. 1 other figure is shown below, not compared.")
    assert spread_sentence([], None, None, beside=2) == (
        "No figures to compare yet. 2 other figures are shown below, not compared.")
