"""Duplicates in parallel, and Redis going away while residents text: nothing lost, no twins."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, func, select

from app import create_app
from app.adapters.rq_queue import job_queue_for
from app.models.case import Case
from app.models.conversation import Conversation, ProcessedWebhook
from app.models.message import Message
from tests.conversations.conftest import new_sid, sms_texts
from tests.plugins.twilio_webhooks import BASE_URL, sign

WALK = ["hi", "1", "1", "1", "skip", "WR1 2NN", "skip", "yes"]


def _post_sms(client, token: str, params: dict[str, str]):
    url = BASE_URL + "/twilio/sms"
    return client.post("/twilio/sms", data=params,
                       headers={"X-Twilio-Signature": sign(token, url, params)})


def _all_at_once(deliver: Callable[[], Any], copies: int = 6) -> list[bytes]:
    """Deliver the same webhook from `copies` threads released together; the bodies answered."""
    answers: list[bytes] = []
    barrier = threading.Barrier(copies)

    def one() -> None:
        barrier.wait()
        response = deliver()
        assert response.status_code == 200
        answers.append(response.data)

    threads = [threading.Thread(target=one) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


def test_the_same_sid_in_parallel_threads_changes_the_database_once(committed_runtime):
    app = create_app(runtime=committed_runtime)
    token = committed_runtime.settings.twilio_auth_token
    phone = "07700900777"
    for text in WALK[:-1]:
        _post_sms(app.test_client(), token, {"MessageSid": new_sid(), "From": phone,
                                             "Body": text})
    last = {"MessageSid": new_sid(), "From": phone, "Body": "yes"}
    answers = _all_at_once(lambda: _post_sms(app.test_client(), token, last))
    assert len(answers) == 6 and len(set(answers)) == 1
    with committed_runtime.session_factory() as session:
        case = session.scalars(select(Case)).one()
        assert case.reference in sms_texts(answers[0])[0]
        assert session.scalar(select(func.count(Message.id)).where(
            Message.twilio_sid == last["MessageSid"])) == 1
        assert session.scalar(select(func.count(ProcessedWebhook.id)).where(
            ProcessedWebhook.key == last["MessageSid"])) == 1


def test_texts_sent_together_from_one_number_are_answered_one_after_the_other(
        committed_runtime):
    """Six different texts from one number at once: each turn sees what the one before it
    wrote (the number's turn lock), so none of the six steps is lost from the conversation."""
    app = create_app(runtime=committed_runtime)
    token = committed_runtime.settings.twilio_auth_token
    phone, e164 = "07700900778", "+447700900778"
    _post_sms(app.test_client(), token, {"MessageSid": new_sid(), "From": phone, "Body": "hi"})
    barrier = threading.Barrier(6)
    answered: list[int] = []

    def text(_n: int) -> None:
        barrier.wait()
        params = {"MessageSid": new_sid(), "From": phone, "Body": "1"}
        answered.append(_post_sms(app.test_client(), token, params).status_code)

    threads = [threading.Thread(target=text, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert answered == [200] * 6
    with committed_runtime.session_factory() as session:
        conversations = session.scalars(select(Conversation).where(
            Conversation.phone == e164)).all()
        inbound = session.scalars(select(Message.id).where(Message.from_phone == e164)).all()
    assert len(inbound) == 7
    said = [line.get("message_id") for c in conversations
            for line in c.state.get("transcript", []) if line["who"] == "resident"]
    assert sorted(said) == sorted(inbound)


def test_redis_stopped_while_texts_arrive_loses_nothing(send_sms, runtime, redis_process,
                                                        db_session):
    runtime.use_redis(redis_process.client())
    redis_process.stop()
    phones = [f"077009008{i:02d}" for i in range(5)]
    for phone in phones:
        for text in WALK:
            reply = send_sms(phone, text)
        assert "Your reference is H2H-" in reply[0]
    cases = db_session.scalars(select(Case)).all()
    assert len(cases) == 5
    assert all(c.needs_matching and c.matching_enqueued_at is None for c in cases)


def test_matching_is_enqueued_after_commit_when_redis_is_up(send_sms, runtime, redis_conn,
                                                            db_session):
    runtime.use_redis(redis_conn)
    for text in WALK:
        send_sms("07700900555", text)
    case = db_session.scalars(select(Case)).one()
    assert case.matching_enqueued_at is not None
    keys = [k.decode() for k in redis_conn.keys("rq:job:*")]
    rq_id = job_queue_for(runtime).full_job_id(f"match-case:{case.id}")
    assert rq_id.startswith(runtime.instance_id + "-")  # the database's id, then the case's
    assert f"rq:job:{rq_id}" in keys
    job_args = redis_conn.hget(f"rq:job:{rq_id}", "data")
    assert b"07700900555" not in job_args and b"447700900555" not in job_args


def test_the_same_voice_step_in_parallel_advances_the_call_once(committed_runtime):
    from app.models.conversation import Conversation

    app = create_app(runtime=committed_runtime)
    token = committed_runtime.settings.twilio_auth_token
    call = {"CallSid": "CA" + "e" * 32, "From": "07700900778", "To": "+441632960000"}

    def post(path: str, params: dict[str, str]):
        signature = sign(token, BASE_URL + path, params)
        return app.test_client().post(path, data=params,
                                      headers={"X-Twilio-Signature": signature})

    assert post("/twilio/voice", call).status_code == 200
    answers = _all_at_once(lambda: post("/twilio/voice/step?s=0", {**call, "Digits": "1"}))
    assert len(answers) == 6 and len(set(answers)) == 1
    assert b"/twilio/voice/step?s=1" in answers[0]
    with committed_runtime.session_factory() as session:
        assert session.scalars(select(Conversation)).one().state["step"] == 1


def test_a_plain_answer_commits_statement_by_statement_and_a_waiting_turn_in_one_go(
        committed_runtime):
    """PostgreSQL: a plain menu answer's read and its one write are each a transaction of their
    own (autocommit: no BEGIN or COMMIT round trips); a turn that waits for its number's turn
    (here the walk's last text, which opens a case) runs in one transaction, and the pooled
    connection is a transactional one again after either."""
    engine = committed_runtime.engine
    if engine.dialect.name != "postgresql":
        return  # SQLite: every turn is one write transaction (tests/conversations/test_sms_*)
    seen: list[tuple[str, bool]] = []

    def record(conn, _cursor, statement, _params, _context, _many) -> None:
        seen.append((statement.split(None, 1)[0], conn.connection.driver_connection.autocommit))

    app = create_app(runtime=committed_runtime)
    token = committed_runtime.settings.twilio_auth_token
    client = app.test_client()
    event.listen(engine, "before_cursor_execute", record)
    try:
        walked = []
        for body in WALK:
            seen.clear()
            _post_sms(client, token, {"MessageSid": new_sid(), "From": "07700900779",
                                      "Body": body})
            walked.append(list(seen))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert walked[0] == [("SELECT", True), ("WITH", True)]
    assert all(turn == [("SELECT", True), ("WITH", True)] for turn in walked[1:-1]), walked
    last = walked[-1]
    assert last[0] == ("SELECT", True)  # the read that finds a case to open
    assert last[1] == ("INSERT", False)  # the number's turn, then everything in one transaction
    assert not any(autocommit for _statement, autocommit in last[1:]), last
    with engine.connect() as connection:
        assert not connection.connection.driver_connection.autocommit
