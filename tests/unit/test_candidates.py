"""Candidate estimates from an article (domain.candidates): the seed article's six figures
and nothing else, and news-style sentences in English, Russian and Ukrainian."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.config import PROJECT_DIR
from app.domain.candidates import Candidate, KnownSource, MeasureRef, extract, measure_kind
from app.domain.dates import parse_partial_date

DEMO = json.loads((PROJECT_DIR / "demo" / "north-korean-troops-in-russia.json")
                  .read_text(encoding="utf-8"))
SEED = Path(PROJECT_DIR / "demo" / "telegraph_nk_troops_de.txt").read_text(encoding="utf-8")
MEASURES = [MeasureRef(m["slug"], m["label"]) for m in DEMO["topics"][0]["measures"]]
SOURCES = [KnownSource(s["slug"], s["name"], s.get("short_name", ""), s["description"])
           for s in DEMO["sources"]]
ALL_MEASURES = [*MEASURES, MeasureRef("captured", "Captured"), MeasureRef("missing", "Missing")]


def run(text: str, lang: str, published: str = "2025-02-07",
        measures: list[MeasureRef] | None = None) -> list[Candidate]:
    return extract(text, lang, parse_partial_date(published), measures or ALL_MEASURES,
                   SOURCES)


def row(c: Candidate) -> tuple[object, ...]:
    return (c.measure, c.source, c.figure.low, c.figure.high, c.figure.qualifier, c.scope,
            c.as_of.iso() if c.as_of else None)


def test_the_seed_article_gives_the_demo_figures_and_nothing_else() -> None:
    found = extract(SEED, "de", parse_partial_date("2025-02"), MEASURES, SOURCES)
    assert [row(c) for c in found] == [
        ("deployed", "south-korean-media", 1000, 3000, "between", "increment", "2025-02"),
        ("deployed", "south-korea-nis", 10000, 12000, "about", "total", "2024"),
        ("killed", "south-korea-nis", 300, 300, "about", "total", "2025-01"),
        ("wounded", "south-korea-nis", 2700, 2700, "about", "total", "2025-01"),
        ("casualties", "volodymyr-zelensky", 4000, 4000, "exact", "total", "2025-01"),
        ("casualties", "us-officials", 1200, 1200, "about", "total", "2025-01"),
    ]
    # The same figures as the demo (which an editor entered by hand from this article).
    demo = {(e["measure"], e["source"], e["low"], e["high"]): e for e in DEMO["estimates"]}
    for c in found:
        e = demo[(c.measure, c.source, c.figure.low, c.figure.high)]
        assert (c.figure.qualifier, c.as_of.iso() if c.as_of else None) == (
            e["qualifier"], e["as_of"])
        assert c.scope == e.get("scope", "total")
        assert c.stated_on is not None and c.stated_on.iso() == e["stated_on"]
        assert fragment_of(e["citations"][0]["quote"], c.quote)
    # Each quote is its sentence, in German; "2019", "einmonatigen", "erste" give nothing.
    assert found[0].quote.startswith("Die genaue Anzahl der neuen Soldaten")
    assert found[0].quote.endswith("zwischen 1.000 und 3.000 Personen liegen.")
    assert found[1].quote == ("Im vergangenen Jahr entsandte Nordkorea etwa 10.000-12.000 "
                              "Soldaten nach Russland und lieferte eine erhebliche Menge an "
                              "Waffen.")
    assert all(c.language == "de" for c in found)
    assert not any("2019" in c.quote for c in found)
    assert found[0].scope_note  # an increment says what it adds to


def fragment_of(demo_quote: str, quote: str) -> bool:
    return demo_quote.rstrip(".") in quote


def test_the_qualifier_before_the_first_figure_covers_the_second() -> None:
    (killed, wounded) = run("Im Januar berichtete die Agentur, dass etwa 300 Soldaten "
                            "getötet und 2.700 verwundet wurden.", "de")
    assert (killed.figure.qualifier, wounded.figure.qualifier) == ("about", "about")
    assert any("first figure" in d for d in wounded.decided_by)
    # Not across a comma: a separate figure keeps its own reading.
    (_, second) = run("Etwa 300 Soldaten wurden getötet, 2.700 wurden verwundet.", "de")
    assert second.figure.qualifier == "exact"


def test_english_news_sentences() -> None:
    text = ("North Korea has sent about 3,000 more troops to Russia, South Korea's National "
            "Intelligence Service said on Monday.\n\n"
            "According to the Pentagon, at least 1,000 North Korean soldiers were killed "
            "last month. The Kim regime was founded in 1948 and Kim Jong Un is 41.\n\n"
            "Zelensky said 4,000 had been killed or wounded since the 1st of January, while "
            "US estimates put casualties at around 1,100.")
    found = run(text, "en", "2025-02-07")
    assert [row(c) for c in found] == [
        ("deployed", "south-korea-nis", 3000, 3000, "about", "increment", "2025-02-07"),
        ("killed", None, 1000, None, "at_least", "total", "2025-01"),
        # "since January": counted up to the article's day, not as of January
        ("killed", "volodymyr-zelensky", 4000, 4000, "exact", "total", "2025-02-07"),
        ("casualties", "us-officials", 1100, 1100, "about", "total", "2025-02-07"),
    ]
    assert found[1].source_name == "Pentagon"  # proposed as a new source
    assert found[1].stated_on is not None and found[1].stated_on.iso() == "2025-01"


def test_russian_news_sentences() -> None:
    text = ("По данным Генштаба ВСУ, в Курской области погибли около 1200 военных КНДР, "
            "ещё 2700 ранены.\n\n"
            "В прошлом году КНДР направила в Россию от 10 до 12 тысяч военных, сообщил "
            "Зеленский. Ему 47 лет.")
    found = run(text, "ru", "2025-02-07")
    assert [row(c)[:5] for c in found] == [
        ("killed", None, 1200, 1200, "about"),
        ("wounded", None, 2700, 2700, "exact"),
        ("deployed", "volodymyr-zelensky", 10000, 12000, "between"),
    ]
    assert found[0].source_name.startswith("Генштаба")
    assert found[2].as_of is not None and found[2].as_of.iso() == "2024"
    assert found[1].scope == "increment"  # "ещё"


def test_ukrainian_news_sentences() -> None:
    text = ("За даними розвідки Південної Кореї, торік КНДР відправила до Росії близько 11 "
            "тисяч військових.\n\n"
            "У січні загинули понад 300 північнокорейських військових, ще 2700 поранені, "
            "повідомив Зеленський. У полон потрапили двоє.")
    found = run(text, "uk", "2025-02-07")
    assert [row(c)[:5] for c in found] == [
        ("deployed", "south-korea-nis", 11000, 11000, "about"),
        ("killed", "volodymyr-zelensky", 300, None, "more_than"),
        ("wounded", "volodymyr-zelensky", 2700, 2700, "exact"),
    ]
    assert found[0].as_of is not None and found[0].as_of.iso() == "2024"
    assert found[1].as_of is not None and found[1].as_of.iso() == "2025-01"


def test_figures_of_no_measure_of_the_topic_are_not_proposed() -> None:
    text = ("Russia captured 200 Ukrainian soldiers in 2024, the ministry said. Prices rose "
            "12 percent.")
    assert run(text, "en", measures=MEASURES) == []  # the topic has no "captured"
    (found,) = run(text, "en")
    assert (found.measure, found.figure.low) == ("captured", 200)


@pytest.mark.parametrize(("slug", "label", "kind"), [
    ("deployed", "Deployed", "deployed"), ("troops-sent", "Troops sent", "deployed"),
    ("dead", "Dead", "killed"), ("injured", "Injured", "wounded"),
    ("pows", "Prisoners of war", "captured"), ("refugees", "Refugees", None),
])
def test_measure_kinds_by_slug_or_label(slug: str, label: str, kind: str | None) -> None:
    assert measure_kind(MeasureRef(slug, label)) == kind


def test_a_measure_the_lexicon_does_not_know_is_found_by_its_label() -> None:
    (found,) = run("UNHCR counted 6,000 refugees in the region.", "en",
                   measures=[MeasureRef("refugees", "Refugees")])
    assert (found.measure, found.figure.low) == ("refugees", 6000)
