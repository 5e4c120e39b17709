"""Volunteers' location indexed with their travel distance (matching reads each distance band
from its own box)

Revision ID: 0013_volunteer_distance_index
Revises: 0012_followup
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_volunteer_distance_index"
down_revision: str | None = "0012_followup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_volunteers_latitude_longitude_distance", "volunteers",
                    ["latitude", "longitude", "max_distance_km"])
    op.drop_index("ix_volunteers_latitude_longitude", table_name="volunteers")


def downgrade() -> None:
    op.create_index("ix_volunteers_latitude_longitude", "volunteers", ["latitude", "longitude"])
    op.drop_index("ix_volunteers_latitude_longitude_distance", table_name="volunteers")
