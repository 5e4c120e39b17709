"""Reading a resident's answer to the follow-up SMS (app.domain.follow_up)."""

from __future__ import annotations

import pytest

from app.domain.follow_up import FollowUpAnswer, parse_follow_up_answer

YES, PARTLY, NO, AGAIN = (FollowUpAnswer.YES, FollowUpAnswer.PARTLY, FollowUpAnswer.NO,
                          FollowUpAnswer.AGAIN)


@pytest.mark.parametrize(("text", "answer"), [
    ("1", YES), (" 1 ", YES), ("Yes", YES), ("yes thanks!", YES), ("Y", YES),
    ("2", PARTLY), ("partly", PARTLY), ("Partially, some of it", PARTLY),
    ("3", NO), ("no", NO), ("NO, nobody came", NO), ("Nope.", NO),
    ("again", AGAIN), ("AGAIN please", AGAIN),
])
def test_numbers_and_english_words(text, answer):
    assert parse_follow_up_answer(text, "en") is answer


@pytest.mark.parametrize(("text", "answer"), [
    ("tak", YES), ("Częściowo", PARTLY), ("czesciowo", PARTLY), ("nie", NO), ("znowu", AGAIN),
    ("yes", YES), ("3", NO),  # English and numbers work whatever the case's language
])
def test_the_case_language_first_then_english(text, answer):
    assert parse_follow_up_answer(text, "pl") is answer


@pytest.mark.parametrize(("text", "language", "answer"), [
    ("ہاں", "ur", YES), ("نہیں، کوئی نہیں آیا", "ur", NO), ("۳", "ur", NO), ("دوبارہ", "ur", AGAIN),
    ("হ্যাঁ", "bn", YES), ("আংশিক", "bn", PARTLY), ("না", "bn", NO), ("৩", "bn", NO),
    ("আবার", "bn", AGAIN), ("2", "bn", PARTLY), ("yes", "ur", YES),
])
def test_urdu_and_bengali_words_and_digits(text, language, answer):
    assert parse_follow_up_answer(text, language) is answer


@pytest.mark.parametrize("text", [
    None, "", "   ", "hello", "I need help with shopping", "4", "tak",  # Polish is not English
    "no food for days and I feel dizzy, please help me",  # a sentence, not an answer
    "the answer is yes", "2 people need food", "Some bread and milk please",
    "Not safe he hit me", "y is that", "\x00", "🙂", "1" * 200, "yes " + "really " * 10,
])
def test_other_texts_are_not_answers(text):
    assert parse_follow_up_answer(text, "en") is None
