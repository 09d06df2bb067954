"""The database itself refuses what must never be stored."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import Estimate, Measure, Source, Topic
from tests import factories


@pytest.fixture
def refs(session: Session) -> tuple[int, int]:
    factories.topic_with_measure(session)
    factories.source(session, "s")
    measure_id = session.scalar(select(Measure.id).where(Measure.slug == "killed"))
    source_id = session.scalar(select(Source.id).where(Source.slug == "s"))
    assert measure_id and source_id
    return measure_id, source_id


def _insert(session: Session, refs: tuple[int, int], **values: Any) -> None:
    row = {"low": 1, "high": 2, "best": None, "qualifier": "between", "status": "active",
           "as_of": None, "as_of_precision": None, **values}
    now = dt.datetime.now(dt.UTC)
    session.execute(
        text(
            "INSERT INTO estimates (measure_id, source_id, low, high, best, qualifier, as_of,"
            " as_of_precision, claimant, notes, status, version, created_at, updated_at)"
            " VALUES (:m, :s, :low, :high, :best, :qualifier, :as_of, :as_of_precision, '', '',"
            " :status, 1, :now, :now)"
        ),
        {"m": refs[0], "s": refs[1], "now": now, **row},
    )


def test_a_valid_row_is_accepted(session: Session, refs: tuple[int, int]) -> None:
    _insert(session, refs, low=300, high=None, qualifier="at_least")
    assert session.scalar(select(Estimate.low)) == 300


@pytest.mark.parametrize(
    "values",
    [
        {"low": 10, "high": 5},
        {"low": -5, "high": 5},
        {"low": None, "high": -1},
        {"low": None, "high": None},
        {"low": 1, "high": 5, "best": 6},
        {"low": 3, "high": 5, "best": 2},
        {"qualifier": "roughly"},
        {"status": "deleted"},
        {"as_of": dt.date(2025, 1, 1), "as_of_precision": None},
        {"as_of": None, "as_of_precision": "day"},
        {"as_of": dt.date(2025, 1, 1), "as_of_precision": "week"},
    ],
    ids=["low>high", "negative-low", "negative-high", "no-bound", "best>high", "best<low",
         "qualifier", "status", "date-without-precision", "precision-without-date",
         "unknown-precision"],
)
def test_constraints_refuse(
    session: Session, refs: tuple[int, int], values: dict[str, Any]
) -> None:
    with pytest.raises(IntegrityError), session.begin_nested():
        _insert(session, refs, **values)


def test_foreign_keys_are_enforced(session: Session, refs: tuple[int, int]) -> None:
    # On SQLite this only holds because every connection turns PRAGMA foreign_keys on.
    with pytest.raises(IntegrityError), session.begin_nested():
        _insert(session, (refs[0], 999_999))


def test_slugs_are_unique(session: Session) -> None:
    session.add(Topic(slug="dup", title="A", summary=""))
    session.flush()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(Topic(slug="dup", title="B", summary=""))
        session.flush()


def test_timestamps_come_back_in_utc(session: Session, refs: tuple[int, int]) -> None:
    factories.estimate(session, low=5, high=5)
    session.expire_all()
    created = session.scalars(select(Estimate)).one().created_at
    assert created.tzinfo is not None and created.utcoffset() == dt.timedelta(0)
