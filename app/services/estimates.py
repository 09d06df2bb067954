"""Estimates: read, correct, retract, restore, revert — each change leaves a revision, and a
change based on an outdated version is refused. Creating one is services.new_estimates, which
checks and sets its values with the helpers here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.domain.actor import Actor
from app.domain.citations import CITATION_FIELDS, blank_citation
from app.domain.claims import claim_errors
from app.domain.dates import parse_optional_date
from app.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.domain.figures import Figure, keeps_qualifier, resolve_figure
from app.domain.review import is_published, with_reviewed
from app.domain.vocabulary import ProposalKind, RevisionAction, Status
from app.i18n import gettext as _
from app.models import Citation, Estimate, Measure, Revision, utcnow
from app.schemas.common import MAX_ID
from app.schemas.estimates import CitationIn, EstimatePatch
from app.services import review, visibility
from app.services.revisions import add_revision, citation_dict, complete, snapshot

FIGURE_FIELDS = frozenset({"figure", "low", "high", "best", "qualifier"})
CLAIM_FIELDS = ("scope", "scope_note", "period_start", "period_end", "confidence",
                "confidence_note")
DATE_FIELDS = ("as_of", "stated_on", "period_start", "period_end")


def checked_figure(
    *, figure: str | None, low: int | None, high: int | None, best: int | None,
    qualifier: str | None, claim: dict[str, Any] | None = None,
) -> Figure:
    """The figure, checked together with what it covers and how sure it is (`claim`: the
    scope, confidence, their notes and the period), every problem reported at once."""
    fig, errors = resolve_figure(figure=figure, low=low, high=high, best=best,
                                 qualifier=qualifier)
    if claim is not None:
        errors |= claim_errors(
            scope=claim["scope"], scope_note=claim["scope_note"] or "",
            period_start=parse_optional_date(claim["period_start"]),
            period_end=parse_optional_date(claim["period_end"]),
            confidence=claim["confidence"], confidence_note=claim["confidence_note"] or "")
    if fig is None or errors:
        raise ValidationFailed(errors)
    return fig


def set_dates(estimate: Estimate, values: dict[str, Any]) -> None:
    """The partial dates among `values` (ISO text or None), each with its precision."""
    for name in DATE_FIELDS:
        if name in values:
            known = parse_optional_date(values[name])
            setattr(estimate, name, known.value if known else None)
            setattr(estimate, f"{name}_precision", known.precision if known else None)


def set_claim(estimate: Estimate, values: dict[str, Any]) -> None:
    for name in CLAIM_FIELDS:
        if name not in DATE_FIELDS:
            setattr(estimate, name, values[name] or "")
    set_dates(estimate, {k: values[k] for k in CLAIM_FIELDS if k in DATE_FIELDS})


def new_citation(data: CitationIn | dict[str, Any], position: int) -> Citation:
    given = data.model_dump() if isinstance(data, CitationIn) else dict(data)
    values = blank_citation() | {k: v for k, v in given.items() if v}
    for f in CITATION_FIELDS:
        if f.is_date and isinstance(values[f.name], str):
            values[f.name] = dt.date.fromisoformat(values[f.name])
    return Citation(position=position, **values)


def _replace_citations(
    estimate: Estimate, citations: Sequence[CitationIn | dict[str, Any]]
) -> None:
    wanted = [new_citation(c, i) for i, c in enumerate(citations)]
    if [citation_dict(c) for c in estimate.citations] != [citation_dict(c) for c in wanted]:
        estimate.citations = wanted


# ---- reading one -------------------------------------------------------------------------

def load(session: Session, estimate_id: int, *, revisions: bool = False,
         published_only: bool = False) -> Estimate:
    """The estimate with what its page shows; `published_only`: as readers see it (an
    unpublished one is not found, and only the revisions readers see are loaded)."""
    if not 1 <= estimate_id <= MAX_ID:
        raise NotFound(_("No estimate %(id)s.", id=estimate_id))
    options = [
        joinedload(Estimate.measure).joinedload(Measure.topic),
        joinedload(Estimate.source),
        selectinload(Estimate.citations),
    ]
    if revisions:
        history = (Estimate.revisions.and_(visibility.published_revision()) if published_only
                   else Estimate.revisions)
        options.append(selectinload(history).joinedload(Revision.user))
    # populate_existing: a write earlier in this request may have left stale collections.
    estimate = session.scalars(
        select(Estimate)
        .where(Estimate.id == estimate_id)
        .options(*options)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if estimate is None or (published_only and not is_published(estimate.review)):
        raise NotFound(_("No estimate %(id)s.", id=estimate_id))
    return estimate


def get_estimate(session: Session, estimate_id: int, *, unpublished: bool = False) -> Estimate:
    """The estimate with its citations and revisions, as readers see it — or, for editors
    (`unpublished`), whatever its review state, with every revision."""
    return load(session, estimate_id, revisions=True, published_only=not unpublished)


# ---- changing ----------------------------------------------------------------------------

def _check_version(estimate: Estimate, version: int | None) -> None:
    if version is None:
        raise ValidationFailed(
            {"version": "Give the version this change is based on (a 'version' field or an "
                        "If-Match header), so a newer change is never overwritten."}
        )
    if version != estimate.version:
        raise Conflict(
            f"Estimate {estimate.id} was changed since version {version}; it is now at version "
            f"{estimate.version}. Reload it and apply your change again.",
            current_version=estimate.version,
        )


def _commit_change(
    session: Session, estimate: Estimate, action: str, before: dict[str, Any],
    actor: Actor | None, comment: str,
) -> None:
    """Write the change and its revision inside the caller's savepoint; the version column
    makes the UPDATE fail when another writer got there first."""
    estimate.updated_at = utcnow()
    estimate.updated_by_id = actor.id if actor else None
    session.flush()
    add_revision(session, estimate, action, before, actor, comment)


def _race_lost(estimate_id: int) -> Conflict:
    # Another writer committed between our read and our UPDATE … WHERE version = n.
    return Conflict(f"Estimate {estimate_id} was changed by someone else while you were saving.")


def _patched_figure(base: dict[str, Any], patch: EstimatePatch,
                    claim: dict[str, Any]) -> Figure:
    given = patch.model_fields_set
    if patch.figure:
        return checked_figure(figure=patch.figure, low=patch.low, high=patch.high,
                              best=patch.best, qualifier=patch.qualifier, claim=claim)
    low = patch.low if "low" in given else base["low"]
    high = patch.high if "high" in given else base["high"]
    best = patch.best if "best" in given else base["best"]
    qualifier: str | None = patch.qualifier if "qualifier" in given else None
    if qualifier is None and keeps_qualifier(base["qualifier"], low, high):
        qualifier = base["qualifier"]
    return checked_figure(figure=None, low=low, high=high, best=best, qualifier=qualifier,
                          claim=claim)


def update_estimate(
    session: Session,
    estimate_id: int,
    patch: EstimatePatch,
    actor: Actor | None,
    *,
    version: int | None = None,
    review_required: bool = False,
) -> Estimate:
    """Apply the fields given in `patch`; a patch that changes nothing writes nothing. With
    review required, a change to the figure, dates, scope or source of a published estimate
    waits for a second editor (services.review); the author's patch of a change that waits
    amends it (applies on top of what it proposes)."""
    estimate = load(session, estimate_id)
    _check_version(estimate, patch.version if patch.version is not None else version)
    given = patch.model_fields_set
    published = snapshot(estimate)
    pending = review.pending_for(session, estimate, actor)
    amending = (pending is not None and pending.kind == ProposalKind.EDIT
                and review.owns(pending, actor))
    before = with_reviewed(published, pending.proposed) if pending and amending else published
    claim = {name: getattr(patch, name) if name in given else before[name]
             for name in CLAIM_FIELDS}
    for name, default in (("scope", "total"), ("confidence", "reported")):
        claim[name] = claim[name] or default  # null in a patch means "the default"
    if given & FIGURE_FIELDS:
        fig: Figure | None = _patched_figure(before, patch, claim)
    else:
        fig = None
        checked_figure(figure=None, low=before["low"], high=before["high"],
                       best=before["best"], qualifier=before["qualifier"], claim=claim)
    try:
        with session.begin_nested():
            if pending is not None and amending:
                review.apply_reviewed(estimate, pending.proposed)
            if fig is not None:
                estimate.low, estimate.high, estimate.best, estimate.qualifier = (
                    fig.low, fig.high, fig.best, fig.qualifier
                )
            set_dates(estimate, {name: getattr(patch, name) for name in ("as_of", "stated_on")
                                  if name in given})
            set_claim(estimate, claim)
            for name in ("claimant", "notes"):
                value = getattr(patch, name)
                if name in given and value is not None:
                    setattr(estimate, name, value)
            if patch.citations is not None:
                _replace_citations(estimate, patch.citations)
            review.save(session, estimate, published, pending, actor, patch.comment,
                        RevisionAction.EDIT, review_required=review_required)
    except StaleDataError:
        raise _race_lost(estimate_id) from None
    return estimate


def set_status(
    session: Session,
    estimate_id: int,
    status: Status,
    reason: str,
    actor: Actor | None,
    *,
    version: int | None,
) -> Estimate:
    estimate = load(session, estimate_id)
    _check_version(estimate, version)
    if estimate.status == status:
        raise Conflict(f"Estimate {estimate.id} is already {status}.",
                       current_version=estimate.version)
    action = RevisionAction.RETRACT if status == Status.RETRACTED else RevisionAction.RESTORE
    try:
        with session.begin_nested():
            before = snapshot(estimate)
            estimate.status = status
            _commit_change(session, estimate, action, before, actor, reason)
    except StaleDataError:
        raise _race_lost(estimate_id) from None
    return estimate


def revert_estimate(
    session: Session,
    estimate_id: int,
    number: int,
    actor: Actor,
    *,
    version: int | None,
    comment: str = "",
    review_required: bool = False,
) -> Estimate:
    """Restore the values revision `number` left behind, as a new revision (a change to what
    readers compare waits for review, as an edit does)."""
    estimate = load(session, estimate_id, revisions=True)
    _check_version(estimate, version)
    target = next((r for r in estimate.revisions if r.number == number), None)
    if target is None:
        raise NotFound(_("Estimate %(id)s has no revision %(number)s.", id=estimate_id,
                           number=number))
    later = [r for r in estimate.revisions if r.number > number]
    if not actor.is_admin and any(r.user_id != actor.id for r in later):
        raise PermissionDenied(
            "Editors may only undo their own changes; ask an admin to revert others' changes."
        )
    if is_published(estimate.review) and not visibility.revision_is_published(
            target.action, target.after):
        raise ValidationFailed({"revision": f"Revision {number} of estimate {estimate_id} was "
                                            "never published: revert to one readers saw."})
    pending = review.pending_for(session, estimate, actor)
    snap = complete(target.after)
    try:
        with session.begin_nested():
            before = snapshot(estimate)
            estimate.low, estimate.high, estimate.best = snap["low"], snap["high"], snap["best"]
            estimate.qualifier = snap["qualifier"]
            set_dates(estimate, {"as_of": snap["as_of"], "stated_on": snap["stated_on"]})
            set_claim(estimate, snap)
            estimate.claimant, estimate.notes, estimate.status = (
                snap["claimant"], snap["notes"], snap["status"]
            )
            _replace_citations(estimate, snap["citations"])
            if snapshot(estimate) == before:
                raise Conflict(
                    f"Estimate {estimate_id} already has the values of revision {number}.",
                    current_version=estimate.version,
                )
            review.save(session, estimate, before, pending, actor,
                        comment or f"Reverted to revision {number}.", RevisionAction.REVERT,
                        review_required=review_required)
    except StaleDataError:
        raise _race_lost(estimate_id) from None
    return estimate

