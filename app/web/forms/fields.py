"""Reading single form fields."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from app.domain.text import clean_typed
from app.i18n import N_, format_number, gettext

# The schemas' own messages (app/schemas), in English in the API; translated beside a field.
SCHEMA_MESSAGES = (N_("Give a web address starting with http:// or https://"),
                   N_("Give a whole number, e.g. 10"),
                   N_("must not contain control characters"))


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


def schema_message(error: dict[str, Any]) -> str:
    """A schema's complaint about one field (a pydantic error), as a sentence in the reader's
    language to show beside it."""
    kind, ctx = str(error["type"]), error.get("ctx") or {}
    if kind == "string_too_short":
        return gettext("This cannot be empty.")
    if kind == "string_too_long":
        return gettext("Keep this to %(limit)s characters at most.",
                       limit=format_number(int(ctx.get("max_length", 0))))
    if kind.startswith("int"):
        return gettext("Give a whole number, e.g. 10.")
    if kind in ("date_format", "date_from_datetime_parsing", "date_parsing", "date_type"):
        return gettext("Write the date as YYYY-MM-DD.")
    if kind.startswith("date"):
        return gettext("Give a real date, such as 2025-01-31.")
    text = str(error["msg"]).removeprefix("Value error, ").rstrip(".")
    text = gettext(text)
    return text[:1].upper() + text[1:].rstrip(".") + "."
