"""Signing up by SMS: `JOIN Gwen Roberts`, then one question per text until a coordinator
has what approval needs.

The questions, in order, each skipped when already answered: name (only when JOIN came
without one), postcode (checked against the postcode directory, as the register does),
the needs they can help with (a numbered list; several allowed), and their usual hours
(weekday daytimes / evenings / weekends, or ANY). The answers go straight onto the pending
volunteer record, so the volunteer page shows them to the coordinator who calls before
approving. A bad answer is asked again with a hint; nothing is lost (every text is in the
message log).

`Volunteer.join_step` is the question waiting for an answer. The conversation ends when the
last answer is in, on STOP (app.services.conversations.sms clears the step), or when the
person has not answered for ANSWER_WINDOW: after that their texts go to the resident
conversation again (a volunteer may need help too), and a new JOIN picks up where they left.

Texts: short, GSM-7 only, one question each. Flushes only; the webhook commits.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.enums import ApprovalStatus, DbsStatus
from app.domain.phone import parse_phone
from app.domain.volunteer_signup import (
    AVAILABILITY_CHOICES,
    NEED_CHOICES,
    describe_availability,
    parse_availability,
    parse_needs,
)
from app.models.volunteer import Volunteer
from app.services.geo.neighbourhoods import neighbourhood_code_for
from app.services.volunteers.admin import add_note
from app.services.volunteers.register import VolunteerInvalid, validate

log = logging.getLogger(__name__)
#: A sign-up left unanswered this long is over; JOIN again resumes it.
ANSWER_WINDOW = timedelta(hours=24)
STEPS = ("name", "postcode", "needs", "availability")
SOURCE = "sms_join"
_NEEDS_LIST = " ".join(f"{i} {words}" for i, (_, words) in enumerate(NEED_CHOICES, start=1))
_HOURS_LIST = " ".join(f"{i} {words}" for i, (_, words, _, _) in
                       enumerate(AVAILABILITY_CHOICES, start=1))
QUESTIONS = {
    "name": "What is your name?",
    "postcode": "What is your postcode? e.g. WR1 2NN",
    "needs": f"What can you help with? Reply with numbers, e.g. 1 4: {_NEEDS_LIST}",
    "availability": f"When can you usually help? Reply with numbers, e.g. 1 3, or ANY: "
                    f"{_HOURS_LIST}",
}
HINTS = {
    "name": "Sorry, please reply with just your name, e.g. Gwen Roberts.",
    "postcode": "Sorry, we could not find that postcode. Please reply with your full "
                "postcode, e.g. WR1 2NN.",
    "needs": "Sorry, please reply with one or more numbers from the list, e.g. 1 4.",
    "availability": "Sorry, please reply with one or more numbers, e.g. 1 3, or ANY.",
}


def in_sign_up(volunteer: Volunteer, now: datetime) -> bool:
    """Whether this volunteer's next text answers a sign-up question; ends a stale one."""
    if volunteer.join_step is None:
        return False
    if volunteer.opted_out or volunteer.join_step_at is None \
            or now - volunteer.join_step_at > ANSWER_WINDOW:
        volunteer.join_step = volunteer.join_step_at = None
        return False
    return True


def start(session: Session, phone: str, name: str, now: datetime) -> str | None:
    """JOIN from an unknown number: a pending volunteer, and the first question.
    None when the same number joined at the same moment (the caller answers as for a
    volunteer already registered)."""
    number = parse_phone(phone)
    volunteer = Volunteer(
        name=_clean_name(name) or "SMS sign-up", phone=number.e164 or phone,
        # Pending approval is the gate: once approved they are offered work without a
        # separate "resume" (the approval SMS tells them so).
        phone_valid=number.valid, needs=[], approval_status=ApprovalStatus.PENDING,
        active=True, source=SOURCE, dbs_status=DbsStatus.NONE,
        created_at=now, updated_at=now,
    )
    add_note(volunteer, "texted JOIN; call to complete sign-up.", now)
    try:
        with session.begin_nested():
            session.add(volunteer)
            session.flush()
    except IntegrityError:
        return None
    step = _next_step(volunteer, ask_name=not _clean_name(name)) or "postcode"
    _ask(volunteer, step, now)
    log.info("volunteer %d signed up by SMS (pending approval)", volunteer.id)
    first = f", {volunteer.name.split()[0]}" if step != "name" else ""
    return (f"Thank you for offering to help{first}! {_count(step)} quick questions "
            f"(reply STOP to stop). {QUESTIONS[step]}")


def again(volunteer: Volunteer, now: datetime) -> str:
    """JOIN from a number already registered: resume an unfinished sign-up, else say where
    they stand (never a second record)."""
    if volunteer.approval_status == ApprovalStatus.PENDING and volunteer.source == SOURCE \
            and not volunteer.opted_out:
        step = volunteer.join_step or _next_step(volunteer)
        if step is not None:
            _ask(volunteer, step, now)
            return f"Welcome back! To finish signing up: {QUESTIONS[step]}"
    if volunteer.approval_status == ApprovalStatus.PENDING:
        return ("Thank you! You have already signed up. A coordinator will call you before "
                "you are approved.")
    if volunteer.approval_status == ApprovalStatus.APPROVED:
        return ("Thank you! This number is already on our volunteer list. Reply MYJOBS for "
                "your requests, or AWAY 7 to pause them.")
    return ("Thank you! This number is already known to us. Please call us to talk about "
            "volunteering.")


def answer(session: Session, volunteer: Volunteer, text: str, now: datetime) -> str:
    """Record the answer to the waiting question and ask the next (or say what happens now)."""
    step = volunteer.join_step or "postcode"
    try:
        _record(session, volunteer, step, text or "")
    except ValueError:
        _ask(volunteer, step, now)
        return f"{HINTS[step]} {QUESTIONS[step]}" if step in ("needs", "availability") \
            else HINTS[step]
    volunteer.updated_at = now
    following = _next_step(volunteer, after=step)
    if following is not None:
        _ask(volunteer, following, now)
        return QUESTIONS[following]
    volunteer.join_step = volunteer.join_step_at = None
    add_note(volunteer, "answered the sign-up questions by SMS; call them before approving.", now)
    log.info("volunteer %d finished signing up by SMS", volunteer.id)
    return (f"Thank you, {volunteer.name.split()[0]}! That is all we need for now. A "
            "coordinator will call you before you are approved (most tasks need a DBS check).")


def _record(session: Session, volunteer: Volunteer, step: str, text: str) -> None:
    """Store one answer on the record, or ValueError when it cannot be understood."""
    if step == "name":
        name = _clean_name(text)
        if not name or any(ch.isdigit() for ch in name):
            raise ValueError(step)
        volunteer.name = name
    elif step == "postcode":
        try:
            clean = validate({"postcode": text.strip()}, partial=True)
        except VolunteerInvalid:
            raise ValueError(step) from None
        for key, value in clean.items():
            setattr(volunteer, key, value)
        volunteer.neighbourhood_code = neighbourhood_code_for(session, volunteer.postcode)
    elif step == "needs":
        needs = parse_needs(text)
        if not needs:
            raise ValueError(step)
        volunteer.needs = needs
    else:
        hours = parse_availability(text)
        if hours is None:
            raise ValueError(step)
        volunteer.availability = hours
        log.info("volunteer %d hours: %s", volunteer.id, describe_availability(hours))


def _next_step(volunteer: Volunteer, *, ask_name: bool = False,
               after: str | None = None) -> str | None:
    """The first question after `after` still to ask. Hours have no "missing" value (none
    given means any time), so they are asked only on the way through, never on resuming."""
    start_at = STEPS.index(after) + 1 if after else 0
    for step in STEPS[start_at:]:
        missing = {"name": ask_name, "postcode": not volunteer.postcode,
                   "needs": not volunteer.needs, "availability": after is not None}[step]
        if missing:
            return step
    return None


def _ask(volunteer: Volunteer, step: str, now: datetime) -> None:
    volunteer.join_step, volunteer.join_step_at = step, now


def _count(step: str) -> int:
    return len(STEPS) - STEPS.index(step)


def _clean_name(text: str) -> str:
    name = " ".join((text or "").replace("\x00", "").split()).strip(" .,!")
    return name[:100] if len(name) <= 100 and all(ch.isprintable() for ch in name) else ""
