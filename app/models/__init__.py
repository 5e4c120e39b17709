"""SQLAlchemy models, one module per aggregate. Importing this package registers every table."""

from app.models.base import Base, utcnow
from app.models.case import Case, CaseEvent
from app.models.conversation import Conversation, ProcessedWebhook
from app.models.directory import (
    DirectoryLocation,
    DirectoryOrganisation,
    DirectoryService,
    DirectoryServiceLocation,
)
from app.models.grant import FundingPot, GrantApplication, GrantCheck, GrantPayment
from app.models.message import Call, Message, MessageStatusEvent
from app.models.neighbourhood import Neighbourhood, NeighbourhoodPostcode
from app.models.resident import Resident
from app.models.staff import AccessLogEntry, ApiToken, LoginThrottle, StaffUser
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
    "LoginThrottle",
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
