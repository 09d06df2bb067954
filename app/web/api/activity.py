"""Recent changes to estimates."""

from __future__ import annotations

from fastapi import APIRouter

from app.schemas.activity import ChangeOut, ChangePage
from app.services import revisions
from app.web.api.params import PageNumber, PerPage
from app.web.deps import SessionDep

router = APIRouter()


@router.get("/changes", response_model=ChangePage)
def list_changes(session: SessionDep, page: PageNumber = 1, per_page: PerPage = 50) -> ChangePage:
    items, total = revisions.recent_revisions(session, page=page, per_page=per_page)
    return ChangePage(total=total, page=page, per_page=per_page,
                      items=[ChangeOut.of(r) for r in items])
