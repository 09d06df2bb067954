"""Candidate estimates from an article (paste an article → candidates): the topic's measures
and the known sources handed to domain.candidates, and the candidates an editor ticked saved
as estimates through the same path as the estimate form (new_estimates.create_placed: the same
validation, the same review), all or nothing.

An article is given as text; or as the URL of a page Reckon has already captured (its
captured text is used). Nothing is fetched here: a page not captured yet must be pasted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.domain.actor import Actor
from app.domain.candidates import (
    LANGUAGES,
    Candidate,
    KnownSource,
    MeasureRef,
    extract,
)
from app.domain.dates import PartialDate, parse_partial_date
from app.domain.errors import FigureError, ValidationFailed
from app.domain.figures import format_figure, parse_figure
from app.domain.vocabulary import Scope
from app.i18n import format_number, gettext
from app.models import Estimate, Source, Topic
from app.schemas.estimates import CitationIn, EstimateDraft
from app.services import capture, catalog, new_estimates

MAX_TEXT_CHARS = 100_000
MAX_CANDIDATES = 100
NEW_SOURCE = "__new__"


@dataclass(frozen=True)
class Article:
    """What the editor gives: the text (or the URL of a captured page) and where it is from."""

    topic: str
    text: str = ""
    lang: str = "de"
    published: str = ""  # YYYY-MM-DD, YYYY-MM or YYYY
    publication: str = ""
    url: str = ""
    title: str = ""


@dataclass(frozen=True)
class Extraction:
    article: Article  # with the text that was read
    published: PartialDate
    candidates: list[Candidate]
    note: str = ""  # e.g. where the text came from


def catalog_refs(session: Session, topic: str | None) -> tuple[list[MeasureRef],
                                                               list[KnownSource]]:
    """The topic's measures (or the default ones without a topic) and every known source."""
    if topic:
        found = session.scalars(select(Topic).where(Topic.slug == topic)
                                .options(selectinload(Topic.measures))).one_or_none()
        if found is None:
            raise ValidationFailed({"topic": gettext("No topic “%(slug)s”.", slug=topic)})
        measures = [MeasureRef(m.slug, m.label) for m in found.measures]
    else:
        measures = [MeasureRef(slug, label)
                    for slug, (label, _) in catalog.DEFAULT_MEASURES.items()]
    sources = [KnownSource(s.slug, s.name, s.short_name, s.description)
               for s in session.scalars(select(Source).order_by(Source.slug))]
    return measures, sources


def _captured(session: Session, url: str) -> tuple[str, str, str]:
    """The text, title and publication date of the latest capture of `url`."""
    summary = capture.latest_captures(session, [url]).get(url)
    if summary is None or not summary.captured:
        raise ValidationFailed({"url": gettext(
            "Reckon has no capture of this page (it captures the pages estimates cite): paste "
            "the article's text.")})
    page = capture.capture_text(session, summary.id, for_reader=False)
    published = summary.published_on.isoformat() if summary.published_on else ""
    return page.text or "", summary.title or "", published


def read_article(session: Session, article: Article) -> Extraction:
    """The candidates in an article for its topic; a ValidationFailed names each wrong field."""
    errors: dict[str, str] = {}
    note = ""
    text, title, published_text = article.text, article.title, article.published
    if not text.strip() and article.url:
        text, captured_title, captured_on = _captured(session, article.url)
        title = title or captured_title
        published_text = published_text or captured_on
        note = gettext("The text is Reckon's latest capture of the page.")
    if not text.strip():
        errors["text"] = gettext("Paste the article's text (or give the URL of a captured "
                                 "page).")
    elif len(text) > MAX_TEXT_CHARS:
        errors["text"] = gettext("The text is longer than %(limit)s characters: paste a part.",
                                 limit=format_number(MAX_TEXT_CHARS))
    if article.lang not in LANGUAGES:
        errors["lang"] = gettext("Choose the article's language: one of %(choices)s.",
                                 choices=", ".join(LANGUAGES))
    published: PartialDate | None = None
    if not published_text:
        errors["published"] = gettext(
            "Give the article's publication date (YYYY-MM-DD, or YYYY-MM when only the month "
            "is known): dates such as 'last year' are read from it.")
    else:
        try:
            published = parse_partial_date(published_text)
        except FigureError as exc:
            errors["published"] = str(exc)
    try:
        measures, sources = catalog_refs(session, article.topic or None)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(errors)
    assert published is not None
    found = extract(text, article.lang, published, measures, sources)[:MAX_CANDIDATES]
    used = Article(topic=article.topic, text=text, lang=article.lang,
                   published=published.iso(), publication=article.publication,
                   url=article.url, title=title)
    return Extraction(used, published, found, note)


def figure_field(c: Candidate) -> str:
    """The figure text to pre-fill: as the article writes it when that reads the same without
    the sentence around it, else the figure written out ("2.700" after "etwa 300 … und")."""
    shown = format_figure(c.figure.low, c.figure.high, c.figure.qualifier, c.figure.best)
    try:
        alone = parse_figure(c.figure_text)
    except FigureError:
        return str(shown)
    same = (alone.low, alone.high, alone.qualifier) == (c.figure.low, c.figure.high,
                                                         c.figure.qualifier)
    return c.figure_text if same else str(shown)


def candidate_json(c: Candidate) -> dict[str, Any]:
    """A candidate as the API and `reckon extract` answer it."""
    return {
        "measure": c.measure, "source": c.source,
        "source_name": c.source_name, "low": c.figure.low, "high": c.figure.high,
        "best": c.figure.best, "qualifier": c.figure.qualifier, "scope": c.scope,
        "scope_note": c.scope_note, "as_of": c.as_of.iso() if c.as_of else None,
        "stated_on": c.stated_on.iso() if c.stated_on else None, "quote": c.quote,
        "language": c.language, "figure_text": c.figure_text,
        "decided_by": list(c.decided_by), "note": c.note,
    }


# ---- saving the ticked candidates --------------------------------------------------------

@dataclass
class Row:
    """One ticked candidate as the editor corrected it (strings as typed)."""

    measure: str
    source: str  # a source slug, or NEW_SOURCE with new_source_name
    figure: str
    new_source_name: str = ""
    scope: str = Scope.TOTAL.value
    scope_note: str = ""
    as_of: str = ""
    stated_on: str = ""
    quote: str = ""
    claimant: str = ""


@dataclass
class RowsInvalid(Exception):
    """Some ticked rows cannot be saved: nothing was. `errors[i]` holds row i's messages."""

    errors: dict[int, dict[str, str]] = field(default_factory=dict)


def _citation(article: Article, quote: str) -> dict[str, Any]:
    published_on = None
    if article.published:
        try:
            day = parse_partial_date(article.published)
        except FigureError:
            day = None
        published_on = day.value.isoformat() if day and day.precision == "day" else None
    return {"url": article.url, "publication": article.publication, "title": article.title,
            "published_on": published_on, "quote": quote, "language": article.lang}


def _draft(row: Row, article: Article, errors: dict[str, str]) -> EstimateDraft | None:
    for name in ("as_of", "stated_on"):
        value = getattr(row, name)
        if value:
            try:
                parse_partial_date(value)
            except FigureError as exc:
                errors[name] = str(exc)
    if not row.figure.strip():
        errors["figure"] = gettext("Type the figure as the source gives it, e.g. "
                                   "'about 1,200'.")
    if row.source == NEW_SOURCE and not row.new_source_name.strip():
        errors["new_source_name"] = gettext("Name the new source, or choose a known one.")
    if not row.source:
        errors["source"] = gettext("Choose a source from the list, or a new one.")
    if not article.url and not article.publication.strip():
        errors["publication"] = gettext("Give the article's URL or its publication.")
    if errors:
        return None
    try:
        return EstimateDraft.model_validate({
            "figure": row.figure, "as_of": row.as_of or None,
            "stated_on": row.stated_on or None, "scope": row.scope or Scope.TOTAL.value,
            "scope_note": row.scope_note, "claimant": row.claimant,
            "citations": [CitationIn.model_validate(_citation(article, row.quote))],
            "comment": "from an article",
        })
    except ValidationError as exc:
        for problem in exc.errors():
            where = [str(p) for p in problem["loc"] if not isinstance(p, int)]
            name = "publication" if where and where[0] == "citations" else (
                where[0] if where else "figure")
            errors[name] = gettext(str(problem["msg"]).removeprefix("Value error, "))
        return None


def save_rows(session: Session, article: Article, rows: list[Row], actor: Actor | None, *,
              review_required: bool) -> list[Estimate]:
    """Each row as a new estimate with the article as its citation — every row checked, and
    none saved unless all can be (RowsInvalid holds each row's messages)."""
    if not rows:
        raise RowsInvalid({-1: {"rows": gettext("Tick at least one candidate to save.")}})
    measures = {m.slug for m in catalog_refs(session, article.topic)[0]}
    problems: dict[int, dict[str, str]] = {}
    created: list[Estimate] = []
    with session.begin_nested():  # left by an exception: every row written is undone
        for i, row in enumerate(rows):
            errors: dict[str, str] = {}
            if row.measure not in measures:
                errors["measure"] = gettext("Choose one of the topic's measures.")
            draft = _draft(row, article, errors)
            if draft is not None and not errors:
                place = new_estimates.Placement(
                    topic=article.topic, measure=row.measure,
                    source="" if row.source == NEW_SOURCE else row.source,
                    new_source={"name": row.new_source_name.strip()[:200], "kind": "other"}
                    if row.source == NEW_SOURCE else None)
                try:
                    created.append(new_estimates.create_placed(
                        session, place, draft, actor, review_required=review_required))
                except ValidationFailed as exc:
                    errors.update(exc.fields)
            if errors:
                problems[i] = errors
        if problems:
            raise RowsInvalid(problems)
    return created
