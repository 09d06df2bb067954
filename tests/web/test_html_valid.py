"""Every kind of page is valid HTML (and the embed valid SVG), by the Nu HTML checker."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import PROJECT_DIR, Settings
from app.db import make_engine
from app.main import create_app
from app.models import Estimate
from app.web.deps import get_session
from tests import factories

VNU = PROJECT_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
TOPIC = "north-korean-troops-in-russia"


@pytest.fixture
def signed_in(sqlite_url: str) -> Iterator[tuple[TestClient, Session]]:
    """A signed-in editor on the SQLite test database, rolled back afterwards."""
    engine = make_engine(sqlite_url)
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint",
                      expire_on_commit=False)
    app = create_app(Settings(environment="test", database_url=sqlite_url,
                              secret_key="v" * 32, review="off"), engine=engine)

    def _session() -> Iterator[Session]:
        yield session
        session.commit()

    app.dependency_overrides[get_session] = _session
    factories.load_demo(session)
    try:
        with TestClient(app) as client:
            factories.sign_in(client, session, role="admin")
            yield client, session
    finally:
        session.close()
        transaction.rollback()
        connection.close()
        engine.dispose()


def test_pages_are_valid_html(signed_in: tuple[TestClient, Session], tmp_path: Path) -> None:
    java = shutil.which("java")
    if not (java and VNU.exists()):
        message = "the Nu HTML checker needs java and `npm ci` (vnu-jar)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    client, session = signed_in
    eid = session.scalar(select(Estimate.id).order_by(Estimate.id))
    pages = {  # name: (address, the status it must answer)
        "home": ("/", 200), "search": ("/?q=korea", 200), "topic": (f"/topics/{TOPIC}", 200),
        "topic-as-of": (f"/topics/{TOPIC}?recorded=2100-01-01&as_of_to=2025-01-31", 200),
        "source": ("/sources/south-korea-nis", 200), "estimate": (f"/estimates/{eid}", 200),
        "history": (f"/estimates/{eid}/history", 200), "edit": (f"/estimates/{eid}/edit", 200),
        "new": ("/estimates/new", 200), "retract": (f"/estimates/{eid}/retract", 200),
        "changes": ("/changes", 200), "users": ("/admin/users", 200),
        "embed": (f"/embed/topics/{TOPIC}/casualties", 200), "not-found": ("/topics/nope", 404),
        "bad-address": (f"/topics/{TOPIC}?as_of=2025-02-30", 422), "login": ("/login", 200),
        "edit-topic": (f"/topics/{TOPIC}/edit", 200),
        "edit-measure": (f"/topics/{TOPIC}/measures/casualties/edit", 200),
        "edit-source": ("/sources/south-korea-nis/edit", 200),
        "topics": ("/topics", 200), "sources": ("/sources", 200),
        "captures": ("/editor/captures", 200), "failed-captures": ("/editor/captures/failed", 200),
    }
    for name, (url, status) in pages.items():
        response = client.get(url)
        assert response.status_code == status, url
        (tmp_path / f"{name}.html").write_text(response.text)
    token = factories.csrf_from(client.get("/estimates/new").text)
    mistakes = client.post("/estimates/new", data={"csrf_token": token, "low": "5", "high": "1"})
    assert mistakes.status_code == 422
    (tmp_path / "form-errors.html").write_text(mistakes.text)
    conflict = client.post(f"/estimates/{eid}/edit", data={
        "csrf_token": token, "version": "0", "figure": "about 5",
        "citation-0-publication": "Post", "action": "save"})
    assert conflict.status_code == 409
    (tmp_path / "conflict.html").write_text(conflict.text)
    source = {"csrf_token": token, "version": "1", "name": "NIS", "kind": "intelligence",
              "party_to_conflict": "no", "action": "save"}
    source_mistakes = client.post("/sources/south-korea-nis/edit",
                                  data={**source, "name": "", "url": "javascript:x"})
    assert source_mistakes.status_code == 422
    (tmp_path / "catalog-form-errors.html").write_text(source_mistakes.text)
    assert client.post("/sources/south-korea-nis/edit", data={**source, "short_name": "N"},
                       follow_redirects=False).status_code == 303
    source_conflict = client.post("/sources/south-korea-nis/edit",
                                  data={**source, "country": "Korea"})
    assert source_conflict.status_code == 409
    (tmp_path / "catalog-conflict.html").write_text(source_conflict.text)
    (tmp_path / "embed.svg").write_text(client.get(f"/embed/topics/{TOPIC}/casualties.svg").text)
    result = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--also-check-svg", "--format", "json",
         *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True, text=True, timeout=120, check=False,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    problems = [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
                for m in messages if m.get("type") == "error"]
    assert not problems, "\n".join(problems)
    assert len(list(tmp_path.iterdir())) == len(pages) + 5
