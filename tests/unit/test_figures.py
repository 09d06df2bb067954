"""Behavioural tests for the domain's figures, numbers and partial dates: parsing, validating
and formatting."""

from __future__ import annotations

import datetime

import pytest

from app.domain.dates import PartialDate, parse_partial_date
from app.domain.figures import (
    Figure,
    FigureError,
    check_shape,
    figure_errors,
    format_figure,
    parse_figure,
    resolve_figure,
)
from app.domain.numbers import format_number, parse_number
from app.domain.vocabulary import Qualifier

QUALIFIERS = tuple(q.value for q in Qualifier)

# ---------------------------------------------------------------------------------------------
# Constants and types
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("qualifier", [q for q in Qualifier if q.takes_low_only
                                       or q.takes_high_only or q == Qualifier.ABOUT])
def test_each_hedging_label_reads_back_as_its_qualifier(qualifier: Qualifier) -> None:
    assert parse_figure(f"{qualifier.label} 300").qualifier == qualifier


# ---------------------------------------------------------------------------------------------
# parse_number
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("300", 300),
        ("4000", 4000),
        ("10,000", 10_000),
        ("1,234,567", 1_234_567),
        ("10.000", 10_000),
        ("1.234.567", 1_234_567),
        ("10 000", 10_000),
        ("10\u00a0000", 10_000),
        ("10\u202f000", 10_000),
        ("10\u2009000", 10_000),
        ("1\u00a0234\u00a0567", 1_234_567),
        ("10'000", 10_000),
        ("10’000", 10_000),
        ("1,200", 1_200),
        ("1.200", 1_200),
        ("12,500", 12_500),
        ("10k", 10_000),
        ("10K", 10_000),
        ("10 k", 10_000),
        ("2.5k", 2_500),
        ("10.5k", 10_500),
        ("3 thousand", 3_000),
        ("12,5 Tausend", 12_500),
        ("12 Tsd", 12_000),
        ("12 Tsd.", 12_000),
        ("1 million", 1_000_000),
        ("1.2 million", 1_200_000),
        ("1.2 Million", 1_200_000),
        ("2 millions", 2_000_000),
        ("1,2 Millionen", 1_200_000),
        ("1.5 mn", 1_500_000),
        ("3 mio", 3_000_000),
        ("3 Mio.", 3_000_000),
        ("1.5mio.", 1_500_000),
        ("2 billion", 2_000_000_000),
        ("2 bn", 2_000_000_000),
        ("1 Milliarde", 1_000_000_000),
        ("1,5 Milliarden", 1_500_000_000),
        ("3 Mrd.", 3_000_000_000),
        ("1,234.5 k", 1_234_500),
        ("1.234,5 Tsd.", 1_234_500),
        # A last separator unlike the earlier ones is decimal even before three digits.
        ("1.234,567 Tsd.", 1_234_567),
        ("1,234.567 k", 1_234_567),
        ("  300  ", 300),
        ("\t1,200\n", 1_200),
        ("1000000000000000", 10**15),
    ],
)
def test_parse_number_accepts(text: str, expected: int) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "Enter a number"),
        ("   ", "Enter a number"),
        ("-5", "negative"),
        ("−5", "negative"),
        ("NaN", "'NaN'"),
        ("inf", "'inf'"),
        ("abc", "'abc'"),
        ("1-2-3", "'1-2-3'"),
        ("1e9", "'1e9'"),
        ("300 soldiers", "'300 soldiers'"),
        ("1.2", "not a whole number"),
        ("1,2", "not a whole number"),
        ("1,234.5", "not a whole number"),
        ("1.234,5", "not a whole number"),
        ("1.2345k", "not a whole number"),
        ("12,34,567", "groups of three digits"),
        ("1,234,5678", "groups of three digits"),
        ("1.234.5", "groups of three digits"),
        ("1,000.000,000", "groups of three digits"),
        ("10 5", "groups of three digits"),
        ("1000000000000001", "too large"),
        ("2 million billion", "'2 million billion'"),
        ("9" * 50, "too large"),
        ("10m", "ambiguous"),
        ("10 M", "ambiguous"),
        ("1" * 300, "too long"),
    ],
)
def test_parse_number_rejects(text: str, fragment: str) -> None:
    with pytest.raises(FigureError) as excinfo:
        parse_number(text)
    assert fragment in str(excinfo.value)


def test_parse_number_message_tells_how_to_fix() -> None:
    with pytest.raises(FigureError, match=r"such as 1,200"):
        parse_number("abc")


def test_parse_number_too_large_boundary_after_multiplier() -> None:
    assert parse_number("1000000 billion") == 10**15
    with pytest.raises(FigureError, match="too large"):
        parse_number("1000001 billion")


# ---------------------------------------------------------------------------------------------
# format_number
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, "0"), (300, "300"), (1_200, "1,200"), (12_500, "12,500"), (1_000_000, "1,000,000")],
)
def test_format_number(n: int, expected: str) -> None:
    assert format_number(n) == expected


# ---------------------------------------------------------------------------------------------
# parse_figure
# ---------------------------------------------------------------------------------------------

FIGURE_CASES: list[tuple[str, Figure]] = [
    # exact
    ("300", Figure(300, 300, "exact")),
    ("1,200", Figure(1_200, 1_200, "exact")),
    ("1.2 million", Figure(1_200_000, 1_200_000, "exact")),
    ("  10.000  ", Figure(10_000, 10_000, "exact")),
    # about
    ("about 1,200", Figure(1_200, 1_200, "about")),
    ("About 1,200", Figure(1_200, 1_200, "about")),
    ("approximately 1,200", Figure(1_200, 1_200, "about")),
    ("approx. 1,200", Figure(1_200, 1_200, "about")),
    ("around 1,200", Figure(1_200, 1_200, "about")),
    ("roughly 1,200", Figure(1_200, 1_200, "about")),
    ("some 1,200", Figure(1_200, 1_200, "about")),
    ("circa 1,200", Figure(1_200, 1_200, "about")),
    ("ca. 1,200", Figure(1_200, 1_200, "about")),
    ("ca.1,200", Figure(1_200, 1_200, "about")),
    ("c. 1,200", Figure(1_200, 1_200, "about")),
    ("~1,200", Figure(1_200, 1_200, "about")),
    ("~ 1,200", Figure(1_200, 1_200, "about")),
    ("≈1,200", Figure(1_200, 1_200, "about")),
    ("etwa 1.200", Figure(1_200, 1_200, "about")),
    ("rund 1.200", Figure(1_200, 1_200, "about")),
    ("ungefähr 1.200", Figure(1_200, 1_200, "about")),
    ("Circa 1.200", Figure(1_200, 1_200, "about")),
    ("ca. 1.200", Figure(1_200, 1_200, "about")),
    ("about 1.2 million", Figure(1_200_000, 1_200_000, "about")),
    # between
    ("10,000-12,000", Figure(10_000, 12_000, "between")),
    ("10.000–12.000", Figure(10_000, 12_000, "between")),
    ("10,000—12,000", Figure(10_000, 12_000, "between")),
    ("10,000 - 12,000", Figure(10_000, 12_000, "between")),
    ("10,000 – 12,000", Figure(10_000, 12_000, "between")),
    ("10,000 to 12,000", Figure(10_000, 12_000, "between")),
    ("10.000 bis 12.000", Figure(10_000, 12_000, "between")),
    ("10 000–12 000", Figure(10_000, 12_000, "between")),
    ("between 1,000 and 3,000", Figure(1_000, 3_000, "between")),
    ("Between 1,000 and 3,000", Figure(1_000, 3_000, "between")),
    ("zwischen 1.000 und 3.000", Figure(1_000, 3_000, "between")),
    ("from 1,000 to 3,000", Figure(1_000, 3_000, "between")),
    ("von 1.000 bis 3.000", Figure(1_000, 3_000, "between")),
    ("1-3 million", Figure(1_000_000, 3_000_000, "between")),
    ("1.5–3 Mio.", Figure(1_500_000, 3_000_000, "between")),
    ("10-12k", Figure(10_000, 12_000, "between")),
    ("10k-12k", Figure(10_000, 12_000, "between")),
    ("between 1 and 3 million", Figure(1_000_000, 3_000_000, "between")),
    ("300–1.2 million", Figure(300, 1_200_000, "between")),
    # about a range
    ("about 10,000–12,000", Figure(10_000, 12_000, "about")),
    ("etwa 10.000-12.000", Figure(10_000, 12_000, "about")),
    ("roughly 1-3 million", Figure(1_000_000, 3_000_000, "about")),
    # ranges that collapse to a point
    ("5,000-5,000", Figure(5_000, 5_000, "exact")),
    ("between 300 and 300", Figure(300, 300, "exact")),
    ("about 300–300", Figure(300, 300, "about")),
    # at_least
    ("at least 300", Figure(300, None, "at_least")),
    ("At Least 300", Figure(300, None, "at_least")),
    ("mindestens 300", Figure(300, None, "at_least")),
    ("no fewer than 300", Figure(300, None, "at_least")),
    ("300+", Figure(300, None, "at_least")),
    ("300 +", Figure(300, None, "at_least")),
    ("10k+", Figure(10_000, None, "at_least")),
    ("300 or more", Figure(300, None, "at_least")),
    ("≥ 300", Figure(300, None, "at_least")),
    (">=300", Figure(300, None, "at_least")),
    # more_than
    ("more than 4,000", Figure(4_000, None, "more_than")),
    ("over 4,000", Figure(4_000, None, "more_than")),
    ("in excess of 4,000", Figure(4_000, None, "more_than")),
    ("mehr als 4.000", Figure(4_000, None, "more_than")),
    ("über 4.000", Figure(4_000, None, "more_than")),
    ("Über 4.000", Figure(4_000, None, "more_than")),
    ("u\u0308ber 4.000", Figure(4_000, None, "more_than")),
    ("ueber 4.000", Figure(4_000, None, "more_than")),
    ("> 4,000", Figure(4_000, None, "more_than")),
    # up_to
    ("up to 3,000", Figure(None, 3_000, "up_to")),
    ("as many as 3,000", Figure(None, 3_000, "up_to")),
    ("at most 3,000", Figure(None, 3_000, "up_to")),
    ("no more than 3,000", Figure(None, 3_000, "up_to")),
    ("bis zu 3.000", Figure(None, 3_000, "up_to")),
    ("höchstens 3.000", Figure(None, 3_000, "up_to")),
    ("maximal 3.000", Figure(None, 3_000, "up_to")),
    ("≤3,000", Figure(None, 3_000, "up_to")),
    # fewer_than
    ("fewer than 100", Figure(None, 100, "fewer_than")),
    ("less than 100", Figure(None, 100, "fewer_than")),
    ("under 100", Figure(None, 100, "fewer_than")),
    ("below 100", Figure(None, 100, "fewer_than")),
    ("weniger als 100", Figure(None, 100, "fewer_than")),
    ("unter 100", Figure(None, 100, "fewer_than")),
    ("< 100", Figure(None, 100, "fewer_than")),
    # a noun after the figure is what is counted, not part of it
    ("300 soldiers", Figure(300, 300, "exact")),
    ("300 Soldaten", Figure(300, 300, "exact")),
    ("about 300 troops", Figure(300, 300, "about")),
    # whitespace variants
    ("about\u00a01,200", Figure(1_200, 1_200, "about")),
    ("  at   least   300  ", Figure(300, None, "at_least")),
]


@pytest.mark.parametrize(("text", "expected"), FIGURE_CASES)
def test_parse_figure_accepts(text: str, expected: Figure) -> None:
    assert parse_figure(text) == expected


@pytest.mark.parametrize("text", [t for t, _ in FIGURE_CASES])
def test_parsed_figures_always_have_a_valid_shape(text: str) -> None:
    figure = parse_figure(text)
    check_shape(figure.low, figure.high, figure.qualifier, figure.best)


GENERIC_HINT = "write a number such as 1,200, a range such as 1,000–3,000, or 'at least 300'"


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "1-2-3",
        "10,000-12,000-14,000",
        "about",
        "between 5 and",
        "between 5",
        "NaN",
        "inf",
        "1e9",
        "some300",
        "more than 1,000–2,000",
        "up to 1,000-2,000",
        "at least",
        "300-",
        "5 -",
        "+300",
        "1,000 and 3,000",
        "between 1,000 to",
        "< = 3",
    ],
)
def test_parse_figure_rejects_garbage_with_hint(text: str) -> None:
    with pytest.raises(FigureError) as excinfo:
        parse_figure(text)
    message = str(excinfo.value)
    assert f"'{text}'" in message
    assert GENERIC_HINT in message


def test_parse_figure_message_names_what_was_not_read() -> None:
    with pytest.raises(FigureError) as excinfo:
        parse_figure("1-2-3")
    assert str(excinfo.value) == (
        "Could not read '1-2-3' as a figure: '-3' after '1-2' is not part of a figure, nor the "
        "noun it counts; write a number such as 1,200, a range such as 1,000–3,000, or "
        "'at least 300'."
    )


@pytest.mark.parametrize(("text", "shown"), [("-5", "'-5'"), ("at least -3", "'at least -3'")])
def test_parse_figure_rejects_negative_rather_than_open_range(text: str, shown: str) -> None:
    with pytest.raises(FigureError) as excinfo:
        parse_figure(text)
    message = str(excinfo.value)
    assert "negative" in message
    assert shown in message


@pytest.mark.parametrize("text", ["", "   ", "\u00a0"])
def test_parse_figure_rejects_empty(text: str) -> None:
    with pytest.raises(FigureError, match="Enter a figure"):
        parse_figure(text)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("5,000-3,000", "The low figure is above the high figure: 5,000 > 3,000"),
        ("between 5,000 and 3,000", "The low figure is above the high figure: 5,000 > 3,000"),
        ("about 5.000–3.000", "The low figure is above the high figure: 5,000 > 3,000"),
        ("10k-12", "The low figure is above the high figure: 10,000 > 12"),
        ("1.5", "'1.5' is not a whole number"),
        ("about 1,5", "'1,5' is not a whole number"),
        ("10m", "'10m' is ambiguous"),
        ("at least 1000000000000001", "too large"),
        ("12,34,567", "groups of three digits"),
        ("1" * 300, "too long"),
    ],
)
def test_parse_figure_specific_errors(text: str, fragment: str) -> None:
    with pytest.raises(FigureError) as excinfo:
        parse_figure(text)
    assert fragment in str(excinfo.value)


# ---------------------------------------------------------------------------------------------
# check_shape
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "qualifier", "best"),
    [
        (300, 300, "exact", None),
        (300, 300, "exact", 300),
        (0, 0, "exact", None),
        (1_200, 1_200, "about", None),
        (10_000, 12_000, "about", None),
        (10_000, 12_000, "about", 11_000),
        (10_000, 12_000, "between", None),
        (10_000, 12_000, "between", 10_000),
        (10_000, 12_000, "between", 12_000),
        (300, None, "at_least", None),
        (300, None, "at_least", 500),
        (4_000, None, "more_than", None),
        (None, 3_000, "up_to", None),
        (None, 3_000, "up_to", 2_000),
        (None, 100, "fewer_than", None),
        (None, 0, "fewer_than", None),
    ],
)
def test_check_shape_accepts(
    low: int | None, high: int | None, qualifier: str, best: int | None
) -> None:
    check_shape(low, high, qualifier, best)  # must not raise


@pytest.mark.parametrize(
    ("low", "high", "qualifier", "best", "fragment"),
    [
        (1, 1, "roughly", None, "Unknown qualifier 'roughly': use one of exact, about, "),
        (1, 1, "", None, "Unknown qualifier"),
        (-1, 1, "between", None, "low figure cannot be negative"),
        (1, -1, "between", None, "high figure cannot be negative"),
        (None, -1, "up_to", None, "high figure cannot be negative"),
        (1, 2, "between", -1, "best figure cannot be negative"),
        (None, None, "exact", None, "Give at least a low or a high figure"),
        (None, None, "at_least", None, "Give at least a low or a high figure"),
        (5_000, 3_000, "between", None, "The low figure is above the high figure: 5,000 > 3,000"),
        (5_000, 3_000, "about", None, "The low figure is above the high figure: 5,000 > 3,000"),
        (5_000, 3_000, "exact", None, "The low figure is above the high figure: 5,000 > 3,000"),
        (10_000, 12_000, "between", 13_000, "above the high figure 12,000"),
        (10_000, 12_000, "about", 9_000, "below the low figure 10,000"),
        (300, None, "at_least", 200, "below the low figure 300"),
        (None, 3_000, "up_to", 4_000, "above the high figure 3,000"),
        (300, 300, "exact", 301, "above the high figure 300"),
        (300, 400, "exact", None, "exact figure needs the same low and high"),
        (300, None, "exact", None, "'exactly' needs both a low and a high figure"),
        (None, 300, "exact", None, "'exactly' needs both a low and a high figure"),
        (300, None, "about", None, "'about' needs both a low and a high figure"),
        (None, 300, "between", None, "'between' needs both a low and a high figure"),
        (300, 300, "between", None, "use 'exact' for a single number"),
        (300, 400, "at_least", None, "'at least' takes only a low figure"),
        (None, 400, "at_least", None, "'at least' takes only a low figure"),
        (300, 400, "more_than", None, "'more than' takes only a low figure"),
        (None, 400, "more_than", None, "'more than' takes only a low figure"),
        (300, 400, "up_to", None, "'up to' takes only a high figure"),
        (300, None, "up_to", None, "'up to' takes only a high figure"),
        (300, 400, "fewer_than", None, "'fewer than' takes only a high figure"),
        (300, None, "fewer_than", None, "'fewer than' takes only a high figure"),
        (10**15 + 1, None, "at_least", None, "too large"),
        (True, None, "at_least", None, "must be a whole number"),
        (1.5, None, "at_least", None, "must be a whole number"),
    ],
)
def test_check_shape_rejects(
    low: int | None, high: int | None, qualifier: str, best: int | None, fragment: str
) -> None:
    with pytest.raises(FigureError) as excinfo:
        check_shape(low, high, qualifier, best)
    assert fragment in str(excinfo.value)


def test_check_shape_lists_every_qualifier_for_unknown_one() -> None:
    with pytest.raises(FigureError) as excinfo:
        check_shape(1, 1, "roughly")
    message = str(excinfo.value)
    for qualifier in QUALIFIERS:
        assert qualifier in message


# ---------------------------------------------------------------------------------------------
# format_figure and round trips
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "qualifier", "best", "expected"),
    [
        (1_200, 1_200, "exact", None, "1,200"),
        (1_200, 1_200, "exact", 1_200, "1,200"),
        (1_200, 1_200, "about", None, "about 1,200"),
        (10_000, 12_000, "between", None, "10,000–12,000"),
        (10_000, 12_000, "about", None, "about 10,000–12,000"),
        (300, None, "at_least", None, "at least 300"),
        (4_000, None, "more_than", None, "more than 4,000"),
        (None, 3_000, "up_to", None, "up to 3,000"),
        (None, 100, "fewer_than", None, "fewer than 100"),
        (10_000, 12_000, "between", 11_000, "10,000–12,000 (best 11,000)"),
        (10_000, 12_000, "about", 11_000, "about 10,000–12,000 (best 11,000)"),
        (1_000_000, 3_000_000, "between", None, "1,000,000–3,000,000"),
    ],
)
def test_format_figure(
    low: int | None, high: int | None, qualifier: str, best: int | None, expected: str
) -> None:
    assert format_figure(low, high, qualifier, best) == expected


@pytest.mark.parametrize(
    ("low", "high", "qualifier", "best"),
    [
        (5_000, 3_000, "between", None),
        (None, None, "exact", None),
        (1, 1, "roughly", None),
        (1, 2, "between", 3),
    ],
)
def test_format_figure_rejects_bad_shapes(
    low: int | None, high: int | None, qualifier: str, best: int | None
) -> None:
    with pytest.raises(FigureError):
        format_figure(low, high, qualifier, best)


ROUND_TRIP_CASES: list[Figure] = [
    Figure(0, 0, "exact"),
    Figure(300, 300, "exact"),
    Figure(1_234_567, 1_234_567, "exact"),
    Figure(1_200, 1_200, "about"),
    Figure(10_000, 12_000, "about"),
    Figure(10_000, 12_000, "between"),
    Figure(1, 1_000_000_000, "between"),
    Figure(300, None, "at_least"),
    Figure(4_000, None, "more_than"),
    Figure(None, 3_000, "up_to"),
    Figure(None, 100, "fewer_than"),
    Figure(None, 10**15, "fewer_than"),
]


def test_round_trips_cover_every_qualifier() -> None:
    assert {f.qualifier for f in ROUND_TRIP_CASES} == set(QUALIFIERS)


@pytest.mark.parametrize("figure", ROUND_TRIP_CASES, ids=str)
def test_format_then_parse_round_trip(figure: Figure) -> None:
    text = format_figure(figure.low, figure.high, figure.qualifier)
    assert parse_figure(text) == figure


@pytest.mark.parametrize("text", [t for t, _ in FIGURE_CASES])
def test_parse_then_format_is_stable(text: str) -> None:
    # The canonical form must itself parse to the same figure, whatever the input style.
    figure = parse_figure(text)
    canonical = format_figure(figure.low, figure.high, figure.qualifier)
    assert parse_figure(canonical) == figure
    assert format_figure(figure.low, figure.high, figure.qualifier) == canonical


# ---------------------------------------------------------------------------------------------
# PartialDate
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "precision", "iso", "label", "end"),
    [
        (
            "2025-01-13",
            datetime.date(2025, 1, 13),
            "day",
            "2025-01-13",
            "13 January 2025",
            datetime.date(2025, 1, 13),
        ),
        (
            "2025-01-05",
            datetime.date(2025, 1, 5),
            "day",
            "2025-01-05",
            "5 January 2025",
            datetime.date(2025, 1, 5),
        ),
        (
            "2025-01",
            datetime.date(2025, 1, 1),
            "month",
            "2025-01",
            "January 2025",
            datetime.date(2025, 1, 31),
        ),
        (
            "2024-02",
            datetime.date(2024, 2, 1),
            "month",
            "2024-02",
            "February 2024",
            datetime.date(2024, 2, 29),
        ),
        (
            "2025-02",
            datetime.date(2025, 2, 1),
            "month",
            "2025-02",
            "February 2025",
            datetime.date(2025, 2, 28),
        ),
        (
            "1900-09",
            datetime.date(1900, 9, 1),
            "month",
            "1900-09",
            "September 1900",
            datetime.date(1900, 9, 30),
        ),
        (
            "2025",
            datetime.date(2025, 1, 1),
            "year",
            "2025",
            "2025",
            datetime.date(2025, 12, 31),
        ),
        (
            "1800",
            datetime.date(1800, 1, 1),
            "year",
            "1800",
            "1800",
            datetime.date(1800, 12, 31),
        ),
        (
            "2200",
            datetime.date(2200, 1, 1),
            "year",
            "2200",
            "2200",
            datetime.date(2200, 12, 31),
        ),
        (
            "  2025-01-13 ",
            datetime.date(2025, 1, 13),
            "day",
            "2025-01-13",
            "13 January 2025",
            datetime.date(2025, 1, 13),
        ),
        (
            "13.01.2025",
            datetime.date(2025, 1, 13),
            "day",
            "2025-01-13",
            "13 January 2025",
            datetime.date(2025, 1, 13),
        ),
        (
            "29.02.2024",
            datetime.date(2024, 2, 29),
            "day",
            "2024-02-29",
            "29 February 2024",
            datetime.date(2024, 2, 29),
        ),
        (
            "1.5.2025",
            datetime.date(2025, 5, 1),
            "day",
            "2025-05-01",
            "1 May 2025",
            datetime.date(2025, 5, 1),
        ),
    ],
)
def test_parse_partial_date(
    text: str,
    value: datetime.date,
    precision: str,
    iso: str,
    label: str,
    end: datetime.date,
) -> None:
    parsed = parse_partial_date(text)
    assert parsed == PartialDate(value, precision)
    assert parsed.value == value
    assert parsed.precision == precision
    assert parsed.iso() == iso
    assert str(parsed) == iso
    assert parsed.label() == label
    assert parsed.end() == end


@pytest.mark.parametrize("text", ["2025-01-13", "2025-01", "2025", "2024-12"])
def test_partial_date_iso_round_trip(text: str) -> None:
    assert parse_partial_date(text).iso() == text
    assert parse_partial_date(parse_partial_date(text).iso()) == parse_partial_date(text)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2025-02-30", "'2025-02-30' is not a real date"),
        ("2025-04-31", "'2025-04-31' is not a real date"),
        ("2023-02-29", "'2023-02-29' is not a real date"),
        ("30.02.2025", "'30.02.2025' is not a real date"),
        ("2025-13", "'2025-13' is not a real month"),
        ("2025-00", "'2025-00' is not a real month"),
        ("2025-13-01", "'2025-13-01' is not a real date"),
        ("1799", "'1799' is outside the supported years 1800–2200"),
        ("2201", "'2201' is outside the supported years"),
        ("1799-12-31", "outside the supported years"),
        ("2201-01", "outside the supported years"),
        ("abc", "'abc'"),
        ("2025-1-5", "'2025-1-5'"),
        ("2025-1", "'2025-1'"),
        ("01/2025", "'01/2025'"),
        ("25", "'25'"),
        ("20250113", "'20250113'"),
        ("2025-01-13T10:00", "'2025-01-13T10:00'"),
        ("", "Enter a date"),
        ("   ", "Enter a date"),
    ],
)
def test_parse_partial_date_rejects(text: str, fragment: str) -> None:
    with pytest.raises(FigureError) as excinfo:
        parse_partial_date(text)
    message = str(excinfo.value)
    assert fragment in message
    assert "YYYY-MM-DD, YYYY-MM or YYYY" in message


def test_partial_dates_sort_chronologically() -> None:
    texts = ["2025", "2024-12-31", "2025-02", "2025-01-13", "2023", "2025-01-02"]
    ordered = sorted(parse_partial_date(t) for t in texts)
    assert [d.iso() for d in ordered] == [
        "2023",
        "2024-12-31",
        "2025",
        "2025-01-02",
        "2025-01-13",
        "2025-02",
    ]
    assert parse_partial_date("2024") < parse_partial_date("2025-01-01")
    assert parse_partial_date("2025-01-13") > parse_partial_date("2025-01")


def test_equal_partial_dates_collapse_in_a_set() -> None:
    date = parse_partial_date("2025-01")
    assert {date, parse_partial_date("2025-01"), parse_partial_date("2025-01-01")} == {
        date, parse_partial_date("2025-01-01")}


@pytest.mark.parametrize(
    ("value", "precision", "fragment"),
    [
        (datetime.date(2025, 1, 1), "week", "Unknown date precision 'week'"),
        (datetime.date(2025, 1, 13), "month", "first day of the month"),
        (datetime.date(2025, 3, 1), "year", "1 January"),
        (datetime.datetime(2025, 1, 1, 12, 0), "day", "datetime.date"),
        ("2025-01-01", "day", "datetime.date"),
    ],
)
def test_partial_date_rejects_inconsistent_construction(
    value: object, precision: str, fragment: str
) -> None:
    with pytest.raises(FigureError) as excinfo:
        PartialDate(value, precision)  # type: ignore[arg-type]
    assert fragment in str(excinfo.value)


# ---------------------------------------------------------------------------------------------
# One rule, keyed by field
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "qualifier", "best", "fields"),
    [
        (5_000, 3_000, "between", None, {"low"}),
        (1, 2, "roughly", None, {"qualifier"}),
        (-1, -2, "between", -3, {"low", "high", "best"}),
        (None, None, "exact", None, {"low"}),
        (300, 400, "exact", None, {"qualifier"}),
        (10, 20, "between", 25, {"best"}),
        (10, 20, "between", 15, set()),
    ],
)
def test_figure_errors_name_the_field_they_are_about(
    low: int | None, high: int | None, qualifier: str, best: int | None, fields: set[str]
) -> None:
    assert set(figure_errors(low, high, qualifier, best)) == fields


def test_check_shape_reports_the_same_messages_as_figure_errors() -> None:
    with pytest.raises(FigureError) as excinfo:
        check_shape(5_000, 3_000, "between")
    assert str(excinfo.value) == figure_errors(5_000, 3_000, "between")["low"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"low": 300}, Figure(300, 300, "exact")),
        ({"low": 300, "qualifier": "at_least"}, Figure(300, None, "at_least")),
        ({"high": 3_000}, Figure(None, 3_000, "up_to")),
        ({"low": 10, "high": 20}, Figure(10, 20, "between")),
        ({"figure": "about 1,200"}, Figure(1_200, 1_200, "about")),
        ({"figure": "1,000-3,000", "qualifier": "about"}, Figure(1_000, 3_000, "about")),
        ({"figure": "10-20", "best": 15}, Figure(10, 20, "between", 15)),
    ],
)
def test_resolve_figure_reads_text_or_bounds(given: dict[str, object], expected: Figure) -> None:
    values: dict[str, object] = {"figure": None, "low": None, "high": None, "best": None,
                                 "qualifier": None, **given}
    assert resolve_figure(**values) == (expected, {})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"figure": "about 5", "low": 5}, "figure"),
        ({"figure": "abc"}, "figure"),
        ({}, "low"),
        ({"low": 5, "high": 9, "qualifier": "exact"}, "qualifier"),
        ({"low": 5, "best": 9}, "best"),
    ],
)
def test_resolve_figure_reports_the_field_at_fault(given: dict[str, object], field: str) -> None:
    values: dict[str, object] = {"figure": None, "low": None, "high": None, "best": None,
                                 "qualifier": None, **given}
    figure, errors = resolve_figure(**values)  # type: ignore[arg-type]
    assert figure is None and list(errors) == [field]
