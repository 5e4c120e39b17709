"""SQLAlchemy models, one module per aggregate. Importing this package registers every table."""

from app.models import storable  # noqa: F401 (registers the storable-strings guard)
from app.models.base import Base, utcnow
from app.models.case import Case, CaseEvent, ConsentRecord, SafeguardingAlert
from app.models.conversation import Conversation, ProcessedWebhook, SmsTurn
from app.models.directory import (
    DirectoryFeed,
    DirectoryLocation,
    DirectoryOrganisation,
    DirectoryService,
    DirectoryServiceLocation,
)
from app.models.grant import FundingPot, GrantApplication, GrantCheck, GrantPayment
from app.models.instance import ServiceInstance
from app.models.message import Call, Message, MessageStatusEvent
from app.models.neighbourhood import Neighbourhood, NeighbourhoodPostcode
from app.models.repeat import RepeatSchedule
from app.models.resident import Resident
from app.models.staff import AccessLogEntry, ApiToken, DutyWindow, LoginThrottle, StaffUser
from app.models.volunteer import Offer, Volunteer, VolunteerAbsence

__all__ = [
    "AccessLogEntry",
    "ApiToken",
    "Base",
    "Call",
    "Case",
    "CaseEvent",
    "ConsentRecord",
    "Conversation",
    "DirectoryFeed",
    "DirectoryLocation",
    "DirectoryOrganisation",
    "DirectoryService",
    "DirectoryServiceLocation",
    "LoginThrottle",
    "DutyWindow",
    "Message",
    "MessageStatusEvent",
    "Offer",
    "ProcessedWebhook",
    "SmsTurn",
    "RepeatSchedule",
    "Resident",
    "SafeguardingAlert",
    "ServiceInstance",
    "StaffUser",
    "Volunteer",
    "VolunteerAbsence",
    "FundingPot",
    "GrantApplication",
    "GrantCheck",
    "GrantPayment",
    "Neighbourhood",
    "NeighbourhoodPostcode",
    "utcnow",
]
