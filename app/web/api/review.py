"""Review before publication: the queue of what waits, and a second editor's verdict."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from app.schemas.estimates import EstimateDetail
from app.schemas.review import ApproveIn, RejectIn, ReviewPage, WithdrawIn
from app.services import review_queue, review_verdicts
from app.web.api.params import Id, IfMatch, PageNumber, PerPage, stated_version
from app.web.api.proposals import editor_detail, proposal_out
from app.web.deps import CurrentEditor, SessionDep

router = APIRouter()
_REFUSED: dict[int | str, dict[str, Any]] = {
    403: {"description": "You put it forward yourself: a second editor must review it."},
    409: {"description": "The version given is not current, nothing waits, or the estimate "
                         "changed since it was put forward (`changed_since` lists how)."},
}


@router.get("/review", response_model=ReviewPage)
def review_queue_page(session: SessionDep, editor: CurrentEditor, response: Response,
                      page: PageNumber = 1, per_page: PerPage = 50) -> ReviewPage:
    """New estimates and changes waiting for a second editor, oldest first (editors only)."""
    response.headers["Cache-Control"] = "no-store"
    items, total = review_queue.queue(session, page=page, per_page=per_page)
    return ReviewPage(total=total, page=page, per_page=per_page,
                      items=[proposal_out(w) for w in items])


@router.post("/estimates/{estimate_id}/approve", response_model=EstimateDetail,
             responses=_REFUSED, name="approve_estimate")
def approve(estimate_id: Id, body: ApproveIn, session: SessionDep, editor: CurrentEditor,
            if_match: IfMatch = None) -> EstimateDetail:
    """Publish what waits (not your own): a new estimate, or a change to a published one."""
    version = stated_version(body.version, if_match)
    review_verdicts.approve(session, estimate_id, editor, version=version, comment=body.comment)
    return editor_detail(session, estimate_id)


@router.post("/estimates/{estimate_id}/reject", response_model=EstimateDetail,
             responses=_REFUSED, name="reject_estimate")
def reject(estimate_id: Id, body: RejectIn, session: SessionDep, editor: CurrentEditor,
           if_match: IfMatch = None) -> EstimateDetail:
    """Send what waits back to its author with a reason (not your own)."""
    version = stated_version(body.version, if_match)
    review_verdicts.reject(session, estimate_id, editor, version=version, reason=body.reason)
    return editor_detail(session, estimate_id)


@router.post("/estimates/{estimate_id}/withdraw", response_model=EstimateDetail,
             responses=_REFUSED, name="withdraw_estimate")
def withdraw(estimate_id: Id, body: WithdrawIn, session: SessionDep, editor: CurrentEditor,
             if_match: IfMatch = None) -> EstimateDetail:
    """Drop your own change that waits (admins: anyone's); readers never saw it."""
    version = stated_version(body.version, if_match)
    review_verdicts.withdraw(session, estimate_id, editor, version=version, comment=body.comment)
    return editor_detail(session, estimate_id)
