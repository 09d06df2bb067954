"""Editor forms: what was typed, kept as typed, turned into checked service input.

A form that fails comes back with every value as the editor typed it and one message per
wrong field, so nothing typed is ever lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from app import figures
from app.errors import ValidationFailed
from app.models import SOURCE_KINDS, Estimate
from app.schemas import (
    SLUG_RE,
    CitationIn,
    EstimateCreate,
    EstimatePatch,
    MeasureCreate,
    SourceCreate,
    TopicCreate,
)
from app.services import catalog, estimates

NEW = "__new__"
CITATION_FIELDS = ("url", "publication", "title", "published_on", "quote",
                   "quote_translation", "language")
ESTIMATE_FIELDS = (
    "topic", "new_topic_title", "measure", "source", "new_source_name", "new_source_kind",
    "new_source_country", "new_source_party", "figure", "low", "high", "best", "qualifier",
    "as_of", "stated_on", "claimant", "notes", "comment", "version",
)
MAX_CITATIONS = 10
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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
        values = {name: _text(form.get(name)) for name in ESTIMATE_FIELDS}
        citations = []
        for i in range(MAX_CITATIONS):
            citation = {k: _text(form.get(f"citation-{i}-{k}")) for k in CITATION_FIELDS}
            if any(citation.values()):
                citations.append(citation)
        return cls(values=values, citations=citations)

    @classmethod
    def for_new(cls, topic: str = "", measure: str = "") -> EstimateForm:
        return cls(values={"topic": topic, "measure": measure, "new_source_kind": "other"})

    @classmethod
    def for_edit(cls, e: Estimate) -> EstimateForm:
        snap = estimates.snapshot(e)
        values = {
            "topic": snap["topic"], "measure": snap["measure"], "source": snap["source"],
            "figure": figures.format_figure(e.low, e.high, e.qualifier),
            "best": "" if e.best is None else str(e.best),
            "as_of": snap["as_of"] or "", "stated_on": snap["stated_on"] or "",
            "claimant": e.claimant, "notes": e.notes, "version": str(e.version),
        }
        citations = [{k: str(c[k] or "") for k in CITATION_FIELDS} for c in snap["citations"]]
        return cls(values=values, citations=citations)

    def citation_rows(self) -> list[dict[str, str]]:
        """The citations typed so far plus one empty row for another."""
        return [*self.citations, dict.fromkeys(CITATION_FIELDS, "")][:MAX_CITATIONS]


def _text(value: Any) -> str:
    return _CONTROL.sub("", value).strip() if isinstance(value, str) else ""


def _count(form: EstimateForm, name: str) -> int | None:
    raw = form.get(name)
    if not raw:
        return None
    try:
        return figures.parse_number(raw)
    except figures.FigureError as exc:
        form.errors[name] = str(exc)
        return None


def _date(form: EstimateForm, name: str) -> str | None:
    raw = form.get(name)
    if not raw:
        return None
    try:
        return figures.parse_partial_date(raw).iso()
    except figures.FigureError as exc:
        form.errors[name] = str(exc)
        return None


def read_figure(form: EstimateForm) -> estimates.Figure | None:
    """The figure from the figure text or from low/high; messages go to form.errors."""
    low, high, best = _count(form, "low"), _count(form, "high"), _count(form, "best")
    qualifier = form.get("qualifier") or None
    text = form.get("figure")
    if form.errors:
        return None
    if text and (low is not None or high is not None):
        form.errors["figure"] = ("Give the figure either as text or as low and high, not both: "
                                 "clear one of them.")
        return None
    if not text and low is None and high is None:
        form.errors["figure"] = "Type the figure as the source gives it, e.g. 'about 1,200'."
        return None
    try:
        return estimates.resolve_figure(figure=text or None, low=low, high=high, best=best,
                                        qualifier=qualifier)
    except ValidationFailed as exc:
        form.errors.update(exc.fields)
        return None


def _citations(form: EstimateForm) -> list[CitationIn]:
    checked = []
    if not form.citations:
        form.errors["citation-0-url"] = "Give at least one citation: a URL or a publication."
    for i, raw in enumerate(form.citations):
        if not (raw["url"] or raw["publication"]):
            form.errors[f"citation-{i}-url"] = "Give the URL or the publication of this citation."
            continue
        values: dict[str, Any] = {**raw, "published_on": raw["published_on"] or None}
        try:
            checked.append(CitationIn.model_validate(values))
        except ValidationError as exc:
            for err in exc.errors():
                form.errors[f"citation-{i}-{err['loc'][0]}"] = _message(err["msg"])
    return checked


def _message(msg: str) -> str:
    return msg.removeprefix("Value error, ").rstrip(".") + "."


def check_estimate_form(form: EstimateForm, *, editing: bool) -> dict[str, Any]:
    """Everything that can be checked without writing; returns the checked values."""
    fig = read_figure(form)
    as_of, stated_on = _date(form, "as_of"), _date(form, "stated_on")
    citations = _citations(form)
    checked: dict[str, Any] = {"figure": fig, "as_of": as_of, "stated_on": stated_on,
                               "citations": citations}
    for name, limit in (("claimant", 300), ("notes", 10000), ("comment", 1000)):
        if len(form.get(name)) > limit:
            form.errors[name] = f"Keep this under {limit:,} characters."
    if not editing:
        _check_refs(form)
    return checked


def _check_refs(form: EstimateForm) -> None:
    if not form.get("topic"):
        form.errors["topic"] = "Choose a topic, or “New topic” and give its title."
    elif form.get("topic") == NEW and not form.get("new_topic_title"):
        form.errors["new_topic_title"] = "Give the new topic's title."
    if not form.get("measure"):
        form.errors["measure"] = "Name the measure, e.g. killed, wounded or deployed."
    elif not catalog.slugify(form.get("measure")):
        form.errors["measure"] = "Use letters or digits in the measure's name."
    if not form.get("source"):
        form.errors["source"] = "Choose a source, or “New source” and give its name."
    elif form.get("source") == NEW:
        if not form.get("new_source_name"):
            form.errors["new_source_name"] = "Give the new source's name."
        if form.get("new_source_kind") not in SOURCE_KINDS:
            form.errors["new_source_kind"] = "Choose what kind of source this is."
    elif not re.match(SLUG_RE, form.get("source")):
        form.errors["source"] = "Choose a source from the list."


def estimate_create(session: Any, form: EstimateForm, checked: dict[str, Any]) -> EstimateCreate:
    """Create what the form names but does not exist yet, and return the service input."""
    topic_slug = form.get("topic")
    if topic_slug == NEW:
        title = form.get("new_topic_title")
        topic = catalog.create_topic(session, TopicCreate(slug=catalog.slugify(title),
                                                          title=title[:200]))
    else:
        topic = catalog.get_topic(session, topic_slug)
    measure_name = form.get("measure")
    measure_slug = catalog.slugify(measure_name)
    if not any(m.slug == measure_slug for m in topic.measures):
        catalog.create_measure(session, topic, MeasureCreate(
            slug=measure_slug, label=catalog.measure_label(measure_name)[:200]))
    source_slug = form.get("source")
    if source_slug == NEW:
        name = form.get("new_source_name")
        source = catalog.create_source(session, SourceCreate(
            slug=catalog.slugify(name), name=name[:200],
            kind=form.get("new_source_kind"),  # type: ignore[arg-type]  # checked above
            country=form.get("new_source_country")[:100],
            party_to_conflict=form.get("new_source_party") == "on",
        ))
        source_slug = source.slug
    fig: estimates.Figure = checked["figure"]
    return EstimateCreate(
        topic=topic.slug, measure=measure_slug, source=source_slug, low=fig.low, high=fig.high,
        best=fig.best, qualifier=fig.qualifier,  # type: ignore[arg-type]
        as_of=checked["as_of"], stated_on=checked["stated_on"],
        claimant=form.get("claimant"), notes=form.get("notes"),
        citations=checked["citations"], comment=form.get("comment"),
    )


def estimate_patch(form: EstimateForm, checked: dict[str, Any]) -> EstimatePatch:
    fig: estimates.Figure = checked["figure"]
    return EstimatePatch(
        low=fig.low, high=fig.high, best=fig.best,
        qualifier=fig.qualifier,  # type: ignore[arg-type]
        as_of=checked["as_of"], stated_on=checked["stated_on"],
        claimant=form.get("claimant"), notes=form.get("notes"),
        citations=checked["citations"], comment=form.get("comment"),
    )


def whole_number(raw: str) -> int | None:
    """A typed id or version, or None; never an int too large for the database."""
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def form_version(form: EstimateForm) -> int | None:
    return whole_number(form.get("version"))


def proposed_snapshot(form: EstimateForm, checked: dict[str, Any],
                      current: dict[str, Any]) -> dict[str, Any]:
    """What the editor's submission would make of the estimate, for the conflict view."""
    fig: estimates.Figure = checked["figure"]
    return {
        **current,
        "low": fig.low, "high": fig.high, "best": fig.best, "qualifier": fig.qualifier,
        "as_of": checked["as_of"], "stated_on": checked["stated_on"],
        "claimant": form.get("claimant"), "notes": form.get("notes"),
        "citations": [estimates.citation_dict(estimates.new_citation(c, i))
                      for i, c in enumerate(checked["citations"])],
    }
