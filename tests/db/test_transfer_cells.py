"""`reckon export x.csv` writes no cell a spreadsheet would run as a formula, and `reckon
import` reads those cells back as they were typed: export → import → export is the same file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from app import cli
from app.models import Citation, Estimate, Source
from app.schemas.catalog import SourceCreate
from app.schemas.estimates import CitationIn, EstimateCreate
from app.services import catalog, new_estimates
from app.services.transfer import read_csv
from app.services.transfer.cells import protect, restore
from tests.db import test_cli_transfer

TOPIC = "north-korean-troops-in-russia"
new_database = test_cli_transfer.new_database
_session = test_cli_transfer._session

# What people do write, and what a spreadsheet would run.
NOTES = "=HYPERLINK(\"https://evil.example\",\"click\")"
CLAIMANT = "+1 202 555 0100"
SCOPE_NOTE = "-5 km from the border"
QUOTE = "@SUM(A1:A9) soldiers"
TITLE = "'=already quoted"
SOURCE_NAME = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize("text", [
    "", "plain", "-", "=1+1", "+", "@a", "\tx", "\rx", "'", "''", "'=x", "''=x", "'plain",
    "-5", "a=b",
])
def test_protect_and_restore_are_inverse(text: str) -> None:
    cell = protect(text)
    assert restore(cell) == text
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def _formula_data(url: str) -> None:
    assert cli.main(["demo"]) == 0
    with _session(url) as s:
        catalog.create_source(s, SourceCreate(slug="formula", name=SOURCE_NAME))
        new_estimates.create_estimate(s, EstimateCreate(
            topic=TOPIC, measure="killed", source="formula", low=5, high=5, as_of="2025-02",
            notes=NOTES, claimant=CLAIMANT, scope="area", scope_note=SCOPE_NOTE,
            citations=[CitationIn(url="https://example.org/f", title=TITLE, quote=QUOTE)],
        ), None)


def test_an_export_runs_no_formula_and_reads_back_the_same(
        new_database: test_cli_transfer.NewDatabase, tmp_path: Path) -> None:
    first = new_database()
    _formula_data(first)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert cli.main(["export", str(a)]) == 0
    rows = list(csv.DictReader(io.StringIO(a.read_text(encoding="utf-8"))))
    (row,) = [r for r in rows if r["source"] == "formula"]
    assert (row["notes"], row["claimant"], row["scope_note"]) == (
        f"'{NOTES}", f"'{CLAIMANT}", f"'{SCOPE_NOTE}")
    # An apostrophe already before a formula gets another, so the import keeps it.
    assert (row["quote"], row["citation_title"], row["source_name"]) == (
        f"'{QUOTE}", f"'{TITLE}", f"'{SOURCE_NAME}")
    assert (row["low"], row["high"]) == ("5", "5")  # numbers stay numbers
    for cells in rows:
        assert not [v for v in cells.values() if v.startswith(("=", "+", "-", "@"))], cells

    second = new_database()
    assert cli.main(["import", str(a)]) == 0
    assert cli.main(["export", str(b)]) == 0
    assert b.read_text(encoding="utf-8") == a.read_text(encoding="utf-8")
    with _session(second) as s:
        stored = s.scalars(select(Estimate).where(Estimate.notes == NOTES)).one()
        assert (stored.claimant, stored.scope_note) == (CLAIMANT, SCOPE_NOTE)
        citation = s.scalars(select(Citation).where(Citation.estimate_id == stored.id)).one()
        assert (citation.quote, citation.title) == (QUOTE, TITLE)
        assert s.scalars(select(Source.name).where(Source.slug == "formula")).one() == (
            SOURCE_NAME)


def test_a_hand_written_apostrophe_before_a_formula_is_read_as_the_formula_s_text() -> None:
    header = ("topic,measure,source,low,high,best,qualifier,as_of,stated_on,citation_url,"
              "publication,quote,language,notes")
    document = read_csv(f"{header}\n{TOPIC},killed,nis,300,,,,2025,2025,https://x.org,,"
                        "'=quoted,en,'-minus\n")
    (record,) = document.records
    assert record.values["notes"] == "-minus"
    assert record.citations[0]["quote"] == "=quoted"
