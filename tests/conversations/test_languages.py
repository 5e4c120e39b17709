"""Every resident in their own language: four languages by SMS and by phone, each said in its
own voice (or played from the operator's recordings), and the language remembered."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.domain.flow_files import load_flow
from app.domain.sms_segments import count_segments
from app.domain.voice_prompts import spoken_prompts
from app.models.case import Case, CaseEvent
from app.models.conversation import Conversation
from app.models.resident import Resident
from app.runtime import Runtime

FLOW = load_flow(Path(__file__).resolve().parents[2] / "flows" / "here2help.yaml")
VOICES = {lang.voice: lang.tts for lang in FLOW.languages}
ENGLISH = ("en-GB", "Polly.Amy")
POLISH = ("pl-PL", "Polly.Ewa")
BENGALI = ("bn-IN", "Google.bn-IN-Standard-A")

# Inputs for the whole SMS flow, in each language's own words where it has them: language,
# category, need, details (skipped), postcode, name, consent.
SMS_WALKS = {
    "en": ["hello", "1", "shielding", "prescriptions", "skip", "WR1 2NN", "Ann Jones", "yes"],
    "pl": ["dzień dobry", "2", "chronię się", "leki", "pomiń", "WR1 2NN", "Anna Nowak", "tak"],
    "ur": ["السلام علیکم", "3", "خطرے میں", "دوائی", "چھوڑیں", "WR1 2NN", "علی خان", "جی ہاں"],
    "bn": ["হ্যালো", "৪", "১", "ওষুধ", "বাদ", "WR1 2NN", "রহিম উদ্দিন", "হ্যাঁ"],
}


def _script(text: str) -> str:
    """Which language a text is written in, by its letters."""
    if any("\u0980" <= ch <= "\u09ff" for ch in text):
        return "bn"
    if any("\u0600" <= ch <= "\u06ff" for ch in text):
        return "ur"
    if any(ch in "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ" for ch in text):
        return "pl"
    return "latin"


def _says(answer) -> list[tuple[str, str, str | None]]:
    return [(s.text or "", s.get("language"), s.get("voice")) for s in answer.root.iter("Say")]


def _plays(answer) -> list[str]:
    return [p.text or "" for p in answer.root.iter("Play")]


def _own_voices(answer) -> None:
    """Every <Say> is in the voice of the language it is written in; nothing is Urdu-voiced."""
    for text, language, voice in _says(answer):
        script = _script(text)
        assert script != "ur", text  # no voice speaks Urdu: recordings or nothing
        if script == "bn":
            assert (language, voice) == BENGALI, text
        elif script == "pl":
            assert (language, voice) == POLISH, text
        assert VOICES[language] == voice, (text, language, voice)


@pytest.fixture
def prompts(tmp_path) -> Path:
    folder = tmp_path / "prompts"
    folder.mkdir()
    return folder


@pytest.fixture
def runtime(settings, engine, session_factory, prompts) -> Runtime:
    own = dataclasses.replace(settings, voice_prompts_dir=prompts,
                              relay_caller_ids=("+447700900699",))
    return Runtime(settings=own, engine=engine, session_factory=session_factory)


def _record_all(prompts: Path, language: str) -> list[str]:
    keys = sorted({key for _where, key in spoken_prompts(FLOW, language)})
    (prompts / language).mkdir(exist_ok=True)
    for key in keys:
        (prompts / language / f"{key}.mp3").write_bytes(b"ID3 " + key.encode())
    return keys


@pytest.mark.parametrize("language", sorted(SMS_WALKS))
def test_whole_flow_by_sms_in_every_language(send_sms, db_session, language):
    phone = {"en": "07700900601", "pl": "07700900602", "ur": "07700900603",
             "bn": "07700900604"}[language]
    replies = [send_sms(phone, text) for text in SMS_WALKS[language]]
    for reply in replies:  # one text per inbound, at most two segments, in the language
        assert len(reply) == 1 and count_segments(reply[0]).segments <= 2, reply
    for reply in replies[2:]:  # after the language menu: written in the chosen language
        assert _script(reply[0]) == ("latin" if language == "en" else language), reply
    assert FLOW.nodes["privacy"].text[language] in replies[1][0]
    case = db_session.scalars(select(Case).where(Case.phone == "+44" + phone[1:])).one()
    assert (case.channel, case.language, case.category, case.need, case.postcode) == (
        "sms", language, "shielding", "prescriptions", "WR1 2NN")
    assert case.name == SMS_WALKS[language][6] and case.consent_to_share is True
    done = FLOW.nodes["done"].text[language].replace("{reference}", case.reference)
    assert replies[-1][0].startswith(done)


def test_the_first_text_offers_every_language_by_its_own_name(send_sms):
    first = send_sms("07700900605", "hi")[0]
    assert first.endswith("Choose a language.\n1 English\n2 Polski\n3 اردو\n4 বাংলা")
    assert count_segments(first).segments <= 2


def test_the_first_phone_answer_says_each_language_in_its_own_voice(caller):
    first = caller("07700900610").start()
    _own_voices(first)
    said = _says(first)
    welcome, question = FLOW.nodes["welcome"].text, FLOW.nodes["language"].text
    assert said == [
        (welcome["en"], *ENGLISH), (welcome["pl"], *POLISH), (welcome["bn"], *BENGALI),
        ("If you are using a text relay service, press 9.", *ENGLISH),
        (question["en"], *ENGLISH), (question["pl"], *POLISH), (question["bn"], *BENGALI),
        ("English: press 1.", *ENGLISH), ("Polski: naciśnij 2.", *POLISH),
        ("Urdu: press 3.", *ENGLISH),  # no Urdu voice and no recording: its English words
        ("বাংলা: 4 টিপুন।", *BENGALI),
    ]
    assert _plays(first) == []


@pytest.mark.parametrize(("language", "key", "voice"), [
    ("en", "1", ENGLISH), ("pl", "2", POLISH), ("bn", "4", BENGALI)])
def test_whole_flow_by_phone_in_each_spoken_language(caller, db_session, language, key, voice):
    phone = {"en": "07700900611", "pl": "07700900612", "bn": "07700900614"}[language]
    call = caller(phone)
    call.start()
    answers = [call.press(key), call.press("1"), call.press("2"), call.press("5"),
               call.say("W R one two N N"), call.press("1"), call.press("9"), call.press("1")]
    for answer in answers:
        _own_voices(answer)
        assert {(lang, tts) for _text, lang, tts in _says(answer)} == {voice}, answer.raw
        gather = answer.gather
        if gather is not None:
            assert gather.get("language") == voice[0]
    end = answers[-1]
    assert end.root.find("Hangup") is not None
    case = db_session.scalars(select(Case).where(Case.phone == "+44" + phone[1:])).one()
    assert (case.channel, case.language, case.category, case.need, case.postcode) == (
        "voice", language, "shielding", "prescriptions", "WR1 2NN")


def test_urdu_by_phone_with_the_operators_recordings(caller, db_session, prompts):
    _record_all(prompts, "ur")
    call = caller("07700900613")
    first = call.start()
    assert [p.rsplit("/", 2)[-2:] for p in _plays(first)] == [
        ["ur", "welcome.mp3"], ["ur", "language.mp3"], ["ur", "language.3.mp3"]]
    answers = [call.press("3"), call.press("1"), call.press("2"), call.press("5"),
               call.say("W R one two N N")]
    heard = answers[-1]
    assert [p.rsplit("/", 1)[-1] for p in _plays(heard)] == [
        "phrase.confirm_postcode.mp3", "phrase.yes_no_voice.mp3"]
    # The postcode itself is said (English voice) after the recording of "we heard".
    assert ("W R 1, 2 N N", *ENGLISH) in _says(heard)
    answers += [call.press("1"), call.press("9"), call.press("1")]
    for answer in answers:
        _own_voices(answer)
        assert _plays(answer), answer.raw
        assert all("/voice-prompts/ur/" in p for p in _plays(answer))
    case = db_session.scalars(select(Case).where(Case.phone == "+447700900613")).one()
    assert (case.language, case.need, case.postcode, case.status) == (
        "ur", "prescriptions", "WR1 2NN", "new")


def test_urdu_by_phone_without_recordings_goes_to_a_person_said_plainly(caller, db_session):
    call = caller("07700900615")
    call.start()
    answer = call.press("3")
    _own_voices(answer)
    assert answer.gather is None
    assert answer.root.find("Dial") is not None or answer.root.find("Record") is not None
    said = " ".join(text for text, _lang, _voice in _says(answer))
    assert "cannot speak your language yet" in said and "text this number" in said
    case = db_session.scalars(select(Case).where(Case.phone == "+447700900615")).one()
    assert (case.language, case.status) == ("ur", "needs_staff")
    handover = db_session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "handover")).one()
    assert handover.data["reason"] == "no_voice"
    again = caller("07700900615").start()  # Urdu remembered: the welcome (999), then a person
    _own_voices(again)
    said = [text for text, _lang, _voice in _says(again)]
    assert said[0] == FLOW.nodes["welcome"].text["en"] and again.gather is None
    assert any("cannot speak your language yet" in text for text in said)


def test_a_second_text_conversation_starts_in_the_language_of_the_first(
        send_sms, db_session, settings):
    phone, e164 = "07700900620", "+447700900620"
    send_sms(phone, "cześć")
    send_sms(phone, "2")  # Polski
    assert db_session.scalars(select(Resident).where(Resident.phone == e164)).one().language \
        == "pl"
    conversation = db_session.scalars(select(Conversation)
                                      .where(Conversation.phone == e164)).one()
    conversation.last_activity_at -= timedelta(seconds=settings.conversation_timeout_seconds + 1)
    db_session.commit()
    again = send_sms(phone, "hej")[0]
    assert again.startswith(FLOW.nodes["welcome"].text["pl"])
    assert "Zmiana języka: odpisz *." in again and FLOW.nodes["category"].text["pl"] in again
    assert "Choose a language" not in again
    # Why not two segments: the greeting (with 999), how to change language, the privacy
    # note and the first question must all come before the first answer, in ONE reply.
    assert count_segments(again).segments <= 4
    menu = send_sms(phone, "*")[0]
    assert "Wybierz język." in menu and "4 বাংলা" in menu
    assert send_sms(phone, "4")[0].startswith(FLOW.nodes["privacy"].text["bn"])
    assert db_session.scalars(select(Resident.language).where(Resident.phone == e164)).one() \
        == "bn"


def test_a_second_call_starts_in_the_language_of_the_first(caller, db_session):
    phone = "07700900621"
    first = caller(phone)
    first.start()
    first.press("4")  # বাংলা
    again = caller(phone).start()
    _own_voices(again)
    said = [text for text, _lang, _voice in _says(again)]
    assert said[0] == FLOW.nodes["welcome"].text["bn"]
    assert FLOW.phrase("language_hint_voice", "bn") in said
    assert not any(text == FLOW.nodes["welcome"].text["en"] for text in said)
    assert again.gather.get("language") == "bn-IN"
    back = caller(phone)
    back.start()
    menu = back.press("*")
    assert ("English: press 1.", *ENGLISH) in _says(menu)


def test_status_and_help_answer_in_the_remembered_language(send_sms, db_session):
    phone = "07700900622"
    for text in SMS_WALKS["ur"]:
        send_sms(phone, text)
    status = send_sms(phone, "STATUS")[0]
    case = db_session.scalars(select(Case).where(Case.phone == "+447700900622")).one()
    assert status == f"Here2Help: آپ کی درخواست {case.reference}: " \
                     f"{FLOW.phrase('case_status_new', 'ur')}۔"
    assert send_sms(phone, "HELP")[0] == FLOW.phrase("help", "ur")


def test_relay_caller_by_prefix_gets_keys_only_long_waits_and_a_person_after_one_miss(
        caller, db_session):
    call = caller("1800107700900630")
    first = call.start()
    gather = first.gather
    assert (gather.get("input"), gather.get("timeout")) == ("dtmf", "30")
    assert gather.get("speechTimeout") is None and gather.get("hints") is None
    assert "press 9" not in " ".join(t for t, _l, _v in _says(first))
    call.press("1")  # English
    category = call.last
    said = " ".join(t for t, _l, _v in _says(category))
    assert "1 Shielding" in said and "press 1" not in said  # the short wording
    wrong = call.press("7")  # not a choice: one failure is enough
    assert wrong.gather is None
    assert wrong.root.find("Dial") is not None or wrong.root.find("Record") is not None
    case = db_session.scalars(select(Case).where(Case.phone == "+447700900630")).one()
    assert case.status == "needs_staff"


def test_press_9_at_the_start_switches_to_relay_and_a_postcode_goes_to_a_person(
        caller, db_session):
    call = caller("07700900631")
    call.start()
    relay = call.press("9")
    assert relay.gather.get("input") == "dtmf" and relay.gather.get("timeout") == "30"
    assert "Text relay: answer with keys." in " ".join(t for t, _l, _v in _says(relay))
    call.press("1")  # English
    call.press("1")  # shielding
    to_person = call.press("2")  # prescriptions; details skipped; a postcode needs words
    assert to_person.gather is None
    case = db_session.scalars(select(Case).where(Case.phone == "+447700900631")).one()
    assert (case.status, case.need) == ("needs_staff", "prescriptions")


def test_a_listed_relay_caller_id_is_in_relay_mode_and_silence_hands_over_at_once(caller):
    call = caller("07700900699")  # RELAY_CALLER_IDS in this module's settings
    first = call.start()
    assert first.gather.get("input") == "dtmf"
    quiet = call.silence()
    assert quiet.gather is None  # one silence: a person


@pytest.mark.parametrize(("language", "words", "phrase"), [
    ("ur", "میرا شوہر مجھے مارتا ہے", "مارتا ہے"),
    ("bn", "আমার বুকে ব্যথা, শ্বাস নিতে পারছি না", "বুকে ব্যথা"),
])
def test_safeguarding_words_in_urdu_and_bengali_raise_it_and_answer_in_the_language(
        send_sms, db_session, language, words, phrase):
    phone = {"ur": "07700900640", "bn": "07700900641"}[language]
    send_sms(phone, "hi")
    send_sms(phone, {"ur": "3", "bn": "4"}[language])
    reply = send_sms(phone, words)[0]
    assert FLOW.phrase("safeguarding", language) in reply
    case = db_session.scalars(select(Case).where(Case.phone == "+44" + phone[1:])).one()
    assert case.urgency == "safeguarding" and case.language == language
    raised = db_session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "safeguarding")).one()
    assert phrase in raised.data["phrases"] and raised.data["language"] == language


def test_a_volunteers_news_reaches_the_resident_in_their_language():
    from app.models.volunteer import Volunteer
    from app.services.matching.texts import resident_assigned_text, resident_completed_text

    volunteer = Volunteer(name="Sam Smith", kind="individual")
    for language, need in (("ur", "کھانا"), ("bn", "খাবার"), ("pl", "zakupy")):
        case = Case(reference="H2H-7K3Q", need="food", language=language)
        assigned = resident_assigned_text(case, volunteer)
        assert assigned.startswith("Here2Help H2H-7K3Q: ") and "Sam" in assigned
        assert need in assigned and count_segments(assigned).segments <= 2
        assert _script(resident_completed_text(case)) == language
    english = resident_assigned_text(Case(reference="H2H-7K3Q", need="food", language="xx"),
                                     volunteer)
    assert english == ("Here2Help H2H-7K3Q: good news, Sam will contact you soon about food "
                       "shopping. Reply STATUS any time.")
