"""Staff MFA: the TOTP secret, when it was confirmed, the last code step used, recovery codes

Revision ID: 0008_mfa
Revises: 0007_privacy
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0008_mfa"
down_revision: str | None = "0007_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch_op:
        batch_op.add_column(sa.Column("mfa_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("mfa_enrolled_at",
                                      app.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("mfa_last_step", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("mfa_recovery_hashes", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_users") as batch_op:
        batch_op.drop_column("mfa_recovery_hashes")
        batch_op.drop_column("mfa_last_step")
        batch_op.drop_column("mfa_enrolled_at")
        batch_op.drop_column("mfa_secret")
