"""What a citation records: one list of fields, used by the form, the API, revisions and
import/export, so no path can silently drop one (as the edit form once did with retrieved_on)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.i18n import N_


@dataclass(frozen=True)
class CitationField:
    name: str  # attribute, API and JSON key
    column: str  # CSV column
    label: str  # form label (English; N_-marked, translated where shown)
    max_length: int = 300
    is_date: bool = False
    multiline: bool = False
    hint: str = ""

    @property
    def compact(self) -> bool:
        """A short field (a date, a language code) that fits beside others on one line."""
        return self.is_date or self.max_length <= 20

    @property
    def input_type(self) -> str:
        return "date" if self.is_date else "url" if self.name == "url" else "text"


CITATION_FIELDS: tuple[CitationField, ...] = (
    CitationField("url", "citation_url", N_("URL"), max_length=2000),
    CitationField("publication", "publication", N_("Publication")),
    CitationField("title", "citation_title", N_("Title")),
    CitationField("published_on", "published_on", N_("Published on"), max_length=10, is_date=True),
    CitationField("quote", "quote", N_("Quote, in the original language"), max_length=10000,
                  multiline=True),
    CitationField("quote_translation", "quote_translation", N_("Translation (optional)"),
                  max_length=10000, multiline=True),
    CitationField("language", "language", N_("Language"), max_length=20, hint=N_("e.g. de, en")),
    CitationField("retrieved_on", "retrieved_on", N_("Retrieved on"), max_length=10, is_date=True,
                  hint=N_("when the page was read")),
)
CITATION_NAMES: tuple[str, ...] = tuple(f.name for f in CITATION_FIELDS)


def blank_citation() -> dict[str, str | None]:
    return {f.name: None if f.is_date else "" for f in CITATION_FIELDS}


def has_reference(citation: Mapping[str, object]) -> bool:
    """A citation must say where: a URL or a publication."""
    return bool(citation.get("url") or citation.get("publication"))


def _identity(citation: Mapping[str, object]) -> tuple[object, ...]:
    # A citation is the page it points at; without a URL, its publication and title.
    url = citation.get("url")
    return ("url", url) if url else ("name", citation.get("publication"), citation.get("title"))


def removed_citations(before: Mapping[str, object] | None,
                      after: Mapping[str, object]) -> list[Mapping[str, object]]:
    """The citations of snapshot `before` that snapshot `after` no longer has (by URL, else
    by publication and title), in their order: what an edit dropped, kept in the history."""
    def citations(snapshot: Mapping[str, object] | None) -> list[Mapping[str, object]]:
        found = snapshot.get("citations") if snapshot else None
        return [c for c in found if isinstance(c, Mapping)] if isinstance(found, list) else []

    kept = {_identity(c) for c in citations(after)}
    return [c for c in citations(before) if _identity(c) not in kept]
