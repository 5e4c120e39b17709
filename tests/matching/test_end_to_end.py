"""End to end: a real `here2help worker` process (rq, with its scheduler) on real Redis, the
real twilio client against the fake Twilio server, a committed SQLite or PostgreSQL database.

Covers: match + YES + DONE, decline, time-out (the periodic expiry scan), escalation to
needs_staff, an undelivered offer, late YES, and the concurrent-YES race (threads).
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.models.case import Case
from app.models.message import Message
from app.models.volunteer import Offer
from app.runtime import Runtime
from app.settings import load_settings
from tests.matching.e2e import World, wait_for

pytestmark = pytest.mark.slow

A, B, C = "+447700900301", "+447700900302", "+447700900303"
RESIDENT = "+447700900001"


@pytest.fixture
def offer_timeout() -> str:
    """Long enough that a loaded machine never times an offer out by accident."""
    return "120"


@pytest.fixture
def world_env(committed_env, fake_twilio, offer_timeout) -> dict[str, str]:
    return {**committed_env, "SMS_BACKEND": "twilio", "TWILIO_API_BASE_URL": fake_twilio.url,
            "PUBLIC_BASE_URL": "https://help.example.org",
            "OFFER_TIMEOUT_SECONDS": offer_timeout, "MAX_OFFER_ATTEMPTS": "2"}


@pytest.fixture
def world(world_env, committed_runtime, fake_twilio, spawn_worker):
    runtime = Runtime.build(load_settings(world_env))
    runtime.use_redis(committed_runtime.redis)
    spawn_worker(env=world_env)
    try:
        yield World(runtime, fake_twilio)
    finally:
        runtime.engine.dispose()


def _offer_text(world: World, phone: str, count: int = 1) -> str:
    bodies = wait_for(lambda: [b for b in world.sent_to(phone) if "Reply YES" in b][:count]
                      if len([b for b in world.sent_to(phone) if "Reply YES" in b]) >= count
                      else None, what=f"offer SMS #{count} to {phone[-3:]}")
    return bodies[-1]


def test_match_yes_done(world: World) -> None:
    world.volunteer("Ann Near", A, "WR1 3AA")
    world.volunteer("Bob Far", B, "WR2 4AA")
    case_id = world.open_case()
    reference = world.case(case_id).reference
    offer = _offer_text(world, A)
    assert reference in offer and "WR1 (Worcester)" in offer and "High Street" not in offer
    assert world.reply(A, "yes").reply == ""
    wait_for(lambda: any("Reply DONE" in b for b in world.sent_to(A)), what="assignment SMS")
    wait_for(lambda: any("Ann will contact you" in b for b in world.sent_to(RESIDENT)),
             what="resident told who helps")
    assert world.case(case_id).status == "assigned"
    assert "Thank you for helping" in world.reply(A, f"DONE {reference}").reply
    wait_for(lambda: any("says this is done" in b for b in world.sent_to(RESIDENT)),
             what="resident thanked")
    assert world.case(case_id).status == "completed"
    assert world.sent_to(B) == []


def test_decline_then_yes_and_late_yes(world: World) -> None:
    world.volunteer("Ann Near", A, "WR1 3AA")
    world.volunteer("Bob Far", B, "WR2 4AA")
    case_id = world.open_case()
    reference = world.case(case_id).reference
    _offer_text(world, A)
    assert "No problem" in world.reply(A, "No thanks").reply
    _offer_text(world, B)
    world.reply(B, f"Yes {reference}")
    wait_for(lambda: world.case(case_id).status == "assigned", what="assignment")
    late = world.reply(A, f"YES {reference}")
    assert "already covered" in late.reply
    assert world.case(case_id).assigned_volunteer_id is not None


@pytest.mark.parametrize("offer_timeout", ["2"])
def test_time_out_moves_on_then_escalates_to_staff(world: World) -> None:
    world.volunteer("Ann Near", A, "WR1 3AA")
    world.volunteer("Bob Far", B, "WR2 4AA")
    world.volunteer("Cat Further", C, "WR14 1AA")
    case_id = world.open_case()
    _offer_text(world, A)
    _offer_text(world, B)  # nobody answered A within OFFER_TIMEOUT_SECONDS=2 (the scan)
    wait_for(lambda: world.case(case_id).status == "needs_staff", what="escalation")
    with world.runtime.session_factory() as session:
        statuses = list(session.scalars(select(Offer.status).where(Offer.case_id == case_id)
                                        .order_by(Offer.attempt)))
    assert statuses == ["expired", "expired"]  # MAX_OFFER_ATTEMPTS=2: C is never asked
    assert world.sent_to(C) == []


def test_undelivered_offer_moves_to_the_next_volunteer(world: World) -> None:
    world.volunteer("Ann Near", A, "WR1 3AA")
    world.volunteer("Bob Far", B, "WR2 4AA")
    world.fake.script(21211)  # Twilio refuses the first send: invalid 'To' number
    case_id = world.open_case()
    _offer_text(world, B)
    with world.runtime.session_factory() as session:
        first = session.scalar(select(Offer).where(Offer.case_id == case_id,
                                                   Offer.attempt == 1))
    assert first.status == "undelivered"


def test_concurrent_yes_assigns_exactly_one(world: World) -> None:
    """Two volunteers answer YES for the same case at the same instant (the first had said NO,
    the second holds the open offer), 10 times over: one assignment each time, the other
    told politely that it is already covered."""
    world.volunteer("Ann Near", A, "WR1 3AA")
    world.volunteer("Bob Far", B, "WR2 4AA")
    for round_ in range(10):
        case_id = world.open_case(phone=f"+447700900{500 + round_}")
        reference = world.case(case_id).reference
        wait_for(lambda cid=case_id: _open_offer_to(world, cid, A), what="first offer")
        world.reply(A, f"NO {reference}")  # ...and then changes their mind, at B's moment
        wait_for(lambda cid=case_id: _open_offer_to(world, cid, B), what="second offer")
        replies = _say_yes_together(world, reference, (A, B))
        # A's offer is closed (they said NO): their YES is told so, whoever's lands first.
        assert replies[B] == "" and ("now closed" in replies[A] or
                                     "already covered" in replies[A])
        with world.runtime.session_factory() as session:
            accepted = session.scalar(select(func.count()).select_from(Offer).where(
                Offer.case_id == case_id, Offer.status == "accepted"))
            assert accepted == 1
            assert session.get(Case, case_id).status == "assigned"
        world.reply(A, f"DONE {reference}")
        world.reply(B, f"DONE {reference}")


def test_the_same_volunteers_yes_twice_at_once_is_theirs_with_one_assignment_sms(
        world: World) -> None:
    """A volunteer's YES delivered twice at the same instant (two MessageSids): both replies
    say the case is theirs (never "already covered") and the details go out once."""
    world.volunteer("Ann Near", A, "WR1 3AA")
    for round_ in range(6):
        case_id = world.open_case(phone=f"+447700900{600 + round_}")
        reference = world.case(case_id).reference
        wait_for(lambda cid=case_id: _open_offer_to(world, cid, A), what="the offer")
        replies = _same_phone_at_once(world, A, f"YES {reference}", times=2)
        assert len(replies) == 2
        assert not any("already covered" in r.reply for r in replies), [r.reply for r in replies]
        with world.runtime.session_factory() as session:
            assert session.get(Case, case_id).status == "assigned"
            statuses = list(session.scalars(select(Offer.status).where(Offer.case_id == case_id)))
            assert statuses == ["accepted"]
            details = session.scalar(select(func.count()).select_from(Message).where(
                Message.case_id == case_id, Message.purpose == "assignment"))
            assert details == 1
        world.reply(A, f"DONE {reference}")


def test_an_offer_made_after_a_no_is_expired_by_the_periodic_scan(world: World) -> None:
    """The next offer after a volunteer's NO is made in the SMS webhook, not in the matching
    job, and has no timer job of its own: the worker's periodic scan expires it when its
    `expires_at` has passed, like every other offer."""
    from datetime import timedelta

    from sqlalchemy import update

    from app.db import begin_write
    from app.models.base import utcnow

    world.volunteer("Ann Near", A, "WR1 3AA")
    world.volunteer("Bob Far", B, "WR2 4AA")
    case_id = world.open_case()
    reference = world.case(case_id).reference
    wait_for(lambda: _open_offer_to(world, case_id, A), what="the first offer")
    world.reply(A, f"NO {reference}")
    _offer_text(world, B)
    with world.runtime.write_session_factory() as session:
        begin_write(session)  # read then write while the worker writes too (SQLite)
        second = session.scalar(select(Offer.id).where(Offer.case_id == case_id,
                                                       Offer.status.in_(("pending", "sent"))))
        session.execute(update(Offer).where(Offer.id == second)
                        .values(expires_at=utcnow() - timedelta(seconds=30)))
        session.commit()

    def second_status() -> str | None:
        with world.runtime.session_factory() as session:
            status = session.scalar(select(Offer.status).where(Offer.id == second))
        return status if status == "expired" else None

    wait_for(second_status, what="the second offer expired by the scan")


def _same_phone_at_once(world: World, phone: str, text: str, times: int) -> list:
    barrier = threading.Barrier(times)
    replies: list = []

    def send() -> None:
        barrier.wait()
        replies.append(world.reply(phone, text))

    threads = [threading.Thread(target=send) for _ in range(times)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return replies


def _say_yes_together(world: World, reference: str, phones: tuple[str, ...]) -> dict[str, str]:
    barrier = threading.Barrier(len(phones))
    replies: dict[str, str] = {}

    def say_yes(phone: str) -> None:
        barrier.wait()
        replies[phone] = world.reply(phone, f"YES {reference}").reply

    threads = [threading.Thread(target=say_yes, args=(p,)) for p in phones]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return replies


def _open_offer_to(world: World, case_id: int, phone: str) -> bool:
    with world.runtime.session_factory() as session:
        from app.models.volunteer import Volunteer

        return session.scalar(select(Offer.id).join(Volunteer, Volunteer.id == Offer.volunteer_id)
                              .where(Offer.case_id == case_id, Volunteer.phone == phone,
                                     Offer.status == "pending")) is not None
