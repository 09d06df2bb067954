"""Search over topics and sources, for the search box and /api/search."""

from __future__ import annotations

import re

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from app.models import Source, Topic


def search(session: Session, query: str) -> tuple[list[Topic], list[Source]]:
    # NUL and other control characters cannot be in stored text (PostgreSQL refuses NUL).
    q = re.sub(r"[\x00-\x1f\x7f]", "", query).strip()[:100]
    if not q:
        return [], []
    topics = session.scalars(
        select(Topic).where(or_(Topic.title.icontains(q, autoescape=True),
                                Topic.summary.icontains(q, autoescape=True),
                                Topic.slug.icontains(q, autoescape=True)))
        .options(selectinload(Topic.measures)).order_by(Topic.title).limit(50)
    ).all()
    sources = session.scalars(
        select(Source).where(or_(Source.name.icontains(q, autoescape=True),
                                 Source.slug.icontains(q, autoescape=True),
                                 Source.country.icontains(q, autoescape=True),
                                 Source.description.icontains(q, autoescape=True)))
        .order_by(Source.name).limit(50)
    ).all()
    return list(topics), list(sources)
