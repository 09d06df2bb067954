"""Settings from the environment (prefix RECKON_)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_DIR / "data"
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

    @model_validator(mode="after")
    def _secret(self) -> Settings:
        if self.secret_key.strip() in INSECURE_SECRETS or len(self.secret_key) < 16:
            if self.environment == "production":
                raise ConfigError(
                    "RECKON_SECRET_KEY is missing or a known default: set it to a long random "
                    "value (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
                )
            self.secret_key = _development_secret()
        return self


def _development_secret() -> str:
    """One secret per checkout, generated once and kept under data/ so restarts keep sessions."""
    path = DATA_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
