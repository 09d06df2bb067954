"""Estimates: list, read, create, correct, retract, restore, revert."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status

from app.domain.vocabulary import Status
from app.schemas.common import IsoDate, Slug
from app.schemas.estimates import (
    EstimateCreate,
    EstimateDetail,
    EstimateOut,
    EstimatePage,
    EstimatePatch,
    RevertIn,
    StatusChange,
)
from app.services import estimates, listing, new_estimates
from app.web.api.captures import with_captures
from app.web.api.params import (
    Id,
    IfMatch,
    PageNumber,
    PerPage,
    SlugQuery,
    if_match_version,
    stated_version,
)
from app.web.api.proposals import editor_detail
from app.web.deps import CurrentEditor, ReaderOrEditor, ReviewRequired, SessionDep

router = APIRouter()
# As a topic page's as_of_from and as_of_to: unlike as_of_from and as_of_to here, a figure
# without an as_of counts by its other dates, and a month or a year until its end.
_DATED = ("Only figures dated {} this day (YYYY-MM-DD), as the topic pages choose them: by "
          "as_of, else stated_on, else their citations' publication; a month or a year counts "
          "until its end.")
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "The version given is no longer current."},
}


@router.get("/estimates", response_model=EstimatePage)
def list_estimates(
    session: SessionDep,
    topic: SlugQuery = None,
    measure: SlugQuery = None,
    source: Annotated[list[Slug] | None, Query(
        max_length=200, description="Only these sources (repeat the parameter).")] = None,
    as_of_from: Annotated[IsoDate | None, Query(description="YYYY-MM-DD")] = None,
    as_of_to: Annotated[IsoDate | None, Query(description="YYYY-MM-DD")] = None,
    dated_from: Annotated[IsoDate | None, Query(description=_DATED.format("on or after"))] = None,
    dated_to: Annotated[IsoDate | None, Query(description=_DATED.format("on or before"))] = None,
    status: Status | None = None,
    page: PageNumber = 1,
    per_page: PerPage = 50,
) -> EstimatePage:
    """Estimates by topic and measure, newest first within a measure (the order of a topic's
    pages of all figures, whose JSON twin this is)."""
    filters = listing.EstimateFilter(topic, measure, None, as_of_from, as_of_to, status,
                                     sources=frozenset(source or ()), dated_from=dated_from,
                                     dated_to=dated_to)
    items, total = listing.list_estimates(session, filters, page=page, per_page=per_page)
    return EstimatePage(
        total=total, page=page, per_page=per_page, items=[EstimateOut.of(e) for e in items]
    )


@router.get("/estimates/{estimate_id}", response_model=EstimateDetail)
def get_estimate(estimate_id: Id, session: SessionDep, editor: ReaderOrEditor,
                 request: Request) -> EstimateDetail:
    """As readers see it (only if published, with the revisions they see), or with a token
    as an editor sees it, with what waits for review (`proposal`). Each citation carries
    its page's latest capture (`capture`)."""
    if editor is not None:
        return with_captures(request, session, editor_detail(session, estimate_id))
    return with_captures(request, session,
                         EstimateDetail.of(estimates.get_estimate(session, estimate_id)))


@router.post("/estimates", response_model=EstimateDetail, status_code=status.HTTP_201_CREATED)
def create_estimate(
    data: EstimateCreate, session: SessionDep, editor: CurrentEditor, review: ReviewRequired,
) -> EstimateDetail:
    """A new estimate; when review is required it waits (`review`: pending) until a second
    editor approves it."""
    created = new_estimates.create_estimate(session, data, editor, review_required=review)
    return editor_detail(session, created.id)


@router.patch("/estimates/{estimate_id}", response_model=EstimateDetail, responses=_CONFLICT)
def update_estimate(
    estimate_id: Id,
    patch: EstimatePatch,
    session: SessionDep,
    editor: CurrentEditor,
    review: ReviewRequired,
    if_match: IfMatch = None,
) -> EstimateDetail:
    """A change to the figure, dates, scope or source of a published estimate waits for
    review (`proposal`) when review is required; the rest applies at once."""
    estimates.update_estimate(
        session, estimate_id, patch, editor, version=if_match_version(if_match),
        review_required=review,
    )
    return editor_detail(session, estimate_id)


def _status_change(
    session: SessionDep, estimate_id: int, new_status: Status, body: StatusChange,
    editor: CurrentEditor, if_match: str | None,
) -> EstimateDetail:
    version = stated_version(body.version, if_match)
    estimates.set_status(session, estimate_id, new_status, body.reason, editor, version=version)
    return editor_detail(session, estimate_id)


@router.post("/estimates/{estimate_id}/retract", response_model=EstimateDetail,
             responses=_CONFLICT)
def retract_estimate(
    estimate_id: Id, body: StatusChange, session: SessionDep,
    editor: CurrentEditor, if_match: IfMatch = None,
) -> EstimateDetail:
    return _status_change(session, estimate_id, Status.RETRACTED, body, editor, if_match)


@router.post("/estimates/{estimate_id}/restore", response_model=EstimateDetail,
             responses=_CONFLICT)
def restore_estimate(
    estimate_id: Id, body: StatusChange, session: SessionDep,
    editor: CurrentEditor, if_match: IfMatch = None,
) -> EstimateDetail:
    return _status_change(session, estimate_id, Status.ACTIVE, body, editor, if_match)


@router.post("/estimates/{estimate_id}/revert", response_model=EstimateDetail,
             responses=_CONFLICT)
def revert_estimate(
    estimate_id: Id, body: RevertIn, session: SessionDep, editor: CurrentEditor,
    review: ReviewRequired, if_match: IfMatch = None,
) -> EstimateDetail:
    version = stated_version(body.version, if_match)
    estimates.revert_estimate(session, estimate_id, body.revision, editor, version=version,
                              comment=body.comment, review_required=review)
    return editor_detail(session, estimate_id)
