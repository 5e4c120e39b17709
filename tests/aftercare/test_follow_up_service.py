"""Who gets the follow-up SMS, when, and only once (app.services.aftercare.follow_up)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.models.case import Case, CaseEvent
from app.models.message import Message
from app.models.resident import Resident
from app.services.aftercare.follow_up import send_due_follow_ups
from app.services.conversations.state import flow_in
from app.services.reports.catalogue import build_report
from app.services.reports.tables import Period
from tests import factories

NOW = datetime(2026, 6, 2, 9, 30, tzinfo=UTC)
QUESTION = "Did you get the help you needed with {}? Reply 1 yes, 2 partly, 3 no"


def _run(db_session, settings, now=NOW, hours=72):
    done = send_due_follow_ups(db_session, now, after_hours=hours,
                               phrases=flow_in(settings.flows_dir).phrases)
    db_session.commit()
    return done


def _follow_ups(db_session, case):
    return db_session.scalars(select(Message).where(
        Message.case_id == case.id, Message.purpose == "follow_up")).all()


def test_one_sms_after_done_even_when_run_again(db_session, settings, helped_case):
    case, _ = helped_case(now=NOW)
    first = _run(db_session, settings)
    again = _run(db_session, settings, NOW + timedelta(minutes=5))
    [sms] = _follow_ups(db_session, case)
    assert (first.sent, again.sent) == (1, 0) and first.message_ids == [sms.id]
    assert sms.body.startswith(QUESTION.format(case.reference))
    assert sms.to_phone == case.phone and sms.status == "pending"
    assert sms.idempotency_key == f"follow-up:{case.id}"
    db_session.refresh(case)
    assert (case.follow_up_state, case.follow_up_at) == ("sent", NOW)


def test_polish_case_is_asked_in_polish(db_session, settings, helped_case):
    case, _ = helped_case(now=NOW, language="pl")
    _run(db_session, settings)
    [sms] = _follow_ups(db_session, case)
    assert sms.body.startswith("Czy otrzymano potrzebną pomoc w sprawie " + case.reference)


def test_landline_and_opted_out_residents_are_not_asked(db_session, settings, helped_case):
    landline, _ = helped_case(phone=factories.drama_landline(212), now=NOW,
                              helper_phone="+447700900612")
    opted, _ = helped_case(phone="+447700900213", now=NOW, helper_phone="+447700900613")
    db_session.add(Resident(phone=opted.phone, phone_valid=True, opted_out=True))
    db_session.commit()
    done = _run(db_session, settings)
    assert (done.sent, done.skipped) == (0, 2)
    for case, reason in ((landline, "not a mobile number"), (opted, "opted out")):
        db_session.refresh(case)
        assert case.follow_up_state == "skipped" and _follow_ups(db_session, case) == []
        event = db_session.scalar(select(CaseEvent).where(
            CaseEvent.case_id == case.id, CaseEvent.kind == "follow_up_skipped"))
        assert event.data == {"reason": reason}


def test_after_hours_without_done_and_never_for_old_or_unhelped_cases(db_session, settings,
                                                                     helped_case):
    silent, _ = helped_case(now=NOW, status="assigned", completed_at=None,
                            assigned_at=NOW - timedelta(hours=73))
    recent, _ = helped_case(phone="+447700900214", now=NOW, helper_phone="+447700900614",
                            status="assigned", completed_at=None,
                            assigned_at=NOW - timedelta(hours=5))
    old, _ = helped_case(phone="+447700900215", now=NOW, helper_phone="+447700900615",
                         completed_at=NOW - timedelta(days=8))
    staff = factories.make_case(db_session, phone="+447700900216", status="completed",
                                completed_at=NOW - timedelta(minutes=5))  # no volunteer
    db_session.commit()
    assert _run(db_session, settings).sent == 1
    assert len(_follow_ups(db_session, silent)) == 1
    for case in (recent, old, staff):
        assert _follow_ups(db_session, case) == []
    assert _run(db_session, settings, hours=4).sent == 1  # FOLLOW_UP_AFTER_HOURS=4: recent too
    assert len(_follow_ups(db_session, recent)) == 1


def test_report_counts_sent_answered_and_answers_by_district_and_month(db_session, settings,
                                                                       helped_case):
    answers = ["yes", "no", "partly", None]
    for n in range(len(answers)):
        helped_case(phone=f"+4477009002{20 + n}", now=NOW, helper_phone=f"+4477009006{20 + n}")
    landline, _ = helped_case(phone=factories.drama_landline(230), now=NOW,
                              helper_phone="+447700900630")
    db_session.commit()
    _run(db_session, settings)
    for n, answer in enumerate(answers):  # answers given after the SMS went
        case = db_session.scalar(select(Case).where(Case.phone == f"+4477009002{20 + n}"))
        case.follow_up_answer = answer
    db_session.commit()
    table = build_report(db_session, "follow-ups", Period.from_months("2026-06", "2026-06"),
                         NOW.date())
    assert table.rows[0] == ["2026-06", "Worcester", 4, 1, 3, 1, 1, 1, 75.0, 33.3]
    assert table.rows[-1][:8] == ["Total", "", 4, 1, 3, 1, 1, 1]
    assert build_report(db_session, "follow-ups", Period.from_months("2026-05", "2026-05"),
                        NOW.date()).rows == [["Total", "", 0, 0, 0, 0, 0, 0, 0.0, 0.0]]
