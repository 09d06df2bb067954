"""tamper-evident history: hash chain over revisions, no UPDATE or DELETE on them

Every row of `revisions` and `catalog_revisions` gets its place in one chain over both tables
(`sequence`, 1, 2, 3…), the hash of the row before it (`prev_hash`) and its own (`hash`, the
SHA-256 of its canonical JSON with prev_hash: app/domain/chain.py). Existing rows are chained
here in the order they were made (created_at, then table, then id), so existing data verifies.
`chain_head` keeps the end of the chain in one row; appending locks it.

Triggers then refuse UPDATE and DELETE on the history tables (and TRUNCATE on PostgreSQL), and
DELETE of the head or moving it back. Nothing may change a history row after this migration:
not the app, not a later migration (a SQLite batch migration that rebuilds a history table
drops its triggers; it must create them again — tests/db/test_chain.py checks they exist).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 00:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from app.domain import chain
from app.models import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HISTORY = (chain.REVISIONS, chain.CATALOG_REVISIONS)
BATCH = 500

_ERROR = "{table} is append-only: {op} is refused (Reckon keeps every revision; a change is " \
         "recorded as a new revision)"
_HEAD_DELETE = "chain_head cannot be deleted: it is the end of the hash chain of the history"
_HEAD_BACK = "chain_head only moves forward: the hash chain of the history cannot be cut or rewritten"

_SQLITE_TRIGGERS = [
    *(f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
      f"BEGIN SELECT RAISE(ABORT, '{_ERROR.format(table=table, op=op)}'); END"
      for table in HISTORY for op in ("UPDATE", "DELETE")),
    f"CREATE TRIGGER chain_head_no_delete BEFORE DELETE ON chain_head "
    f"BEGIN SELECT RAISE(ABORT, '{_HEAD_DELETE}'); END",
    f"CREATE TRIGGER chain_head_forward_only BEFORE UPDATE ON chain_head "
    f"WHEN NEW.id IS NOT OLD.id OR NEW.length < OLD.length "
    f"OR (NEW.length = OLD.length AND NEW.hash IS NOT OLD.hash) "
    f"BEGIN SELECT RAISE(ABORT, '{_HEAD_BACK}'); END",
]
_SQLITE_DROPS = [f"DROP TRIGGER IF EXISTS {name}" for name in (
    *(f"{table}_no_{op}" for table in HISTORY for op in ("update", "delete")),
    "chain_head_no_delete", "chain_head_forward_only")]

# restrict_violation (23001): an IntegrityError for the drivers, as SQLite's RAISE(ABORT) is.
_POSTGRESQL_TRIGGERS = [
    f"""CREATE FUNCTION reckon_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '{_ERROR.format(table="%", op="%")}', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'restrict_violation';
END $$""",
    f"""CREATE FUNCTION reckon_chain_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION '{_HEAD_DELETE}' USING ERRCODE = 'restrict_violation';
  END IF;
  IF NEW.id IS DISTINCT FROM OLD.id OR NEW.length < OLD.length
     OR (NEW.length = OLD.length AND NEW.hash IS DISTINCT FROM OLD.hash) THEN
    RAISE EXCEPTION '{_HEAD_BACK}' USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END $$""",
    *(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
      f"FOR EACH ROW EXECUTE FUNCTION reckon_history_append_only()" for table in HISTORY),
    *(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
      f"FOR EACH STATEMENT EXECUTE FUNCTION reckon_history_append_only()" for table in HISTORY),
    "CREATE TRIGGER chain_head_guard BEFORE UPDATE OR DELETE ON chain_head "
    "FOR EACH ROW EXECUTE FUNCTION reckon_chain_head_guard()",
    "CREATE TRIGGER chain_head_no_truncate BEFORE TRUNCATE ON chain_head "
    "FOR EACH STATEMENT EXECUTE FUNCTION reckon_chain_head_guard()",
]
_POSTGRESQL_DROPS = [
    *(f"DROP TRIGGER IF EXISTS {table}_{what} ON {table}"
      for table in HISTORY for what in ("append_only", "no_truncate")),
    "DROP TRIGGER IF EXISTS chain_head_guard ON chain_head",
    "DROP TRIGGER IF EXISTS chain_head_no_truncate ON chain_head",
    "DROP FUNCTION IF EXISTS reckon_history_append_only()",
    "DROP FUNCTION IF EXISTS reckon_chain_head_guard()",
]


def _history_table(name: str) -> sa.TableClause:
    """The columns the hash covers, as they are now (typed: times come back in UTC, JSON
    parsed), whatever the models say later."""
    common = [sa.column("id", sa.Integer()), sa.column("action", sa.String()),
              sa.column("before", sa.JSON()), sa.column("after", sa.JSON()),
              sa.column("user_id", sa.Integer()), sa.column("created_at", UTCDateTime()),
              sa.column("comment", sa.Text()), sa.column("sequence", sa.BigInteger()),
              sa.column("prev_hash", sa.String()), sa.column("hash", sa.String())]
    if name == chain.REVISIONS:
        own = [sa.column("estimate_id", sa.Integer()), sa.column("number", sa.Integer())]
    else:
        own = [sa.column(c, sa.Integer()) for c in ("topic_id", "measure_id", "source_id")]
        own.append(sa.column("entity", sa.String()))
    return sa.table(name, *common, *own)


def _backfill(connection: sa.Connection) -> tuple[int, str]:
    """Chain every existing revision in the order it was made; answers the head. Only the
    keys are held in memory; rows are read and written a batch at a time."""
    tables = {name: _history_table(name) for name in HISTORY}
    order = sa.union_all(*(
        sa.select(sa.literal(name, sa.String(20)).label("tbl"), t.c.id, t.c.created_at)
        for name, t in tables.items())).subquery()
    keys = connection.execute(
        sa.select(order.c.tbl, order.c.id)
        .order_by(order.c.created_at, order.c.tbl, order.c.id)).all()
    length, prev = 0, chain.GENESIS
    for start in range(0, len(keys), BATCH):
        batch = keys[start:start + BATCH]
        rows: dict[tuple[str, int], Any] = {}
        for name, t in tables.items():
            ids = [i for tbl, i in batch if tbl == name]
            if ids:
                for row in connection.execute(sa.select(t).where(t.c.id.in_(ids))).mappings():
                    rows[(name, row["id"])] = row
        updates: dict[str, list[dict[str, Any]]] = {name: [] for name in HISTORY}
        for name, id_ in batch:
            length += 1
            values = {**rows[(name, id_)], "sequence": length}
            prev_hash, prev = prev, chain.link_hash(name, values, prev)
            updates[name].append({"key": id_, "s": length, "p": prev_hash, "h": prev})
        for name, params in updates.items():
            if params:
                t = tables[name]
                connection.execute(
                    t.update().where(t.c.id == sa.bindparam("key"))
                    .values(sequence=sa.bindparam("s"), prev_hash=sa.bindparam("p"),
                            hash=sa.bindparam("h")), params)
    return length, prev


def upgrade() -> None:
    if context.is_offline_mode():
        raise RuntimeError("migration 0009 hashes the existing history in Python: "
                           "run it online (without --sql)")
    for name in HISTORY:
        with op.batch_alter_table(name) as batch:
            batch.add_column(sa.Column("sequence", sa.BigInteger(), nullable=True))
            batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
            batch.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    op.create_table(
        "chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_chain_head_one_row")),
        sa.CheckConstraint("length >= 0", name=op.f("ck_chain_head_length_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_head")),
    )
    connection = op.get_bind()
    length, head = _backfill(connection)
    if connection.dialect.name == "postgresql":
        # New rows take their ids from the id sequences before they are inserted (the hash
        # covers the id): make sure no sequence lags behind a row inserted with its own id.
        for name in HISTORY:
            op.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                       f"coalesce(max(id), 0) + 1, false) FROM {name}")
    connection.execute(sa.table("chain_head", sa.column("id"), sa.column("length"),
                                sa.column("hash")).insert().values(id=1, length=length,
                                                                   hash=head))
    for name in HISTORY:
        with op.batch_alter_table(name) as batch:
            batch.alter_column("sequence", existing_type=sa.BigInteger(), nullable=False)
            batch.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
            batch.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
            batch.create_unique_constraint(op.f(f"uq_{name}_sequence"), ["sequence"])
    for statement in (_POSTGRESQL_TRIGGERS if connection.dialect.name == "postgresql"
                      else _SQLITE_TRIGGERS):
        op.execute(statement)


def downgrade() -> None:
    connection = op.get_bind()
    for statement in (_POSTGRESQL_DROPS if connection.dialect.name == "postgresql"
                      else _SQLITE_DROPS):
        op.execute(statement)
    op.drop_table("chain_head")
    for name in HISTORY:
        with op.batch_alter_table(name) as batch:
            batch.drop_constraint(op.f(f"uq_{name}_sequence"), type_="unique")
            batch.drop_column("hash")
            batch.drop_column("prev_hash")
            batch.drop_column("sequence")
