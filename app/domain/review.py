"""Review before publication, as rules over revision snapshots: which fields a second editor
must approve, how a change splits into what applies at once and what waits, who may review,
and which states and revisions readers may see."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.domain.errors import Conflict
from app.domain.vocabulary import Review, RevisionAction

# What a reader compares: the figure, the dates it refers to and was stated on (each with its
# precision, which the snapshot's partial ISO text carries), what it covers and who said it.
# Everything else (notes, citations, confidence, claimant…) is applied at once.
REVIEWED_FIELDS = (
    "topic", "measure", "source", "low", "high", "best", "qualifier", "as_of", "stated_on",
    "scope", "scope_note", "period_start", "period_end",
)
# Revisions that record what waited for review, or a verdict on it: editors' business.
UNPUBLISHED_ACTIONS = frozenset({RevisionAction.PROPOSED.value, RevisionAction.REJECTED.value,
                                 RevisionAction.WITHDRAWN.value})


def reviewed_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The reviewed fields whose values differ between two snapshots."""
    return [name for name in REVIEWED_FIELDS if before.get(name) != after.get(name)]


def with_reviewed(state: Mapping[str, Any], source: Mapping[str, Any]) -> dict[str, Any]:
    """`state` with the reviewed fields of `source`: a proposal applied to the row as it
    is now, or (the other way round) a change without the part that must wait."""
    return {**state, **{name: source.get(name) for name in REVIEWED_FIELDS}}


def is_published(review: str | None) -> bool:
    """Whether a row (or a snapshot, by its "review" key) is what readers see; snapshots
    written before review existed have no key and were published."""
    return (review or Review.APPROVED) == Review.APPROVED


def revision_is_published(action: str, after: Mapping[str, Any]) -> bool:
    """Whether readers see this revision in a history: it left a published state, and it is
    not a proposal or a verdict on one."""
    return action not in UNPUBLISHED_ACTIONS and is_published(after.get("review"))


def may_review(author_id: int | None, reviewer_id: int) -> bool:
    """A second editor: anyone but the author (a change imported without a user has none)."""
    return author_id is None or author_id != reviewer_id


class ReviewPending(Conflict):
    """Another editor's new estimate or change waits for review: it is reviewed (approved or
    sent back) before anyone else changes what it changes."""


class StaleProposal(Conflict):
    """The estimate changed after the proposal was made: approving it would approve what
    nobody reviewed. `changed` lists what changed since (field, label, then, now)."""

    def __init__(self, message: str, *, current_version: int, proposal_version: int,
                 changed: list[dict[str, Any]]) -> None:
        super().__init__(message, current_version=current_version)
        self.proposal_version = proposal_version
        self.changed = changed
