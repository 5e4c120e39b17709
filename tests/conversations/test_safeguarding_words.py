"""Safeguarding words by phone and in voicemail transcriptions; the words kept from menu answers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.domain.flow_answers import InputKind, UserInput, own_words
from app.domain.safeguarding import find_safeguarding_phrases, language_files
from app.models.case import Case, CaseEvent, SafeguardingAlert
from app.models.conversation import Conversation
from app.services.conversations import handover
from app.services.conversations.state import default_flow

LANDLINE = "01632960124"


def test_spoken_words_at_a_menu_open_the_case_before_the_caller_hangs_up(
        caller, db_session) -> None:
    call = caller(LANDLINE)
    call.start()
    call.press("1")  # English
    call.press("3")  # something else
    answer = call.say("I have fallen and cant get up")  # at the needs menu: not an option
    assert "ring 999" in answer.said
    case = db_session.scalars(select(Case)).one()
    assert case.urgency == "safeguarding" and case.status == "needs_staff"
    assert case.details == "I have fallen and cant get up" and case.channel == "voice"
    conversation = db_session.scalars(select(Conversation)).one()
    assert conversation.case_id == case.id and conversation.status == "active"


def test_voicemail_transcription_raises_safeguarding_once(caller, db_session, monkeypatch,
                                                          twilio_post) -> None:
    monkeypatch.setattr(handover, "line_is_open", lambda settings, now: False)
    call = caller(LANDLINE)
    call.start()
    record = call.say("operator").root.find("Record")
    assert record.get("transcribeCallback") == "/twilio/voice/transcription"
    params = {"CallSid": call.call_sid, "TranscriptionStatus": "completed",
              "TranscriptionText": "Please ring me, he hits me when he drinks",
              "RecordingSid": "RE2", "AccountSid": "AC" + "1" * 32}
    for _ in range(2):  # Twilio may deliver a callback twice
        assert twilio_post("/twilio/voice/transcription", params).status_code == 200
    case = db_session.scalars(select(Case)).one()
    assert case.urgency == "safeguarding" and case.status == "needs_staff"
    alerts = db_session.scalars(select(SafeguardingAlert)).all()
    assert [(a.source, a.detail["phrases"]) for a in alerts] == [("voicemail", ["he hits me"])]
    transcripts = db_session.scalars(select(CaseEvent).where(
        CaseEvent.kind == "voicemail_transcript")).all()
    assert [t.summary for t in transcripts] == ["Please ring me, he hits me when he drinks"]


def test_failed_or_unknown_transcriptions_change_nothing(twilio_post, db_session) -> None:
    assert twilio_post("/twilio/voice/transcription", {
        "CallSid": "CA" + "9" * 32, "TranscriptionStatus": "completed",
        "TranscriptionText": "suicide"}).status_code == 200
    assert db_session.scalars(select(SafeguardingAlert)).all() == []


@pytest.mark.parametrize(("node", "text", "kept"), [
    ("need", "1", None),
    ("need", "food", None),
    ("need", "Food please", None),
    ("need", "two", None),
    ("need", "no food for days and I feel dizzy", "no food for days and I feel dizzy"),
    ("category", "I'm shielding because of my heart and my husband",
     "I'm shielding because of my heart and my husband"),
    ("consent", "yes please", None),
    ("consent", "no, I don't want my son to know", "no, I don't want my son to know"),
    ("details", "anything at all", None),  # a text question stores its answer anyway
])
def test_own_words_from_menu_and_yes_no_answers(settings, node, text, kept) -> None:
    flow = default_flow(settings)
    given = UserInput(InputKind.TEXT, text)
    assert own_words(flow, flow.nodes[node], "en", given) == kept


def test_key_presses_are_never_words(settings) -> None:
    flow = default_flow(settings)
    assert own_words(flow, flow.nodes["need"], "en", UserInput(InputKind.DIGITS, "1")) is None


def test_every_language_list_is_scanned() -> None:
    assert set(language_files()) >= {"en", "pl"}
    assert find_safeguarding_phrases("Pomocy, upadłam i nie mogę wstać") == [
        "upadłam", "nie mogę wstać"]
    assert find_safeguarding_phrases("upadlam, nie moge wstac") == ["upadlam", "nie moge wstac"]
    assert find_safeguarding_phrases("Nie mam leków na jutro") == []


@pytest.mark.parametrize("text", ["nie mam jedzenia, chcę się zabić", "chyba się zabiję",
                                  "chce sie zabic"])
def test_polish_self_harm_words_in_either_order(text: str) -> None:
    """Polish puts "się" before or after the verb: both orders are found."""
    assert find_safeguarding_phrases(text)


def test_a_volunteers_stop_withdraws_their_open_offers(send_sms, db_session) -> None:
    from datetime import date

    from app.models.volunteer import Offer
    from tests import factories

    volunteer = factories.make_volunteer(db_session, dbs_status="clear",
                                         dbs_expires_on=date(2999, 1, 1))
    case = factories.make_case(db_session, status="offered")
    offer = Offer(case_id=case.id, volunteer_id=volunteer.id, attempt=1, status="sent")
    db_session.add(offer)
    db_session.commit()
    assert send_sms(volunteer.phone, "STOP") == []
    db_session.refresh(offer)
    assert offer.status == "withdrawn"
    db_session.refresh(case)
    assert case.status == "needs_staff"  # nobody else near: with staff, as after a NO
    assert [e.kind for e in case.events] == ["offer_withdrawn", "needs_staff"]
