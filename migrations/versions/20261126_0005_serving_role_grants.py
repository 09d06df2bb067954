"""grants for the role the app serves as (PostgreSQL)

The serving role (the user of RECKON_DATABASE_URL, when it is not the role that migrates) may
read and write the data tables, only read and add to the history tables (revisions,
catalog_revisions), only read alembic_version, and create nothing. `reckon db upgrade` hands
the role to Alembic (`config.attributes["serving_role"]`; with plain Alembic
`-x serving_role=NAME`); migrations/env.py applies the same grants again after every upgrade,
so tables created by later migrations are covered too. On SQLite, without a serving role or
in offline (--sql) mode this does nothing.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 03:00:00
"""

from collections.abc import Sequence

from alembic import context, op

from app.db import grant_serving_role, revoke_serving_role

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _serving_role() -> str | None:
    if context.is_offline_mode():
        return None
    role = context.config.attributes.get("serving_role")
    return str(role) if role else None


def upgrade() -> None:
    role = _serving_role()
    if role:
        grant_serving_role(op.get_bind(), role)


def downgrade() -> None:
    role = _serving_role()
    if role:
        revoke_serving_role(op.get_bind(), role)
