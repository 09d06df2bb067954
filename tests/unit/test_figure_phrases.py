"""The figure reader on phrasings as news write them, in English, German, Russian and
Ukrainian: each read as a careful editor would, or refused with a reason that names the
phrase — never silently misread."""

from __future__ import annotations

import pytest

from app.domain.figures import (
    Figure,
    FigureError,
    find_figures,
    format_figure,
    parse_figure,
    read_figure,
)

A, E, B = "about", "exact", "between"
M, L, U, F = "more_than", "at_least", "up_to", "fewer_than"


def fig(q: str, low: int | None, high: int | None = None) -> Figure:
    if q in (M, L):
        return Figure(low, None, q)
    if q in (U, F):
        return Figure(None, low, q)
    return Figure(low, low if high is None else high, q)


# The phrases listed at the top of issue 12, as a careful editor reads them.
ISSUE_PHRASES: list[tuple[str, Figure]] = [
    ("nearly 600,000", fig(A, 600_000)),
    ("almost 1 million", fig(A, 1_000_000)),
    ("an estimated 11,000", fig(A, 11_000)),
    ("in the vicinity of 15,000", fig(A, 15_000)),
    ("a bit more than 7,000", fig(M, 7_000)),
    ("well over 100,000", fig(M, 100_000)),
    ("knapp 600.000", fig(A, 600_000)),
    ("fast 4000", fig(A, 4_000)),
    ("one thousand", fig(E, 1_000)),
    ("five thousand", fig(E, 5_000)),
    ("half a million", fig(E, 500_000)),
    ("some 12-thousand", fig(A, 12_000)),
    ("some 15-hundred", fig(A, 1_500)),
    ("mehr als eine Million", fig(M, 1_000_000)),
    ("100,000-plus", fig(M, 100_000)),
    ("70 or 80,000", fig(B, 70_000, 80_000)),
    ("10,000-12,000 soldiers", fig(B, 10_000, 12_000)),
    ("around 1,100 casualties", fig(A, 1_100)),
    ("mehr als 45.000 Soldaten", fig(M, 45_000)),
    ("более 46 тысяч", fig(M, 46_000)),
    ("около 1200", fig(A, 1_200)),
    ("свыше 700 тысяч", fig(M, 700_000)),
    ("не менее 100", fig(L, 100)),
    ("до 3000", fig(U, 3_000)),
    ("примерно 1,2 млн", fig(A, 1_200_000)),
    ("от 10 до 12 тысяч", fig(B, 10_000, 12_000)),
    ("почти 600 тысяч", fig(A, 600_000)),
    ("близько 1,200", fig(A, 1_200)),
    ("понад 3000", fig(M, 3_000)),
    ("понад 45 тисяч", fig(M, 45_000)),
    ("щонайменше 100", fig(L, 100)),
    ("до 3 тисяч", fig(U, 3_000)),
    ("майже 600 тисяч", fig(A, 600_000)),
    ("1,2 млн", fig(E, 1_200_000)),
]

EN: list[tuple[str, Figure]] = [
    ("about 1,200", fig(A, 1_200)), ("around 300 troops", fig(A, 300)),
    ("roughly 2,000", fig(A, 2_000)), ("approximately 1.5 million", fig(A, 1_500_000)),
    ("some 11,000 North Korean soldiers", fig(A, 11_000)), ("nearly 2,000", fig(A, 2_000)),
    ("almost 500 people", fig(A, 500)), ("close to 3,000", fig(A, 3_000)),
    ("an estimated 4,000 casualties", fig(A, 4_000)), ("estimated 700", fig(A, 700)),
    ("in the region of 5,000", fig(A, 5_000)), ("more than 4,000", fig(M, 4_000)),
    ("over 1,000 wounded", fig(M, 1_000)), ("upwards of 10,000", fig(M, 10_000)),
    ("just over 600", fig(M, 600)), ("at least 300 killed", fig(L, 300)),
    ("no fewer than 200", fig(L, 200)), ("up to 3,000", fig(U, 3_000)),
    ("as many as 12,000", fig(U, 12_000)), ("fewer than 100", fig(F, 100)),
    ("less than 50", fig(F, 50)), ("under 1,000", fig(F, 1_000)),
    ("just under 2,000", fig(F, 2_000)), ("between 1,000 and 3,000", fig(B, 1_000, 3_000)),
    ("from 10 to 12 thousand", fig(B, 10_000, 12_000)),
    ("10 to 12 thousand", fig(B, 10_000, 12_000)),
    ("10,000 to 12,000", fig(B, 10_000, 12_000)), ("1-3 million", fig(B, 10**6, 3 * 10**6)),
    ("two to three thousand", fig(B, 2_000, 3_000)), ("a thousand", fig(E, 1_000)),
    ("a million", fig(E, 1_000_000)), ("twelve hundred", fig(E, 1_200)),
    ("twenty-five thousand", fig(E, 25_000)), ("three hundred", fig(E, 300)),
    ("a quarter million", fig(E, 250_000)), ("a half million", fig(E, 500_000)),
    ("2.5 million", fig(E, 2_500_000)), ("12k", fig(E, 12_000)),
    ("300 or more", fig(L, 300)), ("10,000+", fig(L, 10_000)),
    ("1,200 killed", fig(E, 1_200)), ("more than half a million", fig(M, 500_000)),
    ("about 10,000-12,000 soldiers", fig(A, 10_000, 12_000)),
    ("10 or 12", fig(B, 10, 12)), ("1.200", fig(E, 1_200)),
]  # fmt: skip

DE: list[tuple[str, Figure]] = [
    ("etwa 1.200", fig(A, 1_200)), ("rund 10.000 Soldaten", fig(A, 10_000)),
    ("ungefähr 300", fig(A, 300)), ("ca. 5.000", fig(A, 5_000)), ("circa 700", fig(A, 700)),
    ("knapp 2.000 Verwundete", fig(A, 2_000)), ("fast 600", fig(A, 600)),
    ("gut 4.000", fig(A, 4_000)), ("schätzungsweise 11.000", fig(A, 11_000)),
    ("beinahe 900", fig(A, 900)), ("mehr als 4.000", fig(M, 4_000)),
    ("über 1.000 Tote", fig(M, 1_000)), ("gut über 100.000", fig(M, 100_000)),
    ("weit über 50.000", fig(M, 50_000)), ("mindestens 300", fig(L, 300)),
    ("wenigstens 20", fig(L, 20)), ("bis zu 3.000", fig(U, 3_000)),
    ("höchstens 500", fig(U, 500)), ("weniger als 100", fig(F, 100)),
    ("unter 1.000", fig(F, 1_000)), ("zwischen 1.000 und 3.000", fig(B, 1_000, 3_000)),
    ("von 10.000 bis 12.000", fig(B, 10_000, 12_000)),
    ("10.000–12.000", fig(B, 10_000, 12_000)), ("10.000 bis 12.000", fig(B, 10_000, 12_000)),
    ("10 bis 12 Tausend", fig(B, 10_000, 12_000)), ("1,2 Millionen", fig(E, 1_200_000)),
    ("1,5 Mio.", fig(E, 1_500_000)), ("3 Mio.", fig(E, 3_000_000)),
    ("12 Tsd.", fig(E, 12_000)), ("eine Million", fig(E, 1_000_000)),
    ("zwei Millionen", fig(E, 2_000_000)), ("fünftausend", fig(E, 5_000)),
    ("zehntausend Soldaten", fig(E, 10_000)), ("zweitausendfünfhundert", fig(E, 2_500)),
    ("eine halbe Million", fig(E, 500_000)), ("mehr als eine Million", fig(M, 1_000_000)),
    ("etwa 10.000-12.000", fig(A, 10_000, 12_000)), ("300 oder mehr", fig(L, 300)),
    ("1.200 Soldaten", fig(E, 1_200)), ("knapp über 600", fig(M, 600)),
    ("mehr als 45.000 nordkoreanische Soldaten", fig(M, 45_000)),
    ("10 000", fig(E, 10_000)),
]  # fmt: skip

RU: list[tuple[str, Figure]] = [
    ("около 300", fig(A, 300)), ("около 1200 военных", fig(A, 1_200)),
    ("примерно 11 тысяч", fig(A, 11_000)), ("приблизительно 700", fig(A, 700)),
    ("порядка 5 тысяч", fig(A, 5_000)), ("почти 2000", fig(A, 2_000)),
    ("более 46 тысяч", fig(M, 46_000)), ("более 3000 человек", fig(M, 3_000)),
    ("больше 500", fig(M, 500)), ("свыше 10 тыс.", fig(M, 10_000)),
    ("свыше 1,5 млн", fig(M, 1_500_000)), ("не менее 100", fig(L, 100)),
    ("не меньше 200", fig(L, 200)), ("как минимум 40", fig(L, 40)),
    ("по меньшей мере 12", fig(L, 12)), ("до 3 тысяч", fig(U, 3_000)),
    ("не более 500", fig(U, 500)), ("менее 100", fig(F, 100)), ("меньше 50", fig(F, 50)),
    ("от 10 до 12 тысяч", fig(B, 10_000, 12_000)), ("10-12 тысяч", fig(B, 10_000, 12_000)),
    ("10–12 тыс.", fig(B, 10_000, 12_000)), ("от 1000 до 3000", fig(B, 1_000, 3_000)),
    ("1,2 млн", fig(E, 1_200_000)), ("2,5 тысячи", fig(E, 2_500)),
    ("12 тысяч военных", fig(E, 12_000)), ("одна тысяча", fig(E, 1_000)),
    ("пять тысяч", fig(E, 5_000)), ("двести пятьдесят", fig(E, 250)),
    ("полтора миллиона", fig(E, 1_500_000)), ("полмиллиона", fig(E, 500_000)),
    ("10 000 солдат", fig(E, 10_000)), ("3 млн", fig(E, 3_000_000)),
    ("около 10-12 тысяч", fig(A, 10_000, 12_000)), ("300 и более", fig(L, 300)),
    ("чуть более 7 тысяч", fig(M, 7_000)), ("почти 600 тысяч", fig(A, 600_000)),
    ("более чем 100", fig(M, 100)), ("2 тысячи", fig(E, 2_000)),
    ("приблизительно 1,2 млн человек", fig(A, 1_200_000)),
]  # fmt: skip

UK: list[tuple[str, Figure]] = [
    ("близько 300", fig(A, 300)), ("близько 1,200", fig(A, 1_200)),
    ("приблизно 11 тисяч", fig(A, 11_000)), ("орієнтовно 700", fig(A, 700)),
    ("майже 2000", fig(A, 2_000)), ("майже 600 тисяч", fig(A, 600_000)),
    ("понад 3000", fig(M, 3_000)), ("понад 45 тисяч військових", fig(M, 45_000)),
    ("більше 500", fig(M, 500)), ("більш ніж 100", fig(M, 100)),
    ("щонайменше 100", fig(L, 100)), ("не менше 200", fig(L, 200)),
    ("принаймні 40", fig(L, 40)), ("до 3 тисяч", fig(U, 3_000)), ("до 3000", fig(U, 3_000)),
    ("не більше 500", fig(U, 500)), ("менше 100", fig(F, 100)), ("менш ніж 50", fig(F, 50)),
    ("від 10 до 12 тисяч", fig(B, 10_000, 12_000)), ("10-12 тисяч", fig(B, 10_000, 12_000)),
    ("10–12 тис.", fig(B, 10_000, 12_000)), ("від 1000 до 3000", fig(B, 1_000, 3_000)),
    ("1,2 млн", fig(E, 1_200_000)), ("2,5 тисячі", fig(E, 2_500)),
    ("12 тисяч військових", fig(E, 12_000)), ("одна тисяча", fig(E, 1_000)),
    ("п'ять тисяч", fig(E, 5_000)), ("п’ять тисяч", fig(E, 5_000)),
    ("двісті п'ятдесят", fig(E, 250)), ("півтора мільйона", fig(E, 1_500_000)),
    ("пів мільйона", fig(E, 500_000)), ("10 000 солдатів", fig(E, 10_000)),
    ("3 млн", fig(E, 3_000_000)), ("близько 10-12 тисяч", fig(A, 10_000, 12_000)),
    ("300 і більше", fig(L, 300)), ("трохи більше 7 тисяч", fig(M, 7_000)),
    ("понад 1,5 млн", fig(M, 1_500_000)), ("2 тисячі", fig(E, 2_000)),
    ("приблизно 1,2 млн осіб", fig(A, 1_200_000)), ("понад 700 тис.", fig(M, 700_000)),
]  # fmt: skip


def test_each_language_has_at_least_forty_phrasings() -> None:
    assert min(len(EN), len(DE), len(RU), len(UK)) >= 40


@pytest.mark.parametrize(("text", "expected"), ISSUE_PHRASES)
def test_issue_phrases_read_as_an_editor_would(text: str, expected: Figure) -> None:
    assert parse_figure(text) == expected


@pytest.mark.parametrize(("text", "expected"), EN)
def test_english(text: str, expected: Figure) -> None:
    assert parse_figure(text, "en") == expected
    assert parse_figure(text) == expected


@pytest.mark.parametrize(("text", "expected"), DE)
def test_german(text: str, expected: Figure) -> None:
    assert parse_figure(text, "de") == expected
    assert parse_figure(text) == expected


@pytest.mark.parametrize(("text", "expected"), RU)
def test_russian(text: str, expected: Figure) -> None:
    assert parse_figure(text, "ru") == expected


@pytest.mark.parametrize(("text", "expected"), UK)
def test_ukrainian(text: str, expected: Figure) -> None:
    assert parse_figure(text, "uk") == expected


VAGUE = [
    ("tens of thousands", "more than 10,000"), ("hundreds", "more than 100"),
    ("thousands of soldiers", "more than 1,000"), ("dozens", "more than 12"),
    ("Zehntausende", "mehr als 10.000"), ("Tausende Soldaten", "mehr als 1.000"),
    ("Hunderte", "mehr als 100"), ("десятки тысяч", "более 10 000"),
    ("сотни", "более 100"), ("тысячи военных", "более 1000"),
    ("десятки тисяч", "понад 10 000"), ("сотні", "понад 100"), ("тисячі", "понад 1000"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "floor"), VAGUE)
def test_vague_amounts_are_refused_with_a_floor_to_record(text: str, floor: str) -> None:
    with pytest.raises(FigureError) as excinfo:
        read_figure(text)
    message = str(excinfo.value)
    assert "is vague" in message and f"'{floor}'" in message
    assert f"'{text}'" in message


# Never misread: each must be refused, and the message must name what was not read.
NEVER_MISREAD = [
    ("1,2,3", "groups of three digits"), ("10-15-20", "'-20'"), ("in 2019", "a year"),
    ("3 of 10", "'of 10'"), ("5 to 10 percent", "a percentage"), ("$5 million", "money"),
    ("aged 25", "an age"), ("up to 10 or 12", "cannot open a range"),
    ("more than 1,000-2,000", "cannot open a range"), ("25 years", "a year or an age"),
    ("10m", "ambiguous"), ("1,200 million", "ambiguous"), ("12 years old", "a year"),
    ("1st", "'1st'"), ("10:30", "':30'"), ("300 soldiers 400", "'soldiers 400'"),
    ("one and a half million", "'and a half million'"), ("about", "stops after 'about'"),
    ("between 5 and", "stops after 'and'"), ("2 million billion", "'billion'"),
    ("50%", "a percentage"), ("€3 Mio.", "money"), ("5 Prozent", "a percentage"),
    ("1.5", "not a whole number"), ("1,5", "not a whole number"),
    ("12,34,567", "groups of three digits"), ("5,000-3,000", "low figure is above"),
    ("-300", "negative"), ("some300", "'some300'"), ("300soldiers", "'soldiers'"),
    ("10 5", "'5'"), ("a", "'a'"), ("million", "'million'"), ("и 300", "'и 300'"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "fragment"), NEVER_MISREAD)
def test_never_misread(text: str, fragment: str) -> None:
    with pytest.raises(FigureError) as excinfo:
        read_figure(text)
    assert fragment in str(excinfo.value)


def test_language_decides_the_decimal_mark_before_a_scale_word() -> None:
    assert parse_figure("1,200 million", "en") == fig(E, 1_200_000_000)
    assert parse_figure("1,200 млн", "ru") == fig(E, 1_200_000)
    assert parse_figure("1.200 Millionen", "de") == fig(E, 1_200_000_000)


def test_a_thousands_reading_against_the_language_is_stated() -> None:
    reading = read_figure("близько 1,200", "uk")
    assert reading.figure == fig(A, 1_200)
    assert any("thousands separator" in d for d in reading.decided_by)


def test_nearly_reads_as_about_and_the_note_names_the_alternative() -> None:
    reading = read_figure("nearly 600,000")
    assert reading.figure == fig(A, 600_000)
    assert reading.decided_by[0] == "'nearly' → about"
    assert "fewer than 600,000" in reading.note


def test_decided_by_names_scale_noun_and_shared_scale() -> None:
    reading = read_figure("от 10 до 12 тысяч военных", "ru")
    assert "'тысяч' → ×1,000" in reading.decided_by
    assert any("'10' takes the scale of '12 тысяч'" in d for d in reading.decided_by)
    assert any("'военных' is what is counted" in d for d in reading.decided_by)
    assert read_figure("70 or 80,000").decided_by[0].startswith("'70' takes the zeros")


def test_unknown_language_is_refused() -> None:
    with pytest.raises(FigureError, match="Unknown language"):
        read_figure("300", "fr")


ALL = [*ISSUE_PHRASES, *EN, *DE]


@pytest.mark.parametrize(("text", "expected"), ALL)
def test_format_of_a_reading_reads_back_the_same(text: str, expected: Figure) -> None:
    figure = parse_figure(text)
    canonical = format_figure(figure.low, figure.high, figure.qualifier)
    assert parse_figure(canonical) == figure


@pytest.mark.parametrize(("text", "expected"), [*RU, *UK])
def test_a_trailing_noun_never_changes_the_reading(text: str, expected: Figure) -> None:
    assert parse_figure(f"{text} человек", "ru") == expected


@pytest.mark.parametrize("n", [0, 7, 99, 1_000, 12_345, 999_999, 1_000_000, 123_456_789])
@pytest.mark.parametrize("lang", ["en", "de", "ru", "uk", None])
def test_plain_numbers_in_every_grouping_read_back(n: int, lang: str | None) -> None:
    grouped = {"en": f"{n:,}", "de": f"{n:,}".replace(",", "."),
               "ru": f"{n:,}".replace(",", "\u00a0"), "uk": f"{n:,}".replace(",", " "),
               None: str(n)}[lang]
    assert parse_figure(grouped, lang) == fig(E, n)
    assert parse_figure(f"более {grouped}" if lang in ("ru", "uk") else f"über {grouped}",
                        lang) == fig(M, n)


# ---- find_figures --------------------------------------------------------------------------


def _found(sentence: str, lang: str) -> list[tuple[str, Figure, str]]:
    return [(f.text, f.reading.figure, f.noun) for f in find_figures(sentence, lang)]


def test_find_figures_in_an_english_sentence() -> None:
    sentence = ("In 2019 nobody counted; on 13 January 2025 at 10:30 officials said about "
                "300 soldiers were killed and 2,700 wounded, 5% of the 11,000 sent.")
    assert _found(sentence, "en") == [
        ("about 300", fig(A, 300), "soldiers"), ("2,700", fig(E, 2_700), "wounded"),
        ("11,000", fig(E, 11_000), "sent")]
    for found in find_figures(sentence, "en"):
        assert sentence[found.start:found.end] == found.text


def test_find_figures_skips_ages_ordinals_money_and_phone_numbers() -> None:
    sentence = ("A 25-year-old, aged 30, paid $5 million for the 1st of 3 of 10 seats; call "
                "+49 30 1234567 or 030 123; 12 soldiers died.")
    assert _found(sentence, "en") == [("12", fig(E, 12), "soldiers")]


def test_find_figures_in_german_russian_and_ukrainian() -> None:
    assert _found("Am 3. Januar wurden seit 2024 etwa 10.000-12.000 Soldaten entsandt.",
                  "de") == [("etwa 10.000-12.000", fig(A, 10_000, 12_000), "soldaten")]
    assert _found("В 2023 году погибли около 300 военных, ещё 2-й батальон.", "ru") == [
        ("около 300", fig(A, 300), "военных")]
    assert _found("Понад 45 тисяч військових, у 2024 році — від 10 до 12 тисяч.", "uk") == [
        ("Понад 45 тисяч", fig(M, 45_000), "військових"),
        ("від 10 до 12 тисяч", fig(B, 10_000, 12_000), "")]


def test_find_figures_on_the_seed_article() -> None:
    from pathlib import Path

    # The seed article ships with the demo.
    seed = Path(__file__).parents[2] / "demo" / "telegraph_nk_troops_de.txt"
    found = [f.reading.figure for f in find_figures(seed.read_text(), "de")]
    assert fig(A, 10_000, 12_000) in found and fig(B, 1_000, 3_000) in found
    assert fig(A, 300) in found and fig(E, 2_700) in found
    assert fig(E, 4_000) in found and fig(A, 1_200) in found
    assert all(f.low != 2019 for f in found)
