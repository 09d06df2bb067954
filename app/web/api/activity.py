"""Recent changes to estimates and to the catalogue."""

from __future__ import annotations

from fastapi import APIRouter

from app.schemas.activity import ChainOut, ChangeOut, ChangePage
from app.services import activity, chain
from app.web.api.params import PageNumber, PerPage
from app.web.deps import SessionDep

router = APIRouter()


@router.get("/changes", response_model=ChangePage)
def list_changes(session: SessionDep, page: PageNumber = 1, per_page: PerPage = 50) -> ChangePage:
    items, total = activity.recent_changes(session, page=page, per_page=per_page)
    head = chain.head(session)
    return ChangePage(total=total, page=page, per_page=per_page,
                      items=[ChangeOut.model_validate(item) for item in items],
                      chain=ChainOut(length=head.length, head=head.hash))
