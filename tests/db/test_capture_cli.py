"""`reckon capture` against the test news site, on a database file of its own: it runs the
due queue, re-captures one capture's URL or a URL given, or every cited URL, and says what it
did; the audit events go to stderr."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from app import cli
from app.config import get_settings
from app.db import make_engine, make_sessionmaker
from app.models import PageCapture
from tests import factories
from tests.capture_server import CHANGED_ENGLISH, ENGLISH_QUOTE, NewsSite, news_site


@pytest.fixture
def site() -> Iterator[NewsSite]:
    with news_site() as running:
        yield running


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, site: NewsSite) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'capture.db'}"
    monkeypatch.setenv("RECKON_DATABASE_URL", url)
    monkeypatch.setenv("RECKON_SECRET_KEY", "c" * 40)
    monkeypatch.setenv("RECKON_CAPTURE_ALLOW_PRIVATE", "true")  # the site is on 127.0.0.1
    monkeypatch.setenv("RECKON_CAPTURE_READ_TIMEOUT", "0.5")
    get_settings.cache_clear()
    assert cli.main(["db", "upgrade"]) == 0
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        factories.topic_with_measure(session)
        factories.source(session, "s")
        factories.estimate(session, figure="about 1,200", citations=[
            {"url": site.url("/en/article"), "quote": ENGLISH_QUOTE},
            {"url": site.url("/missing")}])
        session.commit()
    engine.dispose()
    yield url
    get_settings.cache_clear()


def _captures(url: str) -> list[tuple[int, str, str, str | None]]:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            return [tuple(r) for r in session.execute(  # type: ignore[misc]
                select(PageCapture.id, PageCapture.requested_url, PageCapture.state,
                       PageCapture.text_sha256).order_by(PageCapture.id))]
    finally:
        engine.dispose()


def test_capture_runs_the_queue_and_says_what_it_did(
        db: str, site: NewsSite, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["capture"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    article, missing = site.url("/en/article"), site.url("/missing")
    assert lines[0].startswith(f"captured #1 {article} (HTTP 200, 1,950 bytes, published "
                               "2025-03-12): North Korean troops")
    assert lines[1] == f"failed #2 {missing}: HTTP 404 Not Found; not tried again"
    assert lines[-1] == "1 captured, 1 failed."
    events = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert [(e["event"], e["capture_id"]) for e in events if e["event"].startswith("capture")] \
        == [("capture_done", 1), ("capture_failed", 2)]
    assert cli.main(["capture", "--pending"]) == 0
    assert capsys.readouterr().out.splitlines() == ["No capture is due."]


def test_capture_id_takes_a_new_snapshot_and_keeps_the_old_one(
        db: str, site: NewsSite, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["capture"]) == 0
    site.serve_html("/en/article", CHANGED_ENGLISH)
    assert cli.main(["capture", "1"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith(
        f"captured #3 {site.url('/en/article')}")
    first, _missing, second = _captures(db)
    assert first[2] == second[2] == "captured" and first[3] != second[3]
    # A URL given as such; a failure exits 1, for scripts.
    assert cli.main(["capture", site.url("/missing")]) == 1
    assert capsys.readouterr().out.startswith(f"failed #4 {site.url('/missing')}: HTTP 404")
    assert cli.main(["capture", "999"]) == 1
    assert "No capture 999." in capsys.readouterr().err


def test_capture_all_takes_a_new_snapshot_of_every_cited_url(
        db: str, site: NewsSite, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["capture"]) == 0
    capsys.readouterr()
    assert cli.main(["capture", "--all"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Queued 2 cited URL(s) for a new capture."
    assert lines[-1] == "1 captured, 1 failed."
    assert [state for _id, _url, state, _hash in _captures(db)] == [
        "captured", "failed", "captured", "failed"]
    assert site.requests["/en/article"] == 2
