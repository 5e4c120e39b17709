"""Property-based: whatever residents press, say or text, nothing breaks and nobody is stuck.

Engine-level properties run many examples (pure and fast); webhook-level properties run fewer,
through the real signed endpoints and the database, and check the TwiML Twilio would get.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain import flow_engine as engine
from app.domain.enums import Channel
from app.domain.flow_engine import HandOver, InputKind, UserInput
from app.domain.flow_files import load_flow
from tests.conversations.conftest import Caller, new_sid, parse_twiml

FLOW = load_flow(Path(__file__).resolve().parents[2] / "flows" / "here2help.yaml")
WORDS = ["1", "2", "0", "yes", "no", "food", "shielding", "polski", "skip", "WR1 2NN",
         "W R one two N N", "operator", "help", "stop", "🙂", "<Say>", "&amp;", "", " ", "#",
         "tak", "nie", "pieniądze", "\x00", "\x1b[31m"]

digits = st.text(alphabet="0123456789*#", min_size=1, max_size=4).map(
    lambda d: UserInput(InputKind.DIGITS, d))
speech = st.one_of(st.sampled_from(WORDS), st.text(max_size=60)).map(
    lambda s: UserInput(InputKind.SPEECH, s))
texts = st.one_of(st.sampled_from(WORDS), st.text(max_size=200)).map(
    lambda s: UserInput(InputKind.TEXT, s))
silence = st.just(UserInput(InputKind.SILENCE))
voice_inputs = st.lists(st.one_of(digits, speech, silence), max_size=40)
sms_inputs = st.lists(texts, max_size=40)


def _no_dead_end(turn: engine.Turn) -> None:
    """Either a question is waiting for an answer, or the conversation ended with an action."""
    if turn.actions:
        assert turn.state["ended"] in {"finish", "handover"}
    else:
        assert turn.prompt.expects_input and turn.prompt.messages
        assert turn.state["node"] in FLOW.nodes
        assert FLOW.nodes[turn.state["node"]].type in {"menu", "ask"}


@settings(max_examples=400, deadline=None)
@given(st.one_of(voice_inputs.map(lambda i: (Channel.VOICE, i)),
                 sms_inputs.map(lambda i: (Channel.SMS, i))))
def test_any_input_sequence_keeps_a_way_forward(case):
    channel, inputs = case
    turn = engine.start(FLOW, channel)
    _no_dead_end(turn)
    for given_input in inputs:
        turn = engine.advance(FLOW, turn.state, given_input, channel)
        _no_dead_end(turn)
        if turn.actions:
            break


@settings(max_examples=200, deadline=None)
@given(prefix=st.lists(st.one_of(digits, speech), max_size=12),
       failure=st.sampled_from([UserInput(InputKind.SILENCE), UserInput(InputKind.DIGITS, "*"),
                                UserInput(InputKind.SPEECH, "zzz qqq")]))
def test_repeated_failure_always_reaches_a_person(prefix, failure):
    turn = engine.start(FLOW, Channel.VOICE)
    for given_input in prefix:
        if turn.actions:
            return
        turn = engine.advance(FLOW, turn.state, given_input, Channel.VOICE)
    for _ in range(len(FLOW.nodes) * max(FLOW.max_attempts, FLOW.max_silences)):
        if turn.actions:
            break
        turn = engine.advance(FLOW, turn.state, failure, Channel.VOICE)
    assert turn.actions, "repeated failure never ended the conversation"
    if not isinstance(turn.actions[0], HandOver):  # free text accepts "zzz qqq" as words
        assert failure.kind == InputKind.SPEECH


ALLOWED_ENDINGS = {"Gather", "Dial", "Record", "Hangup"}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(inputs=st.lists(st.one_of(
    st.tuples(st.just("Digits"), st.text(alphabet="0123456789*#", min_size=1, max_size=3)),
    st.tuples(st.just("SpeechResult"), st.one_of(st.sampled_from(WORDS), st.text(max_size=40))),
    st.tuples(st.just("silence"), st.just("")),
), max_size=12))
def test_random_calls_always_get_valid_twiml(twilio_post, inputs):
    call = Caller(twilio_post, "07700900999")
    answer = call.start()
    for name, value in inputs:
        if answer.next_url is None:
            break
        if name == "silence":
            answer = call.silence()
        else:
            answer = call.post_to(answer.next_url, {name: value})
        verbs = {child.tag for child in answer.root}
        assert verbs & ALLOWED_ENDINGS, answer.raw
        if answer.gather is not None:
            assert answer.root[-1].tag == "Redirect"  # a fall-through after every Gather


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(bodies=st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=300)), max_size=10))
def test_random_texts_always_get_valid_twiml(twilio_post, bodies):
    for body in bodies:
        response = twilio_post("/twilio/sms", {"MessageSid": new_sid(), "From": "07700900998",
                                               "Body": body})
        assert response.status_code == 200
        root = parse_twiml(response.data)
        assert all(child.tag == "Message" for child in root)
