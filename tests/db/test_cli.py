"""The `reckon` command, run in-process against a database file of its own."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import cli
from app.config import get_settings
from app.db import make_engine, make_sessionmaker
from app.models import ApiToken, Estimate, User


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("RECKON_DATABASE_URL", url)
    monkeypatch.setenv("RECKON_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("RECKON_REVIEW", "off")  # imports publish at once (test_review.py)
    get_settings.cache_clear()
    assert cli.main(["db", "upgrade"]) == 0
    yield url
    get_settings.cache_clear()


def _count(url: str, model: type) -> int:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as s:
            return s.scalar(select(func.count()).select_from(model)) or 0
    finally:
        engine.dispose()


def test_demo_twice_then_export_import_dry_run_reports_nothing(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["demo"]) == 0
    assert cli.main(["demo"]) == 0
    assert "Nothing to change" in capsys.readouterr().out.splitlines()[-1]
    assert _count(db, Estimate) == 6
    for name in ("x.csv", "x.json"):
        assert cli.main(["export", str(tmp_path / name)]) == 0
        assert cli.main(["import", str(tmp_path / name), "--dry-run"]) == 0
        assert capsys.readouterr().out.splitlines()[-1] == (
            "Dry run, nothing written: Nothing to change (6 estimates already up to date).")


def test_dry_run_writes_nothing(db: str, tmp_path: Path) -> None:
    assert cli.main(["import", str(cli.DEMO_FILE), "--dry-run"]) == 0
    assert _count(db, Estimate) == 0


def test_bad_import_names_every_bad_row_and_writes_nothing(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "topic,measure,source,low,high,best,qualifier,as_of,stated_on,citation_url,"
        "publication,quote,language,notes\n"
        "t,killed,s,300,300,,about,2025,,https://example.org,P,,en,\n"
        "t,killed,s,5000,3000,,,2025,,https://example.org,P,,en,\n"
        "t,wounded,s,300,,,roughly,2025,,https://example.org,P,,en,\n"
    )
    assert cli.main(["import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "nothing written" in err
    assert "line 3, column low" in err and "line 4, column qualifier" in err
    assert "line 2" not in err
    assert _count(db, Estimate) == 0


def test_unreadable_and_unknown_files_fail_with_one_line(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["import", str(tmp_path / "missing.csv")]) == 1
    assert cli.main(["export", str(tmp_path / "x.txt")]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and all(line.startswith("reckon: ") for line in lines)


def test_user_add_refuses_weak_password_then_token(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli.main(["user", "add", "ed@example.org", "--password-stdin"]) == 1
    assert "too weak" in capsys.readouterr().err
    assert _count(db, User) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("a long and unusual passphrase\n"))
    assert cli.main(["user", "add", "Ed@Example.org", "--role", "admin", "--password-stdin"]) == 0
    assert cli.main(["user", "token", "ed@example.org"]) == 0
    token = capsys.readouterr().out.splitlines()[-1]
    assert token.startswith("rk_") and len(token) > 30
    assert _count(db, ApiToken) == 1
    assert cli.main(["user", "token", "nobody@example.org"]) == 1
