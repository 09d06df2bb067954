"""The hash chain's definition (app/domain/chain.py): canonical JSON, the hash of a link, and
a walk that names the first link that does not hold."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest

from app.domain import chain

WHEN = dt.datetime(2026, 11, 27, 9, 30, 5, 123, tzinfo=dt.UTC)


def _revision(id_: int, sequence: int, **values: Any) -> dict[str, Any]:
    return {"id": id_, "sequence": sequence, "estimate_id": 7, "number": sequence,
            "action": "edit", "before": None, "after": {"low": 300, "notes": "Zählung"},
            "user_id": None, "created_at": WHEN, "comment": "", **values}


def _catalog(id_: int, sequence: int) -> dict[str, Any]:
    return {"id": id_, "sequence": sequence, "entity": "source", "topic_id": None,
            "measure_id": None, "source_id": 3, "action": "edit", "before": {"name": "NIS"},
            "after": {"name": "South Korea’s NIS"}, "user_id": 1, "created_at": WHEN,
            "comment": "full name"}


def _chained(*rows: tuple[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    prev = chain.GENESIS
    for table, row in rows:
        row["prev_hash"] = prev
        row["hash"] = prev = chain.link_hash(table, row, prev)
    return list(rows)


def test_canonical_json_is_sorted_compact_utf8_with_iso_times() -> None:
    value = {"b": [1, {"z": None, "a": True}], "a": "Zählung </script>",
             "when": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2))),
             "day": dt.date(2025, 3, 1)}
    assert chain.canonical_json(value) == (
        '{"a":"Zählung </script>","b":[1,{"a":true,"z":null}],"day":"2025-03-01",'
        '"when":"2026-01-02T01:04:05.000000+00:00"}').encode()
    # Microseconds always written, so a time read back from either database hashes the same.
    assert chain.utc_iso(WHEN) == "2026-11-27T09:30:05.000123+00:00"
    with pytest.raises(ValueError, match="naive"):
        chain.utc_iso(dt.datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        chain.canonical_json({"x": float("nan")})


def test_a_link_hash_is_the_sha256_of_its_content_with_the_previous_hash() -> None:
    row = _revision(12, 4)
    expected = hashlib.sha256(json.dumps(
        {**{k: v for k, v in row.items()}, "created_at": "2026-11-27T09:30:05.000123+00:00",
         "table": "revisions", "prev_hash": "ab" * 32},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()
    assert chain.link_hash("revisions", row, "ab" * 32) == expected
    # Every field counts, and so do the table and the previous hash.
    for change in ({"after": {"low": 301, "notes": "Zählung"}}, {"comment": " "},
                   {"user_id": 1}, {"id": 13}, {"sequence": 5},
                   {"created_at": WHEN + dt.timedelta(microseconds=1)}):
        assert chain.link_hash("revisions", {**row, **change}, "ab" * 32) != expected
    assert chain.link_hash("revisions", row, "ac" * 32) != expected
    # Columns the chain does not cover (the stored hash itself) do not.
    assert chain.link_hash("revisions", {**row, "hash": "x"}, "ab" * 32) == expected
    with pytest.raises(ValueError, match="not a history table"):
        chain.link_hash("estimates", row, chain.GENESIS)


def test_a_walk_accepts_an_intact_chain_over_both_tables() -> None:
    rows = _chained(("revisions", _revision(1, 1)), ("catalog_revisions", _catalog(1, 2)),
                    ("revisions", _revision(2, 3)))
    walk = chain.Walk()
    assert all(walk.step(table, row) is None for table, row in rows)
    assert (walk.length, walk.head) == (3, rows[-1][1]["hash"])
    assert walk.finish(3, rows[-1][1]["hash"]) is None


def _first_break(rows: list[tuple[str, dict[str, Any]]], length: int | None = None,
                 head: str | None = None) -> chain.Break | None:
    walk = chain.Walk()
    for table, row in rows:
        broken = walk.step(table, row)
        if broken:
            return broken
    return walk.finish(length if length is not None else len(rows),
                       head or (rows[-1][1]["hash"] if rows else chain.GENESIS))


def test_a_walk_names_the_first_link_that_does_not_hold() -> None:
    def fresh() -> list[tuple[str, dict[str, Any]]]:
        return _chained(("revisions", _revision(1, 1)), ("catalog_revisions", _catalog(1, 2)),
                        ("revisions", _revision(2, 3)), ("revisions", _revision(3, 4)))

    # A snapshot changed in place.
    rows = fresh()
    rows[1][1]["after"] = {"name": "NIS"}
    broken = _first_break(rows)
    assert broken is not None and (broken.table, broken.id, broken.sequence) == (
        "catalog_revisions", 1, 2)
    assert broken.describe().startswith(
        "chain broken at revision catalog_revisions 1 (sequence 2): its content does not "
        "match its hash")

    # Changed and its hash recomputed: the next link no longer points at it.
    rows = fresh()
    rows[1][1]["after"] = {"name": "NIS"}
    rows[1][1]["hash"] = chain.link_hash("catalog_revisions", rows[1][1],
                                         rows[1][1]["prev_hash"])
    broken = _first_break(rows)
    assert broken is not None and (broken.table, broken.id) == ("revisions", 2)
    assert "not the hash of the revision before it (catalog_revisions 1:" in broken.reason

    # A revision removed from the middle, and one repeated.
    rows = fresh()
    del rows[2]
    broken = _first_break(rows)
    assert broken is not None and (broken.id, broken.sequence) == (3, 4)
    assert broken.reason == "the chain lacks revision 3 before it"
    rows = fresh()
    rows.insert(2, rows[1])
    broken = _first_break(rows)
    assert broken is not None and "repeated or out of order (expected 3)" in broken.reason

    # The last revisions cut off: only the head shows it.
    rows = fresh()
    broken = _first_break(rows[:3], length=4, head=rows[3][1]["hash"])
    assert broken is not None and broken.table is None
    assert broken.describe().startswith("chain broken at the head: the head records 4 "
                                        "revisions")
