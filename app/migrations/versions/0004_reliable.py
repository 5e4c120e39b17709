"""service_instance: the database's own id, which every rq job id starts with

Revision ID: 0004_reliable
Revises: 0001
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0004_reliable"
down_revision: str | None = "0003_access"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "service_instance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_instance")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_service_instance_instance_id")),
    )
    # Made here, once per database: a copy restored elsewhere keeps it, a new database gets
    # its own.
    op.bulk_insert(table, [{"instance_id": uuid.uuid4().hex[:12],
                            "created_at": app.models.base.utcnow()}])


def downgrade() -> None:
    op.drop_table("service_instance")
