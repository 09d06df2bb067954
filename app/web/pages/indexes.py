"""What exists, for readers and crawlers: every topic, every source (each page with its JSON
twin), and robots.txt."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from app.services import indexes
from app.web.caching import cached
from app.web.deps import SessionDep, VisitorDep
from app.web.templating import render_page

router = APIRouter()

# Crawlers may read everything readers can; sign-in, editing and administration are no use
# to them. `$` ends a pattern (RFC 9309), so only the edit pages themselves are meant. Allow
# comes last for crawlers that take the first matching rule rather than the longest.
ROBOTS = """User-agent: *
Disallow: /admin
Disallow: /login
Disallow: /estimates/new
Disallow: /*/edit$
Disallow: /estimates/*/retract$
Disallow: /estimates/*/restore$
Disallow: /estimates/*/reject$
Disallow: /review$
Allow: /
"""


@router.get("/topics", response_class=HTMLResponse, name="topics_index")
def topics_index(request: Request, session: SessionDep, visitor: VisitorDep) -> Response:
    def render() -> Response:
        return render_page(request, "topics.html", topics=indexes.topic_index(session),
                           json_url=request.url_for("list_topics"))

    return cached(request, session, render)


@router.get("/sources", response_class=HTMLResponse, name="sources_index")
def sources_index(request: Request, session: SessionDep, visitor: VisitorDep) -> Response:
    def render() -> Response:
        return render_page(request, "sources.html", sources=indexes.source_index(session),
                           json_url=request.url_for("list_sources"))

    return cached(request, session, render)


@router.get("/robots.txt", response_class=PlainTextResponse, name="robots")
def robots() -> Response:
    return PlainTextResponse(ROBOTS, headers={"Cache-Control": "public, max-age=86400"})
