"""Revisions: every change to an estimate keeps a full snapshot of before and after, so any
state can be shown, compared or restored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.actor import Actor
from app.domain.citations import CITATION_FIELDS
from app.domain.dates import partial_iso
from app.i18n import N_
from app.models import Citation, Estimate, Revision
from app.services import audit_trail, chain

FIELD_LABELS = {
    "low": N_("Low"), "high": N_("High"), "best": N_("Best"), "qualifier": N_("Qualifier"),
    "as_of": N_("As of"), "stated_on": N_("Stated on"), "scope": N_("Scope"),
    "scope_note": N_("What it covers"), "period_start": N_("Period from"),
    "period_end": N_("Period to"), "confidence": N_("Confidence"), "confidence_note": N_("Why"),
    "claimant": N_("Claimed by"), "notes": N_("Notes"), "status": N_("Status"),
    "citations": N_("Citations"),
}
# Revisions written before a field existed read as its default.
SNAPSHOT_DEFAULTS: dict[str, Any] = {
    "scope": "total", "scope_note": "", "period_start": None, "period_end": None,
    "confidence": "reported", "confidence_note": "",
    "review": "approved",  # before review existed, every figure was published at once
}


def citation_dict(c: Citation) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in CITATION_FIELDS:
        value = getattr(c, f.name)
        values[f.name] = value.isoformat() if f.is_date and isinstance(value, dt.date) else value
    return values


def snapshot(e: Estimate) -> dict[str, Any]:
    """Everything a revision needs to show or restore this state of the estimate."""
    return {
        "topic": e.measure.topic.slug,
        "measure": e.measure.slug,
        "source": e.source.slug,
        "low": e.low,
        "high": e.high,
        "best": e.best,
        "qualifier": e.qualifier,
        "as_of": partial_iso(e.as_of, e.as_of_precision),
        "stated_on": partial_iso(e.stated_on, e.stated_on_precision),
        "scope": e.scope,
        "scope_note": e.scope_note,
        "period_start": partial_iso(e.period_start, e.period_start_precision),
        "period_end": partial_iso(e.period_end, e.period_end_precision),
        "confidence": e.confidence,
        "confidence_note": e.confidence_note,
        "claimant": e.claimant,
        "notes": e.notes,
        "status": e.status,
        "citations": [citation_dict(c) for c in e.citations],
        # Whether readers see this state (contract: every revision carries it).
        "review": e.review,
    }


def add_revision(
    session: Session,
    estimate: Estimate,
    action: str,
    before: dict[str, Any] | None,
    actor: Actor | None,
    comment: str,
    *,
    number: int | None = None,
    after: dict[str, Any] | None = None,
) -> Revision:
    """The next revision, or revision `number` (an imported estimate starts at the version
    it was exported at, and version n must stay what revision n left behind). `after` is the
    estimate's snapshot unless given: a proposed change records the state it proposes."""
    if number is None:
        latest = session.scalar(
            select(func.coalesce(func.max(Revision.number), 0)).where(
                Revision.estimate_id == estimate.id
            )
        )
        number = (latest or 0) + 1
    revision = Revision(
        estimate_id=estimate.id,
        number=number,
        action=action,
        before=before,
        after=snapshot(estimate) if after is None else after,
        user_id=actor.id if actor else None,
        comment=comment,
    )
    chain.link(session, revision)  # its id, time, place and hash in the history's chain
    session.add(revision)
    session.flush()
    audit_trail.note(session, "estimate_changed", estimate_id=estimate.id, revision=number,
                     action=action)
    return revision


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: Any
    after: Any


def complete(snap: dict[str, Any]) -> dict[str, Any]:
    """A snapshot with every field, as the current code knows them."""
    return {**SNAPSHOT_DEFAULTS, **snap}


def diff_snapshots(before: dict[str, Any] | None, after: dict[str, Any]) -> list[Change]:
    """Field-by-field differences between two states of an estimate."""
    before = complete(before) if before else {}
    after = complete(after)
    empty: tuple[Any, ...] = (None, "", [])
    return [
        Change(name, label, before.get(name), after.get(name))
        for name, label in FIELD_LABELS.items()
        if before.get(name) != after.get(name)
        and not (before.get(name) in empty and after.get(name) in empty)
    ]


def snapshot_at_version(session: Session, estimate_id: int, version: int) -> dict[str, Any] | None:
    """The estimate as it was at `version`: each change bumps the version and adds a revision,
    so version n is what revision n left behind."""
    return session.scalar(
        select(Revision.after).where(Revision.estimate_id == estimate_id,
                                     Revision.number == version)
    )

