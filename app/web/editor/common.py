"""Helpers every editor page uses."""

from __future__ import annotations

from typing import Any

from fastapi.responses import RedirectResponse


def redirect(url: Any) -> RedirectResponse:
    return RedirectResponse(str(url), status_code=303)


def safe_next(value: str | None) -> str:
    # Only same-site paths: never an open redirect to another host.
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/"
