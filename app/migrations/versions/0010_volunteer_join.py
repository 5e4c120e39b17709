"""Volunteers: the JOIN-by-SMS conversation's step, dated absences; cases: the check-in sent
to a volunteer whose assignment has gone quiet

Revision ID: 0010_volunteer_join
Revises: 0009_week
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0010_volunteer_join"
down_revision: str | None = "0009_week"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("volunteers") as batch_op:
        batch_op.add_column(sa.Column("join_step", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("join_step_at",
                                      app.models.base.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("cases") as batch_op:
        batch_op.add_column(sa.Column("checkin_sent_at",
                                      app.models.base.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "volunteer_absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteers.id"],
                                name=op.f("fk_volunteer_absences_volunteer_id_volunteers")),
        sa.ForeignKeyConstraint(["created_by_user_id"], ["staff_users.id"],
                                name=op.f("fk_volunteer_absences_created_by_user_id_staff_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_absences")),
    )
    op.create_index("ix_volunteer_absences_volunteer_ends", "volunteer_absences",
                    ["volunteer_id", "ends_on"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_volunteer_absences_volunteer_ends", table_name="volunteer_absences")
    op.drop_table("volunteer_absences")
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_column("checkin_sent_at")
    with op.batch_alter_table("volunteers") as batch_op:
        batch_op.drop_column("join_step_at")
        batch_op.drop_column("join_step")
