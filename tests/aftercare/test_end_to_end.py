"""End to end on a real rq worker (rq's SimpleWorker on real Redis, the jobs as deployed), the
real `twilio` client against the fake Twilio REST server, and the signed webhooks:

- a volunteer's DONE, the aftercare job's follow-up SMS, the resident's "3", the case back
  with staff;
- a repeat (staff's, then a schedule's) offered first to the volunteer who helped last time,
  then normal matching after their NO;
- messages priced by later fetches (null first), shown in the cost report and the briefing.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import time
from datetime import timedelta

import pypdf
import pytest
from rq.scheduler import RQScheduler
from rq.serializers import JSONSerializer
from sqlalchemy import select

from app import create_app
from app.adapters.rq_queue import RqJobQueue
from app.domain.matching import UK
from app.jobs import AFTERCARE, QueueName
from app.models.base import utcnow
from app.models.case import Case
from app.models.message import Message
from app.models.volunteer import Offer
from app.services.aftercare.follow_up import REOPEN_REASON
from app.services.aftercare.repeats import start_schedule
from app.services.messaging.outbox import enqueue_send, queue_sms
from app.services.reports.briefing_pdf import build_briefing_pdf
from app.services.reports.catalogue import build_report
from app.services.reports.tables import Period
from tests.aftercare.conftest import volunteer
from tests.plugins.twilio_webhooks import sign
from tests.signin import post_form, sign_in_as

pytestmark = [pytest.mark.slow, pytest.mark.clock]
RESIDENT = "+447700900261"
_sids = itertools.count(1)


@pytest.fixture
def rt(redis_runtime, twilio_settings):
    """The Twilio backend against the fake, price checks one second apart, on real Redis."""
    settings = dataclasses.replace(twilio_settings, price_fetch_delay_seconds=1)
    return dataclasses.replace(redis_runtime, settings=settings)


@pytest.fixture
def web(rt):
    return create_app(runtime=rt).test_client()


def _sms(web, rt, phone: str, body: str) -> None:
    form = {"MessageSid": f"SM{next(_sids):032x}", "From": phone, "To": "+441632960000",
            "Body": body, "AccountSid": rt.settings.twilio_account_sid, "NumMedia": "0"}
    _signed(web, rt, "/twilio/sms", form)


def _signed(web, rt, path: str, form: dict[str, str]) -> None:
    url = rt.settings.public_base_url + path
    response = web.post(path, data=form, headers={
        "X-Twilio-Signature": sign(rt.settings.twilio_auth_token, url, form)})
    assert response.status_code == 200, response.data


def _sent_to(fake, phone: str) -> list[str]:
    return [r.get("Body") or "" for r in fake.sends if r.get("To") == phone]


def _aftercare(redis_conn, run_worker_burst, rt, n: int) -> None:
    RqJobQueue(redis_conn).enqueue(AFTERCARE.func, job_id=f"aftercare-test-{n}",
                                   queue=AFTERCARE.queue)
    assert run_worker_burst(rt)


def test_done_follow_up_no_reopens_the_case(db_session, rt, web, redis_conn, run_worker_burst,
                                            fake_twilio, helped_case):
    case, helper = helped_case(RESIDENT, helper_phone="+447700900661", status="assigned",
                               completed_at=None, outcome=None)
    _sms(web, rt, helper.phone, f"DONE {case.reference}")
    run_worker_burst(rt)  # the resident's "done" thanks
    _aftercare(redis_conn, run_worker_burst, rt, 1)
    question = [b for b in _sent_to(fake_twilio, RESIDENT) if b.startswith("Did you get")]
    assert question == [f"Did you get the help you needed with {case.reference}? Reply 1 yes, "
                        "2 partly, 3 no. Or reply AGAIN for the same help again."]
    _aftercare(redis_conn, run_worker_burst, rt, 2)  # runs again: nothing more is sent
    assert len([b for b in _sent_to(fake_twilio, RESIDENT) if b.startswith("Did you")]) == 1
    _sms(web, rt, RESIDENT, "3")
    db_session.expire_all()
    case = db_session.get(Case, case.id)
    assert (case.status, case.needs_staff_reason, case.follow_up_answer) == (
        "needs_staff", REOPEN_REASON, "no")


def test_repeat_goes_to_the_same_volunteer_first_then_normal_matching(
        db_session, rt, web, redis_conn, run_worker_burst, fake_twilio, helped_case):
    case, helper = helped_case(RESIDENT, helper_phone="+447700900662")
    other = volunteer(db_session, "Bea Nearer", "+447700900663", "WR1 3AA", utcnow())
    db_session.commit()
    sign_in_as(web, db_session, "call_handler")
    response = post_form(web, f"/cases/{case.reference}", f"/cases/{case.reference}/repeat",
                         {"repeat-how": "once"})
    assert response.status_code == 302
    repeat = db_session.scalar(select(Case).where(Case.repeat_of_case_id == case.id))
    run_worker_burst(rt)
    offers = [b for b in _sent_to(fake_twilio, helper.phone) if "Reply YES" in b]
    assert len(offers) == 1 and repeat.reference in offers[0]
    assert _sent_to(fake_twilio, other.phone) == []  # nearer, but asked only after a NO
    _sms(web, rt, helper.phone, f"NO {repeat.reference}")
    run_worker_burst(rt)
    assert any(repeat.reference in b for b in _sent_to(fake_twilio, other.phone))
    asked = db_session.scalars(select(Offer.volunteer_id).where(Offer.case_id == repeat.id)
                               .order_by(Offer.id)).all()
    assert asked == [helper.id, other.id]


def test_schedule_due_today_makes_one_repeat_for_the_same_volunteer(
        db_session, rt, redis_conn, run_worker_burst, fake_twilio, helped_case):
    case, helper = helped_case(RESIDENT, helper_phone="+447700900664")
    today = utcnow().astimezone(UK).date()
    schedule = start_schedule(db_session, case, interval="fortnightly",
                              first_due_on=today + timedelta(days=1), staff_user_id=None,
                              now=utcnow())
    schedule.next_due_on = today  # the day has come
    case.follow_up_state = "sent"  # asked already: this run only makes the repeat
    db_session.commit()
    _aftercare(redis_conn, run_worker_burst, rt, 3)
    _aftercare(redis_conn, run_worker_burst, rt, 4)  # a second run the same day: nothing more
    [repeat] = db_session.scalars(select(Case).where(Case.repeat_schedule_id == schedule.id))
    assert repeat.repeat_due_on == today and repeat.status == "offered"
    offers = [b for b in _sent_to(fake_twilio, helper.phone) if "Reply YES" in b]
    assert len(offers) == 1 and repeat.reference in offers[0]
    db_session.refresh(schedule)
    assert schedule.next_due_on == today + timedelta(days=14)


def _release_due_price_checks(redis_conn, wait: float) -> None:
    """What the worker's scheduler does: move due delayed jobs onto their queues."""
    time.sleep(wait)
    scheduler = RQScheduler([str(QueueName.DEFAULT)], connection=redis_conn,
                            serializer=JSONSerializer)
    scheduler.acquire_locks()
    try:
        scheduler.enqueue_scheduled_jobs()
    finally:
        scheduler.release_locks()


def test_priced_messages_appear_in_the_cost_report(db_session, rt, web, redis_conn,
                                                   run_worker_burst, fake_twilio, helped_case):
    fake_twilio.price_after(gets=1, price="-0.0400")
    case, _ = helped_case(RESIDENT, helper_phone="+447700900665")
    ids = [queue_sms(db_session, to_phone=RESIDENT, body=f"Update {n} on {case.reference}",
                     purpose="reply", idempotency_key=f"e2e-price-{n}", now=utcnow(),
                     case_id=case.id).id for n in range(2)]
    db_session.commit()
    enqueue_send(RqJobQueue(redis_conn), ids)
    run_worker_burst(rt)
    for message in db_session.scalars(select(Message).where(Message.id.in_(ids))):
        _signed(web, rt, "/twilio/status", {
            "MessageSid": message.twilio_sid, "MessageStatus": "delivered",
            "AccountSid": rt.settings.twilio_account_sid})
    _release_due_price_checks(redis_conn, 1.2)
    run_worker_burst(rt)  # first fetch: Twilio says null, a check 2 s later is armed
    db_session.expire_all()
    rows = db_session.scalars(select(Message).where(Message.id.in_(ids))).all()
    assert [(m.price, m.price_checks) for m in rows] == [(None, 1), (None, 1)]
    month = f"{case.created_at:%Y-%m}"
    period = Period.from_months(month, month)
    waiting = build_report(db_session, "costs", period, utcnow().date())
    assert "2 not priced by Twilio yet" in waiting.note
    _release_due_price_checks(redis_conn, 2.2)
    run_worker_burst(rt)
    db_session.expire_all()
    rows = db_session.scalars(select(Message).where(Message.id.in_(ids))).all()
    assert [str(m.price) for m in rows] == ["-0.04000", "-0.04000"]
    assert all(fake_twilio.fetches(m.twilio_sid) == 2 for m in rows)
    costs = build_report(db_session, "costs", period, utcnow().date())
    assert "not priced" not in costs.note
    row = next(r for r in costs.rows if r[0] == month)
    assert (row[2], str(row[3])) == (2, "0.0800")
    pdf = build_briefing_pdf(db_session, period, today=utcnow().date())
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "SMS and call costs: £0.08 in total" in " ".join(text.split())
