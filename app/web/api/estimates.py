"""Estimates: list, read, create, correct, retract, restore, revert."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from app.domain.vocabulary import Status
from app.schemas.estimates import (
    EstimateCreate,
    EstimateDetail,
    EstimateOut,
    EstimatePage,
    EstimatePatch,
    RevertIn,
    StatusChange,
)
from app.services import estimates, listing
from app.web.api.params import Id, IfMatch, PageNumber, PerPage, SlugQuery, if_match_version
from app.web.deps import CurrentEditor, SessionDep

router = APIRouter()
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "The version given is no longer current."},
}


@router.get("/estimates", response_model=EstimatePage)
def list_estimates(
    session: SessionDep,
    topic: SlugQuery = None,
    measure: SlugQuery = None,
    source: SlugQuery = None,
    as_of_from: Annotated[dt.date | None, Query(description="YYYY-MM-DD")] = None,
    as_of_to: Annotated[dt.date | None, Query(description="YYYY-MM-DD")] = None,
    status: Status | None = None,
    page: PageNumber = 1,
    per_page: PerPage = 50,
) -> EstimatePage:
    filters = listing.EstimateFilter(topic, measure, source, as_of_from, as_of_to, status)
    items, total = listing.list_estimates(session, filters, page=page, per_page=per_page)
    return EstimatePage(
        total=total, page=page, per_page=per_page, items=[EstimateOut.of(e) for e in items]
    )


@router.get("/estimates/{estimate_id}", response_model=EstimateDetail)
def get_estimate(estimate_id: Id, session: SessionDep) -> EstimateDetail:
    return EstimateDetail.of(estimates.get_estimate(session, estimate_id))


@router.post("/estimates", response_model=EstimateDetail, status_code=status.HTTP_201_CREATED)
def create_estimate(
    data: EstimateCreate, session: SessionDep, editor: CurrentEditor
) -> EstimateDetail:
    created = estimates.create_estimate(session, data, editor)
    return EstimateDetail.of(estimates.get_estimate(session, created.id))


@router.patch("/estimates/{estimate_id}", response_model=EstimateDetail, responses=_CONFLICT)
def update_estimate(
    estimate_id: Id,
    patch: EstimatePatch,
    session: SessionDep,
    editor: CurrentEditor,
    if_match: IfMatch = None,
) -> EstimateDetail:
    estimates.update_estimate(
        session, estimate_id, patch, editor, version=if_match_version(if_match)
    )
    return EstimateDetail.of(estimates.get_estimate(session, estimate_id))


def _status_change(
    session: SessionDep, estimate_id: int, new_status: Status, body: StatusChange,
    editor: CurrentEditor, if_match: str | None,
) -> EstimateDetail:
    version = body.version if body.version is not None else if_match_version(if_match)
    estimates.set_status(session, estimate_id, new_status, body.reason, editor, version=version)
    return EstimateDetail.of(estimates.get_estimate(session, estimate_id))


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
    if_match: IfMatch = None,
) -> EstimateDetail:
    version = body.version if body.version is not None else if_match_version(if_match)
    estimates.revert_estimate(session, estimate_id, body.revision, editor, version=version,
                              comment=body.comment)
    return EstimateDetail.of(estimates.get_estimate(session, estimate_id))
