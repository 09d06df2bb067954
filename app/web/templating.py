"""The Jinja environment (autoescaped everywhere, SVG included), its filters, and page
rendering with what every page needs (the visitor, links for table rows)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.datastructures import URL, URLPath

from app import i18n
from app.charts.palette import LIGHT
from app.charts.text import FONT_FAMILY
from app.config import PROJECT_DIR
from app.domain.dates import PartialDate
from app.domain.figures import format_figure
from app.domain.vocabulary import Confidence, Qualifier, Scope, SourceKind
from app.i18n import N_
from app.web.static_files import StaticAssets

TEMPLATES_DIR = PROJECT_DIR / "templates"
_KINDS = {k.value: k for k in SourceKind}


def _kind_label(kind: str) -> str:
    known = _KINDS.get(kind)
    return known.label if known else kind


def _label(vocabulary: type[Scope] | type[Confidence], value: str) -> str:
    known = {m.value: m for m in vocabulary}.get(value)
    return known.label if known else value


def url_for(request: Request, name: str, /, **params: Any) -> URL:
    """request.url_for, each route and its parameters resolved once per app: resolving walks
    every route (a quarter of a millisecond each time, some 30 times a page), and a route's
    path never changes while the app runs."""
    state = request.app.state
    paths: dict[tuple[Any, ...], URLPath] | None = getattr(state, "route_paths", None)
    if paths is None:
        paths = state.route_paths = {}
    key = (name, *sorted(params.items()))
    path = paths.get(key)
    if path is None:
        router = request.scope.get("router") or request.app
        path = router.url_path_for(name, **params)
        if len(paths) < _PATHS_KEPT:
            paths[key] = path
    return path.make_absolute_url(base_url=request.base_url)


_PATHS_KEPT = 4096  # routes × parameters a process meets: pages, slugs, ids


@pass_context
def _url_for(context: Context, name: str, /, **params: Any) -> URL:
    return url_for(context["request"], name, **params)


@pass_context
def static_url(context: Context, name: str) -> str:
    """The address of a file under static/, with its content hash in the name (hashed once
    when the app was created), so browsers may keep it for a year."""
    request: Request = context["request"]
    assets: StaticAssets | None = getattr(request.app.state, "static_assets", None)
    return str(url_for(request, "static", path=assets.versioned_name(name) if assets else name))


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


def _pdate(value: Any, precision: str | None = None) -> str:
    """A partial date (PartialDate, or a date with its precision) as the locale writes it:
    "February 2025" / "Februar 2025"."""
    if value is None:
        return ""
    if isinstance(value, PartialDate):
        return i18n.format_partial(value.value, value.precision)
    return i18n.format_partial(value, precision or "day")


def _when(moment: Any) -> str:
    """A moment of record (UTC) to the minute: "2025-01-13 14:05 UTC" in both languages (an
    ISO-like stamp reads the same everywhere)."""
    return i18n.gettext("%(stamp)s UTC", stamp=moment.strftime("%Y-%m-%d %H:%M"))


def _when_day(value: Any) -> str:
    """A day kept as a date or as ISO text (citation snapshots): "13 January 2025"."""
    if isinstance(value, datetime.date):
        return i18n.format_day(value)
    try:
        return i18n.format_day(datetime.date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


# The words of revision actions and estimate statuses, as readers see them.
_ACTIONS = {"create": N_("create"), "edit": N_("edit"), "retract": N_("retract"),
            "restore": N_("restore"), "revert": N_("revert"), "proposed": N_("proposed"),
            "approved": N_("approved"), "rejected": N_("rejected"),
            "withdrawn": N_("withdrawn")}
_STATUSES = {"active": N_("active"), "retracted": N_("retracted")}


def _word(words: Mapping[str, str], value: str) -> str:
    return i18n.gettext(words[value]) if value in words else value


def _vocab(value: Any, field: str) -> Any:
    """A stored word of the vocabulary (a revision's "about", "total", "reported",
    "active") as readers see it in German; English shows the stored word itself, as the
    revisions hold it. Anything else as it is."""
    if i18n.get_locale() == i18n.DEFAULT_LOCALE:
        return value
    words: dict[str, type[Qualifier] | type[Scope] | type[Confidence]] = {
        "qualifier": Qualifier, "scope": Scope, "confidence": Confidence}
    if field in words and isinstance(value, str):
        known = {m.value: m for m in words[field]}.get(value)
        return known.label if known else value
    if field == "status" and isinstance(value, str):
        return _word(_STATUSES, value)
    return value


def lang_url(here: str, code: str | None) -> str:
    """A path and query of this site with ?lang= set to `code` (or taken out with None): the
    same page in one language (hreflang links, the language switch's way back)."""
    path, _, query = here.partition("?")
    pairs = [p for p in query.split("&") if p and not p.startswith("lang=")]
    if code:
        pairs.append(f"lang={code}")
    return path + ("?" + "&".join(pairs) if pairs else "")


def site_path(url: str) -> str:
    """An address of this site as a path and query (no scheme, no host)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,  # every template, .svg.j2 included: user text is escaped in SVG too
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # New-style gettext: _("%(n)s figures", n=…) escapes and formats; the current locale is
    # the request's (app/web/locale.py).
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.plain_gettext, i18n.plain_ngettext, newstyle=True,
        pgettext=i18n.plain_pgettext, npgettext=i18n.plain_npgettext)
    env.globals["current_locale"] = i18n.get_locale
    env.globals["languages"] = i18n.LANGUAGES
    env.globals["num"] = i18n.format_number
    env.globals["lang_url"] = lang_url
    env.filters["site_path"] = site_path
    env.globals["pdate"] = _pdate
    env.globals["font_family"] = FONT_FAMILY
    env.globals["chart_theme"] = LIGHT  # a chart drawn as an image for a dark page passes DARK
    env.filters["number"] = i18n.format_number
    env.filters["num"] = i18n.format_number
    env.filters["pdate"] = _pdate
    env.filters["language_name"] = i18n.language_name
    env.filters["figure"] = lambda e: format_figure(e.low, e.high, e.qualifier, e.best)
    env.filters["px"] = _px
    env.filters["kind"] = _kind_label
    env.filters["scope"] = lambda value: _label(Scope, value)
    env.filters["confidence"] = lambda value: _label(Confidence, value)
    env.filters["figure_of"] = lambda snap: format_figure(
        snap["low"], snap["high"], snap["qualifier"], snap.get("best")
    )
    env.filters["partial"] = lambda v, p: _pdate(v, p) if v and p else i18n.gettext("undated")
    env.filters["day"] = lambda d: i18n.format_day(d) if d else ""
    env.filters["when"] = _when
    env.filters["when_day"] = _when_day
    env.filters["vocab"] = _vocab
    env.filters["unit"] = i18n.unit_label
    env.filters["action"] = lambda value: _word(_ACTIONS, value)
    env.filters["status"] = lambda value: _word(_STATUSES, value)
    env.filters["json_ld"] = json_ld
    env.globals["static_url"] = static_url
    env.globals["url_for"] = _url_for  # (Jinja2Templates keeps a url_for already given)
    return env


templates = Jinja2Templates(env=_environment())


class Urls:
    """Links for rows of a table: each route resolved once per request, not once per row
    (resolving walks every route, which dominates a page with thousands of rows); as paths
    from the site's root, as rows are many and the host adds nothing."""

    def __init__(self, request: Request) -> None:
        self._request = request
        self._estimate = url_for(request, "estimate_page", estimate_id=1).path[:-1]
        self._source = url_for(request, "source_page", slug="x").path[:-1]
        self._topic = url_for(request, "topic_page", slug="x").path[:-1]
        self._measure: dict[str, str] = {}

    def measure(self, name: str, slug: str, measure: str) -> str:
        """The full URL of a route of one measure of a topic (its charts, downloads and
        embeds: a topic page links six of each measure), as url_for writes it."""
        pattern = self._measure.get(name)
        if pattern is None:
            # Slugs are letters, digits and hyphens: these stand-ins cannot be one.
            found = str(url_for(self._request, name, slug="SLUG_", measure="MEASURE_"))
            pattern = self._measure[name] = found.replace("{", "{{").replace(
                "}", "}}").replace("SLUG_", "{0}").replace("MEASURE_", "{1}")
        return pattern.format(slug, measure)

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
