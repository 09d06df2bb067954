"""What a figure covers (its scope) and how sure the record is of it (its confidence): the
rules for the notes and dates that go with them."""

from __future__ import annotations

from app.domain.dates import PartialDate
from app.domain.vocabulary import Confidence, Scope

SCOPE_NOTE_HELP = ("Say what this figure covers, e.g. “Kursk region only”, “week of 16–22 "
                   "December 2024”, “killed or missing”.")


def claim_errors(
    *,
    scope: str,
    scope_note: str,
    period_start: PartialDate | None,
    period_end: PartialDate | None,
    confidence: str,
    confidence_note: str,
) -> dict[str, str]:
    """Every problem with a figure's scope and confidence, keyed by field."""
    errors: dict[str, str] = {}
    scopes = {s.value: s for s in Scope}
    confidences = {c.value: c for c in Confidence}
    if scope not in scopes:
        errors["scope"] = f"Unknown scope '{scope}': use one of {', '.join(scopes)}."
    elif scopes[scope].needs_note and not scope_note.strip():
        errors["scope_note"] = SCOPE_NOTE_HELP
    if scope == Scope.PERIOD and period_start is None:
        errors["period_start"] = "Give the first day, month or year the figure covers."
    if scope != Scope.PERIOD and (period_start or period_end):
        errors["period_start"] = ("A period goes with the scope “one period only”; choose it, "
                                  "or clear the period dates.")
    if period_start and period_end and period_end.end() < period_start.value:
        errors["period_end"] = "The period ends before it starts."
    if confidence not in confidences:
        errors["confidence"] = (f"Unknown confidence '{confidence}': use one of "
                                f"{', '.join(confidences)}.")
    elif confidences[confidence].needs_note and not confidence_note.strip():
        errors["confidence_note"] = (
            "Say why: the date is inferred, the attribution is unclear, the figure contradicts "
            "the same source…")
    return errors
