"""Editor pages: sign-in, the estimate form (new, edit, conflicts), retract/restore, history
and revert, the activity feed, and user management. One URL serves GET and POST."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app import figures
from app.auth import (
    ANON_COOKIE,
    SESSION_COOKIE,
    AdminVisitor,
    EditorVisitor,
    Visitor,
    VisitorDep,
    check_csrf,
    set_cookie,
)
from app.db import SessionDep
from app.errors import Conflict, PermissionDenied, ValidationFailed
from app.forms import (
    EstimateForm,
    check_estimate_form,
    estimate_create,
    estimate_patch,
    form_version,
    proposed_snapshot,
    whole_number,
)
from app.models import QUALIFIERS, SOURCE_KINDS, Estimate, User
from app.pages import render_page, templates
from app.services import accounts, catalog, estimates, users

router = APIRouter(include_in_schema=False)
PER_PAGE = 50


async def _form(request: Request) -> FormData:
    return await request.form(max_files=0, max_fields=300, max_part_size=64 * 1024)


FormDep = Annotated[FormData, Depends(_form)]


def _redirect(url: Any) -> RedirectResponse:
    return RedirectResponse(str(url), status_code=303)


def _safe_next(value: str | None) -> str:
    # Only same-site paths: never an open redirect to another host.
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/"


# ---- sign-in -----------------------------------------------------------------------------

def _login_page(request: Request, visitor: Visitor, *, status: int = 200, email: str = "",
                message: str = "", next_url: str = "/") -> Response:
    response = render_page(request, "login.html", status_code=status, email=email,
                           message=message, next_url=next_url)
    if visitor.new_anon_id:
        set_cookie(request, response, ANON_COOKIE, visitor.anon_id, max_age=3600)
    return response


@router.get("/login", response_class=HTMLResponse, name="login")
def login_form(request: Request, visitor: VisitorDep, next: str = "/") -> Response:
    return _login_page(request, visitor, next_url=_safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, session: SessionDep, visitor: VisitorDep, form: FormDep) -> Response:
    check_csrf(visitor, _field(form, "csrf_token"))
    email, password = _field(form, "email"), _field(form, "password", strip=False)
    next_url = _safe_next(_field(form, "next"))
    client = request.client.host if request.client else "unknown"
    try:
        user = accounts.authenticate(session, email, password, client)
    except accounts.TooManyAttempts as exc:
        response = _login_page(request, visitor, status=429, email=email, message=exc.message,
                               next_url=next_url)
        response.headers.update(exc.headers())
        return response
    except accounts.SignInRefused as exc:
        return _login_page(request, visitor, status=401, email=email, message=exc.message,
                           next_url=next_url)
    accounts.end_session(session, visitor.session_id)
    response = _redirect(next_url)
    set_cookie(request, response, SESSION_COOKIE, accounts.start_session(session, user),
               max_age=int(accounts.ABSOLUTE_TIMEOUT.total_seconds()))
    response.delete_cookie(ANON_COOKIE, path="/")
    return response


@router.post("/logout", name="logout")
def logout(request: Request, session: SessionDep, visitor: VisitorDep, form: FormDep) -> Response:
    check_csrf(visitor, _field(form, "csrf_token"))
    accounts.end_session(session, visitor.session_id)
    response = _redirect(request.url_for("home"))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _field(form: FormData, name: str, *, strip: bool = True) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    return value.strip() if strip else value


# ---- the estimate form -------------------------------------------------------------------

def _form_page(request: Request, session: Session, form: EstimateForm, *, status: int = 200,
               estimate: Estimate | None = None, reading: str = "") -> Response:
    return render_page(
        request, "estimate_form.html", status_code=status, form=form, estimate=estimate,
        topics=catalog.list_topics(session), sources=catalog.list_sources(session),
        kinds=SOURCE_KINDS, qualifiers=QUALIFIERS, labels=figures.QUALIFIER_LABELS,
        measure_names=sorted(catalog.DEFAULT_MEASURES), reading=reading,
    )


def _reading(checked: dict[str, Any]) -> str:
    fig: estimates.Figure | None = checked["figure"]
    if fig is None:
        return ""
    low = "open" if fig.low is None else figures.format_number(fig.low)
    high = "open" if fig.high is None else figures.format_number(fig.high)
    shown = figures.format_figure(fig.low, fig.high, fig.qualifier, fig.best)
    return f"low {low}, high {high}, {figures.QUALIFIER_LABELS[fig.qualifier]}: “{shown}”"


@router.get("/estimates/new", response_class=HTMLResponse, name="new_estimate")
def new_estimate_form(request: Request, session: SessionDep, visitor: EditorVisitor,
                      topic: str = "", measure: str = "") -> Response:
    return _form_page(request, session, EstimateForm.for_new(topic[:100], measure[:100]))


@router.post("/estimates/new", response_class=HTMLResponse)
def new_estimate(request: Request, session: SessionDep, visitor: EditorVisitor,
                 form_data: FormDep) -> Response:
    check_csrf(visitor, _field(form_data, "csrf_token"))
    form = EstimateForm.from_form(form_data)
    checked = check_estimate_form(form, editing=False)
    if form.errors:
        return _form_page(request, session, form, status=422)
    if form_data.get("action") == "preview":
        return _form_page(request, session, form, reading=_reading(checked))
    try:
        created = estimates.create_estimate(
            session, estimate_create(session, form, checked), visitor.user
        )
    except ValidationFailed as exc:
        session.rollback()  # a topic or source made for this form must not stay behind
        form.errors.update(exc.fields)
        return _form_page(request, session, form, status=422)
    return _redirect(request.url_for("estimate_page", estimate_id=created.id))


@router.get("/estimates/{estimate_id}/edit", response_class=HTMLResponse, name="edit_estimate")
def edit_estimate_form(request: Request, estimate_id: int, session: SessionDep,
                       visitor: EditorVisitor) -> Response:
    estimate = estimates.get_estimate(session, estimate_id)
    return _form_page(request, session, EstimateForm.for_edit(estimate), estimate=estimate)


@router.post("/estimates/{estimate_id}/edit", response_class=HTMLResponse)
def edit_estimate(request: Request, estimate_id: int, session: SessionDep,
                  visitor: EditorVisitor, form_data: FormDep) -> Response:
    check_csrf(visitor, _field(form_data, "csrf_token"))
    estimate = estimates.get_estimate(session, estimate_id)
    form = EstimateForm.from_form(form_data)
    for name in ("topic", "measure", "source"):  # fixed once an estimate exists
        form.values[name] = estimates.snapshot(estimate)[name]
    checked = check_estimate_form(form, editing=True)
    if form.errors:
        return _form_page(request, session, form, status=422, estimate=estimate)
    if form_data.get("action") == "preview":
        return _form_page(request, session, form, estimate=estimate, reading=_reading(checked))
    version = form_version(form)
    if version != estimate.version:
        return _conflict_page(request, session, estimate, form, checked, version)
    try:
        estimates.update_estimate(session, estimate_id, estimate_patch(form, checked),
                                  visitor.user, version=version)
    except ValidationFailed as exc:
        session.rollback()
        form.errors.update(exc.fields)
        return _form_page(request, session, form, status=422, estimate=estimate)
    except Conflict:
        session.rollback()
        fresh = estimates.get_estimate(session, estimate_id)
        return _conflict_page(request, session, fresh, form, checked, version)
    return _redirect(request.url_for("estimate_page", estimate_id=estimate_id))


def _conflict_page(request: Request, session: Session, estimate: Estimate, form: EstimateForm,
                   checked: dict[str, Any], version: int | None) -> Response:
    current = estimates.snapshot(estimate)
    opened = estimates.snapshot_at_version(session, estimate.id, version) if version else None
    latest = max(estimate.revisions, key=lambda r: r.number)
    theirs = proposed_snapshot(form, checked, current)
    return render_page(
        request, "conflict.html", status_code=409, estimate=estimate, form=form,
        since=estimates.diff_snapshots(opened, current) if opened else [],
        mine=estimates.diff_snapshots(current, theirs), opened_version=version,
        latest=latest, latest_by=latest.user.display_name if latest.user else "an import",
    )


# ---- retract, restore --------------------------------------------------------------------

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
    return _status_page(request, estimates.get_estimate(session, estimate_id), action)


@router.post("/estimates/{estimate_id}/retract", response_class=HTMLResponse,
             name="retract_page")
@router.post("/estimates/{estimate_id}/restore", response_class=HTMLResponse,
             name="restore_page")
def change_status(request: Request, estimate_id: int, session: SessionDep,
                  visitor: EditorVisitor, form: FormDep) -> Response:
    action = request.url.path.rsplit("/", 1)[-1]
    check_csrf(visitor, _field(form, "csrf_token"))
    estimate = estimates.get_estimate(session, estimate_id)
    reason = _field(form, "reason")[:1000]
    if not reason:
        return _status_page(request, estimate, action, status=422,
                            message="Give a reason: readers see it in the history.")
    version = whole_number(_field(form, "version"))
    new_status = "retracted" if action == "retract" else "active"
    try:
        estimates.set_status(session, estimate_id, new_status, reason, visitor.user,
                             version=version)
    except Conflict as exc:
        session.rollback()
        fresh = estimates.get_estimate(session, estimate_id)
        return _status_page(request, fresh, action, status=409, reason=reason,
                            message=exc.message)
    return _redirect(request.url_for("estimate_page", estimate_id=estimate_id))


# ---- history and revert ------------------------------------------------------------------

@router.get("/estimates/{estimate_id}/history", response_class=HTMLResponse,
            name="estimate_history")
def history(request: Request, estimate_id: int, session: SessionDep,
            visitor: VisitorDep) -> Response:
    estimate = estimates.get_estimate(session, estimate_id)
    entries = [(r, estimates.diff_snapshots(r.before, r.after))
               for r in reversed(estimate.revisions)]
    return render_page(request, "history.html", estimate=estimate, entries=entries,
                       json_url=request.url_for("get_estimate", estimate_id=estimate_id))


@router.post("/estimates/{estimate_id}/revert", response_class=HTMLResponse,
             name="revert_page")
def revert(request: Request, estimate_id: int, session: SessionDep, visitor: EditorVisitor,
           form: FormDep) -> Response:
    check_csrf(visitor, _field(form, "csrf_token"))
    assert visitor.user is not None
    try:
        estimates.revert_estimate(
            session, estimate_id, whole_number(_field(form, "revision")) or 0, visitor.user,
            version=whole_number(_field(form, "version")),
            comment=_field(form, "comment")[:1000],
        )
    except (Conflict, PermissionDenied) as exc:
        session.rollback()
        return render_page(request, "error.html", status_code=exc.status_code,
                           status=exc.status_code, message=exc.message)
    return _redirect(request.url_for("estimate_history", estimate_id=estimate_id))


# ---- activity ----------------------------------------------------------------------------

@router.get("/changes", response_class=HTMLResponse, name="changes")
def changes(request: Request, session: SessionDep, visitor: VisitorDep,
            page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    revisions, total = estimates.recent_revisions(session, page=page, per_page=PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    return render_page(request, "changes.html", revisions=revisions, page=page, pages=pages,
                       total=total, json_url=request.url_for("list_changes"))


@router.get("/changes.atom", name="changes_feed")
def changes_feed(request: Request, session: SessionDep) -> Response:
    revisions, _ = estimates.recent_revisions(session, page=1, per_page=PER_PAGE)
    updated = revisions[0].created_at if revisions else dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    return templates.TemplateResponse(
        request, "changes.atom.j2", {"revisions": revisions, "updated": updated},
        media_type="application/atom+xml",
    )


# ---- users -------------------------------------------------------------------------------

def _users_page(request: Request, session: Session, *, status: int = 200,
                values: dict[str, str] | None = None,
                errors: dict[str, str] | None = None) -> Response:
    return render_page(request, "admin_users.html", status_code=status,
                       users=users.list_users(session), values=values or {"role": "editor"},
                       errors=errors or {})


@router.get("/admin/users", response_class=HTMLResponse, name="admin_users")
def users_page(request: Request, session: SessionDep, visitor: AdminVisitor) -> Response:
    return _users_page(request, session)


@router.post("/admin/users", response_class=HTMLResponse)
def add_user(request: Request, session: SessionDep, visitor: AdminVisitor,
             form: FormDep) -> Response:
    check_csrf(visitor, _field(form, "csrf_token"))
    values = {k: _field(form, k) for k in ("email", "display_name", "role")}
    try:
        users.create_user(session, values["email"], _field(form, "password", strip=False),
                          role=values["role"], display_name=values["display_name"][:200])
    except ValidationFailed as exc:
        session.rollback()
        return _users_page(request, session, status=422, values=values, errors=exc.fields)
    return _redirect(request.url_for("admin_users"))


@router.post("/admin/users/{user_id}", response_class=HTMLResponse, name="admin_user")
def change_user(request: Request, user_id: int, session: SessionDep, visitor: AdminVisitor,
                form: FormDep) -> Response:
    check_csrf(visitor, _field(form, "csrf_token"))
    target: User = users.get_user(session, user_id)
    changes = {
        "disable": {"active": False}, "enable": {"active": True},
        "make_admin": {"role": "admin"}, "make_editor": {"role": "editor"},
    }.get(_field(form, "action"))
    if changes is None:
        return _users_page(request, session, status=422, errors={"action": "Unknown action."})
    assert visitor.user is not None
    try:
        users.update_user(session, target, visitor.user, **changes)  # type: ignore[arg-type]
    except ValidationFailed as exc:
        session.rollback()
        return _users_page(request, session, status=422, errors=exc.fields)
    return _redirect(request.url_for("admin_users"))
