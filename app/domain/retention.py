"""How long each kind of record is kept: the storage-limitation rules, as data.

One entry per kind of record. The same table drives the configuration (`RETENTION_<KIND>_DAYS`),
the daily retention job, `here2help retention`, and the record of processing in
docs/record-of-processing.md, so none of them can drift from the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class RetentionKind(StrEnum):
    CLOSED_CASES = "closed_cases"
    CLOSED_CASE_MESSAGES = "closed_case_messages"
    RECORDINGS = "recordings"
    PROCESSED_WEBHOOKS = "processed_webhooks"
    FALLBACK_REPLAYED = "fallback_replayed"
    ACCESS_LOG = "access_log"
    ABANDONED_CONVERSATIONS = "abandoned_conversations"

    @property
    def env_var(self) -> str:
        return f"RETENTION_{self.value.upper()}_DAYS"


@dataclass(frozen=True)
class RetentionRule:
    kind: RetentionKind
    default_days: int
    what: str  # the records concerned
    action: str  # what happens when the period is over
    why: str  # the purpose they are held for
    who: str  # who can see them meanwhile


RULES: tuple[RetentionRule, ...] = (
    RetentionRule(
        RetentionKind.CLOSED_CASES, 730,
        "Closed and completed cases: name, phone, address, postcode, location, the resident's "
        "description, outcome notes, timeline notes, call and conversation details",
        "anonymised: category, need, district, neighbourhood, urgency, dates and outcome kept "
        "for the council's reports; a resident with no other case keeps only an anonymous id",
        "to arrange help and to answer follow-up questions about it",
        "coordinators and call handlers; partners for the cases they referred"),
    RetentionRule(
        RetentionKind.CLOSED_CASE_MESSAGES, 365,
        "Text of SMS messages (both ways) about a closed case",
        "message text blanked (the count and cost of messages are kept)",
        "to follow a request's conversation",
        "coordinators and call handlers"),
    RetentionRule(
        RetentionKind.RECORDINGS, 90,
        "Voicemail recordings (held by Twilio; the service keeps only their address)",
        "deleted at Twilio and the address removed",
        "so staff can listen to what a caller said",
        "coordinators and call handlers"),
    RetentionRule(
        RetentionKind.PROCESSED_WEBHOOKS, 7,
        "Answers to Twilio requests already handled (their keys can hold spoken words)",
        "deleted",
        "to answer a request Twilio repeats exactly once",
        "nobody (system records)"),
    RetentionRule(
        RetentionKind.FALLBACK_REPLAYED, 30,
        "Requests captured while the database was down, after they were loaded (replayed/)",
        "files deleted",
        "to check a replay against what Twilio sent",
        "operators with access to the server"),
    RetentionRule(
        RetentionKind.ACCESS_LOG, 730,
        "Access log: who opened, exported or erased what, and from which address",
        "deleted",
        "accountability for access to personal data",
        "admins"),
    RetentionRule(
        RetentionKind.ABANDONED_CONVERSATIONS, 30,
        "Phone and SMS conversations that never became a case (answers given so far)",
        "deleted",
        "to resume a conversation that was interrupted",
        "nobody (system records)"),
)

DEFAULT_DAYS: dict[RetentionKind, int] = {rule.kind: rule.default_days for rule in RULES}


@dataclass(frozen=True)
class RetentionPolicy:
    """The period of every kind of record, in days (from configuration)."""

    days: Mapping[RetentionKind, int]

    @classmethod
    def defaults(cls) -> RetentionPolicy:
        return cls(dict(DEFAULT_DAYS))

    def period(self, kind: RetentionKind) -> timedelta:
        return timedelta(days=self.days.get(kind, DEFAULT_DAYS[kind]))

    def cutoff(self, kind: RetentionKind, now: datetime) -> datetime:
        """Records of this kind older than this moment (by their own date) are due."""
        return now - self.period(kind)


def describe_period(days: int) -> str:
    """A period as people say it: "24 months" for 730 days, "90 days" otherwise."""
    if days >= 365 and days % 365 == 0:
        return f"{days // 365 * 12} months"
    return f"{days} day" if days == 1 else f"{days} days"


RECORD_HEADER = """# Record of processing (UK GDPR Article 30)

Generated from the retention rules in `app/domain/retention.py` with their default periods; a
test keeps this file equal to them. An operator who changes a `RETENTION_<KIND>_DAYS` setting
records the new period here (regenerate with
`python -c "from app.domain.retention import *; print(render_record(RetentionPolicy.defaults()))"`
after changing a default).

- **Controller**: the council or voluntary organisation that runs the help line (name and
  contact details, and its Data Protection Officer, are added by the operator).
- **Purposes**: arranging practical help for residents who ask for it by phone or SMS, matching
  them with vetted volunteers and services, safeguarding, and anonymous statistics for the
  council.
- **Lawful basis** (for the controller to confirm): public task (UK GDPR Art. 6(1)(e)); for
  health and safeguarding details, substantial public interest (Art. 9(2)(g), DPA 2018
  Sch. 1 paras 16 and 18).
- **Data subjects**: residents who contact the line or are referred, volunteers, staff and
  partner organisations' staff, contacts of groups applying for community grants.
- **Categories of data**: contact details (name, phone, address, postcode), the help needed and
  the resident's own words (may include health: special category), safeguarding notes, SMS
  text, call records and voicemail recordings, volunteer DBS status, staff sign-in records.
- **Recipients**: staff by role (the README's "Who may do what"); the assigned volunteer (only
  what the errand needs); Twilio as processor for calls, SMS and recordings (transfers to the
  USA under the UK International Data Transfer Addendum).
- **Security**: role-based access, an access log of every view of personal data, argon2id
  passwords, private files (0600) for the fallback journal, secure cookies (HTTPS) in
  production.
- **Rights**: subject access (`here2help sar`, console "Data protection") and erasure
  (`here2help erase`, the same page), refused while a safeguarding case is open.

## How long each kind of record is kept

| Records | Kept for | Then | Why they are held | Who sees them | Setting |
|---|---|---|---|---|---|
"""


def render_record(policy: RetentionPolicy) -> str:
    """The record of processing as Markdown, its retention table from `policy`."""
    rows = [f"| {rule.what} | {describe_period(policy.period(rule.kind).days)} | {rule.action} "
            f"| {rule.why} | {rule.who} | `{rule.kind.env_var}` |" for rule in RULES]
    return RECORD_HEADER + "\n".join(rows) + "\n"
