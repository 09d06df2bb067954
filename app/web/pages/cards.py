"""The home page's topic cards: what each topic's figures say, in words, from each source's
latest figures (comparison.home_view) — no chart is drawn, so a card weighs the same whatever
the number of figures behind it; the topic page, a link away, has the charts."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.comparison import spread_sentence
from app.domain.dates import PartialDate
from app.services.comparison import Entry, MeasureView, TopicView


@dataclass(frozen=True)
class Headline:
    """One measure of a topic card: the comparison's sentence and what it rests on."""

    slug: str
    label: str
    unit: str
    sentence: str  # who says least, who says most, how far apart
    sources: int  # sources whose latest figures are compared
    newest: str  # the date of the newest of those figures, as the reader's language writes it
    others: int  # latest figures shown beside the comparison on the topic page, not compared


@dataclass(frozen=True)
class TopicCard:
    slug: str
    title: str
    summary: str
    headlines: list[Headline]
    sources: int  # sources with a latest figure of any measure
    newest: str  # the date of the newest latest figure of any measure


def _newest(entries: list[Entry]) -> PartialDate | None:
    dated = [e.when for e in entries if e.when is not None]
    return max(dated, key=lambda when: when.value) if dated else None


def _label(when: PartialDate | None) -> str:
    return when.label() if when else ""


def _headline(view: MeasureView) -> Headline:
    return Headline(
        slug=view.measure.slug, label=view.measure.label, unit=view.measure.unit,
        # The topic page's sentence without its pointer to the figures "shown below": a card
        # counts them instead.
        sentence=spread_sentence(view.compared, *view.bands),
        sources=len({e.source.slug for e in view.compared}),
        newest=_label(_newest(view.compared)), others=len(view.beside))


def topic_cards(views: list[TopicView]) -> list[TopicCard]:
    """One card per topic, every display string written here, once: the template only
    places them."""
    cards = []
    for view in views:
        latest = [e for m in view.measures for e in m.latest]
        cards.append(TopicCard(
            slug=view.topic.slug, title=view.topic.title, summary=view.topic.summary or "",
            headlines=[_headline(m) for m in view.measures],
            sources=len({e.source.slug for e in latest}), newest=_label(_newest(latest))))
    return cards
