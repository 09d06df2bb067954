"""Settings from the environment (prefix RECKON_). Reading them has no side effects: the
development secret is created by `reckon db upgrade` or on the first start of the app."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_DIR / "data"
SECRET_FILE = DATA_DIR / "secret_key"
INSECURE_SECRETS = {"", "change-me", "changeme", "secret", "dev", "development"}


class ConfigError(RuntimeError):
    """Settings that must not be run with; the message says what to set."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RECKON_", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = f"sqlite:///{DATA_DIR / 'reckon.db'}"
    secret_key: str = ""
    # Send the session cookie only over HTTPS; on in production behind TLS.
    secure_cookies: bool = False
    sql_echo: bool = False
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _secret(self) -> Settings:
        if not self.has_usable_secret:
            if self.environment == "production":
                raise ConfigError(
                    "RECKON_SECRET_KEY is missing or a known default: set it to a long random "
                    "value (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
                )
            if SECRET_FILE.exists():
                self.secret_key = SECRET_FILE.read_text().strip()
        return self

    @property
    def has_usable_secret(self) -> bool:
        return self.secret_key.strip() not in INSECURE_SECRETS and len(self.secret_key) >= 16


def ensure_development_secret(settings: Settings) -> Settings:
    """A settings object with a usable secret: in development, one secret per checkout is
    generated once and kept under data/ so restarts keep sessions."""
    if settings.has_usable_secret:
        return settings
    if not SECRET_FILE.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        SECRET_FILE.write_text(secrets.token_urlsafe(48))
        SECRET_FILE.chmod(0o600)
    return settings.model_copy(update={"secret_key": SECRET_FILE.read_text().strip()})


@lru_cache
def get_settings() -> Settings:
    return Settings()
