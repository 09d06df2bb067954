"""Sources and their record."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.schemas.catalog import SourceCreate, SourceOut
from app.schemas.estimates import EstimateOut, SourceDetail
from app.services import catalog, listing
from app.web.api.params import PageNumber, PerPage
from app.web.deps import CurrentEditor, SessionDep

router = APIRouter()


@router.get("/sources", response_model=list[SourceOut])
def list_sources(session: SessionDep) -> list[SourceOut]:
    return [SourceOut.model_validate(x) for x in catalog.list_sources(session)]


@router.get("/sources/{slug}", response_model=SourceDetail)
def get_source(slug: str, session: SessionDep, page: PageNumber = 1,
               per_page: PerPage = 100) -> SourceDetail:
    """The source and a page of its estimates, newest first (`total` in all)."""
    source = catalog.get_source(session, slug)
    shown, total = listing.source_estimates(session, source.id, page=page, per_page=per_page)
    return SourceDetail(
        **SourceOut.model_validate(source).model_dump(),
        total=total, page=page, per_page=per_page,
        estimates=[EstimateOut.of(e) for e in shown],
    )


@router.post("/sources", response_model=SourceOut, status_code=status.HTTP_201_CREATED)
def create_source(data: SourceCreate, session: SessionDep, editor: CurrentEditor) -> SourceOut:
    return SourceOut.model_validate(catalog.create_source(session, data, editor))
