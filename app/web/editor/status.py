"""Retracting, restoring and reverting an estimate — each with a reason, each a revision."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.domain.errors import Conflict, PermissionDenied
from app.domain.vocabulary import Status
from app.i18n import gettext
from app.models import Estimate
from app.services import estimates
from app.web.deps import EditorVisitor, FormDep, ReviewRequired, SessionDep
from app.web.editor.common import redirect
from app.web.errors import error_page
from app.web.forms.fields import field, whole_number
from app.web.templating import render_page
from app.web.visitor import check_csrf

router = APIRouter()


def _status_page(request: Request, estimate: Estimate, action: str, *, status: int = 200,
                 reason: str = "", message: str = "") -> Response:
    return render_page(request, "status_form.html", status_code=status, estimate=estimate,
                       action=action, reason=reason, message=message)


@router.get("/estimates/{estimate_id}/retract", response_class=HTMLResponse,
            name="retract_page")
@router.get("/estimates/{estimate_id}/restore", response_class=HTMLResponse,
            name="restore_page")
def status_form(request: Request, estimate_id: int, session: SessionDep,
                visitor: EditorVisitor) -> Response:
    action = request.url.path.rsplit("/", 1)[-1]
    estimate = estimates.get_estimate(session, estimate_id, unpublished=True)
    return _status_page(request, estimate, action)


@router.post("/estimates/{estimate_id}/retract", response_class=HTMLResponse,
             name="retract_page")
@router.post("/estimates/{estimate_id}/restore", response_class=HTMLResponse,
             name="restore_page")
def change_status(request: Request, estimate_id: int, session: SessionDep,
                  visitor: EditorVisitor, form: FormDep) -> Response:
    action = request.url.path.rsplit("/", 1)[-1]
    check_csrf(visitor, field(form, "csrf_token"))
    estimate = estimates.get_estimate(session, estimate_id, unpublished=True)
    reason = field(form, "reason")[:1000]
    if not reason:
        return _status_page(request, estimate, action, status=422,
                            message=gettext("Give a reason: readers see it in the history."))
    new_status = Status.RETRACTED if action == "retract" else Status.ACTIVE
    try:
        estimates.set_status(session, estimate_id, new_status, reason, visitor.actor,
                             version=whole_number(field(form, "version")))
    except Conflict as exc:
        fresh = estimates.get_estimate(session, estimate_id, unpublished=True)
        return _status_page(request, fresh, action, status=409, reason=reason,
                            message=exc.message)
    return redirect(request.url_for("estimate_page", estimate_id=estimate_id))


@router.post("/estimates/{estimate_id}/revert", response_class=HTMLResponse,
             name="revert_page")
def revert(request: Request, estimate_id: int, session: SessionDep, visitor: EditorVisitor,
           form: FormDep, review_required: ReviewRequired) -> Response:
    check_csrf(visitor, field(form, "csrf_token"))
    assert visitor.actor is not None
    try:
        estimates.revert_estimate(
            session, estimate_id, whole_number(field(form, "revision")) or 0, visitor.actor,
            version=whole_number(field(form, "version")),
            comment=field(form, "comment")[:1000], review_required=review_required,
        )
    except Conflict as exc:
        return error_page(request, 409, exc.message)
    except PermissionDenied as exc:
        return error_page(request, 403, exc.message)
    return redirect(request.url_for("estimate_history", estimate_id=estimate_id))
