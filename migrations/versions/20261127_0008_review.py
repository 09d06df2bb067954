"""review before publication: pending estimates and proposed edits

Every estimate that exists is published (`review` 'approved'). A new estimate waits as
'pending' (or 'rejected', sent back) until a second editor approves it; a change to a
published estimate waits in `proposals` while the row keeps what readers see. Revisions (and
catalogue revisions, which share the vocabulary) may record the new actions.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ACTIONS = ("create", "edit", "retract", "restore", "revert")
NEW_ACTIONS = (*OLD_ACTIONS, "proposed", "approved", "rejected", "withdrawn")
REVIEW = ("approved", "pending", "rejected")
OLD_LATEST = ["measure_id", "source_id", "scope", "status", "placed_on", "id"]
OLD_NEWEST = ["measure_id", "status", "placed_on", "id"]
PENDING = sa.text("state = 'pending'")


def _sqlite() -> bool:
    return bool(op.get_context().dialect.name == "sqlite")


def _one_of(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _actions(values: Sequence[str]) -> None:
    # On SQLite a CHECK constraint changes by copying the table (batch mode).
    for table in ("revisions", "catalog_revisions"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_action"), type_="check")
            batch_op.create_check_constraint("action", _one_of("action", values))


def _add_review() -> None:
    """estimates.review, without copying the table: on SQLite a batch copy would drop the
    table that citations and revisions refer to, which its foreign keys refuse."""
    check = _one_of("review", REVIEW)
    if _sqlite():
        op.execute("ALTER TABLE estimates ADD COLUMN review VARCHAR(10) DEFAULT 'approved' "
                   f"NOT NULL CONSTRAINT ck_estimates_review CHECK ({check})")
    else:
        op.add_column("estimates", sa.Column("review", sa.String(length=10), nullable=False,
                                             server_default="approved"))
        op.create_check_constraint(op.f("ck_estimates_review"), "estimates", check)


def _estimate_indexes(latest: list[str], newest: list[str]) -> None:
    op.drop_index("ix_estimates_latest", table_name="estimates")
    op.drop_index("ix_estimates_newest", table_name="estimates")
    op.create_index("ix_estimates_latest", "estimates", latest)
    op.create_index("ix_estimates_newest", "estimates", newest)


def upgrade() -> None:
    _add_review()
    _estimate_indexes([*OLD_LATEST[:4], "review", *OLD_LATEST[4:]],
                      [*OLD_NEWEST[:2], "review", *OLD_NEWEST[2:]])
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("estimate_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("proposed", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('new', 'edit')", name=op.f("ck_proposals_kind")),
        sa.CheckConstraint("state IN ('pending', 'approved', 'rejected', 'withdrawn')",
                           name=op.f("ck_proposals_state")),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"],
                                name=op.f("fk_proposals_author_id_users")),
        sa.ForeignKeyConstraint(["estimate_id"], ["estimates.id"],
                                name=op.f("fk_proposals_estimate_id_estimates")),
        sa.ForeignKeyConstraint(["reviewer_id"], ["users.id"],
                                name=op.f("fk_proposals_reviewer_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
    )
    op.create_index(op.f("ix_proposals_estimate_id"), "proposals", ["estimate_id"])
    op.create_index("ix_proposals_state_created_at", "proposals",
                    ["state", "created_at", "id"])
    # One pending proposal per estimate, whatever two editors do at once.
    op.create_index("uq_proposals_pending_estimate", "proposals", ["estimate_id"],
                    unique=True, sqlite_where=PENDING, postgresql_where=PENDING)
    _actions(NEW_ACTIONS)


def downgrade() -> None:
    # Revisions that record reviews cannot go back to the older vocabulary.
    for table in ("revisions", "catalog_revisions"):
        if context.is_offline_mode():
            break
        found = op.get_bind().execute(sa.text(
            f"SELECT count(*) FROM {table} WHERE action NOT IN "
            f"({', '.join(repr(a) for a in OLD_ACTIONS)})")).scalar()
        if found:
            raise RuntimeError(f"{found} {table} record reviews: cannot downgrade below 0008")
    _actions(OLD_ACTIONS)
    op.drop_index("uq_proposals_pending_estimate", table_name="proposals")
    op.drop_index("ix_proposals_state_created_at", table_name="proposals")
    op.drop_index(op.f("ix_proposals_estimate_id"), table_name="proposals")
    op.drop_table("proposals")
    _estimate_indexes(OLD_LATEST, OLD_NEWEST)
    if _sqlite():
        op.execute("ALTER TABLE estimates DROP COLUMN review")
    else:
        op.drop_constraint(op.f("ck_estimates_review"), "estimates", type_="check")
        op.drop_column("estimates", "review")
