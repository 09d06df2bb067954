"""named API tokens with an expiry, throttles per account and client, password change date

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("password_changed_at", sa.DateTime(timezone=True),
                                   nullable=True))
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("name", sa.String(length=100), server_default="",
                                   nullable=False))
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index(batch.f("ix_api_tokens_expires_at"), ["expires_at"], unique=False)
    op.execute("UPDATE api_tokens SET name = 'token ' || id WHERE name = ''")
    with op.batch_alter_table("login_sessions") as batch:
        batch.create_index(batch.f("ix_login_sessions_last_seen_at"), ["last_seen_at"],
                           unique=False)
    # The old rows were keyed by the e-mail in clear and by client alone; they only ever
    # held an hour of failures, so they are dropped rather than translated.
    op.execute("DELETE FROM login_throttles")
    with op.batch_alter_table("login_throttles") as batch:
        batch.add_column(sa.Column("account", sa.String(length=64), nullable=True))
        batch.create_index(batch.f("ix_login_throttles_account"), ["account"], unique=False)
        batch.create_index(batch.f("ix_login_throttles_last_failure_at"), ["last_failure_at"],
                           unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM login_throttles")
    with op.batch_alter_table("login_throttles") as batch:
        batch.drop_index(batch.f("ix_login_throttles_last_failure_at"))
        batch.drop_index(batch.f("ix_login_throttles_account"))
        batch.drop_column("account")
    with op.batch_alter_table("login_sessions") as batch:
        batch.drop_index(batch.f("ix_login_sessions_last_seen_at"))
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_index(batch.f("ix_api_tokens_expires_at"))
        batch.drop_column("expires_at")
        batch.drop_column("name")
    # Not in batch mode: on SQLite that would rebuild `users`, which other tables reference.
    # A plain column, unindexed: both databases drop it in place.
    op.execute("ALTER TABLE users DROP COLUMN password_changed_at")
