"""Directory: needs with reasons and staff corrections, live feeds and their health

Revision ID: 0006_directory_feeds
Revises: 0005_neighbourhoods
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0006_directory_feeds"
down_revision: str | None = "0005_neighbourhoods"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str) -> sa.Column:
    return sa.Column(name, app.models.base.UTCDateTime(timezone=True),
                     server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "directory_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("last_attempt_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("services_seen", sa.Integer(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_feeds")),
        sa.UniqueConstraint("url", name=op.f("uq_directory_feeds_url")),
    )
    with op.batch_alter_table("directory_services") as batch:
        batch.add_column(sa.Column("needs_reasons", sa.JSON(), nullable=False,
                                   server_default=sa.text("'{}'")))
        batch.add_column(sa.Column("needs_set_by_staff", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("feed_url", sa.Text(), nullable=True))
        batch.add_column(sa.Column("last_seen_at", app.models.base.UTCDateTime(timezone=True),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("directory_services") as batch:
        batch.drop_column("last_seen_at")
        batch.drop_column("feed_url")
        batch.drop_column("needs_set_by_staff")
        batch.drop_column("needs_reasons")
    op.drop_table("directory_feeds")
