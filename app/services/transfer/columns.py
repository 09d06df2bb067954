"""The columns of an import or export file and the words they accept: one list for CSV and
JSON, so an export can always be read back and a misspelt column is never silently dropped."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from enum import StrEnum

from app.domain.citations import CITATION_FIELDS

# The figure and what goes with it: the fields of a revision snapshot, in the same words.
VALUE_FIELDS = (
    "low", "high", "best", "qualifier", "as_of", "stated_on", "scope", "scope_note",
    "period_start", "period_end", "confidence", "confidence_note", "claimant", "notes",
    "status",
)
# Who and what: slugs (or names) and, for a reader and for creating what is missing, names.
CATALOG_COLUMNS = (
    "topic", "topic_title", "measure", "measure_label", "measure_unit", "source",
    "source_name", "source_short_name", "source_kind", "source_country", "source_party",
)
ESTIMATE_COLUMNS = ("id", *CATALOG_COLUMNS, *VALUE_FIELDS)
CITATION_COLUMNS = {f.column: f.name for f in CITATION_FIELDS}
# `version` comes last: only the stale check reads it.
EXPORT_COLUMNS = (*ESTIMATE_COLUMNS, *CITATION_COLUMNS, "version")
JSON_ESTIMATE_KEYS = (*ESTIMATE_COLUMNS, "citations", "version")

# The first import format, still the shortest file one can write by hand (bench data and old
# files use this order); every other column is optional on import.
CSV_COLUMNS = (
    "topic", "measure", "source", "low", "high", "best", "qualifier", "as_of", "stated_on",
    "citation_url", "publication", "quote", "language", "notes",
)
CSV_EXTRA_COLUMNS = tuple(c for c in EXPORT_COLUMNS if c not in CSV_COLUMNS)

# What people call a column that difflib cannot guess from the spelling alone.
_ALIASES = {
    "metric": "measure", "indicator": "measure", "quantity": "measure", "category": "measure",
    "url": "citation_url", "link": "citation_url", "title": "citation_title",
    "date": "as_of", "party": "source_party", "kind": "source_kind", "unit": "measure_unit",
    "country": "source_country", "comment": "notes", "note": "notes",
}


def column_name(header: str) -> str:
    """A header as written ("Source name", "as-of") in the file's own words (source_name)."""
    return re.sub(r"[\s\-]+", "_", header.strip().casefold())


def unknown_column_message(name: str, known: Iterable[str]) -> str:
    known = tuple(known)
    guess = _ALIASES.get(name) if _ALIASES.get(name) in known else None
    if guess is None:
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        guess = close[0] if close else None
    hint = f"; did you mean '{guess}'?" if guess else " (see the README for the columns)"
    return f"unknown column '{name}'{hint} (--ignore-unknown-columns skips it)"


def _folded(text: str) -> str:
    return re.sub(r"[\s_\-]+", "_", text.strip().casefold())


def word_of(value: str, vocabulary: type[StrEnum]) -> str | None:
    """The vocabulary's value for what a file wrote: the value or its label, with spaces,
    underscores, hyphens or capitals ("More Than", "more_than", "as reported")."""
    folded = _folded(value)
    if folded in vocabulary._value2member_map_:  # the value itself: no labels to translate
        return folded
    for member in vocabulary:
        if folded in (member.value, _folded(str(getattr(member, "label", member.value)))):
            return member.value
    return None


_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})


def flag_of(value: str) -> bool | None:
    """true/false, yes/no or 1/0 in any case; None when it is none of these."""
    folded = _folded(value)
    return True if folded in _TRUE else False if folded in _FALSE else None
