"""Settings from the environment (prefix RECKON_). Reading them has no side effects: the
development secret is created by `reckon db upgrade` or on the first start of the app."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_DIR / "data"
SECRET_FILE = DATA_DIR / "secret_key"
INSECURE_SECRETS = {"", "change-me", "changeme", "secret", "dev", "development"}
# The host names answered when RECKON_ALLOWED_HOSTS is not set (development and test only);
# Starlette's TestClient sends "testserver".
LOCAL_HOSTS = ("127.0.0.1", "localhost")
TEST_HOSTS = (*LOCAL_HOSTS, "testserver")


class ConfigError(RuntimeError):
    """Settings that must not be run with; the message says what to set."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RECKON_", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = f"sqlite:///{DATA_DIR / 'reckon.db'}"
    # What `reckon db upgrade`, `backup` and `restore` connect with: on PostgreSQL a role that
    # owns the schema, while the app serves as the (lesser) role of `database_url`. Unset or
    # empty: the same as `database_url` (README, "PostgreSQL roles").
    migration_database_url: str = ""
    secret_key: str = ""
    # Send the session cookie only over HTTPS; on in production behind TLS.
    secure_cookies: bool = False
    sql_echo: bool = False
    log_level: str = "INFO"
    # Capacity, set together: at most `worker_threads` requests are served at once, each on
    # its own worker thread with its own pooled database connection, so no request ever holds
    # a connection while it waits for a thread. Up to `queue_limit` more wait, each for at
    # most `queue_timeout` seconds, holding nothing; beyond that the answer is a fast 503.
    worker_threads: int = Field(default=16, ge=1, le=256)
    queue_limit: int = Field(default=500, ge=0)
    queue_timeout: float = Field(default=15.0, gt=0)
    # A writer waits this long for SQLite's write lock before the request fails.
    sqlite_busy_timeout: float = Field(default=10.0, gt=0)
    # How long a page may reuse the data stamp (its validators) without asking the database;
    # a change made through this process is seen at once.
    stamp_ttl: float = Field(default=1.0, ge=0)
    # Garbage collection tuned for serving (app/main.py): what start-up built frozen out of
    # every collection, and collections started after 50,000 new objects instead of 700.
    # Unset: on, except in tests (many apps in one process).
    gc_tuning: bool | None = None
    # Rendered public pages kept in memory (app/web/page_cache.py), at most this many MiB, and
    # answered again while the data stamp is unchanged. 0 turns it off. Unset: 64, except in
    # tests (which count each page's queries).
    page_cache_mb: int | None = Field(default=None, ge=0, le=4096)
    # The network edge (README, "Settings"). Host names this site answers to, comma-separated
    # ("*.example.org" for every subdomain); any other Host header gets 400. Required in
    # production; 127.0.0.1 and localhost in development (and testserver in test).
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # The public address, e.g. https://reckon.example.org: every absolute link and redirect
    # is built from it, never from the request's Host header. Empty: from the request.
    base_url: str = ""
    # Addresses (or networks) of the reverse proxies whose X-Forwarded-For and
    # X-Forwarded-Proto are believed, comma-separated; none by default.
    forwarded_allow_ips: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # A request body larger than this is refused with 413 before it is read.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1)
    # /docs and /openapi.json: on in development and test, in production only when true.
    enable_docs: bool | None = None
    # Citation capture (README, "Citation capture"): with `capture` on (RECKON_CAPTURE=on;
    # `make run` turns it on) a worker thread of the app fetches the queued pages every
    # `capture_interval` seconds. Addresses in private, loopback, link-local and other
    # non-public ranges are refused unless `capture_allow_private` (tests, intranets).
    capture: bool = False
    capture_interval: float = Field(default=5.0, gt=0)
    capture_allow_private: bool = False
    capture_connect_timeout: float = Field(default=5.0, gt=0)
    capture_read_timeout: float = Field(default=15.0, gt=0)
    # The whole fetch, however slowly the bytes trickle in.
    capture_total_timeout: float = Field(default=60.0, gt=0)
    capture_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    capture_max_redirects: int = Field(default=5, ge=0, le=20)
    capture_max_attempts: int = Field(default=6, ge=1)
    # Back-off after a failed attempt: this many seconds, doubling each time, at most a day.
    capture_retry_after: float = Field(default=300.0, gt=0)
    capture_user_agent: str = "Reckon/0.1 (citation capture; a copy of a cited page)"
    # Review before publication (README, "Review before publication"): "required", a new
    # estimate or a change to its figure, dates, scope or source waits for a second editor;
    # "off" (a one-person deployment), everything is published at once.
    review: Literal["required", "off"] = "required"
    # The license the published figures are offered under, as a URL (for example
    # https://creativecommons.org/licenses/by/4.0/): stated in the pages' JSON-LD (README,
    # "Reading"). Empty: none is stated.
    data_license: str = ""

    @field_validator("allowed_hosts", "forwarded_allow_ips", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("allowed_hosts")
    @classmethod
    def _host_patterns(cls, hosts: list[str]) -> list[str]:
        for host in hosts:
            wildcard = host.startswith("*") and host != "*"
            if ("*" in host[1:] or (wildcard and not host.startswith("*."))
                    or any(c in host for c in "/@ ")):
                raise ValueError(f"{host!r} is not a host name: write names such as "
                                 "reckon.example.org or *.example.org, without scheme or path")
        return [host.lower() for host in hosts]

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not value.strip():
            return ""
        parts = urlsplit(value.strip())
        if (parts.scheme not in ("http", "https") or not parts.hostname or parts.query
                or parts.fragment or parts.username or parts.password):
            raise ValueError(f"{value!r} is not a base URL: write it as https://host[:port]"
                             "[/path], without query, fragment or credentials")
        return value.strip().rstrip("/")

    @property
    def review_required(self) -> bool:
        return self.review == "required"

    @property
    def docs_enabled(self) -> bool:
        """Whether /docs and /openapi.json are served."""
        if self.enable_docs is None:
            return self.environment != "production"
        return self.enable_docs

    @property
    def page_cache_bytes(self) -> int:
        """The memory the rendered-page cache may hold; 0 when it is off."""
        mb = self.page_cache_mb if self.page_cache_mb is not None else (
            0 if self.environment == "test" else 64)
        return mb * 1024 * 1024

    @model_validator(mode="after")
    def _migration_url(self) -> Settings:
        if not self.migration_database_url.strip():
            self.migration_database_url = self.database_url
        return self

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

    @model_validator(mode="after")
    def _hosts(self) -> Settings:
        if not self.allowed_hosts:
            if self.environment == "production":
                raise ConfigError(
                    "RECKON_ALLOWED_HOSTS is missing: set it to the host names this site is "
                    "reached by, comma-separated (e.g. reckon.example.org,www.example.org); "
                    "requests for any other host are refused."
                )
            self.allowed_hosts = list(TEST_HOSTS if self.environment == "test"
                                      else LOCAL_HOSTS)
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
