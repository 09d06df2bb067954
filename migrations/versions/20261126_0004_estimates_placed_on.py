"""the date each estimate is placed by, stored and indexed

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 02:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PUBLISHED = "(SELECT min(citations.published_on) FROM citations " \
            "WHERE citations.estimate_id = estimates.id)"


def upgrade() -> None:
    with op.batch_alter_table("estimates") as batch:
        batch.add_column(sa.Column("placed_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("placed_precision", sa.String(length=5), nullable=True))
    # As app.models.place does: as_of, else stated_on, else the earliest publication.
    op.execute(
        f"UPDATE estimates SET placed_on = coalesce(as_of, stated_on, {PUBLISHED}), "
        "placed_precision = CASE WHEN as_of IS NOT NULL THEN as_of_precision "
        "WHEN stated_on IS NOT NULL THEN stated_on_precision "
        f"WHEN {PUBLISHED} IS NOT NULL THEN 'day' END")
    op.create_index("ix_estimates_latest", "estimates",
                    ["measure_id", "source_id", "scope", "status", "placed_on", "id"])
    op.create_index("ix_estimates_newest", "estimates",
                    ["measure_id", "status", "placed_on", "id"])


def downgrade() -> None:
    op.drop_index("ix_estimates_newest", table_name="estimates")
    op.drop_index("ix_estimates_latest", table_name="estimates")
    with op.batch_alter_table("estimates") as batch:
        batch.drop_column("placed_precision")
        batch.drop_column("placed_on")
