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


class DatePrecision(StrEnum):
    """How precisely a date is known; the stored date is the first day of that period."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"

