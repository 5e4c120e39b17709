"""SQLAlchemy models, one module per aggregate. Importing this package registers every table."""

from app.models import storable  # noqa: F401 (registers the storable-strings guard)
from app.models.base import Base, utcnow
from app.models.case import Case, CaseEvent
from app.models.conversation import Conversation, ProcessedWebhook
from app.models.directory import (
    DirectoryLocation,
    DirectoryOrganisation,
    DirectoryService,
    DirectoryServiceLocation,
)
from app.models.instance import ServiceInstance
from app.models.message import Call, Message, MessageStatusEvent
from app.models.resident import Resident
from app.models.staff import AccessLogEntry, ApiToken, StaffUser
from app.models.volunteer import Offer, Volunteer

__all__ = [
    "AccessLogEntry",
    "ApiToken",
    "Base",
    "Call",
    "Case",
    "CaseEvent",
    "Conversation",
    "DirectoryLocation",
    "DirectoryOrganisation",
    "DirectoryService",
    "DirectoryServiceLocation",
    "Message",
    "MessageStatusEvent",
    "Offer",
    "ProcessedWebhook",
    "Resident",
    "ServiceInstance",
    "StaffUser",
    "Volunteer",
    "utcnow",
]
