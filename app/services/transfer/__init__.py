"""Import and export of estimates as CSV or JSON — one format round-trips through the other."""

from app.services.transfer.applying import Report, apply
from app.services.transfer.exporting import export_csv, export_file, export_json
from app.services.transfer.reading import (
    CSV_COLUMNS,
    CSV_EXTRA_COLUMNS,
    Document,
    ImportRejected,
    Record,
    RowError,
    read_csv,
    read_file,
    read_json,
)

__all__ = [
    "CSV_COLUMNS",
    "CSV_EXTRA_COLUMNS",
    "Document",
    "ImportRejected",
    "Record",
    "Report",
    "RowError",
    "apply",
    "export_csv",
    "export_file",
    "export_json",
    "read_csv",
    "read_file",
    "read_json",
]
