"""Saving the edit form changes only what the editor changed: an unchanged form writes
nothing, and a notes-only edit keeps every citation field (retrieved_on included)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.citations import CITATION_NAMES
from app.models import Citation, Estimate, Revision
from tests import factories
from tests.factories import csrf_from, sign_in

FULL_CITATION = {
    "url": "https://example.org/report",
    "publication": "Example Daily",
    "title": "Officials revise the count",
    "published_on": "2025-01-14",
    "quote": "Nach Angaben des Geheimdienstes\nsind etwa 300 Soldaten gefallen.",
    "quote_translation": "According to the intelligence service,\nabout 300 soldiers died.",
    "language": "de",
    "retrieved_on": "2025-01-20",
}


def _recorded(session: Session) -> Estimate:
    factories.topic_with_measure(session)
    factories.source(session, "s", "Some Agency")
    estimate = factories.estimate(
        session, figure="about 10,000–12,000", best=11_000, as_of="2025-01", stated_on="2025-01-13",
        claimant="officials, anonymous", notes="first note\nsecond line",
        citations=[FULL_CITATION, {"publication": "Second Paper", "retrieved_on": "2025-02-01"}],
    )
    session.commit()
    return estimate


def _rows(session: Session, table: Any, estimate_id: int) -> list[dict[str, Any]]:
    session.expire_all()
    column = table.c.id if table is Estimate.__table__ else table.c.estimate_id
    return [dict(r) for r in session.execute(
        select(table).where(column == estimate_id).order_by(table.c.id)).mappings()]


def _edit_form_as_a_browser_sends_it(client: TestClient, estimate_id: int) -> dict[str, str]:
    response = client.get(f"/estimates/{estimate_id}/edit")
    assert response.status_code == 200
    doc = html.fromstring(response.text)
    form = doc.cssselect("form.estimate-form")[0]
    data = {i.get("name"): i.get("value") or "" for i in form.cssselect("input")
            if i.get("name") and i.get("type") != "checkbox"}
    # Browsers send textarea line breaks as CRLF.
    data.update({t.get("name"): (t.text or "").replace("\n", "\r\n")
                 for t in form.cssselect("textarea")})
    data["csrf_token"] = csrf_from(response.text)
    data["action"] = "save"
    return data


def _revisions(session: Session, estimate_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Revision)
                          .where(Revision.estimate_id == estimate_id)) or 0


def test_saving_the_unchanged_edit_form_writes_nothing(client: TestClient,
                                                       session: Session) -> None:
    estimate = _recorded(session)
    sign_in(client, session)
    before = (_rows(session, Estimate.__table__, estimate.id),
              _rows(session, Citation.__table__, estimate.id), _revisions(session, estimate.id))
    response = client.post(f"/estimates/{estimate.id}/edit",
                           data=_edit_form_as_a_browser_sends_it(client, estimate.id),
                           follow_redirects=False)
    assert response.status_code == 303
    after = (_rows(session, Estimate.__table__, estimate.id),
             _rows(session, Citation.__table__, estimate.id), _revisions(session, estimate.id))
    assert after == before


def test_a_notes_only_edit_keeps_every_citation_field(client: TestClient,
                                                      session: Session) -> None:
    estimate = _recorded(session)
    sign_in(client, session)
    citations_before = _rows(session, Citation.__table__, estimate.id)
    data = _edit_form_as_a_browser_sends_it(client, estimate.id)
    data["notes"] = "a corrected note"
    response = client.post(f"/estimates/{estimate.id}/edit", data=data, follow_redirects=False)
    assert response.status_code == 303
    session.expire_all()
    changed = session.get(Estimate, estimate.id)
    assert changed is not None and changed.notes == "a corrected note"
    assert _revisions(session, estimate.id) == 2
    citations_after = _rows(session, Citation.__table__, estimate.id)
    assert [{k: c[k] for k in CITATION_NAMES} for c in citations_after] == [
        {k: c[k] for k in CITATION_NAMES} for c in citations_before]
    assert str(citations_after[0]["retrieved_on"]) == "2025-01-20"
    assert str(citations_after[1]["retrieved_on"]) == "2025-02-01"
    latest = session.scalars(select(Revision).where(Revision.estimate_id == estimate.id)
                             .order_by(Revision.number.desc())).first()
    assert latest is not None and latest.after["citations"] == latest.before["citations"]
