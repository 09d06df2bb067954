"""when readers last saw each estimate change, stored and indexed; covering date indexes

A topic page's validators (ETag, Last-Modified) need the time of the latest published
revision of its estimates. Read from the revisions, that meant every revision's snapshot, so a
topic's cost grew with its history; `estimates.last_published_at` keeps that time on the
estimate (app/services/chain.py moves it with each published revision), and an index on
(measure_id, last_published_at) answers a topic in one probe per measure.

ix_estimates_latest gains placed_precision, low and high: the timelines' monthly tally of a
topic (app/services/marks.py) then reads that index alone instead of every estimate's row.
ix_estimates_newest gains placed_precision: a topic's first and last dates
(app/services/linked_data.py) are then read from it alone.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As app.domain.review.revision_is_published: not a proposal or a verdict on one, and leaving
# a published state (a snapshot without "review" was written before review existed).
_UNPUBLISHED = "('proposed', 'rejected', 'withdrawn')"
_LATEST = ["measure_id", "source_id", "scope", "status", "review", "placed_on", "id"]
_NEWEST = ["measure_id", "status", "review", "placed_on", "id"]


def upgrade() -> None:
    # ADD COLUMN, not a batch copy: a copy on SQLite would drop the table's CHECKs' names.
    op.add_column("estimates", sa.Column("last_published_at", sa.DateTime(timezone=True),
                                         nullable=True))
    review = ("json_extract(revisions.after, '$.review')"
              if op.get_context().dialect.name == "sqlite" else "revisions.after ->> 'review'")
    op.execute(
        "UPDATE estimates SET last_published_at = (SELECT max(revisions.created_at) "
        "FROM revisions WHERE revisions.estimate_id = estimates.id "
        f"AND revisions.action NOT IN {_UNPUBLISHED} "
        f"AND coalesce({review}, 'approved') = 'approved')")
    op.create_index("ix_estimates_last_published", "estimates",
                    ["measure_id", "last_published_at"])
    op.drop_index("ix_estimates_latest", table_name="estimates")
    op.create_index("ix_estimates_latest", "estimates",
                    [*_LATEST, "placed_precision", "low", "high"])
    op.drop_index("ix_estimates_newest", table_name="estimates")
    op.create_index("ix_estimates_newest", "estimates", [*_NEWEST, "placed_precision"])


def downgrade() -> None:
    op.drop_index("ix_estimates_newest", table_name="estimates")
    op.create_index("ix_estimates_newest", "estimates", _NEWEST)
    op.drop_index("ix_estimates_latest", table_name="estimates")
    op.create_index("ix_estimates_latest", "estimates", _LATEST)
    op.drop_index("ix_estimates_last_published", table_name="estimates")
    if op.get_context().dialect.name == "sqlite":
        op.execute("ALTER TABLE estimates DROP COLUMN last_published_at")
    else:
        op.drop_column("estimates", "last_published_at")
