"""`reckon extract FILE`: the candidate estimates in an article as JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import cli
from app.config import PROJECT_DIR, get_settings

TOPIC = "north-korean-troops-in-russia"
SEED = (PROJECT_DIR / "demo" / "telegraph_nk_troops_de.txt").read_text(encoding="utf-8")


@pytest.fixture
def db_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("RECKON_DATABASE_URL", url)
    monkeypatch.setenv("RECKON_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("RECKON_REVIEW", "off")
    get_settings.cache_clear()
    assert cli.main(["db", "upgrade"]) == 0
    yield url
    get_settings.cache_clear()


def test_cli_extract_prints_the_candidates(db_cli: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["demo"]) == 0
    capsys.readouterr()
    article = tmp_path / "a.txt"
    article.write_text(SEED, encoding="utf-8")
    assert cli.main(["extract", str(article), "--lang", "de", "--published", "2025-02",
                     "--topic", TOPIC]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [(c["measure"], c["source"], c["low"]) for c in found][:2] == [
        ("deployed", "south-korean-media", 1000), ("deployed", "south-korea-nis", 10000)]
    assert len(found) == 6
    assert cli.main(["extract", str(article), "--published", "soon"]) == 1
    assert "soon" in capsys.readouterr().err
    # Without a topic: the default measures, the same figures.
    assert cli.main(["extract", str(article), "--published", "2025-02"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 6
