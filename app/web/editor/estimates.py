"""The estimate form: add a new estimate, edit one, and the conflict view when an edit was
based on an outdated version."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from app.domain.citations import CITATION_FIELDS
from app.domain.errors import Conflict, ValidationFailed
from app.domain.figures import FigureError, format_figure, read_figure
from app.domain.numbers import format_number
from app.domain.review import ReviewPending
from app.domain.vocabulary import Confidence, Qualifier, Scope, SourceKind
from app.i18n import gettext
from app.models import Estimate
from app.services import catalog, estimates, new_estimates, review, revisions
from app.web.deps import EditorVisitor, FormDep, ReviewRequired, SessionDep
from app.web.editor.common import redirect
from app.web.forms.estimate import (
    Checked,
    EstimateForm,
    check_estimate_form,
    estimate_draft,
    estimate_patch,
    form_version,
    placement,
    proposed_snapshot,
)
from app.web.forms.fields import field
from app.web.templating import render_page
from app.web.visitor import Visitor, check_csrf

router = APIRouter()


def _form_page(request: Request, session: Session, form: EstimateForm, *, status: int = 200,
               estimate: Estimate | None = None, reading: Preview | None = None,
               notice: str = "",
               review_note: str = "") -> Response:
    return render_page(
        request, "estimate_form.html", status_code=status, form=form, estimate=estimate,
        notice=notice, review_note=review_note,
        topics=catalog.list_topics(session), sources=catalog.list_sources(session),
        kinds=list(SourceKind), qualifiers=list(Qualifier), citation_fields=CITATION_FIELDS,
        scopes=list(Scope), confidences=list(Confidence),
        measure_names=sorted(catalog.DEFAULT_MEASURES), reading=reading,
    )


@dataclass(frozen=True)
class Preview:
    """What the preview shows: the figure as read (its str), and for a typed figure the
    reader's note and the words that decided it (domain.figure_reading, as `reckon parse`)."""

    text: str
    note: str = ""
    decided_by: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.text


def _reading(checked: Checked, form: EstimateForm) -> Preview | None:
    fig = checked.figure
    if fig is None:
        return None
    low = "open" if fig.low is None else format_number(fig.low)
    high = "open" if fig.high is None else format_number(fig.high)
    shown = format_figure(fig.low, fig.high, fig.qualifier, fig.best)
    text = f"low {low}, high {high}, {Qualifier(fig.qualifier).label}: “{shown}”"
    try:
        reading = read_figure(form.get("figure")) if form.get("figure") else None
    except FigureError:
        reading = None
    if reading is None:
        return Preview(text)
    return Preview(text, reading.note, tuple(reading.decided_by))


@router.get("/estimates/new", response_class=HTMLResponse, name="new_estimate")
def new_estimate_form(request: Request, session: SessionDep, visitor: EditorVisitor,
                      topic: str = "", measure: str = "") -> Response:
    return _form_page(request, session, EstimateForm.for_new(topic[:100], measure[:100]),
                      review_note=_review_note(request, session, None, visitor))


def _review_note(request: Request, session: Session, estimate: Estimate | None,
                 visitor: Visitor) -> str:
    """What saving this form publishes at once, and what waits for a second editor."""
    waiting = review.pending_proposal(session, estimate.id) if estimate is not None else None
    if waiting is not None and review.owns(waiting, visitor.actor):
        return gettext("This form shows your change that awaits review: saving it replaces "
                       "that change (set the figure, dates, scope and source back to what "
                       "readers see to withdraw it).")
    if not request.app.state.settings.review_required:
        return ""
    if estimate is None:
        return gettext("A second editor approves a new estimate before readers see it.")
    if estimate.review != "approved":
        return gettext("Not published yet: a second editor approves it before readers see it.")
    return gettext("Changes to the figure, its dates, scope or source wait for a second "
                   "editor's approval (readers see the current values until then); the rest "
                   "is saved at once.")


@router.post("/estimates/new", response_class=HTMLResponse)
def new_estimate(request: Request, session: SessionDep, visitor: EditorVisitor,
                 form_data: FormDep, review_required: ReviewRequired) -> Response:
    check_csrf(visitor, field(form_data, "csrf_token"))
    form = EstimateForm.from_form(form_data)
    checked = check_estimate_form(form, editing=False)
    if form.errors:
        return _form_page(request, session, form, status=422)
    if form_data.get("action") == "preview":
        return _form_page(request, session, form, reading=_reading(checked, form))
    try:
        created = new_estimates.create_placed(session, placement(form),
                                              estimate_draft(form, checked), visitor.actor,
                                              review_required=review_required)
    except ValidationFailed as exc:
        form.errors.update(exc.fields)
        return _form_page(request, session, form, status=422)
    return redirect(request.url_for("estimate_page", estimate_id=created.id))


@router.get("/estimates/{estimate_id}/edit", response_class=HTMLResponse, name="edit_estimate")
def edit_estimate_form(request: Request, estimate_id: int, session: SessionDep,
                       visitor: EditorVisitor) -> Response:
    estimate = estimates.get_estimate(session, estimate_id, unpublished=True)
    # The author of a change that awaits review goes on from what they proposed.
    waiting = review.pending_proposal(session, estimate.id)
    proposed = (waiting.proposed if waiting is not None and waiting.kind == "edit"
                and review.owns(waiting, visitor.actor) else None)
    return _form_page(request, session, EstimateForm.for_edit(estimate, proposed),
                      estimate=estimate,
                      review_note=_review_note(request, session, estimate, visitor))


@router.post("/estimates/{estimate_id}/edit", response_class=HTMLResponse)
def edit_estimate(request: Request, estimate_id: int, session: SessionDep,
                  visitor: EditorVisitor, form_data: FormDep,
                  review_required: ReviewRequired) -> Response:
    check_csrf(visitor, field(form_data, "csrf_token"))
    estimate = estimates.get_estimate(session, estimate_id, unpublished=True)
    form = EstimateForm.from_form(form_data)
    fixed = revisions.snapshot(estimate)
    for name in ("topic", "measure", "source"):  # fixed once an estimate exists
        form.values[name] = fixed[name]
    checked = check_estimate_form(form, editing=True)
    if form.errors:
        return _form_page(request, session, form, status=422, estimate=estimate)
    if form_data.get("action") == "preview":
        return _form_page(request, session, form, estimate=estimate,
                          reading=_reading(checked, form))
    version = form_version(form)
    if version != estimate.version:
        return _conflict_page(request, session, estimate, form, checked, version)
    try:
        estimates.update_estimate(session, estimate_id, estimate_patch(form, checked),
                                  visitor.actor, version=version,
                                  review_required=review_required)
    except ValidationFailed as exc:
        form.errors.update(exc.fields)
        return _form_page(request, session, form, status=422, estimate=estimate)
    except ReviewPending as exc:
        return _form_page(request, session, form, status=409, estimate=estimate,
                          notice=gettext("Nothing was saved. %(reason)s", reason=exc.message))
    except Conflict:
        fresh = estimates.get_estimate(session, estimate_id, unpublished=True)
        return _conflict_page(request, session, fresh, form, checked, version)
    return redirect(request.url_for("estimate_page", estimate_id=estimate_id))


def _conflict_page(request: Request, session: Session, estimate: Estimate, form: EstimateForm,
                   checked: Checked, version: int | None) -> Response:
    current = revisions.snapshot(estimate)
    opened = revisions.snapshot_at_version(session, estimate.id, version) if version else None
    latest = max(estimate.revisions, key=lambda r: r.number)
    theirs = proposed_snapshot(checked, form, current)
    return render_page(
        request, "conflict.html", status_code=409, estimate=estimate, form=form,
        since=revisions.diff_snapshots(opened, current) if opened else [],
        mine=revisions.diff_snapshots(current, theirs), opened_version=version,
        latest=latest, latest_by=latest.user.display_name if latest.user else "an import",
    )
