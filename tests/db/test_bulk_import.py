"""The import's bulk path (services/transfer/bulk.py) on SQLite and PostgreSQL: new estimates are
written in executemany batches (the INSERT statements do not grow with the rows), a bad row
still refuses the whole file, the history's chain verifies, and every new estimate is what the
one-by-one path (services.new_estimates.insert_estimate) would have made of the same row."""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from app.models import (
    Citation,
    CitedPage,
    Estimate,
    Measure,
    PageCapture,
    Proposal,
    Revision,
    Source,
    Topic,
)
from app.schemas.estimates import CitationIn, EstimateDraft
from app.services import catalog, chain, estimates, new_estimates, transfer
from app.services.revisions import snapshot
from tests.db.test_transfer import _fresh_sqlite

COLUMNS = ("topic,measure,source,low,high,best,qualifier,as_of,stated_on,scope,scope_note,"
           "confidence,confidence_note,citation_url,publication,published_on,quote,language,"
           "notes,status")


def _rows(topic: str, count: int, seed: int = 7, *, bad: dict[int, str] | None = None,
          measure: str = "killed") -> str:
    """`count` estimates as newsrooms send them: every qualifier, partial and German dates,
    thousands separators, scopes with notes, quotes with commas and newlines, a second
    citation on a row of its own now and then; `bad` replaces a data line (1-based)."""
    rng = random.Random(seed)
    lines = [COLUMNS]
    for n in range(count):
        centre = rng.randrange(1, 90_000)
        low, high, qualifier = rng.choice([
            (f"{centre:,}", "", "at least"), (str(centre), str(centre), "about"),
            (str(centre), str(centre * 2), "between"), ("", f"{centre}", "up to"),
            (f"{max(centre // 1000, 1)}.000", "", ""), (str(centre), str(centre), "exact"),
            (str(centre), str(centre), "between"),  # as an export of loaded data may hold
        ])
        as_of = rng.choice(["2024-03-05", "2024-03", "2024", "05.03.2024", ""])
        stated = "2024-04-01" if not as_of or rng.random() < 0.3 else ""
        scope, note = rng.choice([("", ""), ("area", "Kursk region only"),
                                  ("total", "")])
        confidence, why = rng.choice([("", ""), ("disputed", "denied by the ministry")])
        url = f"https://example.org/report/{n % (count // 3 + 1)}?lang=uk&p={n}"
        quote = rng.choice(["", f'"{centre} killed, at least"', "line one\nline two"])
        published = rng.choice(["", "2024-02-28"])
        status = rng.choice(["", "active", "retracted"])
        cells = [topic, measure, f"Source {n % 17}", low, high, "", qualifier, as_of, stated,
                 scope, note, confidence, why, url, f"Paper {n % 5}", published, quote, "uk",
                 f"row {n}, with a comma", status]
        lines.append(",".join(_quoted(c) for c in cells))
        if rng.random() < 0.1:  # a second citation of the same figure
            cells[13:18] = [f"https://example.net/{n}", "Wire", "", "", "en"]
            lines.append(",".join(_quoted(c) for c in cells))
    for line, text in (bad or {}).items():
        lines[line] = text
    return "\n".join(lines) + "\n"


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\n') else cell


@contextmanager
def _inserts(session: Session) -> Iterator[list[str]]:
    """The INSERT statements sent to the database (an executemany counts once)."""
    seen: list[str] = []
    connection = session.connection()

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            seen.append(statement.split("(")[0].strip())

    event.listen(connection, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", note)


def _prepare(session: Session, topic: str) -> None:
    """The topic, its measure and the sources, so only estimates are new."""
    transfer.apply(session, transfer.read_csv(_rows(topic, 60, measure="wounded")))
    transfer.apply(session, transfer.read_csv(_rows(topic, 1, measure="killed")))
    session.flush()


def _count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_inserts_come_in_batches_that_do_not_grow_with_the_rows(session: Session) -> None:
    _prepare(session, "small")
    _prepare(session, "large")
    document = transfer.read_csv(_rows("small", 500, seed=1))
    with _inserts(session) as small:
        report = transfer.apply(session, document)
    assert report.created == len(document.records) > 490
    document = transfer.read_csv(_rows("large", 5_000, seed=2))
    with _inserts(session) as large:
        report = transfer.apply(session, document)
    assert report.created == len(document.records) > 4_900  # rows of one figure merge
    assert sorted(large) == sorted(small), (small, large)
    # estimates, citations, revisions, the capture queue's pages and snapshots
    assert len(large) <= 6, large
    assert chain.verify(session).intact


def test_a_bad_row_writes_nothing_and_is_named(session: Session) -> None:
    _prepare(session, "t")
    before = [_count(session, m) for m in (Estimate, Citation, Revision, PageCapture, Proposal)]
    above = "t,killed,Source 1,500,400,,between,2024-01,,,,,,https://example.org/x,P,,,,,"
    no_month = "t,killed,Source 2,500,,,,2024-13-45,,,,,,https://example.org/y,P,,,,,"
    text = _rows("t", 5_000, bad={3001: above, 4200: no_month})
    # Lines as the file has them (some quotes span two).
    lines = [text[:text.index(bad)].count("\n") + 1 for bad in (above, no_month)]
    assert lines[0] > 3001
    with pytest.raises(transfer.ImportRejected) as rejected:
        transfer.apply(session, transfer.read_csv(text))
    named = {(e.line, e.column) for e in rejected.value.errors}
    assert {line for line, _ in named} == set(lines), named
    assert (lines[1], "as_of") in named
    after = [_count(session, m) for m in (Estimate, Citation, Revision, PageCapture, Proposal)]
    assert after == before


def test_a_row_the_database_would_refuse_refuses_the_file(session: Session) -> None:
    _prepare(session, "t")
    before = _count(session, Estimate)
    cited = "\n".join(f"t,killed,Source 1,77,,,,2024-05,,,,,,https://example.org/c{n},P,,,,,"
                      for n in range(21))  # one estimate with 21 citations: one too many
    with pytest.raises(transfer.ImportRejected) as rejected:
        transfer.apply(session, transfer.read_csv(COLUMNS + "\n" + cited + "\n"))
    assert [e.line for e in rejected.value.errors] == [2]
    assert _count(session, Estimate) == before


def _one_by_one(session: Session, text: str, *, review_required: bool) -> None:
    """The rows of `text` through services.new_estimates.insert_estimate, as the import wrote
    each estimate before the bulk path."""
    resolver = catalog.Resolver(session)
    for record in transfer.read_csv(text).records:
        topic = resolver.topic(record.topic)
        measure = resolver.measure(topic, record.measure)
        source = resolver.source(record.source)
        draft = EstimateDraft(**{k: v for k, v in record.values.items() if k != "status"},
                              citations=[CitationIn(**c) for c in record.citations])
        new_estimates.insert_estimate(session, measure, source, draft, None,
                                      status=record.values["status"], comment="import",
                                      estimate_id=record.id, version=record.version,
                                      review_required=review_required)


def _made(session: Session, topic: str) -> list[dict[str, Any]]:
    """Everything a new estimate of `topic` got, in file order, without ids and times."""
    found = session.scalars(
        select(Estimate).join(Measure).join(Topic).where(Topic.slug == topic)
        .order_by(Estimate.id)).all()
    made = []
    for e in found:
        session.refresh(e)
        loaded = estimates.load(session, e.id, revisions=True)
        snap = snapshot(loaded)
        snap.pop("topic")
        revisions = [(r.number, r.action, r.before, {**r.after, "topic": None}, r.comment)
                     for r in loaded.revisions]
        proposals = [(p.kind, p.base_version, {**p.proposed, "topic": None}, p.state, p.comment)
                     for p in session.scalars(select(Proposal).where(Proposal.estimate_id == e.id))]
        queued = sorted(
            (url, session.scalar(select(func.count()).select_from(PageCapture).join(
                CitedPage, CitedPage.id == PageCapture.page_id).where(CitedPage.url == url)))
            for url in {c["url"] for c in snap["citations"] if c["url"]})
        made.append({"snapshot": snap, "version": loaded.version, "placed": (
            loaded.placed_on, loaded.placed_precision), "review": loaded.review,
            "revisions": revisions, "proposals": proposals, "queued": queued,
            "source": loaded.source.slug, "measure": loaded.measure.slug})
    return made


@pytest.mark.parametrize("review_required", [False, True])
def test_bulk_estimates_are_what_the_one_by_one_path_makes(session: Session,
                                                           review_required: bool) -> None:
    text = _rows("bulk", 120, seed=5)
    report = transfer.apply(session, transfer.read_csv(text), comment="import",
                            review_required=review_required)
    _one_by_one(session, text.replace("\nbulk,", "\none-by-one,").replace(
        "https://", "https://copy."), review_required=review_required)
    session.flush()
    bulk = _made(session, "bulk")
    orm = _made(session, "one-by-one")
    assert len(bulk) == report.created == len(orm) > 100
    for mine, theirs in zip(bulk, orm, strict=True):
        for citation in theirs["snapshot"]["citations"]:
            citation["url"] = citation["url"].replace("https://copy.", "https://")
        theirs["queued"] = [(url.replace("https://copy.", "https://"), n)
                            for url, n in theirs["queued"]]
        for revision in theirs["revisions"]:
            for c in revision[3]["citations"]:
                c["url"] = c["url"].replace("https://copy.", "https://")
        for proposal in theirs["proposals"]:
            for c in proposal[2]["citations"]:
                c["url"] = c["url"].replace("https://copy.", "https://")
        assert json.dumps(mine, default=str, sort_keys=True) == json.dumps(
            theirs, default=str, sort_keys=True)
    assert {m["review"] for m in bulk} == {"pending" if review_required else "approved"}
    assert any(m["placed"][0] is not None for m in bulk)
    assert chain.verify(session).intact


def test_an_export_of_a_between_of_one_number_round_trips(session: Session,
                                                          tmp_path: Path) -> None:
    transfer.apply(session, transfer.read_csv(_rows("t", 40)))
    # Data loaded without the figure rules (the benchmark's loader) may hold such ranges.
    session.execute(update(Estimate).where(Estimate.qualifier == "exact")
                    .values(qualifier="between"))
    session.flush()
    exported = transfer.export_csv(session)
    shapes = {(r["qualifier"], r["low"] == r["high"])
              for r in csv.DictReader(io.StringIO(exported))}
    assert ("exact", True) in shapes and ("between", True) not in shapes
    with _fresh_sqlite(tmp_path, "copy.db") as copy:
        report = transfer.apply(copy, transfer.read_csv(exported))
        copy.commit()
        assert report.created == _count(session, Estimate)
        again = transfer.export_csv(copy)
        assert transfer.export_csv(copy) == again
        assert chain.verify(copy).intact
    # (The copy is SQLite: rows without a date sort elsewhere on PostgreSQL.)
    assert sorted(again.splitlines()) == sorted(exported.splitlines())


def test_sources_and_measures_are_resolved_once(session: Session) -> None:
    _prepare(session, "t")
    statements: list[str] = []
    connection = session.connection()

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", note)
    try:
        transfer.apply(session, transfer.read_csv(_rows("t", 2_000, seed=3)))
    finally:
        event.remove(connection, "before_cursor_execute", note)
    assert len(statements) < 60, len(statements)
    assert _count(session, Source) == 17
