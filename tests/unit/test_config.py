"""Settings: the development secret is made once, on purpose, and production refuses to run
without a real one."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import config
from app.config import ConfigError, Settings, ensure_development_secret


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setattr(config, "DATA_DIR", folder)
    monkeypatch.setattr(config, "SECRET_FILE", folder / "secret_key")
    monkeypatch.delenv("RECKON_SECRET_KEY", raising=False)
    return folder


def test_reading_settings_writes_no_secret(data_dir: Path) -> None:
    settings = Settings(environment="development")
    assert not settings.has_usable_secret
    assert not data_dir.exists()


def test_the_development_secret_is_made_once_and_kept(data_dir: Path) -> None:
    first = ensure_development_secret(Settings(environment="development"))
    secret_file = data_dir / "secret_key"
    assert first.has_usable_secret and secret_file.read_text() == first.secret_key
    assert secret_file.stat().st_mode & 0o777 == 0o600
    # A restart reads the same secret, so signed-in editors stay signed in.
    assert Settings(environment="development").secret_key == first.secret_key
    assert ensure_development_secret(Settings(environment="development")).secret_key == (
        first.secret_key)


def test_a_given_secret_is_used_as_it_is(data_dir: Path) -> None:
    settings = ensure_development_secret(Settings(secret_key="s" * 40))
    assert settings.secret_key == "s" * 40 and not data_dir.exists()


@pytest.mark.parametrize("secret", ["", "change-me", "short"])
def test_production_refuses_a_missing_or_default_secret(data_dir: Path, secret: str) -> None:
    with pytest.raises(ConfigError, match="RECKON_SECRET_KEY"):
        Settings(environment="production", secret_key=secret)
