"""Import and export of estimates as CSV or JSON — one format round-trips through the other.

columns (the columns and the words they accept) -> records (one row checked) -> reading
(files, rows of one estimate) -> applying (to the database, with party_marks) -> report;
exporting writes what reading reads."""

from app.services.transfer.applying import apply
from app.services.transfer.columns import CSV_COLUMNS, CSV_EXTRA_COLUMNS, EXPORT_COLUMNS
from app.services.transfer.exporting import export_csv, export_file, export_json
from app.services.transfer.reading import Document, read_csv, read_file, read_json
from app.services.transfer.records import ImportRejected, Record, RowError
from app.services.transfer.report import Report, StaleRow

__all__ = [
    "CSV_COLUMNS",
    "CSV_EXTRA_COLUMNS",
    "EXPORT_COLUMNS",
    "Document",
    "ImportRejected",
    "Record",
    "Report",
    "RowError",
    "StaleRow",
    "apply",
    "export_csv",
    "export_file",
    "export_json",
    "read_csv",
    "read_file",
    "read_json",
]
