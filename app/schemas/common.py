"""Field types shared by every schema: checked text, slugs, counts, dates, partial dates, URLs.

Numbers and dates are strict: JSON `true`, `"5"` or `5.0` is not a count, and `0` is not a
date (which a lenient parser would read as 1 January 1970). The forms turn what an editor
typed into numbers and ISO dates before they reach these types."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

from app.domain.dates import parse_partial_date
from app.domain.errors import FigureError
from app.domain.numbers import MAX_VALUE
from app.domain.text import CONTROL_CHARS, normalise_newlines

SLUG_RE = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MAX_ID = 2**31 - 1


def _printable(value: str) -> str:
    # PostgreSQL refuses NUL in text, and control characters are never part of a real quote.
    if CONTROL_CHARS.search(value):
        raise ValueError("must not contain control characters")
    return normalise_newlines(value)


def _partial_date(value: str) -> str:
    try:
        return parse_partial_date(value).iso()
    except FigureError as exc:
        raise ValueError(str(exc)) from None


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    """A date as YYYY-MM-DD (or a date already), nothing else: no timestamps, no datetimes."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value.strip()):
        raise PydanticCustomError("date_format", "Input should be a date written YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise PydanticCustomError("date_value", "Input should be a real date, such as "
                                                "2025-01-31") from None


def _http_url(value: str) -> str:
    if value and not re.match(r"^https?://[^\s/$.?#][^\s]*$", value, re.IGNORECASE):
        raise ValueError("Give a web address starting with http:// or https://")
    return value


_clean = AfterValidator(_printable)
Code = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20), _clean]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), _clean]
Long = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10000), _clean]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), _clean
]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000), _clean
]

Slug = Annotated[str, StringConstraints(pattern=SLUG_RE, max_length=100)]
Count = Annotated[int, Strict(), Field(ge=0, le=MAX_VALUE)]
Version = Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]
IsoDate = Annotated[
    dt.date, BeforeValidator(_iso_date),
    Field(description="YYYY-MM-DD", examples=["2025-01-13"]),
]
PartialDateText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=10),
    AfterValidator(_partial_date),
    Field(description="YYYY-MM-DD, YYYY-MM or YYYY", examples=["2025-01", "2025-01-13"]),
]
Url = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(_http_url)
]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrmModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)
