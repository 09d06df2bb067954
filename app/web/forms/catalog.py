"""The catalogue forms — a topic (with each source's party status in it), a measure, a source:
every value kept as typed, each mistake beside its field, and the checked patch handed to the
catalogue services.

Field names are the patch schemas' own, so a schema's message lands beside its field."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from app.i18n import N_, gettext
from app.models import Measure, Source, Topic
from app.schemas.catalog import Change, MeasurePatch, SourcePatch, TopicPatch
from app.services.catalog_history import FIELD_LABELS
from app.services.parties import PartyStatus
from app.web.forms.fields import schema_message, typed, whole_number

P = TypeVar("P", bound=Change)

TOPIC_FIELDS = ("title", "summary")
MEASURE_FIELDS = ("label", "unit", "description", "position")
SOURCE_FIELDS = ("name", "short_name", "kind", "country", "party_to_conflict", "url",
                 "description")
_COMMON = ("comment", "version")
# A source's party status in one topic, as the form offers it: its default, yes, or no.
PARTY_CHOICES: dict[str, bool | None] = {"default": None, "yes": True, "no": False}
_YES_NO = {"yes": True, "no": False}
# The words each form uses for its fields, for the conflict view's tables.
_LABELS = {
    TOPIC_FIELDS: FIELD_LABELS,
    MEASURE_FIELDS: {**FIELD_LABELS, "description": N_("Definition")},
    SOURCE_FIELDS: {**FIELD_LABELS, "party_to_conflict": N_("Party to the conflict, by default")},
}


def party_field(slug: str) -> str:
    return f"party-{slug}"


def party_value(own: bool | None) -> str:
    return next(k for k, v in PARTY_CHOICES.items() if v is own)


@dataclass
class CatalogForm:
    """A catalogue form's values, exactly as typed (strings), and its messages. For a topic,
    `parties` holds each source's chosen status and `shown` the status the form was opened
    with, so only what the editor changed is written."""

    fields: tuple[str, ...]
    values: dict[str, str] = field(default_factory=dict)
    parties: dict[str, str] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    @property
    def version(self) -> int | None:
        return whole_number(self.get("version"))

    @classmethod
    def read(cls, data: FormData, fields: tuple[str, ...],
             statuses: Sequence[PartyStatus] = ()) -> CatalogForm:
        form = cls(fields, {name: typed(data.get(name)) for name in (*fields, *_COMMON)})
        for status in statuses:
            # A source that was not on the form when it was opened keeps its status.
            slug, current = status.source.slug, party_value(status.own)
            name = party_field(slug)
            form.shown[slug] = typed(data.get(f"{name}-shown")) or current
            form.parties[slug] = typed(data.get(name)) or form.shown[slug]
        return form

    def changed_parties(self) -> dict[str, bool | None]:
        """The party statuses the editor changed, by source slug (checked ones only)."""
        return {slug: PARTY_CHOICES[value] for slug, value in self.parties.items()
                if value != self.shown.get(slug) and value in PARTY_CHOICES}

    def carried(self, version: int, statuses: list[PartyStatus]) -> list[tuple[str, str]]:
        """Everything typed, as hidden fields based on `version` and the current party
        statuses: posting them applies the editor's changes on top of the current state."""
        current = {s.source.slug: party_value(s.own) for s in statuses}
        hidden = [(name, self.get(name)) for name in (*self.fields, "comment")]
        hidden.append(("version", str(version)))
        for slug, value in self.parties.items():
            # Unchanged by the editor: carry the current status, so nothing is undone.
            chosen = value if value != self.shown.get(slug) else current.get(slug, value)
            hidden += [(party_field(slug), chosen),
                       (f"{party_field(slug)}-shown", current.get(slug, value))]
        return hidden


# ---- filled from what is stored ------------------------------------------------------------

def topic_form(topic: Topic, statuses: list[PartyStatus]) -> CatalogForm:
    form = CatalogForm(TOPIC_FIELDS, {"title": topic.title, "summary": topic.summary,
                                      "version": str(topic.version)})
    for status in statuses:
        form.parties[status.source.slug] = form.shown[status.source.slug] = \
            party_value(status.own)
    return form


def measure_form(measure: Measure) -> CatalogForm:
    return CatalogForm(MEASURE_FIELDS, {
        "label": measure.label, "unit": measure.unit, "description": measure.description,
        "position": str(measure.position), "version": str(measure.version)})


def source_form(source: Source) -> CatalogForm:
    values = {name: str(getattr(source, name)) for name in SOURCE_FIELDS}
    values["party_to_conflict"] = "yes" if source.party_to_conflict else "no"
    values["version"] = str(source.version)
    return CatalogForm(SOURCE_FIELDS, values)


# ---- checked ---------------------------------------------------------------------------------

def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind in ("greater_than_equal", "less_than_equal"):
        return gettext("Give a number from 0 to 100,000.")
    if kind == "enum":
        return gettext("Choose one of the listed kinds.")
    return schema_message(error)


def _checked(form: CatalogForm, schema: type[P], data: dict[str, Any]) -> P | None:
    try:
        patch = schema.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            form.errors.setdefault(str(error["loc"][0]), _message(dict(error)))
        return None
    return None if form.errors else patch


def _typed_values(form: CatalogForm) -> dict[str, Any]:
    return {name: form.get(name) for name in (*form.fields, "comment")}


def check_topic(form: CatalogForm) -> TopicPatch | None:
    for slug, value in form.parties.items():
        if value not in PARTY_CHOICES:
            form.errors[party_field(slug)] = gettext("Choose one of the three.")
    return _checked(form, TopicPatch, _typed_values(form))


def check_measure(form: CatalogForm) -> MeasurePatch | None:
    return _checked(form, MeasurePatch, _typed_values(form))


def check_source(form: CatalogForm) -> SourcePatch | None:
    data = _typed_values(form)
    party = _YES_NO.get(form.get("party_to_conflict"))
    if party is None:
        form.errors["party_to_conflict"] = gettext("Choose yes or no.")
    data["party_to_conflict"] = party
    return _checked(form, SourcePatch, data)


# ---- compared, for the conflict view ---------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One line of a diff table (templates/_diff.html)."""

    label: str
    before: Any
    after: Any


def _shown(value: Any) -> Any:
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    return value


def diff(form: CatalogForm, before: dict[str, Any], after: dict[str, Any]) -> list[Row]:
    """The form's fields that differ between two states of the entry."""
    labels = _LABELS.get(form.fields, FIELD_LABELS)
    return [Row(labels.get(name, name), _shown(before.get(name)), _shown(after.get(name)))
            for name in form.fields if _shown(before.get(name)) != _shown(after.get(name))]


def proposed(form: CatalogForm, patch: BaseModel) -> dict[str, Any]:
    """What the editor's submission would make of the entry's fields."""
    return patch.model_dump(mode="json", include=set(form.fields))


def as_typed(value: Any) -> str:
    """A stored value as the form shows it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def keep_theirs(form: CatalogForm, mine: dict[str, Any], opened: dict[str, Any],
                current: dict[str, Any]) -> dict[str, Any]:
    """The fields the editor left as they were when the form was opened take the current
    values — in the form and in its proposal — so applying on top undoes nobody's change."""
    merged = dict(mine)
    for name in form.fields:
        if name in current and mine.get(name) == opened.get(name):
            merged[name] = current[name]
            form.values[name] = as_typed(current[name])
    return merged


def party_rows(statuses: list[PartyStatus], before: dict[str, str],
               after: dict[str, str]) -> list[Row]:
    """Party statuses that differ, in the words of the form."""
    names = {s.source.slug: s for s in statuses}
    rows = []
    for slug, status in names.items():
        if slug in before and slug in after and before[slug] != after[slug]:
            rows.append(Row(gettext("Party: %(source)s", source=status.source.name),
                            party_label(before[slug], status.source.party_to_conflict),
                            party_label(after[slug], status.source.party_to_conflict)))
    return rows


def party_label(value: str, default: bool) -> str:
    if value == "default":
        return gettext("the source's default (yes)") if default else gettext(
            "the source's default (no)")
    if value == "yes":
        return gettext("party to the conflict")
    if value == "no":
        return gettext("not a party")
    return value
