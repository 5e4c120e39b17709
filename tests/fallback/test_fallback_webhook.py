"""POST /twilio/fallback with the database DOWN: journal everything, answer safe TwiML."""

from __future__ import annotations

import json
import logging
from xml.etree import ElementTree

import pytest

from app.services.fallback.journal import pending_files, read_entry
from tests.fallback.payloads import call_params, sms_params


def twiml(response) -> ElementTree.Element:
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    root = ElementTree.fromstring(response.data)  # noqa: S314 (our own reply)
    assert root.tag == "Response"
    return root


def journal(settings):
    return {p.name: read_entry(p) for p in pending_files(settings.fallback_journal_dir)}


def test_fifty_texts_and_calls_with_the_database_down(fallback_post, down_settings, db_touches):
    texts = [sms_params(n) for n in range(50)]
    calls = [call_params(n) for n in range(5)]
    for params in texts:
        root = twiml(fallback_post(params))
        [message] = root.findall("Message")
        assert "999" in message.text and "111" in message.text
        assert "01632 960123" in message.text  # the council's number from settings
    for params in calls:
        root = twiml(fallback_post(params))
        says = " ".join(s.text for s in root.findall("Say"))
        assert "9 9 9" in says and "1 1 1" in says and "0 1 6 3 2, 9 6 0 1 2 3" in says
        [record] = root.findall("Record")
        assert record.get("action").endswith("/twilio/fallback")
        assert root[-1].tag == "Hangup"
    entries = journal(down_settings)
    assert len(entries) == 55
    by_key = {e.key: e for e in entries.values()}
    for params in texts:
        entry = by_key[params["MessageSid"]]
        assert entry.kind == "sms"
        assert entry.get("Body") == params["Body"]  # unicode kept exactly
        assert entry.error_code == "11200"
        assert entry.error_url == "https://helpline.example/twilio/sms"
        assert entry.headers["X-Twilio-Signature"]
        assert entry.url == "http://localhost/twilio/fallback"
    assert {by_key[c["CallSid"]].kind for c in calls} == {"call"}
    assert db_touches == []


def test_voicemail_is_journaled_separately_and_thanked(fallback_post, down_settings, db_touches):
    params = call_params(1)
    fallback_post(params)
    recording = {**params, "RecordingUrl": "https://api.twilio.com/rec/RE1",
                 "RecordingSid": "RE" + "1" * 32, "RecordingDuration": "12"}
    root = twiml(fallback_post(recording))
    assert "Thank you" in root.find("Say").text
    assert root[-1].tag == "Hangup"
    kinds = sorted(e.kind for e in journal(down_settings).values())
    assert kinds == ["call", "recording"]
    assert db_touches == []


def test_same_message_sid_twice_is_one_entry_and_the_same_answer(fallback_post, down_settings):
    params = sms_params(7)
    first, second = fallback_post(params), fallback_post(params)
    assert first.data == second.data
    assert len(journal(down_settings)) == 1


def test_repeated_keys_are_kept_in_the_journal(fallback_post, down_settings):
    pairs = [*sms_params(3).items(), ("MediaUrl0", "a"), ("MediaUrl0", "b")]
    twiml(fallback_post(pairs))
    [entry] = journal(down_settings).values()
    assert [v for k, v in entry.form if k == "MediaUrl0"] == ["a", "b"]


def test_forged_signature_is_refused_and_nothing_is_written(fallback_post, down_settings,
                                                              db_touches):
    response = fallback_post(sms_params(1), signature="forged")
    assert response.status_code == 403
    assert journal(down_settings) == {}
    assert db_touches == []


@pytest.mark.parametrize(
    "body", ["", "x" * 5000, "\x00\x07 control", "<Say>&amp;</Say>"],
    ids=["empty", "huge", "control", "markup"],
)
def test_odd_bodies_still_get_valid_twiml(fallback_post, down_settings, body):
    twiml(fallback_post(sms_params(2, Body=body)))
    [entry] = journal(down_settings).values()
    assert entry.get("Body") == body.replace("\x00", "")  # NUL is dropped from every field


def test_request_without_any_sid_is_kept_under_a_content_key(fallback_post, down_settings):
    root = twiml(fallback_post({"From": "+447700900001", "Body": "hello"}))
    assert root.find("Message") is not None
    [entry] = journal(down_settings).values()
    assert entry.kind == "unknown" and len(entry.key) == 32


def test_journal_write_failure_still_answers_safely(fallback_post, down_settings, caplog):
    down_settings.instance_path.mkdir(parents=True)
    # A FILE where the journal directory should be: every write fails.
    down_settings.fallback_journal_dir.write_text("not a directory")
    with caplog.at_level(logging.CRITICAL):
        root = twiml(fallback_post(call_params(4)))
    assert "9 9 9" in root.find("Say").text
    assert any("journal write FAILED" in r.getMessage() for r in caplog.records)
    assert all("+44" not in r.getMessage() for r in caplog.records)  # no number in the log


def test_journal_files_are_private_and_complete_json(fallback_post, down_settings):
    fallback_post(sms_params(9))
    [path] = pending_files(down_settings.fallback_journal_dir)
    assert path.stat().st_mode & 0o077 == 0
    data = json.loads(path.read_text())
    assert data["version"] == 1 and data["kind"] == "sms"
    assert not list(down_settings.fallback_journal_dir.glob(".tmp-*"))


def test_public_base_url_is_used_for_the_voicemail_action(down_app, down_settings, monkeypatch):
    import dataclasses

    from tests.plugins.twilio_webhooks import sign

    public = dataclasses.replace(down_settings, public_base_url="https://h2h.example/line")
    down_app.extensions["here2help"].settings = public
    params = call_params(5)
    signature = sign(public.twilio_auth_token, "https://h2h.example/line/twilio/fallback", params)
    response = down_app.test_client().post("/twilio/fallback", data=params,
                                           headers={"X-Twilio-Signature": signature})
    root = twiml(response)
    assert root.find("Record").get("action") == "https://h2h.example/line/twilio/fallback"
    [entry] = journal(public).values()
    assert entry.url == "https://h2h.example/line/twilio/fallback"


def test_parallel_duplicates_leave_one_complete_entry(fallback_post, down_settings):
    from concurrent.futures import ThreadPoolExecutor

    params = sms_params(11)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: fallback_post(params), range(16)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.data for a in answers}) == 1
    [entry] = journal(down_settings).values()
    assert entry.key == params["MessageSid"]
    assert not list(down_settings.fallback_journal_dir.glob(".tmp-*"))


def test_spell_digits_reads_a_number_slowly():
    from app.web.webhooks.fallback import spell_digits

    assert spell_digits("01632 960123") == "0 1 6 3 2, 9 6 0 1 2 3"
    assert spell_digits("+44 (0)1632-960123") == "4 4, 0 1 6 3 2 9 6 0 1 2 3"
