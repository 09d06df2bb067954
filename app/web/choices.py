"""The reader's choices of what is compared, and the record point it is shown at, read from
the query string — the same parameters for a topic page, its charts, embeds, downloads and
JSON twin, so a permalink reproduces the comparison."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Query
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from app.domain.comparison import Choices
from app.domain.record_points import BadRecordPoint, RecordPoint
from app.schemas.common import SLUG_RE, IsoDate


def comparison_choices(
    exclude_parties: Annotated[bool, Query(
        description="Leave parties to the conflict out of the comparison.")] = False,
    source: Annotated[list[str] | None, Query(
        description="Compare only these sources (repeat the parameter).", max_length=200,
    )] = None,
    as_of_from: Annotated[IsoDate | None, Query(
        description="Only figures dated on or after this day (YYYY-MM-DD).")] = None,
    as_of_to: Annotated[IsoDate | None, Query(
        description="Only figures dated on or before this day (YYYY-MM-DD).")] = None,
    include_partial: Annotated[bool, Query(
        description="Compare partial figures (increments, areas, periods…) too.")] = False,
    exclude_uncertain: Annotated[bool, Query(
        description="Leave figures marked uncertain out of the comparison.")] = False,
) -> Choices:
    chosen = frozenset(s for s in (source or []) if re.fullmatch(SLUG_RE, s) and len(s) <= 100)
    return Choices(exclude_parties=exclude_parties, sources=chosen, dated_from=as_of_from,
                   dated_to=as_of_to, include_partial=include_partial,
                   exclude_uncertain=exclude_uncertain)


ChoicesDep = Annotated[Choices, Depends(comparison_choices)]


def choice_params(choices: Choices) -> list[tuple[str, str]]:
    """The query parameters that reproduce `choices` (none for the defaults)."""
    params: list[tuple[str, str]] = []
    if choices.exclude_parties:
        params.append(("exclude_parties", "1"))
    params.extend(("source", slug) for slug in sorted(choices.sources))
    if choices.dated_from:
        params.append(("as_of_from", choices.dated_from.isoformat()))
    if choices.dated_to:
        params.append(("as_of_to", choices.dated_to.isoformat()))
    if choices.include_partial:
        params.append(("include_partial", "1"))
    if choices.exclude_uncertain:
        params.append(("exclude_uncertain", "1"))
    return params


def with_choices(url: str, choices: Choices, **extra: str) -> str:
    """`url` with the reader's choices (and `extra` parameters) as its query."""
    # A record point's colons are left as they are: a permalink is read by people too.
    query = urlencode([*choice_params(choices), *extra.items()], safe=":")
    return f"{url}?{query}" if query else url


def _record_point_text(value: str) -> str:
    try:
        RecordPoint.parse(value)
    except BadRecordPoint as exc:
        raise PydanticCustomError("record_point", str(exc)) from None
    return value


def record_point(
    recorded: Annotated[str | None, AfterValidator(_record_point_text), Query(
        max_length=40,
        description="Show what Reckon's records held then: YYYY-MM-DD (the end of that UTC "
                    "day) or an exact UTC time, YYYY-MM-DDTHH:MM:SS[.ffffff]Z. Figures "
                    "recorded later, and later changes, are left out.")] = None,
    as_of: Annotated[IsoDate | None, Query(
        description="The old name of `recorded` (a day), kept so that old links still "
                    "work.")] = None,
) -> RecordPoint | None:
    if recorded is not None:
        return RecordPoint.parse(recorded)
    return RecordPoint.end_of(as_of) if as_of is not None else None


RecordedDep = Annotated[RecordPoint | None, Depends(record_point)]


def recorded_params(point: RecordPoint | None) -> dict[str, str]:
    """The query parameter that names `point` (none for the current records)."""
    return {"recorded": point.param()} if point is not None else {}
