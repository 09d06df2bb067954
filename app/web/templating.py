"""The Jinja environment (autoescaped everywhere, SVG included), its filters, and page
rendering with what every page needs (the visitor, links for table rows)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from app.charts.palette import LIGHT
from app.charts.text import FONT_FAMILY
from app.config import PROJECT_DIR
from app.domain.dates import PartialDate
from app.domain.figures import format_figure
from app.domain.numbers import format_number
from app.domain.vocabulary import Confidence, Scope, SourceKind
from app.web.static_files import StaticAssets

TEMPLATES_DIR = PROJECT_DIR / "templates"
_KINDS = {k.value: k for k in SourceKind}


def _kind_label(kind: str) -> str:
    known = _KINDS.get(kind)
    return known.label if known else kind


def _label(vocabulary: type[Scope] | type[Confidence], value: str) -> str:
    known = {m.value: m for m in vocabulary}.get(value)
    return known.label if known else value


@pass_context
def static_url(context: Context, name: str) -> str:
    """The address of a file under static/, with its content hash in the name (hashed once
    when the app was created), so browsers may keep it for a year."""
    request: Request = context["request"]
    assets: StaticAssets | None = getattr(request.app.state, "static_assets", None)
    return str(request.url_for("static", path=assets.versioned_name(name) if assets else name))


def _px(value: float) -> str:
    """A coordinate to a tenth of a pixel, without a trailing ".0": charts hold hundreds."""
    return f"{round(value, 1):.1f}".removesuffix(".0")


_JSON_IN_HTML = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                               "\u2028": "\\u2028", "\u2029": "\\u2029"})


def json_ld(data: Mapping[str, Any]) -> Markup:
    """JSON for a <script type="application/ld+json"> data block: the characters that could
    end the element or open a comment in it (<, >, &) are written as \\u escapes, which JSON
    reads back as the same text, so no value (a source named "</script>") can leave it."""
    return Markup(json.dumps(data, ensure_ascii=False, separators=(",", ":"))
                  .translate(_JSON_IN_HTML))


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,  # every template, .svg.j2 included: user text is escaped in SVG too
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["font_family"] = FONT_FAMILY
    env.globals["chart_theme"] = LIGHT  # a chart drawn as an image for a dark page passes DARK
    env.filters["number"] = format_number
    env.filters["figure"] = lambda e: format_figure(e.low, e.high, e.qualifier, e.best)
    env.filters["px"] = _px
    env.filters["kind"] = _kind_label
    env.filters["scope"] = lambda value: _label(Scope, value)
    env.filters["confidence"] = lambda value: _label(Confidence, value)
    env.filters["figure_of"] = lambda snap: format_figure(
        snap["low"], snap["high"], snap["qualifier"], snap.get("best")
    )
    env.filters["partial"] = lambda v, p: PartialDate(v, p).label() if v and p else "undated"
    env.filters["day"] = lambda d: PartialDate(d, "day").label() if d else ""
    env.filters["json_ld"] = json_ld
    env.globals["static_url"] = static_url
    return env


templates = Jinja2Templates(env=_environment())


class Urls:
    """Links for rows of a table: each route resolved once per request, not once per row
    (resolving walks every route, which dominates a page with thousands of rows); as paths
    from the site's root, as rows are many and the host adds nothing."""

    def __init__(self, request: Request) -> None:
        self._estimate = request.url_for("estimate_page", estimate_id=1).path[:-1]
        self._source = request.url_for("source_page", slug="x").path[:-1]
        self._topic = request.url_for("topic_page", slug="x").path[:-1]

    def estimate(self, estimate_id: int | None) -> str:
        return f"{self._estimate}{estimate_id}"

    def source(self, slug: str) -> str:
        return f"{self._source}{slug}"

    def topic(self, slug: str) -> str:
        return f"{self._topic}{slug}"


def urls_for(request: Request) -> Urls:
    urls: Urls | None = getattr(request.state, "urls", None)
    if urls is None:
        urls = request.state.urls = Urls(request)
    return urls


def render_page(request: Request, name: str, status_code: int = 200,
                **context: Any) -> HTMLResponse:
    context.setdefault("visitor", getattr(request.state, "visitor", None))
    context.setdefault("review_counts", getattr(request.state, "review_counts", None))
    context.setdefault("urls", urls_for(request))
    return templates.TemplateResponse(request, name, context, status_code=status_code)
