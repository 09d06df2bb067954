"""The words of PRODUCT.md as closed sets: one definition each, used by models (CHECK
constraints), schemas, forms, import/export and templates."""

from __future__ import annotations

from enum import StrEnum

from app.i18n import N_, gettext


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
        return gettext(_QUALIFIER_LABELS[self])

    @property
    def takes_low_only(self) -> bool:
        return self in (Qualifier.AT_LEAST, Qualifier.MORE_THAN)

    @property
    def takes_high_only(self) -> bool:
        return self in (Qualifier.UP_TO, Qualifier.FEWER_THAN)


_QUALIFIER_LABELS = {
    Qualifier.EXACT: N_("exactly"),
    Qualifier.ABOUT: N_("about"),
    Qualifier.AT_LEAST: N_("at least"),
    Qualifier.UP_TO: N_("up to"),
    Qualifier.BETWEEN: N_("between"),
    Qualifier.MORE_THAN: N_("more than"),
    Qualifier.FEWER_THAN: N_("fewer than"),
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
        return gettext(_KIND_LABELS[self])


_KIND_LABELS = {
    SourceKind.PERSON: N_("Person"),
    SourceKind.GOVERNMENT: N_("Government"),
    SourceKind.MILITARY: N_("Military"),
    SourceKind.INTELLIGENCE: N_("Intelligence"),
    SourceKind.MEDIA: N_("Media"),
    SourceKind.NGO: N_("NGO"),
    SourceKind.RESEARCHER: N_("Researcher"),
    SourceKind.OTHER: N_("Other"),
}


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
        return gettext(_SCOPE_LABELS[self])

    @property
    def needs_note(self) -> bool:
        return self is not Scope.TOTAL


_SCOPE_LABELS = {
    Scope.TOTAL: N_("total to date"),
    Scope.INCREMENT: N_("in addition to an earlier figure"),
    Scope.PERIOD: N_("one period only"),
    Scope.AREA: N_("one area only"),
    Scope.PLAN: N_("announced or planned"),
    Scope.BROADER: N_("counts more than the measure"),
    Scope.OTHER: N_("counts something else"),
}


class Confidence(StrEnum):
    """How sure the record is of the claim."""

    REPORTED = "reported"
    CORROBORATED = "corroborated"
    UNCERTAIN = "uncertain"
    DISPUTED = "disputed"

    @property
    def label(self) -> str:
        return gettext(_CONFIDENCE_LABELS[self])

    @property
    def needs_note(self) -> bool:
        return self in (Confidence.UNCERTAIN, Confidence.DISPUTED)


_CONFIDENCE_LABELS = {
    Confidence.REPORTED: N_("as reported"),
    Confidence.CORROBORATED: N_("corroborated"),
    Confidence.UNCERTAIN: N_("uncertain"),
    Confidence.DISPUTED: N_("disputed"),
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

