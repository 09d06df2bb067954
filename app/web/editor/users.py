"""User management for admins: add, promote, disable, and unlock after failed sign-ins."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from app.domain.errors import ValidationFailed
from app.i18n import gettext
from app.services import accounts, users
from app.web.deps import AdminVisitor, FormDep, SessionDep
from app.web.editor.common import redirect
from app.web.forms.fields import field
from app.web.templating import render_page
from app.web.visitor import check_csrf

router = APIRouter()
_ACTIONS: dict[str, dict[str, str | bool]] = {
    "disable": {"active": False}, "enable": {"active": True},
    "make_admin": {"role": "admin"}, "make_editor": {"role": "editor"},
}


def _users_page(request: Request, session: Session, *, status: int = 200,
                values: dict[str, str] | None = None,
                errors: dict[str, str] | None = None) -> Response:
    everyone = users.list_users(session)
    return render_page(request, "admin_users.html", status_code=status, users=everyone,
                       locks=accounts.locks(session, everyone),
                       values=values or {"role": "editor"}, errors=errors or {},
                       min_length=users.MIN_PASSWORD_LENGTH)


@router.get("/admin/users", response_class=HTMLResponse, name="admin_users")
def users_page(request: Request, session: SessionDep, visitor: AdminVisitor) -> Response:
    return _users_page(request, session)


@router.post("/admin/users", response_class=HTMLResponse)
def add_user(request: Request, session: SessionDep, visitor: AdminVisitor,
             form: FormDep) -> Response:
    check_csrf(visitor, field(form, "csrf_token"))
    values = {k: field(form, k) for k in ("email", "display_name", "role")}
    try:
        users.create_user(session, values["email"], field(form, "password", strip=False),
                          role=values["role"], display_name=values["display_name"][:200])
    except ValidationFailed as exc:
        return _users_page(request, session, status=422, values=values, errors=exc.fields)
    return redirect(request.url_for("admin_users"))


@router.post("/admin/users/{user_id}", response_class=HTMLResponse, name="admin_user")
def change_user(request: Request, user_id: int, session: SessionDep, visitor: AdminVisitor,
                form: FormDep) -> Response:
    check_csrf(visitor, field(form, "csrf_token"))
    target = users.get_user(session, user_id)
    if field(form, "action") == "unlock":
        accounts.unlock(session, target)
        return redirect(request.url_for("admin_users"))
    changes = _ACTIONS.get(field(form, "action"))
    if changes is None:
        return _users_page(request, session, status=422,
                           errors={"action": gettext("Unknown action.")})
    assert visitor.actor is not None
    try:
        users.update_user(session, target, visitor.actor, **changes)  # type: ignore[arg-type]
    except ValidationFailed as exc:
        return _users_page(request, session, status=422, errors=exc.fields)
    return redirect(request.url_for("admin_users"))
