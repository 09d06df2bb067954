"""The estimate form: every value kept as typed, each mistake reported beside its field, and
the checked values handed to the estimate services.

A form that fails comes back with every value as the editor typed it and one message per
wrong field, so nothing typed is ever lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from app.domain.citations import CITATION_FIELDS, CITATION_NAMES, has_reference
from app.domain.claims import claim_errors
from app.domain.dates import parse_optional_date, parse_partial_date
from app.domain.errors import FigureError
from app.domain.figures import Figure, format_figure, resolve_figure
from app.domain.numbers import parse_number
from app.domain.review import with_reviewed
from app.domain.vocabulary import Confidence, Scope, SourceKind
from app.i18n import format_number, gettext
from app.models import Estimate
from app.schemas.common import SLUG_RE
from app.schemas.estimates import CitationIn, EstimateDraft, EstimatePatch
from app.services.estimates import new_citation
from app.services.new_estimates import Placement
from app.services.revisions import citation_dict, snapshot
from app.web.forms.fields import schema_message, typed, whole_number

NEW = "__new__"
ESTIMATE_FIELDS = (
    "topic", "new_topic_title", "measure", "new_measure_unit", "source", "new_source_name",
    "new_source_kind", "new_source_country", "new_source_party", "figure", "low", "high",
    "best", "qualifier", "as_of", "stated_on", "scope", "scope_note", "period_start",
    "period_end", "confidence", "confidence_note", "claimant", "notes", "comment", "version",
)
MAX_CITATIONS = 10
DATED = ("as_of", "stated_on", "period_start", "period_end")
CLAIMED = ("scope", "scope_note", "confidence", "confidence_note")
_KINDS = frozenset(k.value for k in SourceKind)


@dataclass
class EstimateForm:
    """The estimate form's values, exactly as typed (strings), and its messages."""

    values: dict[str, str] = field(default_factory=dict)
    citations: list[dict[str, str]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    @classmethod
    def from_form(cls, form: FormData) -> EstimateForm:
        values = {name: typed(form.get(name)) for name in ESTIMATE_FIELDS}
        citations = []
        for i in range(MAX_CITATIONS):
            citation = {k: typed(form.get(f"citation-{i}-{k}")) for k in CITATION_NAMES}
            if any(citation.values()):
                citations.append(citation)
        return cls(values=values, citations=citations)

    @classmethod
    def for_new(cls, topic: str = "", measure: str = "") -> EstimateForm:
        return cls(values={"topic": topic, "measure": measure, "new_source_kind": "other",
                           "scope": Scope.TOTAL, "confidence": Confidence.REPORTED})

    @classmethod
    def for_edit(cls, e: Estimate, proposed: dict[str, Any] | None = None) -> EstimateForm:
        """The estimate's values; or, for the author of a change that awaits review, the
        values it proposes (services.review), to go on from."""
        snap = snapshot(e) if proposed is None else with_reviewed(snapshot(e), proposed)
        values = {
            "topic": snap["topic"], "measure": snap["measure"], "source": snap["source"],
            "figure": format_figure(snap["low"], snap["high"], snap["qualifier"]),
            "best": "" if snap["best"] is None else str(snap["best"]),
            "claimant": snap["claimant"], "notes": snap["notes"], "version": str(e.version),
            **{name: snap[name] or "" for name in DATED + CLAIMED},
        }
        citations = [{k: str(c[k] or "") for k in CITATION_NAMES} for c in snap["citations"]]
        return cls(values=values, citations=citations)

    def citation_rows(self) -> list[dict[str, str]]:
        """The citations typed so far plus one empty row for another."""
        return [*self.citations, dict.fromkeys(CITATION_NAMES, "")][:MAX_CITATIONS]


@dataclass(frozen=True)
class Checked:
    """What the form holds once read: None where a field had a mistake."""

    figure: Figure | None
    dates: dict[str, str | None]  # as_of, stated_on, period_start, period_end as ISO text
    citations: list[CitationIn]


def _count(form: EstimateForm, name: str) -> int | None:
    raw = form.get(name)
    if not raw:
        return None
    try:
        return parse_number(raw)
    except FigureError as exc:
        form.errors[name] = str(exc)
        return None


def _date(form: EstimateForm, name: str) -> str | None:
    raw = form.get(name)
    if not raw:
        return None
    try:
        return parse_partial_date(raw).iso()
    except FigureError as exc:
        form.errors[name] = str(exc)
        return None


def read_figure(form: EstimateForm) -> Figure | None:
    """The figure from the figure text or from low/high; messages go to form.errors."""
    low, high, best = _count(form, "low"), _count(form, "high"), _count(form, "best")
    text = form.get("figure")
    if form.errors:
        return None
    if text and (low is not None or high is not None):
        form.errors["figure"] = gettext("Give the figure either as text or as low and high, "
                                        "not both: clear one of them.")
        return None
    if not text and low is None and high is None:
        form.errors["figure"] = gettext("Type the figure as the source gives it, e.g. "
                                        "'about 1,200'.")
        return None
    fig, errors = resolve_figure(figure=text or None, low=low, high=high, best=best,
                                 qualifier=form.get("qualifier") or None)
    form.errors.update(errors)
    return fig


def _citations(form: EstimateForm) -> list[CitationIn]:
    checked = []
    if not form.citations:
        form.errors["citation-0-url"] = gettext(
            "Give at least one citation: a URL or a publication.")
    for i, raw in enumerate(form.citations):
        if not has_reference(raw):
            form.errors[f"citation-{i}-url"] = gettext(
                "Give the URL or the publication of this citation.")
            continue
        values: dict[str, Any] = {
            f.name: (raw[f.name] or None) if f.is_date else raw[f.name] for f in CITATION_FIELDS
        }
        try:
            checked.append(CitationIn.model_validate(values))
        except ValidationError as exc:
            for err in exc.errors():
                form.errors[f"citation-{i}-{err['loc'][0]}"] = schema_message(dict(err))
    return checked


def check_estimate_form(form: EstimateForm, *, editing: bool) -> Checked:
    """Everything that can be checked without writing; mistakes go to form.errors."""
    checked = Checked(figure=read_figure(form), dates={name: _date(form, name) for name in DATED},
                      citations=_citations(form))
    problems = claim_errors(
        scope=form.get("scope") or Scope.TOTAL, scope_note=form.get("scope_note"),
        period_start=parse_optional_date(checked.dates["period_start"]),
        period_end=parse_optional_date(checked.dates["period_end"]),
        confidence=form.get("confidence") or Confidence.REPORTED,
        confidence_note=form.get("confidence_note"))
    for name, message in problems.items():
        form.errors.setdefault(name, message)
    for name, limit in (("claimant", 300), ("notes", 10000), ("comment", 1000),
                        ("scope_note", 10000), ("confidence_note", 10000)):
        if len(form.get(name)) > limit:
            form.errors[name] = gettext("Keep this under %(limit)s characters.",
                                        limit=format_number(limit))
    if not editing:
        _check_refs(form)
    return checked


def _check_refs(form: EstimateForm) -> None:
    if not form.get("topic"):
        form.errors["topic"] = gettext("Choose a topic, or “New topic” and give its title.")
    elif form.get("topic") == NEW and not form.get("new_topic_title"):
        form.errors["new_topic_title"] = gettext("Give the new topic's title.")
    if not form.get("measure"):
        form.errors["measure"] = gettext("Name the measure, e.g. killed, wounded or deployed.")
    if len(form.get("new_measure_unit")) > 50:
        form.errors["new_measure_unit"] = gettext("Keep the unit under %(limit)s characters.",
                                                  limit=50)
    if not form.get("source"):
        form.errors["source"] = gettext("Choose a source, or “New source” and give its name.")
    elif form.get("source") == NEW:
        if not form.get("new_source_name"):
            form.errors["new_source_name"] = gettext("Give the new source's name.")
        if form.get("new_source_kind") not in _KINDS:
            form.errors["new_source_kind"] = gettext("Choose what kind of source this is.")
    elif not re.match(SLUG_RE, form.get("source")):
        form.errors["source"] = gettext("Choose a source from the list.")


def placement(form: EstimateForm) -> Placement:
    """Where the new estimate goes, as the form names it."""
    new_topic = form.get("topic") == NEW
    new_source = None
    if form.get("source") == NEW:
        new_source = {
            "name": form.get("new_source_name")[:200], "kind": form.get("new_source_kind"),
            "country": form.get("new_source_country")[:100],
            "party_to_conflict": form.get("new_source_party") == "on",
        }
    return Placement(
        topic="" if new_topic else form.get("topic"),
        new_topic_title=form.get("new_topic_title")[:200] if new_topic else "",
        measure=form.get("measure")[:200],
        measure_unit=form.get("new_measure_unit"),
        source="" if new_source else form.get("source"),
        new_source=new_source,
    )


def _figure(checked: Checked) -> Figure:
    assert checked.figure is not None, "only called for a form without mistakes"
    return checked.figure


def estimate_draft(form: EstimateForm, checked: Checked) -> EstimateDraft:
    fig = _figure(checked)
    return EstimateDraft.model_validate({
        "low": fig.low, "high": fig.high, "best": fig.best, "qualifier": fig.qualifier,
        **checked.dates,
        "scope": form.get("scope") or Scope.TOTAL, "scope_note": form.get("scope_note"),
        "confidence": form.get("confidence") or Confidence.REPORTED,
        "confidence_note": form.get("confidence_note"),
        "claimant": form.get("claimant"), "notes": form.get("notes"),
        "citations": checked.citations, "comment": form.get("comment"),
    })


def estimate_patch(form: EstimateForm, checked: Checked) -> EstimatePatch:
    """The same values as a patch: every field the form shows is set, so each is compared."""
    draft = estimate_draft(form, checked)
    return EstimatePatch.model_validate(draft.model_dump(exclude={"figure"}))


def form_version(form: EstimateForm) -> int | None:
    return whole_number(form.get("version"))


def proposed_snapshot(checked: Checked, form: EstimateForm,
                      current: dict[str, Any]) -> dict[str, Any]:
    """What the editor's submission would make of the estimate, for the conflict view."""
    fig = _figure(checked)
    return {
        **current,
        "low": fig.low, "high": fig.high, "best": fig.best, "qualifier": fig.qualifier,
        **checked.dates, **{name: form.get(name) for name in CLAIMED},
        "claimant": form.get("claimant"), "notes": form.get("notes"),
        "citations": [citation_dict(new_citation(c, i))
                      for i, c in enumerate(checked.citations)],
    }
