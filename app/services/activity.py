"""The list of changes: every revision of an estimate and every edit of the catalogue, merged
newest first and paginated in SQL, each with a short summary in plain words; and what changed
in a catalogue entry since the version an editor opened."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import String, func, literal, select, union_all
from sqlalchemy.orm import Session, joinedload

from app.domain.figures import format_figure
from app.domain.vocabulary import CatalogEntity, RevisionAction, SourceKind
from app.i18n import get_locale
from app.i18n import gettext as _
from app.models import CatalogRevision, Estimate, Measure, Revision, Source, Topic
from app.services.catalog_history import FIELD_LABELS
from app.services.visibility import published_revision

ESTIMATE = "estimate"
# Long texts are named, not quoted: a summary is one line.
_LONG_FIELDS = frozenset({"summary", "description"})
_QUOTE_LIMIT = 60
_KINDS = frozenset(k.value for k in SourceKind)
M = TypeVar("M", Topic, Measure, Source)


@dataclass(frozen=True)
class Activity:
    """One change, whatever it changed. Estimate-only fields are None for the catalogue."""

    kind: str  # "estimate" or a CatalogEntity value
    action: str
    user: str | None
    created_at: dt.datetime
    comment: str
    summary: str
    topic: str | None  # slugs of what the change is about, where it has one
    measure: str | None
    source: str | None
    catalog_id: int | None = None
    estimate_id: int | None = None
    number: int | None = None
    figure: str | None = None
    revision: Revision | None = None  # the estimate's revision, for pages that show more


def _catalog_edits() -> Any:
    # Creations are left out: the catalogue grows with every import and every new estimate
    # that names a new topic or source, and those show as the estimates' own revisions.
    return (select(CatalogRevision.entity.label("kind"), CatalogRevision.id.label("id"),
                   CatalogRevision.created_at.label("created_at"))
            .where(CatalogRevision.action != RevisionAction.CREATE.value))


def recent_changes(session: Session, *, page: int = 1,
                   per_page: int = 50) -> tuple[list[Activity], int]:
    """A page of changes, newest first, and how many there are in all. The page is cut in
    SQL over both kinds of revision, then its rows are loaded by id: the number of queries
    does not grow with the number of changes."""
    merged = union_all(
        # Readers' changes: no proposal, and nothing of an estimate not yet published.
        select(literal(ESTIMATE, String(20)).label("kind"), Revision.id.label("id"),
               Revision.created_at.label("created_at")).where(published_revision()),
        _catalog_edits(),
    ).subquery("changes")
    total = session.scalar(select(func.count()).select_from(merged)) or 0
    keys = session.execute(
        select(merged.c.kind, merged.c.id)
        .order_by(merged.c.created_at.desc(), merged.c.id.desc(), merged.c.kind)
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    revisions = _estimate_revisions(session, [i for kind, i in keys if kind == ESTIMATE])
    edits = _catalog_revisions(session, [i for kind, i in keys if kind != ESTIMATE])
    topics = _by_id(session, Topic, {e.topic_id for e in edits.values()})
    measures = _by_id(session, Measure, {e.measure_id for e in edits.values()})
    sources = _by_id(session, Source, {e.source_id for e in edits.values()})
    items = [
        _of_revision(revisions[i]) if kind == ESTIMATE
        else _of_edit(edits[i], topics, measures, sources)
        for kind, i in keys
    ]
    return items, total


def _estimate_revisions(session: Session, ids: list[int]) -> dict[int, Revision]:
    if not ids:
        return {}
    rows = session.scalars(
        select(Revision).where(Revision.id.in_(ids)).options(
            joinedload(Revision.user),
            joinedload(Revision.estimate).joinedload(Estimate.measure).joinedload(Measure.topic),
            joinedload(Revision.estimate).joinedload(Estimate.source),
        )
    ).unique()
    return {r.id: r for r in rows}


def _catalog_revisions(session: Session, ids: list[int]) -> dict[int, CatalogRevision]:
    if not ids:
        return {}
    rows = session.scalars(select(CatalogRevision).where(CatalogRevision.id.in_(ids))
                           .options(joinedload(CatalogRevision.user)))
    return {r.id: r for r in rows}


def _by_id(session: Session, model: type[M], ids: set[int | None]) -> dict[int, M]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(wanted)))}


def _of_revision(r: Revision) -> Activity:
    estimate = r.estimate
    figure = format_figure(r.after["low"], r.after["high"], r.after["qualifier"],
                           r.after.get("best"))
    return Activity(
        kind=ESTIMATE, action=r.action, user=r.user.display_name if r.user else None,
        created_at=r.created_at, comment=r.comment,
        summary=f"{estimate.source.name} · {estimate.measure.topic.title} · "
                f"{estimate.measure.label}: {figure}",
        topic=estimate.measure.topic.slug, measure=estimate.measure.slug,
        source=estimate.source.slug, estimate_id=r.estimate_id, number=r.number,
        figure=figure, revision=r,
    )


def _of_edit(e: CatalogRevision, topics: dict[int, Topic], measures: dict[int, Measure],
             sources: dict[int, Source]) -> Activity:
    topic = topics.get(e.topic_id) if e.topic_id else None
    measure = measures.get(e.measure_id) if e.measure_id else None
    source = sources.get(e.source_id) if e.source_id else None
    return Activity(
        kind=e.entity, action=e.action, user=e.user.display_name if e.user else None,
        created_at=e.created_at, comment=e.comment,
        summary=summarise(e.entity, e.before, e.after, topic_title=topic.title if topic else "",
                          source_name=source.name if source else ""),
        topic=topic.slug if topic else None, measure=measure.slug if measure else None,
        source=source.slug if source else None, catalog_id=e.id,
    )


# ---- summaries ---------------------------------------------------------------------------

def _quoted(value: Any) -> str:
    text = " ".join(str(value).split())
    if len(text) > _QUOTE_LIMIT:
        text = text[:_QUOTE_LIMIT - 1].rstrip() + "…"
    return f"“{text}”"


def _shown(name: str, value: Any) -> Any:
    if name == "kind" and value in _KINDS:
        return SourceKind(value).label
    return value


def _field_change(name: str, before: Any, after: Any) -> str:
    label = _(FIELD_LABELS.get(name, name))
    if get_locale() == "en":  # mid-sentence; German keeps its nouns capitalised
        label = label.lower()
    if name == "party_to_conflict":
        return (_("a party to the conflict by default") if after
                else _("not a party to the conflict by default"))
    if name in _LONG_FIELDS:
        if not after:
            return _("%(field)s removed", field=label)
        return (_("%(field)s added", field=label) if not before
                else _("%(field)s rewritten", field=label))
    before, after = _shown(name, before), _shown(name, after)
    if before in (None, ""):
        return _("%(field)s set to %(value)s", field=label, value=_quoted(after))
    if after in (None, ""):
        return _("%(field)s cleared (was %(value)s)", field=label, value=_quoted(before))
    return _("%(field)s changed from %(before)s to %(after)s", field=label,
             before=_quoted(before), after=_quoted(after))


def _party_words(party: bool | None, default: bool) -> str:
    if party is None:
        return (_("back to its default (a party)") if default
                else _("back to its default (not a party)"))
    return _("marked as a party to the conflict") if party else _("marked as not a party")


def summarise(entity: str, before: dict[str, Any] | None, after: dict[str, Any], *,
              topic_title: str = "", source_name: str = "") -> str:
    """One line in plain words, in the reader's language: 'Source “X”: short name set to
    “NIS”'."""
    if entity == CatalogEntity.TOPIC_SOURCE:
        source = _quoted(source_name or after.get("source", ""))
        words = _party_words(after.get("party_to_conflict"), bool(after.get("default")))
        if topic_title:
            return _("Source %(source)s in %(topic)s: %(change)s", source=source,
                     topic=_quoted(topic_title), change=words)
        return _("Source %(source)s: %(change)s", source=source, change=words)
    if entity == CatalogEntity.TOPIC:
        subject = _("Topic %(title)s", title=_quoted(after.get("title", "")))
    elif entity == CatalogEntity.MEASURE:
        label = _quoted(after.get("label", ""))
        subject = (_("Measure %(label)s of %(topic)s", label=label, topic=_quoted(topic_title))
                   if topic_title else _("Measure %(label)s", label=label))
    elif entity == CatalogEntity.SOURCE:
        subject = _("Source %(name)s", name=_quoted(after.get("name", "")))
    else:
        subject = entity
    if before is None:
        return _("%(subject)s: created", subject=subject)
    changes = [_field_change(name, before.get(name), value) for name, value in after.items()
               if before.get(name) != value]
    return _("%(subject)s: %(changes)s", subject=subject,
             changes="; ".join(changes) if changes else _("nothing changed"))


# ---- what changed since a version ----------------------------------------------------------

_ENTITY_COLUMN = {
    CatalogEntity.TOPIC: CatalogRevision.topic_id,
    CatalogEntity.MEASURE: CatalogRevision.measure_id,
    CatalogEntity.SOURCE: CatalogRevision.source_id,
}


@dataclass(frozen=True)
class Since:
    """The edits made to an entry after the version an editor opened, newest first, and the
    entry as it stood at that version (None when it is older than the history kept)."""

    edits: list[CatalogRevision]
    opened: dict[str, Any] | None


def edits_since(session: Session, entity: CatalogEntity, entity_id: int,
                version: int | None, current_version: int) -> Since:
    # Every edit raises the version by one and leaves one revision, so the edits after
    # `version` are the newest (current - version) ones, and the oldest of them began from it.
    wanted = current_version - version if version is not None else 1
    if wanted < 1:
        return Since([], None)
    edits = list(session.scalars(
        select(CatalogRevision)
        .where(CatalogRevision.entity == entity.value, _ENTITY_COLUMN[entity] == entity_id,
               CatalogRevision.action == RevisionAction.EDIT.value)
        .options(joinedload(CatalogRevision.user))
        .order_by(CatalogRevision.id.desc()).limit(wanted)
    ))
    known = version is not None and len(edits) == wanted
    return Since(edits, edits[-1].before if known and edits else None)
