"""Services undo their own partial work with savepoints, so the request's transaction stays
usable and keeps what came before."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, func, select, text, update
from sqlalchemy.orm import Session

from app.domain.errors import Conflict, ValidationFailed
from app.models import Estimate, Revision, Source, Topic
from app.schemas.estimates import EstimateDraft, EstimatePatch
from app.services import estimates, new_estimates
from tests import factories


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_refused_estimate_leaves_no_new_topic_or_source_behind(session: Session) -> None:
    topics, sources = _count(session, Topic), _count(session, Source)
    place = new_estimates.Placement(topic="", new_topic_title="Wagner in Africa",
                                    measure="deployed", source="",
                                    new_source={"name": "All Eyes on Wagner", "kind": "ngo"})
    bad = EstimateDraft(low=5, high=1, citations=[{"publication": "Post"}])  # type: ignore[list-item]
    with pytest.raises(ValidationFailed) as caught:
        new_estimates.create_placed(session, place, bad, None)
    assert set(caught.value.fields) == {"low"}
    assert (_count(session, Topic), _count(session, Source)) == (topics, sources)
    good = bad.model_copy(update={"low": 1, "high": 5})
    created = new_estimates.create_placed(session, place, good, None)
    assert (created.measure.topic.title, created.source.name) == ("Wagner in Africa",
                                                                  "All Eyes on Wagner")


def test_losing_a_write_race_is_a_conflict_and_the_transaction_goes_on(session: Session) -> None:
    factories.topic_with_measure(session)
    factories.source(session, "s")
    estimate = factories.estimate(session, figure="300")
    session.commit()

    raced: list[bool] = []

    def another_writer_got_there_first(s: Session, *args: Any) -> None:
        if raced:
            return
        raced.append(True)
        s.connection().execute(update(Estimate).where(Estimate.id == estimate.id)
                               .values(version=Estimate.version + 1, notes="theirs"))

    event.listen(session, "before_flush", another_writer_got_there_first)
    with pytest.raises(Conflict):
        estimates.update_estimate(session, estimate.id,
                                  EstimatePatch(version=1, notes="mine"), None)
    event.remove(session, "before_flush", another_writer_got_there_first)
    assert session.execute(text("SELECT 1")).scalar() == 1
    session.expire_all()
    stored = session.get(Estimate, estimate.id)
    # The simulated rival wrote inside our savepoint, so it went with it: nothing of either
    # edit stays, and the transaction is still usable.
    assert stored is not None and (stored.notes, stored.version) == ("", 1)
    assert session.scalar(select(func.count()).select_from(Revision)
                          .where(Revision.estimate_id == estimate.id)) == 1
