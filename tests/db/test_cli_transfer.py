"""`reckon import` and `reckon export` on SQLite and PostgreSQL, each test with empty databases
of its own: round trips, updates by id, stale rows, unknown columns, names for slugs."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from app import cli
from app.config import get_settings
from app.db import make_engine, make_sessionmaker
from app.domain.vocabulary import Status
from app.models import Estimate, Measure, Revision, Source, Topic
from app.schemas.estimates import EstimatePatch
from app.services import estimates, parties
from app.services.revisions import snapshot_at_version
from tests.conftest import PG_ADMIN_URL

FIXTURES = Path(__file__).parent.parent / "fixtures" / "transfer"
TOPIC = "north-korean-troops-in-russia"
HEADER = ("topic,measure,source,low,high,best,qualifier,as_of,stated_on,citation_url,"
          "publication,quote,language,notes")

NewDatabase = Callable[[], str]


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request: pytest.FixtureRequest, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> Iterator[NewDatabase]:
    """Makes an empty, migrated database and points `reckon` at it (each call a new one)."""
    monkeypatch.setenv("RECKON_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("RECKON_REVIEW", "off")  # imports publish at once (test_review.py)
    created: list[str] = []
    if request.param == "postgresql":
        request.getfixturevalue("postgres_url")  # skips (or fails under CI) without a server
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")

    def make() -> str:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / f'cli-{len(created)}.db'}"
        else:
            name = f"reckon_cli_{uuid.uuid4().hex[:12]}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        created.append(url)
        monkeypatch.setenv("RECKON_DATABASE_URL", url)
        get_settings.cache_clear()
        assert cli.main(["db", "upgrade"]) == 0
        return url

    try:
        yield make
    finally:
        get_settings.cache_clear()
        if request.param == "postgresql":
            with admin.connect() as conn:
                for url in created:
                    name = url.rsplit("/", 1)[1]
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def _session(url: str) -> Iterator[Session]:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            yield session
            session.commit()
    finally:
        engine.dispose()


def _run(*args: str) -> int:
    return cli.main(list(args))


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _estimate_id(url: str, measure: str, source: str) -> int:
    with _session(url) as s:
        return s.scalars(select(Estimate.id).join(Measure).join(Topic).join(Source).where(
            Topic.slug == TOPIC, Measure.slug == measure, Source.slug == source)).one()


def _rich_data(url: str) -> None:
    """The demo and a hand-written file, then edits through the services: a figure at version
    3, a retraction, a party mark within one topic."""
    assert _run("demo") == 0
    assert _run("import", str(FIXTURES / "names-and-words.csv")) == 0
    killed = _estimate_id(url, "killed", "south-korea-nis")
    with _session(url) as s:
        estimates.update_estimate(s, killed, EstimatePatch(version=1, low=250, high=350,
                                                           comment="corrected"), None)
        estimates.update_estimate(s, killed, EstimatePatch(version=2, notes="Ranges now."),
                                  None)
        wounded = _estimate_id(url, "wounded", "south-korea-nis")
        estimates.set_status(s, wounded, Status.RETRACTED, "wrong unit", None, version=1)
        parties.set_party(s, TOPIC, "volodymyr-zelensky", False, None, "not in this one")


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_import_into_an_empty_database_export_gives_the_same_file(
    new_database: NewDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    first = new_database()
    _rich_data(first)
    a, b = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
    assert _run("export", str(a)) == 0
    second = new_database()
    capsys.readouterr()
    assert _run("import", str(a)) == 0
    assert "0 updated, 10 created" in capsys.readouterr().out
    assert _run("export", str(b)) == 0
    if fmt == "csv":
        assert b.read_text(encoding="utf-8") == a.read_text(encoding="utf-8")
    else:
        data_a, data_b = (json.loads(p.read_text(encoding="utf-8")) for p in (a, b))
        assert data_a.pop("exported_at") and data_b.pop("exported_at")
        assert data_b == data_a
    assert "Міністерство оборони України" in b.read_text(encoding="utf-8")
    # Ids and versions came along, and version n is still what revision n left behind.
    killed = _estimate_id(second, "killed", "south-korea-nis")
    assert killed == _estimate_id(first, "killed", "south-korea-nis")
    with _session(second) as s:
        estimate = s.get(Estimate, killed)
        assert estimate is not None and estimate.version == 3
        assert [r.number for r in s.scalars(select(Revision).where(
            Revision.estimate_id == killed))] == [3]
        after = snapshot_at_version(s, killed, 3)
        assert after is not None and (after["low"], after["notes"]) == (250, "Ranges now.")
        # The next change goes on from there, and a new figure gets a fresh id.
        estimates.update_estimate(s, killed, EstimatePatch(version=3, best=300), None)
        assert estimate.version == 4
    new = tmp_path / "new.csv"
    new.write_text(f"{HEADER}\n{TOPIC},killed,us-officials,900,,,,2025-03,,"
                   "https://example.org/n,P,,en,\n", encoding="utf-8")
    assert _run("import", str(new)) == 0
    with _session(second) as s:
        assert s.scalar(select(func.max(Estimate.id))) > killed
        assert s.scalar(select(func.count()).select_from(Estimate)) == 11


def test_editing_one_figure_in_an_export_updates_that_estimate(
    new_database: NewDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = new_database()
    assert _run("demo") == 0
    export = tmp_path / "x.csv"
    assert _run("export", str(export)) == 0
    rows = _rows(export)
    edited = next(r for r in rows if (r["measure"], r["source"]) == ("killed", "south-korea-nis"))
    edited["low"], edited["high"], edited["qualifier"] = "250", "350", "Between"
    _write_rows(export, rows)
    capsys.readouterr()
    assert _run("import", str(export)) == 0
    out = capsys.readouterr().out
    assert "1 updated, 0 created" in out and "5 unchanged" in out
    with _session(url) as s:
        estimate = s.get(Estimate, int(edited["id"]))
        assert estimate is not None
        assert (estimate.low, estimate.high, estimate.qualifier, estimate.version) == (
            250, 350, "between", 2)
        revision = s.scalars(select(Revision).where(Revision.estimate_id == estimate.id,
                                                    Revision.number == 2)).one()
        assert revision.comment == "import from x.csv"
    # The same file again: its row now equals the estimate, though its version is older.
    assert _run("import", str(export)) == 0
    assert "Nothing to change (6 estimates already up to date)." in capsys.readouterr().out


def test_a_stale_row_is_reported_and_not_applied_while_the_others_are(
    new_database: NewDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = new_database()
    assert _run("demo") == 0
    export = tmp_path / "x.csv"
    assert _run("export", str(export)) == 0
    killed = _estimate_id(url, "killed", "south-korea-nis")
    with _session(url) as s:  # someone edits it after the export
        estimates.update_estimate(s, killed, EstimatePatch(version=1, notes="Checked."), None)
    rows = _rows(export)
    for row in rows:
        if row["measure"] in ("killed", "wounded"):
            row["notes"] = "Edited in the spreadsheet."
    _write_rows(export, rows)
    line = 2 + next(i for i, r in enumerate(rows) if r["id"] == str(killed))
    capsys.readouterr()
    assert _run("import", str(export)) == cli.STALE_EXIT
    captured = capsys.readouterr()
    assert "1 updated, 0 created, 4 unchanged, 1 stale (not applied)" in captured.out
    assert "1 stale row(s) not applied" in captured.err
    assert (f"line {line}: estimate {killed} is at version 2 but the file has version 1"
            in captured.err)
    with _session(url) as s:
        notes = dict(s.execute(select(Estimate.id, Estimate.notes)).all())
    assert notes[killed] == "Checked."
    assert notes[_estimate_id(url, "wounded", "south-korea-nis")] == "Edited in the spreadsheet."


def test_an_unknown_column_is_named_with_the_closest_known_one(
    new_database: NewDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = new_database()
    path = tmp_path / "metric.csv"
    path.write_text(f"{HEADER},metric\n{TOPIC},killed,s,300,,,,2025,,https://example.org,"
                    "P,,en,,deaths\n", encoding="utf-8")
    assert _run("import", str(path)) == 1
    err = capsys.readouterr().err
    assert "nothing written" in err
    assert "unknown column 'metric'; did you mean 'measure'?" in err
    with _session(url) as s:
        assert s.scalar(select(func.count()).select_from(Estimate)) == 0
    assert _run("import", str(path), "--ignore-unknown-columns") == 0
    captured = capsys.readouterr()
    assert "ignored unknown column(s): metric" in captured.err
    assert "0 updated, 1 created" in captured.out
    with _session(url) as s:
        assert s.scalar(select(func.count()).select_from(Estimate)) == 1


def test_names_instead_of_slugs_find_what_exists(
    new_database: NewDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = new_database()
    assert _run("demo") == 0
    path = tmp_path / "names.csv"
    path.write_text(
        "topic,measure,source,low,high,qualifier,as_of,citation_url,publication\n"
        "NORTH KOREAN TROOPS IN RUSSIA,Casualties (killed + wounded),nis,3000,3000,about,"
        "2025-02,https://example.org/1,P\n"
        "north korean troops in russia,KILLED,Us Officials,5000,,At Least,2025-03,"
        "https://example.org/2,P\n", encoding="utf-8")
    capsys.readouterr()
    assert _run("import", str(path)) == 0
    out = capsys.readouterr().out
    assert "0 updated, 2 created" in out and "new " not in out
    with _session(url) as s:
        assert s.scalar(select(func.count()).select_from(Topic)) == 1
        assert s.scalar(select(func.count()).select_from(Source)) == 4
        got = s.execute(select(Measure.slug, Source.slug, Estimate.low, Estimate.high,
                               Estimate.qualifier)
                        .join(Measure).join(Source).where(Estimate.id > 6)
                        .order_by(Estimate.id)).all()
    assert got == [("casualties", "south-korea-nis", 3000, 3000, "about"),
                   ("killed", "us-officials", 5000, None, "at_least")]


def test_a_hand_written_file_with_names_words_and_cyrillic(
    new_database: NewDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = new_database()
    assert _run("import", str(FIXTURES / "names-and-words.csv")) == 0
    out = capsys.readouterr().out
    assert "0 updated, 4 created" in out
    assert "new sources: ministerstvo-oborony-ukrainy, uk-ministry-of-defence" in out
    with _session(url) as s:
        got = s.execute(
            select(Source.slug, Source.name, Source.kind, Source.party_to_conflict,
                   Estimate.low, Estimate.high, Estimate.qualifier, Estimate.scope,
                   Estimate.confidence)
            .join(Source).order_by(Estimate.id)).all()
    mou = ("ministerstvo-oborony-ukrainy", "Міністерство оборони України", "government", True)
    ukmod = ("uk-ministry-of-defence", "UK Ministry of Defence", "government", False)
    assert got == [
        (*mou, 1000, None, "more_than", "period", "reported"),
        (*mou, 2000, None, "more_than", "total", "disputed"),
        (*ukmod, 5000, None, "more_than", "area", "corroborated"),
        (*ukmod, None, 7500, "up_to", "total", "reported"),
    ]
    # Importing it again changes nothing.
    assert _run("import", str(FIXTURES / "names-and-words.csv")) == 0
    assert "Nothing to change (4 estimates already up to date)." in capsys.readouterr().out
