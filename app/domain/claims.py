"""What a figure covers (its scope) and how sure the record is of it (its confidence): the
rules for the notes and dates that go with them."""

from __future__ import annotations

from app.domain.dates import PartialDate
from app.domain.vocabulary import Confidence, Scope
from app.i18n import N_, gettext

SCOPE_NOTE_HELP = N_("Say what this figure covers, e.g. “Kursk region only”, “week of 16–22 "
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
        errors["scope"] = gettext("Unknown scope '%(scope)s': use one of %(choices)s.",
                                  scope=scope, choices=", ".join(scopes))
    elif scopes[scope].needs_note and not scope_note.strip():
        errors["scope_note"] = gettext(SCOPE_NOTE_HELP)
    if scope == Scope.PERIOD and period_start is None:
        errors["period_start"] = gettext("Give the first day, month or year the figure covers.")
    if scope != Scope.PERIOD and (period_start or period_end):
        errors["period_start"] = gettext("A period goes with the scope “one period only”; "
                                         "choose it, or clear the period dates.")
    if period_start and period_end and period_end.end() < period_start.value:
        errors["period_end"] = gettext("The period ends before it starts.")
    if confidence not in confidences:
        errors["confidence"] = gettext("Unknown confidence '%(confidence)s': use one of "
                                       "%(choices)s.", confidence=confidence,
                                       choices=", ".join(confidences))
    elif confidences[confidence].needs_note and not confidence_note.strip():
        errors["confidence_note"] = gettext(
            "Say why: the date is inferred, the attribution is unclear, the figure contradicts "
            "the same source…")
    return errors
