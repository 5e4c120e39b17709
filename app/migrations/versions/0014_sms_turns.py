"""The SMS turn counter a plain menu answer checks before it writes, on PostgreSQL

Revision ID: 0014_sms_turns
Revises: 0013_volunteer_distance_index
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_sms_turns"
down_revision: str | None = "0013_volunteer_distance_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sms_turns",
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("turn", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", name=op.f("pk_sms_turns")),
    )


def downgrade() -> None:
    op.drop_table("sms_turns")
