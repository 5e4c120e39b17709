"""The database's own identity: a random id made when its schema is created.

rq job ids are derived from row ids ("match-case-12"), and Redis outlives databases: after a
reset, or with a second database on the same Redis, the old database's job for case 12 would
make the new one's look "already queued". Every job id therefore starts with this id
(app.adapters.rq_queue), so two databases can never share one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class ServiceInstance(Base):
    __tablename__ = "service_instance"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
