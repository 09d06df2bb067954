"""Estimates: create, correct, retract, restore — each change leaves a revision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from app import figures
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.models import Citation, Estimate, Measure, Revision, Source, Topic, User, utcnow
from app.schemas import CitationIn, EstimateCreate, EstimatePatch, partial_iso

MAX_ID = 2**31 - 1
CITATION_FIELDS = (
    "url", "publication", "title", "published_on", "quote", "quote_translation", "language",
    "retrieved_on",
)


@dataclass(frozen=True)
class Figure:
    low: int | None
    high: int | None
    best: int | None
    qualifier: str


def _infer_qualifier(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return "exact" if low == high else "between"
    return "at_least" if low is not None else "up_to"


def resolve_figure(
    *,
    figure: str | None,
    low: int | None,
    high: int | None,
    best: int | None,
    qualifier: str | None,
) -> Figure:
    """Turn what the writer gave (text, or low/high/qualifier) into a checked figure."""
    if figure:
        if low is not None or high is not None:
            raise ValidationFailed(
                {"figure": "Give the figure either as text or as low/high, not both."}
            )
        try:
            parsed = figures.parse_figure(figure)
        except figures.FigureError as exc:
            raise ValidationFailed({"figure": str(exc)}) from None
        low, high = parsed.low, parsed.high
        qualifier = qualifier if qualifier not in (None, "") else parsed.qualifier
    if low is None and high is None:
        raise ValidationFailed({"low": "Give at least a low or a high figure."})
    if not qualifier and high is None:
        # A lone number in a spreadsheet cell is a point figure; "at least" must be said.
        high = low
    qualifier = qualifier or _infer_qualifier(low, high)
    check_figure(low, high, best, qualifier)
    return Figure(low, high, best, qualifier)


def check_figure(low: int | None, high: int | None, best: int | None, qualifier: str) -> None:
    """The rules of figures.check_shape, but with each message keyed to the field it is about,
    as forms and the API report them beside the field."""
    errors: dict[str, str] = {}
    fmt = figures.format_number
    if qualifier not in figures.QUALIFIERS:
        errors["qualifier"] = (
            f"Unknown qualifier '{qualifier}': use one of {', '.join(figures.QUALIFIERS)}."
        )
    for name, value in (("low", low), ("high", high), ("best", best)):
        if value is not None and value < 0:
            errors[name] = f"The {name} figure cannot be negative."
    if errors:
        raise ValidationFailed(errors)
    if low is None and high is None:
        errors["low"] = "Give at least a low or a high figure."
    elif low is not None and high is not None and low > high:
        errors["low"] = f"The low figure is above the high figure: {fmt(low)} > {fmt(high)}."
    if best is not None and (
        (low is not None and best < low) or (high is not None and best > high)
    ):
        errors["best"] = "The best figure must lie between the low and the high figure."
    if not errors:
        shape_error = _shape_error(low, high, qualifier)
        if shape_error:
            errors["qualifier"] = shape_error
    if errors:
        raise ValidationFailed(errors)


def _shape_error(low: int | None, high: int | None, qualifier: str) -> str | None:
    label = figures.QUALIFIER_LABELS[qualifier]
    if qualifier == "exact" and low != high:
        return "'exactly' needs one figure: make low and high equal, or choose 'between'."
    if qualifier in ("about", "between", "exact") and (low is None or high is None):
        return f"'{label}' needs both a low and a high figure (equal for a single figure)."
    if qualifier == "between" and low == high:
        return "'between' needs two different figures; for one figure choose 'exactly' or 'about'."
    if qualifier in ("at_least", "more_than") and (low is None or high is not None):
        return f"'{label}' needs a low figure and no high figure."
    if qualifier in ("up_to", "fewer_than") and (high is None or low is not None):
        return f"'{label}' needs a high figure and no low figure."
    return None


def _partial(value: str | None) -> figures.PartialDate | None:
    return figures.parse_partial_date(value) if value else None


def _set_dates(estimate: Estimate, as_of: str | None, stated_on: str | None) -> None:
    a, s = _partial(as_of), _partial(stated_on)
    estimate.as_of, estimate.as_of_precision = (a.value, a.precision) if a else (None, None)
    estimate.stated_on, estimate.stated_on_precision = (
        (s.value, s.precision) if s else (None, None)
    )


def new_citation(data: CitationIn | dict[str, Any], position: int) -> Citation:
    values = data.model_dump() if isinstance(data, CitationIn) else dict(data)
    for key in ("published_on", "retrieved_on"):
        if isinstance(values.get(key), str):
            values[key] = dt.date.fromisoformat(values[key])
    return Citation(position=position, **{k: values.get(k) or _blank(k) for k in CITATION_FIELDS})


def _blank(field: str) -> Any:
    return None if field.endswith("_on") else ""


def citation_dict(c: Citation) -> dict[str, Any]:
    values = {k: getattr(c, k) for k in CITATION_FIELDS}
    for key in ("published_on", "retrieved_on"):
        values[key] = values[key].isoformat() if values[key] else None
    return values


def snapshot(e: Estimate) -> dict[str, Any]:
    """Everything a revision needs to show or restore this state of the estimate."""
    return {
        "topic": e.measure.topic.slug,
        "measure": e.measure.slug,
        "source": e.source.slug,
        "low": e.low,
        "high": e.high,
        "best": e.best,
        "qualifier": e.qualifier,
        "as_of": partial_iso(e.as_of, e.as_of_precision),
        "stated_on": partial_iso(e.stated_on, e.stated_on_precision),
        "claimant": e.claimant,
        "notes": e.notes,
        "status": e.status,
        "citations": [citation_dict(c) for c in e.citations],
    }


def _add_revision(
    session: Session,
    estimate: Estimate,
    action: str,
    before: dict[str, Any] | None,
    user: User | None,
    comment: str,
) -> Revision:
    number = session.scalar(
        select(func.coalesce(func.max(Revision.number), 0)).where(
            Revision.estimate_id == estimate.id
        )
    )
    revision = Revision(
        estimate_id=estimate.id,
        number=(number or 0) + 1,
        action=action,
        before=before,
        after=snapshot(estimate),
        user_id=user.id if user else None,
        comment=comment,
    )
    session.add(revision)
    session.flush()
    return revision


def _resolve_refs(
    session: Session, topic: str, measure: str, source: str
) -> tuple[Measure, Source]:
    row = session.scalars(
        select(Measure)
        .join(Measure.topic)
        .where(Topic.slug == topic, Measure.slug == measure)
        .options(contains_eager(Measure.topic))
    ).one_or_none()
    src = session.scalars(select(Source).where(Source.slug == source)).one_or_none()
    errors = {}
    if row is None:
        known_topic = session.scalar(select(func.count()).where(Topic.slug == topic))
        if known_topic:
            errors["measure"] = f"Topic '{topic}' has no measure '{measure}'."
        else:
            errors["topic"] = f"No topic '{topic}'."
    if src is None:
        errors["source"] = f"No source '{source}'."
    if errors:
        raise ValidationFailed(errors)
    assert row is not None and src is not None
    return row, src


def create_estimate(
    session: Session,
    data: EstimateCreate,
    user: User | None,
    *,
    status: str = "active",
    comment: str | None = None,
    refs: tuple[Measure, Source] | None = None,
) -> Estimate:
    fig = resolve_figure(
        figure=data.figure, low=data.low, high=data.high, best=data.best, qualifier=data.qualifier
    )
    measure, source = refs or _resolve_refs(session, data.topic, data.measure, data.source)
    now = utcnow()
    estimate = Estimate(
        measure=measure,
        source=source,
        low=fig.low,
        high=fig.high,
        best=fig.best,
        qualifier=fig.qualifier,
        claimant=data.claimant,
        notes=data.notes,
        status=status,
        created_at=now,
        updated_at=now,
        created_by_id=user.id if user else None,
        updated_by_id=user.id if user else None,
    )
    _set_dates(estimate, data.as_of, data.stated_on)
    estimate.citations = [new_citation(c, i) for i, c in enumerate(data.citations)]
    session.add(estimate)
    session.flush()
    _add_revision(session, estimate, "create", None, user, comment if comment is not None
                  else data.comment)
    return estimate


def _load(session: Session, estimate_id: int, *, revisions: bool = False) -> Estimate:
    if not 1 <= estimate_id <= MAX_ID:
        raise NotFound(f"No estimate {estimate_id}.")
    options = [
        joinedload(Estimate.measure).joinedload(Measure.topic),
        joinedload(Estimate.source),
        selectinload(Estimate.citations),
    ]
    if revisions:
        options.append(selectinload(Estimate.revisions).joinedload(Revision.user))
    # populate_existing: a write earlier in this request may have left stale collections.
    estimate = session.scalars(
        select(Estimate)
        .where(Estimate.id == estimate_id)
        .options(*options)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if estimate is None:
        raise NotFound(f"No estimate {estimate_id}.")
    return estimate


def get_estimate(session: Session, estimate_id: int) -> Estimate:
    return _load(session, estimate_id, revisions=True)


def _check_version(estimate: Estimate, version: int | None) -> None:
    if version is None:
        raise ValidationFailed(
            {"version": "Give the version this change is based on (a 'version' field or an "
                        "If-Match header), so a newer change is never overwritten."}
        )
    if version != estimate.version:
        raise Conflict(
            f"Estimate {estimate.id} was changed since version {version}; it is now at version "
            f"{estimate.version}. Reload it and apply your change again.",
            current_version=estimate.version,
        )


def _save(session: Session, estimate: Estimate, user: User | None) -> None:
    estimate.updated_at = utcnow()
    estimate.updated_by_id = user.id if user else None
    try:
        session.flush()
    except StaleDataError:
        # Another writer committed between our read and our UPDATE … WHERE version = n.
        raise Conflict(
            f"Estimate {estimate.id} was changed by someone else while you were saving."
        ) from None


def update_estimate(
    session: Session,
    estimate_id: int,
    patch: EstimatePatch,
    user: User | None,
    *,
    version: int | None = None,
) -> Estimate:
    estimate = _load(session, estimate_id)
    _check_version(estimate, patch.version if patch.version is not None else version)
    given = patch.model_fields_set
    figure_given = bool(given & {"figure", "low", "high", "best", "qualifier"})
    if figure_given:
        if patch.figure:
            fig = resolve_figure(
                figure=patch.figure, low=patch.low, high=patch.high, best=patch.best,
                qualifier=patch.qualifier,
            )
        else:
            low = patch.low if "low" in given else estimate.low
            high = patch.high if "high" in given else estimate.high
            best = patch.best if "best" in given else estimate.best
            qualifier = patch.qualifier if "qualifier" in given else None
            fig = resolve_figure(
                figure=None, low=low, high=high, best=best,
                qualifier=qualifier or _keep_qualifier(estimate.qualifier, low, high),
            )
    before = snapshot(estimate)
    if figure_given:
        estimate.low, estimate.high, estimate.best, estimate.qualifier = (
            fig.low, fig.high, fig.best, fig.qualifier
        )
    if "as_of" in given or "stated_on" in given:
        _set_dates(
            estimate,
            patch.as_of if "as_of" in given else partial_iso(estimate.as_of,
                                                              estimate.as_of_precision),
            patch.stated_on if "stated_on" in given
            else partial_iso(estimate.stated_on, estimate.stated_on_precision),
        )
    for field in ("claimant", "notes"):
        value = getattr(patch, field)
        if field in given and value is not None:
            setattr(estimate, field, value)
    if patch.citations is not None:
        _replace_citations(estimate, [c.model_dump() for c in patch.citations])
    if snapshot(estimate) == before:
        return estimate
    _save(session, estimate, user)
    _add_revision(session, estimate, "edit", before, user, patch.comment)
    return estimate


def _keep_qualifier(current: str, low: int | None, high: int | None) -> str | None:
    """Keep the current qualifier when it still fits the new bounds (an 'about' stays 'about')."""
    return current if _shape_error(low, high, current) is None else None


def _replace_citations(estimate: Estimate, citations: Sequence[dict[str, Any]]) -> None:
    current = [citation_dict(c) for c in estimate.citations]
    wanted = [
        citation_dict(new_citation(c, i)) for i, c in enumerate(citations)
    ]
    if current != wanted:
        estimate.citations = [new_citation(c, i) for i, c in enumerate(citations)]


def set_status(
    session: Session,
    estimate_id: int,
    status: str,
    reason: str,
    user: User | None,
    *,
    version: int | None,
) -> Estimate:
    estimate = _load(session, estimate_id)
    _check_version(estimate, version)
    action = "retract" if status == "retracted" else "restore"
    if estimate.status == status:
        raise Conflict(f"Estimate {estimate.id} is already {status}.",
                       current_version=estimate.version)
    before = snapshot(estimate)
    estimate.status = status
    _save(session, estimate, user)
    _add_revision(session, estimate, action, before, user, reason)
    return estimate


# ---- queries -----------------------------------------------------------------------------

def _with_context(stmt: Select[Any]) -> Select[Any]:
    # Joined, not selectin: selectin loads in batches of 500 ids, so a page's query count would
    # grow with the number of estimates. Callers must apply .unique() to the result.
    return stmt.options(
        joinedload(Estimate.measure).joinedload(Measure.topic),
        joinedload(Estimate.source),
        joinedload(Estimate.citations),
    )


@dataclass(frozen=True)
class EstimateFilter:
    topic: str | None = None
    measure: str | None = None
    source: str | None = None
    as_of_from: dt.date | None = None
    as_of_to: dt.date | None = None
    status: str | None = None


def list_estimates(
    session: Session, filters: EstimateFilter, *, page: int = 1, per_page: int = 50
) -> tuple[list[Estimate], int]:
    stmt = (
        select(Estimate.id)
        .join(Measure, Estimate.measure_id == Measure.id)
        .join(Topic, Measure.topic_id == Topic.id)
        .join(Source, Estimate.source_id == Source.id)
    )
    if filters.topic:
        stmt = stmt.where(Topic.slug == filters.topic)
    if filters.measure:
        stmt = stmt.where(Measure.slug == filters.measure)
    if filters.source:
        stmt = stmt.where(Source.slug == filters.source)
    if filters.as_of_from:
        stmt = stmt.where(Estimate.as_of >= filters.as_of_from)
    if filters.as_of_to:
        stmt = stmt.where(Estimate.as_of <= filters.as_of_to)
    if filters.status:
        stmt = stmt.where(Estimate.status == filters.status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    ids = stmt.order_by(
        Topic.slug, Measure.position, Estimate.as_of.desc().nulls_last(), Estimate.id
    ).limit(per_page).offset((page - 1) * per_page)
    items = session.scalars(
        _with_context(select(Estimate).where(Estimate.id.in_(ids.scalar_subquery())))
    ).unique().all()
    order = {eid: i for i, eid in enumerate(session.scalars(ids))} if items else {}
    return sorted(items, key=lambda e: order.get(e.id, 0)), total


def _latest_ids(topic_id: int | None) -> Select[Any]:
    """Ids of each source's latest active estimate per measure, ranked in SQL."""
    rank = (
        func.row_number()
        .over(
            partition_by=(Estimate.measure_id, Estimate.source_id),
            order_by=(
                Estimate.as_of.desc().nulls_last(),
                Estimate.stated_on.desc().nulls_last(),
                Estimate.id.desc(),
            ),
        )
        .label("rank")
    )
    ranked = (
        select(Estimate.id, rank)
        .join(Measure, Estimate.measure_id == Measure.id)
        .where(Estimate.status == "active")
    )
    if topic_id is not None:
        ranked = ranked.where(Measure.topic_id == topic_id)
    ranked_sq = ranked.subquery()
    return select(ranked_sq.c.id).where(ranked_sq.c.rank == 1)


def latest_estimate_ids(session: Session, topic_id: int) -> set[int]:
    return set(session.scalars(_latest_ids(topic_id)))


def latest_estimates(session: Session) -> list[Estimate]:
    """Each source's latest active estimate for every measure of every topic."""
    return list(
        session.scalars(
            _with_context(select(Estimate).where(Estimate.id.in_(_latest_ids(None))))
        ).unique()
    )


def source_estimates(session: Session, source_id: int) -> list[Estimate]:
    return list(
        session.scalars(
            _with_context(
                select(Estimate)
                .where(Estimate.source_id == source_id)
                .order_by(Estimate.as_of.desc().nulls_last(), Estimate.id.desc())
            )
        ).unique()
    )


# ---- history -----------------------------------------------------------------------------

FIELD_LABELS = {
    "low": "Low", "high": "High", "best": "Best", "qualifier": "Qualifier", "as_of": "As of",
    "stated_on": "Stated on", "claimant": "Claimed by", "notes": "Notes", "status": "Status",
    "citations": "Citations",
}


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: Any
    after: Any


def diff_snapshots(before: dict[str, Any] | None, after: dict[str, Any]) -> list[Change]:
    """Field-by-field differences between two states of an estimate."""
    before = before or {}
    empty: tuple[Any, ...] = (None, "", [])
    return [
        Change(name, label, before.get(name), after.get(name))
        for name, label in FIELD_LABELS.items()
        if before.get(name) != after.get(name)
        and not (before.get(name) in empty and after.get(name) in empty)
    ]


def snapshot_at_version(session: Session, estimate_id: int, version: int) -> dict[str, Any] | None:
    """The estimate as it was at `version`: each change bumps the version and adds a revision,
    so version n is what revision n left behind."""
    return session.scalar(
        select(Revision.after).where(Revision.estimate_id == estimate_id,
                                     Revision.number == version)
    )


def revert_estimate(
    session: Session,
    estimate_id: int,
    number: int,
    user: User,
    *,
    version: int | None,
    comment: str = "",
) -> Estimate:
    estimate = _load(session, estimate_id, revisions=True)
    _check_version(estimate, version)
    target = next((r for r in estimate.revisions if r.number == number), None)
    if target is None:
        raise NotFound(f"Estimate {estimate_id} has no revision {number}.")
    later = [r for r in estimate.revisions if r.number > number]
    if user.role != "admin" and any(r.user_id != user.id for r in later):
        raise PermissionDenied(
            "Editors may only undo their own changes; ask an admin to revert others' changes."
        )
    snap = target.after
    before = snapshot(estimate)
    estimate.low, estimate.high, estimate.best = snap["low"], snap["high"], snap["best"]
    estimate.qualifier = snap["qualifier"]
    _set_dates(estimate, snap["as_of"], snap["stated_on"])
    estimate.claimant, estimate.notes, estimate.status = (
        snap["claimant"], snap["notes"], snap["status"]
    )
    _replace_citations(estimate, snap["citations"])
    if snapshot(estimate) == before:
        raise Conflict(f"Estimate {estimate_id} already has the values of revision {number}.",
                       current_version=estimate.version)
    _save(session, estimate, user)
    _add_revision(session, estimate, "revert", before, user,
                  comment or f"Reverted to revision {number}.")
    return estimate


def recent_revisions(
    session: Session, *, page: int = 1, per_page: int = 50
) -> tuple[list[Revision], int]:
    total = session.scalar(select(func.count()).select_from(Revision)) or 0
    rows = session.scalars(
        select(Revision)
        .options(
            joinedload(Revision.user),
            joinedload(Revision.estimate).joinedload(Estimate.measure).joinedload(Measure.topic),
            joinedload(Revision.estimate).joinedload(Estimate.source),
        )
        .order_by(Revision.created_at.desc(), Revision.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).unique()
    return list(rows), total
