"""Review before publication in the services and the database, on SQLite and PostgreSQL: the
migration publishes what exists, one proposal per estimate waits at most, every revision says
whether readers saw it (and the version is always the latest revision's number), readers'
queries see only what was approved, and imports wait for review unless an admin marks them
approved."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import MetaData, create_engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import cli
from app.config import get_settings
from app.db import alembic_config, make_engine, make_sessionmaker
from app.domain.actor import Actor
from app.domain.errors import Conflict, PermissionDenied
from app.domain.review import StaleProposal, revision_is_published
from app.domain.vocabulary import Role
from app.models import Estimate, Proposal, Revision, User
from app.schemas.estimates import EstimateCreate, EstimatePatch
from app.services import (
    estimates,
    listing,
    new_estimates,
    review,
    review_queue,
    review_verdicts,
    transfer,
    users,
    visibility,
)
from app.services.revisions import add_revision, snapshot
from tests import factories
from tests.conftest import empty_database
from tests.db import test_cli_transfer

TOPIC = "t"
new_database = test_cli_transfer.new_database  # a fresh database per call, for `reckon`


def _actor(session: Session, name: str, role: str = "editor") -> Actor:
    user = users.create_user(session, f"{name}-{uuid.uuid4().hex[:6]}@example.org",
                             factories.PASSWORD, role=role, display_name=name)
    return users.actor_of(user)


def _new(session: Session, actor: Actor, **values: Any) -> Estimate:
    data = {"topic": TOPIC, "measure": "killed", "source": "s", "figure": "ungefähr 2.500",
            "as_of": "2025-03", "citations": [{"url": "https://example.org/bericht",
                                               "publication": "Der Spiegel",
                                               "quote": "rund 2500 Soldaten", "language": "de"}],
            **values}
    return new_estimates.create_estimate(session, EstimateCreate(**data), actor,
                                         review_required=True)


@pytest.fixture
def people(session: Session) -> tuple[Actor, Actor]:
    factories.topic_with_measure(session)
    factories.source(session, "s", "Генштаб ЗСУ")
    alice, bob = _actor(session, "Alice"), _actor(session, "Bob")
    session.commit()
    return alice, bob


def _revisions(session: Session, estimate_id: int) -> list[Revision]:
    return list(session.scalars(select(Revision).where(Revision.estimate_id == estimate_id)
                                .order_by(Revision.number)))


def _readers_state(session: Session, estimate_id: int) -> dict[str, Any] | None:
    """What readers saw after the latest revision, by the contract's rule (helper D's): the
    latest revision whose snapshot is approved or has no review key."""
    seen = [r.after for r in _revisions(session, estimate_id)
            if r.after.get("review", "approved") == "approved"]
    return seen[-1] if seen else None


def test_a_full_review_cycle_keeps_version_and_history_in_step(
        session: Session, people: tuple[Actor, Actor]) -> None:
    alice, bob = people
    e = _new(session, alice)
    assert (e.review, _readers_state(session, e.id)) == ("pending", None)
    assert not session.scalars(select(Estimate.id).where(visibility.published())).all()
    review_verdicts.approve(session, e.id, bob, version=e.version)
    published = snapshot(e)
    estimates.update_estimate(session, e.id, EstimatePatch(
        version=e.version, figure="etwa 2.800", notes="laut Generalstab"), alice,
        review_required=True)
    # The row keeps what readers saw, but for the note (applied at once).
    assert (e.low, e.notes) == (2500, "laut Generalstab")
    assert _readers_state(session, e.id) == {**published, "notes": "laut Generalstab"}
    with pytest.raises(PermissionDenied):
        review_verdicts.approve(session, e.id, alice, version=e.version)
    review_verdicts.reject(session, e.id, bob, version=e.version, reason="Quelle fehlt")
    assert e.low == 2500 and review.pending_proposal(session, e.id) is None
    estimates.update_estimate(session, e.id, EstimatePatch(version=e.version,
                                                           figure="etwa 2.900"), alice,
                              review_required=True)
    review_verdicts.approve(session, e.id, bob, version=e.version)
    session.commit()
    history = _revisions(session, e.id)
    assert [r.action for r in history] == ["create", "approved", "edit", "proposed",
                                           "rejected", "proposed", "approved"]
    assert all("review" in r.after for r in history)
    assert [r.number for r in history] == list(range(1, 8)) and e.version == 7
    assert _readers_state(session, e.id) == snapshot(e) and e.low == 2900
    # The SQL predicate and the rule in Python agree on which revisions readers see.
    shown = session.scalars(select(Revision.number).where(
        Revision.estimate_id == e.id, visibility.published_revision())
        .order_by(Revision.number)).all()
    assert shown == [r.number for r in history if revision_is_published(r.action, r.after)]
    assert shown == [2, 3, 7]
    states = session.scalars(select(Proposal.state).where(Proposal.estimate_id == e.id)
                             .order_by(Proposal.id)).all()
    assert states == ["approved", "rejected", "approved"]


def test_a_snapshot_written_before_review_existed_counts_as_published(
        session: Session, people: tuple[Actor, Actor]) -> None:
    factories.estimate(session, figure="1,000")
    e = factories.estimate(session, figure="1,100", as_of="2024")
    old = {k: v for k, v in snapshot(e).items() if k != "review"}
    add_revision(session, e, "edit", old, None, "written by an older Reckon", after=old)
    session.commit()
    numbers = session.scalars(select(Revision.number).where(
        Revision.estimate_id == e.id, visibility.published_revision())).all()
    assert sorted(numbers) == [1, 2]


def test_one_proposal_waits_per_estimate_even_in_the_database(
        session: Session, people: tuple[Actor, Actor]) -> None:
    alice, bob = people
    e = _new(session, alice)
    session.commit()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(Proposal(estimate_id=e.id, kind="edit", base_version=e.version,
                             proposed=snapshot(e), author_id=bob.id))
        session.flush()
    # Closed ones may be many.
    session.add(Proposal(estimate_id=e.id, kind="edit", base_version=e.version,
                         proposed=snapshot(e), author_id=bob.id, state="withdrawn"))
    session.flush()


def test_a_proposal_on_an_outdated_version_is_refused(
        session: Session, people: tuple[Actor, Actor]) -> None:
    alice, bob = people
    e = factories.estimate(session, figure="about 900")
    session.commit()
    opened = e.version
    estimates.update_estimate(session, e.id, EstimatePatch(version=opened, figure="about 950"),
                              alice, review_required=True)
    with pytest.raises(Conflict):
        estimates.update_estimate(session, e.id, EstimatePatch(version=opened,
                                                               figure="about 990"),
                                  bob, review_required=True)


def test_a_stale_proposal_names_what_changed_since(
        session: Session, people: tuple[Actor, Actor]) -> None:
    alice, bob = people
    e = factories.estimate(session, figure="about 900", claimant="Генштаб")
    estimates.update_estimate(session, e.id, EstimatePatch(version=e.version, as_of="2025-05"),
                              alice, review_required=True)
    estimates.set_status(session, e.id, "retracted", "Doppelt erfasst", bob, version=e.version)
    with pytest.raises(StaleProposal) as refused:
        review_verdicts.approve(session, e.id, bob, version=e.version)
    assert refused.value.changed == [{"field": "status", "label": "Status",
                                      "then": "active", "now": "retracted"}]
    assert e.as_of is None  # nothing approved


def test_readers_queries_leave_out_what_waits(session: Session,
                                              people: tuple[Actor, Actor]) -> None:
    alice, bob = people
    kept = factories.estimate(session, figure="about 700", as_of="2025-01")
    waiting = _new(session, alice, figure="über 9.000", as_of="2025-02")
    session.commit()
    listed, total = listing.list_estimates(session, listing.EstimateFilter(topic=TOPIC))
    assert ([x.id for x in listed], total) == ([kept.id], 1)
    topic_id = kept.measure.topic_id
    assert [x.id for x in listing.shown_estimates(session, topic_id, 10)] == [kept.id]
    assert [x.id for x in listing.latest_estimates(session)] == [kept.id]
    assert [x.id for x in listing.source_estimates(session, kept.source_id)[0]] == [kept.id]
    (queued,), count = review_queue.queue(session)
    assert (queued.estimate.id, queued.is_new, count) == (waiting.id, True, 1)
    assert review_queue.counts(session, bob) == review_queue.Counts(1, 1)
    assert review_queue.counts(session, alice) == review_queue.Counts(1, 0)


def test_an_import_by_an_editor_waits_and_a_demo_is_published(
        session: Session, people: tuple[Actor, Actor]) -> None:
    alice, _ = people
    factories.load_demo(session)
    assert set(session.scalars(select(Estimate.review))) == {"approved"}
    assert session.scalar(select(func.count()).select_from(Proposal)) == 0
    rows = ("topic,measure,source,low,high,qualifier,as_of,citation_url,publication,quote\n"
            f"{TOPIC},killed,s,1200,1500,between,2025-06,https://example.org/a,"
            "Укрінформ,\"від 1200 до 1500\"\n")
    report = transfer.apply(session, transfer.read_file("neu.csv", rows), alice,
                            comment="import", review_required=True)
    assert (report.created, report.awaiting_review) == (1, 1)
    (pending,) = session.scalars(select(Estimate).where(Estimate.review == "pending")).all()
    assert (pending.low, pending.high, pending.created_by_id) == (1200, 1500, alice.id)


# ---- the migration ---------------------------------------------------------------------

def test_the_migration_publishes_what_was_recorded_before_it(db_url: str, tmp_path: Path) -> None:
    with empty_database(db_url, tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, "0007")  # type: ignore[arg-type]
        engine = create_engine(url)
        tables = MetaData()
        tables.reflect(engine)
        now = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
        with engine.begin() as conn:
            for table, row in (
                    ("topics", {"id": 1, "slug": "t", "title": "T", "summary": "",
                                "created_at": now, "updated_at": now, "version": 1}),
                    ("measures", {"id": 1, "topic_id": 1, "slug": "killed", "label": "K",
                                  "unit": "people", "description": "", "position": 0,
                                  "version": 1}),
                    ("sources", {"id": 1, "slug": "s", "name": "S", "short_name": "",
                                 "kind": "media", "country": "", "party_to_conflict": False,
                                 "url": "", "description": "", "created_at": now,
                                 "updated_at": now, "version": 1}),
                    ("estimates", {"id": 1, "measure_id": 1, "source_id": 1, "low": 5,
                                   "high": 5, "qualifier": "exact", "scope": "total",
                                   "scope_note": "", "confidence": "reported",
                                   "confidence_note": "", "claimant": "", "notes": "",
                                   "status": "active", "version": 1, "created_at": now,
                                   "updated_at": now}),
                    ("citations", {"id": 1, "estimate_id": 1, "position": 0, "url": "",
                                   "publication": "P", "title": "", "quote": "",
                                   "quote_translation": "", "language": ""}),
                    ("revisions", {"id": 1, "estimate_id": 1, "number": 1,
                                   "action": "create", "before": None,
                                   "after": {"low": 5, "high": 5, "qualifier": "exact"},
                                   "created_at": now, "comment": ""})):
                conn.execute(tables.tables[table].insert(), row)
        engine.dispose()
        command.upgrade(config, "head")  # type: ignore[arg-type]
        engine = make_engine(url)
        with make_sessionmaker(engine)() as s:
            assert s.scalars(select(Estimate.review)).all() == ["approved"]
            assert s.scalars(select(Revision.number).where(
                visibility.published_revision())).all() == [1]
            # The new actions are allowed where the old vocabulary was checked.
            e = estimates.load(s, 1)
            editor = users.actor_of(users.create_user(s, "r@example.org", factories.PASSWORD))
            estimates.update_estimate(s, 1, EstimatePatch(version=1, figure="7"), editor,
                                      review_required=True)
            s.commit()
            assert [r.action for r in _revisions(s, 1)] == ["create", "proposed"]
            assert (e.low, e.version) == (5, 2)
        engine.dispose()


# ---- reckon import and demo --------------------------------------------------------------

def _add_user(email: str, role: str, capsys: pytest.CaptureFixture[str],
              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(factories.PASSWORD + "\n"))
    assert cli.main(["user", "add", email, "--role", role, "--password-stdin"]) == 0
    capsys.readouterr()


def test_reckon_import_waits_for_review_unless_an_admin_marks_it_approved(
        new_database: test_cli_transfer.NewDatabase, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("RECKON_REVIEW", "required")
    url = new_database()
    get_settings.cache_clear()
    assert cli.main(["demo"]) == 0  # the demo is published however review is set
    _add_user("ed@example.org", "editor", capsys, monkeypatch)
    _add_user("boss@example.org", "admin", capsys, monkeypatch)
    file = tmp_path / "neu.csv"
    with file.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["topic", "measure", "source", "low", "high", "qualifier", "as_of",
                         "citation_url", "publication", "quote"])
        writer.writerow(["north-korean-troops-in-russia", "killed", "south-korea-nis", "310",
                         "", "at_least", "2025-02", "https://example.org/nis",
                         "연합뉴스", "최소 310명 사망"])

    assert cli.main(["import", str(file), "--approved"]) == 1
    assert "--user" in capsys.readouterr().err
    assert cli.main(["import", str(file), "--approved", "--user", "ed@example.org"]) == 1
    assert "only an admin" in capsys.readouterr().err
    assert cli.main(["import", str(file), "--user", "ed@example.org"]) == 0
    assert "1 awaiting review by a second editor" in capsys.readouterr().out

    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as s:
            (pending,) = s.scalars(select(Estimate).where(Estimate.review != "approved"))
            assert (pending.review, pending.low) == ("pending", 310)
            editor = s.scalars(select(User).where(User.email == "ed@example.org")).one()
            assert (pending.created_by_id, s.scalars(select(Proposal.author_id)).one()) == (
                editor.id, editor.id)
            demo_rows = s.scalar(select(func.count()).select_from(Estimate).where(
                Estimate.review == "approved"))
        # An admin's import marked approved is published at once.
        file.write_text(file.read_text(encoding="utf-8").replace("2025-02", "2025-04"),
                        encoding="utf-8")
        assert cli.main(["import", str(file), "--approved", "--user", "boss@example.org"]) == 0
        with make_sessionmaker(engine)() as s:
            assert s.scalar(select(func.count()).select_from(Estimate).where(
                Estimate.review == "approved")) == (demo_rows or 0) + 1
            admin = Actor(id=1, name="x", role=Role.ADMIN)
            assert review_queue.counts(s, admin).waiting == 1
    finally:
        engine.dispose()
