"""Correcting the catalogue through forms: a topic (and each source's party status in it), a
measure, a source. One URL for GET and POST; mistakes come back beside their fields (422);
an edit based on an outdated version gets the conflict view (409) with everything typed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.domain.errors import Conflict, NotFound, ValidationFailed
from app.domain.vocabulary import CatalogEntity, SourceKind
from app.i18n import gettext
from app.models import Measure, Source, Topic
from app.services import activity, catalog, catalog_edits, parties
from app.services.catalog_history import measure_snapshot, source_snapshot, topic_snapshot
from app.services.parties import PartyStatus
from app.web.deps import EditorVisitor, FormDep, SessionDep
from app.web.editor.common import redirect
from app.web.forms.catalog import (
    MEASURE_FIELDS,
    SOURCE_FIELDS,
    TOPIC_FIELDS,
    CatalogForm,
    Row,
    check_measure,
    check_source,
    check_topic,
    diff,
    keep_theirs,
    measure_form,
    party_field,
    party_rows,
    party_value,
    proposed,
    source_form,
    topic_form,
)
from app.web.forms.fields import field as form_field
from app.web.templating import render_page
from app.web.visitor import Visitor, check_csrf

router = APIRouter()


def _start(visitor: Visitor, form_data: FormData) -> None:
    check_csrf(visitor, form_field(form_data, "csrf_token"))


def _unseen(form: CatalogForm, exc: ValidationFailed) -> str:
    """Problems the services found: beside their field when the form has it, else in the
    message at the top (never lost in a hidden field)."""
    stray = []
    for name, message in exc.fields.items():
        if name in form.fields or name == "comment":
            form.errors[name] = message
        else:
            stray.append(message)
    return " ".join(stray)


@dataclass
class Conflicted:
    """What the conflict view needs about the entry and the editor's input."""

    what: str
    name: str
    entity: CatalogEntity
    entity_id: int
    version: int
    current: dict[str, Any]
    action_url: str
    back_url: str
    statuses: list[PartyStatus] = field(default_factory=list)


def _conflict_page(request: Request, session: Session, c: Conflicted, form: CatalogForm,
                   mine: dict[str, Any]) -> Response:
    since = activity.edits_since(session, c.entity, c.entity_id, form.version, c.version)
    if since.opened is not None:
        mine = keep_theirs(form, mine, since.opened, c.current)
    current_parties = {s.source.slug: party_value(s.own) for s in c.statuses}
    changed = {slug: form.parties[slug] for slug in form.changed_parties()}
    since_rows: list[Row] = [
        *(diff(form, since.opened, c.current) if since.opened else []),
        *party_rows(c.statuses, form.shown, current_parties),
    ]
    mine_rows = [*diff(form, c.current, mine),
                 *party_rows(c.statuses, current_parties, changed)]
    latest = since.edits[0] if since.edits else None
    return render_page(
        request, "catalog_conflict.html", status_code=409, what=c.what, entry=c.name,
        form=form, since=since_rows, mine=mine_rows, latest=latest,
        latest_by=(latest.user.display_name if latest and latest.user else gettext("someone")),
        current_version=c.version, opened_version=form.version,
        hidden=form.carried(c.version, c.statuses), action_url=c.action_url,
        back_url=c.back_url,
    )


# ---- topics --------------------------------------------------------------------------------

def _topic_page(request: Request, topic: Topic, form: CatalogForm,
                statuses: list[PartyStatus], *, status: int = 200,
                message: str = "") -> Response:
    return render_page(request, "catalog_topic_form.html", status_code=status, topic=topic,
                       form=form, statuses=statuses, party_field=party_field, message=message)


@router.get("/topics/{slug}/edit", response_class=HTMLResponse, name="edit_topic")
def edit_topic_form(request: Request, slug: str, session: SessionDep,
                    visitor: EditorVisitor) -> Response:
    topic = catalog.get_topic(session, slug)
    statuses = parties.topic_sources(session, topic.id)
    return _topic_page(request, topic, topic_form(topic, statuses), statuses)


@router.post("/topics/{slug}/edit", response_class=HTMLResponse, name="edit_topic")
def edit_topic(request: Request, slug: str, session: SessionDep, visitor: EditorVisitor,
               form_data: FormDep) -> Response:
    _start(visitor, form_data)
    topic = catalog.get_topic(session, slug)
    statuses = parties.topic_sources(session, topic.id)
    form = CatalogForm.read(form_data, TOPIC_FIELDS, statuses)
    checked = check_topic(form)
    if checked is None:
        return _topic_page(request, topic, form, statuses, status=422)
    patch = checked  # named once checked: the conflict view below needs it
    patch = checked  # named once checked: the conflict view below needs it
    patch = checked  # named once checked: the conflict view below needs it
    if form_data.get("action") == "edit":  # from the conflict view: go on editing
        return _topic_page(request, topic, form, statuses)
    current = {s.source.slug: party_value(s.own) for s in statuses}
    # A status the editor changed that someone else changed too since the form was opened.
    overlapping = [s for s in form.changed_parties() if current[s] != form.shown[s]]

    def conflict(fresh: Topic) -> Response:
        where = Conflicted("topic", fresh.title, CatalogEntity.TOPIC, fresh.id, fresh.version,
                           topic_snapshot(fresh), str(request.url_for("edit_topic", slug=slug)),
                           str(request.url_for("topic_page", slug=slug)), statuses)
        return _conflict_page(request, session, where, form, proposed(form, patch))

    if form.version != topic.version or overlapping:
        return conflict(topic)
    try:
        catalog_edits.update_topic(session, slug, patch, visitor.actor, version=form.version)
    except Conflict:
        return conflict(catalog.get_topic(session, slug))
    except ValidationFailed as exc:
        message = _unseen(form, exc)
        return _topic_page(request, topic, form, statuses, status=422, message=message)
    for source_slug, party in form.changed_parties().items():
        parties.set_party(session, slug, source_slug, party, visitor.actor, patch.comment)
    return redirect(request.url_for("topic_page", slug=slug))


# ---- measures ------------------------------------------------------------------------------

def _measure_of(topic: Topic, slug: str) -> Measure:
    found = next((m for m in topic.measures if m.slug == slug), None)
    if found is None:
        raise NotFound(gettext("Topic “%(topic)s” has no measure “%(measure)s”.",
                               topic=topic.slug, measure=slug))
    return found


def _measure_page(request: Request, topic: Topic, measure: Measure, form: CatalogForm, *,
                  status: int = 200, message: str = "") -> Response:
    return render_page(request, "catalog_measure_form.html", status_code=status, topic=topic,
                       measure=measure, form=form, message=message)


def _measure_url(request: Request, slug: str, measure: str) -> str:
    return f"{request.url_for('topic_page', slug=slug)}#measure-{measure}"


@router.get("/topics/{slug}/measures/{measure}/edit", response_class=HTMLResponse,
            name="edit_measure")
def edit_measure_form(request: Request, slug: str, measure: str, session: SessionDep,
                      visitor: EditorVisitor) -> Response:
    topic = catalog.get_topic(session, slug)
    found = _measure_of(topic, measure)
    return _measure_page(request, topic, found, measure_form(found))


@router.post("/topics/{slug}/measures/{measure}/edit", response_class=HTMLResponse,
             name="edit_measure")
def edit_measure(request: Request, slug: str, measure: str, session: SessionDep,
                 visitor: EditorVisitor, form_data: FormDep) -> Response:
    _start(visitor, form_data)
    topic = catalog.get_topic(session, slug)
    found = _measure_of(topic, measure)
    form = CatalogForm.read(form_data, MEASURE_FIELDS)
    checked = check_measure(form)
    if checked is None:
        return _measure_page(request, topic, found, form, status=422)
    patch = checked  # named once checked: the conflict view below needs it
    patch = checked  # named once checked: the conflict view below needs it
    patch = checked  # named once checked: the conflict view below needs it
    if form_data.get("action") == "edit":
        return _measure_page(request, topic, found, form)

    def conflict(fresh: Measure) -> Response:
        where = Conflicted(
            "measure", f"{fresh.label} ({topic.title})", CatalogEntity.MEASURE, fresh.id,
            fresh.version, measure_snapshot(fresh),
            str(request.url_for("edit_measure", slug=slug, measure=measure)),
            _measure_url(request, slug, measure))
        return _conflict_page(request, session, where, form, proposed(form, patch))

    if form.version != found.version:
        return conflict(found)
    try:
        catalog_edits.update_measure(session, slug, measure, patch, visitor.actor,
                                     version=form.version)
    except Conflict:
        return conflict(_measure_of(catalog.get_topic(session, slug), measure))
    except ValidationFailed as exc:
        message = _unseen(form, exc)
        return _measure_page(request, topic, found, form, status=422, message=message)
    return redirect(_measure_url(request, slug, measure))


# ---- sources -------------------------------------------------------------------------------

def _source_page(request: Request, source: Source, form: CatalogForm, *, status: int = 200,
                 message: str = "") -> Response:
    return render_page(request, "catalog_source_form.html", status_code=status, source=source,
                       form=form, kinds=list(SourceKind), message=message)


@router.get("/sources/{slug}/edit", response_class=HTMLResponse, name="edit_source")
def edit_source_form(request: Request, slug: str, session: SessionDep,
                     visitor: EditorVisitor) -> Response:
    source = catalog.get_source(session, slug)
    return _source_page(request, source, source_form(source))


@router.post("/sources/{slug}/edit", response_class=HTMLResponse, name="edit_source")
def edit_source(request: Request, slug: str, session: SessionDep, visitor: EditorVisitor,
                form_data: FormDep) -> Response:
    _start(visitor, form_data)
    source = catalog.get_source(session, slug)
    form = CatalogForm.read(form_data, SOURCE_FIELDS)
    checked = check_source(form)
    if checked is None:
        return _source_page(request, source, form, status=422)
    patch = checked  # named once checked: the conflict view below needs it
    patch = checked  # named once checked: the conflict view below needs it
    patch = checked  # named once checked: the conflict view below needs it
    if form_data.get("action") == "edit":
        return _source_page(request, source, form)

    def conflict() -> Response:
        fresh = catalog.get_source(session, slug)
        where = Conflicted("source", fresh.name, CatalogEntity.SOURCE, fresh.id,
                           fresh.version, source_snapshot(fresh),
                           str(request.url_for("edit_source", slug=slug)),
                           str(request.url_for("source_page", slug=slug)))
        return _conflict_page(request, session, where, form, proposed(form, patch))

    if form.version != source.version:
        return conflict()
    try:
        catalog_edits.update_source(session, slug, patch, visitor.actor, version=form.version)
    except Conflict:
        return conflict()
    except ValidationFailed as exc:
        message = _unseen(form, exc)
        return _source_page(request, source, form, status=422, message=message)
    return redirect(request.url_for("source_page", slug=slug))
