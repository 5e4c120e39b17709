"""The pure engine, speech normalisation and keywords: no database, no Flask, no Twilio."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.domain import flow_engine as engine
from app.domain.enums import Channel
from app.domain.flow_engine import CreateCase, HandOver, InputKind, UserInput
from app.domain.flow_files import check_flow_text, load_flow
from app.domain.keywords import Keyword, match_keyword
from app.domain.speech import parse_number, say_postcode, spoken_digit, spoken_postcode

FLOW = load_flow(Path(__file__).resolve().parents[2] / "flows" / "here2help.yaml")


def text(value: str) -> UserInput:
    return UserInput(InputKind.TEXT, value)


def walk(inputs: list[UserInput], channel: Channel = Channel.SMS) -> engine.Turn:
    turn = engine.start(FLOW, channel)
    for given in inputs:
        turn = engine.advance(FLOW, turn.state, given, channel)
    return turn


@pytest.mark.parametrize(("spoken", "expected"), [
    ("W R one two N N", "WR1 2NN"), ("wr12nn", "WR1 2NN"), ("WR1 2NN", "WR1 2NN"),
    ("double you are 1 2 en en", "WR1 2NN"), ("my postcode is B 3 3 H Q", "B3 3HQ"),
    ("S W one A one A A", "SW1A 1AA"), ("E C one A, one B B", "EC1A 1BB"),
    ("W R one two double N", "WR1 2NN"), ("M one oh A A", "M1 0AA"),
    ("whiskey romeo 1 2 november november", "WR1 2NN"),
    ("hello", None), ("", None), ("12345", None),
])
def test_spoken_postcodes(spoken, expected):
    assert spoken_postcode(spoken) == expected


def test_small_speech_helpers():
    assert spoken_digit("One.") == "1" and spoken_digit("number 2") == "2"
    assert spoken_digit("one two") is None and spoken_digit("food") is None
    assert parse_number("three") == 3 and parse_number("12 people") == 12
    assert parse_number("1 or 2") is None
    assert say_postcode("WR1 2NN") == "W R 1, 2 N N"


@pytest.mark.parametrize(("message", "keyword"), [
    ("STOP", Keyword.STOP), (" stop. ", Keyword.STOP), ("Unsubscribe", Keyword.STOP),
    ("QUIT!", Keyword.STOP), ("start", Keyword.START), ("Help?", Keyword.HELP),
    ("status", Keyword.STATUS), ("STATUS H2H-7K3Q", Keyword.STATUS), ("cancel", Keyword.CANCEL),
    ("stop the deliveries please", None), ("help with shopping", None), ("", None),
    ("yes", None), ("DONE", None),
])
def test_keywords_are_the_whole_message(message, keyword):
    found = match_keyword(message)
    assert (found.keyword if found else None) == keyword


def test_sms_walk_with_words_and_numbers_reaches_a_case():
    turn = walk([text("1"), text("self isolating"), text("I need FOOD!"), text("nothing"),
                 text("wr1 2nn"), text("Ann"), text("yes")])
    assert turn.actions == (CreateCase({"language": "en", "category": "self_isolation",
                                        "need": "food", "postcode": "WR1 2NN", "name": "Ann",
                                        "consent_to_share": True}),)
    assert "{reference}" in turn.prompt.messages[-1]


def test_wrong_answers_repeat_the_question_then_hand_over():
    turn = walk([text("1"), text("banana")])
    assert turn.prompt.messages[0] == "Sorry, that isn't one of the choices."
    assert "1 Shielding" in turn.prompt.messages[-1] and not turn.actions
    turn = engine.advance(FLOW, turn.state, text("9"), Channel.SMS)
    assert not turn.actions
    turn = engine.advance(FLOW, turn.state, text("kiwi"), Channel.SMS)
    assert isinstance(turn.actions[0], HandOver) and turn.actions[0].reason == "failure"
    assert turn.state["ended"] == "handover"


def test_silence_repeats_once_then_hands_over():
    turn = walk([UserInput(InputKind.SILENCE)], Channel.VOICE)
    assert turn.prompt.messages[0] == "Sorry, I didn't hear anything." and not turn.actions
    turn = engine.advance(FLOW, turn.state, UserInput(InputKind.SILENCE), Channel.VOICE)
    assert isinstance(turn.actions[0], HandOver) and turn.actions[0].reason == "silence"


@pytest.mark.parametrize("given", [UserInput(InputKind.DIGITS, "0"), text("operator"),
                                   UserInput(InputKind.SPEECH, "Operator."), text("0")])
def test_operator_at_any_point(given):
    for steps in ([], [text("1")], [text("1"), text("1"), text("2")]):
        turn = engine.advance(FLOW, walk(steps).state, given, Channel.SMS)
        assert isinstance(turn.actions[0], HandOver) and turn.actions[0].reason == "asked"


def test_free_text_containing_operator_words_is_kept_as_words():
    turn = walk([text("1"), text("1"), text("1"), text("I am a person who needs milk")])
    assert not turn.actions and turn.state["answers"]["details"] == "I am a person who needs milk"


def test_postcode_is_read_back_on_the_phone_and_can_be_corrected():
    speech = [UserInput(InputKind.DIGITS, d) for d in ("1", "1", "1", "1")]
    turn = walk([*speech, UserInput(InputKind.SPEECH, "W R one two N N")], Channel.VOICE)
    assert turn.prompt.messages[-1].startswith("I heard W R 1, 2 N N. Is that right?")
    turn = engine.advance(FLOW, turn.state, UserInput(InputKind.DIGITS, "2"), Channel.VOICE)
    assert turn.prompt.messages[-1] == "What is your postcode?"
    turn = engine.advance(FLOW, turn.state, UserInput(InputKind.SPEECH, "B33 8TH"), Channel.VOICE)
    turn = engine.advance(FLOW, turn.state, UserInput(InputKind.SPEECH, "yes"), Channel.VOICE)
    assert turn.state["answers"]["postcode"] == "B33 8TH"
    assert turn.state["node"] == "name"


def test_polish_menus_accept_words_without_diacritics():
    turn = walk([text("2"), text("samoizolacja"), text("pieniadze")])
    assert turn.state["answers"] == {"language": "pl", "category": "self_isolation",
                                     "need": "money"}
    assert turn.prompt.messages[-1].startswith("Czy chcesz nam")


def test_set_and_branch_nodes():
    source = (Path(__file__).resolve().parents[2] / "flows" / "here2help.yaml").read_text()
    source = source.replace("    next: done\n", "    next: route\n").replace(
        "nodes:\n", "nodes:\n  route:\n    type: branch\n    field: consent_to_share\n"
        "    cases: {'true': mark, 'false': speak_to_person}\n    default: speak_to_person\n"
        "  mark:\n    type: set\n    set: {address: 'given by phone'}\n    next: done\n", 1)
    flow, problems = check_flow_text(source)
    assert problems == [] and flow is not None
    turn = engine.start(flow, Channel.SMS)
    for value in ("1", "1", "1", "skip", "WR1 2NN", "skip", "yes"):
        turn = engine.advance(flow, turn.state, text(value), Channel.SMS)
    assert turn.actions[0].answers["address"] == "given by phone"
    turn = engine.start(flow, Channel.SMS)
    for value in ("1", "1", "1", "skip", "WR1 2NN", "skip", "no"):
        turn = engine.advance(flow, turn.state, text(value), Channel.SMS)
    assert isinstance(turn.actions[0], HandOver)


def test_a_broken_state_never_raises():
    for state in ({}, {"node": "nowhere", "language": "xx"}, {"node": "done", "ended": "finish"}):
        turn = engine.advance(FLOW, state, text("1"), Channel.SMS)
        assert isinstance(turn.actions[0], HandOver)
    turn = engine.advance(FLOW, {"node": "category", "language": "xx"}, text("1"), Channel.SMS)
    assert turn.state["answers"] == {"category": "shielding"} and turn.state["node"] == "need"


def test_native_digits_and_words_choose_in_urdu_and_bengali():
    assert spoken_digit("৩") == "3" and spoken_digit("۳") == "3" and spoken_digit("٣") == "3"
    turn = walk([text("hi"), text("৪"), text("ঝুঁকিতে"), text("ওষুধ")])
    assert turn.state["answers"] == {"language": "bn", "category": "shielding",
                                     "need": "prescriptions"}
    urdu = walk([text("hi"), text("اردو"), text("۱"), text("دوائی")])
    assert urdu.state["answers"]["need"] == "prescriptions" and urdu.state["language"] == "ur"


@pytest.mark.parametrize("asked", ["*", "język", "ভাষা", "زبان"])
def test_change_language_from_any_question_keeps_the_answers(asked):
    turn = walk([text("hi"), text("2"), text("1"), text(asked)])
    assert turn.state["node"] == "language" and turn.state["answers"]["category"] == "shielding"
    assert turn.prompt.messages[-1].startswith("Wybierz język.")
    chosen = engine.advance(FLOW, turn.state, text("1"), Channel.SMS)
    assert chosen.state["language"] == "en" and chosen.state["node"] == "category"


def test_a_remembered_language_skips_the_menu_with_a_hint_in_that_language():
    turn = engine.start(FLOW, Channel.SMS, language="ur")
    assert turn.state["node"] == "category" and turn.state["answers"] == {"language": "ur"}
    assert [line.language for line in turn.prompt.lines] == ["ur"] * len(turn.prompt.lines)
    assert FLOW.phrase("language_hint_sms", "ur") in turn.prompt.messages
    unknown = engine.start(FLOW, Channel.SMS, language="xx")
    assert unknown.state["node"] == "language" and unknown.state["language"] == "en"


def test_each_line_carries_its_language_and_recording_name():
    lines = engine.start(FLOW, Channel.VOICE).prompt.lines
    welcome = [(line.language, line.key) for line in lines if line.key == "welcome"]
    assert welcome == [("en", "welcome"), ("pl", "welcome"), ("ur", "welcome"), ("bn", "welcome")]
    options = [(line.language, line.key, line.fallback) for line in lines
               if line.key.startswith("language.")]
    assert options == [("en", "language.1", None), ("pl", "language.2", "Polish: press 2."),
                       ("ur", "language.3", "Urdu: press 3."),
                       ("bn", "language.4", "Bengali: press 4.")]
    sms = engine.start(FLOW, Channel.SMS).prompt
    assert [line.language for line in sms.lines if line.key == "welcome"] == ["en"]
