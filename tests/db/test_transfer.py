"""Import and export: messy real-world figures, all-or-nothing checks, idempotence, round trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import make_engine, make_sessionmaker
from app.models import Citation, Estimate, Source, Topic
from app.services import transfer
from tests import factories
from tests.conftest import _migrate

HEADER = ",".join(transfer.CSV_COLUMNS)

MESSY = f"""{HEADER}
Gaza war,killed,Gaza Health Ministry,"10.000",,,at least,2024-01-13,2024-01-14,https://example.org/a,Agency,"mindestens 10.000 Tote",de,
Gaza war,killed,Israeli officials,"10,000","12,000",,,2024-02,,https://example.org/b,Paper,"10,000-12,000",en,"via ""officials"", anonymous"
Gaza war,killed,UN OCHA,10 000,,,,2024,,https://example.org/c,OCHA,,en,
Gaza war,displaced,UN OCHA,1 million,1.2 million,,about,,,https://example.org/d,OCHA,,en,undated
Gaza war,killed,Researcher X,,"80,000",,fewer than,2024-03,,,Lancet,,en,
"""


def _counts(session: Session) -> tuple[int, int, int, int]:
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Estimate, Citation, Source, Topic)
    )


def test_messy_figures_and_dates_are_read(session: Session) -> None:
    report = transfer.apply(session, transfer.read_csv(MESSY))
    assert report.created == 5
    assert report.created_topics == ["gaza-war"]
    assert set(report.created_sources) == {
        "gaza-health-ministry", "israeli-officials", "un-ocha", "researcher-x"}
    got = session.execute(
        select(Source.slug, Estimate.low, Estimate.high, Estimate.qualifier, Estimate.as_of,
               Estimate.as_of_precision, Estimate.notes)
        .join(Source).order_by(Estimate.id)
    ).all()
    assert [(g[0], g[1], g[2], g[3], g[5]) for g in got] == [
        ("gaza-health-ministry", 10000, None, "at_least", "day"),
        ("israeli-officials", 10000, 12000, "between", "month"),
        ("un-ocha", 10000, 10000, "exact", "year"),
        ("un-ocha", 1000000, 1200000, "about", None),
        ("researcher-x", None, 80000, "fewer_than", "month"),
    ]
    assert got[1][6] == 'via "officials", anonymous'


def test_bad_rows_are_all_reported_and_nothing_is_written(session: Session) -> None:
    factories.load_demo(session)
    before = _counts(session)
    bad = (f"{HEADER}\n"
           "t,killed,s,5000,3000,,,2025,,https://example.org,P,,en,\n"
           "t,killed,s,300,,,roughly,2025,,https://example.org,P,,en,\n"
           "t,killed,s,300,,,,2025-02-30,,,,,,\n")
    with pytest.raises(transfer.ImportRejected) as caught:
        transfer.read_csv(bad)
    problems = {(e.line, e.column) for e in caught.value.errors}
    assert {(2, "low"), (3, "qualifier"), (4, "as_of"), (4, "citation_url")} <= problems
    messages = [str(e) for e in caught.value.errors]
    assert any("5,000 > 3,000" in m for m in messages)
    assert any("roughly" in m for m in messages)
    assert _counts(session) == before


def test_importing_twice_creates_no_duplicates(session: Session) -> None:
    first = transfer.apply(session, transfer.read_csv(MESSY))
    after_first = _counts(session)
    second = transfer.apply(session, transfer.read_csv(MESSY))
    assert (first.created, second.created, second.updated, second.unchanged) == (5, 0, 0, 5)
    assert second.changes == 0
    assert _counts(session) == after_first


def test_rows_of_one_estimate_add_citations_and_new_citations_update(session: Session) -> None:
    two = (f"{HEADER}\n"
           "t,killed,s,300,,,,2025,,https://example.org/1,P1,,en,\n"
           "t,killed,s,300,,,,2025,,https://example.org/2,P2,,en,\n")
    assert transfer.apply(session, transfer.read_csv(two)).created == 1
    estimate = session.scalars(select(Estimate)).one()
    assert session.scalar(select(func.count()).where(Citation.estimate_id == estimate.id)) == 2
    third = two + "t,killed,s,300,,,,2025,,https://example.org/3,P3,,en,\n"
    report = transfer.apply(session, transfer.read_csv(third))
    assert (report.created, report.updated) == (0, 1)
    assert session.scalar(select(func.count()).where(Citation.estimate_id == estimate.id)) == 3


def _fresh_sqlite(tmp_path: Path, name: str) -> Session:
    url = f"sqlite:///{tmp_path / name}"
    _migrate(url)
    return make_sessionmaker(make_engine(url))()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_then_import_round_trips(session: Session, tmp_path: Path, fmt: str) -> None:
    factories.load_demo(session)
    transfer.apply(session, transfer.read_csv(MESSY))
    exported = transfer.export_file(session, f"x.{fmt}")
    # Re-importing into the same database changes nothing …
    assert transfer.apply(session, transfer.read_file(f"x.{fmt}", exported)).changes == 0
    # … and into an empty one it recreates the same data.
    with _fresh_sqlite(tmp_path, "copy.db") as copy:
        report = transfer.apply(copy, transfer.read_file(f"x.{fmt}", exported))
        copy.commit()
        assert report.created == 11
        again = transfer.export_file(copy, f"x.{fmt}")
    if fmt == "json":
        exported_data, again_data = json.loads(exported), json.loads(again)
        exported_data.pop("exported_at"), again_data.pop("exported_at")
        assert exported_data == again_data
    else:
        assert sorted(exported.splitlines()) == sorted(again.splitlines())


def test_json_import_creates_sources_with_their_metadata(session: Session) -> None:
    factories.load_demo(session)
    zelensky = session.scalars(select(Source).where(Source.slug == "volodymyr-zelensky")).one()
    assert (zelensky.kind, zelensky.party_to_conflict) == ("person", True)


def test_json_with_nan_or_bad_shapes_is_refused(session: Session) -> None:
    for text in ('{"estimates": [{"low": NaN}]}', "[1, 2]", '{"estimates": 5}', "{oops"):
        with pytest.raises(transfer.ImportRejected):
            transfer.read_json(text)
    assert _counts(session) == (0, 0, 0, 0)


def test_progress_is_reported_for_many_rows(session: Session) -> None:
    rows = [f"t,killed,s,{n},,,,2025,,https://example.org/{n},P,,en," for n in range(150)]
    seen: list[tuple[int, int]] = []
    report = transfer.apply(session, transfer.read_csv(HEADER + "\n" + "\n".join(rows)),
                            progress=lambda done, total: seen.append((done, total)))
    assert report.created == 150
    assert seen[0] == (1, 150) and seen[-1] == (150, 150)
