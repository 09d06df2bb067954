"""The hash chain over the history: every revision of an estimate and every catalogue revision
has one place (its sequence number, 1, 2, 3… over both tables), and its hash is the SHA-256 of
its canonical JSON together with the hash of the revision before it. Changing, removing or
reordering any revision changes every hash after it, so `reckon verify` finds the first
broken link.

The canonical JSON of a revision is the object of its chained fields (below) plus "table" and
"prev_hash", serialised with sorted keys, no whitespace, UTF-8 (no \\u escapes), dates and
times in ISO 8601 (times in UTC with microseconds). This definition is frozen: revisions hashed
under it must verify for ever; a change needs a new chain version and a migration.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

HASH_LENGTH = 64  # hex digits of a SHA-256
# The prev_hash of the first revision: there is none before it.
GENESIS = "0" * HASH_LENGTH

REVISIONS = "revisions"
CATALOG_REVISIONS = "catalog_revisions"
# What each table's hash covers, besides "table" and "prev_hash". A column added to a history
# table later is not covered until the chain's definition is versioned.
CHAINED_FIELDS: Mapping[str, tuple[str, ...]] = {
    REVISIONS: ("id", "sequence", "estimate_id", "number", "action", "before", "after",
                "user_id", "created_at", "comment"),
    CATALOG_REVISIONS: ("id", "sequence", "entity", "topic_id", "measure_id", "source_id",
                        "action", "before", "after", "user_id", "created_at", "comment"),
}


def utc_iso(value: dt.datetime) -> str:
    """A point in time as the chain writes it: UTC, always with microseconds."""
    if value.tzinfo is None:
        raise ValueError("a naive datetime cannot be placed in the chain")
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _plain(value: object) -> str:
    if isinstance(value, dt.datetime):
        return utc_iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be written in canonical JSON")


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8, dates in ISO 8601."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False, default=_plain).encode("utf-8")


def chained_content(table: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """What the hash of a row of `table` covers (without prev_hash)."""
    try:
        names = CHAINED_FIELDS[table]
    except KeyError:
        raise ValueError(f"{table!r} is not a history table") from None
    content = {name: row[name] for name in names}
    content["table"] = table
    return content


def link_hash(table: str, row: Mapping[str, Any], prev_hash: str) -> str:
    """The hash of a row of `table` whose predecessor's hash is `prev_hash`."""
    content = chained_content(table, row)
    content["prev_hash"] = prev_hash
    return hashlib.sha256(canonical_json(content)).hexdigest()


def short(hash_: str) -> str:
    """The first 12 hex digits: enough to tell revisions apart by eye."""
    return hash_[:12]


@dataclass(frozen=True)
class Break:
    """The first link of the chain that does not hold."""

    table: str | None  # None: the head does not match the chain
    id: int | None
    sequence: int | None
    reason: str

    def describe(self) -> str:
        if self.table is None:
            return f"chain broken at the head: {self.reason}"
        return (f"chain broken at revision {self.table} {self.id} "
                f"(sequence {self.sequence}): {self.reason}")


class Walk:
    """Checks the chain one row at a time, in sequence order, holding only the last hash."""

    def __init__(self) -> None:
        self.length = 0
        self.head = GENESIS
        self._last = "the start of the chain"

    def step(self, table: str, row: Mapping[str, Any]) -> Break | None:
        """Check the next row; None when it holds (and it becomes the head)."""
        sequence, stored = row["sequence"], row["hash"]

        def broken(reason: str) -> Break:
            return Break(table, row["id"], sequence, reason)

        expected = self.length + 1
        if sequence != expected:
            if sequence is not None and sequence > expected:
                gap = ("revision " if sequence - expected == 1 else "revisions ") + (
                    f"{expected}" if sequence - expected == 1 else f"{expected}–{sequence - 1}")
                return broken(f"the chain lacks {gap} before it")
            return broken(f"its sequence number is repeated or out of order "
                          f"(expected {expected})")
        if row["prev_hash"] != self.head:
            return broken(f"its prev_hash {row['prev_hash']} is not the hash of the revision "
                          f"before it ({self._last}: {self.head})")
        computed = link_hash(table, row, self.head)
        if stored != computed:
            return broken(f"its content does not match its hash (stored {stored}, "
                          f"computed {computed})")
        self.length, self.head = sequence, stored
        self._last = f"{table} {row['id']}"
        return None

    def finish(self, length: int, head: str) -> Break | None:
        """Check the head kept in the database against the end of the walk."""
        if (length, head) != (self.length, self.head):
            return Break(None, None, None,
                         f"the head records {length} revisions ending in {head}, "
                         f"the chain holds {self.length} ending in {self.head}")
        return None
