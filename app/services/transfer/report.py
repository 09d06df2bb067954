"""What an import did: counts for the summary line, and the rows it left alone because the
estimate had changed since the file was exported."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class StaleRow:
    """A row whose estimate was changed after the file was exported: applying it would undo
    that change, so it is left out and named."""

    line: int
    estimate_id: int
    version: int  # what the file was exported at
    current: int  # what the database holds now

    def __str__(self) -> str:
        return (f"line {self.line}: estimate {self.estimate_id} is at version {self.current} "
                f"but the file has version {self.version}; not applied (export again and "
                "redo the change)")


@dataclass
class Report:
    created_topics: list[str] = field(default_factory=list)
    created_measures: list[str] = field(default_factory=list)
    created_sources: list[str] = field(default_factory=list)
    party_marks: list[str] = field(default_factory=list)  # "topic/source" marks set
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: list[StaleRow] = field(default_factory=list)
    awaiting_review: int = 0  # new estimates and changes put forward (RECKON_REVIEW)

    @property
    def changes(self) -> int:
        return (len(self.created_topics) + len(self.created_measures)
                + len(self.created_sources) + len(self.party_marks) + self.created
                + self.updated)

    def summary(self) -> str:
        if not self.changes and not self.stale:
            return f"Nothing to change ({self.unchanged} estimates already up to date)."
        counts = f"{self.updated} updated, {self.created} created, {self.unchanged} unchanged"
        if self.stale:
            counts += f", {len(self.stale)} stale (not applied)"
        if self.awaiting_review:
            counts += (f" ({self.awaiting_review} awaiting review by a second editor: not "
                       "published until approved)")
        parts = [counts]
        for label, names in (("new topics", self.created_topics),
                             ("new measures", self.created_measures),
                             ("new sources", self.created_sources),
                             ("party status set within a topic", self.party_marks)):
            if names:
                parts.append(f"{label}: {', '.join(names)}")
        return "; ".join(parts) + "."
