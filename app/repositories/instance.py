"""The database's own id (app.models.instance)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import start_writing
from app.models.instance import ServiceInstance


def instance_id(session: Session) -> str:
    """The id the migration made; made now for a database built without migrations."""
    found = session.scalar(select(ServiceInstance.instance_id).order_by(ServiceInstance.id))
    if found:
        return found
    start_writing(session)
    found = session.scalar(select(ServiceInstance.instance_id).order_by(ServiceInstance.id))
    if not found:
        found = uuid.uuid4().hex[:12]
        session.add(ServiceInstance(instance_id=found))
    session.commit()
    return found
