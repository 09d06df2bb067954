"""Builders for test data, through the same services the app uses."""

from __future__ import annotations

import itertools
import re
from typing import Any

from sqlalchemy.orm import Session

from app.cli import DEMO_FILE
from app.models import Estimate, User
from app.schemas.catalog import MeasureCreate, SourceCreate, TopicCreate
from app.schemas.estimates import EstimateCreate
from app.services import catalog, new_estimates, transfer, users

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def load_demo(session: Session) -> transfer.Report:
    document = transfer.read_file(DEMO_FILE.name, DEMO_FILE.read_text(encoding="utf-8"))
    report = transfer.apply(session, document, comment="demo data")
    session.commit()
    return report


def user(session: Session, *, role: str = "editor", email: str | None = None) -> User:
    return users.create_user(
        session, email or f"editor{next(_seq)}@example.org", PASSWORD, role=role
    )


def api_token(session: Session, *, role: str = "editor") -> str:
    token = users.create_api_token(session, user(session, role=role))
    session.commit()
    return token


def topic_with_measure(session: Session, slug: str = "t", measure: str = "killed") -> None:
    topic = catalog.create_topic(session, TopicCreate(slug=slug, title=f"Topic {slug}"))
    catalog.create_measure(session, topic, MeasureCreate(slug=measure, label=measure.title()))


def source(session: Session, slug: str, name: str | None = None, **extra: Any) -> None:
    catalog.create_source(session, SourceCreate(slug=slug, name=name or slug, **extra))


def estimate(session: Session, **values: Any) -> Estimate:
    data = {
        "topic": "t", "measure": "killed", "source": "s",
        "citations": [{"publication": "Test Gazette", "url": "https://example.org/a"}],
        **values,
    }
    return new_estimates.create_estimate(session, EstimateCreate(**data), None)


def csrf_from(html_text: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html_text)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client: Any, session: Session, *, role: str = "editor",
            email: str | None = None) -> User:
    """Sign in through the real form, as a browser would."""
    account = user(session, role=role, email=email)
    session.commit()
    token = csrf_from(client.get("/login").text)
    response = client.post("/login", data={"email": account.email, "password": PASSWORD,
                                           "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return account
