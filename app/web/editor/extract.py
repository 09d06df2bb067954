"""From an article: an editor pastes an article (or names a captured page), Reckon proposes
the candidate estimates in it as a form — one row each, to tick and correct — and saves the
ticked ones together (services.candidates), through the same validation and review as the
estimate form. A ticked row with a mistake keeps every row as typed and saves nothing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.config import PROJECT_DIR
from app.domain.candidates import LANGUAGES, Candidate
from app.domain.errors import NotFound, ValidationFailed
from app.domain.figures import format_figure
from app.domain.vocabulary import Qualifier, Scope
from app.i18n import gettext, language_name
from app.services import candidates, catalog, estimates
from app.web.deps import EditorVisitor, FormDep, ReviewRequired, SessionDep
from app.web.editor.common import redirect
from app.web.forms.fields import typed
from app.web.templating import render_page
from app.web.visitor import check_csrf

router = APIRouter()

DEMO_ARTICLE = PROJECT_DIR / "demo" / "telegraph_nk_troops_de.txt"
DEMO = {"publication": "The Telegraph", "lang": "de", "published": "2025-02",
        "title": "Nordkorea schickt mehr Truppen nach Russland angesichts erheblicher Verluste"}
ARTICLE_FIELDS = ("topic", "text", "lang", "published", "publication", "url", "title")
ROW_FIELDS = ("pick", "measure", "source", "new_source_name", "figure", "scope", "scope_note",
              "as_of", "stated_on", "quote", "claimant", "reading")
MAX_ROWS = candidates.MAX_CANDIDATES


def _reading(c: Candidate) -> str:
    shown = format_figure(c.figure.low, c.figure.high, c.figure.qualifier, c.figure.best)
    return gettext("%(qualifier)s: %(figure)s", qualifier=Qualifier(c.figure.qualifier).label,
                   figure=shown)


def _row(c: Candidate) -> dict[str, str]:
    return {
        "pick": "on", "measure": c.measure, "source": c.source or candidates.NEW_SOURCE,
        "new_source_name": "" if c.source else c.source_name[:200],
        "figure": candidates.figure_field(c), "scope": c.scope, "scope_note": c.scope_note,
        "as_of": c.as_of.iso() if c.as_of else "",
        "stated_on": c.stated_on.iso() if c.stated_on else "", "quote": c.quote,
        "claimant": c.source_name[:300], "reading": _reading(c),
    }


def _page(request: Request, session: Session, article: dict[str, str], *,
          rows: list[dict[str, str]] | None = None, errors: dict[str, str] | None = None,
          row_errors: dict[int, dict[str, str]] | None = None, note: str = "",
          status: int = 200, review_on: bool = False) -> Response:
    topic = next((t for t in catalog.list_topics(session) if t.slug == article["topic"]), None)
    shown = dict(errors or {})
    for i, problems in (row_errors or {}).items():
        shown |= {f"c-{i}-{name}": message for name, message in problems.items()}
    return render_page(
        request, "extract.html", status_code=status, article=article, rows=rows,
        errors=shown, note=note, topic=topic,
        topics=catalog.list_topics(session), sources=catalog.list_sources(session),
        measures=topic.measures if topic else [], scopes=list(Scope),
        article_languages=[(code, language_name(code)) for code in LANGUAGES],
        new_source=candidates.NEW_SOURCE, review_on=review_on,
        demo_available=DEMO_ARTICLE.is_file())


def _article(form: FormData | dict[str, Any]) -> dict[str, str]:
    return {name: typed(form.get(name)) for name in ARTICLE_FIELDS}


@router.get("/extract", response_class=HTMLResponse, name="extract_page")
def extract_form(request: Request, session: SessionDep, visitor: EditorVisitor,
                 review_required: ReviewRequired, topic: str = "", demo: str = "") -> Response:
    article = dict.fromkeys(ARTICLE_FIELDS, "") | {"topic": topic[:100], "lang": "de"}
    if demo and DEMO_ARTICLE.is_file():
        article |= DEMO | {"text": DEMO_ARTICLE.read_text(encoding="utf-8")}
    return _page(request, session, article, review_on=review_required)


@router.post("/extract", response_class=HTMLResponse)
def extract_post(request: Request, session: SessionDep, visitor: EditorVisitor,
                 form_data: FormDep, review_required: ReviewRequired) -> Response:
    check_csrf(visitor, typed(form_data.get("csrf_token")))
    article = _article(form_data)
    given = candidates.Article(**article)
    if form_data.get("action") == "save":
        rows = [{name: typed(form_data.get(f"c-{i}-{name}")) for name in ROW_FIELDS}
                for i in range(min(MAX_ROWS, _count(form_data)))]
        picked = [(i, r) for i, r in enumerate(rows) if r["pick"]]
        try:
            saved = candidates.save_rows(session, given, [
                candidates.Row(**{k: v for k, v in r.items() if k not in ("pick", "reading")})
                for _, r in picked], visitor.actor, review_required=review_required)
        except candidates.RowsInvalid as exc:
            row_errors = {picked[i][0]: e for i, e in exc.errors.items() if i >= 0}
            errors = exc.errors.get(-1, {})
            for e in row_errors.values():  # the article's own fields, shown once above
                for name in ("publication", "topic"):
                    if name in e:
                        errors[name] = e.pop(name)
            return _page(request, session, article, rows=rows, errors=errors,
                         row_errors=row_errors, status=422, review_on=review_required)
        ids = ",".join(str(e.id) for e in saved)
        return redirect(request.url_for("extract_saved").include_query_params(ids=ids))
    try:
        found = candidates.read_article(session, given)
    except ValidationFailed as exc:
        return _page(request, session, article, errors=exc.fields, status=422,
                     review_on=review_required)
    article = {name: str(getattr(found.article, name)) for name in ARTICLE_FIELDS}
    return _page(request, session, article, rows=[_row(c) for c in found.candidates],
                 note=found.note, review_on=review_required)


def _count(form_data: FormData) -> int:
    raw = typed(form_data.get("rows"))
    return int(raw) if raw.isdigit() else 0


@router.get("/extract/saved", response_class=HTMLResponse, name="extract_saved")
def extract_saved(request: Request, session: SessionDep, visitor: EditorVisitor,
                  ids: str = "") -> Response:
    wanted = [int(i) for i in ids.split(",")[:MAX_ROWS] if i.isdigit() and len(i) < 10]
    saved = []
    for estimate_id in wanted:
        try:
            saved.append(estimates.get_estimate(session, estimate_id, unpublished=True))
        except NotFound:  # an id that is gone is simply not listed
            continue
    return render_page(request, "extract_saved.html", saved=saved)
