"""access: token scope and expiry, the sign-in back-off counter, merged referrals

Revision ID: 0003_access
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0003_access"
down_revision: str | None = "0002_safety"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        # Tokens made before scopes existed could do everything: they keep "write".
        batch_op.add_column(sa.Column("scope", sa.String(length=10), nullable=False,
                                      server_default="write"))
        batch_op.add_column(sa.Column("expires_at", app.models.base.UTCDateTime(timezone=True),
                                      nullable=True))
    op.create_table(
        "login_throttles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("ip_address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttles")),
    )
    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.create_index("ux_login_throttles_email_ip", ["email", "ip_address"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.drop_index("ux_login_throttles_email_ip")
    op.drop_table("login_throttles")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
        batch_op.drop_column("scope")
