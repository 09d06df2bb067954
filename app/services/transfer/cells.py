"""CSV cells a spreadsheet will not run: a text cell that starts like a formula (=, +, -, @,
tab, carriage return) is written with a leading apostrophe, as the chart downloads do, and
reading strips that apostrophe again, so export → import → export gives the same file.

A cell that itself starts with an apostrophe before such a character (or before another
apostrophe) gets one more, so that every text reads back exactly as it was."""

from __future__ import annotations

from app.services.downloads import neutralise


def _escaped(cell: str) -> bool:
    rest = cell[1:]
    return cell.startswith("'") and (neutralise(rest) != rest or rest.startswith("'"))


def protect(text: str) -> str:
    """A text cell as written to a CSV file."""
    return f"'{text}" if _escaped(text) else neutralise(text)


def restore(cell: str) -> str:
    """A cell as read from a CSV file: what `protect` was given."""
    if not cell.startswith("'"):  # most cells: nothing to look at
        return cell
    return cell[1:] if _escaped(cell) else cell
