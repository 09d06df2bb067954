"""Import and export: messy real-world figures, all-or-nothing checks, idempotence, round trips."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import make_engine, make_sessionmaker
from app.models import Citation, Estimate, Revision, Source, Topic, TopicSource
from app.schemas.catalog import MeasurePatch
from app.schemas.estimates import EstimatePatch
from app.services import catalog, catalog_edits, estimates, parties, transfer
from app.services.revisions import snapshot_at_version
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
    # New estimates are written in batches: progress comes per batch, and ends at the total.
    assert seen and seen[-1] == (150, 150)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert {total for _, total in seen} == {150}


# ---- columns, words, ids and versions ------------------------------------------------------



def test_words_are_read_with_spaces_underscores_capitals_or_as_labelled(
    session: Session,
) -> None:
    text = ("topic,measure,source,low,high,qualifier,scope,scope_note,confidence,"
            "confidence_note,citation_url\n"
            "t,killed,s,100,,more than,,,,,https://example.org/1\n"
            "t,killed,s,200,,more_than,Area,Kursk only,Corroborated,,https://example.org/2\n"
            "t,killed,s,300,,More Than,one area only,Kursk only,,,https://example.org/3\n"
            "t,killed,s,,400,Fewer-Than,,,DISPUTED,says who,https://example.org/4\n"
            "t,killed,s,500,500,Exactly,Total,,as reported,,https://example.org/5\n")
    transfer.apply(session, transfer.read_csv(text))
    got = session.execute(select(Estimate.qualifier, Estimate.scope, Estimate.confidence)
                          .order_by(Estimate.id)).all()
    assert [tuple(g) for g in got] == [
        ("more_than", "total", "reported"), ("more_than", "area", "corroborated"),
        ("more_than", "area", "reported"), ("fewer_than", "total", "disputed"),
        ("exact", "total", "reported"),
    ]


def test_unknown_words_and_missing_notes_are_named_by_line_and_column() -> None:
    text = ("topic,measure,source,low,qualifier,scope,confidence,source_party,citation_url\n"
            "t,killed,s,100,roughly,,,,https://example.org/1\n"
            "t,killed,s,100,,everywhere,,,https://example.org/1\n"
            "t,killed,s,100,,area,uncertain,,https://example.org/1\n"
            "t,killed,s,100,,,,maybe,https://example.org/1\n")
    with pytest.raises(transfer.ImportRejected) as caught:
        transfer.read_csv(text)
    assert {(e.line, e.column) for e in caught.value.errors} == {
        (2, "qualifier"), (3, "scope"), (4, "scope_note"), (4, "confidence_note"),
        (5, "source_party")}
    assert "more than" in str(caught.value.errors[0])


def test_an_unknown_column_names_the_closest_known_one_unless_ignored() -> None:
    text = f"{HEADER},metric,Sourec Name\nt,killed,s,300,,,,2025,,https://e.org,P,,en,,x,y\n"
    with pytest.raises(transfer.ImportRejected) as caught:
        transfer.read_csv(text)
    messages = [str(e) for e in caught.value.errors]
    assert messages[0].startswith(
        "line 1, column metric: unknown column 'metric'; did you mean 'measure'?")
    assert "unknown column 'sourec_name'; did you mean 'source_name'?" in messages[1]
    document = transfer.read_csv(text, ignore_unknown_columns=True)
    assert document.ignored_columns == ["metric", "sourec_name"]
    assert len(document.records) == 1
    item = {"topic": "t", "measure": "killed", "source": "s", "low": 1, "qualifer": "about",
            "citations": [{"url": "https://example.org"}]}
    with pytest.raises(transfer.ImportRejected) as caught:
        transfer.read_json(json.dumps([item]))
    assert "did you mean 'qualifier'?" in str(caught.value.errors[0])
    assert transfer.read_json(json.dumps([item]), ignore_unknown_columns=True).records


def test_rows_of_one_estimate_must_agree_and_an_id_needs_its_version() -> None:
    text = ("id,version,topic,measure,source,low,citation_url\n"
            "7,2,t,killed,s,300,https://example.org/1\n"
            "7,2,t,killed,s,310,https://example.org/2\n"
            "8,,t,killed,s,300,https://example.org/1\n")
    with pytest.raises(transfer.ImportRejected) as caught:
        transfer.read_csv(text)
    assert [(e.line, e.column) for e in caught.value.errors] == [(3, "low"), (4, "version")]
    assert "Estimate 7 is also on line 2 with another low" in str(caught.value.errors[0])


def test_an_id_that_names_another_figure_is_refused_and_nothing_is_written(
    session: Session,
) -> None:
    factories.load_demo(session)
    before = _counts(session)
    nis = session.scalars(select(Estimate).join(Source).where(
        Source.slug == "south-korea-nis").order_by(Estimate.id)).first()
    assert nis is not None
    text = (f"id,version,topic,measure,source,low,citation_url\n"
            f"{nis.id},{nis.version},north-korean-troops-in-russia,killed,us-officials,5,"
            "https://example.org/1\n"
            ",,brand-new-topic,killed,s,5,https://example.org/1\n")
    with pytest.raises(transfer.ImportRejected) as caught:
        transfer.apply(session, transfer.read_csv(text))
    assert [(e.line, e.column) for e in caught.value.errors] == [(2, "id")]
    assert _counts(session) == before  # the new topic of line 3 was undone too


def test_an_estimate_imported_with_id_and_version_carries_on_from_them(
    session: Session,
) -> None:
    factories.topic_with_measure(session)
    factories.source(session, "s")
    wanted = (session.scalar(select(func.max(Estimate.id))) or 0) + 500
    text = (f"id,version,topic,measure,source,low,citation_url\n"
            f"{wanted},4,t,killed,s,300,https://example.org/1\n")
    report = transfer.apply(session, transfer.read_csv(text))
    assert (report.created, report.updated) == (1, 0)
    estimate = session.get(Estimate, wanted)
    assert estimate is not None and estimate.version == 4
    assert session.scalars(select(Revision.number).where(
        Revision.estimate_id == wanted)).all() == [4]
    assert (snapshot_at_version(session, wanted, 4) or {})["low"] == 300
    estimates.update_estimate(session, wanted, EstimatePatch(version=4, notes="n"), None)
    assert estimate.version == 5
    assert session.scalars(select(Revision.number).where(
        Revision.estimate_id == wanted).order_by(Revision.number)).all() == [4, 5]
    # PostgreSQL's id sequence moved past the explicit id (SQLite does so by itself).
    assert factories.estimate(session, low=1).id > wanted
    # Read back with the same id and version, the row is unchanged; with an older version
    # and another value it is stale, and not applied.
    assert transfer.apply(session, transfer.read_csv(text.replace(",4,", ",5,"))).changes == 0
    stale = transfer.apply(session, transfer.read_csv(text.replace("300", "333")))
    assert stale.changes == 0
    assert [(s.estimate_id, s.version, s.current) for s in stale.stale] == [(wanted, 4, 5)]
    assert "1 stale (not applied)" in stale.summary()
    assert estimate.low == 300


def test_an_id_row_can_retract_and_clear(session: Session) -> None:
    factories.load_demo(session)
    exported = list(csv.DictReader(io.StringIO(transfer.export_csv(session))))
    first = exported[0]
    first["status"], first["notes"] = "Retracted", ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(first), lineterminator="\n")
    writer.writeheader()
    writer.writerow(first)
    report = transfer.apply(session, transfer.read_csv(out.getvalue()))
    assert (report.updated, report.created, report.unchanged) == (1, 0, 0)
    estimate = session.get(Estimate, int(first["id"]))
    assert estimate is not None
    # An edit (the notes) and a retraction: two revisions, as through the editor.
    assert (estimate.status, estimate.notes, estimate.version) == ("retracted", "", 3)


def test_a_row_without_id_fills_in_what_a_matching_figure_lacks(session: Session) -> None:
    two = (f"{HEADER}\n"
           "t,killed,s,300,,,,2025,,https://example.org/1,P1,,en,\n")
    transfer.apply(session, transfer.read_csv(two))
    more = ("topic,measure,source,low,as_of,scope,scope_note,notes,status,citation_url\n"
            "t,killed,s,300,2025,area,Kursk only,,,https://example.org/1\n")
    report = transfer.apply(session, transfer.read_csv(more))
    assert (report.created, report.updated) == (0, 1)
    estimate = session.scalars(select(Estimate)).one()
    # An empty status or notes cell changes nothing (an old file never un-retracts).
    assert (estimate.scope, estimate.scope_note, estimate.status) == (
        "area", "Kursk only", "active")
    assert transfer.apply(session, transfer.read_csv(more)).changes == 0


def test_source_party_sets_a_topic_mark_only_where_the_default_differs(
    session: Session,
) -> None:
    text = ("topic,measure,source,source_party,low,citation_url\n"
            "a,killed,s,true,1,https://example.org/1\n"
            "a,wounded,s,yes,2,https://example.org/2\n"
            "b,killed,s,false,3,https://example.org/3\n")
    report = transfer.apply(session, transfer.read_csv(text))
    source = session.scalars(select(Source).where(Source.slug == "s")).one()
    assert source.party_to_conflict is True  # from the first row naming the new source
    marks = session.execute(select(Topic.slug, TopicSource.party_to_conflict)
                            .join(Topic, Topic.id == TopicSource.topic_id)).all()
    assert [tuple(m) for m in marks] == [("b", False)]
    assert report.party_marks == ["b/s"]
    exported = transfer.export_csv(session)
    assert [line.split(",")[11] for line in exported.splitlines()[1:]] == [
        "true", "true", "false"]
    assert transfer.apply(session, transfer.read_csv(exported)).changes == 0
    disagree = text + "b,wounded,s,true,4,https://example.org/4\n"
    with pytest.raises(transfer.ImportRejected) as caught:
        transfer.apply(session, transfer.read_csv(disagree))
    assert [(e.line, e.column) for e in caught.value.errors] == [(5, "source_party")]


def test_json_round_trip_keeps_party_marks_and_the_order_of_measures(
    session: Session, tmp_path: Path,
) -> None:
    factories.load_demo(session)
    topic = "north-korean-troops-in-russia"
    parties.set_party(session, topic, "volodymyr-zelensky", False, None, "not here")
    measure = next(m for m in catalog.get_topic(session, topic).measures
                   if m.slug == "casualties")
    catalog_edits.update_measure(session, topic, "casualties", MeasurePatch(position=5), None,
                                 version=measure.version)
    session.commit()
    exported = transfer.export_json(session)
    with _fresh_sqlite(tmp_path, "copy.db") as copy:
        transfer.apply(copy, transfer.read_json(exported))
        copy.commit()
        again = transfer.export_json(copy)
    first, second = json.loads(exported), json.loads(again)
    first.pop("exported_at"), second.pop("exported_at")
    assert second == first
    assert [m["slug"] for m in second["topics"][0]["measures"]] == [
        "deployed", "casualties", "killed", "wounded"]
    assert second["topics"][0]["party_marks"] == [
        {"source": "volodymyr-zelensky", "party_to_conflict": False}]
    assert {e["source_party"] for e in second["estimates"]
            if e["source"] == "volodymyr-zelensky"} == {False}
