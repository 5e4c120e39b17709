"""A person planted in every table that can hold personal data, each row marked "M-<table>".

`PLANTERS` has one entry per table of `COVERAGE`: a table added there without a planter here
fails the coverage test, so subject access and erasure are proven for every table.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.models.case import CaseEvent, ConsentRecord, SafeguardingAlert
from app.models.conversation import Conversation, ProcessedWebhook
from app.models.grant import FundingPot, GrantApplication, GrantCheck
from app.models.message import Call, Message, MessageStatusEvent
from app.models.resident import Resident
from app.models.staff import AccessLogEntry, ApiToken, DutyWindow, LoginThrottle
from app.models.volunteer import Offer, VolunteerAbsence
from app.services.fallback.journal import REPLAYED_DIR, make_entry, write_entry
from tests.factories import drama_mobile, make_case, make_staff_user, make_volunteer

PHONE = drama_mobile(123)
BYSTANDER = drama_mobile(456)
CALL_SID = "CA" + "a1" * 16
MESSAGE_SID = "SM" + "b2" * 16


def marker(table: str) -> str:
    return f"M-{table}"


def _case(s: Session, w: dict[str, Any]) -> Any:
    w["case"] = make_case(s, phone=PHONE, resident_id=w["resident"].id, name="Ada Subject",
                          details=marker("cases"), status="closed",
                          closed_at=datetime(2026, 5, 1, tzinfo=UTC))
    return w["case"]


def _staff(s: Session, w: dict[str, Any]) -> Any:
    w["staff"] = make_staff_user(s, "coordinator", phone=PHONE, name=marker("staff_users"))
    return w["staff"]


def _application(s: Session, w: dict[str, Any]) -> Any:
    pot = FundingPot(name="Pot M", budget_pence=100, min_award_pence=1, max_award_pence=100,
                     opens_on=date(2026, 1, 1), closes_on=date(2026, 12, 31))
    s.add(pot)
    s.flush()
    w["application"] = GrantApplication(
        reference="G-PLNT", pot_id=pot.id, organisation_name="Club", organisation_type="group",
        contact_name=marker("grant_applications"), contact_phone=PHONE, purpose="x",
        amount_requested_pence=10)
    return w["application"]


PLANTERS: dict[str, Callable[[Session, dict[str, Any]], Any]] = {
    "residents": lambda s, w: w.setdefault("resident", Resident(phone=PHONE,
                                                                name=marker("residents"))),
    "cases": _case,
    "case_events": lambda s, w: CaseEvent(case_id=w["case"].id, kind="note",
                                          summary=marker("case_events")),
    "consent_records": lambda s, w: ConsentRecord(
        case_id=w["case"].id, answer=True, channel="sms", note=marker("consent_records"),
        recorded_at=datetime(2026, 5, 1, tzinfo=UTC)),
    "safeguarding_alerts": lambda s, w: SafeguardingAlert(
        case_id=w["case"].id, source="words", detail={"phrases": [marker("safeguarding_alerts")]},
        alerted=[PHONE], raised_at=datetime(2026, 5, 1, tzinfo=UTC)),
    "duty_windows": lambda s, w: w.setdefault("duty_window", DutyWindow(
        staff_user_id=w["staff"].id, weekday=3, starts="07:13", ends="19:47")),
    "messages": lambda s, w: Message(direction="inbound", from_phone=PHONE, case_id=w["case"].id,
                                     body=marker("messages"), twilio_sid=MESSAGE_SID),
    "message_status_events": lambda s, w: MessageStatusEvent(
        message_sid=MESSAGE_SID, status="delivered",
        raw={"To": PHONE, "Note": marker("message_status_events")}),
    "calls": lambda s, w: Call(call_sid=CALL_SID, from_phone=PHONE, case_id=w["case"].id,
                               recording_sid="RE" + "c3" * 16,
                               recording_url="https://elsewhere.example/Recordings/"
                               + marker("calls")),
    "conversations": lambda s, w: Conversation(
        channel="voice", phone=PHONE, call_sid=CALL_SID, flow_id="f", node="n",
        case_id=w["case"].id, state={"said": marker("conversations")}),
    "processed_webhooks": lambda s, w: ProcessedWebhook(
        kind="voice", key=f"{CALL_SID}:s:{marker('processed_webhooks')}"),
    "volunteers": lambda s, w: w.setdefault("volunteer", make_volunteer(
        s, phone=PHONE, name=marker("volunteers"))),
    "offers": lambda s, w: Offer(case_id=w["case"].id, volunteer_id=w["volunteer"].id,
                                 attempt=1, explanation={"why": marker("offers")}),
    "volunteer_absences": lambda s, w: VolunteerAbsence(
        volunteer_id=w["volunteer"].id, starts_on=date(2026, 12, 14), ends_on=date(2026, 12, 28),
        note=marker("volunteer_absences"), created_at=datetime(2026, 12, 1, tzinfo=UTC)),
    "staff_users": _staff,
    "api_tokens": lambda s, w: ApiToken(user_id=w["staff"].id, token_hash="f" * 64,
                                        prefix="h2h_x", name=marker("api_tokens")),
    "login_throttles": lambda s, w: LoginThrottle(email=w["staff"].email,
                                                  ip_address=marker("login_throttles")),
    "access_log": lambda s, w: AccessLogEntry(action="view_case", case_id=w["case"].id,
                                              detail={"note": marker("access_log")}),
    "grant_applications": _application,
    "grant_checks": lambda s, w: GrantCheck(application_id=w["application"].id, item="bank",
                                            checked_by_user_id=w["staff"].id,
                                            note=marker("grant_checks")),
}


#: Tables with no free text: the export is checked for the planted row's own values instead.
PLANTED_VALUES: dict[str, tuple[str, ...]] = {"duty_windows": ("07:13", "19:47")}

#: Rows others point at are planted first.
FIRST = ["residents", "cases", "volunteers", "staff_users", "grant_applications"]


def plant(session: Session, order: list[str]) -> dict[str, Any]:
    """One row per table (in the coverage order), plus a bystander who must be left alone."""
    world: dict[str, Any] = {}
    for table in FIRST + [t for t in order if t not in FIRST]:
        row = PLANTERS[table](session, world)
        session.add(row)
        session.flush()
    world["bystander"] = make_case(session, phone=BYSTANDER, name="Bystander", status="new")
    session.add(Message(direction="inbound", from_phone=BYSTANDER, body="bystander text",
                        case_id=world["bystander"].id))
    session.flush()
    return world


def journal_mentioning(journal_dir: Path, phone: str, sid: str) -> Path:
    entry = make_entry(url="https://h2h.example/twilio/fallback",
                       form=[("MessageSid", sid), ("From", phone), ("Body", "journal text")],
                       headers={}, received_at=datetime(2026, 5, 1, tzinfo=UTC))
    path = write_entry(journal_dir, entry)
    (journal_dir / REPLAYED_DIR).mkdir(exist_ok=True)
    return path
