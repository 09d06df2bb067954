"""The synthetic data set of issue 13, seeded: 50 topics × 6 measures × 30 sources.

One CSV row per citation, in Reckon's import format (README, "Import and export"): a tenth of
the estimates carry a second citation (a second row with the same figure, which the importer
merges), a twentieth are a source revising an earlier figure (the same date, stated later,
another number), topics and sources are skewed (the busiest topic has ~2.1 % of the estimates,
a few sources publish far more than others). Figures are written as sources write them
(qualifiers, ranges, `12,000`), dated to a day, a month or a year, some only by the day they
were stated and a few not at all. Depends on nothing but the file format.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass

COLUMNS = (
    "topic", "topic_title", "measure", "measure_label", "measure_unit", "source", "source_name",
    "source_short_name", "source_kind", "source_country", "source_party", "low", "high",
    "best", "qualifier", "as_of", "stated_on", "scope", "scope_note", "confidence",
    "confidence_note", "claimant", "notes", "citation_url", "publication", "citation_title",
    "published_on", "quote", "language",
)
TOPICS = 50
SOURCES = 30
MEASURES = (("deployed", "Deployed", "people", 40_000), ("killed", "Killed", "people", 6_000),
            ("wounded", "Wounded", "people", 15_000), ("missing", "Missing", "people", 2_500),
            ("captured", "Captured", "people", 900), ("displaced", "Displaced", "people",
                                                       250_000))
PLACES = ("Kursk", "Donetsk", "Sudan", "Gaza", "Tigray", "Sahel", "Kharkiv", "Rakhine",
          "Darfur", "Idlib")
KINDS = ("government", "military", "intelligence", "media", "ngo", "researcher", "person")
COUNTRIES = ("Ukraine", "Russia", "United States", "United Kingdom", "South Korea", "Germany",
             "France", "Qatar", "Kenya", "Norway")
LANGUAGES = ("en", "en", "en", "de", "uk", "ru", "fr")
START = dt.date(2022, 1, 1)
DAYS = 4 * 365


@dataclass(frozen=True)
class Dataset:
    rows: list[list[str]]  # in COLUMNS order
    busiest_topic: str
    busiest_topic_rows: int
    busiest_source: str
    busiest_source_rows: int
    search_word: str

    def csv_text(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(self.rows)
        return out.getvalue()


def _number(rng: random.Random, value: int) -> str:
    return f"{value:,}" if value >= 1000 and rng.random() < 0.05 else str(value)


def _figure(rng: random.Random, scale: int, progress: float) -> tuple[str, str, str, str]:
    """low, high, best, qualifier as a source hedges them."""
    centre = max(2, int(scale * (0.2 + progress) * rng.uniform(0.6, 1.4)))
    shape = rng.random()
    if shape < 0.40:
        return _number(rng, centre), _number(rng, centre), "", "about"
    if shape < 0.68:
        low, high = int(centre * 0.8), int(centre * 1.2) + 1
        best = _number(rng, centre) if rng.random() < 0.3 else ""
        return _number(rng, low), _number(rng, high), best, "between"
    if shape < 0.80:
        return _number(rng, centre), "", "", "at_least"
    if shape < 0.87:
        return "", _number(rng, centre), "", "up_to"
    if shape < 0.92:
        return _number(rng, centre), "", "", "more than"
    if shape < 0.95:
        return "", _number(rng, centre), "", "fewer than"
    return _number(rng, centre), _number(rng, centre), "", "exact"


def _date(day: dt.date, precision: str) -> str:
    return {"day": day.isoformat(), "month": day.isoformat()[:7],
            "year": day.isoformat()[:4]}[precision]


def generate(estimates: int = 100_000, seed: int = 13) -> Dataset:
    rng = random.Random(seed)
    # Topics: weights from 1.05 down to 0.95, so the busiest holds ~2.1 % of the estimates.
    topic_weights = [1.05 - 0.1 * i / (TOPICS - 1) for i in range(TOPICS)]
    topics = [(f"{PLACES[i % len(PLACES)].lower()}-{i + 1:02d}",
               f"{PLACES[i % len(PLACES)]} conflict, front {i + 1}") for i in range(TOPICS)]
    # Sources: three publish often, the rest now and then.
    source_weights = [2.5, 2.0, 1.8] + [rng.uniform(0.5, 1.3) for _ in range(SOURCES - 3)]
    sources = []
    for i in range(SOURCES):
        kind = KINDS[i % len(KINDS)]
        country = COUNTRIES[i % len(COUNTRIES)]
        sources.append((f"source-{i + 1:02d}", f"{country} {kind} source {i + 1}",
                        f"S{i + 1}", kind, country, "true" if i % 6 == 0 else "false"))
    covers = {(t, s): rng.sample(range(len(MEASURES)), rng.randint(1, 4))
              for t in range(TOPICS) for s in range(SOURCES)}
    rows: list[list[str]] = []
    said: dict[tuple[int, int, int], list[tuple[str, dt.date]]] = {}
    topic_count = [0] * TOPICS
    source_count = [0] * SOURCES
    for n in range(estimates):
        t = rng.choices(range(TOPICS), topic_weights)[0]
        s = rng.choices(range(SOURCES), source_weights)[0]
        m = rng.choice(covers[(t, s)])
        day = START + dt.timedelta(days=rng.randrange(DAYS))
        low, high, best, qualifier = _figure(rng, MEASURES[m][3], (day - START).days / DAYS)
        earlier = said.get((t, s, m))
        notes = ""
        stated_day = day + dt.timedelta(days=rng.randrange(0, 4))
        kind = rng.random()
        if earlier and rng.random() < 0.05:  # the source revises a figure it gave before
            as_of, first_stated = rng.choice(earlier)
            stated_day = first_stated + dt.timedelta(days=rng.randint(5, 60))
            stated, notes = stated_day.isoformat(), "Revised from the figure stated earlier."
        elif kind < 0.55:
            as_of, stated = _date(day, "day"), stated_day.isoformat()
        elif kind < 0.80:
            as_of, stated = _date(day, "month"), _date(stated_day, "month")
        elif kind < 0.88:
            as_of, stated = _date(day, "year"), ""
        elif kind < 0.97:
            as_of, stated = "", stated_day.isoformat()  # placed by the day it was stated
        else:
            as_of, stated = "", ""  # undated
        if as_of:
            said.setdefault((t, s, m), []).append((as_of, stated_day))
        partial = rng.random() < 0.08
        confidence = rng.choices(("reported", "corroborated", "uncertain", "disputed"),
                                 (85, 7, 5, 3))[0]
        lang = rng.choice(LANGUAGES)
        slug, title = topics[t]
        mslug, label, unit, _ = MEASURES[m]
        src = sources[s]
        base = [slug, title, mslug, label, unit, *src, low, high, best, qualifier, as_of,
                stated, rng.choice(("increment", "area")) if partial else "total",
                "one region only" if partial else "", confidence,
                "" if confidence == "reported" else "single unnamed official",
                "a spokesperson" if rng.random() < 0.2 else "", notes]
        figure = low or high
        for c in range(2 if rng.random() < 0.1 else 1):
            paper = rng.randrange(40)
            rows.append([*base,
                f"https://news-{paper}.example.org/{day:%Y/%m}/{slug}-{mslug}-{n}-{c}",
                f"Newspaper {paper}", f"{label} in {title}: {figure} by {day:%d %B %Y}",
                (stated_day + dt.timedelta(days=c)).isoformat(),
                f"“{label} numbered {qualifier.replace('_', ' ')} {figure}, the "
                f"{src[3]} said.”", lang])
        topic_count[t] += 1
        source_count[s] += 1
    busiest_t = max(range(TOPICS), key=topic_count.__getitem__)
    busiest_s = max(range(SOURCES), key=source_count.__getitem__)
    return Dataset(rows, topics[busiest_t][0], topic_count[busiest_t], sources[busiest_s][0],
                   source_count[busiest_s], PLACES[busiest_t % len(PLACES)].lower())
