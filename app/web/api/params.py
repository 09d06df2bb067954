"""Path, query and header parameters shared by API handlers."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Header, Path, Query

from app.domain.errors import ValidationFailed
from app.schemas.common import MAX_ID, SLUG_RE

Id = Annotated[int, Path(ge=1, le=MAX_ID)]
SlugQuery = Annotated[str | None, Query(pattern=SLUG_RE, max_length=100)]
PageNumber = Annotated[int, Query(ge=1, le=100_000)]
PerPage = Annotated[int, Query(ge=1, le=500)]
IfMatch = Annotated[
    str | None,
    Header(description='The version the change is based on, e.g. "3" (or a version field).'),
]


def if_match_version(value: str | None) -> int | None:
    if value is None:
        return None
    match = re.fullmatch(r'\s*(?:W/)?"?(\d{1,9})"?\s*', value)
    if not match:
        raise ValidationFailed({"If-Match": 'Send the version as a number, e.g. If-Match: "3".'})
    return int(match.group(1))


def stated_version(body_version: int | None, if_match: str | None) -> int | None:
    """The version a change is based on: the body's `version`, else the If-Match header."""
    return body_version if body_version is not None else if_match_version(if_match)
