"""A source's party status within a topic, as an import file gives it: a JSON topic lists its
own marks; a CSV row (or a JSON estimate) says whether its source is a party in its topic,
which becomes a mark of the topic's own only where the source's usual status says otherwise.
Every change goes through parties.set_party, so it leaves a revision."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.actor import Actor
from app.models import Source, Topic, TopicSource
from app.services import parties
from app.services.transfer.records import RowError

Mark = tuple[int, Topic, Source, bool]  # line, topic, source, party within the topic


class PartyMarks:
    def __init__(self, session: Session, actor: Actor | None, comment: str) -> None:
        self.session, self.actor, self.comment = session, actor, comment
        self.changed: list[str] = []  # "topic/source", for the report
        self._own: dict[tuple[int, int], bool] | None = None

    @property
    def own(self) -> dict[tuple[int, int], bool]:
        """The topics' own marks by (topic id, source id), loaded once."""
        if self._own is None:
            self._own = {(m.topic_id, m.source_id): m.party_to_conflict
                         for m in self.session.scalars(select(TopicSource))}
        return self._own

    def set_own(self, topic: Topic, source: Source, party: bool) -> None:
        if self.own.get((topic.id, source.id)) != party:
            self._set(topic, source, party)

    def apply_rows(self, marks: list[Mark], errors: list[RowError]) -> None:
        """Each row's status in its topic; rows that disagree are errors (and nothing is
        written when there are any)."""
        wanted: dict[tuple[int, int], Mark] = {}
        for mark in marks:
            line, topic, source, party = mark
            seen = wanted.setdefault((topic.id, source.id), mark)
            if seen[3] != party:
                errors.append(RowError(
                    line, "source_party",
                    f"Line {seen[0]} says {source.slug} is {'' if seen[3] else 'not '}a party "
                    f"to the conflict in {topic.slug}; the rows must agree."))
        if errors:
            return
        for _, topic, source, party in wanted.values():
            own = self.own.get((topic.id, source.id))
            if (source.party_to_conflict if own is None else own) != party:
                # The source's usual status serves where it fits; a mark only where it does not.
                self._set(topic, source, None if party == source.party_to_conflict else party)

    def _set(self, topic: Topic, source: Source, party: bool | None) -> None:
        parties.set_party(self.session, topic.slug, source.slug, party, self.actor,
                          self.comment)
        if party is None:
            self.own.pop((topic.id, source.id), None)
        else:
            self.own[(topic.id, source.id)] = party
        self.changed.append(f"{topic.slug}/{source.slug}")
