"""Field types shared by every schema: checked text, slugs, counts, partial dates, URLs."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

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
Count = Annotated[int, Field(ge=0, le=MAX_VALUE)]
Version = Annotated[int, Field(ge=1, le=MAX_ID)]
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
