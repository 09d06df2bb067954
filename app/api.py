"""The JSON API under /api: thin handlers over the same services the pages use."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, status

from app import schemas as s
from app.auth import CurrentAdmin, CurrentEditor
from app.db import SessionDep
from app.errors import ValidationFailed
from app.services import catalog, comparison, estimates, users

router = APIRouter(prefix="/api", tags=["api"])

EstimateId = Annotated[int, Path(ge=1, le=estimates.MAX_ID)]
SlugQuery = Annotated[str | None, Query(pattern=s.SLUG_RE, max_length=100)]
IfMatch = Annotated[
    str | None,
    Header(description='The version the change is based on, e.g. "3" (or a version field).'),
]


def _if_match_version(value: str | None) -> int | None:
    if value is None:
        return None
    match = re.fullmatch(r'\s*(?:W/)?"?(\d{1,9})"?\s*', value)
    if not match:
        raise ValidationFailed({"If-Match": 'Send the version as a number, e.g. If-Match: "3".'})
    return int(match.group(1))


# ---- topics ------------------------------------------------------------------------------

@router.get("/topics", response_model=list[s.TopicSummary])
def list_topics(session: SessionDep) -> list[s.TopicSummary]:
    return [s.TopicSummary.model_validate(t) for t in catalog.list_topics(session)]


@router.get("/topics/{slug}", response_model=s.TopicDetail)
def get_topic(
    slug: str,
    session: SessionDep,
    as_of: Annotated[dt.date | None, Query(description="The comparison as it stood then.")] = None,
) -> s.TopicDetail:
    view = comparison.topic_view(session, slug, as_of)
    return s.TopicDetail(
        slug=view.topic.slug,
        title=view.topic.title,
        summary=view.topic.summary,
        as_of=as_of,
        measures=[
            s.MeasureComparison(
                **s.MeasureOut.model_validate(m.measure).model_dump(),
                latest=[s.comparison_entry(e) for e in m.latest],
                estimates=[s.comparison_entry(e) for e in m.entries],
            )
            for m in view.measures
        ],
    )


@router.get("/search", response_model=s.SearchResults)
def search(session: SessionDep,
           q: Annotated[str, Query(max_length=100)] = "") -> s.SearchResults:
    topics, sources = comparison.search(session, q)
    return s.SearchResults(
        query=q,
        topics=[s.TopicSummary.model_validate(t) for t in topics],
        sources=[s.SourceOut.model_validate(x) for x in sources],
    )


@router.post("/topics", response_model=s.TopicSummary, status_code=status.HTTP_201_CREATED)
def create_topic(data: s.TopicCreate, session: SessionDep, editor: CurrentEditor) -> s.TopicSummary:
    return s.TopicSummary.model_validate(catalog.create_topic(session, data))


@router.post(
    "/topics/{slug}/measures", response_model=s.MeasureOut, status_code=status.HTTP_201_CREATED
)
def create_measure(
    slug: str, data: s.MeasureCreate, session: SessionDep, editor: CurrentEditor
) -> s.MeasureOut:
    topic = catalog.get_topic(session, slug)
    return s.MeasureOut.model_validate(catalog.create_measure(session, topic, data))


# ---- sources -----------------------------------------------------------------------------

@router.get("/sources", response_model=list[s.SourceOut])
def list_sources(session: SessionDep) -> list[s.SourceOut]:
    return [s.SourceOut.model_validate(x) for x in catalog.list_sources(session)]


@router.get("/sources/{slug}", response_model=s.SourceDetail)
def get_source(slug: str, session: SessionDep) -> s.SourceDetail:
    source = catalog.get_source(session, slug)
    return s.SourceDetail(
        **s.SourceOut.model_validate(source).model_dump(),
        estimates=[s.estimate_out(e) for e in estimates.source_estimates(session, source.id)],
    )


@router.post("/sources", response_model=s.SourceOut, status_code=status.HTTP_201_CREATED)
def create_source(data: s.SourceCreate, session: SessionDep, editor: CurrentEditor) -> s.SourceOut:
    return s.SourceOut.model_validate(catalog.create_source(session, data))


# ---- estimates ---------------------------------------------------------------------------

@router.get("/estimates", response_model=s.EstimatePage)
def list_estimates(
    session: SessionDep,
    topic: SlugQuery = None,
    measure: SlugQuery = None,
    source: SlugQuery = None,
    as_of_from: Annotated[dt.date | None, Query(description="YYYY-MM-DD")] = None,
    as_of_to: Annotated[dt.date | None, Query(description="YYYY-MM-DD")] = None,
    status: s.Status | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 50,
) -> s.EstimatePage:
    filters = estimates.EstimateFilter(topic, measure, source, as_of_from, as_of_to, status)
    items, total = estimates.list_estimates(session, filters, page=page, per_page=per_page)
    return s.EstimatePage(
        total=total, page=page, per_page=per_page, items=[s.estimate_out(e) for e in items]
    )


@router.get("/estimates/{estimate_id}", response_model=s.EstimateDetail)
def get_estimate(estimate_id: EstimateId, session: SessionDep) -> s.EstimateDetail:
    return s.estimate_detail(estimates.get_estimate(session, estimate_id))


@router.post("/estimates", response_model=s.EstimateDetail, status_code=status.HTTP_201_CREATED)
def create_estimate(
    data: s.EstimateCreate, session: SessionDep, editor: CurrentEditor
) -> s.EstimateDetail:
    created = estimates.create_estimate(session, data, editor)
    return s.estimate_detail(estimates.get_estimate(session, created.id))


@router.patch(
    "/estimates/{estimate_id}",
    response_model=s.EstimateDetail,
    responses={409: {"description": "The version given is no longer current."}},
)
def update_estimate(
    estimate_id: EstimateId,
    patch: s.EstimatePatch,
    session: SessionDep,
    editor: CurrentEditor,
    if_match: IfMatch = None,
) -> s.EstimateDetail:
    estimates.update_estimate(
        session, estimate_id, patch, editor, version=_if_match_version(if_match)
    )
    return s.estimate_detail(estimates.get_estimate(session, estimate_id))


def _status_change(
    session: SessionDep, estimate_id: int, new_status: str, body: s.StatusChange,
    editor: CurrentEditor, if_match: str | None,
) -> s.EstimateDetail:
    version = body.version if body.version is not None else _if_match_version(if_match)
    estimates.set_status(session, estimate_id, new_status, body.reason, editor, version=version)
    return s.estimate_detail(estimates.get_estimate(session, estimate_id))


@router.post("/estimates/{estimate_id}/retract", response_model=s.EstimateDetail)
def retract_estimate(
    estimate_id: EstimateId, body: s.StatusChange, session: SessionDep,
    editor: CurrentEditor, if_match: IfMatch = None,
) -> s.EstimateDetail:
    return _status_change(session, estimate_id, "retracted", body, editor, if_match)


@router.post("/estimates/{estimate_id}/restore", response_model=s.EstimateDetail)
def restore_estimate(
    estimate_id: EstimateId, body: s.StatusChange, session: SessionDep,
    editor: CurrentEditor, if_match: IfMatch = None,
) -> s.EstimateDetail:
    return _status_change(session, estimate_id, "active", body, editor, if_match)


@router.post("/estimates/{estimate_id}/revert", response_model=s.EstimateDetail)
def revert_estimate(
    estimate_id: EstimateId, body: s.RevertIn, session: SessionDep, editor: CurrentEditor,
    if_match: IfMatch = None,
) -> s.EstimateDetail:
    version = body.version if body.version is not None else _if_match_version(if_match)
    estimates.revert_estimate(session, estimate_id, body.revision, editor, version=version,
                              comment=body.comment)
    return s.estimate_detail(estimates.get_estimate(session, estimate_id))


# ---- activity and users ------------------------------------------------------------------

@router.get("/changes", response_model=s.ChangePage)
def list_changes(
    session: SessionDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 50,
) -> s.ChangePage:
    items, total = estimates.recent_revisions(session, page=page, per_page=per_page)
    return s.ChangePage(total=total, page=page, per_page=per_page,
                        items=[s.change_out(r) for r in items])


@router.get("/users", response_model=list[s.UserOut])
def list_users(session: SessionDep, admin: CurrentAdmin) -> list[s.UserOut]:
    return [s.UserOut.model_validate(u) for u in users.list_users(session)]


@router.post("/users", response_model=s.UserOut, status_code=status.HTTP_201_CREATED)
def create_user(data: s.UserCreate, session: SessionDep, admin: CurrentAdmin) -> s.UserOut:
    user = users.create_user(session, data.email, data.password, role=data.role,
                             display_name=data.display_name)
    return s.UserOut.model_validate(user)


@router.patch("/users/{user_id}", response_model=s.UserOut)
def update_user(
    user_id: Annotated[int, Path(ge=1, le=estimates.MAX_ID)], data: s.UserPatch,
    session: SessionDep, admin: CurrentAdmin,
) -> s.UserOut:
    user = users.get_user(session, user_id)
    return s.UserOut.model_validate(
        users.update_user(session, user, admin, role=data.role, active=data.active)
    )
