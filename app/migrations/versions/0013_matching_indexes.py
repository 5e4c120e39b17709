"""An index for a volunteer's open assignments (matching counts them for every candidate)

Revision ID: 0013_matching_indexes
Revises: 0012_followup
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_matching_indexes"
down_revision: str | None = "0012_followup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_cases_assigned_volunteer_status", "cases",
                    ["assigned_volunteer_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_cases_assigned_volunteer_status", table_name="cases")
