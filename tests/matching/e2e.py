"""Helpers for the end-to-end matching tests: a committed database, a real `here2help worker`
process on real Redis, and the real twilio client talking to the fake Twilio server.

Volunteer replies are fed in the way the SMS webhook does it (app.services.conversations.sms):
log the inbound row, call `handle_volunteer_sms`, commit, THEN enqueue the sends.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app.adapters.rq_queue import job_queue_for
from app.domain.enums import MessageDirection
from app.models.base import utcnow
from app.models.case import Case
from app.models.message import Message
from app.runtime import Runtime
from app.services.cases.intake import CaseDraft, create_case, enqueue_matching, stamp_for_matching
from app.services.messaging.outbox import enqueue_send
from app.services.volunteers.register import create_volunteer
from app.services.volunteers.sms_replies import VolunteerReply, handle_volunteer_sms

_sids = itertools.count(1)


@dataclass
class World:
    runtime: Runtime
    fake: object  # tests.plugins.fake_twilio.FakeTwilio

    def volunteer(self, name: str, phone: str, postcode: str = "WR1 3AA",
                  needs: tuple[str, ...] = ("food",)) -> int:
        now = utcnow()
        # A year's DBS from the day the test runs: valid whatever the date, for the worker too.
        expires = (now + timedelta(days=365)).date().isoformat()
        with self.runtime.session_factory() as session:
            v = create_volunteer(session, {
                "name": name, "phone": phone, "postcode": postcode, "needs": list(needs),
                "max_distance_km": 10, "dbs_status": "clear", "dbs_expires_on": expires,
            }, now)
            session.commit()
            return v.id

    def open_case(self, phone: str = "+447700900001", need: str = "food",
                  postcode: str = "WR1 2NN") -> int:
        """What a webhook does: create and commit the case, then enqueue its matching.

        On SQLite, `create_case` reads before it writes inside a deferred transaction, so a
        worker's commit in between makes SQLite refuse the upgrade ("database is locked",
        SQLITE_BUSY_SNAPSHOT) at once; like Twilio's retry of a failed webhook, try again.
        """
        for attempt in range(5):
            try:
                return self._open_case(phone, need, postcode)
            except OperationalError:
                if attempt == 4 or self.runtime.engine.dialect.name != "sqlite":
                    raise
                time.sleep(0.2)
        raise AssertionError("unreachable")

    def _open_case(self, phone: str, need: str, postcode: str) -> int:
        with self.runtime.session_factory() as session:
            result = create_case(session, CaseDraft(
                channel="sms", category="other", need=need, phone=phone, name="Mary Jones",
                address="1 High Street", postcode=postcode, consent_to_share=True),
                settings=self.runtime.settings,
                now=utcnow())
            stamp_for_matching([result.case], utcnow())
            session.commit()
            enqueue_matching(session, job_queue_for(self.runtime), [result.case])
            return result.case.id

    def reply(self, phone: str, text: str) -> VolunteerReply | None:
        with self.runtime.write_session_factory() as session:  # as the webhook's POST session
            session.add(Message(direction=MessageDirection.INBOUND, purpose="inbound",
                                from_phone=phone, body=text, status="received",
                                twilio_sid=f"SMe2e{next(_sids):027d}"))
            session.flush()
            reply = handle_volunteer_sms(session, phone=phone, text=text, now=utcnow())
            session.commit()
        if reply is not None and reply.message_ids:
            enqueue_send(job_queue_for(self.runtime), reply.message_ids)
        return reply

    def case(self, case_id: int) -> Case:
        with self.runtime.session_factory() as session:
            return session.get(Case, case_id)

    def sent_to(self, phone: str) -> list[str]:
        """Bodies the fake Twilio accepted for this number, in order."""
        return [r.get("Body") or "" for r in self.fake.sends if r.get("To") == phone]

    def outbound(self, **where: object) -> list[Message]:
        with self.runtime.session_factory() as session:
            query = select(Message).where(Message.direction == "outbound")
            for key, value in where.items():
                query = query.where(getattr(Message, key) == value)
            return list(session.scalars(query.order_by(Message.id)))


def wait_for(condition: Callable[[], object], timeout: float = 60.0,
             what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
