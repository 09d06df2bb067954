"""Review before publication, for editors: the queue of what waits (oldest first), and a
second editor's verdict — approve, or send back with a reason; the author may withdraw a
change of their own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.domain.errors import NotFound
from app.domain.review import StaleProposal
from app.i18n import gettext
from app.services import estimates, review_queue, review_verdicts
from app.services.revisions import Change
from app.web.deps import EditorVisitor, FormDep, SessionDep
from app.web.editor.common import redirect
from app.web.forms.fields import field, whole_number
from app.web.templating import render_page
from app.web.visitor import check_csrf

router = APIRouter()
PER_PAGE = 50


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/review", response_class=HTMLResponse, name="review_queue")
def queue_page(request: Request, session: SessionDep, visitor: EditorVisitor,
               page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    items, total = review_queue.queue(session, page=page, per_page=PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    if page > pages:
        raise NotFound(gettext("There is no page %(page)s of the review queue.", page=page))
    return _no_store(render_page(request, "review.html", items=items, total=total, page=page,
                                 pages=pages, first=(page - 1) * PER_PAGE + 1,
                                 json_url=request.url_for("review_queue_page")))


def _back(request: Request, form: FormDep, estimate_id: int) -> Response:
    if field(form, "return_to") == "queue":
        return redirect(request.url_for("review_queue"))
    return redirect(request.url_for("estimate_page", estimate_id=estimate_id))


@router.post("/estimates/{estimate_id}/approve", response_class=HTMLResponse,
             name="approve_page")
def approve(request: Request, estimate_id: int, session: SessionDep, visitor: EditorVisitor,
            form: FormDep) -> Response:
    check_csrf(visitor, field(form, "csrf_token"))
    assert visitor.actor is not None
    try:
        review_verdicts.approve(session, estimate_id, visitor.actor,
                                version=whole_number(field(form, "version")),
                                comment=field(form, "comment")[:300])
    except StaleProposal as exc:
        estimate = estimates.get_estimate(session, estimate_id, unpublished=True)
        since = [Change(c["field"], c["label"], c["then"], c["now"]) for c in exc.changed]
        return render_page(request, "review_conflict.html", status_code=409, e=estimate,
                           conflict=exc, since=since,
                           waiting=review_queue.waiting_for(session, estimate))
    return _back(request, form, estimate_id)


def _reason_page(request: Request, session: SessionDep, estimate_id: int, *, status: int = 200,
                 message: str = "", return_to: str = "") -> Response:
    estimate = estimates.get_estimate(session, estimate_id, unpublished=True)
    return render_page(request, "review_reject.html", status_code=status, e=estimate,
                       waiting=review_queue.waiting_for(session, estimate), message=message,
                       return_to=return_to)


@router.get("/estimates/{estimate_id}/reject", response_class=HTMLResponse, name="reject_page")
def reject_form(request: Request, estimate_id: int, session: SessionDep,
                visitor: EditorVisitor, return_to: str = "") -> Response:
    return _reason_page(request, session, estimate_id,
                        return_to="queue" if return_to == "queue" else "")


@router.post("/estimates/{estimate_id}/reject", response_class=HTMLResponse,
             name="reject_page")
def reject(request: Request, estimate_id: int, session: SessionDep, visitor: EditorVisitor,
           form: FormDep) -> Response:
    check_csrf(visitor, field(form, "csrf_token"))
    assert visitor.actor is not None
    reason = field(form, "reason")[:1000]
    if not reason:
        return _reason_page(request, session, estimate_id, status=422,
                            message=gettext("Say why you send it back: its author reads it."),
                            return_to=field(form, "return_to"))
    review_verdicts.reject(session, estimate_id, visitor.actor,
                           version=whole_number(field(form, "version")), reason=reason)
    return _back(request, form, estimate_id)


@router.post("/estimates/{estimate_id}/withdraw", response_class=HTMLResponse,
             name="withdraw_page")
def withdraw(request: Request, estimate_id: int, session: SessionDep, visitor: EditorVisitor,
             form: FormDep) -> Response:
    check_csrf(visitor, field(form, "csrf_token"))
    assert visitor.actor is not None
    review_verdicts.withdraw(session, estimate_id, visitor.actor,
                             version=whole_number(field(form, "version")))
    return redirect(request.url_for("estimate_page", estimate_id=estimate_id))
