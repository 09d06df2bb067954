"""One list of citation fields: the API, the export and the form all carry every one."""

from __future__ import annotations

from app.domain.citations import CITATION_FIELDS, CITATION_NAMES
from app.schemas.estimates import CitationIn, CitationOut
from app.services.transfer import CSV_COLUMNS, CSV_EXTRA_COLUMNS
from app.services.transfer.reading import CITATION_COLUMNS


def test_api_input_and_output_carry_every_citation_field() -> None:
    assert tuple(CitationIn.model_fields) == CITATION_NAMES
    # … and, read back, what Reckon captured of the cited page.
    assert tuple(CitationOut.model_fields) == (*CITATION_NAMES, "capture")


def test_the_csv_has_a_column_for_every_citation_field() -> None:
    columns = set(CSV_COLUMNS + CSV_EXTRA_COLUMNS)
    assert {f.column for f in CITATION_FIELDS} <= columns
    assert sorted(CITATION_COLUMNS.values()) == sorted(CITATION_NAMES)


def test_date_fields_are_dates_in_the_api() -> None:
    dates = {f.name for f in CITATION_FIELDS if f.is_date}
    assert dates == {name for name, info in CitationIn.model_fields.items()
                     if "date" in str(info.annotation)}
