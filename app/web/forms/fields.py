"""Reading single form fields."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from app.domain.text import clean_typed


def typed(value: Any) -> str:
    """A form value as the editor typed it, without control characters or outer space."""
    return clean_typed(value) if isinstance(value, str) else ""


def field(form: FormData, name: str, *, strip: bool = True) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    return value.strip() if strip else value


def whole_number(raw: str) -> int | None:
    """A typed id or version, or None; never an int too large for the database."""
    return int(raw) if raw.isdigit() and len(raw) < 10 else None
