"""citation captures: snapshots of cited pages and their capture queue

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cited_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("url_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cited_pages")),
        sa.UniqueConstraint("url_sha256", name=op.f("uq_cited_pages_url_sha256")),
    )
    op.create_table(
        "page_captures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("requested_url", sa.Text(), nullable=False),
        sa.Column("final_url", sa.Text(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("failure", sa.String(length=500), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("raw_sha256", sa.String(length=64), nullable=True),
        sa.Column("text_sha256", sa.String(length=64), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'captured', 'failed')",
                           name=op.f("ck_page_captures_state")),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_page_captures_attempts_non_negative")),
        sa.ForeignKeyConstraint(["page_id"], ["cited_pages.id"],
                                name=op.f("fk_page_captures_page_id_cited_pages")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"],
                                name=op.f("fk_page_captures_requested_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_captures")),
    )
    op.create_index("ix_page_captures_due", "page_captures", ["state", "next_attempt_at"],
                    unique=False)
    op.create_index("ix_page_captures_page", "page_captures", ["page_id", "state", "id"],
                    unique=False)
    op.create_index(op.f("ix_page_captures_updated_at"), "page_captures", ["updated_at"],
                    unique=False)
    op.create_table(
        "quote_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("citation_id", sa.Integer(), nullable=False),
        sa.Column("capture_id", sa.Integer(), nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["capture_id"], ["page_captures.id"],
                                name=op.f("fk_quote_checks_capture_id_page_captures"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["citation_id"], ["citations.id"],
                                name=op.f("fk_quote_checks_citation_id_citations"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_checks")),
        sa.UniqueConstraint("citation_id", "capture_id",
                            name=op.f("uq_quote_checks_citation_id")),
    )
    op.create_index(op.f("ix_quote_checks_capture_id"), "quote_checks", ["capture_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_quote_checks_capture_id"), table_name="quote_checks")
    op.drop_table("quote_checks")
    op.drop_index(op.f("ix_page_captures_updated_at"), table_name="page_captures")
    op.drop_index("ix_page_captures_page", table_name="page_captures")
    op.drop_index("ix_page_captures_due", table_name="page_captures")
    op.drop_table("page_captures")
    op.drop_table("cited_pages")
