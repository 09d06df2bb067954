"""The words of PRODUCT.md as closed sets: one definition each, used by models (CHECK
constraints), schemas, forms, import/export and templates."""

from __future__ import annotations

from enum import StrEnum


class Qualifier(StrEnum):
    """How a source hedged its figure."""

    EXACT = "exact"
    ABOUT = "about"
    AT_LEAST = "at_least"
    UP_TO = "up_to"
    BETWEEN = "between"
    MORE_THAN = "more_than"
    FEWER_THAN = "fewer_than"

    @property
    def label(self) -> str:
        return _QUALIFIER_LABELS[self]

    @property
    def takes_low_only(self) -> bool:
        return self in (Qualifier.AT_LEAST, Qualifier.MORE_THAN)

    @property
    def takes_high_only(self) -> bool:
        return self in (Qualifier.UP_TO, Qualifier.FEWER_THAN)


_QUALIFIER_LABELS = {
    Qualifier.EXACT: "exactly",
    Qualifier.ABOUT: "about",
    Qualifier.AT_LEAST: "at least",
    Qualifier.UP_TO: "up to",
    Qualifier.BETWEEN: "between",
    Qualifier.MORE_THAN: "more than",
    Qualifier.FEWER_THAN: "fewer than",
}


class SourceKind(StrEnum):
    PERSON = "person"
    GOVERNMENT = "government"
    MILITARY = "military"
    INTELLIGENCE = "intelligence"
    MEDIA = "media"
    NGO = "ngo"
    RESEARCHER = "researcher"
    OTHER = "other"

    @property
    def label(self) -> str:
        return "NGO" if self is SourceKind.NGO else self.value.capitalize()


class Scope(StrEnum):
    """What a figure covers. Only totals are compared with one another."""

    TOTAL = "total"
    INCREMENT = "increment"
    PERIOD = "period"
    AREA = "area"
    PLAN = "plan"
    BROADER = "broader"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _SCOPE_LABELS[self]

    @property
    def needs_note(self) -> bool:
        return self is not Scope.TOTAL


_SCOPE_LABELS = {
    Scope.TOTAL: "total to date",
    Scope.INCREMENT: "in addition to an earlier figure",
    Scope.PERIOD: "one period only",
    Scope.AREA: "one area only",
    Scope.PLAN: "announced or planned",
    Scope.BROADER: "counts more than the measure",
    Scope.OTHER: "counts something else",
}


class Confidence(StrEnum):
    """How sure the record is of the claim."""

    REPORTED = "reported"
    CORROBORATED = "corroborated"
    UNCERTAIN = "uncertain"
    DISPUTED = "disputed"

    @property
    def label(self) -> str:
        return _CONFIDENCE_LABELS[self]

    @property
    def needs_note(self) -> bool:
        return self in (Confidence.UNCERTAIN, Confidence.DISPUTED)


_CONFIDENCE_LABELS = {
    Confidence.REPORTED: "as reported",
    Confidence.CORROBORATED: "corroborated",
    Confidence.UNCERTAIN: "uncertain",
    Confidence.DISPUTED: "disputed",
}


class Status(StrEnum):
    """Estimates are retracted, never deleted."""

    ACTIVE = "active"
    RETRACTED = "retracted"


class Role(StrEnum):
    EDITOR = "editor"
    ADMIN = "admin"


class RevisionAction(StrEnum):
    CREATE = "create"
    EDIT = "edit"
    RETRACT = "retract"
    RESTORE = "restore"
    REVERT = "revert"
    # Review before publication (app/services/review.py): a change put forward, and a second
    # editor's verdict on it; its author may withdraw it while it waits.
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Review(StrEnum):
    """Whether readers see an estimate: only approved ones are published. `pending`: a new
    estimate not yet approved; `rejected`: a new estimate sent back to its author."""

    APPROVED = "approved"
    PENDING = "pending"
    REJECTED = "rejected"


class ProposalState(StrEnum):
    """Where a proposal (a new estimate or a change waiting for a second editor) stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class ProposalKind(StrEnum):
    NEW = "new"  # a new estimate: its row holds the values, unpublished until approved
    EDIT = "edit"  # a change to a published estimate: its row keeps the published values


class CatalogEntity(StrEnum):
    """What a catalogue revision is about."""

    TOPIC = "topic"
    MEASURE = "measure"
    SOURCE = "source"
    TOPIC_SOURCE = "topic_source"  # a source's party status within one topic


class DatePrecision(StrEnum):
    """How precisely a date is known; the stored date is the first day of that period."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"

