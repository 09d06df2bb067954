"""Every figure of one measure, a page at a time, newest first — a topic page's table shows
only each source's latest and the newest others. Now, through the same query as its JSON twin
(/api/estimates), or as the records stood at a record point (services.recorded)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.domain.comparison import Choices, LeftOut, select_claims
from app.domain.errors import NotFound
from app.domain.record_points import RecordPoint
from app.domain.vocabulary import Status
from app.i18n import gettext
from app.models import Estimate, Measure, Topic
from app.services import catalog, listing, recorded
from app.services.entries import Entry, entry_of, party_of, topic_parties

PER_PAGE = 50


@dataclass(frozen=True)
class FiguresPage:
    topic: Topic
    measure: Measure
    entries: list[Entry]  # this page's figures, newest first
    total: int  # figures in view, on every page
    page: int
    per_page: int
    recorded: RecordPoint | None
    choices: Choices
    # Estimate id of a source's latest figure that is shown beside the comparison: why.
    left_out: dict[int, LeftOut]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """The position of this page's first figure among all (1 for the newest)."""
        return (self.page - 1) * self.per_page + 1

    def left_out_because(self, entry: Entry) -> LeftOut | None:
        return self.left_out.get(entry.estimate_id) if entry.estimate_id is not None else None


def _measure(topic: Topic, slug: str) -> Measure:
    found = next((m for m in topic.measures if m.slug == slug), None)
    if found is None:
        raise NotFound(gettext("Topic “%(topic)s” has no measure “%(measure)s”.",
                               topic=topic.slug, measure=slug))
    return found


def figures_page(session: Session, slug: str, measure: str, page: int = 1,
                 choices: Choices = Choices(), at: RecordPoint | None = None,
                 per_page: int = PER_PAGE) -> FiguresPage:
    """One page of the measure's figures in view of the reader's choices (the sources and
    dates chosen; the other choices only mark which latest figures are not compared)."""
    # `candidates` include each source's latest figure of each scope, for select_claims to
    # say which of those are not compared.
    if at is None:
        topic = catalog.get_topic(session, slug)
        found = _measure(topic, measure)
        parties = topic_parties(session, [topic.id])
        estimates, total = listing.list_estimates(session, listing.EstimateFilter(
            topic=slug, measure=measure, status=Status.ACTIVE.value, sources=choices.sources,
            dated_from=choices.dated_from, dated_to=choices.dated_to,
        ), page=page, per_page=per_page)
        entries = [entry_of(e, party_of(parties, topic.id, e.source)) for e in estimates]
        candidates = [entry_of(e, party_of(parties, topic.id, e.source)) for e in
                      listing.shown_estimates(session, topic.id, 0,
                                              Estimate.measure_id == found.id,
                                              *listing.in_view(choices))]
    else:
        # What each figure said then is only in its revisions: read them all, keep a page.
        then = recorded.topic_at(session, slug, at, measure)
        topic = then.topic
        found = _measure(topic, measure)
        candidates = sorted((e for e in then.entries if choices.admits(e)),
                            key=Entry.sort_key, reverse=True)
        total = len(candidates)
        entries = candidates[(page - 1) * per_page:page * per_page]
    if page > 1 and not entries:
        raise NotFound(gettext("There is no page %(page)s of the figures of “%(measure)s”.",
                               page=page, measure=found.label))
    _, beside = select_claims(candidates, choices)
    return FiguresPage(
        topic=topic, measure=found, entries=entries, total=total, page=page, per_page=per_page,
        recorded=at, choices=choices,
        left_out={e.estimate_id: reason for e, reason in beside if e.estimate_id is not None})
