"""Follow-up after help, repeat requests and their schedules, fetching Twilio's final prices

Revision ID: 0012_followup
Revises: 0010_volunteer_join
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0012_followup"
down_revision: str | None = "0010_volunteer_join"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str) -> sa.Column:
    return sa.Column(name, app.models.base.UTCDateTime(timezone=True), nullable=True)


def upgrade() -> None:
    op.create_table(
        "repeat_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("interval_days", sa.Integer(), nullable=False),
        sa.Column("next_due_on", sa.Date(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        _utc("stopped_at"),
        sa.Column("stopped_by_user_id", sa.Integer(), nullable=True),
        sa.Column("last_case_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"],
                                name=op.f("fk_repeat_schedules_case_id_cases")),
        sa.ForeignKeyConstraint(["created_by_user_id"], ["staff_users.id"],
                                name=op.f("fk_repeat_schedules_created_by_user_id_staff_users")),
        sa.ForeignKeyConstraint(["stopped_by_user_id"], ["staff_users.id"],
                                name=op.f("fk_repeat_schedules_stopped_by_user_id_staff_users")),
        sa.ForeignKeyConstraint(["last_case_id"], ["cases.id"],
                                name=op.f("fk_repeat_schedules_last_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repeat_schedules")),
    )
    op.create_index("ix_repeat_schedules_active_due", "repeat_schedules",
                    ["active", "next_due_on"])
    op.create_index(op.f("ix_repeat_schedules_case_id"), "repeat_schedules", ["case_id"])
    with op.batch_alter_table("cases") as batch_op:
        batch_op.add_column(sa.Column("follow_up_state", sa.String(10), nullable=True))
        batch_op.add_column(_utc("follow_up_at"))
        batch_op.add_column(sa.Column("follow_up_answer", sa.String(10), nullable=True))
        batch_op.add_column(_utc("follow_up_answered_at"))
        batch_op.add_column(sa.Column("repeat_of_case_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("repeat_schedule_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("repeat_due_on", sa.Date(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_cases_repeat_of_case_id_cases"), "cases",
                                    ["repeat_of_case_id"], ["id"])
        batch_op.create_unique_constraint("uq_cases_repeat_schedule_due",
                                          ["repeat_schedule_id", "repeat_due_on"])
        batch_op.create_index(op.f("ix_cases_repeat_of_case_id"), ["repeat_of_case_id"])
    for table in ("messages", "calls"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("price_checks", sa.Integer(), server_default="0",
                                          nullable=False))
            batch_op.add_column(_utc("price_check_due_at"))


def downgrade() -> None:
    for table in ("calls", "messages"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("price_check_due_at")
            batch_op.drop_column("price_checks")
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_index(op.f("ix_cases_repeat_of_case_id"))
        batch_op.drop_constraint("uq_cases_repeat_schedule_due", type_="unique")
        batch_op.drop_constraint(op.f("fk_cases_repeat_of_case_id_cases"), type_="foreignkey")
        for column in ("repeat_due_on", "repeat_schedule_id", "repeat_of_case_id",
                       "follow_up_answered_at", "follow_up_answer", "follow_up_at",
                       "follow_up_state"):
            batch_op.drop_column(column)
    op.drop_index(op.f("ix_repeat_schedules_case_id"), table_name="repeat_schedules")
    op.drop_index("ix_repeat_schedules_active_due", table_name="repeat_schedules")
    op.drop_table("repeat_schedules")
