"""Volunteers: the date an away volunteer is back (AWAY by SMS pauses offers until then)

Revision ID: 0009_week
Revises: 0007_privacy
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0009_week"
down_revision: str | None = "0008_mfa"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("volunteers") as batch_op:
        batch_op.add_column(sa.Column("away_until", app.models.base.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("volunteers") as batch_op:
        batch_op.drop_column("away_until")
