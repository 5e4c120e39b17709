"""The service's fixed vocabularies: categories, needs, urgencies, channels, statuses, roles.

They are `StrEnum`s so that they serialise as the plain strings the API, the database and the
flow files use, and compare equal to those strings.
"""

from enum import StrEnum


class Category(StrEnum):
    SHIELDING = "shielding"
    SELF_ISOLATION = "self_isolation"
    OTHER = "other"


class Need(StrEnum):
    """The needs every deployment knows; a flow file may add more, so columns store plain text."""

    FOOD = "food"
    PRESCRIPTIONS = "prescriptions"
    BEFRIENDING = "befriending"
    TRANSPORT = "transport"
    MONEY = "money"
    WELLBEING = "wellbeing"
    OTHER = "other"
    # A community group asking about money for its work: open grant pots are signposted.
    FUNDING = "funding"


class Urgency(StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"
    SAFEGUARDING = "safeguarding"


class Channel(StrEnum):
    VOICE = "voice"
    SMS = "sms"
    WEB = "web"
    STAFF = "staff"


class CaseStatus(StrEnum):
    NEW = "new"
    MATCHING = "matching"
    OFFERED = "offered"
    ASSIGNED = "assigned"
    SIGNPOSTED = "signposted"
    NEEDS_STAFF = "needs_staff"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    CLOSED = "closed"


#: Statuses in which a case is still being worked on; a second contact joins such a case.
OPEN_CASE_STATUSES = frozenset(
    {
        CaseStatus.NEW,
        CaseStatus.MATCHING,
        CaseStatus.OFFERED,
        CaseStatus.ASSIGNED,
        CaseStatus.NEEDS_STAFF,
    }
)


class CaseOutcome(StrEnum):
    """How a request ended. Staff choose the first four when closing; the service records
    `withdrawn` (the resident texted CANCEL) and `merged` (a referral folded into an open case)."""

    MATCHED = "matched"
    SIGNPOSTED = "signposted"
    HANDLED_BY_STAFF = "handled_by_staff"
    UNMET = "unmet"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"


class DbsStatus(StrEnum):
    NONE = "none"
    PENDING = "pending"
    CLEAR = "clear"
    EXPIRED = "expired"


class VolunteerKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class MessageDirection(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class MessageStatus(StrEnum):
    """Outbound states follow Twilio's; `received` is for inbound, `suppressed` for opted-out."""

    RECEIVED = "received"
    PENDING = "pending"
    ACCEPTED = "accepted"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    SUPPRESSED = "suppressed"
    UNKNOWN = "unknown"


class OfferStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    UNDELIVERED = "undelivered"
    WITHDRAWN = "withdrawn"


class ConversationStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    HANDED_OVER = "handed_over"
    EXPIRED = "expired"
    ABANDONED = "abandoned"


class Role(StrEnum):
    CALL_HANDLER = "call_handler"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
    PARTNER = "partner"
