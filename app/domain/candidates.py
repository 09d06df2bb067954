"""Candidate estimates read from an article: each figure the parser can read
(figures.find_figures) in a sentence that names one of the topic's measures, with its source
(attribution), its dates (article_dates), its scope and the sentence as the quote.

Pure: the caller gives the text, its language and publication date, the topic's measures and
the known sources; nothing is looked up or saved here. An editor checks every candidate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.domain.article_dates import DateMention, find_dates
from app.domain.attribution import Attribution, KnownSource, find_attributions, match_source
from app.domain.dates import PartialDate
from app.domain.figures import Figure, Found, find_figures
from app.domain.sentences import LANGUAGES, Sentence, clause_bounds, split_sentences
from app.domain.vocabulary import Qualifier, Scope

__all__ = ["LANGUAGES", "Candidate", "KnownSource", "MeasureRef", "extract", "measure_kind"]

# What each kind of measure is called (word beginnings), in English, German, Russian and
# Ukrainian. Nouns for soldiers alone decide nothing: "300 Soldaten getötet" is "killed".
_LEXICON: dict[str, str] = {
    "killed": r"killed|dead\b|deaths?\b|died|slain|getötet|tote[n]?\b|"
              r"ums leben|gefallen|starben|gestorben|убит|погиб|гибел|загину|загибл|вбит|"
              r"вбиті|смерт",
    "wounded": r"wounded|injured|injuries|verwundet|verletzt|ранен|ранени|поранен|травмован",
    "casualties": r"casualt|losses|opfer|verluste?n?\b|потер[ьи]|потерях|втрат",
    "deployed": r"deploy|sent\b|send(?:s|ing)?\b|dispatch|stationed|transferred|"
                r"entsandt|entsandte|entsendet|entsenden|geschickt|schickt|schickte|"
                r"stationiert|verlegt|направ[ли]|отправ[ли]|переброс|перебро[шс]|"
                r"відправ|направи|направле|перекину",
    "captured": r"captured|taken prisoner|prisoners? of war|pows?\b|gefangen|"
                r"в плен|пленн|взят[ыо]? в плен|полон|полонен",
    "missing": r"missing|vermisst|пропал[аио]? без вести|пропавш|безвісти|безвісті|"
               r"зниклі|зникл",
}
_LEXICON_RES = {kind: re.compile(rf"(?<!\w)(?:{words})", re.IGNORECASE)
                for kind, words in _LEXICON.items()}
# Other names a topic may give its measures, for the lexicon's kinds.
_KIND_NAMES = {
    "killed": ("killed", "dead", "deaths", "fatalities", "getötet", "tote"),
    "wounded": ("wounded", "injured", "verwundete", "verletzte"),
    "casualties": ("casualties", "losses", "verluste", "opfer"),
    "deployed": ("deployed", "troops", "sent", "soldiers", "entsandt", "truppen"),
    "captured": ("captured", "prisoners", "pow", "gefangene"),
    "missing": ("missing", "vermisst", "vermisste"),
}
_INCREMENT_RE = re.compile(
    r"(?<!\w)(?:more(?!\s+than)|additional|further|another|fresh|new|weitere[nrs]?|zusätzliche[nrs]?|"
    r"neue[nrs]?|ещё|еще|дополнительн\w*|новы[хе]|додатков\w*|нові|нових|ще)(?!\w)",
    re.IGNORECASE)
_AND_RE = re.compile(r"(?<!\w)(?:and|und|sowie|и|і|й|та)(?!\w)", re.IGNORECASE)
_ABOUT = frozenset({Qualifier.ABOUT.value})


@dataclass(frozen=True)
class MeasureRef:
    slug: str
    label: str


@dataclass(frozen=True)
class Candidate:
    measure: str  # the topic's measure slug
    figure: Figure
    figure_text: str  # the figure as the article writes it
    quote: str  # the sentence, in the article's language
    language: str
    source: str | None  # a known source's slug, or None for a new one …
    source_name: str  # … named so; a known one's name
    scope: str  # a Scope value
    scope_note: str
    as_of: PartialDate | None
    stated_on: PartialDate | None
    decided_by: tuple[str, ...] = field(default=())
    note: str = ""


def measure_kind(measure: MeasureRef) -> str | None:
    """The lexicon's kind of a topic's measure, by its slug or label."""
    words = set(re.findall(r"\w+", f"{measure.slug} {measure.label}".casefold()))
    if measure.slug in _KIND_NAMES:
        return measure.slug
    for kind, names in _KIND_NAMES.items():
        if words & set(names):
            return kind
    return None


def _keyword_spans(text: str, measures: list[MeasureRef]) -> list[tuple[int, str]]:
    """(position, measure slug) of each word in `text` naming one of the topic's measures."""
    spans: list[tuple[int, str]] = []
    for measure in measures:
        kind = measure_kind(measure)
        patterns = [re.compile(rf"(?<!\w){re.escape(measure.label.casefold())}(?!\w)")]
        if kind is not None:
            patterns.append(_LEXICON_RES[kind])
        for pattern in patterns:
            spans.extend((m.start(), measure.slug) for m in pattern.finditer(text.casefold()))
    return spans


def _nearest(spans: list[tuple[int, str]], start: int, end: int,
             lo: int, hi: int) -> str | None:
    """The measure named nearest to the figure at [start, end) within [lo, hi)."""
    inside = [(min(abs(p - start), abs(p - end)), slug) for p, slug in spans if lo <= p < hi]
    return min(inside)[1] if inside else None


def _carried_qualifier(sentence: str, earlier: Found | None, found: Found) -> Figure:
    """ "etwa 300 Soldaten getötet und 2.700 verwundet": the "etwa" is meant for both."""
    fig = found.reading.figure
    if (earlier is None or earlier.reading.figure.qualifier not in _ABOUT
            or fig.qualifier != Qualifier.EXACT.value):
        return fig
    between = sentence[earlier.end:found.start]
    if len(between) > 60 or not _AND_RE.search(between) or re.search(r"[,;:]", between):
        return fig
    return Figure(fig.low, fig.high, Qualifier.ABOUT.value, fig.best)


@dataclass
class _Context:
    """What a paragraph said so far that later sentences take on: the date and the source."""

    paragraph: int = -1
    date: DateMention | None = None
    source: Attribution | None = None


def _stated_on(as_of: PartialDate | None, published: PartialDate) -> PartialDate:
    """When the source said it: the month or day the sentence gives (a report "im Januar"),
    else the publication date."""
    if as_of is not None and as_of.precision != "year" and as_of.value <= published.value:
        return as_of
    return published


def extract(
    text: str, lang: str, published: PartialDate, measures: list[MeasureRef],
    sources: list[KnownSource],
) -> list[Candidate]:
    """The candidate estimates in the article `text`, in the order of its figures."""
    candidates: list[Candidate] = []
    context = _Context()
    for sentence in split_sentences(text, lang):
        if sentence.paragraph != context.paragraph:
            context = _Context(paragraph=sentence.paragraph)
        candidates.extend(_sentence_candidates(sentence, lang, published, measures, sources,
                                               context))
    return candidates


def _sentence_candidates(
    sentence: Sentence, lang: str, published: PartialDate, measures: list[MeasureRef],
    sources: list[KnownSource], context: _Context,
) -> list[Candidate]:
    text = sentence.text
    dates = [d for d in find_dates(text, published) if not d.since]
    clauses = clause_bounds(text)
    said = [find_attributions(text[lo:hi], lang) for lo, hi in clauses]
    spans = _keyword_spans(text, measures)
    increment = _INCREMENT_RE.search(text)
    out: list[Candidate] = []
    earlier: Found | None = None
    for found in find_figures(text, lang):
        index = next((i for i, (lo, hi) in enumerate(clauses) if lo <= found.start < hi), 0)
        lo, hi = clauses[index]
        measure = (_nearest(spans, found.start, found.end, lo, hi)
                   or _nearest(spans, found.start, found.end, 0, len(text)))
        figure = _carried_qualifier(text, earlier, found)
        earlier = found
        if measure is None:
            continue  # not a figure of any of the topic's measures
        date = next((d for d in dates if lo <= d.start < hi), None) or (
            dates[0] if dates else context.date)
        as_of = date.date if date else published
        attribution = _pick(said[index], sources) or _pick(
            [a for clause in said for a in clause], sources) or context.source
        known = match_source(attribution.phrase, sources) if attribution else None
        scope_note = ""
        if increment:
            scope_note = f"in addition to an earlier figure (“{increment.group(0)}”)"
        decided = list(found.reading.decided_by)
        if figure is not found.reading.figure:
            decided.append("the qualifier before the first figure is meant for this one too")
        out.append(Candidate(
            measure=measure, figure=figure, figure_text=found.text, quote=text, language=lang,
            source=known.slug if known else None,
            source_name=known.name if known else (attribution.phrase if attribution else ""),
            scope=Scope.INCREMENT.value if increment else Scope.TOTAL.value,
            scope_note=scope_note, as_of=as_of, stated_on=_stated_on(as_of, published),
            decided_by=tuple(decided), note=found.reading.note,
        ))
    if dates:
        context.date = dates[-1]
    every = [a for clause in said for a in clause]
    if every:
        context.source = _pick(every, sources)
    return out


def _pick(attributions: list[Attribution], sources: list[KnownSource]) -> Attribution | None:
    """The attribution that names a known source, else the first one."""
    for attribution in attributions:
        if match_source(attribution.phrase, sources) is not None:
            return attribution
    return attributions[0] if attributions else None
