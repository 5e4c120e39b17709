"""SQLAlchemy models, one module per aggregate. Importing this package registers every table."""

from app.models.base import Base, utcnow
from app.models.case import Case, CaseEvent
from app.models.conversation import Conversation, ProcessedWebhook
from app.models.directory import (
    DirectoryFeed,
    DirectoryLocation,
    DirectoryOrganisation,
    DirectoryService,
    DirectoryServiceLocation,
)
from app.models.grant import FundingPot, GrantApplication, GrantCheck, GrantPayment
from app.models.message import Call, Message, MessageStatusEvent
from app.models.neighbourhood import Neighbourhood, NeighbourhoodPostcode
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
    "DirectoryFeed",
    "DirectoryLocation",
    "DirectoryOrganisation",
    "DirectoryService",
    "DirectoryServiceLocation",
    "Message",
    "MessageStatusEvent",
    "Offer",
    "ProcessedWebhook",
    "Resident",
    "StaffUser",
    "Volunteer",
    "FundingPot",
    "GrantApplication",
    "GrantCheck",
    "GrantPayment",
    "Neighbourhood",
    "NeighbourhoodPostcode",
    "utcnow",
]
