"""The addresses a page's JSON-LD needs (app/services/linked_data.py builds it): absolute, from
the routes, with the page's choices and record point on the downloads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from app.domain.captures import CitationCapture
from app.models import Estimate
from app.services import linked_data
from app.services.comparison import TopicView

SITE_NAME = "Reckon"


def site(request: Request) -> linked_data.Site:
    return linked_data.Site(name=SITE_NAME, url=str(request.url_for("home")),
                            license=request.app.state.settings.data_license)


def topic(request: Request, session: Session, view: TopicView, query: str) -> dict[str, Any]:
    """The topic page's Dataset; `query` is its downloads' query string (choices and record
    point, possibly empty), as on the page's own download links."""
    slug = view.topic.slug
    links = linked_data.TopicLinks(
        page=str(request.url_for("topic_page", slug=slug)),
        csv=f"{request.url_for('topic_csv', slug=slug)}{query}",
        json=f"{request.url_for('topic_json', slug=slug)}{query}")
    return linked_data.topic_dataset(session, view, links, site(request))


def estimate(request: Request, e: Estimate,
             captures: Mapping[int, CitationCapture]) -> dict[str, Any]:
    """The estimate page's Claim."""
    links = linked_data.EstimateLinks(
        page=str(request.url_for("estimate_page", estimate_id=e.id)),
        topic=str(request.url_for("topic_page", slug=e.measure.topic.slug)),
        source=str(request.url_for("source_page", slug=e.source.slug)),
        capture=lambda capture_id: str(request.url_for("capture_text", capture_id=capture_id)))
    return linked_data.estimate_claim(e, links, site(request), captures)
