"""Repeat requests: a completed request made again, by staff (once, or weekly or fortnightly
on a schedule) or by the resident (AGAIN in reply to the follow-up SMS).

A repeat is a new case with the same need, details, name, number and address, linked to the
first case of the chain (`repeat_of_case_id`). The resident's earlier yes to sharing carries
over (it is noted on the new case's timeline). Its match job offers it FIRST to the volunteer
who helped last time, when every matching rule still lets them take it
(matching.repeat_first); if they cannot, or say NO, or do not answer, normal matching goes on
from there (they count as asked). Nothing is ranked here: the caller enqueues the new case's
match job after its commit.

Not repeated: a safeguarding request (staff decide), an anonymised one, and any request while
the resident has an open case (the open case is theirs to finish first; a scheduled date that
falls then is skipped, with a line on the timeline).

Scheduled repeats: `make_due_repeats(session, now, ...)` opens one case per schedule whose
`next_due_on` (UK date) has come and moves the date on, under a compare-and-set on the date
and a unique (schedule, due date) on cases, so two workers running it at once make one case.
Functions flush; the caller commits, then enqueues the cases to match.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.enums import CaseStatus, Channel, Urgency
from app.domain.matching import UK
from app.models.case import Case
from app.models.repeat import RepeatSchedule
from app.repositories.cases import find_open_case_for_phone
from app.services.cases.intake import insert_new_case
from app.services.cases.timeline import add_case_event
from app.services.matching.repeat_first import last_helper

log = logging.getLogger(__name__)

#: Staff's choices on the case page: how often a schedule repeats the request.
INTERVALS: dict[str, int] = {"weekly": 7, "fortnightly": 14}
INTERVAL_WORDS = {7: "weekly", 14: "fortnightly"}
#: Schedules handled per run (the rest wait for the next run, a few minutes later).
BATCH = 200
_COPIED = ("category", "need", "details", "language", "resident_id", "name", "phone", "address",
           "postcode", "district", "district_code", "neighbourhood_code", "latitude",
           "longitude", "consent_to_share", "is_demo")


class RepeatError(ValueError):
    """The request cannot be repeated now; the message is for the person who asked."""


@dataclass
class Repeated:
    case: Case
    last_helper: str | None = None  # the name of who helped last time: asked first if they may


@dataclass
class DueRepeats:
    cases: list[Case] = field(default_factory=list)
    skipped: int = 0


def first_of_chain(session: Session, case: Case) -> Case:
    """The case a chain of repeats hangs from (the case itself when it is not a repeat)."""
    if case.repeat_of_case_id is None:
        return case
    return session.get(Case, case.repeat_of_case_id) or case


def repeatable_reason(session: Session, case: Case, *, must_be_completed: bool = True) -> \
        str | None:
    """Why this request cannot be repeated now, or None."""
    if must_be_completed and case.status != CaseStatus.COMPLETED:
        return "Only a completed request can be repeated."
    if case.urgency == Urgency.SAFEGUARDING:
        return "A safeguarding request is not repeated automatically: staff decide."
    if case.anonymised_at is not None:
        return "This request's details have been removed, so it cannot be repeated."
    open_case = find_open_case_for_phone(session, case.phone)
    if open_case is not None:
        return f"The resident already has an open request, {open_case.reference}."
    return None


def repeat_case(session: Session, case: Case, now: datetime, *,
                source: str, staff_user_id: int | None = None,
                schedule: RepeatSchedule | None = None, due_on: date | None = None) -> Repeated:
    """Open the repeat of `case` and offer it to last time's volunteer first (see module)."""
    root = first_of_chain(session, case)
    reason = repeatable_reason(session, case, must_be_completed=schedule is None)
    if reason:
        raise RepeatError(reason)
    new = Case(status=CaseStatus.NEW, needs_matching=True, urgency=Urgency.ROUTINE
               if case.urgency == Urgency.SAFEGUARDING else case.urgency,
               channel=Channel.SMS if source == "resident" else Channel.STAFF,
               repeat_of_case_id=root.id, repeat_schedule_id=schedule.id if schedule else None,
               repeat_due_on=due_on, created_at=now, updated_at=now,
               **{name: getattr(case, name) for name in _COPIED})
    insert_new_case(session, new)
    how = {"staff": "by staff", "resident": "by the resident (AGAIN)",
           "schedule": f"on its {INTERVAL_WORDS.get(schedule.interval_days, 'regular')} "
                       "schedule" if schedule else "on its schedule"}[source]
    add_case_event(session, new, "created", f"Repeat of {case.reference}, asked {how}",
                   now=now, staff_user_id=staff_user_id,
                   data={"channel": new.channel, "need": new.need, "repeat_of": case.reference,
                         "source": source, "consent_carried_over": new.consent_to_share})
    add_case_event(session, case, "repeated", f"Repeated as {new.reference} ({how})", now=now,
                   staff_user_id=staff_user_id, data={"repeat": new.reference})
    helper = last_helper(session, root.id)
    log.info("case %s repeated as %s (%s)", case.reference, new.reference, source)
    return Repeated(new, helper.name if helper else None)


def start_schedule(session: Session, case: Case, *, interval: str, first_due_on: date | None,
                   staff_user_id: int | None, now: datetime) -> RepeatSchedule:
    """Staff's "Repeat this request" on a schedule (the first repeat on `first_due_on`)."""
    days = INTERVALS.get(interval)
    if days is None:
        raise RepeatError("Choose weekly or fortnightly.")
    if case.status != CaseStatus.COMPLETED:
        raise RepeatError("Only a completed request can be repeated.")
    if case.urgency == Urgency.SAFEGUARDING or case.anonymised_at is not None:
        raise RepeatError(repeatable_reason(session, case) or "This request cannot be repeated.")
    today = now.astimezone(UK).date()
    if first_due_on is None or not today < first_due_on <= today + timedelta(days=92):
        raise RepeatError("The first repeat must be after today and within three months.")
    root = first_of_chain(session, case)
    running = active_schedule(session, root)
    if running is not None:
        raise RepeatError(f"This request already repeats {INTERVAL_WORDS[running.interval_days]}"
                          f" (next on {running.next_due_on:%d %b %Y}).")
    schedule = RepeatSchedule(case_id=root.id, interval_days=days, next_due_on=first_due_on,
                              active=True, created_at=now, created_by_user_id=staff_user_id)
    session.add(schedule)
    session.flush()
    add_case_event(session, root, "repeat_scheduled",
                   f"Repeats {interval}, first on {first_due_on:%a %d %b %Y}", now=now,
                   staff_user_id=staff_user_id,
                   data={"schedule": schedule.id, "interval_days": days,
                         "first_due_on": first_due_on.isoformat()})
    return schedule


def active_schedule(session: Session, case: Case) -> RepeatSchedule | None:
    root = first_of_chain(session, case)
    return session.scalar(select(RepeatSchedule).where(
        RepeatSchedule.case_id == root.id, RepeatSchedule.active.is_(True)).limit(1))


def stop_schedule(session: Session, case: Case, *, staff_user_id: int | None,
                  now: datetime) -> RepeatSchedule:
    schedule = active_schedule(session, case)
    if schedule is None:
        raise RepeatError("This request has no repeat schedule running.")
    schedule.active, schedule.stopped_at, schedule.stopped_by_user_id = False, now, staff_user_id
    root = first_of_chain(session, case)
    add_case_event(session, root, "repeat_stopped",
                   f"Stopped repeating {INTERVAL_WORDS.get(schedule.interval_days, '')}",
                   now=now, staff_user_id=staff_user_id, data={"schedule": schedule.id})
    return schedule


def make_due_repeats(session: Session, now: datetime) -> DueRepeats:
    """Open the repeat of every schedule due by today (UK), once each (see module docstring)."""
    today = now.astimezone(UK).date()
    result = DueRepeats()
    due = session.execute(select(RepeatSchedule.id, RepeatSchedule.next_due_on).where(
        RepeatSchedule.active.is_(True), RepeatSchedule.next_due_on <= today)
        .order_by(RepeatSchedule.next_due_on, RepeatSchedule.id).limit(BATCH)).all()
    for schedule_id, due_on in due:
        schedule = session.get(RepeatSchedule, schedule_id)
        following = due_on + timedelta(days=schedule.interval_days)
        while following <= today:  # days missed while nothing ran: one repeat, not a burst
            following += timedelta(days=schedule.interval_days)
        claimed = session.execute(
            update(RepeatSchedule).where(RepeatSchedule.id == schedule_id,
                                         RepeatSchedule.next_due_on == due_on,
                                         RepeatSchedule.active.is_(True))
            .values(next_due_on=following).execution_options(synchronize_session=False)
        ).rowcount == 1
        if not claimed:
            continue  # another worker took this date
        session.refresh(schedule)
        _make_one(session, schedule, due_on, now, result)
    return result


def _make_one(session: Session, schedule: RepeatSchedule, due_on: date, now: datetime,
              result: DueRepeats) -> None:
    root = session.get(Case, schedule.case_id)
    if root is None or root.anonymised_at is not None:
        schedule.active, schedule.stopped_at = False, now  # nothing left to repeat
        return
    try:
        with session.begin_nested():
            made = repeat_case(session, root, now, source="schedule",
                               schedule=schedule, due_on=due_on)
    except RepeatError as exc:
        add_case_event(session, root, "repeat_skipped",
                       f"Repeat due {due_on:%d %b %Y} not made: {exc}", now=now,
                       data={"schedule": schedule.id, "due_on": due_on.isoformat()})
        result.skipped += 1
        return
    except IntegrityError:
        return  # this (schedule, date) was made concurrently
    schedule.last_case_id = made.case.id
    result.cases.append(made.case)
