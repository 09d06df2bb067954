"""scope and confidence of estimates, party status per topic, short names, catalogue
revisions, and versions for topics, measures and sources

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 00:05:44
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PRECISIONS = "('day', 'month', 'year')"


def _dated(column: str) -> str:
    return (f"({column} IS NULL AND {column}_precision IS NULL) OR ({column} IS NOT NULL AND "
            f"{column}_precision IS NOT NULL AND {column}_precision IN {PRECISIONS})")


def upgrade() -> None:
    op.create_table(
        "topic_sources",
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("party_to_conflict", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"],
                                name=op.f("fk_topic_sources_source_id_sources")),
        sa.ForeignKeyConstraint(["topic_id"], ["topics.id"],
                                name=op.f("fk_topic_sources_topic_id_topics")),
        sa.PrimaryKeyConstraint("topic_id", "source_id", name=op.f("pk_topic_sources")),
    )
    op.create_table(
        "catalog_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("measure_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.CheckConstraint("action IN ('create', 'edit', 'retract', 'restore', 'revert')",
                           name=op.f("ck_catalog_revisions_action")),
        sa.CheckConstraint("entity IN ('topic', 'measure', 'source', 'topic_source')",
                           name=op.f("ck_catalog_revisions_entity")),
        sa.ForeignKeyConstraint(["measure_id"], ["measures.id"],
                                name=op.f("fk_catalog_revisions_measure_id_measures")),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"],
                                name=op.f("fk_catalog_revisions_source_id_sources")),
        sa.ForeignKeyConstraint(["topic_id"], ["topics.id"],
                                name=op.f("fk_catalog_revisions_topic_id_topics")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_catalog_revisions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_revisions")),
    )
    with op.batch_alter_table("catalog_revisions") as batch_op:
        batch_op.create_index("ix_catalog_revisions_created_at", ["created_at"])
        batch_op.create_index(batch_op.f("ix_catalog_revisions_source_id"), ["source_id"])
        batch_op.create_index(batch_op.f("ix_catalog_revisions_topic_id"), ["topic_id"])

    # Every existing figure was recorded as a total, as reported.
    with op.batch_alter_table("estimates") as batch_op:
        batch_op.add_column(sa.Column("scope", sa.String(length=10), nullable=False,
                                      server_default="total"))
        batch_op.add_column(sa.Column("scope_note", sa.Text(), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("period_start", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("period_start_precision", sa.String(length=5),
                                      nullable=True))
        batch_op.add_column(sa.Column("period_end", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("period_end_precision", sa.String(length=5),
                                      nullable=True))
        batch_op.add_column(sa.Column("confidence", sa.String(length=12), nullable=False,
                                      server_default="reported"))
        batch_op.add_column(sa.Column("confidence_note", sa.Text(), nullable=False,
                                      server_default=""))
        batch_op.create_check_constraint(
            "scope",
            "scope IN ('total', 'increment', 'period', 'area', 'plan', 'broader', 'other')")
        batch_op.create_check_constraint(
            "confidence", "confidence IN ('reported', 'corroborated', 'uncertain', 'disputed')")
    with op.batch_alter_table("estimates") as batch_op:
        batch_op.create_check_constraint("period_start_precision", _dated("period_start"))
        batch_op.create_check_constraint("period_end_precision", _dated("period_end"))

    for table in ("topics", "measures", "sources"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False,
                                          server_default="1"))
    with op.batch_alter_table("sources") as batch_op:
        batch_op.add_column(sa.Column("short_name", sa.String(length=60), nullable=False,
                                      server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch_op:
        batch_op.drop_column("short_name")
    for table in ("topics", "measures", "sources"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("version")
    with op.batch_alter_table("estimates") as batch_op:
        batch_op.drop_constraint("period_end_precision", type_="check")
        batch_op.drop_constraint("period_start_precision", type_="check")
        batch_op.drop_constraint("confidence", type_="check")
        batch_op.drop_constraint("scope", type_="check")
        for column in ("confidence_note", "confidence", "period_end_precision", "period_end",
                       "period_start_precision", "period_start", "scope_note", "scope"):
            batch_op.drop_column(column)
    op.drop_table("catalog_revisions")
    op.drop_table("topic_sources")
